#!/bin/sh
# cli_prove.sh -- `varlb prove`: at d = 64 every sharpened lemma holds for the
# three presets (unit Achlioptas keys too, through the exact sum) while the
# paper's chain reports the larger d it needs; d = 4
# exits non-zero naming the failing lemma; --min-d tabulates; `varlb lowdim`
# measures Corollary 9's e^{Theta(d)} capacity; `varlb certify`
# certifies the default instance; `demo --explain` walks through; bad options.
. "$top_srcdir/tests/cli_lib.sh"

for px in 256 512 1024; do
  "$VARLB" prove --preset $px -d 64 >"$TMPD/p$px" 2>&1; rc=$?
  n=$(grep -c '^  \[holds\] S[1-4]' "$TMPD/p$px")
  if [ $rc -eq 0 ] && [ "$n" -eq 4 ] && grep -q 'the sharpened chain holds' "$TMPD/p$px"; then
    pass "prove ${px}px d=64: all four sharpened lemmas hold"
  else
    fail "prove ${px}px d=64: rc=$rc, $n lemmas hold: $(cat "$TMPD/p$px")"
  fi
  need=$(sed -n 's/.*P1 Lemma 3.*i\.e\. d >= \([0-9]*\);.*/\1/p' "$TMPD/p$px")
  grep -q '^  \[FAILS\] P1' "$TMPD/p$px" && [ -n "$need" ] && [ "$need" -gt 64 ] \
    && pass "${px}px: the paper's chain needs d >= $need" || fail "${px}px: paper chain d missing"
done
grep -q 'd >= 8067' "$TMPD/p256" && pass "256px: 12 ln 424/0.009 = 8066.3 -> 8067" || fail "256px paper d"

"$VARLB" prove -d 4 >"$TMPD/d4" 2>"$TMPD/d4e"; rc=$?
[ $rc -eq 1 ] && grep -q '^varlb: prove: sharpened lemma S4 (Markov + union bound) fails' "$TMPD/d4e" \
  && [ "$(wc -l <"$TMPD/d4e")" -eq 1 ] \
  && pass "d = 4 fails naming S4: $(cat "$TMPD/d4e")" || fail "d = 4: rc=$rc $(cat "$TMPD/d4e")"

# Unit Achlioptas keys: S2 is the exact sum over support sizes (S2'), and
# the chain holds at d = 64 for every preset, fails at d = 4 naming S4.
for px in 256 512 1024; do
  "$VARLB" prove --jl achlioptas --keys unit --preset $px -d 64 >"$TMPD/ach" 2>&1; rc=$?
  [ $rc -eq 0 ] && grep -q "^  \[holds\] S2' exact MGF: unit Achlioptas keys" "$TMPD/ach" \
    && grep -q '^  \[holds\] S3 .*(the exact sum, rounded up)' "$TMPD/ach" \
    && grep -q 'the sharpened chain holds' "$TMPD/ach" \
    && pass "unit Achlioptas ${px}px d=64: the exact sum carries the chain" \
    || fail "achlioptas unit ${px}px: rc=$rc $(cat "$TMPD/ach")"
done
"$VARLB" prove --jl achlioptas --keys unit -d 513 >/dev/null 2>"$TMPD/ach513"; rc=$?
[ $rc -eq 1 ] && grep -q "^varlb: prove: sharpened lemma S2' (exact MGF) undecided: not evaluated above d = 512" "$TMPD/ach513" \
  && [ "$(wc -l <"$TMPD/ach513")" -eq 1 ] \
  && pass "unit Achlioptas d = 513: undecided, said so" || fail "achlioptas unit d=513: rc=$rc $(cat "$TMPD/ach513")"
"$VARLB" prove --jl achlioptas --keys unit -d 4 >/dev/null 2>"$TMPD/ach4"; rc=$?
[ $rc -eq 1 ] && grep -q 'sharpened lemma S4 (Markov + union bound) fails' "$TMPD/ach4" \
  && pass "unit Achlioptas d = 4 fails naming S4" || fail "achlioptas unit d=4: rc=$rc $(cat "$TMPD/ach4")"

"$VARLB" prove --fail-prob 0.1 --preset 256 >/dev/null 2>&1; rc=$?
[ $rc -eq 1 ] && pass "target 0.1 below the 0.121 bound at 256px fails" || fail "fail-prob 0.1: rc=$rc"

