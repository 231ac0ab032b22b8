/**
 * The Philox Gaussian kernel for the webgpu backend: the arithmetic of
 * philox.ts in WGSL, one invocation per element, one dispatch per segment
 * into one output buffer. GPUs may fuse a multiply and an add (WGSL allows
 * it), so values may differ from cpu and wasm by a few ulps; the bound is
 * stated in docs/noise-generator.md and tested (test/unit/random/philox-webgpu.test.ts).
 */
import * as tf from "@tensorflow/tfjs";
import { F32_BITS } from "./philox";

const WORKGROUP = 64;
const MAX_GROUPS = 65535;

const c = (name: keyof typeof F32_BITS) => `bitcast<f32>(${F32_BITS[name]}u)`;

/* The WGSL body; tfjs-backend-webgpu supplies main()'s header, the uniforms struct and setOutputAtIndex. */
const WGSL = `
fn philoxMulhi(a : u32, b : u32) -> u32 {
  let al = a & 0xffffu; let ah = a >> 16u; let bl = b & 0xffffu; let bh = b >> 16u;
  let lh = al * bh; let hl = ah * bl;
  let mid = ((al * bl) >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  return ah * bh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u);
}

fn philoxBlock(block : u32, purpose : u32, key0 : u32, key1 : u32) -> vec4<u32> {
  var c0 = block; var c1 = 0u; var c2 = purpose; var c3 = 0u;
  var k0 = key0; var k1 = key1;
  for (var r = 0u; r < 10u; r = r + 1u) {
    if (r > 0u) { k0 = k0 + 0x9e3779b9u; k1 = k1 + 0xbb67ae85u; }
    let hi0 = philoxMulhi(0xd2511f53u, c0); let lo0 = 0xd2511f53u * c0;
    let hi1 = philoxMulhi(0xcd9e8d57u, c2); let lo1 = 0xcd9e8d57u * c2;
    c0 = hi1 ^ c1 ^ k0; c1 = lo1; c2 = hi0 ^ c3 ^ k1; c3 = lo0;
  }
  return vec4<u32>(c0, c1, c2, c3);
}

fn philoxLogUnit(x : u32) -> f32 {
  let bits = bitcast<u32>(f32((x >> 8u) + 1u));
  var e = i32(bits >> 23u) - 151;
  var m = bitcast<f32>((bits & 0x007fffffu) | 0x3f800000u);
  if (m > ${c("SQRT2")}) { m = m * 0.5; e = e + 1; }
  let s = (m - 1.0) / (m + 1.0);
  let z = s * s;
  var p = z * ${c("C9")} + ${c("C7")};
  p = p * z + ${c("C5")};
  p = p * z + ${c("C3")};
  p = p * z;
  let ss = s + s;
  let ef = f32(e);
  return ef * ${c("LN2_HI")} + ((ss + ss * p) + ef * ${c("LN2_LO")});
}

// (r cos, r sin) of one pair of words, times std.
fn philoxBoxMuller(a : u32, b : u32, sd : f32) -> vec2<f32> {
  let r = sqrt(-2.0 * philoxLogUnit(a));
  let j = b >> 8u;
  let q = (j + 0x200000u) >> 22u;
  let x = f32(i32(j) - i32(q << 22u)) * ${c("QUARTER_TURN")};
  let x2 = x * x;
  var s = x2 * ${c("S9")} + ${c("S7")};
  s = s * x2 + ${c("S5")};
  s = s * x2 + ${c("S3")};
  s = x + (s * x2) * x;
  var k = x2 * ${c("K10")} + ${c("K8")};
  k = k * x2 + ${c("K6")};
  k = k * x2 + ${c("K4")};
  k = k * x2 + ${c("K2")};
  k = 1.0 + k * x2;
  var sn = s; var cs = k;
  if ((q & 1u) == 1u) { sn = k; cs = s; }
  if ((q & 2u) != 0u) { sn = -sn; }
  if (((q + 1u) & 2u) != 0u) { cs = -cs; }
  return vec2<f32>((r * cs) * sd, (r * sn) * sd);
}
`;

interface Program {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  variableNames: string[];
  uniforms: string;
  workgroupSize: [number, number, number];
  getUserCode(): string;
}

/* With a base: out = base + noise (the base read as a flat array of the output's length). */
function program(total: number, count: number, withBase: boolean): Program {
  return {
    outputShape: [total],
    shaderKey: withBase ? "gradnoisePhiloxAdd" : "gradnoisePhilox",
    dispatchLayout: { x: [0] },
    dispatch: [Math.ceil(count / WORKGROUP), 1, 1],
    variableNames: withBase ? ["base"] : [],
    uniforms: "offset : i32, count : i32, k0 : u32, k1 : u32, purpose : u32, sd : f32,",
    workgroupSize: [WORKGROUP, 1, 1],
    getUserCode: () => `${WGSL}
      fn main(index : i32) {
        if (index < uniforms.count) {
          let i = u32(index);
          let x = philoxBlock(i >> 2u, uniforms.purpose, uniforms.k0, uniforms.k1);
          let lane = i & 3u;
          var z : vec2<f32>;
          if (lane < 2u) { z = philoxBoxMuller(x.x, x.y, uniforms.sd); } else { z = philoxBoxMuller(x.z, x.w, uniforms.sd); }
          var v = z.x;
          if ((lane & 1u) == 1u) { v = z.y; }
          ${withBase ? "v = getBaseByOutputIndex(uniforms.offset + index) + v;" : ""}
          setOutputAtIndex(uniforms.offset + index, v);
        }
      }`,
  };
}

interface WebGPUBackendLike {
  makeTensorInfo(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  runWebGPUProgram(p: Program, inputs: tf.TensorInfo[], dtype: tf.DataType, uniforms: { type: string; data: number[] }[], output: tf.TensorInfo): tf.TensorInfo;
}

interface Attrs {
  shape: number[];
  std: number;
  purpose: number;
  segments: { offset: number; size: number; key: readonly [number, number] }[];
}

/** Whether one dispatch per segment fits the workgroup-count limit (else the JS values are uploaded). */
export function webgpuFits(segments: readonly { size: number }[]): boolean {
  return segments.every((s) => Math.ceil(s.size / WORKGROUP) <= MAX_GROUPS);
}

/** The kernelFunc for the webgpu backend (philox-kernel.ts registers it). */
export const webgpuPhiloxKernel: tf.KernelConfig["kernelFunc"] = ({ inputs, attrs, backend }) => {
  const a = attrs as unknown as Attrs;
  const be = backend as unknown as WebGPUBackendLike;
  const total = a.shape.reduce((x, y) => x * y, 1);
  const out = be.makeTensorInfo([total], "float32");
  const base = inputs.base ? [{ dataId: inputs.base.dataId, shape: [total], dtype: "float32" as const }] : [];
  for (const s of a.segments) {
    if (s.size === 0) continue;
    be.runWebGPUProgram(program(total, s.size, base.length > 0), base, "float32", [
      { type: "int32", data: [s.offset] },
      { type: "int32", data: [s.size] },
      { type: "uint32", data: [s.key[0]] },
      { type: "uint32", data: [s.key[1]] },
      { type: "uint32", data: [a.purpose] },
      { type: "float32", data: [a.std] },
    ], out);
  }
  return { dataId: out.dataId, shape: a.shape, dtype: "float32" };
};
