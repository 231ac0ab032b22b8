/**
 * The WebAssembly SIMD Philox kernel (philox.wat, assembled into
 * philox-wasm.ts): instances over a given memory, so the kernel can write
 * into tfjs-backend-wasm's heap, or over a memory of their own.
 */
import { PHILOX_WASM_BASE64 } from "./philox-wasm";

type FillFn = (out: number, size: number, start: number, k0: number, k1: number, purpose: number, std: number, scratch: number, base: number, add: number) => void;

export interface PhiloxSimd {
  readonly memory: WebAssembly.Memory;
  /**
   * Writes stream elements start .. start+size-1 (times std) as f32 at byte
   * address `out` of the memory; `scratch` is 64 free bytes (16-aligned not needed).
   * With `base` (a byte address; it may be `out`), element i is base[i] + that
   * normal, f32-rounded: the bits of a separate add.
   */
  fill(out: number, size: number, start: number, key: readonly [number, number], purpose: number, std: number, scratch: number, base?: number): void;
}

let compiled: WebAssembly.Module | undefined;

function philoxModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(Uint8Array.from(atob(PHILOX_WASM_BASE64), (c) => c.charCodeAt(0)));
  return compiled;
}

/** Whether this runtime validates the module (WebAssembly SIMD present). */
export function philoxSimdSupported(): boolean {
  try {
    philoxModule();
    return true;
  } catch {
    return false;
  }
}

/** An instance of the kernel over `memory` (throws when the memory cannot be imported, e.g. a shared one). */
export function philoxSimd(memory: WebAssembly.Memory): PhiloxSimd {
  const instance = new WebAssembly.Instance(philoxModule(), { env: { memory } });
  const f = instance.exports.fill as FillFn;
  return {
    memory,
    fill(out, size, start, key, purpose, std, scratch, base) {
      if (!(Number.isInteger(start) && start >= 0 && Number.isInteger(size) && size >= 0 && start + size <= 2 ** 32 - 16)) {
        throw new RangeError(`philox fill(): elements ${start} .. ${start + size} are outside [0, 2^32 - 16)`);
      }
      f(out, size, start | 0, key[0] | 0, key[1] | 0, purpose | 0, std, scratch, base ?? 0, base === undefined ? 0 : 1);
    },
  };
}

let own: { simd: PhiloxSimd; bytes: number } | undefined;

/** n normals of the stream (JS array out), through an instance with its own memory: for hosts without a tfjs heap. */
export function philoxSimdNormals(n: number, start: number, key: readonly [number, number], purpose: number, std: number): Float32Array {
  const need = 64 + n * 4;
  if (!own || own.bytes < need) {
    const pages = Math.ceil(need / 65536);
    own = { simd: philoxSimd(new WebAssembly.Memory({ initial: pages })), bytes: pages * 65536 };
  }
  own.simd.fill(64, n, start, key, purpose, std, 0);
  return new Float32Array(own.simd.memory.buffer, 64, n).slice();
}
