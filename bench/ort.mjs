// ort: times ONNX Runtime (onnxruntime-node) on a model, for bench/run.sh.
//
//   node bench/ort.mjs MODEL.onnx NxCxHxW THREADS WARMUP RUNS
//   node bench/ort.mjs --version
//
// Same input as bench/ours.c; intraOpNumThreads = THREADS, interOp 1, all
// graph optimisations on. Prints "ms t1 t2 ... rss_kb N" like ours.c (peak
// RSS of this node process: runtime, model and tensors).
// onnxruntime-node is looked up in $ORT_NODE_DIR (a node_modules folder),
// bench/node_modules, then /tmp/npmw/node_modules.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dirs = [process.env.ORT_NODE_DIR, path.join(here, 'node_modules'), '/tmp/npmw/node_modules'].filter(Boolean);
const dir = dirs.find((d) => fs.existsSync(path.join(d, 'onnxruntime-node', 'package.json')));
if (!dir) {
  console.error('ort: onnxruntime-node not found in ' + dirs.join(', '));
  process.exit(1);
}
const pkg = path.join(dir, 'onnxruntime-node', 'package.json');
if (process.argv[2] === '--version') {
  console.log(JSON.parse(fs.readFileSync(pkg, 'utf8')).version);
  process.exit(0);
}
const ort = createRequire(pkg)('onnxruntime-node');

const [model, dimStr, ts, warmups, runss] = process.argv.slice(2);
const dims = (dimStr ?? '').split('x').map(Number);
if (!runss || dims.length !== 4) {
  console.error('usage: node bench/ort.mjs MODEL.onnx NxCxHxW THREADS WARMUP RUNS');
  process.exit(2);
}
const [threads, warmup, runs] = [ts, warmups, runss].map(Number);
const session = await ort.InferenceSession.create(model, {
  intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential',
});
const n = dims.reduce((a, b) => a * b, 1);
const data = new Float32Array(n);
// Same values as bench/ours.c: (i * 2654435761 mod 2^32) mod 4001 / 1000 - 2.
for (let i = 0; i < n; i++) data[i] = Number((BigInt(i) * 2654435761n) % 4294967296n % 4001n) / 1000 - 2;
const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, dims) };
const times = [];
for (let r = 0; r < warmup + runs; r++) {
  const t0 = process.hrtime.bigint();
  await session.run(feeds);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r >= warmup) times.push(ms.toFixed(3));
}
console.log(`ms ${times.join(' ')} rss_kb ${process.resourceUsage().maxRSS}`);
