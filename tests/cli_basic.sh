#!/bin/sh
# cli_basic.sh -- the foundation's command line: `varlb demo` decodes every
# bit and says so; `decode --json` carries the documented keys with sane
# values; every bad parameter gets one error line and exit status 2.
. "$top_srcdir/tests/cli_lib.sh"

# demo, run from an empty directory: its chart and files go into varlb-demo/
# (named at the end), nothing else is written; --outdir moves them.
mkdir "$TMPD/cwd"
(cd "$TMPD/cwd" && "$VARLB" demo) >"$TMPD/demo" 2>&1 && grep -q '27136 / 27136 bits correct (100.000%)' "$TMPD/demo" \
  && pass "demo decodes all 27136 bits" || fail "demo: $(cat "$TMPD/demo")"
[ "$(ls -A "$TMPD/cwd")" = varlb-demo ] && [ -s "$TMPD/cwd/varlb-demo/accuracy.csv" ] \
  && [ -s "$TMPD/cwd/varlb-demo/accuracy.gp" ] && grep -q 'in varlb-demo/: accuracy.png' "$TMPD/demo" \
  && pass "demo writes only varlb-demo/ and names it: $(ls "$TMPD/cwd/varlb-demo" | tr '\n' ' ')" \
  || fail "demo files: $(ls -RA "$TMPD/cwd")"
(cd "$TMPD/cwd" && "$VARLB" demo --schedule 1,2,4 -d 32 --outdir "$TMPD/elsewhere") >"$TMPD/demo2" 2>&1 \
  && [ -s "$TMPD/elsewhere/accuracy.csv" ] && grep -q "in $TMPD/elsewhere/:" "$TMPD/demo2" \
  && pass "demo --outdir DIR" || fail "demo --outdir: $(cat "$TMPD/demo2")"
: >"$TMPD/plainfile"
expect_usage_error "demo --outdir on a file" demo --outdir "$TMPD/plainfile/x"

"$VARLB" --help | grep -q 'Usage: varlb COMMAND' && pass "--help" || fail "--help"
"$VARLB" help decode | grep -q -- '--schedule LIST' && pass "help decode" || fail "help decode"
"$VARLB" decode --help | grep -q -- '--json' && pass "decode --help" || fail "decode --help"
"$VARLB" --version | grep -q '^varlb ' && pass "--version" || fail "--version"

if [ -n "$PYTHON3" ]; then
  "$VARLB" decode --schedule 1,2,3,5 -d 32 --seed 3 --json >"$TMPD/j" || fail "decode --json exit"
  for k in N T d accuracy coherence min_target_weight; do
    v=$(json_get "$TMPD/j" "$k" 2>/dev/null) && is_number "$v" && pass "json has $k = $v" \
      || fail "json lacks a number for $k: '$v'"
  done
  [ "$(json_get "$TMPD/j" T)" = 39 ] && [ "$(json_get "$TMPD/j" N)" = $((14 * 32)) ] \
    && pass "T = 1+4+9+25, N = 14 d" || fail "T/N wrong"
  "$PYTHON3" -c 'import json,sys; j=json.load(open(sys.argv[1])); assert 0 <= j["accuracy"] <= 1 and 0 < j["min_target_weight"] <= 1' "$TMPD/j" \
    && pass "accuracy and weight are fractions" || fail "accuracy/weight out of [0,1]"
else
  skip "decode --json keys: python3 not found"
fi
# The dump is what the NumPy benchmark reads: K, V, Q and the decoded bits.
if have_numpy; then
  "$VARLB" decode --schedule 1,2,3 -d 8 --dump "$TMPD/dump" --json >/dev/null \
    && "$PYTHON3" -c '
