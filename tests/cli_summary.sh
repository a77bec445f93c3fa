#!/bin/sh
# cli_summary.sh -- varlb summary: pooled correct/bits equals the hand sum
# of a real 3-seed sweep, identity decodes every instance and its interval
# over 3 instances is [((1-L)/2)^(1/3), 1] at two levels, the interval over
# the pooled bits and the seeds' spread are readable at 2 seeds, a failed
# row is counted in failed and left out of the statistics, an impossible
# row makes the group impossible, --json lines parse, and bad input exits 1
# or 2 with one line.  The hand-written files here have the columns of a
# file written before MACs (read unverified, re-judged from their counts);
# tests/cli_verdicts.sh checks signed files.
. "$top_srcdir/tests/cli_lib.sh"

S="$TMPD/s.csv"
"$VARLB" sweep --n 4 -d 8 --compressors identity,streamingllm --ratios 0.25 --seeds 1,2,3 \
  --out "$S" 2>"$TMPD/err" && pass "3-seed sweep runs" || fail "sweep: $(cat "$TMPD/err")"
grep -q "varlb summary $S" "$TMPD/err" && pass "sweep's last line points at varlb summary" \
  || fail "sweep line: $(cat "$TMPD/err")"

# One JSON line per group: identity and streamingllm.
"$VARLB" summary "$S" --json >"$TMPD/j" 2>"$TMPD/err" \
  && [ "$(wc -l <"$TMPD/j")" -eq 2 ] && pass "two groups, one JSON line each" \
  || fail "summary --json: $(cat "$TMPD/err")"

# jget COMPRESSOR KEY: a value from the JSON lines (no python needed).
jget () {
  grep "\"compressor\":\"$1\"" "$TMPD/j" | sed -n "s/.*\"$2\":\\([^,}]*\\).*/\\1/p"
}
# (1) pooled correct / bits equal the sums over the CSV's rows (awk with a
# CSV splitter that respects the quoted schedule "1,2,4").
for comp in identity streamingllm; do
  want=$(awk -v c="$comp" '
    function split_csv(line, f,   n, i, ch, q, cur) {
      n = 0; cur = ""; q = 0
      for (i = 1; i <= length(line); i++) {
        ch = substr(line, i, 1)
        if (ch == "\"") q = !q
        else if (ch == "," && !q) { f[++n] = cur; cur = "" }
        else cur = cur ch
      }
      f[++n] = cur; return n
    }
    NR == 1 { n = split_csv($0, h); for (i = 1; i <= n; i++) col[h[i]] = i; next }
    { split_csv($0, f); if (f[col["compressor"]] == c) { b += f[col["bits_tested"]]; k += f[col["correct"]] } }
    END { print k, b }' "$S")
  gc=$(jget "$comp" correct) gb=$(jget "$comp" bits)
  # (numbers both, bits positive: a failed summary and an empty CSV would
  # give two empty sums that agree)
  is_number "$gc" && is_number "$gb" && [ "$gb" -gt 0 ] && [ "$want" = "$gc $gb" ] \
    && pass "$comp: pooled correct/bits = hand sum ($gc $gb)" \
    || fail "$comp: pooled '$gc $gb', hand sum '$want'"
done

# (2) identity decodes every bit of every instance: full = instances = 3,
# CP over instances for 3/3 is [(0.025)^(1/3), 1] at 0.95, [(0.005)^(1/3), 1] at 0.99.
close4 () {
  is_number "$1" && is_number "$2" && awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; exit !(d < 5e-5 && d > -5e-5) }'
}
lo=$(jget identity full_ci_low); hi=$(jget identity full_ci_high)
want=$(awk 'BEGIN { printf "%.6f", 0.025 ^ (1 / 3) }')
[ "$(jget identity full)" = 3 ] && [ "$(jget identity instances)" = 3 ] \
  && close4 "$lo" "$want" && [ "$hi" = 1 ] \
  && pass "identity: full 3/3, interval [$lo, $hi] = [$want, 1]" \
  || fail "identity: full $(jget identity full), interval [$lo, $hi], want [$want, 1]"
# The accuracy interval is over instances too: three instances at accuracy 1
# give Hoeffding's [0.025^(1/3), 1] (the same as Clopper-Pearson's 3 of 3).
lo=$(jget identity ci_low)
close4 "$lo" "$want" && [ "$(jget identity ci_high)" = 1 ] \
  && pass "identity: accuracy interval over 3 instances [$lo, 1]" || fail "identity acc ci: $lo, want $want"
