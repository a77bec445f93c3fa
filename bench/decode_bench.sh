#!/bin/sh
# decode_bench.sh VARLB PYTHON3 -- `make bench`: decode every bit of the
# 1024px preset (T = 9451, d = 64) with varlb and with NumPy (decode_numpy.py),
# check both give the same bits, and print the time ratio and both peak
# memories.  A benchmark, not a test: figures are ratios from one run.
# Times are the decode phase only (no instance drawing or file loading), in
# steady state for both: the fastest of 3 in-process repetitions, best of 3
# processes.  The cold first call (BLAS and thread start-up) is printed too.
set -eu
VARLB=$1
PY=${2:-python3}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/varlb-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
args="--preset 1024 -d 64 --seed 1"
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "bench: /usr/bin/time is missing (apt-get install time)"; exit 1; }
"$PY" -c 'import numpy' 2>/dev/null || { echo "bench: NumPy is missing (apt-get install python3-numpy)"; exit 1; }

# Dump the instance and varlb's decoded bits for NumPy.
"$VARLB" decode $args --dump "$tmp/inst" --json >"$tmp/cold.json"

peak () { awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$1"; }
best_v=; best_n=
for run in 1 2 3; do
  $TIME -v "$VARLB" decode $args --repeat 3 --json >"$tmp/v.json" 2>"$tmp/v.time"
  $TIME -v "$PY" "$here/decode_numpy.py" "$tmp/inst" >"$tmp/n.json" 2>"$tmp/n.time"
  v=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["decode_seconds"])' "$tmp/v.json")
  n=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["decode_seconds"])' "$tmp/n.json")
  best_v=$("$PY" -c "print(min(float('$v'), float('${best_v:-inf}')))")
  best_n=$("$PY" -c "print(min(float('$n'), float('${best_n:-inf}')))")
done
"$PY" - "$tmp" "$best_v" "$best_n" "$(peak "$tmp/v.time")" "$(peak "$tmp/n.time")" <<'PYEOF'
import json, sys
tmp, tv, tn, mv, mn = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
v = json.load(open(tmp + "/v.json"))
n = json.load(open(tmp + "/n.json"))
print("varlb bench: decode every bit, 1024px preset (T = %d, d = %d, N = %d bits)" % (v["T"], v["d"], v["N"]))
print("  varlb  accuracy %.6f, decode %.3f s, peak RSS %.1f MiB" % (v["accuracy"], tv, mv / 1024))
print("  NumPy  same bits as varlb: %s, decode %.3f s, peak RSS %.1f MiB" % (n["same_bits"], tn, mn / 1024))
print("  speed-up (NumPy time / varlb time): %.2fx   (target >= 3x)" % (tn / tv))
print("  varlb cold first decode in a fresh process: %.3f s" % json.load(open(tmp + "/cold.json"))["decode_seconds"])
print("  memory ratio (varlb peak / NumPy peak): %.3f   (target <= 0.25)" % (mv / mn))
sys.exit(0 if n["same_bits"] and v["accuracy"] == 1 else 1)
PYEOF
