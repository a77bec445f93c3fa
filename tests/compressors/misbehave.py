#!/usr/bin/env python3
# misbehave.py -- deliberately bad external compressors for tests/cli_attack.sh.
# Speaks the file protocol (README: "External programs"), then misbehaves
# as the first argument says.  Pure Python (no NumPy) so the channel tests
# run wherever python3 does.
#
#   misbehave.py MODE compress --keys K.npy --values V.npy --budget-bits B --seed S --out BLOB
#   misbehave.py MODE answer --blob BLOB --queries Q.npy --seed S --out O.npy
#
# MODE: crash (SIGSEGV in answer), abort (SIGABRT in compress), hang (answer
# sleeps forever), nan (O holds a NaN), shape (O has one column too few),
# none (answer writes nothing), fifo (O.npy is a named pipe), blobdir
# (BLOB is a directory), fail (exit 3 with a message on stderr),
# zeros (an honest, useless answer: all zeros), cheat (stashes K and V in
# $TMPDIR, else /tmp, during compress, keeps an 8-byte blob, reads the stash
# in answer: a side channel the channel must expose), inspect (compress keeps the absolute
# path of K.npy in the blob; answer exits 5 unless its directory holds
# exactly BLOB and Q.npy and that K.npy no longer exists), peek (compress
# copies K.npy to its stderr; answer exits 6 if it can find any file of
# Alice's -- her stderr, her directory -- next to its own directory), flood
# (compress writes to BLOB without end: the channel's file-size limit stops it;
# it says how many bytes it got written),
# calib (compress declares its free calibration in CALIBRATION; answers zeros),
# npz (compress writes BLOB.npz instead of BLOB), float32 (O.npy in float32).
import math
import os
import signal
import struct
import sys
import time


def npy_read(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:6] != b"\x93NUMPY":
        raise SystemExit("not a .npy file: " + path)
    major = data[6]
    if major == 1:
        hlen = struct.unpack("<H", data[8:10])[0]
        start = 10
    else:
        hlen = struct.unpack("<I", data[8:12])[0]
        start = 12
    header = data[start:start + hlen].decode("latin1")
    d = eval(header)  # the header is a Python dict literal written by varlb
    assert d["descr"] == "<f8" and not d["fortran_order"], header
    shape = d["shape"]
    rows, cols = (shape + (1,))[:2] if len(shape) == 1 else shape
    body = data[start + hlen:]
    vals = struct.unpack("<%dd" % (rows * cols), body[:8 * rows * cols])
    return [list(vals[r * cols:(r + 1) * cols]) for r in range(rows)]


def npy_write(path, rows, cols, flat):
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (%d, %d), }" % (rows, cols)
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + " " * pad + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1"))
        f.write(struct.pack("<%dd" % len(flat), *flat))


def args(argv):
    out = {}
    for i in range(0, len(argv) - 1, 2):
        out[argv[i].lstrip("-")] = argv[i + 1]
    return out


def attention(Q, K, V):
    out = []
    for q in Q:
        s = [sum(a * b for a, b in zip(q, k)) for k in K]
        mx = max(s)
        w = [math.exp(x - mx) for x in s]
        z = sum(w)
        out.extend(sum(w[t] * V[t][j] for t in range(len(V))) / z for j in range(len(V[0])))
    return out


def main():
    mode, half, a = sys.argv[1], sys.argv[2], args(sys.argv[3:])
    stash = os.path.join(os.environ.get("TMPDIR", "/tmp"),
                         "varlb-cheat-stash-%s-%d" % (a.get("seed", "0"), os.getuid()))
    if half == "compress":
        if mode == "abort":
            os.kill(os.getpid(), signal.SIGABRT)
        if mode == "fail":
            sys.stderr.write("misbehave: refusing to compress on purpose\n")
            sys.exit(3)
        if mode == "cheat":
            # The side channel: a file outside the private directory.
            os.makedirs(stash, exist_ok=True)
            for name, key in (("K.npy", "keys"), ("V.npy", "values")):
                with open(a[key], "rb") as src, open(os.path.join(stash, name), "wb") as dst:
                    dst.write(src.read())
        if mode == "peek":
            with open(a["keys"], "rb") as src:
                sys.stderr.write(src.read().hex() + "\n")
        if mode == "calib":  # declares free calibration, then answers zeros
            with open("CALIBRATION", "w") as f:
                f.write("thresholds fitted on seed 99 before the instance\nignored second line\n")
        if mode == "flood":  # a blob that never ends: the file-size limit stops it
            fd = os.open(a["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            n = 0
            try:
                while True:
                    n += os.write(fd, b"\0" * (1 << 16))
            except OSError as e:
                sys.stderr.write("misbehave: flood stopped at %d bytes: %s\n" % (n, e.strerror))
                raise
        if mode == "blobdir":  # BLOB is a directory, not a file
            os.mkdir(a["out"])
            return
        if mode == "npz":  # np.savez's habit: BLOB.npz instead of BLOB
            with open(a["out"] + ".npz", "wb") as f:
                f.write(b"PK\x03\x04")
            return
        V = npy_read(a["values"])
        with open(a["out"], "wb") as f:  # 8 bytes: the value dimension and a tag
            f.write(struct.pack("<II", len(V[0]), 0xC0FFEE))
            if mode == "inspect":
                f.write(os.path.abspath(a["keys"]).encode())
        return
    with open(a["blob"], "rb") as f:
        dv, _ = struct.unpack("<II", f.read(8))
        rest = f.read()
    if mode == "peek":
        for root, dirs, files in os.walk(".."):
            for name in files:
                path = os.path.join(root, name)
                try:
                    with open(path, "rb") as f:
                        if b"4e554d5059" in f.read():  # "NUMPY" in hex: K.npy
                            sys.stderr.write("misbehave: Alice's data readable at %s\n" % path)
                            sys.exit(6)
                except OSError:
                    pass
    if mode == "inspect":
        here = sorted(os.listdir("."))
        if here != sorted([a["blob"], a["queries"]]) or os.path.exists(rest.decode()):
            sys.stderr.write("misbehave: answer sees %s; %s exists: %s\n"
                             % (here, rest.decode(), os.path.exists(rest.decode())))
            sys.exit(5)
    Q = npy_read(a["queries"])
    m = len(Q)
    if mode == "crash":
        os.kill(os.getpid(), signal.SIGSEGV)
    if mode == "hang":
        while True:
            time.sleep(1)
    if mode == "none":
        return
    if mode == "fifo":  # a reader of O.npy would block forever
        os.mkfifo(a["out"])
        return
    if mode == "cheat":
        try:
            K = npy_read(os.path.join(stash, "K.npy"))
            V = npy_read(os.path.join(stash, "V.npy"))
        except OSError as e:
            sys.stderr.write("misbehave: the stash is out of reach: %s\n" % e)
            npy_write(a["out"], m, dv, [0.0] * (m * dv))
            return
        npy_write(a["out"], m, dv, attention(Q, K, V))
        return
    if mode == "float32":  # O.npy in single precision
        header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (m, dv)
        header = header + " " * (64 - (10 + len(header) + 1) % 64) + "\n"
        with open(a["out"], "wb") as f:
            f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1"))
            f.write(b"\0" * (4 * m * dv))
        return
    cols = dv - 1 if mode == "shape" else dv
    flat = [0.0] * (m * cols)
    if mode == "nan" and flat:
        flat[len(flat) // 2] = float("nan")
    npy_write(a["out"], m, cols, flat)


if __name__ == "__main__":
    main()
