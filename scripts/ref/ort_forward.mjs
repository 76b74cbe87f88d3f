// Runs a detector with ONNX Runtime on raw float32 NCHW inputs, for the
// reference pipeline (ref_detect.py). Reads lines `IN.f32 H W OUT.f32` on
// stdin, writes each output (channel 0 of the first output) as raw float32.
//
//   node ort_forward.mjs MODEL.onnx < jobs.txt
//
// onnxruntime-node is looked up as in scripts/make_goldens.mjs.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

function loadOrt() {
  const dirs = [process.env.ORT_NODE_DIR, path.resolve('node_modules'), '/tmp/npmw/node_modules'].filter(Boolean);
  for (const dir of dirs) {
    const pkg = path.join(dir, 'onnxruntime-node', 'package.json');
    if (fs.existsSync(pkg)) return createRequire(pkg)('onnxruntime-node');
  }
  console.error(`ort_forward: onnxruntime-node not found in ${dirs.join(', ')}`);
  process.exit(1);
}

const ort = loadOrt();
const session = await ort.InferenceSession.create(process.argv[2]);
const jobs = fs.readFileSync(0, 'utf8').split('\n').filter((l) => l.trim());
for (const job of jobs) {
  const [inPath, h, w, outPath] = job.split(' ');
  const buf = fs.readFileSync(inPath);
  const data = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, [1, 3, +h, +w]) };
  const out = (await session.run(feeds))[session.outputNames[0]];
  fs.writeFileSync(outPath, Buffer.from(out.data.buffer, out.data.byteOffset, +h * +w * 4));
}
