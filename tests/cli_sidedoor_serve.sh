#!/bin/sh
# cli_sidedoor_serve.sh -- the live channels between the two workers of a
# serve: compressor, which both outlive a trial: locks (flock, POSIX and
# open-file-description) Alice's worker holds on files both see while Bob's
# looks, inotify watches Bob's worker set that queue Alice's opens, and CPU
# contention while both run.  Each carries bits with --no-sandbox; in the
# sandbox a worker is refused locks and watches (the filter) and only one
# worker runs at a time (the other frozen: tests/test_isolation.c checks
# the freezer itself), so each falls to chance.  SQLite in a worker's own
# /tmp keeps working with its locks off (?nolock=1); a one-shot half keeps
# them (tests/cli_honest.sh).
. "$top_srcdir/tests/cli_lib.sh"
. "$top_srcdir/tests/sidedoor_lib.sh"

# --- locks: one trial.
for r in flock posix ofd; do
  "$VARLB" attack $SMALL --no-sandbox --compressor "serve:$SD $r $DIR" --json \
    >"$TMPD/ctl" 2>"$TMPD/err"
  "$VARLB" attack $SMALL $SEE --compressor "serve:$SD $r $DIR" --json >"$TMPD/o" 2>>"$TMPD/err"
  door "$r" "$r locks between live workers: 112 bits without the sandbox, $(bits "$TMPD/o") in it"
done

# sweep_rows FILE: "seed accuracy bits" per row of a sweep's CSV.
sweep_rows () {
  "$PYTHON3" -c 'import csv,math,sys
for r in csv.DictReader(open(sys.argv[1])):
    if r["status"] != "ok":
        print(r["seed"], "failed", r["error"]); continue
    a = float(r["accuracy"]); e = min(a, 1 - a)
    h = 0 if e <= 0 else -e * math.log2(e) - (1 - e) * math.log2(1 - e)
    print(r["seed"], "%.3f" % a, round(int(r["N"]) * (1 - h)))' "$1"
}

# --- inotify: Bob's worker sets its watches in trial 1; from trial 2 on
# Alice's opens wait for him in the queue.
"$VARLB" sweep $SMALL --seeds 1,2,3 --no-sandbox --compressor "serve:$SD inotify $DIR" \
  --out "$TMPD/ictl.csv" 2>"$TMPD/err"
"$VARLB" sweep $SMALL --seeds 1,2,3 $SEE --compressor "serve:$SD inotify $DIR" \
  --out "$TMPD/i.csv" 2>>"$TMPD/err"
sweep_rows "$TMPD/ictl.csv" >"$TMPD/ictl"
sweep_rows "$TMPD/i.csv" >"$TMPD/i"
if ! awk '$1 > 1 && $2 < 0.95 { bad = 1 } END { exit bad || NR != 3 }' "$TMPD/ictl"; then
  fail "inotify: the control did not carry every bit from trial 2: $(tr '\n' ';' <"$TMPD/ictl") $(cat "$TMPD/err")"
elif awk '$2 == "failed" || $2 >= 0.7 { bad = 1 } END { exit bad || NR != 3 }' "$TMPD/i"; then
  pass "inotify watches of a live worker: every bit from trial 2 without the sandbox, in it (seed acc bits) $(tr '\n' ';' <"$TMPD/i")"
else
  fail "inotify: through the sandbox: $(tr '\n' ';' <"$TMPD/i") $(cat "$TMPD/err")"
fi

# --- CPU contention: Alice's spinners run in the slots of her 1-bits while
# Bob counts; noisy on a shared machine, so judged over two trials.
"$VARLB" sweep $SMALL --seeds 1,2 --no-sandbox --compressor "serve:$SD cpu" \
  --out "$TMPD/cctl.csv" 2>"$TMPD/err"
"$VARLB" sweep $SMALL --seeds 1,2 --compressor "serve:$SD cpu" --out "$TMPD/c.csv" 2>>"$TMPD/err"
sweep_rows "$TMPD/cctl.csv" >"$TMPD/cctl"
sweep_rows "$TMPD/c.csv" >"$TMPD/c"
mean () { awk '{ s += $2 } END { printf "%.3f", NR ? s / NR : 0 }' "$1"; }
if awk '{ s += $2 } END { exit !(NR == 2 && s / NR >= 0.7) }' "$TMPD/cctl"; then
  if awk '{ s += $2 } END { exit !(NR == 2 && s / NR < 0.62) }' "$TMPD/c"; then
    pass "CPU contention between live workers: mean accuracy $(mean "$TMPD/cctl") without the sandbox ($(awk '{ printf "%s ", $3 }' "$TMPD/cctl")bits), $(mean "$TMPD/c") in it ($(awk '{ printf "%s ", $3 }' "$TMPD/c")bits): one worker runs at a time"
  else
    fail "CPU contention through the sandbox: $(tr '\n' ';' <"$TMPD/c") $(cat "$TMPD/err")"
  fi
else
  echo "note: CPU contention: the control reached only $(mean "$TMPD/cctl") (a loaded machine); the sandbox gave $(mean "$TMPD/c")"
  awk '{ s += $2 } END { exit !(NR == 2 && s / NR < 0.62) }' "$TMPD/c" \
    && pass "CPU contention in the sandbox at chance ($(mean "$TMPD/c"))" \
    || fail "CPU contention through the sandbox: $(tr '\n' ';' <"$TMPD/c") $(cat "$TMPD/err")"
fi

finish
