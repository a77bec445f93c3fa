#!/usr/bin/env python3
# hostile.py -- an external compressor that tries the routes around the
# one-way channel only a program (not a plug-in) can take (tests/cli_hostile.sh).
# Its blob is one byte; compress passes the cache (K, V) to answer by the route
# MODE names; answer, when it finds the cache, returns each query's value row
# (accuracy 1), else 0.5 everywhere (chance), and says on stderr what it found.
#
#   hostile.py MODE [ARG] compress|answer ...   (the file protocol)
#
# MODE: metadata (the cache in BLOB's extended attribute, mode and time; answer
# looks at BLOB and ../blob), selfmod (compress rewrites this very file, ARG,
# to carry the cache), fds (both halves report every descriptor above 2 and
# write a forged row into each), timing (compress sleeps 20 ms x the first 3
# bits of token 0's value; answer reads the time since ARG's mtime), grid
# (compress runs 1.285 s, just past the grid's level 1.28 s, and reports when it
# ended; answer reports when it started: the judge's pad holds Bob back to the
# level after, 1.81 s from Alice's start), linger
# (compress leaves a detached `sleep 300` named varlb-hostile-daemon; lingerhang
# then hangs), bgchild (compress leaves a child sleeping in the background,
# its pid in $TMPDIR/varlb-hostile-bg.pid; answer says whether that process
# is still alive in Bob's phase), net (both halves connect to the host's
# 127.0.0.1:ARG and say whether it answered), caps (answer reports its
# capability sets from /proc/self/status),
# env (answer reports any variable holding the judge key's name or a secret).
import json
import os
import struct
import sys
import time

T0 = time.time()  # grid: when this half started, before any work
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from misbehave import npy_read, npy_write, args  # noqa: E402

CACHE = None  # selfmod: compress writes the cache here


def answer_from(cache, Q):
    K, V = cache
    out = []
    for q in Q:
        best = max(range(len(K)), key=lambda t: sum(a * b for a, b in zip(q, K[t])))
        out.extend(V[best])
    return out


def report(msg):
    sys.stderr.write("hostile: " + msg + "\n")


def forge_fds():
    n = 0
    for fd in range(3, 256):
        try:
            os.fstat(fd)
        except OSError:
            continue
        n += 1
        report("descriptor %d is open (%s)" % (fd, os.readlink("/proc/self/fd/%d" % fd)))
        try:
            os.write(fd, b'"forged",1,1,1,1,1,1,1,1,1,1,"succeeds (budget at or above the bound)"\n')
            report("FORGED a row into descriptor %d" % fd)
        except OSError:
            pass
    # the evidence that the descriptors were looked at, open ones or none
    report("descriptors 3-255 checked: %d open" % n)


def net_probe(port):
    import socket
    try:
        with socket.create_connection(("127.0.0.1", int(port)), timeout=3) as c:
            c.sendall(b"cache\n")
        return "host network REACHED at 127.0.0.1:%s" % port
    except OSError as e:
        return "host network unreachable at 127.0.0.1:%s (%s)" % (port, e)


def bg_pidfile():
    return os.path.join(os.environ.get("TMPDIR", "/tmp"), "varlb-hostile-bg.pid")


def main():
    mode = sys.argv[1]
    rest = sys.argv[2:]
    arg = None
    if rest and rest[0] not in ("compress", "answer"):
        arg, rest = rest[0], rest[1:]
    half, a = rest[0], args(rest[1:])
    if half == "compress":
        K, V = npy_read(a["keys"]), npy_read(a["values"])
        with open(a["out"], "wb") as f:
            f.write(b"\0")
        if mode == "metadata":
            blob = json.dumps([K, V]).encode()
            try:
                os.setxattr(a["out"], "user.varlb", blob)
                report("xattr set")
            except OSError as e:
                report("xattr refused: %s" % e)
            bits = [int(v > 0.5) for v in V[0][:8]]
            os.chmod(a["out"], 0o600 | sum(b << i for i, b in enumerate(bits[:3])))
            t = 1000000 + sum(b << i for i, b in enumerate(bits))
            os.utime(a["out"], (t, t))
        elif mode == "selfmod":
            src = open(arg).read()
            src = src.replace("CACHE = None", "CACHE = " + json.dumps([K, V]), 1)
            try:
                with open(arg, "w") as f:
                    f.write(src)
                report("rewrote " + arg)
            except OSError as e:
                report("cannot rewrite myself: %s" % e)
        elif mode == "fds":
            forge_fds()
        elif mode == "grid":
            time.sleep(max(0.0, 1.285 - (time.time() - T0)))
            report("ended %.6f" % time.time())
        elif mode == "timing":
            code = sum(int(v > 0.5) << i for i, v in enumerate(V[0][:3]))
            time.sleep(0.02 * code)
        elif mode == "net":
            report(net_probe(arg))
        elif mode == "bgchild":
            pid = os.fork()
            if pid == 0:  # in the half's process group, not detached
                os.execvp("sleep", ["sleep", "60"])
            with open(bg_pidfile(), "w") as f:
                f.write("%d\n" % pid)
            report("left background child %d" % pid)
        elif mode in ("linger", "lingerhang"):
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    os.execvp("sleep", ["varlb-hostile-daemon", "300"])
                os._exit(0)
            os.wait()
            if mode == "lingerhang":
                time.sleep(1000)
        return
    Q = npy_read(a["queries"])
    d = len(Q[0])
    out = [0.5] * (len(Q) * d)
    cache = None
    if mode == "metadata":
        for name in ("BLOB", "../blob"):
            try:
                cache = json.loads(os.getxattr(name, "user.varlb"))
                report("xattr of %s FOUND" % name)
                break
            except OSError:
                report("xattr of %s absent" % name)
        st = os.stat("BLOB")
        report("BLOB mode %o mtime %d" % (st.st_mode & 0o777, int(st.st_mtime)))
    elif mode == "selfmod":
        cache = CACHE
        report("the cache %s in my own file" % ("FOUND" if cache else "not"))
    elif mode == "fds":
        forge_fds()
    elif mode == "grid":
        report("started %.6f" % T0)
    elif mode == "timing":
        try:
            elapsed = time.time() - os.stat(arg).st_mtime
            report("%.3f s since %s changed" % (elapsed, arg))
        except OSError as e:
            report("no time reference: %s" % e)
    elif mode == "net":
        report(net_probe(arg))
    elif mode == "bgchild":
        try:
            pid = int(open(bg_pidfile()).read())
        except (OSError, ValueError) as e:
            report("no pid of Alice's background child: %s" % e)
        else:
            try:
                state = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[0]
            except OSError:
                state = "gone"
            alive = state not in ("gone", "Z", "X")
            report("Alice's background child %d %s in Bob's phase (state %s)"
                   % (pid, "ALIVE" if alive else "gone", state))
    elif mode == "caps":
        caps = dict(l.split(":\t", 1) for l in open("/proc/self/status").read().splitlines()
                    if l.startswith("Cap"))
        report("capabilities " + " ".join("%s=%s" % (k, v) for k, v in sorted(caps.items())))
    elif mode == "env":
        for k, v in os.environ.items():
            if "JUDGE" in k or "judge.key" in v:
                report("SECRET IN ENVIRONMENT: %s" % k)
        report("environment: " + " ".join(sorted(os.environ)))
    if cache:
        out = answer_from(cache, Q)
    npy_write(a["out"], len(Q), d, out)


if __name__ == "__main__":
    main()
