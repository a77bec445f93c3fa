#!/bin/sh
# cli_verdicts.sh -- verdicts a careful cheat cannot pass, rows no one
# without the judge key can edit (README "How to read verdicts").
#  - A stealth compressor (tests/compressors/stealth.c) passes Alice's cache
#    to Bob through a stash open under --no-sandbox and dials his accuracy to
#    the ceiling + a margin: at + 0.004 one row is impossible; at + 0.001 one
#    row is "above the Fano ceiling, not significant", and 8 seeds pooled are
#    impossible, in sweep's closing line and in summary.
#    varlb report pools the group alike.
#  - An honest compressor near its ceiling (ratedist, 0.003-0.006 below it)
#    is never flagged over 40 seeds, alone or pooled (summary and report).
#  - Edited rows (accuracy, a CI, a MAC, a JSON line) are refused by summary
#    and --resume with the files byte for byte untouched; a row the key's
#    holder edits and signs again passes the MAC but not the figures (or,
#    when the figures are right, passes: the holder can re-sign); another
#    key's file and a file from before MACs are read, every row unverified.
#  - A blob whose length depends on the data is judged at its budget's
#    whole bytes (over the budget: at its bits, its length's and 6).
#  - Whole models' rows and head rows are signed and checked alike, and
#    scaling's rows carry their MAC.
. "$top_srcdir/tests/cli_lib.sh"
[ -n "$PYTHON3" ] || { echo "python3 not found: skipping"; exit 77; }
STEALTH=$(cd "$top_builddir/tests/compressors" 2>/dev/null && pwd)/stealth
[ -x "$STEALTH" ] || { echo "FAIL $STEALTH not built (make check builds it)"; exit 1; }
[ -f "$VARLB_JUDGE_KEY" ] || "$VARLB" attack --compressor identity --budget 8 --schedule 1,2 -d 2 \
  >/dev/null 2>&1
[ -s "$VARLB_JUDGE_KEY" ] || { echo "FAIL no judge key at $VARLB_JUDGE_KEY"; exit 1; }
mkdir -p "$TMPD/stash"
# jv FILE KEY [LINE]: a value of the JSON object on line LINE (default 1).
jv () { "$PYTHON3" -c 'import json,sys; print(json.loads(open(sys.argv[1]).readlines()[int(sys.argv[3])-1])[sys.argv[2]])' "$1" "$2" "${3:-1}"; }

# --- the careful cheat --------------------------------------------------
ST="exec:$STEALTH $TMPD/stash"
"$VARLB" attack --no-sandbox --budget 8 --compressor "$ST 1000000" --json >"$TMPD/all" 2>"$TMPD/err"
F=$(jv "$TMPD/all" fano_ceiling); N=$(jv "$TMPD/all" N)
[ "$(jv "$TMPD/all" accuracy)" = 1 ] && [ "$(jv "$TMPD/all" bits_charged)" = 8 ] \
  && pass "stealth reaches its stash without the sandbox: every bit right, 8 bits charged" \
  || fail "stealth: $(cat "$TMPD/all" "$TMPD/err")"
count () { "$PYTHON3" -c 'import math,sys; print(math.ceil((float(sys.argv[1]) + float(sys.argv[2])) * int(sys.argv[3])))' "$F" "$1" "$N"; }
T4=$(count 0.004); T1=$(count 0.001)
"$VARLB" attack --no-sandbox --budget 8 --compressor "$ST $T4" --json >"$TMPD/a4" 2>"$TMPD/err"
"$VARLB" attack --no-sandbox --budget 8 --compressor "$ST $T4" >"$TMPD/a4.txt" 2>>"$TMPD/err"
"$PYTHON3" -c 'import json,sys
r = json.loads(open(sys.argv[1]).readline())
assert r["correct"] == int(sys.argv[2]) and r["bits_judged"] < 14, r
assert r["verdict"].startswith("impossible") and r["p_value"] <= 0.01 and r["efficiency"] > 1, r' \
  "$TMPD/a4" "$T4" && grep -q 'ABOVE 100%' "$TMPD/a4.txt" \
  && pass "ceiling + 0.004 ($T4 of $N bits at $(jv "$TMPD/a4" bits_judged) bits judged): impossible, p = $(jv "$TMPD/a4" p_value), efficiency above 1 flagged" \
  || fail "ceiling + 0.004: $(cat "$TMPD/a4" "$TMPD/a4.txt" "$TMPD/err")"
