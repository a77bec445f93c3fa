"""varlb_compressor.protocol -- the exec, serve and calibrate protocols
(README.md, "Writing a compressor in Python"), run() and the file runner
main() (python3 -m varlb_compressor PROG.py ...)."""

import json
import os
import sys
import traceback

import numpy as np

from .arrays import CompressorError, parse_budget, read_npy, write_npy
from .instance import Instance, _as_bytes, _call, per_head

__version__ = "0.1.0"


def _seed(v):
    try:
        s = int(v)
    except (TypeError, ValueError):
        raise CompressorError("seed %r is not an integer" % (v,)) from None
    if not 0 <= s < 2 ** 64:
        raise CompressorError("seed %r is not a 64-bit unsigned integer" % (v,))
    return s


def _model_shape(A, name, instance, rows=None):
    """Check a whole model's array: 4-D, (layers, heads) as announced."""
    if A.ndim != 4:
        raise CompressorError("%s: want (layers, heads, rows, columns), got shape %s"
                              % (name, A.shape))
    if instance.layers is not None and A.shape[:2] != (instance.layers, instance.heads):
        raise CompressorError("%s: shape %s, but the model has %d layers x %d heads"
                              % (name, A.shape, instance.layers, instance.heads))


def _do_compress(compress, keys, values, budget, seed, out, instance):
    K, V = read_npy(keys), read_npy(values)
    if K.ndim > 2 or V.ndim > 2 or instance.whole_model:
        _model_shape(K, "K", instance)
        _model_shape(V, "V", instance)
        if not getattr(compress, "whole_model", False):
            compress = per_head(compress, None)[0]
    if K.shape[:-1] != V.shape[:-1]:
        raise CompressorError("K has %d rows, V %d" % (K.shape[-2], V.shape[-2]))
    budget = parse_budget(budget)
    blob = _as_bytes(_call(compress, (K, V, budget, _seed(seed)), instance), "compress")
    if 8 * len(blob) > budget:
        sys.stderr.write("warning: blob of %d bits over the budget of %d (charged in full)\n"
                         % (8 * len(blob), budget))
    with open(out, "wb") as f:
        f.write(blob)


def _do_answer(answer, blob, queries, seed, out, instance):
    with open(blob, "rb") as f:
        data = f.read()
    Q = read_npy(queries)
    if Q.ndim > 2 or instance.whole_model:
        _model_shape(Q, "Q", instance)
        if not getattr(answer, "whole_model", False):
            answer = per_head(None, answer)[1]
    O = _call(answer, (data, Q, _seed(seed)), instance)
    O = np.asarray(O, dtype=np.float64)
    if O.ndim != Q.ndim or O.shape[:-1] != Q.shape[:-1]:
        raise CompressorError("answer returned shape %s for queries of shape %s"
                              % (O.shape, Q.shape))
    if instance.dv is not None and O.shape[-1] != instance.dv:
        raise CompressorError("answer returned %d columns, dv is %d" % (O.shape[-1], instance.dv))
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


def _whole_model(fn):
    """FN marked as taking a whole model's arrays (run's whole_model)."""
    def whole(*args, instance=None):
        return _call(fn, args, instance)
    whole.whole_model = True
    return whole


class _Registered(Exception):
    """run() called while main() loads a user's file: its arguments are kept."""


_loading = None  # main()'s record of the loaded file's run() call


def run(compress, answer, argv=None, prog=None, version=None, calibrate=None,
        whole_model=False):
    """The program's main: dispatch ARGV (default sys.argv[1:]) to
    COMPRESS or ANSWER under the exec or serve protocol, or to CALIBRATE
    (DIRECTORY, PUBLIC_CALIBRATION_SEED) under --calibrate, then exit (0 on
    success, 1 when a half fails, 2 on a usage error).  `PROG --version`
    prints VERSION (default: the helper's).  On a whole model the functions
    run head by head (per_head) unless WHOLE_MODEL says they take the
    (layers, heads, ...) arrays themselves."""
    if _loading is not None:
        _loading.update(compress=compress, answer=answer, version=version,
                        calibrate=calibrate, whole_model=whole_model)
        raise _Registered()
    if whole_model:
        compress, answer = _whole_model(compress), _whole_model(answer)
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


def main(argv=None):
    """python3 -m varlb_compressor PROG.py HALF ...: PROG.py's compress and
    answer (and calibrate) under either protocol, with no protocol code in
    PROG.py.  A file that calls run() itself is run with those arguments."""
    global _loading
    import importlib.util
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or not argv[0].endswith(".py"):
        sys.stderr.write("usage: python3 -m varlb_compressor PROG.py compress|answer|serve|"
                         "calibrate ...\n")
        sys.exit(2)
    path = argv[0]
    prog = os.path.basename(path)
    spec = importlib.util.spec_from_file_location("varlb_user_compressor", path)
    if spec is None:
        sys.stderr.write("%s: cannot load %s\n" % (prog, path))
        sys.exit(2)
    mod = importlib.util.module_from_spec(spec)
    _loading = got = {}
    try:
        spec.loader.exec_module(mod)
    except _Registered:
        pass
    except Exception as e:
        traceback.print_exc(file=sys.stderr)
        sys.stderr.write("%s: %s: %s\n" % (prog, argv[1] if len(argv) > 1 else "load",
                                           _one_line(e)))
        sys.exit(1)
    finally:
        _loading = None
    compress = got.get("compress") or getattr(mod, "compress", None)
    answer = got.get("answer") or getattr(mod, "answer", None)
    if not callable(compress) or not callable(answer):
        sys.stderr.write("%s: defines no compress and answer functions\n" % prog)
        sys.exit(2)
    run(compress, answer, argv[1:], prog=prog, version=got.get("version"),
        calibrate=got.get("calibrate") or getattr(mod, "calibrate", None),
        whole_model=got.get("whole_model", getattr(mod, "WHOLE_MODEL", False)))
