#!/bin/sh
# cli_serve.sh -- serve:COMMAND workers and --calibrate: a worker gives the
# rows the same program gives through exec:; a worker that crashes, hangs,
# chatters on stdout or refuses fails only its trial and is back for the
# next; calibration runs once, before any instance, and is read-only to
# both halves and recorded with its SHA-256.
. "$top_srcdir/tests/cli_lib.sh"
[ -n "$PYTHON3" ] || { echo "python3 not found: skipping"; exit 77; }
if ! "$VARLB" attack --compressor identity --budget 8 --schedule 1,2 -d 2 >/dev/null 2>"$TMPD/err"; then
  grep -q 'cannot create the sandbox' "$TMPD/err" && { echo "no sandbox here: skipping"; exit 77; }
fi
SMALL="--schedule 1,2,3,4 -d 8"
W="$PYTHON3 $top_srcdir/tests/compressors/serveworker.py"
cols () {  # the columns that must agree between exec: and serve:
  "$PYTHON3" -c 'import csv,sys
for r in csv.DictReader(open(sys.argv[1])):
    print(",".join(r[k] for k in ("budget_bits", "bits_charged", "seed", "correct", "bits_tested",
          "accuracy", "verdict", "status", "fano_ceiling", "efficiency")))' "$1"
}

# --- the same program through exec: and serve: gives the same rows.
if "$PYTHON3" -c 'import numpy' 2>/dev/null; then
  TOPK="$PYTHON3 $top_srcdir/examples/external/topk_fp16.py"
  for k in exec serve; do
    "$VARLB" sweep $SMALL --budgets 200,800,3000 --seeds 1,2 --compressor "$k:$TOPK" \
      --out "$TMPD/$k.csv" 2>"$TMPD/err" || fail "$k sweep: $(cat "$TMPD/err")"
  done
  [ "$(cols "$TMPD/exec.csv")" = "$(cols "$TMPD/serve.csv")" ] && [ "$(cols "$TMPD/exec.csv" | wc -l)" -eq 6 ] \
    && pass "serve: and exec: give the same 6 rows (topk_fp16.py)" \
    || fail "exec vs serve: $(cols "$TMPD/exec.csv") / $(cols "$TMPD/serve.csv")"
else
  skip "exec/serve comparison with topk_fp16.py: $PYTHON3 has no NumPy"
fi
"$VARLB" sweep $SMALL --budgets 8 --seeds 1,2,3 --compressor "exec:$W plain" --out "$TMPD/e2.csv" 2>/dev/null
"$VARLB" sweep $SMALL --budgets 8 --seeds 1,2,3 --compressor "serve:$W plain" --out "$TMPD/s2.csv" 2>/dev/null
[ "$(cols "$TMPD/e2.csv")" = "$(cols "$TMPD/s2.csv")" ] && [ "$(cols "$TMPD/s2.csv" | wc -l)" -eq 3 ] \
  && pass "serve: and exec: give the same rows (a pure-Python worker)" \
  || fail "exec vs serve (plain): $(cat "$TMPD/e2.csv" "$TMPD/s2.csv")"

