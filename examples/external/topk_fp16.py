#!/usr/bin/env python3
# topk_fp16.py -- an example external compressor for varlb (the file
# protocol in README.md, "External programs"): keep the k tokens with the
# largest key norms at fp16, answer with exact softmax attention over them.
# Needs NumPy (Debian: python3-numpy).  Floating point throughout.
#
#   varlb attack --compressor exec:'python3 /abs/path/topk_fp16.py' --ratio 0.5
#   varlb attack --compressor exec:'python3 /abs/path/topk_fp16.py --tokens 64' --ratio 0.5
#   (varlb is on PATH after `make install`; in a build directory, ./varlb)
#
#   topk_fp16.py [--tokens K] compress --keys K.npy --values V.npy --budget-bits B --seed S --out BLOB
#   topk_fp16.py [--tokens K] answer --blob BLOB --queries Q.npy --seed S --out O.npy
import argparse
import sys

import numpy as np

HEADER = np.dtype([("k", "<u4"), ("d", "<u4"), ("dv", "<u4")])


def compress(a, tokens):
    K = np.load(a.keys)
    V = np.load(a.values)
    T, d = K.shape
    dv = V.shape[1]
    if tokens == 0:
        # Everything instance-dependent is in the blob: header + fp16 rows.
        row_bits = 16 * (d + dv)
        tokens = max(0, int((a.budget_bits - 8 * HEADER.itemsize) // row_bits))
    k = min(tokens, T)
    keep = np.sort(np.argsort(-np.linalg.norm(K, axis=1), kind="stable")[:k])
    rows = np.hstack([K[keep], V[keep]]).astype("<f2")
    with open(a.out, "wb") as f:
        f.write(np.array([(k, d, dv)], dtype=HEADER).tobytes())
        f.write(rows.tobytes())


def answer(a):
    raw = open(a.blob, "rb").read()
    if len(raw) < HEADER.itemsize:
        sys.exit("topk_fp16: blob too short")
    k, d, dv = (int(x) for x in np.frombuffer(raw[:HEADER.itemsize], dtype=HEADER)[0])
    body = np.frombuffer(raw[HEADER.itemsize:], dtype="<f2")
    if body.size != k * (d + dv):
        sys.exit("topk_fp16: blob length does not match its header")
    Q = np.load(a.queries)
    if k == 0:
        O = np.zeros((Q.shape[0], dv))
    else:
        rows = body.reshape(k, d + dv).astype(np.float64)
        S = Q @ rows[:, :d].T
        P = np.exp(S - S.max(axis=1, keepdims=True))
        O = (P / P.sum(axis=1, keepdims=True)) @ rows[:, d:]
    np.save(a.out, np.ascontiguousarray(O, dtype="<f8"))


def main():
    p = argparse.ArgumentParser(prog="topk_fp16.py")
    p.add_argument("--tokens", type=int, default=0, help="tokens kept (0: fill the budget)")
    sub = p.add_subparsers(dest="half", required=True)
    c = sub.add_parser("compress")
    c.add_argument("--keys", required=True)
    c.add_argument("--values", required=True)
    c.add_argument("--budget-bits", type=float, required=True)
    c.add_argument("--seed", type=int, required=True)
    c.add_argument("--out", required=True)
    r = sub.add_parser("answer")
    r.add_argument("--blob", required=True)
    r.add_argument("--queries", required=True)
    r.add_argument("--seed", type=int, required=True)
    r.add_argument("--out", required=True)
    a = p.parse_args()
    if a.tokens < 0:
        p.error("--tokens must be >= 0")
    if a.half == "compress":
        compress(a, a.tokens)
    else:
        answer(a)


main()
