#!/usr/bin/env python3
# sidedoor.py -- a compressor that hands Alice's hidden bits to Bob through
# the kernel the two halves share (tests/cli_sidedoor.sh), not the blob: its
# blob is one byte.  Alice sends the value bits of her tokens (T x dv, the
# instance's N bits) by ROUTE; Bob answers each query with the bits he
# received for its target token (public keys: vc.target_tokens), so his
# accuracy is the route's: 1 when it carries every bit, 0.5 when refused.
# Each half says on stderr what it did ("sidedoor: ROUTE: ...").
#
#   sidedoor.py ROUTE [PATH] compress|answer|serve ...  (varlb_compressor)
#
# ROUTE, and DIR: a folder holding cold.bin (the page-cache and lock routes'
# file, 32 MiB) and files/000, files/001, ... (one per bit):
#   keyring            20000 keys that anyone may read; Bob guesses serials
#   flock DIR          (serve:) Alice holds a shared flock on files/i for bit
#                      i; Bob finds it with LOCK_EX|LOCK_NB
#   posix DIR, ofd DIR (serve:) a read lock on byte i of cold.bin (fcntl
#                      F_SETLK / F_OFD_SETLK); Bob reads it with F_OFD_GETLK
#   inotify DIR        (serve:, from the 2nd trial) Bob watches files/*;
#                      Alice opens files/i for bit i; the events wait for Bob
#   cpu                (serve:) Alice's spinners run in the time slots of the
#                      1-bits while Bob counts his own loop per slot
#   mincore DIR, nowait DIR, cachestat DIR, iouring DIR, aio DIR
#                      cold.bin is cold: Alice reads page 0 of region i (256
#                      KiB each) for bit i; Bob asks residency by mincore,
#                      preadv2(RWF_NOWAIT), cachestat, io_uring or Linux AIO
#                      reads with RWF_NOWAIT
#   timing DIR         the same, Bob timing one read per region: the residue
#                      no filter stops (--cold-cache does)
#   maptiming DIR      (serve:) the same, Alice's worker keeping a mapping of
#                      the pages it touched (dropping the caches spares them)
#   fadvise DIR, pageout DIR
#                      cold.bin is cached: Alice evicts the regions of her
#                      0-bits (posix_fadvise DONTNEED, madvise MADV_PAGEOUT);
#                      Bob asks mincore, or times reads where it is refused
#   procs              (serve:) six bits as the host's thread count modulo 64
#                      (sysinfo), threads Alice's worker keeps; Bob reads it
#   uid                each half says its uid, uid map and session keyring
#   clock              each half sleeps 0.4 s and says when it ran
#   read [HEX]         Bob reads the file whose path is HEX (hex-encoded), or
#                      dump/V.npy beside this program: the
#                      V.npy of `varlb decode --dump` (same key, same seed),
#                      no channel needed at all
# (A folder, not cold.bin itself: varlb reads every file a command names
# for its digest, which would warm it.)
import ctypes
import fcntl
import mmap
import os
import struct
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
import varlb_compressor as vc  # noqa: E402

PAGE = 4096
REGION = 256 * 1024
SLOT = 0.02  # cpu: seconds per bit
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                      ctypes.c_int, ctypes.c_long]

NR = {"add_key": 248, "keyctl": 250, "request_key": 249, "mincore": 27, "io_setup": 206,
      "io_submit": 209, "io_getevents": 208, "io_destroy": 207, "cachestat": 451,
      "io_uring_setup": 425, "io_uring_enter": 426, "madvise": 28}
MADV_PAGEOUT = 21
held = []        # what a serve: worker keeps between requests
watch = {}       # inotify: Bob's descriptor and watches


def say(msg):
    sys.stderr.write("sidedoor: %s: %s\n" % (ROUTE, msg))
    sys.stderr.flush()


def sys_call(name, *args):
    r = libc.syscall(ctypes.c_long(NR[name]), *[ctypes.c_long(a) if isinstance(a, int) else a
                                                 for a in args])
    if r < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return r


def region_fd():
    return os.open(os.path.join(PATH, "cold.bin"), os.O_RDONLY)


# ---------------------------------------------------------------- Alice

def touch_regions(bits):
    fd = region_fd()
    for i, b in enumerate(bits):
        if b:
            os.pread(fd, 1, i * REGION)
    os.close(fd)
    say("read the pages of %d regions" % int(sum(bits)))