"$VARLB" attack --no-sandbox --budget 8 --compressor "$ST $T1" --json >"$TMPD/a1" 2>"$TMPD/err"
"$PYTHON3" -c 'import json,sys
r = json.loads(open(sys.argv[1]).readline())
assert r["correct"] == int(sys.argv[2]) and r["p_value"] > 0.01, r
assert r["verdict"] == "above the Fano ceiling, not significant", r["verdict"]' "$TMPD/a1" "$T1" \
  && pass "ceiling + 0.001: one row is above the ceiling, not significant (p = $(jv "$TMPD/a1" p_value))" \
  || fail "ceiling + 0.001: $(cat "$TMPD/a1" "$TMPD/err")"
"$VARLB" sweep --no-sandbox --budgets 8 --seeds 1,2,3,4,5,6,7,8 --compressor "$ST $T1" \
  --out "$TMPD/st.csv" --no-timing 2>"$TMPD/err"
grep -q '8 above the Fano ceiling (0 impossible alone at 1%.*pooled over seeds: 1 of 1 group impossible after Holm' "$TMPD/err" \
  && pass "8 seeds at + 0.001: the sweep's closing line says the pooled group is impossible" \
  || fail "sweep closing line: $(cat "$TMPD/err")"
# One ceiling everywhere: summary's is the rows' own, at the bits judged
# (13.03), not at the 8 bits charged.
"$VARLB" summary "$TMPD/st.csv" --json >"$TMPD/sj" 2>"$TMPD/err" \
  && "$PYTHON3" -c 'import csv,json,sys
g = json.loads(open(sys.argv[1]).readline())
rows = list(csv.DictReader(open(sys.argv[2])))
assert g["instances"] == 8 and g["flagged"] == 0 and g["unverified"] == 0, g
assert g["pooled_instances"] == 8 and g["pooled_impossible"] and g["pooled_p_value"] < 1e-6, g
assert g["verdict"].startswith("impossible") and g["efficiency_above_1"], g
assert abs(g["fano_ceiling"] - float(rows[0]["fano_ceiling"])) < 1e-12, g
assert abs(g["bits_judged"] - float(rows[0]["bits_judged"])) < 1e-9, g' "$TMPD/sj" "$TMPD/st.csv" \
  && "$VARLB" summary "$TMPD/st.csv" | grep -q ' 0/0  IMPOSSIBLE$' \
  && pass "summary: 8 rows none flagged alone, pooled p = $(jv "$TMPD/sj" pooled_p_value): IMPOSSIBLE" \
  || fail "summary of the stealth sweep: $(cat "$TMPD/sj" "$TMPD/err")"
# The same rows twice (a file concatenated with itself): one instance per
# (judge key, seed), so the pool is the same 8 instances, not 16.
{ cat "$TMPD/st.csv"; tail -n +2 "$TMPD/st.csv"; } >"$TMPD/dup.csv"
"$VARLB" summary "$TMPD/dup.csv" --json 2>"$TMPD/err" | "$PYTHON3" -c 'import json,sys
g = json.loads(sys.stdin.readline())
want = float(sys.argv[1])
assert g["instances"] == 16 and g["pooled_instances"] == 8 and g["pooled_p_value"] == want, (g, want)' \
  "$(jv "$TMPD/sj" pooled_p_value)" \
  && pass "rows sharing a judge key and seed pooled once" || fail "duplicates pooled: $(cat "$TMPD/err")"
