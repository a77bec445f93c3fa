#!/usr/bin/env python3
# topk_fp16.py -- an external compressor written with the varlb_compressor
# helper (python/varlb_compressor/): keep the tokens with the largest key
# norms at fp16, answer with exact softmax attention over them.
#   varlb attack --compressor exec:'python3 /abs/path/topk_fp16.py' --ratio 0.5
import os, sys
import numpy as np
sys.path.insert(1, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
import varlb_compressor as vc


def compress(K, V, budget_bits, public_seed):
    (T, d), dv = K.shape, V.shape[1]
    k = min(T, max(0, vc.budget_bytes(budget_bits) - 12) // (2 * (d + dv)))
    keep = np.sort(np.argsort(-np.linalg.norm(K, axis=1), kind="stable")[:k])
    rows = np.hstack([K[keep], V[keep]]).astype("<f2")
    return np.array([k, d, dv], dtype="<u4").tobytes() + rows.tobytes()


def answer(blob, Q, public_seed):
    k, d, dv = (int(x) for x in np.frombuffer(blob[:12].ljust(12, b"\xff"), dtype="<u4"))
    rows = np.frombuffer(blob[12:], dtype="<f2").astype(np.float64)
    if len(blob) < 12 or d != Q.shape[1] or rows.size != k * (d + dv):
        raise vc.CompressorError("blob does not match its header")
    rows = rows.reshape(k, d + dv)
    return vc.attention(Q, rows[:, :d], rows[:, d:])


vc.run(compress, answer)
