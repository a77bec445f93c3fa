#!/usr/bin/env python3
"""decode_numpy.py -- the Index -> VAR reduction's decoding written the obvious
way in NumPy (blocked matrix products), as the reference for `make bench`.

Reads K.npy, V.npy, Q.npy (Bob's rows C k_i for every Alice token) and
threshold.txt from DIR, decodes every bit, compares with varlb's decoded.npy,
and prints one JSON line: decode seconds (fastest of REPEAT in-process runs),
bits, agreement."""
import json
import sys
import time

import numpy as np

REPEAT = 3


def decode(K, V, Q, threshold, block=1024):
    bits = np.empty((Q.shape[0], V.shape[1]), dtype=bool)
    for r0 in range(0, Q.shape[0], block):
        S = Q[r0:r0 + block] @ K.T
        S -= S.max(axis=1, keepdims=True)
        P = np.exp(S)
        P /= P.sum(axis=1, keepdims=True)
        bits[r0:r0 + block] = (P @ V) > threshold
    return bits


def main():
    d = sys.argv[1]
    K, V, Q = (np.load(f"{d}/{n}.npy") for n in ("K", "V", "Q"))
    threshold = float(open(f"{d}/threshold.txt").read())
    secs = float("inf")
    for _ in range(REPEAT):  # steady state, as `varlb decode --repeat`
        t0 = time.perf_counter()
        bits = decode(K, V, Q, threshold)
        secs = min(secs, time.perf_counter() - t0)
    ref = np.load(f"{d}/decoded.npy") > 0.5
    print(json.dumps({"decode_seconds": secs, "bits": int(bits.size),
                      "same_bits": bool(ref.shape == bits.shape and (ref == bits).all())}))


if __name__ == "__main__":
    main()