# The accuracy chart puts each point at its bits judged, where its ceiling is.
VARLB_GNUPLOT= "$VARLB" plot "$TMPD/st.csv" --out "$TMPD/st.svg" >/dev/null 2>&1
"$PYTHON3" -c 'import sys
x = float(open(sys.argv[1]).read().split("\n")[1].split()[0])
assert abs(x - 13.0284 / 27136) < 1e-9, x' "$TMPD/st.dat" && grep -q "xlabel 'bits judged" "$TMPD/st.gp" \
  && pass "the accuracy chart's x is the bits judged over N, and says so" \
  || fail "chart x: $(head -3 "$TMPD/st.dat"; grep xlabel "$TMPD/st.gp")"

# varlb report pools the same group over its seeds: the leaderboard's
# verdict and a banner say impossible, where every row alone is within chance.
"$VARLB" report "$TMPD/st.csv" --out "$TMPD/st.html" >/dev/null 2>"$TMPD/err"; rc=$?
[ $rc -eq 0 ] && grep -q 'id="pooled"' "$TMPD/st.html" \
  && grep -q '1 group of rows pooled over seeds beats the Fano ceiling' "$TMPD/st.html" \
  && ! grep -q 'survives Holm over the page' "$TMPD/st.html" \
  && pass "report: the 8 seeds pooled are impossible there too (no row alone)" \
  || fail "report of the stealth sweep: rc=$rc $(cat "$TMPD/err")"

# --- an honest compressor near its ceiling -------------------------------
"$VARLB" sweep --compressors ratedist --ratios 0.02 --seeds "$(seq -s, 1 40)" --out "$TMPD/rd.csv" \
  --no-timing 2>"$TMPD/err"
"$PYTHON3" -c 'import csv,sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 40 and all(r["status"] == "ok" for r in rows), len(rows)
gap = [float(r["fano_ceiling"]) - float(r["accuracy"]) for r in rows]
assert 0.002 < min(gap) and max(gap) < 0.007, (min(gap), max(gap))
assert all(r["verdict"] == "fails as the bound predicts" for r in rows)' "$TMPD/rd.csv" \
  && grep -q '0 impossible alone at 1%, 0 after Holm over 41 tests; pooled over seeds: 0 of 1 group impossible' "$TMPD/err" \
  && "$VARLB" summary "$TMPD/rd.csv" --json | "$PYTHON3" -c 'import json,sys
g = json.loads(sys.stdin.readline())
assert g["flagged"] == 0 and not g["pooled_impossible"] and g["pooled_p_value"] == 1, g
assert g["verdict"] == "fails as the bound predicts", g' \
  && pass "ratedist 0.002-0.007 below its ceiling: 0 of 40 rows flagged, pooled p = 1" \
  || fail "honest ratedist: $(cat "$TMPD/err")"
"$VARLB" report "$TMPD/rd.csv" --out "$TMPD/rd.html" >/dev/null 2>"$TMPD/err" \
  && grep -q 'fails as the bound predicts' "$TMPD/rd.html" \
  && ! grep -q 'beyond chance</strong>' "$TMPD/rd.html" \
  && pass "report: the honest ratedist sweep is never called impossible" \
  || fail "report of ratedist: $(cat "$TMPD/err")"

# --- rows no one without the key can edit --------------------------------
S="$TMPD/s.csv"
G="--n 4 -d 8 --compressors identity,streamingllm --ratios 0.25 --seeds 1,2,3"
# shellcheck disable=SC2086
"$VARLB" sweep $G --out "$S" 2>"$TMPD/err" && "$VARLB" summary "$S" >"$TMPD/t" 2>"$TMPD/err" \
  && grep -q 'Every row verified under this judge key' "$TMPD/t" \
  && pass "a sweep's rows verify under its key" || fail "verified sweep: $(cat "$TMPD/err" "$TMPD/t")"
