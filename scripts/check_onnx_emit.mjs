// Runs a model written by `ocrslimc --emit=onnx` in ONNX Runtime on the
// golden input and compares its output with our library's on the same input
// (as `check_golden LIB NAME - H W SEED 0 1 LIB_OUTPUT.f32` writes it),
// printing the max abs error; exit 1 when it is above the tolerance, 77 (a
// skip for ctest) when onnxruntime-node is not installed.
//
//   node scripts/check_onnx_emit.mjs MODEL.onnx LIB_OUTPUT.f32 HEIGHT WIDTH [TOLERANCE [SEED]]
//
// TOLERANCE defaults to 1e-4, the whole-model tolerance against ORT of the
// golden tests; SEED to 1. onnxruntime-node is looked up as goldenlib.mjs
// says; ORT runs with all graph optimisations on one thread, as for the
// goldens.
import fs from 'node:fs';

import { findOrt, goldenInput } from './goldenlib.mjs';

const [model, libOut, hs, ws, tolStr = '1e-4', seedStr = '1'] = process.argv.slice(2);
const h = Number(hs), w = Number(ws), tol = Number(tolStr), seed = Number(seedStr);
if (!libOut || !(h > 0) || !(w > 0) || !(tol >= 0) || !Number.isInteger(seed)) {
  console.error('usage: check_onnx_emit.mjs MODEL.onnx LIB_OUTPUT.f32 HEIGHT WIDTH [TOLERANCE [SEED]]');
  process.exit(2);
}
const found = findOrt();
if (!found.ort) {
  console.log(`check_onnx_emit: onnxruntime-node not found in ${found.dirs.join(', ')}: skipped`);
  process.exit(77);
}
const { ort } = found;

const bytes = fs.readFileSync(libOut);
const lib = new Float32Array(bytes.length / 4);
for (let i = 0; i < lib.length; i++) lib[i] = bytes.readFloatLE(i * 4);

const session = await ort.InferenceSession.create(model, {
  graphOptimizationLevel: 'all', intraOpNumThreads: 1 });
const feeds = { [session.inputNames[0]]:
                new ort.Tensor('float32', goldenInput(seed, 3, h, w), [1, 3, h, w]) };
const out = (await session.run(feeds))[session.outputNames[0]];
if (out.data.length !== lib.length) {
  console.error(`check_onnx_emit: ORT's output ${out.dims.join('x')} has ${out.data.length} elements, ` +
                `${libOut} has ${lib.length}`);
  process.exit(1);
}
let maxErr = 0, at = 0;
for (let i = 0; i < lib.length; i++) {
  const e = Math.abs(out.data[i] - lib[i]);
  if (!(e <= maxErr)) { // NaN counts as an error
    maxErr = Number.isNaN(e) ? Infinity : e;
    at = i;
  }
}
const plane = h * w;
console.log(`${model} ${h}x${w}: ORT (${found.version}) vs library: max abs error ${maxErr.toPrecision(3)} ` +
            `at (c=${Math.floor(at / plane)}, y=${Math.floor(at % plane / w)}, x=${at % w}) ` +
            `(tolerance ${tol})`);
process.exit(maxErr <= tol ? 0 : 1);