"$VARLB" summary --level 0.99 "$S" --json >"$TMPD/j" 2>"$TMPD/err" || fail "--level 0.99"
lo=$(jget identity full_ci_low); want=$(awk 'BEGIN { printf "%.6f", 0.005 ^ (1 / 3) }')
close4 "$lo" "$want" && pass "--level 0.99: lower end $lo = $want" || fail "--level 0.99: $lo, want $want"

# The text table: a header, one row per group, the legend.
"$VARLB" summary "$S" >"$TMPD/t" 2>"$TMPD/err" \
  && head -1 "$TMPD/t" | grep -q '^schedule 1,2,4, d = 8, jl gaussian' \
  && grep -q '^  identity  *10  *[0-9.]*  *3  *1\.0000 ' "$TMPD/t" \
  && grep -q 'independent' "$TMPD/t" \
  && pass "text table with header, rows and legend" || fail "text table: $(cat "$TMPD/t" "$TMPD/err")"

# (3) A hand-written CSV: seed 2 crashed (counted in failed, left out of
# every statistic), and another group where one row says impossible.
H=$(head -1 "$S" | sed 's/,length_bits,bits_judged,p_value,mac$//')
[ "$H" != "$(head -1 "$S")" ] || fail "the sweep's header has no length_bits..mac columns to cut: $H"
cat >"$TMPD/h.csv" <<EOF
$H
"h2o",10,10,40,40,30,0.75,0.5,0.9,0.8,0.6,,"fails as the bound predicts",false,"ok","",1,"1,2,4",8,"gaussian","unit","01",7.5,"",,,,,0,0.5,3,7,"k","sandbox",0,"",0.01,"",""
"h2o",10,10,40,,,,,,0.8,0.6,,"compressor failed",false,"crash","boom",2,"1,2,4",8,"gaussian","unit","01",7.5,"",,,,,0,0.5,3,7,"k","sandbox",0,"",0.01,"",""
"h2o",10,10,40,40,33,0.825,0.7,0.95,0.8,0.6,,"above the Fano ceiling, not significant",false,"ok","",3,"1,2,4",8,"gaussian","unit","01",7.5,"",,,,,0,0.5,3,7,"k","sandbox",0,"",0.01,"",""
"kivi",10,10,40,40,20,0.5,0.3,0.7,0.8,0.6,,"fails as the bound predicts",false,"ok","",1,"1,2,4",8,"gaussian","unit","01",7.5,"",,,,,0,0.5,3,7,"k","sandbox",0,"",0.01,"",""
"kivi",10,10,40,40,40,1,0.9,1,0.8,0.6,,"impossible at this budget: side channel or miscounted bits (above the Fano ceiling with 99% confidence)",false,"ok","",2,"1,2,4",8,"gaussian","unit","01",7.5,"",,,,,0,0.5,3,7,"k","sandbox",0,"",0.01,"",""
EOF
"$VARLB" summary "$TMPD/h.csv" --json >"$TMPD/j" 2>"$TMPD/err" || fail "hand CSV: $(cat "$TMPD/err")"
[ "$(jget h2o failed)" = 1 ] && [ "$(jget h2o instances)" = 2 ] && [ "$(jget h2o bits)" = 80 ] \
  && [ "$(jget h2o correct)" = 63 ] && [ "$(jget h2o above_ceiling)" = 1 ] \
  && [ "$(jget h2o unverified)" = 3 ] \
  && grep '"h2o"' "$TMPD/j" | grep -q '"verdict":"above the Fano ceiling, not significant"' \
  && pass "crashed row: failed 1, instances 2, 63/80 bits, 1 above the ceiling, all unverified" \
  || fail "crashed row: $(cat "$TMPD/j")"
grep '"kivi"' "$TMPD/j" | grep -q '"verdict":"impossible' && [ "$(jget kivi full)" = 1 ] \
  && pass "one impossible row makes the group impossible" || fail "impossible group: $(cat "$TMPD/j")"

