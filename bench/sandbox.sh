#!/bin/sh
# sandbox.sh VARLB [PYTHON3 [BEFORE]] -- `make bench`: what the sandbox costs a
# trial.  The same sweep (identity and kivi on a small instance, 12 trials
# each way) runs with every half sandboxed and with --no-sandbox,
# interleaved, three times; the per-trial wall times (wall_s, both halves,
# process start and the padding of the compress time included) are compared
# within one run: the median difference is the sandbox's cost per trial.
# Target: at most 50 ms.  With BEFORE (another varlb binary, e.g. an older
# build; or $VARLB_BENCH_BEFORE), its sandbox runs interleaved with VARLB's,
# so the two costs and their ratio come from one run.  Where --cold-cache can be had (the host's
# root), a third block interleaves sweeps with and without it: its full cost
# a trial (dropping the caches, and every half's programs read from disk
# again).  A benchmark, not a test: a shared machine moves the figures.
set -eu
VARLB=$1
PY=${2:-python3}
BEFORE=${3:-${VARLB_BENCH_BEFORE:-}}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/varlb-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
grid="--schedule 1,2,3,4,6,8 -d 16 --compressors identity,kivi --ratios 0.25,1 --seeds 1,2,3"
if ! "$VARLB" attack --compressor identity --budget 8 --schedule 1,2 -d 2 >/dev/null 2>"$tmp/err"; then
  echo "bench: sandbox: $(cat "$tmp/err")"
  exit 0
fi
cold=
if "$VARLB" attack --compressor identity --budget 8 --schedule 1,2 -d 2 --cold-cache \
     >/dev/null 2>&1; then
  cold=yes
fi
for run in 1 2 3; do
  # shellcheck disable=SC2086
  "$VARLB" sweep $grid --out "$tmp/s$run.csv" 2>/dev/null
  # shellcheck disable=SC2086
  "$VARLB" sweep $grid --no-sandbox --out "$tmp/n$run.csv" 2>/dev/null
  if [ -n "$BEFORE" ]; then
    # shellcheck disable=SC2086
    "$BEFORE" sweep $grid --out "$tmp/b$run.csv" 2>/dev/null
    # shellcheck disable=SC2086
    "$BEFORE" sweep $grid --no-sandbox --out "$tmp/m$run.csv" 2>/dev/null
  fi
  if [ -n "$cold" ]; then
    # shellcheck disable=SC2086
    "$VARLB" sweep $grid --cold-cache --out "$tmp/c$run.csv" 2>/dev/null
  fi
done
"$PY" - "$tmp" "${BEFORE:+yes}" "$cold" <<'PYEOF'
import csv, os, statistics, sys
d, before, cold = sys.argv[1], sys.argv[2], sys.argv[3]
def walls(name):
    out = []
    for run in (1, 2, 3):
        rows = list(csv.DictReader(open("%s/%s%d.csv" % (d, name, run))))
        assert all(r["status"] == "ok" for r in rows), name
        out += [float(r["wall_s"]) for r in rows]
    return out
def cost(s, n, what):
    ms, mn = statistics.median(s), statistics.median(n)
    c = 1000 * (ms - mn)
    print("sandbox (%s): %d trials each way; median trial %.1f ms sandboxed, %.1f ms without: "
          "the sandbox costs %.1f ms a trial (ratio %.2f; target <= 50 ms: %s)"
          % (what, len(s), 1000 * ms, 1000 * mn, c, ms / mn, "met" if c <= 50 else "NOT met"))
    return c
s, n = walls("s"), walls("n")
after = cost(s, n, "this varlb")
if before:
    b, m = walls("b"), walls("m")
    was = cost(b, m, "before")
    print("sandbox: before/after in one interleaved run: %.1f ms -> %.1f ms a trial "
          "(sandboxed medians %.1f -> %.1f ms, ratio %.2f)"
          % (was, after, 1000 * statistics.median(b), 1000 * statistics.median(s),
             statistics.median(s) / statistics.median(b)))
if cold:
    c = walls("c")
    print("--cold-cache: median trial %.1f ms with it, %.1f ms without (sandboxed): "
          "%.1f ms a trial (ratio %.2f)"
          % (1000 * statistics.median(c), 1000 * statistics.median(s),
             1000 * (statistics.median(c) - statistics.median(s)),
             statistics.median(c) / statistics.median(s)))
PYEOF
