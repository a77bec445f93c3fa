#!/bin/sh
# scaling.sh -- the Omega(n^2 d) law observed: `varlb scaling` on a small
# grid (halving pyramids ending at n = 8, 16, 32; d = 16, 32, 64) for the
# eviction and low-rank families and KIVI, then a check that the fitted
# exponents lie within +-0.3 of (alpha, beta) = (2, 1).  A benchmark, not a
# test: it takes minutes, and the exponents are estimates.
# Usage: bench/scaling.sh [VARLB] [OUTDIR]
VARLB=${1:-./varlb}
OUT=${2:-.}
COMPRESSORS=${COMPRESSORS:-streamingllm,h2o,snapkv,tova,lowrank,kivi}
set -e
"$VARLB" scaling --compressors "$COMPRESSORS" --ns 8,16,32 --dims 16,32,64 \
  --seeds 1,2 --target 0.9 --out "$OUT/scaling.csv" | tee "$OUT/scaling.txt"
"$VARLB" plot "$OUT/scaling.csv" --out "$OUT/scaling.png" || true
# Each fit line: NAME POINTS ALPHA +- CI BETA +- CI R2.
awk 'NF == 9 && $4 == "+-" && $7 == "+-" {
       ok = ($3 > 1.7 && $3 < 2.3 && $6 > 0.7 && $6 < 1.3)
       printf "%-28s alpha %.2f beta %.2f: %s\n", $1, $3, $6,
              ok ? "within 0.3 of (2, 1)" : "OUTSIDE 0.3 of (2, 1)"
     }' "$OUT/scaling.txt"
