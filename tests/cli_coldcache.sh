#!/bin/sh
# cli_coldcache.sh -- the page cache's timing residue, which no system-call
# filter stops: Alice reads page 0 of the regions of her 1-bits in a cold
# file, Bob times one read per region (tests/compressors/sidedoor.py
# timing).  Without --cold-cache the bits it carries through the sandbox
# are measured and printed (the README quotes them); with --cold-cache (the
# host's caches dropped between the halves) it falls to chance, and an
# honest NumPy compressor gives the same answers at a cost printed here.
# --cold-cache needs the host's root: elsewhere it is refused in one line
# (checked), and the rest skips.  The caches are dropped by varlb itself,
# only under --cold-cache, never by this script.
. "$top_srcdir/tests/cli_lib.sh"
. "$top_srcdir/tests/sidedoor_lib.sh"

# --- the residue, measured: three trials.
total=0
for s in 1 2 3; do
  steady_on
  cold
  "$VARLB" attack $SMALL --seed $s $SEE --compressor "exec:$SD timing $DIR" --json \
    >"$TMPD/t$s" 2>"$TMPD/err"
  steady_off
  [ "$(row "$TMPD/t$s" status)" = ok ] || { fail "timing, seed $s: $(said "$TMPD/t$s") $(cat "$TMPD/err")"; continue; }
  total=$((total + $(bits "$TMPD/t$s")))
done
echo "note: the timing residue through the sandbox without --cold-cache: $total bits in 3 trials of N = 112 (accuracy $(row "$TMPD/t1" accuracy), $(row "$TMPD/t2" accuracy), $(row "$TMPD/t3" accuracy))"
[ "$total" -gt 0 ] && pass "timing residue without --cold-cache: $total of 336 bits in 3 trials" \
  || fail "timing residue: the probe found nothing even without --cold-cache ($total bits): it could not show --cold-cache closing it"

# --- --cold-cache where it cannot be had: one line, exit 2.
if command -v setpriv >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
  cp "$VARLB_JUDGE_KEY" "$TMPD/nobody.key"
  chown 65534:65534 "$TMPD/nobody.key"
  setpriv --reuid 65534 --regid 65534 --clear-groups \
    "$VARLB" attack $SMALL --no-sandbox --cold-cache --judge-key "$TMPD/nobody.key" \
    --compressor identity >"$TMPD/out" 2>"$TMPD/err"
  rc=$?
  [ $rc -eq 2 ] && [ "$(wc -l <"$TMPD/err")" -eq 1 ] && grep -q '^varlb: attack: --cold-cache' "$TMPD/err" \
    && pass "--cold-cache refused to a user: $(cat "$TMPD/err")" \
    || fail "--cold-cache as a user: rc=$rc $(cat "$TMPD/err")"
fi
if ! "$VARLB" attack $SMALL --cold-cache --compressor identity --json >"$TMPD/o" 2>"$TMPD/err"; then
  [ "$(wc -l <"$TMPD/err")" -eq 1 ] && grep -q '^varlb: attack: --cold-cache' "$TMPD/err" \
    && echo "--cold-cache is not possible here ($(cat "$TMPD/err")): skipping the rest" \
    || fail "--cold-cache refused without one line: $(cat "$TMPD/err")"
  finish
fi

# COUNT trials (seeds 1..COUNT) of compressor SPEC under --cold-cache, rows
# in $TMPD/PREFIX1...: every one ok, none judged impossible, each compress
# stderr holding NEED (when given), and their mean accuracy below LIMIT
# (4 sigma above chance); the mean in $TMPD/acc, the reason in $TMPD/perr.
cold_at_chance () { # PREFIX COUNT SPEC LIMIT [NEED]
  files=
  for s in $(seq "$2"); do
    cold
    "$VARLB" attack $SMALL --seed $s $SEE --cold-cache --compressor "$3" --json \
      >"$TMPD/$1$s" 2>"$TMPD/err"
    files="$files $TMPD/$1$s"
  done
  # shellcheck disable=SC2086
  "$PYTHON3" -c 'import json,sys
limit, need, fs = float(sys.argv[1]), sys.argv[2], sys.argv[3:]
rs = [json.loads(open(f).readline()) for f in fs]
assert all(r["status"] == "ok" for r in rs), [r.get("error") for r in rs]
assert not need or all(need in r["stderr_compress"] for r in rs), rs[0]["stderr_compress"]
acc = sum(r["accuracy"] for r in rs) / len(rs)
assert acc < limit, acc
assert not any(r["verdict"].startswith("impossible") for r in rs)
print("%.3f" % acc)' "$4" "${5:-}" $files >"$TMPD/acc" 2>"$TMPD/perr"
}