# edited NAME SED [JSONSED]: a copy of the sweep with one edit; summary and
# --resume refuse it in one line naming row 2 and leave it as it was.
edited () {
  name=$1
  cp "$S" "$TMPD/e.csv"; cp "$TMPD/s.jsonl" "$TMPD/e.jsonl"; cp "$TMPD/s.manifest.json" "$TMPD/e.manifest.json"
  [ -n "$2" ] && sed -i "$2" "$TMPD/e.csv"
  [ -n "$3" ] && sed -i "$3" "$TMPD/e.jsonl"
  if cmp -s "$S" "$TMPD/e.csv" && cmp -s "$TMPD/s.jsonl" "$TMPD/e.jsonl"; then
    fail "$name: the edit changed nothing"; return
  fi
  for f in csv jsonl manifest.json; do cp "$TMPD/e.$f" "$TMPD/e.$f.bak"; done
  "$VARLB" summary "$TMPD/e.csv" >"$TMPD/out" 2>"$TMPD/err"; rc=$?
  # shellcheck disable=SC2086
  "$VARLB" sweep $G --out "$TMPD/e.csv" --resume >/dev/null 2>"$TMPD/err2"; rc2=$?
  same=yes
  for f in csv jsonl manifest.json; do cmp -s "$TMPD/e.$f" "$TMPD/e.$f.bak" || same=no; done
  if [ $rc -eq 1 ] && [ ! -s "$TMPD/out" ] && [ "$(wc -l <"$TMPD/err")" -eq 1 ] \
     && grep -q "row 2: refused: $4" "$TMPD/err" && [ $rc2 -eq 1 ] \
     && [ "$(wc -l <"$TMPD/err2")" -eq 1 ] && grep -q 'row 2: refused' "$TMPD/err2" && [ $same = yes ]; then
    pass "$name: refused by summary and --resume, files untouched: $(cat "$TMPD/err")"
  else
    fail "$name: summary rc=$rc, resume rc=$rc2, untouched=$same: $(cat "$TMPD/err" "$TMPD/err2" "$TMPD/out")"
  fi
}
edited "accuracy edited" '3s/^\("streamingllm",\([^,]*,\)\{5\}\)[^,]*,/\10.9,/' '' 'its MAC does not match'
edited "ci_low edited" '3s/^\("streamingllm",\([^,]*,\)\{6\}\)[^,]*,/\10.01,/' '' 'its MAC does not match'
# (the MAC's first hex digit changed: 0 to 1, anything else to 0; always
# to 0 left a MAC that began with 0 as it was, 1 key in 16)
edited "MAC edited" '3{s/"0\([0-9a-f]*\)"$/"1\1"/;t;s/"[1-9a-f]\([0-9a-f]*\)"$/"0\1"/}' '' 'its MAC does not match'
edited "JSON line edited" '' '2s/"correct":\([0-9]*\)/"correct":1\1/' 'its JSON line'
# The key's holder edits a row and signs it again (the MAC by hand, from
# the key file): the MAC passes, the stale accuracy does not.  Signed again
# after an edit that leaves every figure right (the provenance), the row is
# verified: the holder can re-sign.
resign () { "$PYTHON3" "$top_srcdir/tests/rows_edit.py" resign "$VARLB_JUDGE_KEY" "$@"; }
cp "$S" "$TMPD/k.csv"
resign "$TMPD/k.csv" 2 accuracy=0.9
"$VARLB" summary "$TMPD/k.csv" >"$TMPD/out" 2>"$TMPD/err"
[ $? -eq 1 ] && grep -q 'row 2: refused: its accuracy 0.9 is not the .* its counts give' "$TMPD/err" \
  && pass "re-signed by the key's holder with a stale accuracy: refused ($(cat "$TMPD/err"))" \
  || fail "re-signed stale accuracy: $(cat "$TMPD/err")"
cp "$S" "$TMPD/k.csv"
resign "$TMPD/k.csv" 2 provenance=edited-and-signed-again
"$VARLB" summary "$TMPD/k.csv" >"$TMPD/out" 2>"$TMPD/err" && [ ! -s "$TMPD/err" ] \
  && grep -q 'Every row verified' "$TMPD/out" && grep -q 'edited-and-signed-again' "$TMPD/k.csv" \
  && pass "re-signed by the key's holder with right figures: verified (the holder can re-sign)" \
  || fail "re-signed provenance: $(cat "$TMPD/err" "$TMPD/out")"
