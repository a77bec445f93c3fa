#!/bin/sh
# cli_report.sh -- varlb report without a browser (tests/report_browser.sh
# loads the pages in one): the page of a sweep with its per-token rows, of
# a whole-model sweep with its per-head rows, of attack --json rows and of
# a scaling run is one self-contained file whose numbers are the rows'
# (recomputed here in Python from their counts, tests/report_check.py), whose
# downloads hold the inputs byte for byte, and whose exponents are varlb
# scaling's; bad inputs (empty, another tool's, a header alone, a tampered
# row, the page named as its own input) get one line and the right exit
# status; signed rows verify, a row edited in place fails its signature,
# another key's rows are not checked, unsigned rows say so; a 100,000-row sweep makes a page of a few MB that draws one point
# per compressor and budget and keeps the data beside it; varlb demo writes
# its report.html.
. "$top_srcdir/tests/cli_lib.sh"
cd "$TMPD" || exit 1
[ -n "$PYTHON3" ] || { echo "no python3: skipping"; exit 77; }
CHECK="$PYTHON3 $top_srcdir/tests/report_check.py"

# ---------------------------------------------------------------- inputs
"$VARLB" sweep --compressors identity,kivi,h2o,ratedist --ratios 0.1,0.5 --seeds 1,2 \
  --n 8 -d 16 --out s.csv --tokens tok.csv --no-timing >/dev/null 2>err \
  || { fail "sweep: $(cat err)"; finish; }
"$VARLB" sweep --layers 2 --heads 2 --compressors pyramidkv,kivi --ratios 0.25 --seeds 1 \
  --n 4 -d 8 --out m.csv --head-rows mh.csv --no-timing >/dev/null 2>err \
  || { fail "sweep --model: $(cat err)"; finish; }
"$VARLB" attack --compressor lowrank --compressor h2o --ratio 0.3 --n 4 -d 8 --json \
  >a.jsonl 2>err || { fail "attack --json: $(cat err)"; finish; }
"$VARLB" scaling --compressors ratedist --ns 4,8 --dims 4,8 --steps 4 --out sc.csv \
  >sc.out 2>err || { fail "scaling: $(cat err)"; finish; }

# ------------------------------------------------------------ good pages
"$VARLB" report s.csv tok.csv --out one.html >out 2>err; rc=$?
[ "$rc" -eq 0 ] && [ ! -s err ] && [ "$(wc -l <out)" -eq 1 ] && grep -q 'wrote one.html (16 trial rows' out \
  && pass "a sweep and its per-token rows: one page, one line: $(cat out)" \
  || fail "report: rc=$rc $(cat out err)"
$CHECK page one.html s.csv tok.csv && pass "sweep page: its numbers are the rows'" \
  || fail "sweep page"
# -o is --out here as in plot (the shared parser's short option): the same page.
"$VARLB" report s.csv tok.csv -o short.html >out 2>err; rc=$?
[ "$rc" -eq 0 ] && [ -s short.html ] && grep -q 'wrote short.html (16 trial rows' out \
  && pass "report -o FILE writes FILE" || fail "report -o: rc=$rc $(cat out err)"
grep -c '<rect[^>]*data-tip="scale ' one.html | grep -qv '^0$' \
  && pass "per-token heat maps drawn" || fail "no heat map cell"

"$VARLB" report m.csv mh.csv a.jsonl sc.csv --out all.html >out 2>err; rc=$?
[ "$rc" -eq 0 ] && [ ! -s err ] && pass "model sweep, head rows, attack --json and scaling on one page" \
  || fail "report of four files: rc=$rc $(cat err)"
$CHECK page all.html m.csv mh.csv a.jsonl sc.csv && pass "mixed page: its numbers are the rows'" \
  || fail "mixed page"
$CHECK scaling all.html sc.csv sc.out && pass "scaling chart and exponents are varlb scaling's" \
  || fail "scaling"
grep -q 'data-tip="layer 1, head 1: accuracy' all.html && grep -q "$(printf '2\303\2272 heads')" all.html \
  && pass "a whole model: its instance named, a layer x head heat map" || fail "model page"
grep -q 'The fp16 cache (K and V' all.html && grep -q 'N<sub>total</sub>' all.html \
  && pass "the bound of the whole model beside its fp16 cache" || fail "model bound"

