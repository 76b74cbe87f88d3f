#!/usr/bin/python3
"""Writes tests/ocr/crop_fixture.bin: PaddleOCR's get_rotate_crop_image as
OpenCV computes it, for runtime/ocr/crop.c to match bit for bit.

Run with Debian's /usr/bin/python3 (python3-opencv 4.6, numpy):
    /usr/bin/python3 scripts/ref/make_crop_fixture.py [OUT]
OUT defaults to tests/ocr/crop_fixture.bin next to this script's repo root.
Everything is deterministic (fixed seed), so rerunning gives the same bytes
as long as cv2 and numpy compute the same.

Layout, all integers little-endian:
    8 bytes   magic "OCRSCRP1"
    u16 W, u16 H                  the source image, RGB
    W*H*3     image bytes, rows top to bottom, no padding
    u16 N                         number of quads
    N times:
      f32 x[4], f32 y[4]          corners (clockwise from top-left), float32
      u16 crop_w, u16 crop_h      int(max(norm..)) as numpy computes it, at
                                  least 1 (see crop_size)
      u8  kind                    0: cv2 crop follows
                                  1: collinear corners, cv2 gives the image's
                                     (0, 0) pixel everywhere (follows too)
      crop_w*crop_h*3 bytes       cv2.warpPerspective result (before any rot90)
    u16 PW, u16 PH                a procedural RGB image, not stored: channel c
                                  of pixel (x, y) is
                                  (31x + 17y + 85c + (xy mod 61)) mod 256
    u16 PN, then PN quad records as above, on that image
    u16 RW, u16 RH                a non-square RGB image for the rotations
    RW*RH*3   its bytes
    RW*RH*3   np.rot90(img): RW rows of RH pixels
    RW*RH*3   cv2.rotate(img, ROTATE_180): RH rows of RW pixels
"""
import math
import os
import struct
import sys

import cv2
import numpy as np


def crop_size(points):
    # Exactly get_rotate_crop_image's expressions (tools/infer/utility.py),
    # then at least 1 as ocrs_crop_size clamps (PaddleOCR would pass 0 on to
    # cv2, which then warps to the whole source size instead).
    w = int(max(np.linalg.norm(points[0] - points[1]), np.linalg.norm(points[2] - points[3])))
    h = int(max(np.linalg.norm(points[0] - points[3]), np.linalg.norm(points[1] - points[2])))
    return max(w, 1), max(h, 1)


def crop(img, points):
    w, h = crop_size(points)
    pts_std = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    M = cv2.getPerspectiveTransform(points, pts_std)
    dst = cv2.warpPerspective(img, M, (w, h), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC)
    return w, h, dst


def make_image(w, h, rng):
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 255 * xx / (w - 1)
    g = 255 * yy / (h - 1)
    b = 128 + 100 * np.sin(xx * 0.37) * np.cos(yy * 0.23)
    img = np.stack([r, g, b], axis=-1) + rng.normal(0, 18, (h, w, 3))
    # a few hard edges, where cubic overshoot makes saturation matter
    img[10:14, :, :] = 255
    img[:, 40:42, 1] = 0
    img[30:50, 60:80, 0] = 0
    img[30:50, 60:80, 2] = 255
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def rotated_rect(cx, cy, w, h, deg):
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    pts = []
    for dx, dy in ((-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)):
        pts.append([cx + dx * c - dy * s, cy + dx * s + dy * c])
    return pts