# --- the residue under --cold-cache: at chance (336 bits).
cold_at_chance c 3 "exec:$SD timing $DIR" 0.62 \
  && pass "timing residue under --cold-cache: mean accuracy $(cat "$TMPD/acc") over 3 trials ($(bits "$TMPD/c1"), $(bits "$TMPD/c2"), $(bits "$TMPD/c3") bits)" \
  || fail "timing residue under --cold-cache: $(cat "$TMPD/perr") $(said "$TMPD/c1")"

# --- a serve: compress worker keeps a mapping of the pages it touched:
# dropping the caches spares mapped pages, so it is ended first (224 bits).
cold_at_chance m 2 "serve:$SD maptiming $DIR" 0.65 "mapped the pages" \
  && pass "a serve: worker's mapped pages under --cold-cache: mean accuracy $(cat "$TMPD/acc") (the worker is ended before the drop)" \
  || fail "mapped pages under --cold-cache: $(cat "$TMPD/perr") $(said "$TMPD/m1")"

# --- one half on the host at a time: a --cold-cache sweep and a plain one,
# run together; each half of either says when it ran (0.4 s each).  No half
# of the plain sweep may run between a --cold-cache trial's Alice and Bob.
"$VARLB" sweep $SMALL --seeds 1,2,3 --cold-cache --compressor "exec:$SD clock" \
  --out "$TMPD/cc.csv" 2>"$TMPD/err" &
pid=$!
"$VARLB" sweep $SMALL --seeds 1,2,3,4,5,6 --compressor "exec:$SD clock" \
  --out "$TMPD/pl.csv" 2>>"$TMPD/err"
wait $pid
"$PYTHON3" -c 'import csv,re,sys
def spans(f, both):
    out = []
    for r in csv.DictReader(open(f)):
        assert r["status"] == "ok", r["error"]
        a = [float(x) for x in re.findall(r"ran ([0-9.]+) ([0-9.]+)", r["stderr_compress"])[0]]
        b = [float(x) for x in re.findall(r"ran ([0-9.]+) ([0-9.]+)", r["stderr_answer"])[0]]
        out += [(a[0], b[1])] if both else [tuple(a), tuple(b)]
    return out
cold, plain = spans(sys.argv[1], True), spans(sys.argv[2], False)
hits = [(c, p) for c in cold for p in plain if p[0] < c[1] and c[0] < p[1]]
assert not hits, hits
print(len(cold), len(plain))' "$TMPD/cc.csv" "$TMPD/pl.csv" >"$TMPD/n" 2>"$TMPD/perr" \
  && pass "one half at a time on the host: no half of a plain sweep ran inside a --cold-cache trial ($(cat "$TMPD/n") spans)" \
  || fail "halves inside a --cold-cache trial: $(cat "$TMPD/perr" "$TMPD/err")"

# --- an honest NumPy compressor: the same answers, and what it costs.
EX="exec:$PYTHON3 $top_srcdir/examples/external/topk_fp16.py"
for s in 1 2; do
  "$VARLB" attack $SMALL --seed $s --compressor "$EX" --json >"$TMPD/h$s" 2>"$TMPD/err"
  "$VARLB" attack $SMALL --seed $s --cold-cache --compressor "$EX" --json >"$TMPD/hc$s" 2>>"$TMPD/err"
done
"$PYTHON3" -c 'import json,sys
w, c = [], []
for s in ("1", "2"):
    a = json.loads(open(sys.argv[1] + "/h" + s).readline())
    b = json.loads(open(sys.argv[1] + "/hc" + s).readline())
    assert a["status"] == b["status"] == "ok", (a.get("error"), b.get("error"))
    assert a["correct"] == b["correct"], (a["correct"], b["correct"])
    w.append(a["wall_s"]); c.append(b["wall_s"])
print("%.0f ms a trial without, %.0f ms with" % (500 * sum(w), 500 * sum(c)))' "$TMPD" >"$TMPD/cost" 2>"$TMPD/perr" \
  && pass "an honest NumPy compressor under --cold-cache: the same answers; $(cat "$TMPD/cost")" \
  || fail "honest under --cold-cache: $(cat "$TMPD/perr") $(cat "$TMPD/err")"

finish