# (6) Verdicts are recomputed, never read: the hand CSV's h2o row 1 claims
# impossible (30 of 40 bits at 10 charged is not), and a --sample row of the
# issue's honest hash scheme (4 tokens of 424, all 256 bits right, 17840
# bits charged) carries the old bit-level verdict (its 4 tokens, all right,
# are above the ceiling but prove nothing).  Both disagree: one line naming
# rows 1 and 6, exit 1, the summary still printed with the recomputed
# verdicts, and verdict_disagreements in the JSON.
IMP='impossible at this budget: side channel or miscounted bits (above the Fano ceiling with 99% confidence)'
sed -e "2s/\"fails as the bound predicts\"/\"$IMP\"/" "$TMPD/h.csv" >"$TMPD/t.csv"
echo "\"hash\",17840,17840,27136,256,256,1,0.98,1,0.936,0.83,,\"$IMP\",false,\"ok\",\"\",5,\"1,2,3,4,5,6,8,10,13,16\",64,\"gaussian\",\"unit\",\"01\",16.3,\"\",,,,,0,0,0,7,\"k\",\"sandbox\",0,\"\",0.01,\"\",\"\"" >>"$TMPD/t.csv"
"$VARLB" summary "$TMPD/t.csv" --json >"$TMPD/j" 2>"$TMPD/err"
rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <"$TMPD/err")" -eq 1 ] \
  && grep -q "^varlb: summary: 2 rows' stored verdict disagrees with their numbers (rows 1, 6): recomputed verdicts used" "$TMPD/err" \
  && [ "$(jget h2o verdict_disagreements)" = 1 ] && [ "$(jget hash verdict_disagreements)" = 1 ] \
  && grep '"hash"' "$TMPD/j" | grep -q '"verdict":"above the Fano ceiling, not significant"' \
  && [ "$(jget hash sampled)" = 1 ] && [ "$(jget hash flagged)" = 0 ] \
  && grep '"h2o"' "$TMPD/j" | grep -q '"verdict":"above the Fano ceiling, not significant"' \
  && pass "stored verdicts recomputed: $(cat "$TMPD/err")" \
  || fail "tampered verdicts: rc=$rc $(cat "$TMPD/err" "$TMPD/j")"
"$VARLB" summary "$TMPD/h.csv" >/dev/null 2>"$TMPD/err" && [ ! -s "$TMPD/err" ] \
  && pass "consistent verdicts: exit 0, no complaint" || fail "consistent file: $(cat "$TMPD/err")"

# (7) Holm across the file: 34 of 40 bits at 10 charged (judged at 10.03
# bits) is flagged alone (p = 2^10.03 P[Bin(40, 1/2) >= 34] = 0.0044 <= 0.01)
# but not among 9 tests (8 rows and the 7 lz rows pooled: 0.01/9); 35 of 40
# (p = 0.00072) survives.
row () { # COMPRESSOR CORRECT VERDICT SEED [SIDE_CHANNEL_BITS]
  echo "\"$1\",10,10,40,40,$2,0.5,0.3,0.7,0.8,0.6,,\"$3\",false,\"ok\",\"\",$4,\"1,2,4\",8,\"gaussian\",\"unit\",\"01\",7.5,\"\",,,,,0,0.5,3,7,\"k\",\"sandbox\",${5:-0},\"\",0.01,\"\",\"\""
}
{ head -1 "$TMPD/h.csv"
  for i in 1 2 3 4 5 6 7; do row lz 20 "fails as the bound predicts" $i; done
  row odd 34 "$IMP" 1
} >"$TMPD/holm.csv"
"$VARLB" summary "$TMPD/holm.csv" --json >"$TMPD/j" 2>"$TMPD/err" \
  && [ "$(jget odd flagged)" = 1 ] && [ "$(jget odd flagged_holm)" = 0 ] \
  && ! grep '"odd"' "$TMPD/j" | grep -q '"verdict":"impossible' \
  && pass "flagged alone, not after Holm over 8 rows" || fail "Holm: $(cat "$TMPD/j" "$TMPD/err")"
sed -e 's/"odd",10,10,40,40,34/"odd",10,10,40,40,35/' "$TMPD/holm.csv" >"$TMPD/holm2.csv"
"$VARLB" summary "$TMPD/holm2.csv" --json >"$TMPD/j" 2>"$TMPD/err" \
  && [ "$(jget odd flagged_holm)" = 1 ] && grep '"odd"' "$TMPD/j" | grep -q '"verdict":"impossible' \
  && pass "35 of 40 survives Holm" || fail "Holm 35/40: $(cat "$TMPD/j" "$TMPD/err")"

# (9) side_channel_bits (when a file has the column) is added to the bits
# the verdict is judged on: 40 of 40 at 10 bits charged is impossible, at
# 10 + 25 judged it is not (p = 2^35 / 2^40), and a row saying so agrees
# with its numbers.
{ head -1 "$TMPD/h.csv"
  for i in 1 2 3 4 5 6 7; do row lz 20 "fails as the bound predicts" $i 25; done
  row odd 40 "above the Fano ceiling, not significant" 1 25
} >"$TMPD/side.csv"
"$VARLB" summary "$TMPD/side.csv" --json >"$TMPD/j" 2>"$TMPD/err" \
  && [ "$(jget odd flagged)" = 0 ] && [ ! -s "$TMPD/err" ] \
  && pass "side_channel_bits raises the bits judged" || fail "side channel: $(cat "$TMPD/err" "$TMPD/j")"