def map_regions(bits):
    """serve: the worker keeps a mapping of the regions of its 1-bits, which
    dropping the caches cannot evict while it lives."""
    for m in held:
        m.close()
    held.clear()
    fd = region_fd()
    m = mmap.mmap(fd, len(bits) * REGION, mmap.MAP_SHARED, mmap.PROT_READ)
    os.close(fd)
    for i, b in enumerate(bits):
        if b:
            m[i * REGION]
    held.append(m)
    say("mapped the pages of %d regions" % int(sum(bits)))


def evict_regions(bits):
    fd = region_fd()
    try:
        if ROUTE == "fadvise":
            for i, b in enumerate(bits):
                if not b:
                    os.posix_fadvise(fd, i * REGION, REGION, os.POSIX_FADV_DONTNEED)
        else:
            size = len(bits) * REGION
            addr = libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
            for i, b in enumerate(bits):
                if not b:
                    ctypes.c_char.from_address(addr + i * REGION).value  # fault it in
                    sys_call("madvise", addr + i * REGION, REGION, MADV_PAGEOUT)
        say("evicted %d regions" % int(len(bits) - sum(bits)))
    except OSError as e:
        say("eviction refused (%s)" % e.strerror)
    os.close(fd)


KEYS = 20000  # keyring: so many copies that Bob finds one by guessing serials


def send_keyring(bits):
    """Keys are not namespaced: a key whose permissions let everyone view
    and read it is found by its serial number from any namespace.  Serials
    are random below 2^31, so Alice makes many keys, each carrying the
    bits in its description; /proc/keys (masked now) listed them."""
    desc = b"varlb-sidedoor:" + bytes(np.packbits(bits)).hex().encode()
    made = 0
    try:
        for k in range(KEYS):
            # (a description of its own each: add_key updates a key it finds)
            kid = sys_call("add_key", b"user", b"%d:%s" % (k, desc), b"x", 1, -4)
            sys_call("keyctl", 5, kid, 0x3f3f3f3f)   # KEYCTL_SETPERM: everyone, everything
            sys_call("keyctl", 15, kid, 20)          # KEYCTL_SET_TIMEOUT: gone in 20 s
            made += 1
        say("%d keys added" % made)
    except OSError as e:
        say("add_key refused after %d keys (%s)" % (made, e.strerror))


def send_locks(bits):
    for f in held:
        os.close(f)
    held.clear()
    try:
        if ROUTE == "flock":
            for i, b in enumerate(bits):
                if b:
                    f = os.open(many(i), os.O_RDONLY)
                    held.append(f)
                    fcntl.flock(f, fcntl.LOCK_SH)
        else:
            f = os.open(os.path.join(PATH, "cold.bin"), os.O_RDONLY)
            held.append(f)
            cmd = 6 if ROUTE == "posix" else 37  # F_SETLK, F_OFD_SETLK
            for i, b in enumerate(bits):
                if b:
                    fcntl.fcntl(f, cmd, struct.pack("hhqqi4x", 0, 0, i, 1, 0))  # F_RDLCK
        say("holding %d locks" % int(sum(bits)))
    except OSError as e:
        say("lock refused (%s)" % e.strerror)


def many(i):
    return os.path.join(PATH, "files", "%03d" % i)


def send_inotify(bits):
    for i, b in enumerate(bits):
        if b:
            os.close(os.open(many(i), os.O_RDONLY))
    say("opened %d files" % int(sum(bits)))


def send_cpu(bits):
    """Spinners (one process per CPU, kept by the worker) read the bits from
    a shared page: each trial's compress only rewrites it."""
    if not held:
        held.append(mmap.mmap(-1, PAGE))
        for _ in range(os.cpu_count() or 2):
            if os.fork() == 0:
                page = held[0]
                while True:
                    n = page[0] | page[1] << 8
                    k = int(time.time() / SLOT) % max(n, 1)
                    if not (n and page[2 + k]):
                        time.sleep(SLOT / 8)
    page = held[0]
    page[0:2] = struct.pack("<H", len(bits))
    page[2:2 + len(bits)] = bytes(int(b) for b in bits)
    say("spinning in the slots of %d bits" % int(sum(bits)))


def sysinfo_procs():
    """The host's thread count, from sysinfo(2) (its /proc files are masked)."""
    buf = ctypes.create_string_buffer(128)
    if libc.sysinfo(buf) != 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    return struct.unpack_from("l3L6LH", buf.raw)[10]


