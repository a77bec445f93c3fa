#!/bin/sh
# cli_sidedoor.sh -- the kernel's side doors between two halves that run one
# after the other (exec:), each tried by tests/compressors/sidedoor.py with
# a one-byte blob: keys anyone may read (found by their serial), the page
# cache probed by mincore, preadv2(RWF_NOWAIT), cachestat, Linux AIO and
# io_uring after Alice read the regions of her 1-bits, and evicted by
# posix_fadvise and madvise(MADV_PAGEOUT) where her bits are 0; a reader of
# `varlb decode --dump` beside the compressor, and of a dump elsewhere on
# the host.  Each route is shown to carry every bit with --no-sandbox, and
# to be refused (accuracy at chance) in the sandbox: the system-call filter
# (README, "Threat model") and the view.  The timing residue that no filter
# stops is tests/cli_coldcache.sh's; the serve: routes cli_sidedoor_serve.sh's.
. "$top_srcdir/tests/cli_lib.sh"
. "$top_srcdir/tests/sidedoor_lib.sh"

# route NAME PREP: the control, then the sandbox.  PREP (cold or warm)
# readies cold.bin before each run.
route () {
  name=$1 prep=$2
  steady_on
  $prep
  "$VARLB" attack $SMALL --no-sandbox --compressor "exec:$SD $name $DIR" --json \
    >"$TMPD/ctl" 2>"$TMPD/err"
  $prep
  "$VARLB" attack $SMALL $SEE --compressor "exec:$SD $name $DIR" --json >"$TMPD/o" 2>>"$TMPD/err"
  steady_off
  door "$name" "$name: 112 bits without the sandbox, $(bits "$TMPD/o") in it"
}

# --- uids: as root, each half under a reserved uid of its own.
if [ "$(id -u)" -eq 0 ]; then
  "$VARLB" attack $SMALL --compressor "exec:$SD uid" --json >"$TMPD/o" 2>"$TMPD/err"
  if "$PYTHON3" -c 'import json,re,sys
r = json.loads(open(sys.argv[1]).readline())
a = re.search(r"uid (\d+) gid (\d+) map (\d+) (\d+)", r["stderr_compress"])
b = re.search(r"uid (\d+) gid (\d+) map (\d+) (\d+)", r["stderr_answer"])
ua, ub = int(a.group(1)), int(b.group(1))
assert ua >= 2000000000 and ub >= 2000000000 and ua != ub, (ua, ub)
# (bubblewrap maps the uid it runs under to the same number inside)
assert a.group(2) == a.group(1) == a.group(3), a.group(0)
assert b.group(2) == b.group(1) == b.group(3), b.group(0)' "$TMPD/o" 2>"$TMPD/perr"; then
    pass "uids: Alice and Bob under reserved uids of their own ($(said "$TMPD/o"))"
  else
    fail "uids: $(cat "$TMPD/perr") $(said "$TMPD/o") $(cat "$TMPD/err")"
  fi
else
  echo "note: not root: halves keep varlb's uid (the filter and the view carry it)"
fi

# Keys: root's quota holds Alice's 20000 keys; a user's 200 would take Bob
# minutes to find by guessing, so the control needs root.
if [ "$(id -u)" -eq 0 ]; then
  route keyring true
else
  echo "note: not root: the keyring's control needs root's key quota; the sandbox alone is checked"
  "$VARLB" attack $SMALL --compressor "exec:$SD keyring" --json >"$TMPD/o" 2>"$TMPD/err"
  held "$TMPD/o" && pass "keyring: refused ($(said "$TMPD/o"))" \
    || fail "keyring: $(said "$TMPD/o") $(cat "$TMPD/err")"
fi
for r in mincore nowait cachestat aio iouring; do
  route $r cold
done
for r in fadvise pageout; do
  route $r warm
done

# --- readers of a dump: beside the compressor (under /tmp, a hidden folder
# whose top folder a named file used to expose), and elsewhere on the host.
mkdir "$TMPD/proj"
cp "$top_srcdir/tests/compressors/sidedoor.py" "$TMPD/proj/"
"$VARLB" decode --schedule 1,2,3,4 -d 8 --seed 1 --dump "$TMPD/proj/dump" >/dev/null
"$VARLB" attack $SMALL --seed 1 --no-sandbox --compressor "exec:$PYTHON3 $TMPD/proj/sidedoor.py read" \
  --json >"$TMPD/ctl" 2>"$TMPD/err"
"$VARLB" attack $SMALL --seed 1 --compressor "exec:$PYTHON3 $TMPD/proj/sidedoor.py read" \
  --json >"$TMPD/o" 2>>"$TMPD/err"
rc=$?
if ! leaked "$TMPD/ctl"; then
  fail "dump beside the compressor: the control read nothing: $(said "$TMPD/ctl") $(cat "$TMPD/err")"
elif [ $rc -eq 2 ] && [ "$(wc -l <"$TMPD/err")" -eq 1 ] && grep -q 'holds varlb outputs' "$TMPD/err"; then
  pass "dump beside the compressor: a usage error: $(cat "$TMPD/err")"
else
  fail "dump beside the compressor: rc=$rc $(said "$TMPD/o") $(cat "$TMPD/err")"
fi
"$VARLB" attack $SMALL --seed 1 --expose "$TMPD/proj" --compressor "exec:$SD read" \
  >"$TMPD/o" 2>"$TMPD/err"
rc=$?
[ $rc -eq 2 ] && [ "$(wc -l <"$TMPD/err")" -eq 1 ] && grep -q 'holds varlb outputs' "$TMPD/err" \
  && pass "--expose of a folder holding a dump: a usage error: $(cat "$TMPD/err")" \
  || fail "--expose of a folder holding a dump: rc=$rc $(cat "$TMPD/err")"
# A file beside the named program that is not varlb's: not shown either
# (the program is, not its folder).
mkdir "$TMPD/proj2"
cp "$top_srcdir/tests/compressors/sidedoor.py" "$TMPD/proj2/"
cp "$TMPD/proj/dump/V.npy" "$TMPD/proj2/neighbour.npy"
HEX=$(printf '%s' "$TMPD/proj2/neighbour.npy" | od -An -tx1 | tr -d ' \n')
"$VARLB" attack $SMALL --seed 1 --no-sandbox --compressor "exec:$PYTHON3 $TMPD/proj2/sidedoor.py read $HEX" \
  --json >"$TMPD/ctl" 2>"$TMPD/err"
"$VARLB" attack $SMALL --seed 1 --compressor "exec:$PYTHON3 $TMPD/proj2/sidedoor.py read $HEX" \
  --json >"$TMPD/o" 2>>"$TMPD/err"
door "a file beside the named program" "a file beside the named program: out of sight"
OUT=$top_builddir/tests/sidedoor-dump.$$
rm -rf "$OUT"
"$VARLB" decode --schedule 1,2,3,4 -d 8 --seed 1 --dump "$OUT" >/dev/null
HEX=$(printf '%s' "$OUT/V.npy" | od -An -tx1 | tr -d ' \n')
"$VARLB" attack $SMALL --seed 1 --no-sandbox --compressor "exec:$SD read $HEX" --json \
  >"$TMPD/ctl" 2>"$TMPD/err"
"$VARLB" attack $SMALL --seed 1 --compressor "exec:$SD read $HEX" --json >"$TMPD/o" 2>>"$TMPD/err"
rm -rf "$OUT"
door "a dump elsewhere on the host" "a dump elsewhere on the host ($OUT): out of sight"

finish
