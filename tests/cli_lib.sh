# cli_lib.sh -- helpers for the CLI tests (sourced).  Each check prints one
# line; the script exits 1 if any failed, 77 (skip) if asked to.
: "${VARLB:?VARLB must point at the varlb binary}"
fails=0
checks=0
TMPD=$(mktemp -d "${TMPDIR:-/tmp}/varlb-test.XXXXXX")
trap 'rm -rf "$TMPD"' EXIT
. "$top_srcdir/tests/sandbox_lib.sh"

pass () { checks=$((checks + 1)); echo "ok   $*"; }
fail () { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL $*"; }

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

finish () {
  echo "$checks checks, $fails failed"
  [ "$fails" -eq 0 ]
  exit $?
}
