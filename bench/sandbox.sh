#!/bin/sh
# sandbox.sh VARLB [PYTHON3] -- `make bench`: what the sandbox costs a trial.
# The same sweep (identity and kivi on a small instance, 12 trials each way)
# runs with every half sandboxed and with --no-sandbox, interleaved, three
# times; the per-trial wall times (wall_s, both halves, process start and the
# padding of the compress time included) are compared within one run: the
# median difference is the sandbox's cost per trial.  Target: at most 50 ms.
# A benchmark, not a test: a shared machine moves the figures.
set -eu
VARLB=$1
PY=${2:-python3}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/varlb-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
grid="--schedule 1,2,3,4,6,8 -d 16 --compressors identity,kivi --ratios 0.25,1 --seeds 1,2,3"
if ! "$VARLB" attack --compressor identity --budget 8 --schedule 1,2 -d 2 >/dev/null 2>"$tmp/err"; then
  echo "bench: sandbox: $(cat "$tmp/err")"
  exit 0
fi
for run in 1 2 3; do
  # shellcheck disable=SC2086
  "$VARLB" sweep $grid --out "$tmp/s$run.csv" 2>/dev/null
  # shellcheck disable=SC2086
  "$VARLB" sweep $grid --no-sandbox --out "$tmp/n$run.csv" 2>/dev/null
done
"$PY" - "$tmp" <<'PYEOF'
import csv, statistics, sys
d = sys.argv[1]
def walls(name):
    out = []
    for run in (1, 2, 3):
        rows = list(csv.DictReader(open("%s/%s%d.csv" % (d, name, run))))
        assert all(r["status"] == "ok" for r in rows), name
        out += [float(r["wall_s"]) for r in rows]
    return out
s, n = walls("s"), walls("n")
ms, mn = statistics.median(s), statistics.median(n)
cost = 1000 * (ms - mn)
print("sandbox: %d trials each way; median trial %.1f ms sandboxed, %.1f ms without: "
      "the sandbox costs %.1f ms a trial (ratio %.2f; target <= 50 ms: %s)"
      % (len(s), 1000 * ms, 1000 * mn, cost, ms / mn, "met" if cost <= 50 else "NOT met"))
PYEOF