"$VARLB" prove --C 64 --fail-prob 1e-6 >"$TMPD/c64" 2>&1 && pass "C = 64: bound below 1e-6" \
  || fail "C = 64: $(cat "$TMPD/c64")"

"$VARLB" prove --seq 4096 -d 64 >"$TMPD/seq" 2>&1 && grep -q "Bob's row decodes all 64 bits" "$TMPD/seq" \
  && pass "sequence case n = 4096, d = 64: Bob's one row holds" || fail "seq d=64: $(cat "$TMPD/seq")"
"$VARLB" prove --seq 4096 -d 8 >/dev/null 2>"$TMPD/seqe"; rc=$?
[ $rc -eq 1 ] && grep -q 'S4' "$TMPD/seqe" && pass "sequence case d = 8 < the bound's reach fails at S4" \
  || fail "seq d=8: rc=$rc $(cat "$TMPD/seqe")"
expect_usage_error "prove --seq with --min-d" prove --seq 100 --min-d
# The sequence case's best-C line is Bob's one row, as its chain (S4) is:
# the bound it prints equals S4's upper end when the chain runs at that C.
best=$(sed -n 's/.*best C .*: C = \([0-9.e+-]*\) gives P\[row i fails\] <= \([0-9.e+-]*\) .*/\1 \2/p' "$TMPD/seq")
set -- $best
"$VARLB" prove --seq 4096 -d 64 --C "${1:-0}" >"$TMPD/seqc" 2>&1
s4=$(sed -n "s/.*S4 Markov (Bob's one row).* in \[[^,]*, \([0-9.e+-]*\)\].*/\1/p" "$TMPD/seqc")
[ -n "${2:-}" ] && [ "$2" = "$s4" ] && pass "seq best-C line is the single-row bound: C = $1, $2 = S4's $s4" \
  || fail "seq best C: '${best}' vs S4 '${s4}': $(grep -E 'best C|S4' "$TMPD/seq" "$TMPD/seqc")"

"$VARLB" prove --min-d >"$TMPD/mind" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q '^  256px ' "$TMPD/mind" && grep -q '^  1024px ' "$TMPD/mind" \
  && pass "min-d table" || fail "min-d: $(cat "$TMPD/mind")"
# Unit Gaussian through the exact 0F1 (checked independently with mpmath):
# d = 47 / 49 / 58 at the default C, 9 / 10 / 13 at the best C <= 100.
grep -q '^  256px .* 8067   47 / 9 ' "$TMPD/mind" && grep -q '^  512px .* 9472   49 / 10 ' "$TMPD/mind" \
  && grep -q '^  1024px .* 11448   58 / 13 ' "$TMPD/mind" \
  && pass "min-d, unit Gaussian: 47/9, 49/10, 58/13" || fail "min-d gaussian: $(cat "$TMPD/mind")"
d256=$(awk '$1 == "256px" { print $6 }' "$TMPD/mind")
[ -n "$d256" ] && [ "$d256" -le 64 ] && [ "$d256" -gt 4 ] \
  && pass "256px gaussian sharpened min d = $d256 (default C) in (4, 64]" || fail "256px min d '$d256'"
a256=$(awk '$1 == "256px" { print $12 }' "$TMPD/mind")
[ -n "$a256" ] && [ "$a256" -le 64 ] && [ "$a256" -gt 4 ] \
  && pass "256px unit Achlioptas min d = $a256 (default C) in (4, 64]" || fail "256px achlioptas min d '$a256': $(cat "$TMPD/mind")"

# lowdim (Corollary 9): capacities grow with d, saturate at the stream, and
# the fit runs over the unsaturated points.
if [ -z "$PYTHON3" ]; then
  skip "lowdim --json checks: python3 not found"
else
"$VARLB" lowdim --stream 1024 --dims 2,4,6,16 --seeds 1 --json >"$TMPD/ld" 2>&1 \
  && "$PYTHON3" - "$TMPD/ld" <<'EOF' && pass "lowdim: capacity grows with d, saturates at the stream, fit on 3 points" || fail "lowdim: $(cat "$TMPD/ld")"
