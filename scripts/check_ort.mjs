// Runs a model in ONNX Runtime on the golden input and compares its outputs
// with a library's on the same input (as `check_golden LIB NAME - DIMS SEED
// 0 1 LIB_OUTPUT.f32` writes them: every output, one after the other),
// printing the max abs error per output; exit 1 when one is above the
// tolerance, 77 (a skip for ctest) when onnxruntime-node is not installed.
//
//   node scripts/check_ort.mjs MODEL.onnx LIB_OUTPUT.f32 NxCxHxW [TOLERANCE [SEED]]
//
// The model's one input gets image n of the batch from goldenInput(SEED + n,
// C, H, W) (goldenlib.mjs, tests/tools/golden_input.h). TOLERANCE defaults
// to 1e-4, the whole-model tolerance against ORT; SEED to 1. TOLERANCE
// STEP@SHARE (a quantized model) asks instead that at least the share SHARE
// of every output's elements be within STEP: two implementations of one
// quantized model sum in different orders, so now and then a value lands on
// the other side of a rounding boundary and moves by a quantization step,
// which later layers carry to a few outputs.
// onnxruntime-node is looked up as goldenlib.mjs says; ORT runs with all
// graph optimisations on one thread, as for the goldens.
import fs from 'node:fs';

import { findOrt, goldenInput } from './goldenlib.mjs';

const [model, libOut, dimStr = '', tolStr = '1e-4', seedStr = '1'] = process.argv.slice(2);
const [stepStr, shareStr = '1'] = tolStr.split('@');
const dims = dimStr.split('x').map(Number), tol = Number(stepStr), share = Number(shareStr), seed = Number(seedStr);
if (!libOut || dims.length !== 4 || !dims.every((d) => Number.isInteger(d) && d > 0) || !(tol >= 0) ||
    !(share > 0 && share <= 1) || !Number.isInteger(seed)) {
  console.error('usage: check_ort.mjs MODEL.onnx LIB_OUTPUT.f32 NxCxHxW [TOLERANCE [SEED]]');
  process.exit(2);
}
const found = findOrt();
if (!found.ort) {
  console.log(`check_ort: onnxruntime-node not found in ${found.dirs.join(', ')}: skipped`);
  process.exit(77);
}
const { ort } = found;

const bytes = fs.readFileSync(libOut);
const lib = new Float32Array(bytes.length / 4);
for (let i = 0; i < lib.length; i++) lib[i] = bytes.readFloatLE(i * 4);

const [n, c, h, w] = dims, plane = c * h * w;
const input = new Float32Array(n * plane);
for (let b = 0; b < n; b++) input.set(goldenInput(seed + b, c, h, w), b * plane);
const session = await ort.InferenceSession.create(model, {
  graphOptimizationLevel: 'all', intraOpNumThreads: 1 });
const result = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', input, dims) });
const total = session.outputNames.reduce((s, name) => s + result[name].data.length, 0);
if (total !== lib.length) {
  console.error(`check_ort: ORT's outputs have ${total} elements, ${libOut} has ${lib.length}`);
  process.exit(1);
}
let offset = 0, failed = false;
for (const name of session.outputNames) {
  const out = result[name];
  let maxErr = 0, at = 0, within = 0;
  for (let i = 0; i < out.data.length; i++) {
    const e = Math.abs(out.data[i] - lib[offset + i]);
    if (e <= tol) within++;
    if (!(e <= maxErr)) { // NaN counts as an error
      maxErr = Number.isNaN(e) ? Infinity : e;
      at = i;
    }
  }
  const inShare = within / out.data.length;
  console.log(`${model} ${dimStr}: output '${name}' ${out.dims.join('x')}: ORT (${found.version}) vs library: ` +
              `max abs error ${maxErr.toPrecision(3)} at element ${at}` +
              (share < 1 ? `, ${(100 * inShare).toFixed(3)}% within ${tol} (at least ${100 * share}% asked)`
                         : ` (tolerance ${tol})`));
  failed ||= share < 1 ? !(inShare >= share) : !(maxErr <= tol);
  offset += out.data.length;
}
process.exit(failed ? 1 : 0);
