"""list_settings.py -- the settings `varlb list` states for the library
built-ins hold for real blobs (tests/cli_newuser.sh): each blob of DIR
(--keep-blobs, in the order NAMES were attacked) is taken apart as the
settings say, and its size and choices recomputed from them alone.

    python3 list_settings.py DIR BUDGET_BITS T D NAME... [-- K.npy]

Prints one line per blob; exits 1 when one disagrees.  Pure Python (K.npy
read with NumPy when given)."""
import lzma
import math
import os
import struct
import sys


def u32s(b, n, at=0):
    return struct.unpack_from("<%dI" % n, b, at)


def zfp(b, budget, T, d):
    n, rate, flt, dims = u32s(b, 4)
    def stream(rows, cols, r):
        blocks = -(-rows // 4) * -(-cols // 4) if dims == 2 else -(-(rows * cols) // 4)
        return -(-(blocks * r * (16 if dims == 2 else 4)) // 64) * 8
    size = lambda r, rows: 16 + stream(rows, d, r) + stream(rows, d, r)
    guard = 2 if dims == 2 else 4
    want = max([r for r in range(guard, 65) if 8 * size(r, T) <= budget] or [guard])
    assert (n, flt, dims) == (T, 0, 2), (n, flt, dims)
    assert rate == want, "rate %d, the settings give %d" % (rate, want)
    assert len(b) == size(rate, n), (len(b), size(rate, n))
    return "rate %d, %d bytes" % (rate, len(b))


def fpzip(b, budget, T, d):
    n, typ, prec, kbytes, lo, hi = u32s(b, 6)
    h = 0xcbf29ce484222325
    for c in b[24:]:
        h = ((h ^ c) * 0x100000001b3) % 2 ** 64
    assert (n, typ) == (T, 1) and prec % 2 == 0 and 4 <= prec <= 64, (n, typ, prec)
    assert h == lo | hi << 32, "the FNV-1a hash of the streams"
    assert 24 + kbytes < len(b) <= budget // 8
    return "prec %d, K stream %d bytes" % (prec, kbytes)


def faiss_pq(b, budget, T, d):
    n, M, nbits = u32s(b, 3)
    size = lambda m, k, rows: 12 + 4 * 2 ** k * 2 * d + rows * 2 * ((m * k + 7) // 8)
    best = max(((m * k, -size(m, k, T)), m, k) for m in range(1, d + 1) if d % m == 0
               for k in range(1, 9) if 2 ** k <= T and 8 * size(m, k, T) <= budget)
    assert n == T and (M, nbits) == best[1:], ((n, M, nbits), best)
    assert len(b) == size(M, nbits, n), (len(b), size(M, nbits, n))
    return "M %d, nbits %d" % (M, nbits)


def faiss_sq(b, budget, T, d):
    n, q = u32s(b, 2)
    assert (n, q) == (T, 0), (n, q)           # fp16 fits: the first type
    assert len(b) == 8 + n * 2 * 2 * d, len(b)  # fp16: no ranges, 2 bytes a value
    return "fp16"


def xz(b, budget, T, d, K=None):
    raw = lzma.decompress(b, format=lzma.FORMAT_XZ)
    assert u32s(raw, 3) == (T, d, d), u32s(raw, 3)
    assert len(raw) == 12 + 8 * 2 * T * d
    if K is not None:
        got = struct.unpack_from("<%dd" % (T * d), raw, 12)
        assert list(got) == [float(x) for x in K[:T].ravel()], "K as fp64"
    return "raw T, d, dv, K, V"


def main():
    args = sys.argv[1:]
    K = None
    if "--" in args:
        import numpy as np
        K = np.load(args[args.index("--") + 1])
        args = args[:args.index("--")]
    top, budget, T, d = args[0], int(args[1]), int(args[2]), int(args[3])
    bad = 0
    for i, name in enumerate(args[4:]):
        with open(os.path.join(top, "%d.blob" % i), "rb") as f:
            b = f.read()
        try:
            extra = (K,) if name == "xz" else ()
            print("ok   %s: %s" % (name, globals()[name](b, budget, T, d, *extra)))
        except AssertionError as e:
            bad += 1
            print("FAIL %s: %s" % (name, e))
    sys.exit(1 if bad else 0)


main()
