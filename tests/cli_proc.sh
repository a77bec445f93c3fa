#!/bin/sh
# cli_proc.sh -- what a half can do to the host kernel through /proc: no
# setting written (a sysctl, written back with the value already in it:
# never a new value), no write-only open of sysrq-trigger, /proc/bus,
# /proc/irq or /proc/fs (nothing is ever written there), and every masked
# counter read as nothing.  Checked in a half of exec:, of a serve: worker
# and of --calibrate (tests/compressors/procprobe.py through
# serveworker.py).  The control runs the probe with --no-sandbox in its dry
# mode, which only opens files: it must find them open, so the checks can
# fail.
. "$top_srcdir/tests/cli_lib.sh"
[ -n "$PYTHON3" ] || { echo "python3 not found: skipping"; exit 77; }
need_sandbox
W="$PYTHON3 $top_srcdir/tests/compressors/serveworker.py"
TINY="--schedule 1,2 -d 2 --budget 8"

# probe_lines FILE: the probe's tally lines from the row's stderr_compress.
probe_lines () {
  "$PYTHON3" -c 'import json,re,sys
r = json.loads(open(sys.argv[1]).readline())
assert r["status"] == "ok", r.get("error")
for m in re.finditer(r"proc: (\w+): tried (\d+), leaked (\d+)", r["stderr_compress"]):
    print(m.group(1), m.group(2), m.group(3))' "$1"
}
# held FILE: every category tried something and nothing leaked.  The
# sysctl files and the masked entries exist on every Linux; the write-only
# opens need at least one root-writable file under the four folders; the
# settings must be read-only mounts (as root the halves' own uids would
# refuse the writes too: the mounts are checked for themselves).
held () {
  probe_lines "$1" >"$TMPD/lines" 2>"$TMPD/perr" || return 1
  [ "$(wc -l <"$TMPD/lines")" -eq 5 ] || return 1
  awk '$2 < 1 || $3 != 0 { bad = 1 } END { exit bad }' "$TMPD/lines"
}

# --- the control: on the host, the probe opens the settings write-only.
"$VARLB" attack $TINY --no-sandbox --compressor "exec:$W procdry" --json >"$TMPD/ctl" 2>"$TMPD/err"
if probe_lines "$TMPD/ctl" >"$TMPD/lines" 2>"$TMPD/perr" \
   && awk '$1 == "sysctl" && $3 > 0 { s = 1 } $1 == "masked" && $3 > 0 { m = 1 }
           END { exit !(s && m) }' "$TMPD/lines"; then
  pass "control: without the sandbox a half opens sysctls write-only and reads the counters ($(tr '\n' ';' <"$TMPD/lines"))"
else
  fail "control: $(cat "$TMPD/ctl" "$TMPD/err" "$TMPD/perr")"
fi

# --- exec: and serve: halves.
for k in exec serve; do
  "$VARLB" attack $TINY --compressor "$k:$W proc" --json >"$TMPD/o" 2>"$TMPD/err"
  if held "$TMPD/o"; then
    pass "$k: no sysctl written, no write-only open, every mask empty ($(tr '\n' ';' <"$TMPD/lines"))"
  else
    fail "$k: $(cat "$TMPD/lines" "$TMPD/perr" "$TMPD/o" "$TMPD/err")"
  fi
done

# --- the calibration sandbox: the worker exits 7 on any leak, or when it
# found nothing to try.
"$VARLB" attack $TINY --calibrate --compressor "exec:$W proc" --json >"$TMPD/o" 2>"$TMPD/err"
rc=$?
if [ $rc -eq 0 ] && grep -q 'calibrated before any instance' "$TMPD/o"; then
  pass "calibrate: no sysctl written, no write-only open, every mask empty"
else
  fail "calibrate: rc=$rc $(cat "$TMPD/o" "$TMPD/err")"
fi
"$VARLB" attack $TINY --no-sandbox --calibrate --compressor "exec:$W procdry" --json \
  >"$TMPD/o" 2>"$TMPD/err"
rc=$?
[ $rc -eq 1 ] && grep -q 'calibrate: exited with status 7' "$TMPD/err" \
  && pass "calibrate control: without the sandbox the same worker finds the host's settings open" \
  || fail "calibrate control: rc=$rc $(cat "$TMPD/o" "$TMPD/err")"

finish
