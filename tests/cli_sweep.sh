#!/bin/sh
# cli_sweep.sh -- varlb sweep and varlb plot: a grid writes one CSV row and
# one JSON line per trial, the CSV header equals the JSON keys of
# varlb attack --json, no row lies above the Fano ceiling, --resume after a
# torn write reproduces the same rows with no duplicates, per-token rows
# feed the heat map, plot writes its script and data (and the image when
# gnuplot exists), and bad arguments get exit 2 and one line.
. "$top_srcdir/tests/cli_lib.sh"
[ -n "$PYTHON3" ] || { echo "python3 not found: skipping"; exit 77; }

GRID="--compressors streamingllm,kivi:bits=2,group=16 --ratios 0.1,0.4 --seeds 1,2 --schedule 1,2,4,8 -d 16"
S="$TMPD/s.csv"
# shellcheck disable=SC2086
"$VARLB" sweep $GRID --out "$S" --tokens "$TMPD/tok.csv" 2>"$TMPD/err" \
  && pass "sweep runs: $(cat "$TMPD/err")" || fail "sweep: $(cat "$TMPD/err")"
# Not a terminal: no progress bar, just the one summary line.
[ "$(wc -l <"$TMPD/err")" -eq 1 ] && ! grep -q 'ETA' "$TMPD/err" \
  && pass "silent progress when stderr is not a TTY" || fail "progress output on a pipe"

# 2 compressors x 2 ratios x 2 seeds = 8 trials: 8 rows + header, 8 JSON lines.
[ "$(wc -l <"$S")" -eq 9 ] && [ "$(wc -l <"$TMPD/s.jsonl")" -eq 8 ] \
  && pass "8 CSV rows and 8 JSON lines" || fail "row counts: $(wc -l <"$S") $(wc -l <"$TMPD/s.jsonl")"
[ -s "$TMPD/s.manifest.json" ] && "$PYTHON3" -c '
import json, sys
m = json.load(open(sys.argv[1]))
assert m["version"] and m["trials"] == 8 and "gmp" in m["libraries"] and "mpfr" in m["libraries"]
assert "--ratios" in m["command_line"]
' "$TMPD/s.manifest.json" && pass "manifest: version, trials, libraries, command line" \
  || fail "manifest"

# The header is exactly the key list of varlb attack --json, in order, and
# every JSON line carries the same values as its CSV row.
"$VARLB" attack --compressor streamingllm --ratio 0.1 --schedule 1,2,4,8 -d 16 --json >"$TMPD/a.json" 2>/dev/null
"$PYTHON3" - "$S" "$TMPD/s.jsonl" "$TMPD/a.json" <<'EOF' && pass "header = attack --json keys; JSON lines match CSV rows" || fail "header/JSON mismatch"
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1])))
keys = list(json.loads(open(sys.argv[3]).readline()).keys())
assert rows[0] == keys, (rows[0], keys)
js = [json.loads(l) for l in open(sys.argv[2])]
assert len(rows) == 9 and len(js) == 8, (len(rows), len(js))
for r, j in zip(rows[1:], js):
    for k, v in zip(rows[0], r):
        if k in ("wall_s",):
            continue
        jv = j[k]
        if jv is None:
            assert v == "", (k, v)
        elif isinstance(jv, bool):
            assert v == ("true" if jv else "false"), (k, v)
        elif isinstance(jv, int):
            assert int(v) == jv, (k, v, jv)
        elif isinstance(jv, float):
            assert float(v) == jv, (k, v, jv)
        else:
            assert v == jv, (k, v, jv)
EOF

# Grid completeness and the bound: every (compressor, budget, seed) once,
# and no row's 99%-confident accuracy lies above the Fano ceiling.
"$PYTHON3" - "$S" <<'EOF' && pass "every grid point once; no row above the Fano ceiling" || fail "grid/ceiling"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
keys = [(r["compressor"], r["budget_bits"], r["seed"]) for r in rows]
assert len(set(keys)) == 8 == len(keys), keys
assert {r["compressor"] for r in rows} == {"streamingllm", "kivi:bits=2,group=16"}
for r in rows:
    assert r["status"] == "ok", r
    assert float(r["ci_low"]) <= float(r["fano_ceiling"]), r
    assert not r["verdict"].startswith("impossible"), r
    # budgets are whole bits: the ratio times N, rounded down
    assert r["budget_bits"] in (str(int(0.1 * int(r["N"]))), str(int(0.4 * int(r["N"])))), r
EOF

