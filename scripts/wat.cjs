// The one way this project assembles WebAssembly text (wabt, SIMD on), shared by
// scripts/assemble-wat.cjs and the test that checks the committed bytes.
const wabtInit = require("wabt");

const PHILOX_WAT = "src/random/philox.wat";

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

module.exports = { assembleWat, PHILOX_WAT };
