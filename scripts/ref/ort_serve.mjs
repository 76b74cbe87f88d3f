// A persistent ONNX Runtime worker for the reference OCR pipeline (ref_ocr.py):
// the model is loaded once and then runs one request per stdin line, so a
// run over many images and crops pays for session creation only once.
//
//   node ort_serve.mjs MODEL.onnx THREADS
//
// Request line:  IN.f32 N C H W OUT.f32
//   IN.f32 holds a raw float32 NCHW tensor; the model's FIRST output is
//   written in full to OUT.f32 as raw float32.
// Answer line:   ok D0xD1x...xDk MS     (output dims; MS = session.run time
//                                         in milliseconds, performance.now())
//            or  error MESSAGE
// Sessions use intraOpNumThreads THREADS, interOpNumThreads 1 and sequential
// execution, so timings compare with a single-threaded-per-op library.
// onnxruntime-node is looked up by ../goldenlib.mjs's findOrt.
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import readline from 'node:readline';

import { findOrt } from '../goldenlib.mjs';

function loadOrt() {
  const { ort, dirs } = findOrt();
  if (ort) return ort;
  console.error(`ort_serve: onnxruntime-node not found in ${dirs.join(', ')}`);
  process.exit(1);
}

const [model, threads] = process.argv.slice(2);
if (!model || !(+threads > 0)) {
  console.error('usage: node ort_serve.mjs MODEL.onnx THREADS');
  process.exit(2);
}
const ort = loadOrt();
const session = await ort.InferenceSession.create(model, {
  intraOpNumThreads: +threads,
  interOpNumThreads: 1,
  executionMode: 'sequential',
});

async function serve(line) {
  const parts = line.trim().split(/\s+/);
  if (parts.length !== 6) throw new Error(`expected "IN.f32 N C H W OUT.f32", got "${line}"`);
  const [inPath, n, c, h, w, outPath] = parts;
  const dims = [n, c, h, w].map(Number);
  const buf = fs.readFileSync(inPath);
  const count = dims.reduce((a, b) => a * b, 1);
  if (buf.byteLength !== count * 4) throw new Error(`${inPath} has ${buf.byteLength} bytes, want ${count * 4}`);
  // Copy into a fresh, aligned Float32Array: Buffer pools may start at an odd offset.
  const data = new Float32Array(count);
  new Uint8Array(data.buffer).set(buf);
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, dims) };
  const t0 = performance.now();
  const results = await session.run(feeds);
  const ms = performance.now() - t0;
  const out = results[session.outputNames[0]];
  fs.writeFileSync(outPath, Buffer.from(out.data.buffer, out.data.byteOffset, out.data.byteLength));
  return `ok ${out.dims.join('x')} ${ms.toFixed(3)}`;
}

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  if (!line.trim()) continue;
  let answer;
  try {
    answer = await serve(line);
  } catch (e) {
    answer = `error ${String(e.message || e).replace(/\s+/g, ' ')}`;
  }
  process.stdout.write(answer + '\n');
}
