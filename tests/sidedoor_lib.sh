# sidedoor_lib.sh -- sourced by the tests of the kernel's side doors
# (tests/cli_sidedoor*.sh) after cli_lib.sh: the compressor
# tests/compressors/sidedoor.py, the folder it signals through, and how
# to read its rows.
[ -n "$PYTHON3" ] && "$PYTHON3" -c 'import numpy' 2>/dev/null \
  || { echo "python3 with NumPy not found: skipping"; exit 77; }
need_sandbox
# The halves run under uids of their own (as root): they must reach what
# they are shown, and mktemp -d made TMPD 0700.
chmod 755 "$TMPD"
SD="$PYTHON3 $top_srcdir/tests/compressors/sidedoor.py"
SMALL="--schedule 1,2,3,4 -d 8 --budget 8"   # 14 Alice tokens, N = 112 bits
PYTHONPATH="$top_srcdir/python${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONPATH

# The folder both halves see (--expose): cold.bin (32 MiB, 128 regions of
# 256 KiB: one per bit) and files/000..127.
DIR=$TMPD/sd
mkdir -p "$DIR/files"
head -c 33554432 /dev/urandom >"$DIR/cold.bin"
i=0
while [ $i -lt 128 ]; do
  f=$(printf '%03d' $i)
  echo "$f" >"$DIR/files/$f"
  i=$((i + 1))
done
SEE="--expose $DIR"

# cold: none of cold.bin cached (the judge's own file: it may evict it);
# warm: cold, then page 0 of every region cached in small folios.
cold () {
  "$PYTHON3" -c 'import os,sys
fd = os.open(sys.argv[1], os.O_RDONLY); os.fsync(fd)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)' "$DIR/cold.bin"
}
warm () {
  cold
  "$PYTHON3" -c 'import os,sys
fd = os.open(sys.argv[1], os.O_RDONLY)
for i in range(128): os.pread(fd, 1, i * 262144)' "$DIR/cold.bin"
}

# steady_on / steady_off: between them this shell holds the host's lock of
# halves shared (descriptor 9), so that no --cold-cache trial (another
# test's, run beside this one by make -j2) drops the page cache between a
# route's preparation, its Alice and its Bob: such a drop once left the
# cachestat control 0 bits.  varlb's sandboxed halves hold the lock only
# while each runs, --no-sandbox ones not at all.  Never around a
# --cold-cache run of this shell's own (it would wait for itself).
steady_on () {
  if [ "$(id -u)" -eq 0 ] && command -v flock >/dev/null 2>&1 && mkdir -p /run/varlb; then
    exec 9>>/run/varlb/halves && flock -s 9
  fi
}
steady_off () {
  if { true >&9; } 2>/dev/null; then
    flock -u 9
    exec 9>&-
  fi
}

# row FILE KEY: a field of the first row of a --json run.
row () { "$PYTHON3" -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())[sys.argv[2]])' "$1" "$2"; }
# bits FILE: the bits a row's accuracy carried over its N hidden bits,
# N (1 - H2(error)) (binary symmetric channel), rounded; "-" for a failure.
bits () {
  "$PYTHON3" -c 'import json,math,sys
r = json.loads(open(sys.argv[1]).readline())
if r["status"] != "ok":
    print("-"); sys.exit()
e = min(r["accuracy"], 1 - r["accuracy"])
h = 0 if e <= 0 else -e * math.log2(e) - (1 - e) * math.log2(1 - e)
print(round(r["N"] * (1 - h)))' "$1"
}
# leaked FILE: every bit crossed (accuracy at least 0.95).
leaked () {
  "$PYTHON3" -c 'import json,sys
r = json.loads(open(sys.argv[1]).readline())
assert r["status"] == "ok", r.get("error")
assert r["accuracy"] >= 0.95, r["accuracy"]' "$1" 2>/dev/null
}
# held FILE: at chance (accuracy below 0.7, not an impossible verdict) and
# the half said the route was refused or found nothing.
held () {
  "$PYTHON3" -c 'import json,sys
r = json.loads(open(sys.argv[1]).readline())
assert r["status"] == "ok", r.get("error")
assert r["accuracy"] < 0.7, r["accuracy"]
assert not r["verdict"].startswith("impossible"), r["verdict"]
said = r["stderr_compress"] + r["stderr_answer"]
assert "refused" in said or "found" in said, said' "$1" 2>/dev/null
}
# said FILE: what the halves said, on one line.
said () { "$PYTHON3" -c 'import json,sys
r = json.loads(open(sys.argv[1]).readline())
print(r.get("error") or "", "|", r["stderr_compress"][-160:], "|", r["stderr_answer"][-220:])' "$1"; }
# door WHAT PASSED: the check of one route from the control run in
# $TMPD/ctl (--no-sandbox: the route must carry every bit there, or the
# sandboxed run shows nothing) and the sandboxed run in $TMPD/o (held at
# chance); PASSED is the pass line, the halves' words added; the failures
# name WHAT and say why, with $TMPD/err.
door () {
  if ! leaked "$TMPD/ctl"; then
    fail "$1: the control carried $(bits "$TMPD/ctl") bits, not all 112: $(said "$TMPD/ctl") $(cat "$TMPD/err")"
  elif held "$TMPD/o"; then
    pass "$2 ($(said "$TMPD/o"))"
  else
    fail "$1: $(bits "$TMPD/o") bits through the sandbox: $(said "$TMPD/o") $(cat "$TMPD/err")"
  fi
}