import json, sys
j = json.load(open(sys.argv[1]))
caps = [r["capacity"][0] for r in j["rows"]]
assert [r["d"] for r in j["rows"]] == [2, 4, 6, 16]
assert 1 <= caps[0] < caps[1] < caps[2] < 1024 and caps[3] == 1024, caps
f = j["fit"]
assert f["points"] == 3 and f["slope_lo"] <= f["slope"] <= f["slope_hi"] and f["slope"] > 0.3, f
EOF
# The rate depends on C: every run reports its C, --Cs runs one fit per C,
# and a larger C never hides fewer keys (R_i falls with C for unit keys).
"$VARLB" lowdim --stream 1024 --dims 2,4,6 --seeds 1 --Cs 10,100 --json >"$TMPD/ldc" 2>&1 \
  && "$PYTHON3" - "$TMPD/ldc" <<'EOF' && pass "lowdim --Cs: one run per C, capacity grows with C" || fail "lowdim --Cs: $(cat "$TMPD/ldc")"
import json, sys
j = json.load(open(sys.argv[1]))
runs = j["runs"]
assert [r["C"] for r in runs] == [10, 100] and all(r["C_set"] for r in runs), runs
a, b = ([x["capacity"][0] for x in r["rows"]] for r in runs)
assert all(x <= y for x, y in zip(a, b)) and a != b, (a, b)
assert j["C"] == 10 and j["rows"] == runs[0]["rows"]
EOF
fi
"$VARLB" lowdim --stream 256 --dims 2,3 --seeds 5 >"$TMPD/ld2" 2>&1 && grep -q '^  fit over\|^  no fit' "$TMPD/ld2" \
  && grep -q '^  C = 13.86 (default' "$TMPD/ld2" \
  && pass "lowdim text report states C" || fail "lowdim text: $(cat "$TMPD/ld2")"
# Schedules far from a geometric pyramid hide N << n^2 d bits: decode and
# prove say so (1,2,64: 5 Alice tokens, N = 320 against n^2 d = 262144);
# VAR's presets and the halving pyramid do not trigger it.
"$VARLB" decode --schedule 1,2,64 >"$TMPD/n2d" 2>&1 && grep -q 'hides only N = 0.00122 n^2 d' "$TMPD/n2d" \
  && "$VARLB" prove --schedule 1,2,64 -d 64 2>&1 | grep -q 'not Omega(n^2 d)' \
  && ! "$VARLB" decode --preset 1024 -d 8 | grep -q 'hides only' \
  && ! "$VARLB" decode --n 16 -d 8 | grep -q 'hides only' \
  && pass "N << n^2 d noted for 1,2,64 only" || fail "n2d note: $(cat "$TMPD/n2d")"
expect_usage_error "lowdim --C with --Cs" lowdim --C 5 --Cs 5,6
expect_usage_error "lowdim --stream list" lowdim --stream 100,200
expect_usage_error "lowdim -d" lowdim -d 8
expect_usage_error "lowdim --dims 0" lowdim --dims 0,4
expect_usage_error "lowdim --stream 1" lowdim --stream 1
expect_usage_error "lowdim stray argument" lowdim extra
"$VARLB" lowdim -d 8 2>&1 | grep -q "lowdim: -d: not used here (.*the dimensions --dims LIST" && pass "lowdim -d names --dims" \
  || fail "lowdim -d message"

"$VARLB" certify >"$TMPD/cert" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q 'certified 27136 / 27136' "$TMPD/cert" \
  && pass "certify: every bit of the default instance" || fail "certify: rc=$rc $(cat "$TMPD/cert")"
"$VARLB" certify --schedule 1,2,3,4,6 -d 3 >"$TMPD/c3" 2>"$TMPD/c3e"; rc=$?
[ $rc -eq 1 ] && grep -q 'not certified: token' "$TMPD/c3" && grep -q 'not certified' "$TMPD/c3e" \
  && pass "certify d = 3 refuses bits: $(cat "$TMPD/c3e")" || fail "certify d=3: rc=$rc"

"$VARLB" demo --explain >"$TMPD/ex" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q 'Step 7' "$TMPD/ex" && grep -q '(dropped)' "$TMPD/ex" \
  && pass "demo --explain walks through" || fail "explain: rc=$rc $(head -5 "$TMPD/ex")"

"$VARLB" help demo | grep -q -- '--explain' && pass "help demo lists --explain" || fail "help demo lacks --explain"
"$VARLB" help prove | grep -q -- '--fail-prob P' && pass "help prove" || fail "help prove"

expect_usage_error "prove bad fail-prob" prove --fail-prob 2
expect_usage_error "prove bad option" prove --bogus
expect_usage_error "prove stray argument" prove extra
expect_usage_error "certify bad d" certify -d 0
expect_usage_error "explain bad row" explain --row 99

finish
