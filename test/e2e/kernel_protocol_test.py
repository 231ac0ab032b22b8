"""The Jupyter kernel protocol suite (Debian python3-jupyter-kernel-test 0.4.5) against the gradnoise kernel
(tslab 1.0.22 with patches/). Run by test/e2e/kernel-protocol.test.ts (npm test) with this checkout's kernel
first on JUPYTER_PATH; by hand: cd test/e2e && JUPYTER_PATH=../../build/jupyter /usr/bin/python3 -m unittest -v kernel_protocol_test

No samples for test_pager (code_page_something) and test_clear_output (code_clear_output): tslab has
no pager and no API that clears a cell's output, so those two skip."""
import unittest
import jupyter_kernel_test as jkt

class TslabKernelTests(jkt.KernelTests):
    kernel_name = "gradnoise"
    language_name = "typescript"
    file_extension = ".ts"
    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("oops")'
    completion_samples = [{"text": "Math.ab", "matches": {"abs"}}]
    complete_code_samples = ["let x = 1;", "function f() { return 1; }"]
    incomplete_code_samples = ["function f() {", "let a = ["]
    invalid_code_samples = ["let x = ;)", "}}"]
    code_generate_error = 'throw new Error("boom")'
    code_execute_result = [{"code": "6 * 7", "result": "42"}]
    code_display_data = [{"code": 'require("tslab").display.html("<b>hi</b>")', "mime": "text/html"}]
    code_history_pattern = "6 *"
    supported_history_operations = ("tail", "range", "search")
    code_inspect_sample = "Math.abs"

if __name__ == "__main__":
    unittest.main()