# (11) A whole model's row is judged as its trial was, one stratum per head
# (layers x heads): 1 layer x 2 heads, 10 of each head's 14 tokens asked
# (160 bits), 142 right at 8 bits charged (within the budget of 8: 13.0284
# bits judged with the 5 of side channel).  With a stratum per head
# p = 0.0118: above the Fano ceiling, not significant; taken as one stratum
# of 20 tokens of 28 (the layers alone) p = 0.0075, impossible.  The row
# that says "above ..., not significant" agrees with its numbers.
"$VARLB" sweep --layers 1 --heads 2 --schedule 1,2,3,4 -d 8 --sample 10 --budgets 8 --seeds 1,2 \
  --compressors snapkv --no-timing --out "$TMPD/m.csv" >/dev/null 2>"$TMPD/err"
# (An edited row fails its MAC: the edit is made on a copy in the columns
# of a file from before MACs, which summary reads unverified and re-judges.)
"$PYTHON3" "$top_srcdir/tests/rows_edit.py" unsign "$TMPD/m.csv" "$TMPD/m1.csv"
sed -e '2s/^"snapkv",8,[0-9]*,224,160,[0-9]*,/"snapkv",8,8,224,160,142,/' \
  -e '2s/"fails as the bound predicts",true,/"above the Fano ceiling, not significant",false,/' \
  "$TMPD/m1.csv" >"$TMPD/m2.csv"
if [ "$(sed -n 2p "$TMPD/m2.csv" | cut -d, -f1-6)" = '"snapkv",8,8,224,160,142' ] \
   && sed -n 2p "$TMPD/m2.csv" | grep -q '"above the Fano ceiling, not significant",false,.*,1,2,[0-9]*,[0-9]*,' \
   && [ "$(wc -l <"$TMPD/m2.csv")" -eq 3 ]; then
  "$VARLB" summary "$TMPD/m2.csv" --json >"$TMPD/j" 2>"$TMPD/err"
  rc=$?
  [ $rc -eq 0 ] && [ ! -s "$TMPD/err" ] && [ "$(jget snapkv verdict_disagreements)" = 0 ] \
    && [ "$(jget snapkv sampled)" = 2 ] && [ "$(jget snapkv flagged)" = 0 ] \
    && pass "a sampled model row is judged with a stratum per head (layers x heads)" \
    || fail "model row strata: rc=$rc $(cat "$TMPD/err" "$TMPD/j")"
else
  fail "model row strata: the sweep's row is not the one to edit: $(cat "$TMPD/err"; sed -n 2p "$TMPD/m2.csv")"
fi

# (8) The default table fits 100 columns, --wide shows the verdicts in full.
"$VARLB" summary "$TMPD/holm2.csv" >"$TMPD/t" 2>"$TMPD/err" \
  && [ -z "$(awk 'length > 100' "$TMPD/t")" ] && grep -q 'IMPOSSIBLE' "$TMPD/t" \
  && pass "default table within 100 columns" || fail "narrow table: $(cat "$TMPD/t")"
"$VARLB" summary --wide "$TMPD/holm2.csv" >"$TMPD/t" 2>"$TMPD/err" \
  && grep -q 'impossible at this budget: side channel' "$TMPD/t" \
  && pass "--wide shows full verdicts" || fail "--wide: $(cat "$TMPD/t" "$TMPD/err")"

# (10) Efficiency: the frontier's bits for the pooled accuracy over the mean
# bits charged; identity keeps 32 N for what N bits buy: 1/32.
if [ -n "$PYTHON3" ]; then
  "$VARLB" summary "$S" --json | "$PYTHON3" -c '
import json, sys
g = {r["compressor"]: r for r in map(json.loads, sys.stdin)}
i = g["identity"]
assert i["accuracy"] == 1 and abs(i["efficiency"] - 1 / i["ratio"]) < 1e-12, i
assert 0 <= g["streamingllm"]["efficiency"] < 1, g["streamingllm"]
' && pass "efficiency per group (identity: 1 / its ratio)" || fail "efficiency: $("$VARLB" summary "$S" --json)"
else
  skip "efficiency per group: python3 not found"