# --resume after an interrupted write: keep the header, 3 rows and half of
# the 4th (a torn line), and 5 JSON lines plus a torn one.
head -n 4 "$S" >"$TMPD/r.csv"
sed -n 5p "$S" | head -c 40 >>"$TMPD/r.csv"
head -n 5 "$TMPD/s.jsonl" >"$TMPD/r.jsonl"
printf '{"compressor":"strea' >>"$TMPD/r.jsonl"
# Token rows: the 3 finished trials' 63, 10 of the interrupted 4th, a torn one.
head -n $((1 + 3 * 21 + 10)) "$TMPD/tok.csv" >"$TMPD/rtok.csv"
printf '"streamingllm",3' >>"$TMPD/rtok.csv"
# shellcheck disable=SC2086
"$VARLB" sweep $GRID --out "$TMPD/r.csv" --tokens "$TMPD/rtok.csv" --resume 2>"$TMPD/err" \
  && grep -q '5 trials run (3 already' "$TMPD/err" \
  && pass "resume runs only the 5 missing trials" || fail "resume: $(cat "$TMPD/err")"
cmp -s "$TMPD/tok.csv" "$TMPD/rtok.csv" && pass "resumed token rows equal the uninterrupted run's" \
  || fail "resumed token rows differ: $(wc -l <"$TMPD/rtok.csv") lines"
SAME="$PYTHON3 $top_srcdir/tests/same_rows.py"
$SAME csv 9 "$S" "$TMPD/r.csv" && $SAME jsonl 8 "$TMPD/s.jsonl" "$TMPD/r.jsonl" \
  && pass "resumed files equal the uninterrupted run (wall_s and its MAC aside), no duplicates" \
  || fail "resume rows differ"
# Resuming a finished sweep runs nothing and changes nothing.
cp "$TMPD/r.csv" "$TMPD/r0.csv"
# shellcheck disable=SC2086
"$VARLB" sweep $GRID --out "$TMPD/r.csv" --resume 2>"$TMPD/err" && cmp -s "$TMPD/r.csv" "$TMPD/r0.csv" \
  && grep -q '0 trials run (8 already' "$TMPD/err" && pass "resume of a complete sweep is a no-op" \
  || fail "second resume: $(cat "$TMPD/err")"

# --resume continues the grid the file was written with, and only with its
# JSON Lines in step (one plan for a head's sweep and a whole model's, as
# cli_model.sh checks for models): each refusal is one line, exit 1, and
# leaves the CSV and JSON Lines byte for byte as they were.
resume_refused () { # DESCRIPTION WORDS ARGS...
  desc=$1 words=$2; shift 2
  before=$(cat "$TMPD/p.csv" "$TMPD/p.jsonl" 2>/dev/null | cksum)
  "$VARLB" sweep "$@" --out "$TMPD/p.csv" --resume >/dev/null 2>"$TMPD/err"; rc=$?
  [ $rc -eq 1 ] && [ "$(wc -l <"$TMPD/err")" -eq 1 ] && grep -q "$words" "$TMPD/err" \
    && [ "$(cat "$TMPD/p.csv" "$TMPD/p.jsonl" 2>/dev/null | cksum)" = "$before" ] \
    && pass "$desc: $(cat "$TMPD/err")" || fail "$desc: rc=$rc $(cat "$TMPD/err")"
}
head -n 4 "$S" >"$TMPD/p.csv"; head -n 3 "$TMPD/s.jsonl" >"$TMPD/p.jsonl"
# shellcheck disable=SC2086
resume_refused "a head's --resume refuses a file from another grid" \
  "row 2 of .* has budget_bits '[0-9]*' where this grid has '[0-9]*' (a file from another grid)" \
  $(echo $GRID | sed 's/0.1,0.4/0.1,0.3/')
head -n 2 "$TMPD/s.jsonl" >"$TMPD/p.jsonl"
# shellcheck disable=SC2086
resume_refused "a head's --resume refuses JSON Lines behind the CSV" \
  'p.jsonl holds 2 lines where the trials kept of .* need 3' $GRID
rm -f "$TMPD/p.jsonl"
# shellcheck disable=SC2086
resume_refused "a head's --resume refuses a CSV without its JSON Lines" \
  'p.jsonl holds 0 lines where the trials kept of .* need 3' $GRID