# ------------------------------------------------------------ bad inputs
expect_fail () { # DESC STATUS GREP ARGS...: one stderr line, that status, no page
  desc=$1 want=$2 pat=$3; shift 3
  rm -f bad.html
  "$VARLB" report "$@" >out 2>err; rc=$?
  if [ "$rc" -eq "$want" ] && [ "$(wc -l <err)" -eq 1 ] && grep -q "$pat" err && [ ! -e bad.html ]; then
    pass "$desc: $(cat err)"
  else
    fail "$desc: rc=$rc $(cat err) $(ls bad.html 2>/dev/null)"
  fi
}
: >empty.csv
expect_fail "an empty CSV" 1 "empty.csv: empty file" empty.csv --out bad.html
head -1 s.csv >header.csv
expect_fail "a header and no rows" 1 "no rows" header.csv --out bad.html
printf 'name,score\nalice,3\n' >other.csv
expect_fail "another tool's CSV" 1 "not a file varlb report reads" other.csv --out bad.html
expect_fail "per-token rows alone" 1 "give the sweep's results too" tok.csv --out bad.html
printf '{"compressor":"kivi"\n' >broken.jsonl
expect_fail "broken JSON Lines" 1 "line 1: not one flat JSON object" broken.jsonl --out bad.html
expect_fail "no file" 2 "missing FILE" --out bad.html
expect_fail "the page named as its input" 2 "is one of the inputs" s.csv --out s.csv
expect_fail "an unknown option" 2 "did you mean --title" s.csv --titel x
expect_fail "a page in a missing directory" 1 "nodir/bad.html.tmp" s.csv --out nodir/bad.html
[ ! -e nodir/bad.html.tmp ] && [ ! -e bad.html.tmp ] && pass "no half-written page left" \
  || fail "a temporary page left behind"

# A tampered row: every bit right at a budget below N (its stored verdict
# and accuracy kept: the counts make it impossible), and a row whose counts
# cannot hold (correct > tested).
"$PYTHON3" - <<'PY' || fail "tampering"
import csv
rows = list(csv.reader(open("s.csv", newline="")))
h = rows[0]
col = {k: h.index(k) for k in ("compressor", "correct", "bits_tested", "bits_charged", "N", "status")}
low = [i for i, r in enumerate(rows[1:], 1) if r[col["status"]] == "ok"
       and 0 < float(r[col["bits_charged"]]) < float(r[col["N"]]) / 2]
a, b = low[0], low[1]
rows[a][col["correct"]] = rows[a][col["bits_tested"]]
rows[b][col["correct"]] = str(int(rows[b][col["bits_tested"]]) + 5)
csv.writer(open("t.csv", "w", newline=""), lineterminator="\n").writerows(rows)
open("t.which", "w").write(rows[a][col["compressor"]])
PY
"$VARLB" report t.csv --out t.html >out 2>err; rc=$?
[ "$rc" -eq 1 ] && [ "$(wc -l <err)" -eq 1 ] && grep -q '2 rows state a verdict or accuracy' err \
  && [ -s t.html ] && grep -q 'id="tampered"' t.html \
  && pass "tampered rows: exit 1, one line, a page that says so: $(cat err)" \
  || fail "tampered: rc=$rc $(cat err)"
"$PYTHON3" - <<'PY' && pass "the tampered rows are marked and show what their counts give, never their text" || fail "tampered rows on the page"
import sys
sys.path.insert(0, __import__("os").environ["top_srcdir"] + "/tests")
from report_check import Page
page = Page(open("t.html", encoding="utf-8").read())
flagged = [tr for tr in page.rows if tr["attrs"].get("class") == "flag"]
assert len(flagged) == 2, len(flagged)
texts = [" ".join(c["text"] for c in tr["cells"]) for tr in flagged]
assert any("impossible at this budget" in t and "the row states: fails" in t for t in texts), texts
assert any("not judged" in t for t in texts), texts
who = open("t.which").read()
assert any("IMPOSSIBLE" in tr["cells"][-3]["text"] for tr in page.board if tr["cells"][1]["text"] == who), \
    "the leaderboard keeps the stored verdict of " + who
PY

