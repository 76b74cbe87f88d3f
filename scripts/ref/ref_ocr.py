#!/usr/bin/python3
"""The reference OCR pipeline: PaddleOCR's TextSystem (detect, sort, crop,
classify the angle, recognise, drop weak lines) rewritten from PaddleOCR's
tools/infer (predict_system, predict_det, predict_cls, predict_rec, utility)
and ppocr/postprocess/rec_postprocess.py, with cv2/numpy and the models run by
ONNX Runtime (ort_serve.mjs), to check the library's lines against.

    ref_ocr.py system --det D --cls C --rec R --dict K LABEL.txt OUT.txt
                      [--root DIR] [--threads N] [--no-cls] [--rec-align N]
                      [--time ROUNDS --times FILE]
    ref_ocr.py rec --rec R --dict K [--cls C] LABEL.txt OUT.txt
                   [--root DIR] [--threads N] [--rec-align N]

system: OUT.txt in the label format, one line per image of LABEL.txt:
`path<TAB>[{"transcription", "points", "score"}, ...]` in the pipeline's order
(lines whose score is below drop_score 0.5 left out, as PaddleOCR does).
rec: recognition of the ground-truth regions (don't-care "###"/"*" skipped),
cropped from the labelled points; the classifier only with --cls; every region
written, in the label's order, with its label points and the predicted text.

--rec-align N pads each recognizer batch's width up to a multiple of N with
zero columns (the resize widths stay PaddleOCR's), to measure what a library
working in widths of multiples of 8 changes: the columns are not neutral, as
the recognizer's attention spans the whole width (with 8, 4 of 392 strings
differ on det-dev, 14 of 1067 on det-dev-doc). Default 1: PaddleOCR's widths.

--time ROUNDS runs each image ROUNDS times and writes one JSON object per
image per round to --times FILE: milliseconds of det_pre, det_model,
det_post, crop, cls_pre, cls_model, cls_post, rec_pre, rec_model, rec_post and
their sum, total. The *_model stages are ORT's session.run as measured inside
node; handing tensors to node and back (files and pipes) is in no stage and
not in total. Image decoding (cv2.imread) is not timed either.

Two choices where PaddleOCR's code is loose: boxes are ordered by
sorted_boxes as in PaddleOCR 2.7 and later, and crops of equal aspect ratio
keep their order when the classifier and recognizer sort them (PaddleOCR's
np.argsort is not stable; on det-dev-doc this changes 7 of 1067 strings).

Images are looked up relative to --root (default: the label file's folder,
then its parent). Detection is ref_detect.py's. Runs with Debian's python3
(python3-opencv, python3-pyclipper, python3-shapely) and node with
onnxruntime-node (set ORT_NODE_DIR, see ort_serve.mjs)."""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager

import cv2
import numpy as np

# Importing ref_detect from here must not leave a __pycache__ in the work tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ref_detect  # noqa: E402

# PaddleOCR's defaults for PP-OCRv4 (tools/infer/utility.py parse_args).
DROP_SCORE = 0.5
CLS_SHAPE, CLS_BATCH, CLS_THRESH, CLS_LABELS = (3, 48, 192), 6, 0.9, ('0', '180')
REC_SHAPE, REC_BATCH = (3, 48, 320), 6
STAGES = ('det_pre', 'det_model', 'det_post', 'crop', 'cls_pre', 'cls_model', 'cls_post',
          'rec_pre', 'rec_model', 'rec_post')


