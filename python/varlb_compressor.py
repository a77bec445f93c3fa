"""varlb_compressor -- write a varlb compressor in Python with two functions.

    import varlb_compressor as vc

    def compress(K, V, budget_bits, public_seed):   # Alice: the cache -> bytes
        ...
    def answer(blob, Q, public_seed):               # Bob: bytes, queries -> O
        ...
    vc.run(compress, answer)

run() speaks both of varlb's protocols (README.md, "Writing a compressor in
Python"):

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

plus what most compressors need: the instance's public keys regenerated
through libvarlb (public_keys, Instance.public_keys), each query's target
token, bit packing, whole-bit budgets, exact softmax attention and strict
.npy files.  A user function may take a keyword argument `instance` to
receive the Instance of the current request.  Numerics are floating point.
"""

import ctypes
import ctypes.util
import inspect
import json
import math
import os
import sys
import traceback

import numpy as np

__version__ = "0.1.0"
__all__ = [
    "CompressorError", "Instance", "run", "public_keys", "target_tokens",
    "attention", "pack_bits", "unpack_bits", "pack_ints", "unpack_ints",
    "parse_budget", "budget_bytes", "read_npy", "write_npy", "load_library",
]


class CompressorError(Exception):
    """A failure reported to varlb as one line (exit status 1 under exec,
    {"ok": false, "error": ...} under serve)."""


# ------------------------------------------------------------------ files

def read_npy(path):
    """A 2-D float64 array from a .npy file (a 1-D file reads as 1 x n)."""
    try:
        a = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise CompressorError("%s: %s" % (path, e)) from None
    if a.dtype != np.float64 or a.ndim not in (1, 2):
        raise CompressorError("%s: want a 2-D float64 array, got %s %s" % (path, a.dtype, a.shape))
    return np.ascontiguousarray(a.reshape(1, -1) if a.ndim == 1 else a)


def write_npy(path, a):
    """Write A as varlb's strict parser reads it: .npy version 1.0,
    little-endian float64, C order, 2-D."""
    a = np.ascontiguousarray(np.asarray(a, dtype="<f8"))
    if a.ndim != 2:
        raise CompressorError("%s: want a 2-D array, got shape %s" % (path, a.shape))
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


# ---------------------------------------------------------------- libvarlb

_lib = None


def load_library():
    """libvarlb through ctypes: $VARLB_LIBRARY (the file, or a build
    directory holding .libs/libvarlb.so.0), the build tree beside this
    file, then the system's (installed) libvarlb.so.0."""
    global _lib
    if _lib is not None:
        return _lib
    here = os.path.dirname(os.path.abspath(__file__))
    cands = []
    env = os.environ.get("VARLB_LIBRARY")
    if env:
        cands += [env] if not os.path.isdir(env) else [
            os.path.join(env, "libvarlb.so.0"), os.path.join(env, ".libs", "libvarlb.so.0")]
    cands.append(os.path.join(here, "..", ".libs", "libvarlb.so.0"))
    found = ctypes.util.find_library("varlb")
    cands += [found] if found else []
    cands.append("libvarlb.so.0")
    errors = []
    for c in cands:
        if os.sep in c and not os.path.exists(c):
            continue
        try:
            lib = ctypes.CDLL(c)
            break
        except OSError as e:
            errors.append(str(e))
    else:
        raise CompressorError("cannot load libvarlb (set VARLB_LIBRARY to libvarlb.so.0)%s"
                              % (": " + errors[-1] if errors else ""))
    lib.varlb_public_keys.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t,
                                      ctypes.c_int, ctypes.c_int, ctypes.c_uint64]
    lib.varlb_public_keys.restype = ctypes.c_int
    lib.varlb_jl_family_parse.argtypes = [ctypes.POINTER(ctypes.c_int), ctypes.c_char_p]
    lib.varlb_jl_norm_parse.argtypes = [ctypes.POINTER(ctypes.c_int), ctypes.c_char_p]
    lib.varlb_strerror.restype = ctypes.c_char_p
    lib.varlb_strerror.argtypes = [ctypes.c_int]
    _lib = lib
    return lib


def public_keys(n, d, family, norm, public_seed):
    """The JL keys of Alice's N tokens (n x d), regenerated by libvarlb from
    the public seed exactly as varlb drew them: public coins, free.  FAMILY:
    gaussian|rademacher|achlioptas; NORM: unit|scaled.  Floating point."""
    lib = load_library()
    f, m = ctypes.c_int(), ctypes.c_int()
    if lib.varlb_jl_family_parse(ctypes.byref(f), str(family).encode()) != 0:
        raise CompressorError("unknown JL family %r" % (family,))
    if lib.varlb_jl_norm_parse(ctypes.byref(m), str(norm).encode()) != 0:
        raise CompressorError("unknown key normalisation %r" % (norm,))
    K = np.zeros((int(n), int(d)), dtype=np.float64)
    st = lib.varlb_public_keys(K.ctypes.data, int(n), int(d), f.value, m.value,
                               int(public_seed) & (2 ** 64 - 1))
    if st != 0:
        raise CompressorError("varlb_public_keys: %s" % lib.varlb_strerror(st).decode())
    return K


