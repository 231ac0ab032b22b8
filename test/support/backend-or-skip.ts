/**
 * Selects `backend` for a test, or skips the test with the reason when this
 * machine has no such backend; true when selected.
 */
import type { TestContext } from "node:test";
import { selectBackend } from "../../src/engine/backend";

export async function useBackendOrSkip(t: TestContext, backend: "cpu" | "wasm" | "webgpu"): Promise<boolean> {
  try {
    await selectBackend({ backend });
    return true;
  } catch (e) {
    t.skip(`no ${backend} backend: ${(e as Error).message}`);
    return false;
  }
}
