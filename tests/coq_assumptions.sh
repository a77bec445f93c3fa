#!/bin/sh
# coq_assumptions.sh -- the Coq development's honest boundaries: no file of
# proofs/coq/ admits a proof or declares an axiom or parameter of its own,
# and Print Assumptions of every Theorem, Corollary and Lemma (the main
# results of proofs/README.md among them) names nothing outside the list -- the classical
# reals of Coq's standard library and the primitive numbers the interval
# tactic computes with.  Needs the .vo files built (coq.mk; COQ_BUILD);
# skipped (77) where configure found no coqc.  With COQ_RECORD_OUT set (the
# record rule of coq.mk) it also writes the record varlb prove reads.
: "${top_srcdir:?top_srcdir must name the source tree}"
if [ -z "${COQC:-}" ] || ! command -v "$COQC" >/dev/null 2>&1; then
  echo "SKIP: no coqc configured (./install-deps installs coq and the libraries; configure again)"
  exit 77
fi
: "${COQ_BUILD:?COQ_BUILD must name proofs/coq in the build tree}"
src=$top_srcdir/proofs/coq
files="Decoding Entropy Counting Hyp0F1 Presets"
fails=0
TMPD=$(mktemp -d "${TMPDIR:-/tmp}/varlb-coq.XXXXXX")
trap 'rm -rf "$TMPD"' EXIT
fail () { fails=$((fails + 1)); echo "FAIL $*"; }

for f in $files; do
  [ -f "$src/$f.v" ] || { echo "FAIL $src/$f.v missing"; exit 1; }
  [ -f "$COQ_BUILD/$f.vo" ] || { echo "FAIL $COQ_BUILD/$f.vo not built (make proofs)"; exit 1; }
done

# 1. No admitted proof, no axiom or parameter of our own (comments included:
# the words are not used in prose either, so a match is never ambiguous).
if grep -nwE 'Admitted|admit|Axiom|Axioms|Parameter|Parameters|Conjecture' \
     $(for f in $files; do echo "$src/$f.v"; done) >"$TMPD/grep"; then
  fail "proofs/coq declares or admits: $(cat "$TMPD/grep")"
else
  echo "ok   no Admitted, admit, Axiom, Parameter or Conjecture in proofs/coq/*.v"
fi

# 2. Print Assumptions of every Theorem, Corollary and Lemma.  Each file's
# together, as one tuple of their proofs: the tuple's assumptions are the
# union of theirs, so the check is the same, and each Print Assumptions
# costs up to seconds (the reals' and the interval tactic's libraries are
# traversed again).  A file that fails is then printed item by item, to
# name the culprits.
: >"$TMPD/list"
mkdir "$TMPD/out"
print_assumptions () { # FILE OUT-PREFIX ITEM... -> a .v file on stdout
  f=$1 pre=$2; shift 2
  echo "From Varlb Require $f."
  if [ "$pre" = all ]; then
    printf 'Definition all_%s := (%s).\n' "$f" "$(printf "Varlb.$f.%s\n" "$@" | paste -sd, -)"
    echo "Redirect \"$TMPD/out/$f\" Print Assumptions all_$f."
  else
    for t in "$@"; do echo "Redirect \"$TMPD/out/$f.$t\" Print Assumptions Varlb.$f.$t."; done
  fi
}
{
  for f in $files; do
    sed -nE 's/^(Theorem|Corollary|Lemma) ([A-Za-z0-9_]+).*/\2/p' "$src/$f.v" >"$TMPD/$f.thms"
    sed "s/^/$f./" "$TMPD/$f.thms" >>"$TMPD/list"
    # shellcheck disable=SC2046
    print_assumptions "$f" all $(cat "$TMPD/$f.thms")
  done
} >"$TMPD/Assumptions.v"
n=$(wc -l <"$TMPD/list")
if [ "$n" -lt 20 ]; then
  fail "only $n theorems found in proofs/coq (expected the main results of every file)"
