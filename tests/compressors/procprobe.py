#!/usr/bin/env python3
# procprobe.py -- what a half can do to the kernel through /proc (tests/cli_proc.sh).
# Imported by serveworker.py (modes proc and procdry), whose compress half
# calls probe() and prints its lines on stderr.  Never writes a new value
# anywhere, and never calls write() on sysrq-trigger, /proc/bus, /proc/irq or
# /proc/fs (a byte written to sysrq-trigger runs a SysRq action):
#
#   sysctl: tried N, leaked M ...   write back the value already in each file
#                  (mode proc), or only open it write-only (procdry: the
#                  control under --no-sandbox, which must not touch the host)
#   openwr: ...    open(O_WRONLY) and close, nothing written
#   masked: ...    a read of each masked entry; leaked = it returned bytes
#   maskeddir: ... each masked folder; leaked = it lists entries
#   rdonly: ...    /proc/sys, sysrq-trigger, /proc/bus, /proc/irq and /proc/fs
#                  each a read-only mount; leaked = not
import errno
import os

SYSCTLS = ("/proc/sys/kernel/core_pattern", "/proc/sys/fs/lease-break-time",
           "/proc/sys/fs/file-max")
# Root-writable files under these on a typical kernel; the first few found.
OPEN_ONLY = ("/proc/sysrq-trigger", "/proc/bus", "/proc/irq", "/proc/fs")
MASKED = ("/proc/sys/fs/dentry-state", "/proc/sys/fs/inode-state",
          "/proc/sys/fs/file-nr", "/proc/sys/fs/aio-nr", "/proc/keys",
          "/proc/key-users", "/proc/locks", "/proc/timer_list", "/proc/slabinfo",
          "/proc/stat", "/proc/loadavg", "/proc/meminfo")
MASKED_DIRS = ("/proc/acpi", "/proc/pressure", "/sys/firmware")


def why(e):
    return errno.errorcode.get(e.errno, str(e.errno))


def writable_files(top, limit=3):
    """Files under TOP whose owner-write bit is set (where writes would go)."""
    if os.path.isfile(top):
        return [top]
    found = []
    for d, dirs, files in os.walk(top):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(d, f)
            try:
                if os.lstat(p).st_mode & 0o200:
                    found.append(p)
            except OSError:
                continue
            if len(found) >= limit:
                return found
    return found


def tally(name, tried, leaked):
    """One line a category: how many entries were tried, which let it through."""
    return "%s: tried %d, leaked %d%s" % (name, len(tried), len(leaked),
                                          "".join(" " + p for p in leaked[:2]) + (" ..." if len(leaked) > 2 else ""))


def probe(dry):
    notes = []
    tried, leaked = [], []
    for p in SYSCTLS:
        try:
            value = open(p, "rb").read()
        except OSError as e:
            notes.append("%s unreadable %s" % (p, why(e)))
            continue
        tried.append(p)
        try:
            fd = os.open(p, os.O_WRONLY)
        except OSError:
            continue
        try:
            if not dry:
                os.write(fd, value)  # the value already there: changes nothing
            leaked.append(p)
        except OSError:
            pass
        finally:
            os.close(fd)
    lines = [tally("sysctl", tried, leaked)]
    tried, leaked = [], []
    for top in OPEN_ONLY:
        for p in writable_files(top) if os.path.exists(top) else []:
            tried.append(p)
            try:
                os.close(os.open(p, os.O_WRONLY))  # never write()
                leaked.append(p)
            except OSError as e:
                if e.errno not in (errno.EROFS, errno.EACCES, errno.EPERM):
                    notes.append("%s %s" % (p, why(e)))
    lines.append(tally("openwr", tried, leaked))
    tried = [p for p in MASKED if os.path.exists(p)]
    leaked = []
    for p in tried:
        try:
            if open(p, "rb").read():
                leaked.append(p)
        except OSError:
            pass
    lines.append(tally("masked", tried, leaked))
    tried = [p for p in MASKED_DIRS if os.path.isdir(p)]
    lines.append(tally("maskeddir", tried, [p for p in tried if os.listdir(p)]))
    # The settings read-only by their mount, whoever the half is (a half
    # under a uid of its own is refused the writes anyway): each of them a
    # mount of its own whose options say ro.
    mounts = {}
    for line in open("/proc/self/mountinfo"):
        f = line.split()
        mounts[f[4]] = f[5].split(",")
    tried = [p for p in OPEN_ONLY + ("/proc/sys",) if os.path.exists(p)]
    lines.append(tally("rdonly", tried, [p for p in tried if "ro" not in mounts.get(p, [])]))
    return lines + ["note: " + n for n in notes]
