#!/bin/sh
# cli_basic.sh -- the foundation's command line: `varlb demo` decodes every
# bit and says so; `decode --json` carries the documented keys with sane
# values; every bad parameter gets one error line and exit status 2.
. "$top_srcdir/tests/cli_lib.sh"

"$VARLB" demo >"$TMPD/demo" 2>&1 && grep -q '27136 / 27136 bits correct (100.000%)' "$TMPD/demo" \
  && pass "demo decodes all 27136 bits" || fail "demo: $(cat "$TMPD/demo")"

"$VARLB" --help | grep -q 'Usage: varlb COMMAND' && pass "--help" || fail "--help"
"$VARLB" help decode | grep -q -- '--schedule LIST' && pass "help decode" || fail "help decode"
"$VARLB" decode --help | grep -q -- '--json' && pass "decode --help" || fail "decode --help"
"$VARLB" --version | grep -q '^varlb ' && pass "--version" || fail "--version"

if [ -n "$PYTHON3" ]; then
  "$VARLB" decode --schedule 1,2,3,5 -d 32 --seed 3 --json >"$TMPD/j" || fail "decode --json exit"
  for k in N T d accuracy coherence min_target_weight; do
    v=$(json_get "$TMPD/j" "$k" 2>/dev/null) && [ "$v" != null ] && pass "json has $k = $v" || fail "json lacks $k"
  done
  [ "$(json_get "$TMPD/j" T)" = 39 ] && [ "$(json_get "$TMPD/j" N)" = $((14 * 32)) ] \
    && pass "T = 1+4+9+25, N = 14 d" || fail "T/N wrong"
  "$PYTHON3" -c 'import json,sys; j=json.load(open(sys.argv[1])); assert 0 <= j["accuracy"] <= 1 and 0 < j["min_target_weight"] <= 1' "$TMPD/j" \
    && pass "accuracy and weight are fractions" || fail "accuracy/weight out of [0,1]"
  # The dump is what the NumPy benchmark reads: K, V, Q and the decoded bits.
  "$VARLB" decode --schedule 1,2,3 -d 8 --dump "$TMPD/dump" --json >/dev/null \
    && "$PYTHON3" -c '
import sys
try:
    import numpy as np
except ImportError:
    sys.exit(0)
d = sys.argv[1]
K, V, Q, B = (np.load(d + "/" + n + ".npy") for n in ("K", "V", "Q", "decoded"))
assert K.shape == (14, 8) and V.shape == (14, 8) and Q.shape == (5, 8) and B.shape == (5, 8)
S = Q @ K.T; P = np.exp(S - S.max(1, keepdims=True)); O = (P / P.sum(1, keepdims=True)) @ V
assert ((O > float(open(d + "/threshold.txt").read())) == (B > 0.5)).all()
' "$TMPD/dump" && pass "dump matches a NumPy re-decode" || fail "dump"
fi

expect_usage_error "d = 0" decode -d 0
expect_usage_error "d negative" decode -d -3
expect_usage_error "d above the cap" decode -d 70000
expect_usage_error "d not a number" decode -d 6x4
expect_usage_error "empty schedule" decode --schedule ''
expect_usage_error "non-increasing schedule" decode --schedule 1,2,2,3
expect_usage_error "decreasing schedule" decode --schedule 4,3
expect_usage_error "single-scale schedule" decode --schedule 4
expect_usage_error "unknown preset" decode --preset 300
expect_usage_error "unknown JL family" decode --jl cauchy
expect_usage_error "temperature above 100 (unit keys)" decode --C 150
expect_usage_error "temperature zero" decode --C 0
expect_usage_error "temperature negative" decode --temperature -1
expect_usage_error "eps out of range" decode --eps 0.7
expect_usage_error "eta out of range" decode --eta 1
expect_usage_error "unknown option" decode --frobnicate
expect_usage_error "missing argument" decode --seed
expect_usage_error "stray argument" decode extra
expect_usage_error "repeat zero" decode --repeat 0
expect_usage_error "unknown command" frobnicate
expect_usage_error "help for unknown command" help frobnicate
"$VARLB" decode --keys scaled --C 150 --schedule 1,2,3 -d 16 >/dev/null 2>&1 \
  && pass "C above 100 allowed for scaled (non-VAR) keys" || fail "C 150 scaled keys refused"
finish
