"""varlb_compressor.arrays -- what most compressors need and varlb's files:
strict .npy reading and writing (2-D for one head, up to 8-D for whole
models), whole-bit budgets, bit and integer packing in varlb's order, exact
softmax attention and each query's target token.  Floating point."""

import math

import numpy as np


class CompressorError(Exception):
    """A failure reported to varlb as one line (exit status 1 under exec,
    {"ok": false, "error": ...} under serve)."""


# ------------------------------------------------------------------ files

MAX_DIMS = 8  # varlb_npy_read_nd's limit


def read_npy(path):
    """A float64 array from a .npy file: 2-D for one head (a 1-D file reads
    as 1 x n), up to 8-D for whole models ((L, H, T, d))."""
    try:
        a = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise CompressorError("%s: %s" % (path, e)) from None
    if a.dtype != np.float64 or not 1 <= a.ndim <= MAX_DIMS:
        raise CompressorError("%s: want a float64 array of 1 to %d dimensions, got %s %s"
                              % (path, MAX_DIMS, a.dtype, a.shape))
    return np.ascontiguousarray(a.reshape(1, -1) if a.ndim == 1 else a)


def write_npy(path, a):
    """Write A as varlb's strict parser reads it: .npy version 1.0,
    little-endian float64, C order, 2-D to 8-D."""
    a = np.ascontiguousarray(np.asarray(a, dtype="<f8"))
    if not 2 <= a.ndim <= MAX_DIMS:
        raise CompressorError("%s: want an array of 2 to %d dimensions, got shape %s"
                              % (path, MAX_DIMS, a.shape))
    with open(path, "wb") as f:
        np.lib.format.write_array(f, a, version=(1, 0), allow_pickle=False)


# ---------------------------------------------------------------- budgets

def parse_budget(text):
    """Budget bits as a whole number.  varlb passes integers; older
    versions printed e.g. 2713.6000000000004, which is floored."""
    try:
        b = int(text)
    except (TypeError, ValueError):
        try:
            f = float(text)
        except (TypeError, ValueError):
            raise CompressorError("budget %r is not a number" % (text,)) from None
        if not math.isfinite(f):
            raise CompressorError("budget %r is not finite" % (text,))
        b = math.floor(f)
    if b < 0:
        raise CompressorError("budget %r is negative" % (text,))
    return b


def budget_bytes(budget_bits):
    """Whole bytes a blob may have: varlb charges 8 bits per byte."""
    return int(budget_bits) // 8


# ------------------------------------------------------------ bit packing

def pack_bits(bits):
    """Bytes holding the 0/1 values BITS, little-endian bit order (bit i is
    bit i % 8 of byte i // 8, as varlb's own blobs), zero-padded."""
    b = np.asarray(bits).ravel()
    if b.size and (b.min() < 0 or b.max() > 1):
        raise CompressorError("pack_bits: values other than 0 and 1")
    return np.packbits(b.astype(np.uint8), bitorder="little").tobytes()


def unpack_bits(data, count):
    """The first COUNT bits of DATA (pack_bits's order) as a uint8 array."""
    if count < 0 or 8 * len(data) < count:
        raise CompressorError("unpack_bits: %d bits wanted, %d bytes given" % (count, len(data)))
    return np.unpackbits(np.frombuffer(bytes(data), dtype=np.uint8), count=count, bitorder="little")


def pack_ints(values, width):
    """Non-negative integers below 2^WIDTH (1..64), WIDTH bits each, least
    significant bit first, back to back (pack_bits's order)."""
    v = np.asarray(values, dtype=np.uint64).ravel()
    if not 1 <= width <= 64:
        raise CompressorError("pack_ints: width %d outside 1..64" % width)
    if width < 64 and v.size and int(v.max()) >> width:
        raise CompressorError("pack_ints: a value does not fit in %d bits" % width)
    shifts = np.arange(width, dtype=np.uint64)
    return pack_bits(((v[:, None] >> shifts) & np.uint64(1)).astype(np.uint8))


def unpack_ints(data, count, width):
    """COUNT integers of WIDTH bits from DATA (pack_ints's layout)."""
    if not 1 <= width <= 64:
        raise CompressorError("unpack_ints: width %d outside 1..64" % width)
    bits = unpack_bits(data, count * width).reshape(count, width).astype(np.uint64)
    return (bits << np.arange(width, dtype=np.uint64)).sum(axis=1, dtype=np.uint64)


# -------------------------------------------------------------- attention

def attention(Q, K, V):
    """softmax(Q K^T) V row by row, exactly as varlb defines it (no 1/sqrt d;
    the queries carry the scale C), shifted by each row's maximum.  With no
    tokens the output is 0.  Floating point."""
    Q = np.asarray(Q, dtype=np.float64)
    K = np.asarray(K, dtype=np.float64)
    V = np.asarray(V, dtype=np.float64)
    if K.shape[0] == 0:
        return np.zeros((Q.shape[0], V.shape[1]))
    S = Q @ K.T
    P = np.exp(S - S.max(axis=1, keepdims=True))
    return (P @ V) / P.sum(axis=1, keepdims=True)


def target_tokens(Q, K):
    """Each query's target: Bob's row for Alice token i is C k_i, so its
    largest inner product is with k_i (argmax <q, k_t>)."""
    return np.argmax(np.asarray(Q) @ np.asarray(K).T, axis=1)