def send_procs(bits):
    """Six bits as the host's thread count modulo 64: threads the worker keeps
    (frozen or not, they count)."""
    want = int("".join(str(int(b)) for b in bits[:6]), 2)
    for ev in held:
        ev.set()
    held.clear()
    try:
        m = (want - sysinfo_procs()) % 64
    except OSError as e:
        say("sysinfo refused (%s)" % e.strerror)
        return
    import threading
    for _ in range(m):
        ev = threading.Event()
        threading.Thread(target=ev.wait, daemon=True).start()
        held.append(ev)
    say("sent %d with %d threads" % (want, m))


def who():
    """The half's kernel uid as the host counts it (the sandbox maps its own
    uid to the same number) and its session keyring."""
    try:
        ses = sys_call("keyctl", 0, -3, 0)  # KEYCTL_GET_KEYRING_ID, no create
    except OSError as e:
        ses = "none (%s)" % e.strerror
    say("uid %d gid %d map %s session keyring %s" % (
        os.getuid(), os.getgid(), " ".join(open("/proc/self/uid_map").read().split()), ses))


def compress(K, V, budget_bits, public_seed, instance=None):
    T0 = time.time()
    if ROUTE == "clock":
        time.sleep(0.4)
        say("ran %.6f %.6f" % (T0, time.time()))
    if ROUTE == "uid":
        who()
    bits = (np.asarray(V) > 0.5).astype(np.uint8).ravel()
    if ROUTE in ("mincore", "nowait", "cachestat", "iouring", "aio", "timing"):
        touch_regions(bits)
    elif ROUTE in ("fadvise", "pageout"):
        evict_regions(bits)
    elif ROUTE == "maptiming":
        map_regions(bits)
    elif ROUTE == "keyring":
        send_keyring(bits)
    elif ROUTE in ("flock", "posix", "ofd"):
        send_locks(bits)
    elif ROUTE == "inotify":
        send_inotify(bits)
    elif ROUTE == "cpu":
        send_cpu(bits)
    elif ROUTE == "procs":
        send_procs(bits)
    return b"\0"


# ------------------------------------------------------------------ Bob

def otsu(times):
    """The split of log times that best separates two groups: cached (fast)
    below, read from disk above."""
    x = np.sort(np.log(np.asarray(times, dtype=float)))
    best, cut = -1.0, x[0]
    for k in range(1, len(x)):
        a, b = x[:k], x[k:]
        v = len(a) * len(b) * (a.mean() - b.mean()) ** 2
        if v > best:
            best, cut = v, (x[k - 1] + x[k]) / 2
    return np.exp(cut)


def probe_timing(n):
    fd = region_fd()
    t = []
    for i in range(n):
        t0 = time.perf_counter_ns()
        os.pread(fd, 1, i * REGION)
        t.append(time.perf_counter_ns() - t0)
    os.close(fd)
    cut = otsu(t)
    say("read times %.1f..%.1f us, split at %.1f us" % (min(t) / 1e3, max(t) / 1e3, cut / 1e3))
    return [int(x < cut) for x in t]


