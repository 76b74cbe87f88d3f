#!/usr/bin/python3
"""Agreement of two OCR line files of the same label list (the library's
against ref_ocr.py's, or two reference runs): the lines of each image are
paired in order; a pair agrees on the box when no corner's x or y moved more
than --tol px (default 1) and on the text when the strings are equal.

    compare_ocr.py OURS.txt REF.txt [--tol PX] [--strict]

Prints each image that differs, then the totals. --strict exits 1 when
anything differs (line counts, boxes or strings)."""
import argparse
import json
import math
import sys


def load(path):
    out = []
    for line in open(path, encoding='utf-8'):
        if line.strip():
            rel, regions = line.rstrip('\n').split('\t', 1)
            out.append((rel, json.loads(regions)))
    return out


def corner_distance(a, b):
    """The largest move of a corner's x or y: boxes "to 1 px" agree when
    every coordinate is within 1 (tests/ocr/test_golden.c's rule)."""
    if len(a) != len(b):
        return math.inf
    return max(max(abs(p[0] - q[0]), abs(p[1] - q[1])) for p, q in zip(a, b))


def main():
    ap = argparse.ArgumentParser(description='Compare two OCR line files (see the module docstring).')
    ap.add_argument('ours')
    ap.add_argument('ref')
    ap.add_argument('--tol', type=float, default=1.0)
    ap.add_argument('--strict', action='store_true')
    args = ap.parse_args()
    ours, ref = load(args.ours), load(args.ref)
    if [r for r, _ in ours] != [r for r, _ in ref]:
        sys.exit(f'compare_ocr: {args.ours} and {args.ref} do not list the same images in the same order')
    n_ours = n_ref = pairs = same_box = same_text = images_differ = 0
    for (rel, a), (_, b) in zip(ours, ref):
        n_ours += len(a)
        n_ref += len(b)
        boxes = [corner_distance(p['points'], q['points']) <= args.tol for p, q in zip(a, b)]
        texts = [p['transcription'] == q['transcription'] for p, q in zip(a, b)]
        pairs += len(boxes)
        same_box += sum(boxes)
        same_text += sum(texts)
        if len(a) != len(b) or not all(boxes) or not all(texts):
            images_differ += 1
            print(f'{rel}: lines {len(a)} vs {len(b)}; boxes within {args.tol:g} px {sum(boxes)}/{len(boxes)}; '
                  f'strings equal {sum(texts)}/{len(texts)}')
            for i, (p, q) in enumerate(zip(a, b)):
                if not boxes[i] or not texts[i]:
                    print(f'  #{i}: {p["points"]} {p["transcription"]!r} | {q["points"]} {q["transcription"]!r}')
    print(f'images {len(ref)} ({images_differ} differ); lines ours {n_ours}, reference {n_ref}; paired {pairs}: '
          f'boxes within {args.tol:g} px {same_box}, strings equal {same_text}')
    if args.strict and (images_differ or n_ours != n_ref):
        sys.exit(1)


if __name__ == '__main__':
    main()
