#!/bin/sh
# model.sh VARLB [PYTHON3] -- `make bench`: whole-model decoding, head by
# head.  `varlb decode --model M --preset 1024` for var-d16 and var-d30:
# wall time, peak resident memory (target: var-d30 under 1 GiB), and the
# time one head takes alone on one thread, so the ratio wall x threads /
# (L H x one head) says how well the heads spread over the cores (1: as
# predicted).  VARLB_BENCH_PRESET=256 runs the same at 256px (quicker).
# A benchmark, not a test: a shared machine moves the figures.
set -eu
VARLB=$1
PY=${2:-python3}
PRESET=${VARLB_BENCH_PRESET:-1024}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/varlb-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
if [ ! -x /usr/bin/time ]; then
  echo "bench: model: /usr/bin/time (GNU time) not found: skipped"
  exit 0
fi
/usr/bin/time -f '%e %M' -o "$tmp/one.t" "$VARLB" decode --layers 1 --heads 1 --preset "$PRESET" \
  --threads 1 --json >"$tmp/one.json"
for m in var-d16 var-d30; do
  /usr/bin/time -f '%e %M' -o "$tmp/$m.t" "$VARLB" decode --model "$m" --preset "$PRESET" \
    --json >"$tmp/$m.json"
done
"$PY" - "$tmp" "$PRESET" <<'PYEOF'
import json, sys
d, preset = sys.argv[1], sys.argv[2]
one = json.load(open(d + "/one.json"))["decode_seconds"]
print("bench: model: decode --model M --preset %s (every head drawn, decoded and freed in turn)" % preset)
for m in ("var-d16", "var-d30"):
    r = json.load(open("%s/%s.json" % (d, m)))
    wall, kb = (float(x) for x in open("%s/%s.t" % (d, m)).read().split()[-2:])
    heads = r["layers"] * r["heads"]
    ratio = r["decode_seconds"] * r["threads"] / (heads * one)
    print("  %-8s %4d heads  %8d/%d bits  wall %7.1f s  peak %6.0f MiB %s  threads %d  "
          "time x threads / (heads x one head) = %.2f"
          % (m, heads, r["correct"], r["bits"], wall, kb / 1024,
             "(under 1 GiB)" if kb < 1024 * 1024 else "(OVER 1 GiB)", r["threads"], ratio))
print("  one head alone, one thread: %.3f s" % one)
PYEOF
