#!/usr/bin/python3
"""Agreement of two box files (label format, e.g. `eval --dump` and
ref_detect.py) and, given the labels, each one's precision/recall/hmean by
PaddleOCR's DetectionIoUEvaluator rules written with shapely (a check of
measure/evaluate.c).

    compare_boxes.py OURS.txt REF.txt [LABEL.txt]"""
import json
import sys

from shapely.geometry import Polygon


def load(path):
    out = {}
    for line in open(path, encoding='utf-8'):
        if line.strip():
            rel, regions = line.rstrip('\n').split('\t', 1)
            out[rel] = json.loads(regions)
    return out


def iou(a, b):
    pa, pb = Polygon(a), Polygon(b)
    if not pa.is_valid or not pb.is_valid:
        return 0.0
    inter = pa.intersection(pb).area
    union = pa.area + pb.area - inter
    return inter / union if union > 0 else 0.0


def evaluate(gt_regions, det_regions):
    gts = [r for r in gt_regions if Polygon(r['points']).is_valid]
    dont_care = [r['transcription'] in ('###', '*') for r in gts]
    dets, det_ignored = [], []
    for r in det_regions:
        pd = Polygon(r['points'])
        if not pd.is_valid:
            continue
        ignored = False
        for g, dc in zip(gts, dont_care):
            if dc and pd.area > 0 and Polygon(g['points']).intersection(pd).area / pd.area > 0.5:
                ignored = True
                break
        dets.append(r)
        det_ignored.append(ignored)
    g_used, d_used, matched = [False] * len(gts), [False] * len(dets), 0
    for i, g in enumerate(gts):
        for j, d in enumerate(dets):
            if not g_used[i] and not d_used[j] and not dont_care[i] and not det_ignored[j] \
                    and iou(g['points'], d['points']) > 0.5:
                g_used[i] = d_used[j] = True
                matched += 1
    return len(gts) - sum(dont_care), len(dets) - sum(det_ignored), matched


def scores(counts):
    gt, det, m = (sum(c[k] for c in counts) for k in range(3))
    r, p = (m / gt if gt else 0), (m / det if det else 0)
    return p, r, (2 * p * r / (p + r) if p + r else 0)


def main():
    ours, ref = load(sys.argv[1]), load(sys.argv[2])
    n_ours = n_ref = same = matched = 0
    worst = 1.0
    for rel in ref:
        a, b = [r['points'] for r in ours.get(rel, [])], [r['points'] for r in ref[rel]]
        n_ours += len(a)
        n_ref += len(b)
        same += sum(1 for p in a if p in b)
        pairs = sorted(((iou(p, q), i, j) for i, p in enumerate(a) for j, q in enumerate(b)), reverse=True)
        ua, ub = set(), set()
        for v, i, j in pairs:
            if v > 0.9 and i not in ua and j not in ub:
                ua.add(i)
                ub.add(j)
                worst = min(worst, v)
        matched += len(ua)
    print(f'boxes: ours {n_ours}, reference {n_ref}; identical {same}; matched at IoU > 0.9: {matched} '
          f'({matched / max(n_ref, 1):.4f} of reference, {matched / max(n_ours, 1):.4f} of ours; '
          f'lowest matched IoU {worst:.4f})')
    if len(sys.argv) > 3:
        labels = load(sys.argv[3])
        for name, boxes in (('ours', ours), ('reference', ref)):
            p, r, h = scores([evaluate(labels[rel], boxes.get(rel, [])) for rel in labels])
            print(f'{name}: precision {p:.4f}  recall {r:.4f}  hmean {h:.4f}')


if __name__ == '__main__':
    main()