# Another key's file, and a file from before MACs: read, every row
# unverified, re-judged from its counts.
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$TMPD/other.key"; echo >>"$TMPD/other.key"
chmod 600 "$TMPD/other.key"
"$VARLB" summary --judge-key "$TMPD/other.key" "$S" --json >"$TMPD/j" 2>"$TMPD/err" \
  && "$PYTHON3" -c 'import json,sys
g = [json.loads(l) for l in open(sys.argv[1])]
assert len(g) == 2 and all(x["unverified"] == x["instances"] == 3 for x in g), g' "$TMPD/j" \
  && "$VARLB" summary --judge-key "$TMPD/other.key" "$S" | grep -q '6 of 6 rows are unverified' \
  && pass "another key's file: read, every row unverified" || fail "another key: $(cat "$TMPD/err" "$TMPD/j")"
cp "$S" "$TMPD/o.csv"; cp "$TMPD/s.jsonl" "$TMPD/o.jsonl"; cp "$TMPD/s.manifest.json" "$TMPD/o.manifest.json"
# shellcheck disable=SC2086
"$VARLB" sweep $G --out "$TMPD/o.csv" --resume --judge-key "$TMPD/other.key" >/dev/null 2>"$TMPD/err"
[ $? -eq 1 ] && grep -q 'row 1 is unverified (another judge key): --resume continues only rows this judge key' "$TMPD/err" \
  && cmp -s "$S" "$TMPD/o.csv" && pass "--resume under another key: refused, file untouched" \
  || fail "resume under another key: $(cat "$TMPD/err")"
"$PYTHON3" "$top_srcdir/tests/rows_edit.py" unsign "$S" "$TMPD/old.csv"
"$VARLB" summary "$TMPD/old.csv" --json >"$TMPD/j" 2>"$TMPD/err" \
  && "$PYTHON3" -c 'import json,sys
g = [json.loads(l) for l in open(sys.argv[1])]
assert all(x["unverified"] == 3 for x in g), g' "$TMPD/j" \
  && pass "a file from before MACs: read, every row unverified" || fail "old file: $(cat "$TMPD/err" "$TMPD/j")"

# --- a blob whose length depends on the data -----------------------------
V="exec:$STEALTH - 0"
"$VARLB" sweep --no-sandbox --budgets 800,8 --seeds 1,2,3,4 --compressor "$V" --out "$TMPD/v.csv" 2>"$TMPD/err"
"$PYTHON3" -c 'import csv,sys
from math import log2
def ceiling(b, n):   # H2(1 - p) = 1 - b/n on [1/2, 1]
    lo, hi = 0.5, 1.0
    for _ in range(200):
        m = (lo + hi) / 2
        q = 1 - m
        if -q * log2(q) - (1 - q) * log2(1 - q) > 1 - b / n: lo = m
        else: hi = m
    return hi
rows = list(csv.DictReader(open(sys.argv[1])))
within = [r for r in rows if r["budget_bits"] == "800"]
over = [r for r in rows if r["budget_bits"] == "8"]
assert len({r["bits_charged"] for r in within}) > 1, "the length does not depend on the data"
for r in within:
    want = 800 + 0.0284 + float(r["side_channel_bits"])
    assert abs(float(r["bits_judged"]) - want) < 1e-9, (r["bits_judged"], want)
for r in over:
    assert r["over_budget"] == "true", r
    want = float(r["bits_charged"]) + float(r["length_bits"]) + 6 + float(r["side_channel_bits"])
    assert abs(float(r["bits_judged"]) - want) < 1e-9, (r["bits_judged"], want)