import sys
import numpy as np
d = sys.argv[1]
K, V, Q, B = (np.load(d + "/" + n + ".npy") for n in ("K", "V", "Q", "decoded"))
assert K.shape == (14, 8) and V.shape == (14, 8) and Q.shape == (5, 8) and B.shape == (5, 8)
S = Q @ K.T; P = np.exp(S - S.max(1, keepdims=True)); O = (P / P.sum(1, keepdims=True)) @ V
assert ((O > float(open(d + "/threshold.txt").read())) == (B > 0.5)).all()
' "$TMPD/dump" && pass "dump matches a NumPy re-decode" || fail "dump"
else
  skip "decode --dump against a NumPy re-decode: python3 with NumPy not found"
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
# "Did you mean": the nearest command or option when a word looks like a typo.
for args in "--versoin:'--version'" "decdoe:'decode'" "decode --sed 3:--seed" "sweep --ration 0.1:--ratios" "help sweeep:'sweep'"; do
  "$VARLB" ${args%%:*} >/dev/null 2>"$TMPD/err"
  grep -q "did you mean ${args#*:}?" "$TMPD/err" && [ "$(wc -l <"$TMPD/err")" -eq 1 ] \
    && pass "${args%%:*}: $(cat "$TMPD/err")" || fail "${args%%:*}: $(cat "$TMPD/err")"
done
"$VARLB" decode --frobnicate 2>"$TMPD/err"
rc=$?
# Refused (exit 2, one line naming the option), and no suggestion in it.
[ $rc -eq 2 ] && [ "$(wc -l <"$TMPD/err")" -eq 1 ] && grep -q -- '--frobnicate' "$TMPD/err" \
  && ! grep -q 'did you mean' "$TMPD/err" \
  && pass "no suggestion for a far word: $(cat "$TMPD/err")" \
  || fail "a far word: rc=$rc $(cat "$TMPD/err")"
"$VARLB" decode --seed 2>"$TMPD/err"; grep -q -- '--seed: missing argument' "$TMPD/err" \
  && pass "missing argument named" || fail "missing argument: $(cat "$TMPD/err")"

# Resources: an instance whose estimated memory exceeds --max-memory is
# refused in one line before anything is allocated (the decode of
# 1024px x d = 65536 would hold K and V alone in 9.9 GB).  Run under 4 GB
# of address space and 20 s, so a broken check fails instead of running.
V0=$VARLB
cat >"$TMPD/varlb-capped" <<EOF
#!/bin/sh
ulimit -v 4194304
exec timeout 20 "$VARLB" "\$@"
EOF
chmod +x "$TMPD/varlb-capped"
VARLB=$TMPD/varlb-capped
expect_usage_error "decode over --max-memory" decode --preset 1024 -d 65536 --max-memory 4G
expect_usage_error "the issue's --n 4096 -d 1 over --max-memory" decode --n 4096 -d 1 --max-memory 300M
expect_usage_error "certify over --max-memory" certify --preset 1024 -d 16384 --max-memory 1G
expect_usage_error "demo over --max-memory" demo --preset 1024 -d 16384 --max-memory 1G
expect_usage_error "bad --max-memory" decode --max-memory 3X
expect_usage_error "zero --max-memory" decode --max-memory 0
"$VARLB" decode --preset 1024 -d 65536 --max-memory 4G 2>&1 | grep -q 'needs about 1[0-9.]* GiB.*more than --max-memory 4 GiB' \
  && pass "the refusal names the estimate and the limit" || fail "refusal text"
"$VARLB" decode --schedule 1,2,3 -d 8 --max-memory 1M >/dev/null 2>&1 \
  && pass "a small instance fits 1 MiB" || fail "a small instance refused at 1 MiB"
"$VARLB" decode --schedule 1,2,3 -d 8 --max-memory 8K >/dev/null 2>"$TMPD/err"
rc=$?
# Refused for its memory (exit 2, the reason named), not for any failure.
[ $rc -eq 2 ] && [ "$(wc -l <"$TMPD/err")" -eq 1 ] && grep -q 'more than --max-memory' "$TMPD/err" \
  && pass "the same instance refused at 8 KiB: $(cat "$TMPD/err")" \
  || fail "8 KiB: rc=$rc $(cat "$TMPD/err")"
VARLB=$V0

"$VARLB" decode --keys scaled --C 150 --schedule 1,2,3 -d 16 >/dev/null 2>&1 \
  && pass "C above 100 allowed for scaled (non-VAR) keys" || fail "C 150 scaled keys refused"
finish