# ---------------------------------------------------------------- instance

class Instance:
    """The instance's public parameters as the judge passes them (all None
    when it passes none): schedule (list of scale sides), d, dv, jl, keys
    (unit|scaled), values (01|pm1), C (query scale), alice_tokens (tokens of
    every scale but the last, the rows of K and V); calibration, the
    directory `calibrate` filled before any instance (None without
    --calibrate)."""

    FIELDS = ("schedule", "d", "dv", "jl", "keys", "values", "C", "alice_tokens")
    ENV = {"schedule": "VARLB_SCHEDULE", "d": "VARLB_D", "dv": "VARLB_DV", "jl": "VARLB_JL",
           "keys": "VARLB_KEYS", "values": "VARLB_VALUES", "C": "VARLB_C",
           "alice_tokens": "VARLB_ALICE_TOKENS"}

    def __init__(self, schedule=None, d=None, dv=None, jl=None, keys=None, values=None,
                 C=None, alice_tokens=None, calibration=None):
        self.calibration = calibration or None
        try:
            self.schedule = [int(s) for s in schedule] if schedule is not None else None
            self.d = int(d) if d is not None else None
            self.dv = int(dv) if dv is not None else None
            self.C = float(C) if C is not None else None
            if alice_tokens is None and self.schedule:
                alice_tokens = sum(s * s for s in self.schedule[:-1])
            self.alice_tokens = int(alice_tokens) if alice_tokens is not None else None
        except (TypeError, ValueError) as e:
            raise CompressorError("bad instance parameter: %s" % e) from None
        self.jl, self.keys, self.values = jl, keys, values

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
                                          for f in self.FIELDS + ("calibration",))


# --------------------------------------------------------------- protocols

def _call(fn, args, instance):
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        params = {}
    if "instance" in params or any(p.kind == p.VAR_KEYWORD for p in params.values()):
        return fn(*args, instance=instance)
    return fn(*args)


def _seed(v):
    try:
        s = int(v)
    except (TypeError, ValueError):
        raise CompressorError("seed %r is not an integer" % (v,)) from None
    if not 0 <= s < 2 ** 64:
        raise CompressorError("seed %r is not a 64-bit unsigned integer" % (v,))
    return s


def _do_compress(compress, keys, values, budget, seed, out, instance):
    K, V = read_npy(keys), read_npy(values)
    if K.shape[0] != V.shape[0]:
        raise CompressorError("K has %d rows, V %d" % (K.shape[0], V.shape[0]))
    budget = parse_budget(budget)
    blob = _call(compress, (K, V, budget, _seed(seed)), instance)
    if not isinstance(blob, (bytes, bytearray, memoryview)):
        raise CompressorError("compress returned %s, not bytes" % type(blob).__name__)
    blob = bytes(blob)
    if 8 * len(blob) > budget:
        sys.stderr.write("warning: blob of %d bits over the budget of %d (charged in full)\n"
                         % (8 * len(blob), budget))
    with open(out, "wb") as f:
        f.write(blob)


def _do_answer(answer, blob, queries, seed, out, instance):
    with open(blob, "rb") as f:
        data = f.read()
    Q = read_npy(queries)
    O = _call(answer, (data, Q, _seed(seed)), instance)
    O = np.asarray(O, dtype=np.float64)
    if O.ndim != 2 or O.shape[0] != Q.shape[0]:
        raise CompressorError("answer returned shape %s for %d queries" % (O.shape, Q.shape[0]))
    if instance.dv is not None and O.shape[1] != instance.dv:
        raise CompressorError("answer returned %d columns, dv is %d" % (O.shape[1], instance.dv))
    if not np.all(np.isfinite(O)):
        raise CompressorError("answer returned NaN or Inf")
    write_npy(out, O)


def _one_line(e):
    text = str(e) or type(e).__name__
    if not isinstance(e, (CompressorError, OSError)):
        text = "%s: %s" % (type(e).__name__, text)
    return " ".join(text.split())