class Worker:
    """One ort_serve.mjs process per model; tensors go through files in tmp."""

    def __init__(self, model, threads, tmp, name):
        here = os.path.dirname(os.path.abspath(__file__))
        self.proc = subprocess.Popen(['node', os.path.join(here, 'ort_serve.mjs'), model, str(threads)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.inp, self.out = os.path.join(tmp, name + '.in'), os.path.join(tmp, name + '.out')

    def run(self, x):
        """Runs the model on float32 NCHW x; returns (first output, session.run ms)."""
        np.ascontiguousarray(x, np.float32).tofile(self.inp)
        self.proc.stdin.write(f'{self.inp} {" ".join(map(str, x.shape))} {self.out}\n')
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().split()
        if not answer or answer[0] != 'ok':
            raise RuntimeError(f'ort_serve: {" ".join(answer) or "no answer"}')
        dims = [int(d) for d in answer[1].split('x')]
        return np.fromfile(self.out, np.float32).reshape(dims), float(answer[2])

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


class Timer:
    def __init__(self):
        self.ms = dict.fromkeys(STAGES, 0.0)

    @contextmanager
    def __call__(self, stage):
        t0 = time.perf_counter()
        yield
        self.ms[stage] += (time.perf_counter() - t0) * 1000

    def model(self, stage, worker, x):
        out, ms = worker.run(x)
        self.ms[stage] += ms
        return out


def sorted_boxes(boxes):
    """predict_system.sorted_boxes as in PaddleOCR 2.7 and later: by (y, x) of
    the first corner, then each box bubbles left past neighbours whose first
    corners are less than 10 px higher or lower and further right."""
    boxes = sorted(boxes, key=lambda b: (b[0][1], b[0][0]))
    for i in range(len(boxes) - 1):
        for j in range(i, -1, -1):
            if abs(boxes[j + 1][0][1] - boxes[j][0][1]) < 10 and boxes[j + 1][0][0] < boxes[j][0][0]:
                boxes[j], boxes[j + 1] = boxes[j + 1], boxes[j]
            else:
                break
    return boxes


def get_rotate_crop_image(img, points):
    """utility.get_rotate_crop_image: warp the quadrilateral (float32 4x2,
    clockwise from top-left) to an upright rectangle; tall crops are turned
    a quarter to the left, as PaddleOCR reads vertical lines."""
    w = int(max(np.linalg.norm(points[0] - points[1]), np.linalg.norm(points[2] - points[3])))
    h = int(max(np.linalg.norm(points[0] - points[3]), np.linalg.norm(points[1] - points[2])))
    dst = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    m = cv2.getPerspectiveTransform(points, dst)
    crop = cv2.warpPerspective(img, m, (w, h), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC)
    if crop.shape[0] * 1.0 / crop.shape[1] >= 1.5:
        crop = np.rot90(crop)
    return crop


def by_aspect(crops):
    """Crop indices by w/h. PaddleOCR uses np.argsort's default (quicksort,
    not stable past 16 items and dependent on numpy's build); a stable sort
    keeps ties in pipeline order, which another implementation can follow."""
    return np.argsort(np.array([c.shape[1] / float(c.shape[0]) for c in crops]), kind='stable')


def resize_norm(img, height, resized_w, width):
    """cv2.resize (bilinear) to resized_w x height, (x/255 - 0.5)/0.5 in
    float32, channels as given (BGR), zero columns up to width."""
    x = cv2.resize(img, (resized_w, height)).astype('float32').transpose((2, 0, 1)) / 255
    x -= 0.5
    x /= 0.5
    out = np.zeros((3, height, width), np.float32)
    out[:, :, :resized_w] = x
    return out


def fit_width(img, height, width):
    """PaddleOCR's resized_w: the crop's width at the target height, rounded up,
    at most width."""
    w = math.ceil(height * (img.shape[1] / float(img.shape[0])))
    return width if w > width else int(w)


def classify(crops, worker, t):
    """predict_cls.TextClassifier: crops turned 180 degrees where the
    classifier says '180' with a probability above cls_thresh."""
    crops = list(crops)
    with t('cls_pre'):
        order = by_aspect(crops)
    _, hh, ww = CLS_SHAPE
    for beg in range(0, len(crops), CLS_BATCH):
        idx = order[beg:beg + CLS_BATCH]
        with t('cls_pre'):
            x = np.stack([resize_norm(crops[i], hh, fit_width(crops[i], hh, ww), ww) for i in idx])
        prob = t.model('cls_model', worker, x)
        with t('cls_post'):
            for i, p in zip(idx, prob):
                k = int(p.argmax())
                if '180' in CLS_LABELS[k] and p[k] > CLS_THRESH:
                    crops[i] = cv2.rotate(crops[i], cv2.ROTATE_180)
    return crops


def ctc_decode(prob, chars):
    """CTCLabelDecode: greedy path, repeats of the previous step and blank (0)
    removed; score is the mean of the kept steps' probabilities, 0 when none
    is kept (rec_postprocess: conf_list = [0])."""
    idx, p = prob.argmax(axis=1), prob.max(axis=1)
    keep = np.ones(len(idx), bool)
    keep[1:] = idx[1:] != idx[:-1]
    keep &= idx != 0
    text = ''.join(chars[i] for i in idx[keep])
    return text, float(np.mean(p[keep])) if keep.any() else 0.0


def recognize(crops, worker, chars, align, t):
    """predict_rec.TextRecognizer (SVTR_LCNet/CRNN path): batches of crops of
    similar aspect, each batch as wide as its widest crop at height 48 (at
    least 320), crops resized to height 48 and left-aligned. align > 1 adds
    zero columns to make the batch width a multiple of align without changing
    any crop's resize."""
    res = [('', 0.0)] * len(crops)
    with t('rec_pre'):
        order = by_aspect(crops)
    _, hh, ww = REC_SHAPE
    for beg in range(0, len(crops), REC_BATCH):
        idx = order[beg:beg + REC_BATCH]
        with t('rec_pre'):
            max_wh = max([ww / hh] + [crops[i].shape[1] * 1.0 / crops[i].shape[0] for i in idx])
            width = int(hh * max_wh)
            padded = -(-width // align) * align
            x = np.stack([resize_norm(crops[i], hh, fit_width(crops[i], hh, width), padded) for i in idx])
        prob = t.model('rec_model', worker, x)
        with t('rec_post'):
            for i, p in zip(idx, prob):
                res[i] = ctc_decode(p, chars)
    return res


def load_chars(path):
    """Index 0 is the CTC blank, index i+1 the dictionary's line i, and the
    last class the space (use_space_char)."""
    with open(path, 'rb') as f:
        lines = [l.decode('utf-8').strip('\n').strip('\r\n') for l in f.readlines()]
    return ['blank'] + lines + [' ']


def find_image(rel, roots):
    for root in roots:
        path = os.path.join(root, rel)
        if os.path.exists(path):
            return path
    raise FileNotFoundError(f'{rel} not under {", ".join(roots)}')


def label_quad(points):
    """A labelled region as the float32 quadrilateral to crop; polygons with
    more corners are cropped by their min-area rectangle (get_minarea_rect_crop)."""
    pts = np.array(points, np.float32)
    if len(pts) == 4:
        return pts
    return ref_detect.mini_box(pts.reshape(-1, 1, 2))[0].astype(np.float32)


def run_system(img, workers, chars, args, t):
    with t('det_pre'):
        x, rh, rw = ref_detect.preprocess(img)
        x = x[None]
    pred = t.model('det_model', workers['det'], x)[0, 0]
    with t('det_post'):
        boxes = sorted_boxes([b for b, _ in ref_detect.postprocess(pred, img.shape[0], img.shape[1])])
    with t('crop'):
        crops = [get_rotate_crop_image(img, b.astype(np.float32)) for b in boxes]
    if 'cls' in workers:
        crops = classify(crops, workers['cls'], t)
    res = recognize(crops, workers['rec'], chars, args.rec_align, t)
    with t('rec_post'):
        # TextSystem keeps a line when score >= drop_score.
        return [{'transcription': text, 'points': b.astype(np.int32).tolist(), 'score': score}
                for b, (text, score) in zip(boxes, res) if score >= DROP_SCORE]


def run_rec(img, regions, workers, chars, args, t):
    regions = [r for r in regions if r['transcription'] not in ('###', '*')]
    with t('crop'):
        crops = [get_rotate_crop_image(img, label_quad(r['points'])) for r in regions]
    if 'cls' in workers:
        crops = classify(crops, workers['cls'], t)
    res = recognize(crops, workers['rec'], chars, args.rec_align, t)
    return [{'transcription': text, 'points': r['points'], 'score': score}
            for r, (text, score) in zip(regions, res)]


def parse_args():
    ap = argparse.ArgumentParser(description='Reference PaddleOCR pipeline (see the module docstring).')
    ap.add_argument('mode', choices=('system', 'rec'))
    ap.add_argument('label')
    ap.add_argument('out')
    ap.add_argument('--det')
    ap.add_argument('--cls')
    ap.add_argument('--rec', required=True)
    ap.add_argument('--dict', required=True)
    ap.add_argument('--root')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--no-cls', action='store_true')
    ap.add_argument('--rec-align', type=int, default=1)
    ap.add_argument('--time', type=int, default=1, metavar='ROUNDS')
    ap.add_argument('--times')
    args = ap.parse_args()
    if args.mode == 'system' and (not args.det or (not args.cls and not args.no_cls)):
        ap.error('system needs --det and --cls (or --no-cls)')
    if args.rec_align < 1 or args.time < 1:
        ap.error('--rec-align and --time take positive numbers')
    if args.time > 1 and not args.times:
        ap.error('--time needs --times FILE')
    return args


def main():
    args = parse_args()
    cv2.setNumThreads(args.threads)
    chars = load_chars(args.dict)
    label_dir = os.path.dirname(os.path.abspath(args.label))
    roots = [args.root] if args.root else [label_dir, os.path.dirname(label_dir)]
    entries = [l.rstrip('\n').split('\t', 1) for l in open(args.label, encoding='utf-8') if l.strip()]
    models = {'rec': args.rec}
    if args.mode == 'system':
        models['det'] = args.det
    if args.cls and not args.no_cls:
        models['cls'] = args.cls
    shm = '/dev/shm' if os.path.isdir('/dev/shm') else None
    with tempfile.TemporaryDirectory(prefix='ref_ocr.', dir=shm) as tmp:
        workers = {k: Worker(m, args.threads, tmp, k) for k, m in models.items()}
        times = open(args.times, 'w', encoding='utf-8') if args.times else None
        try:
            with open(args.out, 'w', encoding='utf-8') as out:
                for rel, regions in entries:
                    img = cv2.imread(find_image(rel, roots), cv2.IMREAD_COLOR)
                    for rnd in range(args.time):
                        t = Timer()
                        if args.mode == 'system':
                            lines = run_system(img, workers, chars, args, t)
                        else:
                            lines = run_rec(img, json.loads(regions), workers, chars, args, t)
                        if times:
                            rec = {'image': rel, 'round': rnd, **{k: round(v, 3) for k, v in t.ms.items()}}
                            rec['total'] = round(sum(t.ms.values()), 3)
                            times.write(json.dumps(rec) + '\n')
                    out.write(f'{rel}\t{json.dumps(lines, ensure_ascii=False)}\n')
        finally:
            if times:
                times.close()
            for w in workers.values():
                w.close()


if __name__ == '__main__':
    main()
