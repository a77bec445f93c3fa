#!/usr/bin/env python3
# torch_int.py -- per-token asymmetric integer quantization in PyTorch
# (python3-torch), as torch.fake_quantize_per_channel_affine does it, written
# with the varlb_compressor helper: each token of K and V keeps an fp16
# scale and zero point and b-bit codes, b the most the budget allows (1..8);
# below 1 bit per value only the first tokens are kept.  Works through exec:
# and serve: (a serve worker imports torch once, not once per trial).
#   varlb attack --compressor exec:'python3 /abs/path/torch_int.py' --ratio 4
import os, sys
import numpy as np
import torch
sys.path.insert(1, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
import varlb_compressor as vc

HEADER = 12  # tokens kept, dv, bits


def blob_bytes(n, d, dv, bits):
    return HEADER + 8 * n + (n * (d + dv) * bits + 7) // 8


def quantize(X, bits):
    """Per-row grid min + scale * code, code in [0, 2^bits - 1] (fp16 grid)."""
    t = torch.from_numpy(X)
    lo = t.min(dim=1).values.half().double()
    scale = ((t.max(dim=1).values - lo) / (2 ** bits - 1)).half().double().clamp(min=2 ** -14)
    codes = torch.clamp(torch.round((t - lo[:, None]) / scale[:, None]), 0, 2 ** bits - 1)
    return lo.numpy(), scale.numpy(), codes.to(torch.int64).numpy()


def compress(K, V, budget_bits, public_seed):
    (T, d), dv = K.shape, V.shape[1]
    fits = [b for b in range(1, 9) if 8 * blob_bytes(T, d, dv, b) <= budget_bits]
    bits = max(fits, default=1)
    n = T if fits else max([m for m in range(T + 1) if 8 * blob_bytes(m, d, dv, 1) <= budget_bits],
                           default=0)
    grids, codes = [], []
    for X in (K[:n], V[:n]):
        lo, scale, c = quantize(X, bits)
        grids.append(np.stack([lo, scale], axis=1).astype("<f2").tobytes())
        codes.append(c)
    packed = vc.pack_ints(np.hstack(codes).ravel(), bits) if n else b""
    return np.array([n, dv, bits], dtype="<u4").tobytes() + b"".join(grids) + packed


def answer(blob, Q, public_seed):
    n, dv, bits = (int(x) for x in np.frombuffer(blob[:HEADER].ljust(HEADER, b"\xff"), "<u4"))
    d = Q.shape[1]
    if not (1 <= bits <= 8 and n < 2 ** 24 and dv < 2 ** 20 and len(blob) == blob_bytes(n, d, dv, bits)):
        raise vc.CompressorError("blob does not match its header")
    gk = np.frombuffer(blob, "<f2", 2 * n, HEADER).reshape(n, 2).astype(np.float64)
    gv = np.frombuffer(blob, "<f2", 2 * n, HEADER + 4 * n).reshape(n, 2).astype(np.float64)
    c = vc.unpack_ints(blob[HEADER + 8 * n:], n * (d + dv), bits).reshape(n, d + dv).astype(np.float64)
    K = gk[:, :1] + gk[:, 1:] * c[:, :d]
    V = gv[:, :1] + gv[:, 1:] * c[:, d:]
    return vc.attention(Q, K, V)


vc.run(compress, answer)
