#!/usr/bin/env python3
# values_only.py -- the keys are public coins: regenerate them from the
# public seed (libvarlb through the helper) and spend the whole budget on
# value bits, one bit per hidden bit, for the first tokens that fit; the
# others answer with the midpoint value (chance).  Needs the instance's
# public parameters from the judge (VARLB_JL, VARLB_KEYS, ...).
#   varlb attack --compressor exec:'python3 /abs/path/values_only.py' --ratio 0.5
import os, sys
import numpy as np
sys.path.insert(1, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
import varlb_compressor as vc


def compress(K, V, budget_bits, public_seed, instance):
    n = min(V.shape[0], 8 * vc.budget_bytes(budget_bits) // V.shape[1])
    return vc.pack_bits(V[:n] > (0.5 if instance.values != "pm1" else 0.0))


def answer(blob, Q, public_seed, instance):
    K = instance.public_keys(public_seed)
    lo = -1.0 if instance.values == "pm1" else 0.0
    V = np.full((K.shape[0], instance.dv), (lo + 1.0) / 2)
    n = min(K.shape[0], 8 * len(blob) // instance.dv)
    V[:n] = lo + (1.0 - lo) * vc.unpack_bits(blob, n * instance.dv).reshape(n, instance.dv)
    return vc.attention(Q, K, V)


vc.run(compress, answer)
