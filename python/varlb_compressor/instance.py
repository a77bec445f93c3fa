"""varlb_compressor.instance -- the instance's public parameters as the
judge passes them (Instance), and whole models head by head (per_head)."""

import inspect
import os

import numpy as np

from .arrays import CompressorError
from .library import head_seed, public_keys, split_budget


def _call(fn, args, instance):
    """FN(*ARGS), with instance=INSTANCE when FN takes that keyword."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        params = {}
    if "instance" in params or any(p.kind == p.VAR_KEYWORD for p in params.values()):
        return fn(*args, instance=instance)
    return fn(*args)


def _as_bytes(blob, what):
    if not isinstance(blob, (bytes, bytearray, memoryview)):
        raise CompressorError("%s returned %s, not bytes" % (what, type(blob).__name__))
    return bytes(blob)


class Instance:
    """The instance's public parameters as the judge passes them (all None
    when it passes none): schedule (list of scale sides), d, dv, jl, keys
    (unit|scaled), values (01|pm1), C (query scale), alice_tokens (tokens of
    every scale but the last, the rows of K and V per head); on a whole
    model layers and heads (None on one head), and inside per_head the
    head's layer and head (None elsewhere); calibration, the directory
    `calibrate` filled before any instance (None without --calibrate)."""

    FIELDS = ("schedule", "d", "dv", "jl", "keys", "values", "C", "alice_tokens",
              "layers", "heads")
    ENV = {"schedule": "VARLB_SCHEDULE", "d": "VARLB_D", "dv": "VARLB_DV", "jl": "VARLB_JL",
           "keys": "VARLB_KEYS", "values": "VARLB_VALUES", "C": "VARLB_C",
           "alice_tokens": "VARLB_ALICE_TOKENS", "layers": "VARLB_LAYERS",
           "heads": "VARLB_HEADS"}

    def __init__(self, schedule=None, d=None, dv=None, jl=None, keys=None, values=None,
                 C=None, alice_tokens=None, calibration=None, layers=None, heads=None):
        self.calibration = calibration or None
        try:
            self.schedule = [int(s) for s in schedule] if schedule is not None else None
            self.d = int(d) if d is not None else None
            self.dv = int(dv) if dv is not None else None
            self.C = float(C) if C is not None else None
            if alice_tokens is None and self.schedule:
                alice_tokens = sum(s * s for s in self.schedule[:-1])
            self.alice_tokens = int(alice_tokens) if alice_tokens is not None else None
            self.layers = int(layers) if layers is not None else None
            self.heads = int(heads) if heads is not None else None
        except (TypeError, ValueError) as e:
            raise CompressorError("bad instance parameter: %s" % e) from None
        self.jl, self.keys, self.values = jl, keys, values
        self.layer = self.head = None

    @property
    def whole_model(self):
        """Whether the arrays are a whole model's, (layers, heads, ...)."""
        return self.layers is not None

    def at_head(self, layer, head):
        """This instance as head (LAYER, HEAD) of its model sees it."""
        h = Instance(self.schedule, self.d, self.dv, self.jl, self.keys, self.values, self.C,
                     self.alice_tokens, self.calibration, self.layers, self.heads)
        h.layer, h.head = layer, head
        return h

    @classmethod
    def from_env(cls, environ=None):
        env = os.environ if environ is None else environ
        kw = {f: env.get(v) or None for f, v in cls.ENV.items()}
        if kw["schedule"] is not None:
            kw["schedule"] = kw["schedule"].split(",")
        return cls(calibration=env.get("VARLB_CALIBRATION"), **kw)

    @classmethod
    def from_json(cls, obj, calibration=None):
        if obj is None:
            return cls(calibration=calibration)
        if not isinstance(obj, dict):
            raise CompressorError("\"instance\" is not an object")
        return cls(calibration=calibration, **{f: obj.get(f) for f in cls.FIELDS})

    def public_keys(self, public_seed):
        """Alice's keys (alice_tokens x d) from the public seed."""
        missing = [self.ENV[f] for f in ("alice_tokens", "d", "jl", "keys")
                   if getattr(self, f) is None]
        if missing:
            raise CompressorError("the judge did not pass %s: this varlb cannot regenerate keys"
                                  % ", ".join(missing))
        return public_keys(self.alice_tokens, self.d, self.jl, self.keys, public_seed)

    def __repr__(self):
        return "Instance(%s)" % ", ".join("%s=%r" % (f, getattr(self, f))
                                          for f in self.FIELDS + ("layer", "head", "calibration"))



TABLE_BITS = 32  # VARLB_MODEL_SPLIT_TABLE_BITS


def per_head(compress, answer):
    """Whole-model halves from one head's: compress(K, V, budget_bits,
    public_seed[, instance]) and answer(blob, Q, public_seed[, instance])
    run on each head (l, h) in turn with its 2-D arrays, its public seed
    (head_seed), its share of the budget (split_budget) and
    instance.at_head(l, h); the blob is the heads' byte counts (32 bits
    each, little-endian, charged) and their blobs in (layer, head) order,
    as varlb lays out a one-head built-in's.  run() applies it by itself
    to functions not marked whole_model."""
    def compress_model(K, V, budget_bits, public_seed, instance):
        L, H = K.shape[:2]
        blobs = []
        for i in range(L * H):
            l, h = divmod(i, H)
            b = split_budget(budget_bits, L * H, i)
            blob = _call(compress, (np.ascontiguousarray(K[l, h]), np.ascontiguousarray(V[l, h]),
                                    b, head_seed(public_seed, l, h)), instance.at_head(l, h))
            blobs.append(_as_bytes(blob, "compress of head (%d, %d)" % (l, h)))
        table = np.array([len(b) for b in blobs], dtype="<u4").tobytes()
        return table + b"".join(blobs)

    def answer_model(blob, Q, public_seed, instance):
        L, H = Q.shape[:2]
        n = L * H
        if len(blob) < 4 * n:
            raise CompressorError("blob of %d bytes holds no table of %d heads" % (len(blob), n))
        lens = np.frombuffer(blob[:4 * n], dtype="<u4").astype(np.int64)
        if 4 * n + int(lens.sum()) != len(blob):
            raise CompressorError("the heads' lengths add up to %d bytes, the blob has %d"
                                  % (int(lens.sum()), len(blob) - 4 * n))
        out, at = None, 4 * n
        for i in range(n):
            l, h = divmod(i, H)
            O = np.asarray(_call(answer, (blob[at:at + lens[i]], np.ascontiguousarray(Q[l, h]),
                                          head_seed(public_seed, l, h)),
                                 instance.at_head(l, h)), dtype=np.float64)
            at += int(lens[i])
            if O.ndim != 2 or O.shape[0] != Q.shape[2]:
                raise CompressorError("answer of head (%d, %d) returned shape %s for %d queries"
                                      % (l, h, O.shape, Q.shape[2]))
            if out is None:
                out = np.empty((L, H) + O.shape)
            out[l, h] = O
        return out

    compress_model.whole_model = answer_model.whole_model = True
    return compress_model, answer_model