fi
(cd "$TMPD" && "$COQC" -q -no-glob -Q "$COQ_BUILD" Varlb Assumptions.v) >"$TMPD/coqc.log" 2>&1 \
  || { echo "FAIL coqc on the Print Assumptions file: $(cat "$TMPD/coqc.log")"; exit 1; }

allowed='^(ClassicalDedekindReals\.sig_forall_dec|ClassicalDedekindReals\.sig_not_dec|Classical_Prop\.classic|FunctionalExtensionality\.functional_extensionality_dep|(FloatAxioms|PrimFloat|PrimInt63|Uint63)\.[A-Za-z0-9_]+)$'
# check OUT-FILE WHAT: 0 when every axiom is on the list (printed), else 1.
check () {
  if [ ! -s "$1" ]; then
    echo "no Print Assumptions output for $2"
    return 1
  fi
  if grep -q '^Closed under the global context' "$1"; then
    echo "ok   $2: closed under the global context"
    return 0
  fi
  if ! head -1 "$1" | grep -q '^Axioms:'; then
    echo "unreadable Print Assumptions output for $2: $(head -3 "$1")"
    return 1
  fi
  # An axiom starts a line (its type continues indented); the name is the
  # first word.
  sed -n '2,$p' "$1" | grep -v '^[[:space:]]' | sed 's/[[:space:]].*//' | sort -u >"$TMPD/ax"
  cat "$TMPD/ax" >>"$TMPD/used"
  bad=$(grep -vE "$allowed" "$TMPD/ax" | tr '\n' ' ')
  if [ -n "$bad" ]; then
    echo "$2 rests on $bad"
    return 1
  fi
  echo "ok   $2: $(wc -l <"$TMPD/ax") axioms, all on the list"
}
: >"$TMPD/used"
for f in $files; do
  if msg=$(check "$TMPD/out/$f.out" "$f.v ($(wc -l <"$TMPD/$f.thms") theorems, corollaries and lemmas)"); then
    echo "$msg"
    continue
  fi
  fail "$msg"
  # shellcheck disable=SC2046
  print_assumptions "$f" each $(cat "$TMPD/$f.thms") >"$TMPD/Each.v"
  (cd "$TMPD" && "$COQC" -q -no-glob -Q "$COQ_BUILD" Varlb Each.v) >>"$TMPD/coqc.log" 2>&1
  while read -r t; do
    check "$TMPD/out/$f.$t.out" "$f.$t" | grep -v '^ok' | sed 's/^/     /'
  done <"$TMPD/$f.thms"
done

# Positive evidence that the parsing reads real output: the reals' axioms
# appear for the decoding lemma, the primitive integers the interval
# tactic computes with for the presets.
grep -q '^ClassicalDedekindReals.sig_forall_dec$' "$TMPD/used" \
  || fail "no theorem rests on the reals' axioms: the output was not read"
grep -q '^Uint63\.' "$TMPD/used" \
  || fail "no theorem rests on the primitive integers: the interval proofs were not read"
for t in Decoding.margin_decodes Counting.counting_bound Counting.counting_bound_variable \
         Entropy.binomial_tail_entropy Hyp0F1.hyp0f1_enclosure Presets.chain_256 Presets.chain_512 Presets.chain_1024; do
  grep -qx "$t" "$TMPD/list" || fail "main theorem $t is not among those checked"
done

echo "$n theorems, $fails failed"
[ "$fails" -eq 0 ] || exit 1
if [ -n "${COQ_RECORD_OUT:-}" ]; then
  {
    echo "varlb Coq record 1"
    echo "sources ?"
    echo "coqc $("$COQC" --print-version | sed 's/ .*//')"
    echo "files $files"
    echo "theorems $n"
    echo "axioms $(sort -u "$TMPD/used" | tr '\n' ' ')"
    echo "result checked"
  } >"$COQ_RECORD_OUT"
fi
exit 0