# A real interruption: SIGKILL part-way through, then --resume; wherever the
# kill lands (even before the header is whole), the rows equal a clean run's.
KGRID="--compressors streamingllm,kivi --ratios 0.05,0.1,0.2,0.4 --seeds 1,2,3 --schedule 1,2,4,8 -d 16"
# (SIGKILL cannot be caught: its trial directory stays, inside $TMPD.)
mkdir -p "$TMPD/ktrials"
# shellcheck disable=SC2086
TMPDIR="$TMPD/ktrials" "$VARLB" sweep $KGRID --out "$TMPD/k.csv" --progress no 2>/dev/null &
kpid=$!
sleep 0.5
kill -KILL "$kpid" 2>/dev/null
wait "$kpid" 2>/dev/null
killed=$(($(wc -l <"$TMPD/k.csv" 2>/dev/null || echo 1) - 1))
# shellcheck disable=SC2086
"$VARLB" sweep $KGRID --out "$TMPD/k.csv" --resume 2>"$TMPD/err" \
  && "$VARLB" sweep $KGRID --out "$TMPD/kfull.csv" 2>/dev/null \
  && $SAME csv 25 "$TMPD/kfull.csv" "$TMPD/k.csv" \
  && $SAME jsonl 24 "$TMPD/kfull.jsonl" "$TMPD/k.jsonl" \
  && pass "killed after ~$killed rows, resumed: 24 rows equal a clean run's" \
  || fail "kill/resume: $(cat "$TMPD/err")"

# Per-token rows: 21 Alice tokens (1+4+16) per trial; heat map from them.
[ "$(wc -l <"$TMPD/tok.csv")" -eq $((8 * 21 + 1)) ] && pass "per-token rows: 8 trials x 21 tokens" \
  || fail "per-token rows: $(wc -l <"$TMPD/tok.csv")"
"$PYTHON3" - "$TMPD/tok.csv" "$S" <<'EOF' && pass "per-token correct counts sum to each trial's correct bits" || fail "per-token sums"
import csv, sys
tok = list(csv.DictReader(open(sys.argv[1])))
rows = list(csv.DictReader(open(sys.argv[2])))
assert len(rows) == 8 and tok, (len(rows), len(tok))
for r in rows:
    k = (r["compressor"], r["budget_bits"], r["seed"])
    s = sum(int(t["correct"]) for t in tok if (t["compressor"], t["budget_bits"], t["seed"]) == k)
    assert s == int(r["correct"]), (k, s, r["correct"])
EOF

# Plots: the script and data always; the image when gnuplot runs.
if "$VARLB" plot "$S" --out "$TMPD/acc.png" 2>"$TMPD/err"; then
  [ -s "$TMPD/acc.gp" ] && [ -s "$TMPD/acc.dat" ] && [ -s "$TMPD/acc.fano.dat" ] \
    && pass "plot writes .gp, .dat, .fano.dat" || fail "plot files missing"
  if [ -s "$TMPD/acc.png" ]; then
    head -c 8 "$TMPD/acc.png" | od -An -c | grep -q 'P   N   G' && pass "plot drew a PNG" || fail "not a PNG"
  else
    grep -q 'gnuplot not found' "$TMPD/err" && pass "no gnuplot: said so" || fail "no image, no note"
  fi
else
  fail "plot: $(cat "$TMPD/err")"
fi
VARLB_GNUPLOT= "$VARLB" plot "$TMPD/tok.csv" --out "$TMPD/heat.svg" 2>"$TMPD/err" \
  && [ -s "$TMPD/heat.gp" ] && [ -s "$TMPD/heat.dat" ] && [ ! -e "$TMPD/heat.svg" ] \
  && [ "$(wc -l <"$TMPD/err")" -eq 1 ] && grep -q 'gnuplot not found' "$TMPD/err" \
  && grep -q 'with image' "$TMPD/heat.gp" \
  && pass "without gnuplot: heat-map script and data, one note, exit 0" || fail "no-gnuplot plot: $(cat "$TMPD/err")"

# Bad arguments: exit 2, one line.
expect_usage_error "sweep without --out" sweep --compressors h2o --ratios 0.1 --schedule 1,2,4
expect_usage_error "sweep without budgets" sweep --compressors h2o --schedule 1,2,4 --out "$TMPD/x.csv"
expect_usage_error "sweep unknown compressor" sweep --compressors nosuch --ratios 0.1 --schedule 1,2,4 --out "$TMPD/x.csv"
expect_usage_error "sweep bad knob" sweep --compressors kivi:bits=99 --ratios 0.1 --schedule 1,2,4 --out "$TMPD/x.csv"
expect_usage_error "sweep negative ratio" sweep --compressors h2o --ratios 0.1,-1 --schedule 1,2,4 --out "$TMPD/x.csv"
expect_usage_error "sweep empty ratio element" sweep --compressors h2o --ratios 0.1,,0.2 --schedule 1,2,4 --out "$TMPD/x.csv"
expect_usage_error "sweep trailing comma in seeds" sweep --compressors h2o --ratios 0.1 --seeds 1, --schedule 1,2,4 --out "$TMPD/x.csv"
expect_usage_error "sweep empty schedule" sweep --compressors h2o --ratios 0.1 --schedules '1,2;;1,2,4' --out "$TMPD/x.csv"
expect_usage_error "sweep bad schedules" sweep --compressors h2o --ratios 0.1 --schedules '1,2;3,1' --out "$TMPD/x.csv"
expect_usage_error "sweep both budgets and ratios" sweep --compressors h2o --ratios 0.1 --budgets 8 --schedule 1,2,4 --out "$TMPD/x.csv"
expect_usage_error "sweep refuses to overwrite" sweep --compressors h2o --ratios 0.1 --schedule 1,2,4 --out "$S"
expect_usage_error "sweep unknown option" sweep --frobnicate
# --resume on a file whose header is not this varlb's (another version's
# columns): refused in one line, exit 1, the CSV and JSON Lines untouched,
# a torn last line included (checks come before any cut).
"$PYTHON3" - "$S" "$TMPD/old.csv" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
drop = {rows[0].index(c) for c in ("eta", "approx_eta", "eta_violations")}
w = csv.writer(open(sys.argv[2], "w"), lineterminator="\n")
for r in rows[:3]:
    w.writerow([x for i, x in enumerate(r) if i not in drop])