fi

# (5) Every --json line is JSON.
if [ -n "$PYTHON3" ]; then
  "$VARLB" summary "$S" --json | "$PYTHON3" -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
assert len(rows) == 2 and all(0 <= r["ci_low"] <= r["mean_instance_accuracy"] <= r["ci_high"] <= 1 for r in rows)
assert all(r["ci_unit"] == "instances" for r in rows)
' && pass "--json lines parse; ci_low <= mean accuracy <= ci_high, over instances" || fail "--json lines do not parse"
  # over_budget counts the group's rows flagged over_budget in the CSV.
  "$VARLB" summary "$S" --json | "$PYTHON3" -c '
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
groups = [json.loads(l) for l in sys.stdin]
assert len(groups) == 2 and len(rows) == 6, (groups, len(rows))
for g in groups:
    want = sum(r["compressor"] == g["compressor"] and r["over_budget"] == "true" for r in rows)
    assert g["over_budget"] == want, (g["compressor"], g["over_budget"], want)
' "$S" && pass "over_budget counts the flagged rows" || fail "over_budget count"
else
  skip "--json lines parse, over_budget counts: python3 not found"
fi

# (11) Readable at a few seeds (issue 22): beside the interval over
# instances (Hoeffding: [0.006, 0.994] at 2-3 seeds), the Clopper-Pearson
# interval over the pooled bits (here recomputed by bisection on exact
# binomial sums) and the seeds' spread, the lowest and highest accuracy of
# one row; the table shows both.
if [ -n "$PYTHON3" ]; then
  "$VARLB" summary "$S" --json | "$PYTHON3" -c '
import csv, json, sys
from math import comb
def cdf(k, n, p):   # P[Bin(n, p) <= k]
    return sum(comb(n, j) * p ** j * (1 - p) ** (n - j) for j in range(k + 1))
def cp(k, n, a=0.025):
    lo, hi = 0.0, 1.0
    if k > 0:
        l, h = 0.0, 1.0
        for _ in range(60):
            m = (l + h) / 2
            if 1 - cdf(k - 1, n, m) < a: l = m
            else: h = m
        lo = h
    if k < n:
        l, h = 0.0, 1.0
        for _ in range(60):
            m = (l + h) / 2
            if cdf(k, n, m) > a: l = m
            else: h = m
        hi = l
    return lo, hi
rows = list(csv.DictReader(open(sys.argv[1])))
for g in map(json.loads, sys.stdin):
    acc = [float(r["accuracy"]) for r in rows if r["compressor"] == g["compressor"]]
    lo, hi = cp(g["correct"], g["bits"])
    assert abs(g["bits_ci_low"] - lo) < 1e-6 and abs(g["bits_ci_high"] - hi) < 1e-6, (g, lo, hi)
    assert g["spread_min"] == min(acc) and g["spread_max"] == max(acc), (g, acc)
    assert g["bits_ci_high"] - g["bits_ci_low"] < 0.3 < g["ci_high"] - g["ci_low"], g
' "$S" && "$VARLB" summary "$S" | grep -q 'acc_ci(bits) spread(seeds)' \
    && pass "per group: Clopper-Pearson over the pooled bits and the seeds' spread" \
    || fail "bits interval / spread: $("$VARLB" summary "$S" --json)"
fi

# (4) Bad input: missing column and unreadable file exit 1, one line.
cut -d, -f1-5 "$S" | head -1 >"$TMPD/cut.csv"
"$VARLB" summary "$TMPD/cut.csv" >"$TMPD/out" 2>"$TMPD/err"
[ $? -eq 1 ] && [ "$(wc -l <"$TMPD/err")" -eq 1 ] && grep -q "no column 'correct'" "$TMPD/err" \
  && [ ! -s "$TMPD/out" ] && pass "missing column: $(cat "$TMPD/err")" || fail "missing column: $(cat "$TMPD/err")"
"$VARLB" summary "$TMPD/nosuch.csv" >"$TMPD/out" 2>"$TMPD/err"
[ $? -eq 1 ] && [ "$(wc -l <"$TMPD/err")" -eq 1 ] && [ ! -s "$TMPD/out" ] \
  && pass "unreadable file: $(cat "$TMPD/err")" || fail "unreadable file: $(cat "$TMPD/err")"
expect_usage_error "summary unknown option" summary "$S" --frobnicate
expect_usage_error "summary bad level" summary "$S" --level 1.5
expect_usage_error "summary without a file" summary
expect_usage_error "summary two files" summary "$S" "$S"
finish
