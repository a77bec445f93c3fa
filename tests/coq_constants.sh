#!/bin/sh
# coq_constants.sh -- proofs/coq/Presets.v and `varlb prove --json` cannot
# drift apart: for each preset (256/512/1024px, d = 64) the counts, the
# exact doubles C, eps and the target (hexadecimal literals in Coq, %a in
# the JSON), and the verdicts agree, and every certified enclosure varlb
# prints lies inside the interval Coq proves.  A text comparison, so it runs
# without coqc; then `varlb prove` reports the Coq record truthfully (a
# missing, incomplete, foreign or matching record, and this build's own).
. "$top_srcdir/tests/cli_lib.sh"
[ -n "${PYTHON3:-}" ] || { echo "SKIP: no python3 to read the JSON"; exit 77; }
presets=$top_srcdir/proofs/coq/Presets.v
[ -f "$presets" ] || { echo "FAIL $presets missing"; exit 1; }

for px in 256 512 1024; do
  "$VARLB" prove --preset $px -d 64 --json >"$TMPD/p$px.json" 2>"$TMPD/p$px.err"; rc=$?
  if [ $rc -ne 0 ]; then
    fail "prove --preset $px --json: rc=$rc $(cat "$TMPD/p$px.err")"
    continue
  fi
  if out=$("$PYTHON3" - "$presets" "$TMPD/p$px.json" $px <<'EOF' 2>&1
import json, re, sys
from fractions import Fraction
v, j, px = open(sys.argv[1]).read(), json.load(open(sys.argv[2])), sys.argv[3]

def coq(name):
    m = re.search(r"^Definition %s : \w+ := ([^.\n]+(?:\.[0-9a-fp+-]+)?)\.$" % re.escape(name), v, re.M)
    if not m:
        sys.exit("Presets.v has no Definition %s" % name)
    return m.group(1).strip()

def preset(q):  # a preset's quantity: px's column of the row q_of in the table
    m = re.search(r"^Definition %s_of +p : \w+ := pick p +(\S+) +(\S+) +(\S+)\.$" % re.escape(q), v, re.M)
    if not m:
        sys.exit("Presets.v has no row %s_of" % q)
    return m.group(("256", "512", "1024").index(px) + 1)

def real(text):  # a Coq real literal, exactly
    if text.startswith("0x"):
        return Fraction(float.fromhex(text))
    return Fraction(text)

def exact(x):    # a JSON number (%.17g of a double), exactly
    return Fraction(x)

bad = []
def same(what, a, b):
    if a != b:
        bad.append("%s: Coq %s, varlb %s" % (what, a, b))
def inside(what, lo, hi, x_lo, x_hi):
    if not (real(preset(lo)) <= exact(x_lo) and exact(x_hi) <= real(preset(hi))):
        bad.append("%s: varlb [%r, %r] not inside Coq [%s, %s]"
                   % (what, x_lo, x_hi, preset(lo), preset(hi)))

same("N_A", int(preset("NA")), j["N_A"])
same("z", int(preset("z")), j["z"])
same("M", int(preset("M")), j["M"])
same("d", int(coq("d")), j["d"])
# The exact doubles: C99's %a (printf) and the literal in Coq, as strings and
# as numbers.
same("C", preset("C"), j["C_hex"])
same("eps", coq("eps"), j["eps_hex"])
same("target", coq("target"), j["target_hex"])
same("eta", real(coq("eta")), exact(j["eta"]))
same("C value", real(preset("C")), exact(j["C"]))
mant = int(preset("mant"), 16)
m = re.search(r"^Lemma C_mant p : C_of p = IZR \(mant_of p\) / IZR \(2 \^ (\d+)\)\.$", v, re.M)
if not m:
    sys.exit("Presets.v has no lemma C_mant")
same("C mantissa", Fraction(mant, 2 ** int(m.group(1))), exact(j["C"]))
same("keys", (j["keys"], j["norm"], j["values"], j["C_set"]), ("gaussian", "unit", "01", False))
inside("S4 N_A E R_i / r_max", "S4_lo", "S4_hi", j["S4_fail_lo"], j["S4_fail_hi"])
inside("S3 E R_i (varlb's upper bound)", "ER_lo", "ER_hi", j["S3_row_hi"], j["S3_row_hi"])
inside("P3 margin", "P3_lo", "P3_hi", j["P3_margin_lo"], j["P3_margin_hi"])
inside("P1 d needed", "P1_lo", "P1_hi", j["P1_d_needed_lo"], j["P1_d_needed_hi"])
same("P1 d", int(preset("P1_d")), int(j["P1_d_needed"]))
same("verdicts", (j["P1"], j["P3"], j["P4"], j["S1"], j["S3"], j["S4"], j["sharpened_chain"]),
     ("fails", "holds", "holds", "holds", "holds", "holds", "holds"))
same("S1 at eta = 0", (j["S1_threshold"], j["S1_r_max_lo"]), (0.5, 1))
same("coq_preset", j["coq_preset"], px + "px")
if real(preset("S4_hi")) > real(coq("target")):
    bad.append("Coq's S4 upper end is above the target")
if bad:
    sys.exit("; ".join(bad))
print("C %s, S4 in [%s, %s] inside [%s, %s]" % (j["C_hex"], j["S4_fail_lo"], j["S4_fail_hi"],
      preset("S4_lo"), preset("S4_hi")))
EOF
  ); then
    pass "${px}px: Presets.v agrees with prove --json: $out"
  else
    fail "${px}px: Presets.v and prove --json differ: $out"
  fi