# --- a worker that fails on its second request fails that trial only, with
# the reason, and a fresh one serves the third.
for case in "crash2:exited with status 3" "hang2:timed out after 2 s" \
            "chatter2:broke the protocol (replied 'hello from the worker'" \
            "refuse2:the worker says: refused on purpose"; do
  m=${case%%:*} want=${case#*:}
  "$VARLB" sweep $SMALL --budgets 8 --seeds 1,2,3 --timeout 2 --compressor "serve:$W $m" \
    --out "$TMPD/$m.csv" 2>"$TMPD/err"
  "$PYTHON3" -c 'import csv,sys
rows = list(csv.DictReader(open(sys.argv[1])))
st = [r["status"] for r in rows]
assert len(rows) == 3 and st[0] == "ok" and st[1] != "ok" and st[2] == "ok", st
assert sys.argv[2] in rows[1]["error"], rows[1]["error"]' "$TMPD/$m.csv" "$want" \
    && pass "$m: trial 2 fails ($want), trial 3 runs on a fresh worker" \
    || fail "$m: $(cat "$TMPD/$m.csv" "$TMPD/err")"
done
sleep 0.3
if need_pgrep "no worker outlives its sweep"; then
  if pgrep -f "$top_srcdir/tests/compressors/serveworker.py hang2" >/dev/null; then
    fail "a hung worker survived: $(pgrep -af serveworker.py)"
  else
    pass "no worker outlives its sweep"
  fi
fi

# --- calibration: once, before any instance; read-only to both halves;
# recorded with its digest, the same in every row.  The calibration
# directories go to a TMPDIR of this test's own, checked empty at the end.
# The halves run under uids of their own, which must reach it: the test's
# folder (0700 from mktemp) opened to others for search only.
CALTMP=$TMPD/caltmp
mkdir "$CALTMP" && chmod 0711 "$TMPD" && chmod 0755 "$CALTMP"
for k in exec serve; do
  TMPDIR=$CALTMP "$VARLB" sweep $SMALL --budgets 8 --seeds 1,2 --calibrate --compressor "$k:$W calib" \
    --out "$TMPD/cal-$k.csv" 2>"$TMPD/err"
  "$PYTHON3" -c 'import csv,sys
rows, sandboxed = list(csv.DictReader(open(sys.argv[1]))), sys.argv[2] == "yes"
assert len(rows) == 2 and all(r["status"] == "ok" for r in rows), rows
c = {r["calibration"] for r in rows}
assert len(c) == 1 and "calibrated before any instance" in c.pop() and "sha256:" in rows[0]["calibration"]
for r in rows:
    for half in ("compress", "answer"):
        e = r["stderr_" + half]
        assert half + ": calibration table for seed" in e, e
        assert not sandboxed or "cannot write (Read-only file system)" in e, e' \
    "$TMPD/cal-$k.csv" "$SANDBOX" \
    && pass "$k: the calibration is read by both halves, written by neither, recorded once" \
    || fail "$k calibration: $(cat "$TMPD/cal-$k.csv" "$TMPD/err")"
done
# Without the sandbox the halves find the calibration at its host path
# (TMPDIR unset: /tmp is then the host's own, not a private one).
env -u TMPDIR "$VARLB" attack $SMALL --budget 8 --no-sandbox --calibrate --json \
  --compressor "exec:$W calib" >"$TMPD/ncal" 2>"$TMPD/err"
"$PYTHON3" -c 'import json,sys
r = json.loads(open(sys.argv[1]).readline())
assert r["isolation"] == "none" and r["status"] == "ok", r
for half in ("compress", "answer"):
    assert half + ": calibration table for seed" in r["stderr_" + half], r["stderr_" + half]' \
  "$TMPD/ncal" && pass "--no-sandbox: both halves read the calibration at its host path" \
  || fail "--no-sandbox calibration: $(cat "$TMPD/ncal" "$TMPD/err")"
# With TMPDIR set, the calibration directory is made under it (the halves
# say where they found it): the evidence that the emptiness checked at the
# end is about the place varlb used.
TMPDIR=$CALTMP "$VARLB" attack $SMALL --budget 8 --no-sandbox --calibrate --json \
  --compressor "exec:$W calib" >"$TMPD/ncal2" 2>"$TMPD/err"
"$PYTHON3" -c 'import json,sys
r = json.loads(open(sys.argv[1]).readline())
assert r["status"] == "ok", r
for half in ("compress", "answer"):
    e = r["stderr_" + half]
    assert "calibration table for seed" in e and "; at " + sys.argv[2] + "/varlb-calibration." in e, e' \
  "$TMPD/ncal2" "$CALTMP" && pass "--no-sandbox with TMPDIR: the calibration directory is made under TMPDIR" \
  || fail "--no-sandbox calibration under TMPDIR: $(cat "$TMPD/ncal2" "$TMPD/err")"
TMPDIR=$CALTMP "$VARLB" attack $SMALL --budget 8 --calibrate --json \
  --compressor "plugin:$top_builddir/tests/plugins/.libs/badplug.so:mode=calib" >"$TMPD/pcal" 2>"$TMPD/err"
"$PYTHON3" -c 'import json,sys
r = json.loads(open(sys.argv[1]).readline())
assert r["status"] == "ok" and "calibrated before any instance" in r["calibration"], r
assert "badplug: calibration '"'"'fitted on seed" in r["stderr_answer"], r["stderr_answer"]
assert sys.argv[2] != "yes" or "read-only" in r["stderr_answer"], r["stderr_answer"]' \
  "$TMPD/pcal" "$SANDBOX" \
  && pass "a plug-in's calibration hook: read by its answer half, read-only, recorded" \
  || fail "plug-in calibration: $(cat "$TMPD/pcal" "$TMPD/err")"
# Without --calibrate: the sweep ran (one ok row), its calibration column is
# empty and neither half saw a calibration.
TMPDIR=$CALTMP "$VARLB" sweep $SMALL --budgets 8 --seeds 1 --compressor "exec:$W calib" \
  --out "$TMPD/nocal.csv" 2>"$TMPD/err"
"$PYTHON3" -c 'import csv,sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 1 and rows[0]["status"] == "ok", rows
r = rows[0]
assert r["calibration"] == "", r["calibration"]
assert "calibration" not in r["stderr_compress"] + r["stderr_answer"], r' "$TMPD/nocal.csv" \
  && pass "without --calibrate nothing is calibrated" \
  || fail "without --calibrate: $(cat "$TMPD/nocal.csv" "$TMPD/err")"
TMPDIR=$CALTMP "$VARLB" attack $SMALL --budget 8 --calibrate --compressor "exec:/bin/sh -c 'exit 9'" \
  >/dev/null 2>"$TMPD/err"
[ $? -eq 1 ] && grep -q 'calibrate: exited with status 9' "$TMPD/err" \
  && pass "a failing calibration stops the run: $(cat "$TMPD/err")" || fail "failing calibration: $(cat "$TMPD/err")"
[ -d "$CALTMP" ] && [ -z "$(ls -A "$CALTMP")" ] && pass "no calibration directory left in TMPDIR" \
  || fail "left in TMPDIR after the calibrated runs: $(ls -A "$CALTMP" 2>&1)"

expect_usage_error "serve: with a relative path" attack --budget 8 --compressor "serve:python3 ./w.py"
finish
