#!/usr/bin/python3
"""The reference detection pipeline, built from issue 7's description the
way PaddleOCR's Python does it (cv2, pyclipper, shapely; the model through
ONNX Runtime), to check the library's boxes against.

    ref_detect.py MODEL.onnx LABEL.txt OUT.txt

Writes OUT.txt in the label format (transcription ""), one line per image of
LABEL.txt. Needs Debian's python3-opencv, python3-pyclipper, python3-shapely
and onnxruntime-node (see ort_forward.mjs)."""
import json
import os
import subprocess
import sys
import tempfile

import cv2
import numpy as np
import pyclipper
from shapely.geometry import Polygon

LIMIT_SIDE_LEN, THRESH, BOX_THRESH, UNCLIP_RATIO, MAX_CANDIDATES, MIN_SIZE = 960, 0.3, 0.6, 1.5, 1000, 3


def preprocess(img):
    h, w = img.shape[:2]
    ratio = LIMIT_SIDE_LEN / max(h, w) if max(h, w) > LIMIT_SIDE_LEN else 1.0
    rh = max(int(round(int(h * ratio) / 32) * 32), 32)
    rw = max(int(round(int(w * ratio) / 32) * 32), 32)
    img = cv2.resize(img, (rw, rh))
    mean = np.array([0.485, 0.456, 0.406], np.float32).reshape(1, 1, 3)
    std = np.array([0.229, 0.224, 0.225], np.float32).reshape(1, 1, 3)
    img = (img.astype(np.float32) * np.float32(1 / 255.0) - mean) / std
    return np.ascontiguousarray(img.transpose(2, 0, 1)), rh, rw


def mini_box(contour):
    rect = cv2.minAreaRect(contour)
    pts = sorted(list(cv2.boxPoints(rect)), key=lambda p: p[0])
    i1, i4 = (0, 1) if pts[1][1] > pts[0][1] else (1, 0)
    i2, i3 = (2, 3) if pts[3][1] > pts[2][1] else (3, 2)
    return np.array([pts[i1], pts[i2], pts[i3], pts[i4]]), min(rect[1])


def box_score_fast(pred, box):
    h, w = pred.shape
    box = box.copy()
    xmin = np.clip(np.floor(box[:, 0].min()).astype(np.int32), 0, w - 1)
    xmax = np.clip(np.ceil(box[:, 0].max()).astype(np.int32), 0, w - 1)
    ymin = np.clip(np.floor(box[:, 1].min()).astype(np.int32), 0, h - 1)
    ymax = np.clip(np.ceil(box[:, 1].max()).astype(np.int32), 0, h - 1)
    mask = np.zeros((ymax - ymin + 1, xmax - xmin + 1), np.uint8)
    box[:, 0] -= xmin
    box[:, 1] -= ymin
    cv2.fillPoly(mask, box.reshape(1, -1, 2).astype(np.int32), 1)
    return cv2.mean(pred[ymin:ymax + 1, xmin:xmax + 1], mask)[0]


def unclip(box):
    poly = Polygon(box)
    distance = poly.area * UNCLIP_RATIO / poly.length
    off = pyclipper.PyclipperOffset()
    off.AddPath(box, pyclipper.JT_ROUND, pyclipper.ET_CLOSEDPOLYGON)
    return off.Execute(distance)


def order_clockwise(pts):
    rect = np.zeros((4, 2), np.float32)
    s = pts.sum(axis=1)
    rect[0], rect[2] = pts[np.argmin(s)], pts[np.argmax(s)]
    tmp = np.delete(pts, (np.argmin(s), np.argmax(s)), axis=0)
    diff = np.diff(np.array(tmp), axis=1)
    rect[1], rect[3] = tmp[np.argmin(diff)], tmp[np.argmax(diff)]
    return rect


def postprocess(pred, src_h, src_w):
    height, width = pred.shape
    mask = ((pred > THRESH) * 255).astype(np.uint8)
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    out = []
    for contour in contours[:MAX_CANDIDATES]:
        points, sside = mini_box(contour)
        if sside < MIN_SIZE:
            continue
        score = box_score_fast(pred, points.reshape(-1, 2))
        if BOX_THRESH > score:
            continue
        expanded = unclip(points)
        if len(expanded) != 1:
            continue
        box, sside = mini_box(np.array(expanded).reshape(-1, 1, 2))
        if sside < MIN_SIZE + 2:
            continue
        box = np.array(box)
        box[:, 0] = np.clip(np.round(box[:, 0] / width * src_w), 0, src_w)
        box[:, 1] = np.clip(np.round(box[:, 1] / height * src_h), 0, src_h)
        box = order_clockwise(box.astype(np.int32))
        box[:, 0] = np.clip(box[:, 0], 0, src_w - 1)
        box[:, 1] = np.clip(box[:, 1], 0, src_h - 1)
        if int(np.linalg.norm(box[0] - box[1])) <= 3 or int(np.linalg.norm(box[0] - box[3])) <= 3:
            continue
        out.append((box, score))
    return out


def main():
    model, label, out_path = sys.argv[1:4]
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.abspath(label))
    entries = [l.rstrip('\n').split('\t', 1)[0] for l in open(label, encoding='utf-8') if l.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        jobs, shapes = [], []
        for i, rel in enumerate(entries):
            img = cv2.imread(os.path.join(root, rel), cv2.IMREAD_COLOR)
            x, rh, rw = preprocess(img)
            x.tofile(f'{tmp}/{i}.in')
            jobs.append(f'{tmp}/{i}.in {rh} {rw} {tmp}/{i}.out')
            shapes.append((img.shape[0], img.shape[1], rh, rw))
        subprocess.run(['node', os.path.join(here, 'ort_forward.mjs'), model], input='\n'.join(jobs).encode(),
                       check=True)
        with open(out_path, 'w', encoding='utf-8') as f:
            for i, rel in enumerate(entries):
                src_h, src_w, rh, rw = shapes[i]
                pred = np.fromfile(f'{tmp}/{i}.out', np.float32).reshape(rh, rw)
                regions = [{'transcription': '', 'score': round(float(s), 4), 'points': b.astype(int).tolist()}
                           for b, s in postprocess(pred, src_h, src_w)]
                f.write(f'{rel}\t{json.dumps(regions)}\n')


if __name__ == '__main__':
    main()
