#!/bin/sh
# cli_ratedist.sh -- the achievability compressor through the channel (Bob's
# half in its own process with the blob and the public seed): accuracy at
# B = N/4 at least the issue's 0.765 and under the ceiling; and the accuracy
# chart's achieved frontier: ratedist's own rows when the data hold them,
# else the embedded 256px table, with the gap to the ceiling shaded.
. "$top_srcdir/tests/cli_lib.sh"

"$VARLB" attack --compressor ratedist --ratio 0.25 --json >"$TMPD/a.json" 2>"$TMPD/err" \
  && pass "ratedist attack runs" || fail "attack: $(cat "$TMPD/err")"
acc=$(json_get "$TMPD/a.json" accuracy)
ceil=$(json_get "$TMPD/a.json" fano_ceiling)
charged=$(json_get "$TMPD/a.json" bits_charged)
# (a failed trial's accuracy is null: numbers first, then awk compares them)
is_number "$acc" && is_number "$ceil" && awk -v a="$acc" -v c="$ceil" 'BEGIN { exit !(a >= 0.765 && a <= c) }' \
  && pass "accuracy $acc at N/4: >= 0.765, <= ceiling $ceil" || fail "accuracy '$acc', ceiling '$ceil'"
is_number "$charged" && [ "$charged" -le 6784 ] && [ "$charged" -gt $((6784 - 8)) ] \
  && pass "charged $charged bits of 6784: every whole byte" || fail "charged '$charged' of 6784"
grep -q '"verdict":"fails as the bound predicts"' "$TMPD/a.json" \
  && pass "verdict: fails as the bound predicts" || fail "verdict: $(cat "$TMPD/a.json")"

# col4 FILE X: the achieved-frontier column of the curve row nearest bits/N = X.
col4 () {
  awk -v x="$2" '!/^#/ { d = $1 - x; if (d < 0) d = -d; if (best == "" || d < best) { best = d; v = $4 } }
    END { print v }' "$1"
}
H="compressor,budget_bits,bits_charged,N,accuracy"
printf '%s\nkivi,6784,6784,27136,0.53\n' "$H" >"$TMPD/k.csv"
"$VARLB" plot "$TMPD/k.csv" --out "$TMPD/k.png" >/dev/null 2>"$TMPD/err" || fail "plot: $(cat "$TMPD/err")"
v=$(col4 "$TMPD/k.fano.dat" 0.5)
is_number "$v" && awk -v v="$v" 'BEGIN { exit !(v > 0.883 && v < 0.888) }' \
  && pass "no ratedist rows: the embedded curve, $v at N/2" || fail "embedded curve at N/2: '$v'"
grep -q "gap left to the optimum" "$TMPD/k.gp" && grep -q "with filledcurves" "$TMPD/k.gp" \
  && grep -q "embedded" "$TMPD/k.gp" \
  && pass "shaded gap, embedded curve named in the legend" || fail "legend: $(grep title "$TMPD/k.gp")"
printf '%s\nkivi,6784,6784,27136,0.53\nratedist:list=1,13568,13568,27136,0.8\n' "$H" >"$TMPD/r.csv"
"$VARLB" plot "$TMPD/r.csv" --out "$TMPD/r.png" >/dev/null 2>"$TMPD/err" || fail "plot: $(cat "$TMPD/err")"
v=$(col4 "$TMPD/r.fano.dat" 0.5)
is_number "$v" && awk -v v="$v" 'BEGIN { exit !(v > 0.798 && v < 0.802) }' \
  && pass "ratedist rows: the curve passes through them, $v at N/2" || fail "measured curve at N/2: '$v'"
grep -q "measured here" "$TMPD/r.gp" && pass "legend: measured here" \
  || fail "legend: $(grep title "$TMPD/r.gp")"
finish