EOF
head -2 "$TMPD/s.jsonl" >"$TMPD/old.jsonl"
printf '"torn' >>"$TMPD/old.csv"
cp "$TMPD/old.csv" "$TMPD/old.csv.bak"; cp "$TMPD/old.jsonl" "$TMPD/old.jsonl.bak"
# shellcheck disable=SC2086
"$VARLB" sweep $GRID --out "$TMPD/old.csv" --resume >/dev/null 2>"$TMPD/err"
[ $? -eq 1 ] && [ "$(wc -l <"$TMPD/err")" -eq 1 ] && grep -q 'other columns' "$TMPD/err" \
  && cmp -s "$TMPD/old.csv" "$TMPD/old.csv.bak" && cmp -s "$TMPD/old.jsonl" "$TMPD/old.jsonl.bak" \
  && pass "resume refuses another header: $(cat "$TMPD/err")" || fail "resume of another header: $(cat "$TMPD/err")"

# One naming rule for the files beside the CSV (sweep, summary, report):
# its name less a final .csv, then .jsonl (an --out with another ending
# keeps it), so summary finds and checks the JSON Lines sweep wrote.
"$VARLB" sweep --compressors streamingllm --ratios 0.4 --schedule 1,2,4 -d 16 \
  --out "$TMPD/plain.out" >/dev/null 2>"$TMPD/err" \
  && [ -s "$TMPD/plain.out.jsonl" ] && [ -s "$TMPD/plain.out.manifest.json" ] \
  && [ ! -e "$TMPD/plain.jsonl" ] \
  && pass "sweep --out plain.out writes plain.out.jsonl and plain.out.manifest.json" \
  || fail "sweep --out plain.out: $(ls "$TMPD" | grep plain) $(cat "$TMPD/err")"
sed 's/"streamingllm"/"streamingLLM"/' "$TMPD/plain.out.jsonl" >"$TMPD/edited" \
  && mv "$TMPD/edited" "$TMPD/plain.out.jsonl"
"$VARLB" summary "$TMPD/plain.out" >/dev/null 2>"$TMPD/err"
[ $? -ne 0 ] && grep -q 'plain.out.jsonl' "$TMPD/err" \
  && pass "summary checks the JSON Lines beside plain.out: $(head -1 "$TMPD/err")" \
  || fail "summary did not check plain.out.jsonl: $(cat "$TMPD/err")"

# A calibration that fails stops the sweep before any file is written
# (exit 1, one line), a head's and a whole model's alike.
for kind in "" "--layers 2 --heads 1"; do
  # shellcheck disable=SC2086
  "$VARLB" sweep $kind --compressor exec:/bin/false --calibrate --ratios 0.5 --schedule 1,2 \
    -d 8 --out "$TMPD/cal.csv" >/dev/null 2>"$TMPD/err"
  [ $? -eq 1 ] && [ "$(wc -l <"$TMPD/err")" -eq 1 ] && grep -q 'calibrate' "$TMPD/err" \
    && [ ! -e "$TMPD/cal.csv" ] && [ ! -e "$TMPD/cal.jsonl" ] && [ ! -e "$TMPD/cal.manifest.json" ] \
    && pass "sweep ${kind:-(a head)}: a failed calibration leaves no file: $(cat "$TMPD/err")" \
    || fail "sweep ${kind:-(a head)}: failed calibration: $(ls "$TMPD" | grep cal) $(cat "$TMPD/err")"
done

expect_usage_error "plot without --out" plot "$S"
expect_usage_error "plot bad extension" plot "$S" --out "$TMPD/x.jpg"
expect_usage_error "plot bad kind" plot "$S" --out "$TMPD/x.png" --kind pie
[ ! -e "$TMPD/x.csv" ] && pass "no file left by rejected sweeps" || fail "a rejected sweep wrote x.csv"
finish