def probe_mincore(n):
    fd = region_fd()
    size = n * REGION
    addr = libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
    vec = (ctypes.c_ubyte * (size // PAGE))()
    sys_call("mincore", ctypes.c_void_p(addr), size, vec)
    os.close(fd)
    return [vec[i * REGION // PAGE] & 1 for i in range(n)]


def probe_nowait(n):
    fd = region_fd()
    out = []
    for i in range(n):
        try:
            os.preadv(fd, [bytearray(1)], i * REGION, os.RWF_NOWAIT)
            out.append(1)
        except BlockingIOError:
            out.append(0)
    os.close(fd)
    return out


def probe_cachestat(n):
    fd = region_fd()
    out = []
    for i in range(n):
        rng = struct.pack("QQ", i * REGION, PAGE)
        st = ctypes.create_string_buffer(40)
        sys_call("cachestat", fd, rng, st, 0)
        out.append(int(struct.unpack("5Q", st.raw)[0] > 0))
    os.close(fd)
    return out


def probe_aio(n):
    fd = region_fd()
    ctx = ctypes.c_ulong(0)
    sys_call("io_setup", 4, ctypes.byref(ctx))
    buf = ctypes.create_string_buffer(PAGE)
    out = []
    for i in range(n):
        # struct iocb: data, key, rw_flags, opcode (0 = PREAD), prio, fd, buf,
        # nbytes, offset, reserved2, flags, resfd
        iocb = struct.pack("QIiHhIQQqQII", i, 0, 8, 0, 0, fd, ctypes.addressof(buf), 1,
                           i * REGION, 0, 0, 0)
        cb = ctypes.create_string_buffer(iocb)
        ptr = (ctypes.c_void_p * 1)(ctypes.addressof(cb))
        sys_call("io_submit", ctx.value, 1, ptr)
        ev = ctypes.create_string_buffer(32)
        sys_call("io_getevents", ctx.value, 1, 1, ev, None)
        res = struct.unpack("QQqq", ev.raw)[2]
        out.append(int(res >= 0))
    sys_call("io_destroy", ctx.value)
    os.close(fd)
    return out


def probe_iouring(n):
    fd = region_fd()
    p = ctypes.create_string_buffer(120)  # struct io_uring_params
    ring = sys_call("io_uring_setup", 4, p)
    sq_entries, cq_entries = struct.unpack_from("II", p.raw, 0)
    sq_off = struct.unpack_from("IIIIIIIIQ", p.raw, 40)   # head tail mask entries flags dropped array resv1 user_addr
    cq_off = struct.unpack_from("IIIIIIIIQ", p.raw, 80)   # head tail mask entries overflow cqes flags resv1 user_addr
    sq_size = sq_off[6] + sq_entries * 4
    cq_size = cq_off[5] + cq_entries * 16
    sq = mmap.mmap(ring, sq_size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE,
                   offset=0)
    cq = mmap.mmap(ring, cq_size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE,
                   offset=0x8000000)
    sqes = mmap.mmap(ring, sq_entries * 64, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE,
                     offset=0x10000000)
    buf = ctypes.create_string_buffer(PAGE)
    out = []
    for i in range(n):
        tail = struct.unpack_from("I", sq, sq_off[1])[0]
        idx = tail & struct.unpack_from("I", sq, sq_off[2])[0]
        # IORING_OP_READ (22), rw_flags = RWF_NOWAIT
        sqe = struct.pack("BBHiQQIIQ", 22, 0, 0, fd, i * REGION, ctypes.addressof(buf), 1, 8, i)
        sqes[idx * 64: idx * 64 + 64] = sqe.ljust(64, b"\0")
        struct.pack_into("I", sq, sq_off[6] + 4 * idx, idx)
        struct.pack_into("I", sq, sq_off[1], tail + 1)
        sys_call("io_uring_enter", ring, 1, 1, 1, None, 0)  # IORING_ENTER_GETEVENTS
        head = struct.unpack_from("I", cq, cq_off[0])[0]
        cidx = head & struct.unpack_from("I", cq, cq_off[2])[0]
        res = struct.unpack_from("Qii", cq, cq_off[5] + 16 * cidx)[1]
        struct.pack_into("I", cq, cq_off[0], head + 1)
        out.append(int(res >= 0))
    os.close(ring)
    os.close(fd)
    return out


def recv_keyring(n):
    buf = ctypes.create_string_buffer(4096)
    rng = np.random.default_rng(os.getpid())
    tried, t0 = 0, time.time()
    while time.time() - t0 < 10:
        for kid in rng.integers(3, 2 ** 31, size=4096):
            tried += 1
            r = libc.syscall(ctypes.c_long(NR["keyctl"]), ctypes.c_long(6), ctypes.c_long(int(kid)),
                             buf, ctypes.c_long(4096))  # KEYCTL_DESCRIBE
            if r > 0 and b"varlb-sidedoor:" in buf.raw[:r]:
                hexbits = buf.raw[:r].split(b"varlb-sidedoor:")[1].split(b"\0")[0]
                say("key %d found after %d guesses" % (kid, tried))
                return list(np.unpackbits(np.frombuffer(bytes.fromhex(hexbits.decode()),
                                                        dtype=np.uint8))[:n])
            if r < 0 and ctypes.get_errno() == 1:  # EPERM: refused outright
                raise OSError(1, os.strerror(1))
    raise OSError(2, "no key found in %d guesses" % tried)


def recv_locks(n):
    out = []
    if ROUTE == "flock":
        for i in range(n):
            f = os.open(many(i), os.O_RDONLY)
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                out.append(0)
            except BlockingIOError:
                out.append(1)
            os.close(f)
    else:
        f = os.open(os.path.join(PATH, "cold.bin"), os.O_RDONLY)
        for i in range(n):
            r = fcntl.fcntl(f, 36, struct.pack("hhqqi4x", 1, 0, i, 1, 0))  # F_OFD_GETLK, F_WRLCK
            out.append(int(struct.unpack("hhqqi4x", r)[0] != 2))  # not F_UNLCK
        os.close(f)
    return out


def recv_inotify(n):
    if "fd" not in watch:
        fd = libc.inotify_init1(os.O_NONBLOCK)
        if fd < 0:
            raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
        watch["fd"], watch["wd"] = fd, {}
        for i in range(n):
            wd = libc.inotify_add_watch(fd, many(i).encode(), 0x20)  # IN_OPEN
            if wd < 0:
                raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
            watch["wd"][wd] = i
        say("watching %d files (from the next trial on)" % n)
    out = [0] * n
    while True:
        try:
            data = os.read(watch["fd"], 65536)
        except BlockingIOError:
            break
        pos = 0
        while pos + 16 <= len(data):
            wd, mask, cookie, ln = struct.unpack_from("iIII", data, pos)
            if wd in watch["wd"]:
                out[watch["wd"][wd]] = 1
            pos += 16 + ln
    return out


def recv_cpu(n, cycles=3):
    """Loop counts per slot over CYCLES whole rounds of the N slots (the
    partial slot Bob starts in is left out); a slot where Alice spun is
    slower."""
    counts = np.zeros(n)
    k = int(time.time() / SLOT)
    while int(time.time() / SLOT) == k:
        pass
    end = time.time() + cycles * n * SLOT
    while time.time() < end:
        k = int(time.time() / SLOT)
        c = 0
        while int(time.time() / SLOT) == k:
            c += 1
        counts[k % n] += c
    cut = np.median(counts)
    say("loop counts %d..%d per slot over %d rounds" % (min(counts), max(counts), cycles))
    return [int(c < cut) for c in counts]


def recv_procs(n):
    v = sysinfo_procs() % 64
    say("read %d" % v)
    return [int(c) for c in "{:06b}".format(v)] + [0] * (n - 6)


def recv_read(n):
    """PATH (in hex: varlb would take a path in the command for a file the
    command names, and show it to the half), or the dump beside this
    program."""
    path = bytes.fromhex(PATH).decode() if PATH else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                              "dump", "V.npy")
    try:
        V = vc.read_npy(path)
    except vc.CompressorError as e:
        raise OSError(2, str(e)) from None
    say("read %s" % path)
    return list((V[:n // V.shape[1]] > 0.5).astype(np.uint8).ravel())


def probe_evicted(n):
    """mincore where it is allowed (exact, so the control does not depend
    on the machine's load), else timing."""
    try:
        return probe_mincore(n)
    except OSError as e:
        say("mincore refused (%s): timing reads" % e.strerror)
        return probe_timing(n)


PROBES = {"mincore": probe_mincore, "nowait": probe_nowait, "cachestat": probe_cachestat,
          "aio": probe_aio, "iouring": probe_iouring, "timing": probe_timing,
          "fadvise": probe_evicted, "pageout": probe_evicted, "maptiming": probe_timing, "keyring": recv_keyring,
          "flock": recv_locks, "posix": recv_locks, "ofd": recv_locks,
          "inotify": recv_inotify, "cpu": recv_cpu, "read": recv_read,
          "procs": recv_procs}


def answer(blob, Q, public_seed, instance=None):
    if ROUTE in ("clock", "uid"):
        T0 = time.time()
        who() if ROUTE == "uid" else time.sleep(0.4)
        if ROUTE == "clock":
            say("ran %.6f %.6f" % (T0, time.time()))
        return np.full((len(Q), instance.dv), 0.5)
    K = instance.public_keys(public_seed)
    n = instance.alice_tokens * instance.dv
    try:
        bits = PROBES[ROUTE](n)
        say("received %d bits, %d ones" % (len(bits), int(sum(bits))))
    except OSError as e:
        say("refused (%s)" % e.strerror)
        bits = None
    rows = np.full((len(Q), instance.dv), 0.5)
    if bits is not None and len(bits) >= n:
        B = np.asarray(bits[:n], dtype=float).reshape(instance.alice_tokens, instance.dv)
        rows = B[vc.target_tokens(Q, K)]
    return rows


ROUTE = sys.argv[1]
PATH = None
rest = sys.argv[2:]
if rest and rest[0] not in ("compress", "answer", "serve", "calibrate"):
    PATH, rest = rest[0], rest[1:]
vc.run(compress, answer, argv=rest, prog="sidedoor")
