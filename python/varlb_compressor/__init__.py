"""varlb_compressor -- write a varlb compressor in Python with two functions.

    import varlb_compressor as vc

    def compress(K, V, budget_bits, public_seed):   # Alice: the cache -> bytes
        ...
    def answer(blob, Q, public_seed):               # Bob: bytes, queries -> O
        ...
    vc.run(compress, answer)

run() speaks both of varlb's protocols (README.md, "Writing a compressor in
Python"), on one head and on whole models:

  exec (one process per half and trial)
    PROG compress --keys K.npy --values V.npy --budget-bits B --seed S --out BLOB
    PROG answer   --blob BLOB --queries Q.npy --seed S --out O.npy
    with the instance's public parameters in VARLB_SCHEDULE, VARLB_D,
    VARLB_DV, VARLB_JL, VARLB_KEYS, VARLB_VALUES, VARLB_C, VARLB_ALICE_TOKENS;
  serve (one process per half, one JSON request per line on stdin)
    PROG serve --half compress|answer
    {"keys": "K.npy", "values": "V.npy", "budget_bits": B, "seed": S, "out": "BLOB",
     "instance": {...}}  ->  {"ok": true}  or  {"ok": false, "error": "..."}
    {"blob": "BLOB", "queries": "Q.npy", "seed": S, "out": "O.npy", "instance": {...}}
  calibrate (once, before any instance, under `varlb ... --calibrate`)
    PROG calibrate --seed S --out CALIB
    run(..., calibrate=fn) calls fn(directory, public_calibration_seed) on a
    fresh directory CALIB; what it leaves there is read-only to every half
    later, at instance.calibration.  Without fn the program calibrates
    nothing (and says so on stderr).

On a whole model (varlb ... --model M) K, V and Q arrive as (L, H, T, d)
arrays and instance.layers, instance.heads say so.  Functions written for
one head run there unchanged: run() calls them head by head (per_head),
each head with its own public seed and an even share of the budget, as
varlb runs a one-head built-in; run(..., whole_model=True) hands the
whole arrays to functions that spread one budget themselves.

A file that only defines compress and answer (and calibrate) runs without
a line of protocol code: python3 -m varlb_compressor /path/prog.py HALF ...
(so exec:'python3 -m varlb_compressor /path/prog.py' and serve:'...' work).

plus what most compressors need: the instance's public keys regenerated
through libvarlb (public_keys, Instance.public_keys), each query's target
token, bit packing, whole-bit budgets, exact softmax attention and strict
.npy files.  A user function may take a keyword argument `instance` to
receive the Instance of the current request.  Numerics are floating point.
"""

from .arrays import (CompressorError, attention, budget_bytes, pack_bits, pack_ints,
                     parse_budget, read_npy, target_tokens, unpack_bits, unpack_ints,
                     write_npy)
from .instance import Instance, per_head
from .library import head_seed, load_library, public_keys, split_budget
from .protocol import __version__, main, run

__all__ = [
    "CompressorError", "Instance", "run", "public_keys", "target_tokens",
    "attention", "pack_bits", "unpack_bits", "pack_ints", "unpack_ints",
    "parse_budget", "budget_bytes", "read_npy", "write_npy", "load_library",
    "per_head", "head_seed", "split_budget", "main",
]
