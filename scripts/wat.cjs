// The one way this project assembles WebAssembly text (wabt, SIMD on), shared by
// scripts/assemble-wat.cjs and the tests that check the committed bytes.
const wabtInit = require("wabt");

const PHILOX_WAT = "src/random/philox.wat";
const MATMUL_WAT = "src/engine/wasm-matmul.wat";
const REDUCE_WAT = "src/engine/wasm-reduce.wat";
const COPY_WAT = "src/engine/wasm-copy.wat";

/** Each WAT source, the TypeScript module its bytes are committed in, and the constant's name and doc. */
const WAT_MODULES = [
  { wat: PHILOX_WAT, ts: "src/random/philox-wasm.ts", name: "PHILOX_WASM_BASE64", doc: "The Philox Gaussian kernel's WebAssembly module (SIMD), base64." },
  { wat: MATMUL_WAT, ts: "src/engine/wasm-matmul-wasm.ts", name: "MATMUL_WASM_BASE64", doc: "The float32 matrix-product tiles' WebAssembly module (SIMD), base64." },
  { wat: REDUCE_WAT, ts: "src/engine/wasm-reduce-wasm.ts", name: "REDUCE_WASM_BASE64", doc: "Reductions with tfjs-backend-wasm's bits (global norm, finiteness probe, leading-axes sum) as a WebAssembly module (SIMD), base64." },
  { wat: COPY_WAT, ts: "src/engine/wasm-copy-wasm.ts", name: "COPY_WASM_BASE64", doc: "Masks and copies with tfjs ops' bits (clipByValue's gradient, the shift convolutions' copies and sums) as a WebAssembly module (SIMD), base64." },
];

async function assembleWat(text, name = PHILOX_WAT) {
  const wabt = await wabtInit();
  const mod = wabt.parseWat(name, text, { simd: true, multi_value: true });
  try {
    mod.validate();
    return Uint8Array.from(mod.toBinary({}).buffer);
  } finally {
    mod.destroy();
  }
}

module.exports = { assembleWat, PHILOX_WAT, MATMUL_WAT, REDUCE_WAT, COPY_WAT, WAT_MODULES };