def quads(rng):
    q = []
    # axis-aligned, integer corners (what the detector mostly gives)
    q.append([[10, 5], [60, 5], [60, 25], [10, 25]])
    q.append([[0, 0], [96, 0], [96, 12], [0, 12]])          # full width, top rows
    q.append([[20, 30], [90, 30], [90, 38], [20, 38]])      # wide, H < 16
    q.append([[3, 2], [7, 2], [7, 40], [3, 40]])            # tall, h/w >= 1.5
    q.append([[50, 1], [70, 1], [70, 59], [50, 59]])        # tall
    # rotated rectangles, sub-pixel by construction
    for deg in (3, -7, 15, 30, 45, -60, 89, 90, 135, 180, -170):
        q.append(rotated_rect(48.3, 30.7, 44, 14, deg))
    q.append(rotated_rect(48, 30, 10, 40, 12))              # tall, rotated
    # slightly non-rectangular (perspective)
    q.append([[12.5, 8.25], [80.75, 11.5], [78.0, 33.5], [14.0, 29.75]])
    q.append([[5, 5], [90, 15], [85, 55], [8, 45]])
    q.append([[30.1, 20.9], [70.6, 18.2], [72.3, 41.7], [27.4, 44.4]])
    # tiny
    q.append([[40, 40], [41, 40], [41, 41], [40, 41]])
    q.append([[40.5, 20.25], [42.75, 20.5], [42.5, 23.0], [40.25, 22.75]])
    q.append([[10.2, 50.1], [13.1, 50.3], [13.0, 52.2], [10.1, 52.0]])
    q.append([[70, 30], [70.4, 30], [70.4, 30.3], [70, 30.3]])  # below 1 px: size clamps to 1
    # corners outside the image (border replicate)
    q.append([[-20, -10], [40, -12], [42, 20], [-18, 22]])
    q.append([[80, 40], [130, 42], [128, 80], [78, 78]])
    q.append([[-300.5, 10], [-200, 10], [-200, 30], [-300.5, 30]])  # wholly outside
    q.append([[-5, -5], [101.5, -5], [101.5, 30], [-5, 30]])
    # wide crops (more than one 64-column block)
    q.append([[1, 20], [96, 22], [95.5, 27], [0.5, 25]])
    q.append(rotated_rect(48, 30, 150, 20, 8))
    # random near-rectangles with sub-pixel corners
    for _ in range(6):
        cx, cy = rng.uniform(10, 87), rng.uniform(8, 53)
        w, h = rng.uniform(4, 70), rng.uniform(3, 30)
        pts = np.array(rotated_rect(cx, cy, w, h, rng.uniform(-40, 40)))
        pts += rng.uniform(-2, 2, pts.shape)
        q.append(pts.tolist())
    # integer quads where a reciprocal-multiplying LU back substitution (later
    # OpenCV) gives a pixel other than 4.6's dividing one
    q.append([[32, 26], [42, 24], [44, 34], [34, 35]])
    q.append([[54, 31], [57, 23], [73, 27], [71, 36]])
    q.append([[74, 62], [104, 58], [105, 65], [75, 68]])
    q.append([[53, 63], [54, 55], [71, 58], [70, 65]])
    # collinear corners: no transform
    q.append([[10, 10], [20, 20], [30, 30], [40, 40]])
    return [np.float32(p) for p in q]


def procedural_image(w, h):
    # Integer-only, so test_crop.c rebuilds the same bytes.
    yy, xx = np.mgrid[0:h, 0:w].astype(np.int64)
    chans = [(31 * xx + 17 * yy + 85 * c + (xx * yy) % 61) % 256 for c in range(3)]
    return np.stack(chans, axis=-1).astype(np.uint8)


# Crops at large coordinates, wider than warpPerspective's column block (64,
# or 1024 / rows below 16 rows), where computing X, Y, W from the row start
# instead of the block start rounds one pixel differently; the fourth also
# tells the LU back-substitution variants apart.
PROCEDURAL_QUADS = [
    [[176, 604], [267, 612], [267, 623], [176, 616]],
    [[1154, 103], [1227, 124], [1221, 133], [1153, 118]],
    [[615, 334], [715, 434], [709, 434], [606, 337]],
    [[827, 410], [897, 307], [906, 313], [830, 412]],
    # sub-pixel corners (multiples of 1/64) where widening the corner
    # coordinates before the products x*u (instead of float32 products, as
    # cv2's Point2f arithmetic does) changes a pixel
    [[979.03125, 489.203125], [1243.9375, 637.71875], [1243.484375, 637.671875], [978.203125, 492.609375]],
]


def quad_records(img, qs):
    data = bytearray(struct.pack("<H", len(qs)))
    for i, p in enumerate(qs):
        w, h = crop_size(p)
        kind = 0
        m = cv2.getPerspectiveTransform(p, np.float32([[0, 0], [w, 0], [w, h], [0, h]]))
        if not m[:2].any():
            kind = 1
        w, h, dst = crop(img, p)
        assert dst.shape == (h, w, 3), (i, dst.shape)
        data += struct.pack("<8f", *p[:, 0], *p[:, 1])
        data += struct.pack("<HHB", w, h, kind) + dst.tobytes()
    return data


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "tests", "ocr", "crop_fixture.bin")
    rng = np.random.default_rng(20240611)
    img = make_image(97, 61, rng)
    H, W = img.shape[:2]
    data = bytearray(b"OCRSCRP1")
    data += struct.pack("<HH", W, H) + img.tobytes()
    qs = quads(rng)
    data += quad_records(img, qs)
    pw, ph = 1280, 720
    data += struct.pack("<HH", pw, ph)
    data += quad_records(procedural_image(pw, ph), [np.float32(p) for p in PROCEDURAL_QUADS])
    rot = img[5:18, 7:36].copy()  # 29 x 13
    data += struct.pack("<HH", rot.shape[1], rot.shape[0]) + rot.tobytes()
    data += np.ascontiguousarray(np.rot90(rot)).tobytes()
    data += cv2.rotate(rot, cv2.ROTATE_180).tobytes()
    with open(out, "wb") as f:
        f.write(data)
    print(f"{out}: {len(qs)} + {len(PROCEDURAL_QUADS)} quads, {len(data)} bytes")


if __name__ == "__main__":
    main()
