#!/bin/sh
# cli_prove.sh -- `varlb prove`: at d = 64 every sharpened lemma holds for the
# three presets while the paper's chain reports the larger d it needs; d = 4
# exits non-zero naming the failing lemma; --min-d tabulates; `varlb certify`
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

"$VARLB" prove --jl achlioptas --keys unit >/dev/null 2>"$TMPD/ach"; rc=$?
[ $rc -eq 1 ] && grep -q 'S2 (sub-Gaussian MGF) fails: this key family and norm are not covered' "$TMPD/ach" \
  && pass "unit Achlioptas keys: declared not covered" || fail "achlioptas unit: rc=$rc $(cat "$TMPD/ach")"

"$VARLB" prove --fail-prob 0.1 --preset 256 >/dev/null 2>&1; rc=$?
[ $rc -eq 1 ] && pass "target 0.1 below the 0.128 bound at 256px fails" || fail "fail-prob 0.1: rc=$rc"

"$VARLB" prove --C 64 --fail-prob 1e-6 >"$TMPD/c64" 2>&1 && pass "C = 64: bound below 1e-6" \
  || fail "C = 64: $(cat "$TMPD/c64")"

"$VARLB" prove --seq 4096 -d 64 >"$TMPD/seq" 2>&1 && grep -q "Bob's row decodes all 64 bits" "$TMPD/seq" \
  && pass "sequence case n = 4096, d = 64: Bob's one row holds" || fail "seq d=64: $(cat "$TMPD/seq")"
"$VARLB" prove --seq 4096 -d 8 >/dev/null 2>"$TMPD/seqe"; rc=$?
[ $rc -eq 1 ] && grep -q 'S4' "$TMPD/seqe" && pass "sequence case d = 8 < the bound's reach fails at S4" \
  || fail "seq d=8: rc=$rc $(cat "$TMPD/seqe")"
expect_usage_error "prove --seq with --min-d" prove --seq 100 --min-d

"$VARLB" prove --min-d >"$TMPD/mind" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q '^  256px ' "$TMPD/mind" && grep -q '^  1024px ' "$TMPD/mind" \
  && pass "min-d table" || fail "min-d: $(cat "$TMPD/mind")"
d256=$(awk '$1 == "256px" { print $6 }' "$TMPD/mind")
[ -n "$d256" ] && [ "$d256" -le 64 ] && [ "$d256" -gt 4 ] \
  && pass "256px gaussian sharpened min d = $d256 (default C) in (4, 64]" || fail "256px min d '$d256'"

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

echo "$checks checks, $fails failed"
[ "$fails" -eq 0 ]