done

expect_usage_error "prove --json with --min-d" prove --json --min-d

# Off the presets, prove claims no Coq coverage.
"$VARLB" prove --preset 256 -d 65 --json >"$TMPD/d65.json" 2>/dev/null
[ "$(json_get "$TMPD/d65.json" coq_preset)" = null ] \
  && pass "d = 65: no preset of Presets.v claimed" || fail "d = 65: $(cat "$TMPD/d65.json")"
"$VARLB" prove --preset 256 --C 16 --json >"$TMPD/c16.json" 2>/dev/null
[ "$(json_get "$TMPD/c16.json" coq_preset)" = null ] \
  && pass "--C 16: no preset of Presets.v claimed" || fail "--C 16: $(cat "$TMPD/c16.json")"

# The record, as varlb prove reports it.
record_says () { # DESCRIPTION EXPECTED-CHECKED DETAIL-WORDS [RECORD]
  desc=$1 want=$2 words=$3
  VARLB_COQ_RECORD=${4:-} "$VARLB" prove --json >"$TMPD/rec.json" 2>/dev/null
  got=$(json_get "$TMPD/rec.json" coq_checked)
  detail=$(json_get "$TMPD/rec.json" coq_detail)
  if [ "$got" = "$want" ] && printf '%s' "$detail" | grep -q "$words"; then
    pass "record, $desc: checked=$got ($detail)"
  else
    fail "record, $desc: checked=$got, want $want with '$words': $detail"
  fi
}
sum=$(sed -n 's/^#define VARLB_COQ_SOURCES "\(.*\)"$/\1/p' "$top_builddir/varlb-coq.h")
[ -n "$sum" ] || fail "no VARLB_COQ_SOURCES in $top_builddir/varlb-coq.h"
record_says "missing" false "no record at $TMPD/none" "$TMPD/none"
printf 'varlb Coq record 1\nsources %s\ncoqc 8.16.1\ntheorems 3\n' "$sum" >"$TMPD/partial"
record_says "without its result line" false "incomplete" "$TMPD/partial"
printf 'varlb Coq record 1\nsources 1 2\ncoqc 8.16.1\ntheorems 3\nresult checked\n' >"$TMPD/other"
record_says "for other sources" false "other sources" "$TMPD/other"
printf 'varlb Coq record 1\nsources %s\ncoqc 8.16.1\ntheorems 3\nresult checked\n' "$sum" >"$TMPD/good"
record_says "complete, this build's sources" true "checked 3 theorems" "$TMPD/good"
VARLB_COQ_RECORD=$TMPD/good "$VARLB" prove >"$TMPD/text" 2>&1
grep -q "^  checked for this build: coqc 8.16.1 checked 3 theorems of proofs/coq/ (record $TMPD/good)" \
  "$TMPD/text" && pass "the text report names the record" \
  || fail "text report: $(tail -3 "$TMPD/text")"
VARLB_COQ_RECORD=$TMPD/other "$VARLB" prove >"$TMPD/text" 2>&1
grep -q "^  NOT checked for this build: the record $TMPD/other is for other sources" "$TMPD/text" \
  && pass "the text report says NOT checked for a foreign record" \
  || fail "text report, foreign record: $(tail -3 "$TMPD/text")"
# This build's own record: make check builds it first (check_DATA) when
# configure found Coq; without Coq there is none.
if [ -n "${COQC:-}" ]; then
  record_says "this build's (make check wrote it)" true "checked [0-9]* theorems of proofs/coq/"
else
  record_says "this build's (no coqc configured)" false "configure found no coqc"
fi
finish
