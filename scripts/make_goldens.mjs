// Writes tests/golden/*.f32 and tests/golden/MANIFEST: ONNX Runtime outputs
// of the detector models on deterministic inputs, for the whole-model tests.
//
//   npm install --ignore-scripts onnxruntime-node@1.30.0   (anywhere below)
//   node scripts/make_goldens.mjs [--real MODEL.onnx] [--mv3 det_mv3_db.onnx |
//                                  --mkmodel PATH/TO/mkmodel]
//                                 [--maskprune PATH/TO/maskprune] [--out DIR]
//
// onnxruntime-node is looked up in $ORT_NODE_DIR (a node_modules folder),
// ./node_modules, then /tmp/npmw/node_modules (goldenlib.mjs).
// --real (or $OCRS_REAL_MODEL): PaddleOCR PP-OCRv4 det, default
//   /tmp/npmw/package/assets/ch_PP-OCRv4_det_infer.onnx.
// --mv3 (or $OCRS_MV3_MODEL): a det_mv3_db.onnx made by
//   `mkmodel det_mv3_db OUT --seed 1`; without it the script runs mkmodel
//   (--mkmodel, $MKMODEL, or build/tests/tools/mkmodel) into a temp folder.
// ppocrv4_det_mask30/60: the real model mask-pruned by
//   `maskprune REAL OUT 0.3 --logits` (0.6), run from --maskprune,
//   $MASKPRUNE, or build/tests/tools/maskprune, into a temp folder. Its
//   output is the logits: masking saturates the probabilities to 0.
//
// Input: x[0, c, y, x] = golden_value(INPUT_SEED, c, y, x), the synthetic
// text page of tests/tools/golden_input.h (goldenlib.mjs repeats it bit for
// bit). Each golden is the model's only output, raw little-endian float32,
// NCHW.
// MANIFEST lines: <file> key=value ... ; input_sha256 is over the input
// tensor's little-endian float32 bytes, so a C test can check its generator.

import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { findOrt, goldenInput } from './goldenlib.mjs';

const INPUT_SEED = 1;
const MV3_SEED = 1;
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const RUNS = [
  { model: 'ppocrv4_det', shapes: [[640, 640], [224, 352], [96, 128]] },
  { model: 'det_mv3_db', shapes: [[64, 64], [96, 160]] },
  { model: 'ppocrv4_det_mask30', shapes: [[96, 128], [224, 352], [160, 320]] },
  { model: 'ppocrv4_det_mask60', shapes: [[96, 128], [224, 352], [160, 320]] },
];

function parseArgs(argv) {
  const opts = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--(real|mv3|mkmodel|maskprune|out)$/.exec(argv[i]);
    if (!m || i + 1 >= argv.length) {
      console.error(`make_goldens: unexpected argument '${argv[i]}'`);
      process.exit(2);
    }
    opts[m[1]] = argv[++i];
  }
  return opts;
}

function loadOrt() {
  const found = findOrt();
  if (found.ort) return found;
  console.error(`make_goldens: onnxruntime-node not found in ${found.dirs.join(', ')}`);
  process.exit(1);
}

function leBytes(f32) {
  const buf = Buffer.alloc(f32.length * 4);
  for (let i = 0; i < f32.length; i++) buf.writeFloatLE(f32[i], i * 4);
  return buf;
}

const sha256 = (data) => createHash('sha256').update(data).digest('hex');
const f32str = (v) => Math.fround(v).toPrecision(9);

function mv3Model(opts) {
  const given = opts.mv3 ?? process.env.OCRS_MV3_MODEL;
  if (given) return given;
  const tool = opts.mkmodel ?? process.env.MKMODEL ??
               path.join(REPO, 'build', 'tests', 'tools', 'mkmodel');
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'goldens-')),
                        'det_mv3_db.onnx');
  execFileSync(tool, ['det_mv3_db', out, '--seed', String(MV3_SEED)],
               { stdio: 'inherit' });
  return out;
}

function maskedModel(opts, real, ratio) {
  const tool = opts.maskprune ?? process.env.MASKPRUNE ??
               path.join(REPO, 'build', 'tests', 'tools', 'maskprune');
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'goldens-')),
                        `ppocrv4_mask${Math.round(ratio * 100)}.onnx`);
  execFileSync(tool, [real, out, String(ratio), '--logits'], { stdio: 'inherit' });
  return out;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const { ort, version } = loadOrt();
  const outDir = opts.out ?? path.join(REPO, 'tests', 'golden');
  const real = opts.real ?? process.env.OCRS_REAL_MODEL ??
               '/tmp/npmw/package/assets/ch_PP-OCRv4_det_infer.onnx';
  const models = {
    ppocrv4_det: real,
    det_mv3_db: mv3Model(opts),
    ppocrv4_det_mask30: maskedModel(opts, real, 0.3),
    ppocrv4_det_mask60: maskedModel(opts, real, 0.6),
  };
  fs.mkdirSync(outDir, { recursive: true });

  const lines = [
    '# ORT goldens, written by scripts/make_goldens.mjs. Do not edit.',
    '# <file> model= model_file= model_sha256= input= output= seed= ' +
      'input_sha256= ort= min= max= mean= sha256=',
    `# input: golden_value(seed, c, y, x) (tests/tools/golden_input.h); ` +
      `det_mv3_db is \`mkmodel det_mv3_db OUT --seed ${MV3_SEED}\`; ` +
      `ppocrv4_det_maskNN is \`maskprune REAL OUT 0.NN --logits\``,
  ];
  for (const run of RUNS) {
    const file = models[run.model];
    const modelSha = sha256(fs.readFileSync(file));
    const session = await ort.InferenceSession.create(file, {
      graphOptimizationLevel: 'all', intraOpNumThreads: 1 });
    for (const [h, w] of run.shapes) {
      const input = goldenInput(INPUT_SEED, 3, h, w);
      const feeds = { [session.inputNames[0]]:
                      new ort.Tensor('float32', input, [1, 3, h, w]) };
      const result = await session.run(feeds);
      const out = result[session.outputNames[0]];
      let min = Infinity, max = -Infinity, sum = 0;
      for (const v of out.data) {
        if (Number.isNaN(v)) throw new Error(`${run.model} ${h}x${w}: NaN in output`);
        min = Math.min(min, v); max = Math.max(max, v); sum += v;
      }
      const bytes = leBytes(out.data);
      const name = `${run.model}_${h}x${w}.f32`;
      fs.writeFileSync(path.join(outDir, name), bytes);
      lines.push([name, `model=${run.model}`, `model_file=${path.basename(file)}`,
                  `model_sha256=${modelSha}`, `input=1x3x${h}x${w}`,
                  `output=${out.dims.join('x')}`, `seed=${INPUT_SEED}`,
                  `input_sha256=${sha256(leBytes(input))}`, `ort=${version}`,
                  `min=${f32str(min)}`, `max=${f32str(max)}`,
                  `mean=${(sum / out.data.length).toPrecision(9)}`,
                  `sha256=${sha256(bytes)}`].join(' '));
      console.log(`${name}: ${out.dims.join('x')} min ${f32str(min)} max ${f32str(max)}`);
    }
    await session.release();
  }
  fs.writeFileSync(path.join(outDir, 'MANIFEST'), lines.join('\n') + '\n');
}

await main();