# ------------------------------------------------------------ signatures
# Rows signed under the judge key here verify (CSV, and JSON Lines through
# the CSV text its MAC signs); a row edited in place fails its check (the
# page is written, marks it, exit 1 and one line naming it); under another
# key nothing is checked; rows without a MAC are unsigned.
sig () { "$PYTHON3" -c 'import re,sys
m = re.search(r"signatures</dt><dd>(.*?)</dd>", open(sys.argv[1], encoding="utf-8").read())
print(re.sub("<[^>]*>", "", m.group(1)) if m else "(no signatures line)")' "$1"; }
"$VARLB" report s.csv --out sig.html >/dev/null 2>err && sig sig.html | grep -q '^verified: all 16 rows' \
  && "$VARLB" report a.jsonl --out sigj.html >/dev/null 2>>err && sig sigj.html | grep -q '^verified: all 2 rows' \
  && pass "signed rows verified: $(sig sig.html); JSON Lines: $(sig sigj.html)" \
  || fail "signatures verified: $(cat err) $(sig sig.html) $(sig sigj.html)"
# Line 3's seed edited in place: its counts and verdict still hold, so only
# the signature can tell.
"$PYTHON3" - <<'PY' || fail "editing a seed"
lines = open("s.csv").read().split("\n")
head = lines[0].split(",")
at = head.index("seed")
cells = lines[2].split(",")   # no quoted comma before the seed column
assert cells[at].isdigit(), cells[at]
cells[at] = str(int(cells[at]) + 100)
lines[2] = ",".join(cells)
open("e.csv", "w").write("\n".join(lines))
PY
"$VARLB" report e.csv --out e.html >out 2>err; rc=$?
[ "$rc" -eq 1 ] && [ "$(wc -l <err)" -eq 1 ] \
  && grep -q '1 row signed under this judge key fails the check (first: e.csv line 3: its MAC does not match' err \
  && grep -q 'id="signatures"' e.html && sig e.html | grep -q '^15 verified .*1 FAILED.*first: line 3' \
  && grep -q 'signature failed: edited after it was signed' e.html \
  && pass "a seed edited in place: exit 1, one line, the page marks the row: $(sig e.html)" \
  || fail "edited seed: rc=$rc $(cat err) $(sig e.html)"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >other.key; echo >>other.key; chmod 600 other.key
"$VARLB" report s.csv --judge-key other.key --out o.html >/dev/null 2>err; rc=$?
[ "$rc" -eq 0 ] && sig o.html | grep -q '^16 signed under another judge key: not checked' \
  && pass "another judge key: read, nothing checked: $(sig o.html)" \
  || fail "another key: rc=$rc $(cat err) $(sig o.html)"

# ---------------------------------------------- past 256 KiB of data
# 1500 rows (about 700 KiB): inlined gzip'ed when built with zlib, else
# copied beside the page; either way the download holds the bytes.
$CHECK synth s.csv mid.csv 1500 >/dev/null || fail "synthesis"
"$VARLB" report mid.csv --out mid.html >/dev/null 2>err || fail "mid: $(cat err)"
sig mid.html | grep -q '^none: these rows carry no signature' \
  && pass "rows made outside varlb (MACs emptied): unsigned, read and re-judged" \
  || fail "unsigned rows: $(sig mid.html)"
if grep -q '^#define HAVE_ZLIB 1' "$top_builddir/config.h" 2>/dev/null; then want="inlined gzip'ed"
else want="beside the page"; fi
$CHECK data mid.html mid.csv >out && grep -q "data $want" out \
  && pass "$(wc -c <mid.csv) bytes of data: $want, byte for byte" || fail "mid: $(cat out)"

# ------------------------------------------------- a 100,000-row sweep
$CHECK synth s.csv big.csv 100000 >/dev/null || fail "synthesis"
t0=$(date +%s.%N)
"$VARLB" report big.csv --out big.html >out 2>err; rc=$?
t1=$(date +%s.%N)
bytes=$(wc -c <big.html)
[ "$rc" -eq 0 ] && [ "$bytes" -lt 3000000 ] && [ -d big-data ] && cmp -s big-data/1-big.csv big.csv \
  && pass "100,000 rows: a page of $bytes bytes (< 3 MB), made in $(echo "$t1 - $t0" | bc) s, the data beside it" \
  || fail "big: rc=$rc $bytes bytes $(cat err)"
$CHECK big big.html big.csv && pass "100,000 rows: one point per compressor and budget, at the rows' mean" \
  || fail "big page"

# ---------------------------------------------------------- varlb demo
"$VARLB" demo --outdir demo >demo.out 2>err; rc=$?
[ "$rc" -eq 0 ] && [ -s demo/report.html ] && grep -q 'report.html' demo.out \
  && $CHECK page demo/report.html demo/accuracy.csv >/dev/null \
  && pass "varlb demo writes demo/report.html, its numbers the demo's rows'" \
  || fail "demo: rc=$rc $(cat err) $(tail -3 demo.out)"

finish
