#!/bin/sh
# ratedist.sh VARLB [PYTHON3] [SEED] -- `make bench`: how close the
# achievability compressor ratedist (a polar lossy source code) comes to the
# Fano ceiling at B/N = 0.1, 0.25, 0.5, 0.75 on the 256, 512 and 1024px
# presets (d = 64), through the channel like any compressor: accuracy over
# every hidden bit, the ceiling of the bits charged, the efficiency (bits
# the frontier needs for that accuracy / bits charged: 1 is optimal), the
# trial's wall time (both halves, process start included) and the CPU time
# of the whole attack (user + system, children included: drawing the
# instance and scoring too), which a shared machine inflates less.  One
# seed: a benchmark, not a test (tests/test_ratedist.c checks the targets).
set -eu
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is missing (apt-get install time)"; exit 1; }
VARLB=$1
PY=${2:-python3}
SEED=${3:-1}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/varlb-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
for px in 256 512 1024; do
  for r in 0.1 0.25 0.5 0.75; do
    /usr/bin/time -f '%U %S' -o "$tmp/cpu" "$VARLB" attack --compressor ratedist \
      --ratio "$r" --preset "$px" -d 64 --seed "$SEED" --timeout 600 --json >"$tmp/row"
    printf '%s %s %s\n' "$px" "$(awk '{ print $1 + $2 }' "$tmp/cpu")" "$(cat "$tmp/row")" \
      >>"$tmp/rows.txt"
  done
done
"$PY" - "$tmp/rows.txt" "$SEED" <<'PYEOF'
import json, math, sys
rows = [l.split(" ", 2) for l in open(sys.argv[1]) if l.strip()]
def h2(q):
    return 0.0 if q <= 0 or q >= 1 else -q * math.log2(q) - (1 - q) * math.log2(1 - q)
print("varlb bench: ratedist (polar SC list code, default knobs) against the Fano ceiling, d = 64, seed %s" % sys.argv[2])
print("  %-6s %7s %5s %8s %8s %8s %7s %10s %7s %7s" % ("preset", "N", "B/N", "accuracy", "ceiling",
                                                     "gap", "trivial", "efficiency", "wall", "cpu"))
for px, cpu, line in rows:
    r = json.loads(line)
    if r["status"] != "ok":
        print("  %-6s %7d  failed: %s" % (px, r["N"], r["error"]))
        continue
    acc, N, B = r["accuracy"], r["N"], r["bits_charged"]
    # The library's certified efficiency when the row carries it, else the
    # same formula in floating point.
    eff = r.get("efficiency", (N * (1 - h2(1 - acc)) if acc > 0.5 else 0.0) / B)
    print("  %-6s %7d %5.2f %8.4f %8.4f %8.4f %7.4f %10.3f %6.2fs %6.2fs" % (
        px, N, r["budget_bits"] / N, acc, r["fano_ceiling"], r["fano_ceiling"] - acc,
        r["trivial"], eff, r["wall_s"], float(cpu)))
PYEOF
