"""Runs code in the "gradnoise" kernel the way Jupyter clients do, for test/e2e/kernel-errors.test.ts.

Reads JSON from stdin and writes JSON to stdout:
  {"mode": "cells", "cells": [code, ...], "interrupt_after": {"<index>": seconds}}
      one kernel (jupyter_client), each cell executed in turn; for each: the execute_reply's
      content, the IOPub messages it caused ({"msg_type", "content"}) and the seconds to the
      reply; a cell listed in interrupt_after gets Kernel > Interrupt that many seconds after
      its first stream output (seconds then counts from the interrupt).
  {"mode": "notebook", "cells": [code, ...]}
      nbclient runs a notebook of these cells (Run All): whether it raised CellExecutionError,
      its message, and each cell's execution_count and outputs.
"""
import json
import os
import sys
import threading
import time

from jupyter_client.manager import start_new_kernel

KERNEL = "gradnoise"
TIMEOUT = 120


def run_cells(cells, interrupt_after):
    km, kc = start_new_kernel(kernel_name=KERNEL, startup_timeout=TIMEOUT)
    out = []
    try:
        for i, code in enumerate(cells):
            msg_id = kc.execute(code)
            messages = []
            t0 = time.time()
            if str(i) in interrupt_after:
                # Interrupt once the cell runs (it writes to stdout first): a SIGINT that reaches
                # tslab before the cell starts is lost, as it always was.
                while True:
                    msg = kc.get_iopub_msg(timeout=TIMEOUT)
                    if msg["parent_header"].get("msg_id") != msg_id or msg["msg_type"] == "status":
                        continue
                    messages.append({"msg_type": msg["msg_type"], "content": msg["content"]})
                    if msg["msg_type"] == "stream":
                        break
                time.sleep(interrupt_after[str(i)])
                km.interrupt_kernel()
                t0 = time.time()
            reply = kc.get_shell_msg(timeout=TIMEOUT)
            while reply["parent_header"].get("msg_id") != msg_id:
                reply = kc.get_shell_msg(timeout=TIMEOUT)
            seconds = time.time() - t0
            while True:
                msg = kc.get_iopub_msg(timeout=TIMEOUT)
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                    break
                if msg["msg_type"] != "status":
                    messages.append({"msg_type": msg["msg_type"], "content": msg["content"]})
            out.append({"reply": reply["content"], "messages": messages, "seconds": seconds})
            if reply["content"]["status"] == "error":
                # The kernel drops what reaches it within 200 ms of an error (stop_on_error,
                # as Run All wants); a user runs the next cell later than that.
                time.sleep(0.5)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return out


def run_notebook(cells):
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    error = None
    try:
        NotebookClient(nb, timeout=TIMEOUT, kernel_name=KERNEL).execute()
    except CellExecutionError as e:
        error = str(e)
    return {
        "raised": error is not None,
        "error": error,
        "cells": [{"execution_count": c.get("execution_count"), "outputs": c.outputs} for c in nb.cells],
    }


if __name__ == "__main__":
    request = json.loads(sys.stdin.read())
    # The kernel inherits our stdout and may write to it (before it redirects its output to
    # IOPub): give it stderr, and keep stdout for the JSON.
    result_fd = os.dup(1)
    os.dup2(2, 1)
    if request["mode"] == "cells":
        result = run_cells(request["cells"], request.get("interrupt_after", {}))
    else:
        result = run_notebook(request["cells"])
    with os.fdopen(result_fd, "w") as out:
        json.dump(result, out)
