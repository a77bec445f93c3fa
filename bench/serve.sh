#!/bin/sh
# serve.sh VARLB [PYTHON3] -- `make bench`: what a persistent worker saves.
# A worker that takes 1 s to start and almost nothing per request
# (tests/compressors/serveworker.py slowstart) runs a 24-trial sweep through
# serve: (started once per half) and through exec: (started twice a trial).
# Printed: the total times, their ratio (target: serve >= 10x faster), and
# the median trial after the first through serve: (the first pays the start;
# target <= 50 ms).  A benchmark, not a test: one run, on a shared machine.
set -eu
VARLB=$1
PY=${2:-python3}
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/varlb-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
W="$PY $here/tests/compressors/serveworker.py slowstart"
grid="--schedule 1,2,3,4,6,8 -d 16 --budgets 64,256,1024 --seeds 1,2,3,4,5,6,7,8"
now () { date +%s.%N; }
t0=$(now)
# shellcheck disable=SC2086
"$VARLB" sweep $grid --compressor "serve:$W" --out "$tmp/serve.csv" 2>/dev/null
t1=$(now)
# shellcheck disable=SC2086
"$VARLB" sweep $grid --compressor "exec:$W" --out "$tmp/exec.csv" 2>/dev/null
t2=$(now)
"$PY" - "$tmp" "$t0" "$t1" "$t2" <<'PYEOF'
import csv, statistics, sys
d, t0, t1, t2 = sys.argv[1], *map(float, sys.argv[2:])
s = list(csv.DictReader(open(d + "/serve.csv")))
e = list(csv.DictReader(open(d + "/exec.csv")))
assert len(s) == len(e) == 24 and all(r["status"] == "ok" for r in s + e)
same = all(a[k] == b[k] for a, b in zip(s, e) for k in ("correct", "bits_charged", "verdict"))
later = statistics.median(float(r["wall_s"]) for r in s[1:])
ts, te = t1 - t0, t2 - t1
print("serve: 24 trials, a worker starting in 1 s: serve %.1f s, exec %.1f s: %.1fx faster "
      "(target >= 10x: %s); median trial after the first %.1f ms through serve (target <= 50 ms: "
      "%s); rows %s" % (ts, te, te / ts, "met" if te / ts >= 10 else "NOT met", 1000 * later,
                        "met" if later <= 0.05 else "NOT met", "identical" if same else "DIFFER"))
PYEOF
