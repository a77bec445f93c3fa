#!/usr/bin/env python3
# faiss_pq.py -- faiss's product quantizer (python3-faiss) as an external
# compressor written with the varlb_compressor helper: K and V each get M
# sub-quantizers of nbits, codebooks trained on the instance (k-means seeded
# by the public seed) and charged at fp32 in the blob; the budget picks the
# most code bits per token that fit.  Works through exec: and serve:.
#   varlb attack --compressor exec:'python3 /abs/path/faiss_pq.py' --ratio 4
import math, os, sys
import numpy as np
import faiss
sys.path.insert(1, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
import varlb_compressor as vc

HEADER = 16  # tokens kept, M, nbits, dv


def blob_bytes(n, d, dv, M, nbits):
    return HEADER + 4 * 2 ** nbits * (d + dv) + 2 * n * ((M * nbits + 7) // 8)


def quantizer(dim, M, nbits, seed):
    pq = faiss.ProductQuantizer(dim, M, nbits)
    pq.cp.seed, pq.cp.min_points_per_centroid = seed, 1
    return pq


def compress(K, V, budget_bits, public_seed):
    (T, d), dv = K.shape, V.shape[1]
    fits = [(M * nbits, M, nbits) for M in range(1, math.gcd(d, dv) + 1) if d % M == 0 == dv % M
            for nbits in range(1, min(8, int(math.log2(T))) + 1)
            if 8 * blob_bytes(T, d, dv, M, nbits) <= budget_bits]
    if not fits:
        return np.array([0, 1, 1, dv], dtype="<u4").tobytes()
    _, M, nbits = max(fits)
    out = [np.array([T, M, nbits, dv], dtype="<u4").tobytes()]
    codes = []
    for X in (K, V):
        pq = quantizer(X.shape[1], M, nbits, public_seed % 2 ** 31)
        pq.train(np.ascontiguousarray(X, dtype=np.float32))
        out.append(faiss.vector_to_array(pq.centroids).astype("<f4").tobytes())
        codes.append(pq.compute_codes(np.ascontiguousarray(X, dtype=np.float32)).tobytes())
    return b"".join(out + codes)


def answer(blob, Q, public_seed):
    n, M, nbits, dv = (int(x) for x in np.frombuffer(blob[:HEADER].ljust(HEADER, b"\xff"), "<u4"))
    d = Q.shape[1]
    if n == 0 and len(blob) == HEADER and dv < 2 ** 20:
        return np.zeros((Q.shape[0], dv))
    if not (M >= 1 and d % M == 0 == dv % M and 1 <= nbits <= 8 and n < 2 ** 24
            and len(blob) == blob_bytes(n, d, dv, M, nbits)):
        raise vc.CompressorError("blob does not match its header")
    at, rebuilt = HEADER, []
    books = []
    for dim in (d, dv):
        size = 2 ** nbits * dim
        books.append(np.frombuffer(blob, "<f4", size, at))
        at += 4 * size
    for dim, book in zip((d, dv), books):
        pq = quantizer(dim, M, nbits, 0)
        faiss.copy_array_to_vector(np.ascontiguousarray(book, dtype=np.float32), pq.centroids)
        codes = np.frombuffer(blob, np.uint8, n * pq.code_size, at).reshape(n, pq.code_size)
        at += n * pq.code_size
        rebuilt.append(pq.decode(codes).astype(np.float64))
    return vc.attention(Q, rebuilt[0], rebuilt[1])


vc.run(compress, answer)
