#!/usr/bin/env python3
"""model_identity.py -- the whole-model file protocol (tests/cli_model.sh):
compress keeps the whole cache K, V of shape (L, H, T, d) at fp64 (its shape
first), answer computes every head's exact attention for Q (L, H, m, d) and
writes O (L, H, m, dv).  --bad-shape writes O without its layer axis.
--grid: compress runs 1.285 s (just past the timing grid's level 1.28 s) and
says when it ended, answer says when it started (the pad holds Bob back to
the next level, 1.81 s from Alice's start)."""
import time

T0 = time.time()  # --grid: when this half started, before any import
import os  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402

args = sys.argv[1:]
bad = args[0] == "--bad-shape"
grid = args[0] == "--grid"
if bad or grid:
    args = args[1:]
half, opt = args[0], dict(zip(args[1::2], args[2::2]))
L, H = int(os.environ["VARLB_LAYERS"]), int(os.environ["VARLB_HEADS"])
if half == "compress":
    K, V = np.load(opt["--keys"]), np.load(opt["--values"])
    if K.ndim != 4 or K.shape[:2] != (L, H) or V.shape[:3] != K.shape[:3]:
        sys.exit("K %s, V %s: not (L, H, T, d)" % (K.shape, V.shape))
    # What the half was given as seeds, for tests/cli_model.sh to check.
    sys.stderr.write("seed %s public %s\n" % (opt["--seed"], os.environ["VARLB_PUBLIC_SEED"]))
    with open(opt["--out"], "wb") as f:
        f.write(np.array(K.shape + V.shape[3:], "<u4").tobytes())
        f.write(K.astype("<f8").tobytes() + V.astype("<f8").tobytes())
    if grid:
        time.sleep(max(0.0, 1.285 - (time.time() - T0)))
        sys.stderr.write("ended %.6f\n" % time.time())
else:
    if grid:
        sys.stderr.write("started %.6f\n" % T0)
    b = open(opt["--blob"], "rb").read()
    L_, H_, T, d, dv = (int(x) for x in np.frombuffer(b[:20], "<u4"))
    K = np.frombuffer(b[20:20 + 8 * L * H * T * d], "<f8").reshape(L, H, T, d)
    V = np.frombuffer(b[20 + 8 * L * H * T * d:], "<f8").reshape(L, H, T, dv)
    Q = np.load(opt["--queries"])
    S = Q @ K.transpose(0, 1, 3, 2)
    W = np.exp(S - S.max(axis=-1, keepdims=True))
    O = (W / W.sum(axis=-1, keepdims=True)) @ V
    np.save(opt["--out"], O[0] if bad else O)
