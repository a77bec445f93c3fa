#!/usr/bin/env python3
# serveworker.py -- a persistent worker for tests/cli_serve.sh and
# bench/serve.sh, pure Python (no NumPy).  Speaks both protocols:
#
#   serveworker.py MODE serve --half compress|answer   (one JSON line per request)
#   serveworker.py MODE compress|answer ...            (the file protocol)
#   serveworker.py MODE calibrate --seed S --out DIR
#
# It keeps a one-byte blob and answers zeros (honest and useless).  MODE:
# plain; slowstart (sleeps 1 s before its first request, for the bench);
# crash2, hang2, chatter2, refuse2 (the compress worker, on its second
# request: exits 3, sleeps
# forever, prints a stray line before its reply, or replies {"ok": false});
# calib (calibrate writes table.txt; both halves report what they read of
# it, whether they could write there and where it was, on stderr); proc,
# procdry (compress and calibrate report what they could do through /proc:
# procprobe.py).
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from misbehave import npy_read, npy_write, args  # noqa: E402


def calib_report(half, where):
    try:
        seen = open(os.path.join(where, "table.txt")).read().strip()
    except OSError as e:
        seen = "unreadable (%s)" % e.strerror
    try:
        open(os.path.join(where, "mine"), "w").write(half)
        wrote = "WROTE"
    except OSError as e:
        wrote = "cannot write (%s)" % e.strerror
    sys.stderr.write("%s: calibration %s; %s; at %s\n" % (half, seen, wrote, where))


def proc_report(mode, strict=False):
    """On stderr; STRICT (calibrate, whose stderr is shown only when it
    fails): exit 7 when any entry leaked or a category found nothing to try."""
    if mode in ("proc", "procdry"):
        from procprobe import probe
        lines = probe(mode == "procdry")
        for line in lines:
            sys.stderr.write("proc: %s\n" % line)
        sys.stderr.flush()
        if strict and any(" leaked 0" not in l or " tried 0," in l
                          for l in lines if not l.startswith("note:")):
            sys.exit(7)


def compress(keys, values, out, calibration, mode="plain"):
    proc_report(mode)
    if calibration:
        calib_report("compress", calibration)
    with open(out, "wb") as f:
        f.write(b"\0")


def answer(blob, queries, out, calibration):
    if calibration:
        calib_report("answer", calibration)
    Q = npy_read(queries)
    npy_write(out, len(Q), len(Q[0]), [0.0] * (len(Q) * len(Q[0])))


def serve(mode, half):
    out = os.fdopen(os.dup(1), "w")
    if mode == "slowstart":
        time.sleep(1)
    n = 0
    for line in sys.stdin:
        # The failures are the compress worker's: a fresh one counts afresh.
        n += half == "compress"
        req = json.loads(line)
        if n == 2 and mode == "crash2":
            sys.exit(3)
        if n == 2 and mode == "hang2":
            while True:
                time.sleep(1)
        if n == 2 and mode == "chatter2":
            out.write("hello from the worker\n")
        if n == 2 and mode == "refuse2":
            out.write(json.dumps({"ok": False, "error": "refused on purpose"}) + "\n")
            out.flush()
            continue
        cal = req.get("calibration")
        if half == "compress":
            compress(req["keys"], req["values"], req["out"], cal, mode)
        else:
            answer(req["blob"], req["queries"], req["out"], cal)
        out.write('{"ok": true}\n')
        out.flush()


def main():
    mode, half = sys.argv[1], sys.argv[2]
    a = args(sys.argv[3:])
    if half == "serve":
        serve(mode, a["half"])
    elif half == "calibrate":
        proc_report(mode, strict=True)
        os.makedirs(a["out"], exist_ok=True)
        with open(os.path.join(a["out"], "table.txt"), "w") as f:
            f.write("table for seed %s" % a["seed"])
    elif half == "compress":
        if mode == "slowstart":
            time.sleep(1)
        compress(a["keys"], a["values"], a["out"], os.environ.get("VARLB_CALIBRATION"), mode)
    else:
        if mode == "slowstart":
            time.sleep(1)
        answer(a["blob"], a["queries"], a["out"], os.environ.get("VARLB_CALIBRATION"))


if __name__ == "__main__":
    main()