def _options(args, names, prog, half):
    got = {}
    it = iter(args)
    for a in it:
        if not a.startswith("--") or a[2:] not in names:
            _usage(prog, "%s: unknown argument %r" % (half, a))
        v = next(it, None)
        if v is None:
            _usage(prog, "%s: %s needs a value" % (half, a))
        got[a[2:]] = v
    missing = [n for n in names if n not in got]
    if missing:
        _usage(prog, "%s: missing --%s" % (half, " --".join(missing)))
    return got


def _usage(prog, why):
    sys.stderr.write("%s: %s\nusage: %s compress --keys K.npy --values V.npy --budget-bits B "
                     "--seed S --out BLOB\n       %s answer --blob BLOB --queries Q.npy --seed S "
                     "--out O.npy\n       %s serve --half compress|answer\n"
                     "       %s calibrate --seed S --out CALIB\n"
                     % (prog, why, prog, prog, prog, prog))
    sys.exit(2)


def _serve(half, compress, answer, prog):
    # Only replies may reach the judge's stdout: keep a private copy of it,
    # then send fd 1 (print, C libraries) and sys.stdout to stderr.
    sys.stdout.flush()
    reply = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    fields = (("keys", "values", "budget_bits", "seed", "out") if half == "compress"
              else ("blob", "queries", "seed", "out"))
    while True:
        line = sys.stdin.readline()
        if not line:
            return 0
        if not line.strip():
            continue
        try:
            try:
                req = json.loads(line)
            except ValueError as e:
                raise CompressorError("request is not JSON: %s" % e) from None
            if not isinstance(req, dict):
                raise CompressorError("request is not a JSON object")
            missing = [f for f in fields if f not in req]
            if missing:
                raise CompressorError("request lacks %s" % ", ".join(missing))
            cal = req.get("calibration")
            if cal is not None and not isinstance(cal, str):
                raise CompressorError("\"calibration\" is not a path")
            instance = Instance.from_json(req.get("instance"), cal)
            if half == "compress":
                _do_compress(compress, req["keys"], req["values"], req["budget_bits"],
                             req["seed"], req["out"], instance)
            else:
                _do_answer(answer, req["blob"], req["queries"], req["seed"], req["out"],
                           instance)
            out = {"ok": True}
        except Exception as e:  # one trial fails, the worker goes on
            if not isinstance(e, CompressorError):
                traceback.print_exc(file=sys.stderr)
            sys.stderr.write("%s: %s: %s\n" % (prog, half, _one_line(e)))
            out = {"ok": False, "error": _one_line(e)}
        sys.stderr.flush()
        reply.write(json.dumps(out) + "\n")
        reply.flush()


def _do_calibrate(calibrate, seed, out, prog):
    seed = _seed(seed)
    if calibrate is None:
        sys.stderr.write("%s: no calibrate function: nothing calibrated\n" % prog)
        return
    os.makedirs(out, exist_ok=True)
    calibrate(out, seed)


def run(compress, answer, argv=None, prog=None, version=None, calibrate=None):
    """The program's main: dispatch ARGV (default sys.argv[1:]) to
    COMPRESS or ANSWER under the exec or serve protocol, or to CALIBRATE
    (DIRECTORY, PUBLIC_CALIBRATION_SEED) under --calibrate, then exit (0 on
    success, 1 when a half fails, 2 on a usage error).  `PROG --version`
    prints VERSION (default: the helper's)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    prog = prog or os.path.basename(sys.argv[0] or "compressor")
    if not argv:
        _usage(prog, "a half is needed")
    half, rest = argv[0], argv[1:]
    if half == "--version":
        print(version or "%s (varlb_compressor %s)" % (prog, __version__))
        sys.exit(0)
    try:
        if half == "compress":
            o = _options(rest, ("keys", "values", "budget-bits", "seed", "out"), prog, half)
            _do_compress(compress, o["keys"], o["values"], o["budget-bits"], o["seed"], o["out"],
                         Instance.from_env())
        elif half == "answer":
            o = _options(rest, ("blob", "queries", "seed", "out"), prog, half)
            _do_answer(answer, o["blob"], o["queries"], o["seed"], o["out"], Instance.from_env())
        elif half == "serve":
            o = _options(rest, ("half",), prog, half)
            if o["half"] not in ("compress", "answer"):
                _usage(prog, "serve: --half must be compress or answer")
            sys.exit(_serve(o["half"], compress, answer, prog))
        elif half == "calibrate":
            o = _options(rest, ("seed", "out"), prog, half)
            _do_calibrate(calibrate, o["seed"], o["out"], prog)
        else:
            _usage(prog, "unknown half %r" % half)
    except Exception as e:
        if not isinstance(e, CompressorError):
            traceback.print_exc(file=sys.stderr)
        sys.stderr.write("%s: %s: %s\n" % (prog, half, _one_line(e)))
        sys.exit(1)
    sys.exit(0)