for r in rows:
    assert abs(float(r["fano_ceiling"]) - ceiling(float(r["bits_judged"]), int(r["N"]))) < 1e-9, r' "$TMPD/v.csv" \
  && "$VARLB" summary "$TMPD/v.csv" >/dev/null 2>"$TMPD/err" \
  && pass "a data-dependent blob length: judged at the budget (over it: charged + length + 6), ceiling there" \
  || fail "variable length: $(cat "$TMPD/err")"

# --- whole models and their head rows; scaling's rows --------------------
MG="--layers 2 --heads 1 --schedule 1,2,3,4 -d 8 --compressors snapkv --ratios 0.25,0.5 --seeds 1,2"
# shellcheck disable=SC2086
"$VARLB" sweep $MG --out "$TMPD/m.csv" --head-rows "$TMPD/mh.csv" 2>"$TMPD/err" \
  && "$VARLB" summary "$TMPD/m.csv" 2>>"$TMPD/err" | grep -q 'Every row verified' \
  && head -1 "$TMPD/mh.csv" | grep -q ',mac$' \
  && pass "a whole model's rows verify; its head rows carry a MAC" || fail "model sweep: $(cat "$TMPD/err")"
cp "$TMPD/mh.csv" "$TMPD/mh.bak"; cp "$TMPD/m.csv" "$TMPD/m.bak"
sed -i '2s/,0\.[0-9]*,"/,0.999,"/' "$TMPD/mh.csv"
cp "$TMPD/mh.csv" "$TMPD/mh.edited"
# shellcheck disable=SC2086
"$VARLB" sweep $MG --out "$TMPD/m.csv" --head-rows "$TMPD/mh.csv" --resume >/dev/null 2>"$TMPD/err"
[ $? -eq 1 ] && grep -q 'mh.csv: line 2: refused: its MAC does not match' "$TMPD/err" \
  && cmp -s "$TMPD/mh.csv" "$TMPD/mh.edited" && cmp -s "$TMPD/m.csv" "$TMPD/m.bak" \
  && ! cmp -s "$TMPD/mh.csv" "$TMPD/mh.bak" \
  && pass "an edited head row: --resume refuses, files untouched" || fail "head row edit: $(cat "$TMPD/err")"
cp "$TMPD/m.bak" "$TMPD/me.csv"; cp "$TMPD/m.jsonl" "$TMPD/me.jsonl"
sed -i '3s/"snapkv",\([0-9]*\),\([0-9]*\),\([0-9]*\),\([0-9]*\),\([0-9]*\),/"snapkv",\1,\2,\3,\4,7,/' "$TMPD/me.csv"
"$VARLB" summary "$TMPD/me.csv" >/dev/null 2>"$TMPD/err"
[ $? -eq 1 ] && grep -q 'row 2: refused' "$TMPD/err" \
  && pass "an edited whole-model row: summary refuses it" || fail "model row edit: $(cat "$TMPD/err")"
"$VARLB" scaling --compressors identity --ns 2,4 --dims 4 --seeds 1 --out "$TMPD/sc.csv" >/dev/null 2>"$TMPD/err"
"$PYTHON3" - "$VARLB_JUDGE_KEY" "$TMPD/sc.csv" <<'EOF' && pass "scaling's rows carry MACs that verify under the key" || fail "scaling MACs: $(cat "$TMPD/err")"
import hashlib, struct, sys
key = bytes.fromhex(open(sys.argv[1]).read().strip())
lines = open(sys.argv[2]).read().splitlines()
assert lines[0].endswith(",mac") and len(lines) > 1, lines[:2]
sub = hashlib.blake2b(b"varlb/v1/row-mac-key", digest_size=32, key=key).digest()
h = lines[0][:-4].encode()
for l in lines[1:]:
    text, mac = l.rsplit(",", 1)
    want = hashlib.blake2b(b"varlb/v1/row-mac\0" + struct.pack("<Q", len(h)) + h + text.encode(),
                           digest_size=16, key=sub).hexdigest()
    assert mac == '"%s"' % want, (l, want)
EOF
finish
