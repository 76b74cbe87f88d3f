// Shared by make_goldens.mjs and check_ort.mjs: the deterministic input
// of the goldens (tests/tools/golden_input.h, repeated below bit for bit in
// uint32 arithmetic: >>> 0, Math.imul) and the lookup of onnxruntime-node.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

// onnxruntime-node from $ORT_NODE_DIR (a node_modules folder), ./node_modules,
// then /tmp/npmw/node_modules: { ort, version }, or { dirs } (the folders
// searched) when it is in none of them.
export function findOrt() {
  const dirs = [process.env.ORT_NODE_DIR, path.resolve('node_modules'),
                '/tmp/npmw/node_modules'].filter(Boolean);
  for (const dir of dirs) {
    const pkg = path.join(dir, 'onnxruntime-node', 'package.json');
    if (fs.existsSync(pkg)) {
      const require = createRequire(pkg);
      return { ort: require('onnxruntime-node'),
               version: JSON.parse(fs.readFileSync(pkg, 'utf8')).version };
    }
  }
  return { dirs };
}

function fmix32(h) {
  h = (h ^ (h >>> 16)) >>> 0;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h = (h ^ (h >>> 13)) >>> 0;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

function goldenHash(seed, a, b, c) {
  let h = fmix32(seed >>> 0);
  h = fmix32((h ^ a) >>> 0);
  h = fmix32((h ^ b) >>> 0);
  return fmix32((h ^ c) >>> 0);
}

function goldenInk(seed, y, x) {
  const line = Math.floor(y / 32), ly = y % 32;
  const cell = Math.floor(x / 16), lx = x % 16;
  if (ly < 8 || ly >= 24 || lx < 2 || lx >= 14) return false;
  const l = goldenHash(seed, 0x10000, line, 0);
  if (cell < (l & 3) || cell >= 4 + (l >>> 2) % 40) return false;
  const g = goldenHash(seed, 0x20000, line, cell);
  if ((g & 7) === 0) return false;
  const bit = Math.floor((ly - 8) / 4) * 4 + Math.floor((lx - 2) / 3);
  return ((g >>> 8) >>> bit & 1) === 1;
}

function goldenValue(seed, c, y, x) {
  const noise = (goldenHash(seed, c, y, x) & 0xff) - 128;
  return (goldenInk(seed, y, x) ? -0.75 : 0.75) + noise / 1024;
}

// c planes of h*w floats (NCHW with N = 1), as golden_fill() in C.
export function goldenInput(seed, c, h, w) {
  const out = new Float32Array(c * h * w);
  let i = 0;
  for (let k = 0; k < c; k++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        out[i++] = goldenValue(seed, k, y, x);
  return out;
}
