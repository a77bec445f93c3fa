# cli_lib.sh -- helpers for the CLI tests (sourced).  Each check prints one
# line.  A check passes only on positive evidence (the command ran, the file
# is there, the half reported, the value is a number); a check that cannot
# run here is a skip with its reason, never a pass.  finish exits 1 if any
# check failed or none ran, 77 (SKIP) if any was skipped, else 0.
: "${VARLB:?VARLB must point at the varlb binary}"
fails=0
checks=0
skips=0
TMPD=$(mktemp -d "${TMPDIR:-/tmp}/varlb-test.XXXXXX")
trap 'rm -rf "$TMPD"' EXIT
. "$top_srcdir/tests/sandbox_lib.sh"

pass () { checks=$((checks + 1)); echo "ok   $*"; }
fail () { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL $*"; }
skip () { skips=$((skips + 1)); echo "SKIP $*"; }

# is_number VALUE: VALUE is a decimal number (not empty, not null, not NaN).
is_number () {
  printf '%s\n' "$1" | grep -Eq '^-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$'
}

# same_nonempty A B: A equals B and is not empty (two empty values, from two
# commands that both failed, are not the same result).
same_nonempty () { [ -n "$1" ] && [ "$1" = "$2" ]; }

# need_pgrep WHAT: pgrep (procps) is here and sees processes (at least this
# script); otherwise WHAT is skipped with the reason and this returns 1, so
# "no process left" is never concluded from a missing tool.
need_pgrep () {
  command -v pgrep >/dev/null 2>&1 && pgrep -f . >/dev/null 2>&1 && return 0
  skip "$1: pgrep (procps, see install-deps) is missing or sees no process"
  return 1
}

# have_numpy: python3 imports NumPy.
have_numpy () { [ -n "$PYTHON3" ] && "$PYTHON3" -c 'import numpy' 2>/dev/null; }

# expect_usage_error DESCRIPTION ARGS...: exit 2, exactly one stderr line
# starting with "varlb: ", nothing on stdout.
expect_usage_error () {
  desc=$1; shift
  "$VARLB" "$@" >"$TMPD/out" 2>"$TMPD/err"
  rc=$?
  lines=$(wc -l <"$TMPD/err")
  if [ "$rc" -eq 2 ] && [ "$lines" -eq 1 ] && grep -q '^varlb: ' "$TMPD/err" && [ ! -s "$TMPD/out" ]; then
    pass "$desc: $(cat "$TMPD/err")"
  else
    fail "$desc: rc=$rc, $lines stderr lines: $(cat "$TMPD/err")"
  fi
}

# json_get FILE KEY: print the value of KEY in a one-object JSON file.
json_get () {
  "$PYTHON3" -c 'import json,sys; v=json.load(open(sys.argv[1]))[sys.argv[2]]; print(json.dumps(v))' "$1" "$2"
}

# json_row FILE LINE KEY: print KEY of the LINE-th (1-based) object in the
# JSON Lines file FILE.
json_row () {
  "$PYTHON3" -c 'import json,sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(json.dumps(rows[int(sys.argv[2]) - 1][sys.argv[3]]))' "$1" "$2" "$3"
}

# on_grid DESCRIPTION ARGS...: two trials (`attack ARGS --seed 1`, 2) of a
# compressor in grid mode (tests/compressors/*.py): its compress ends just
# past the timing grid's level 1.28 s and says "ended T", its answer says
# "started T".  The pad holds Bob to the next level, 1.81 s from Alice's
# start: about 0.5 s after she ended; without it he starts 0.05-0.2 s after
# her (the judge's work and his start-up, on a loaded machine).  Passes when
# the larger gap of the two is 0.35 s or more (a trial falls short only when
# Alice's start-up is 175 ms slower than Bob's).
on_grid () {
  desc=$1; shift
  gaps=
  for s in 1 2; do
    "$VARLB" attack "$@" --seed $s --json >"$TMPD/grid" 2>"$TMPD/grid.err"
    gaps="$gaps $("$PYTHON3" -c 'import json,sys
r = json.loads(open(sys.argv[1]).readline())
end = float(r["stderr_compress"].split("ended ")[1].split()[0])
start = float(r["stderr_answer"].split("started ")[1].split()[0])
print("%.3f" % (start - end))' "$TMPD/grid" 2>>"$TMPD/grid.err" || echo none)"
  done
  if "$PYTHON3" -c 'import sys; assert max(float(g) for g in sys.argv[1:]) >= 0.35' $gaps 2>/dev/null; then
    pass "$desc: gaps of$gaps s between Alice's end and Bob's start"
  else
    fail "$desc, no pad: gaps of$gaps s ($(cat "$TMPD/grid" "$TMPD/grid.err"))"
  fi
}

finish () {
  echo "$checks checks, $fails failed, $skips skipped"
  [ "$fails" -eq 0 ] || exit 1
  [ "$checks" -gt 0 ] || { echo "FAIL no check ran"; exit 1; }
  [ "$skips" -eq 0 ] || { echo "SKIP: $skips part(s) of this test did not run (above)"; exit 77; }
  exit 0
}
