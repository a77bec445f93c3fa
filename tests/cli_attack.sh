#!/bin/sh
# cli_attack.sh -- the one-way channel end to end (`varlb attack`, `varlb
# list`): identity decodes every bit; bits charged equal 8 x the blob files'
# bytes for every compressor; a cheating external program is exposed;
# crashing, hanging, NaN, wrong-shape and silent compressors each fail with
# a clear reason without stopping the run; the C plug-in and Python external
# examples work; bad knobs and budgets are usage errors (exit 2, one line).
. "$top_srcdir/tests/cli_lib.sh"
[ -n "$PYTHON3" ] || { echo "no python3: skipped"; exit 77; }

nrows () { grep -c '^{' "$1"; }

SMALL="--schedule 1,2,3,4 -d 16"   # T = 14 Alice tokens, N = 224 bits
MIS="exec:$PYTHON3 $top_srcdir/tests/compressors/misbehave.py"
PLUG="$top_builddir/tests/plugins/.libs"
IMPOSSIBLE="impossible at this budget: side channel or miscounted bits"

# --- identity, the control, decodes every bit of the 256px instance.
for p in fp64 fp32 fp16; do
  "$VARLB" attack --compressor identity:precision=$p --ratio 0.25 --json >"$TMPD/id" 2>"$TMPD/err"
  rc=$?
  if [ $rc -eq 0 ] && [ "$(json_row "$TMPD/id" 1 correct)" = 27136 ] && [ "$(json_row "$TMPD/id" 1 N)" = 27136 ] \
     && [ "$(json_row "$TMPD/id" 1 over_budget)" = true ]; then
    pass "identity:$p decodes 27136/27136 bits (over budget, charged in full)"
  else
    fail "identity:$p: rc=$rc $(cat "$TMPD/id" "$TMPD/err")"
  fi
done

# --- bits charged = 8 x blob bytes, for every built-in (from `varlb list`,
# so new compressors are covered), the plug-in and an external program.
specs=$("$VARLB" list | grep -v '^ ' | grep -v ':')
[ -n "$specs" ] && pass "list names $(echo $specs | wc -w) built-ins" || fail "list names no built-in"
"$VARLB" list | grep -q '^    precision ' && pass "list shows identity's knob precision" || fail "list lacks knobs"
set --
for s in $specs; do set -- "$@" --compressor "$s"; done
set -- "$@" --compressor "plugin:$PLUG/firstk.so" --compressor "$MIS zeros"
"$VARLB" attack "$@" --ratio 0.25 --keep-blobs "$TMPD/blobs" --json >"$TMPD/all" 2>"$TMPD/err"
rc=$?
[ $rc -eq 0 ] && pass "every compressor ran at N/4 (exit 0)" || fail "attack of all: rc=$rc $(cat "$TMPD/err")"
n=$(nrows "$TMPD/all")
[ "$n" -eq $(($# / 2)) ] && pass "one row per compressor ($n)" || fail "$n rows for $(($# / 2)) compressors"
i=0
while [ $i -lt "$n" ]; do
  name=$(json_row "$TMPD/all" $((i + 1)) compressor)
  charged=$(json_row "$TMPD/all" $((i + 1)) bits_charged)
  bytes=$(wc -c <"$TMPD/blobs/$i.blob" 2>/dev/null || echo missing)
  if [ "$bytes" != missing ] && [ "$charged" = "$((8 * bytes))" ]; then
    pass "$name: bits charged $charged = 8 x $bytes blob bytes"
  else
    fail "$name: charged $charged, blob file $bytes bytes"
  fi
  i=$((i + 1))
done

# --- the replay line of a failed trial reruns it: same witness, same line.
"$VARLB" attack --compressor 'kivi:bits=2' --compressor "$MIS zeros" --ratio 0.25 --seed 5 \
  --sample 40 --values pm1 >"$TMPD/w1" 2>"$TMPD/err"
n=$(grep -c '^  replay      varlb attack ' "$TMPD/w1")
ok=$([ "$n" -eq 2 ] && echo yes)
for k in 1 2; do
  line=$(grep '^  replay      varlb attack ' "$TMPD/w1" | sed -n "${k}p" | sed 's/^  replay      varlb //')
  wit=$(grep '^  witness' "$TMPD/w1" | sed -n "${k}p")
  eval "\"\$VARLB\" $line" >"$TMPD/w2" 2>>"$TMPD/err"
  [ -n "$wit" ] && [ "$(grep '^  witness' "$TMPD/w2")" = "$wit" ] \
    && [ "$(grep -c '^  replay' "$TMPD/w2")" -eq 1 ] || ok=
done
[ -n "$ok" ] && pass "replay lines rerun each failed trial to the same witness" \
  || fail "replay: $(cat "$TMPD/w1" "$TMPD/w2" "$TMPD/err")"

# --- killed mid-trial (SIGTERM while a compressor hangs): the compressor's
# process group dies with varlb and its trial directory is removed.
# Halves receive the public seed derived from --seed 424242.
PUB=$("$VARLB" decode $SMALL --seed 424242 --json | tr ',' '\n' | sed -n 's/^"public_seed"://p')
hanging () {  # the hanging answer of this test, found by its unique seed
  for f in /proc/[0-9]*/cmdline; do
    tr '\0' ' ' 2>/dev/null <"$f" | grep -q "misbehave.py hang answer.*--seed $PUB" && return 0
  done
  return 1
}
mkdir "$TMPD/sig"
TMPDIR="$TMPD/sig" "$VARLB" attack $SMALL --seed 424242 --timeout 60 --budget 64 \
  --compressor "$MIS hang" >/dev/null 2>&1 &
vpid=$!
i=0
while ! hanging && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
hanging && up=yes || up=
kill -TERM $vpid
wait $vpid
rc=$?
i=0
while hanging && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -n "$up" ] && [ $rc -eq 143 ] && ! hanging && [ -z "$(ls -A "$TMPD/sig")" ] \
  && pass "SIGTERM mid-trial: varlb dies of it, the hanging compressor is killed, no trial directory left" \
  || fail "SIGTERM mid-trial: started=$up rc=$rc left=$(ls -A "$TMPD/sig") $(hanging && echo still hanging)"
# (On failure, do not leave the orphan behind.)
for f in /proc/[0-9]*/cmdline; do
  if tr '\0' ' ' 2>/dev/null <"$f" | grep -q "misbehave.py hang answer.*--seed $PUB"; then
    p=${f#/proc/}; kill -9 "${p%/cmdline}" 2>/dev/null
  fi
done

# --- free calibration is recorded per row, and only where the knobs use it.
"$VARLB" attack $SMALL --compressor pq --compressor pq:codebooks=public --budget 400 --json \
  >"$TMPD/cal" 2>"$TMPD/err" \
  && [ "$(json_row "$TMPD/cal" 1 calibration)" = '""' ] \
  && json_row "$TMPD/cal" 2 calibration | grep -q 'codebooks=public.*seed 0x' \
  && pass "pq:codebooks=public records its free calibration, pq none" \
  || fail "calibration column: $(cat "$TMPD/cal" "$TMPD/err")"
"$VARLB" attack $SMALL --compressor "$MIS calib" --compressor "$MIS zeros" --budget 400 --json \
  >"$TMPD/cal" 2>"$TMPD/err"
[ "$(json_row "$TMPD/cal" 1 calibration)" = '"declared by the program: thresholds fitted on seed 99 before the instance"' ] \
  && [ "$(json_row "$TMPD/cal" 2 calibration)" = '""' ] \
  && pass "an external program's CALIBRATION line is recorded as its declared calibration" \
  || fail "declared calibration: $(cat "$TMPD/cal" "$TMPD/err")"
"$VARLB" attack $SMALL --compressor pq:codebooks=public --budget 400 >"$TMPD/cal" 2>&1 \
  && grep -q 'calibration .*(free: fitted before the instance was drawn)' "$TMPD/cal" \
  && pass "attack's report names the free calibration" || fail "report: $(cat "$TMPD/cal")"

# --- a cheater stashing K and V in /tmp during compress, reading them in
# answer, with a 64-bit blob: it reaches the stash (nothing stops a file in
# /tmp), so the Fano ceiling must expose it.
"$VARLB" attack --compressor "$MIS cheat" --budget 64 --sample 64 --seed 7 --json >"$TMPD/cheat" 2>"$TMPD/err"
rm -rf "/tmp/varlb-cheat-stash-7-$(id -u)"
v=$(json_row "$TMPD/cheat" 1 verdict)
if grep -q 'out of reach' "$TMPD/cheat"; then
  pass "cheater could not reach its stash"
elif [ "$v" = "\"$IMPOSSIBLE (above the Fano ceiling with 99% confidence)\"" ] || echo "$v" | grep -q "$IMPOSSIBLE"; then
  pass "cheater at 64 bits: accuracy $(json_row "$TMPD/cheat" 1 accuracy) > Fano ceiling $(json_row "$TMPD/cheat" 1 fano_ceiling): $v"
else
  fail "cheater not caught: $(cat "$TMPD/cheat" "$TMPD/err")"
fi

# --- Bob's directory holds only BLOB and Q.npy, and Alice's K.npy is gone.
"$VARLB" attack $SMALL --compressor "$MIS inspect" --budget 64 --json >"$TMPD/insp" 2>"$TMPD/err" \
  && [ "$(json_row "$TMPD/insp" 1 status)" = '"ok"' ] \
  && pass "answer ran in a private directory with only BLOB and Q.npy; K.npy deleted" \
  || fail "private directory: $(cat "$TMPD/insp" "$TMPD/err")"

"$VARLB" attack $SMALL --compressor "plugin:$PLUG/badplug.so:mode=inspect-answer" --budget 64 --json \
  >"$TMPD/insp" 2>"$TMPD/err" && [ "$(json_row "$TMPD/insp" 1 status)" = '"ok"' ] \
  && pass "a plug-in's answer runs as a fresh varlb __answer process with only BLOB and Q.npy" \
  || fail "plug-in answer process: $(cat "$TMPD/insp" "$TMPD/err")"

# Nothing of Alice's (her stderr included) is readable beside Bob's
# directory (in the sandbox: Alice's tree is gone from Bob's view).
if [ "$SANDBOX" = yes ]; then
  "$VARLB" attack $SMALL --compressor "$MIS peek" --budget 64 --json >"$TMPD/peek" 2>"$TMPD/err" \
    && [ "$(json_row "$TMPD/peek" 1 status)" = '"ok"' ] \
    && pass "answer finds nothing of Alice's next to its directory" \
    || fail "Alice's files reachable from answer: $(cat "$TMPD/peek" "$TMPD/err")"
else
  skip "answer finds nothing of Alice's: $SANDBOX"
fi

# --- misbehaving compressors: each fails with its reason; the run goes on
# to the last compressor, which succeeds; the exit status is 1.
mkdir "$TMPD/trials"
TMPDIR="$TMPD/trials" "$VARLB" attack $SMALL --timeout 2 --budget 64 --max-file 1000000 --json \
  --compressor "$MIS crash" --compressor "$MIS abort" --compressor "$MIS hang" \
  --compressor "$MIS nan" --compressor "$MIS shape" --compressor "$MIS none" \
  --compressor "$MIS fail" --compressor "$MIS fifo" --compressor "$MIS blobdir" \
  --compressor "plugin:$PLUG/badplug.so:mode=segv-compress" \
  --compressor "plugin:$PLUG/badplug.so:mode=abort-compress" \
  --compressor "plugin:$PLUG/badplug.so:mode=segv-answer" \
  --compressor "plugin:$PLUG/badplug.so:mode=hang-answer" \
  --compressor "plugin:$PLUG/badplug.so:mode=nan-answer" \
  --compressor "plugin:$PLUG/badplug.so:mode=error-answer" \
  --compressor "exec:$TMPD/no-such-program" --compressor "$MIS flood" \
  --compressor identity:precision=fp64 >"$TMPD/bad" 2>"$TMPD/err"
rc=$?
[ $rc -eq 1 ] && pass "a run with failing compressors exits 1" || fail "failing run: rc=$rc"
[ "$(nrows "$TMPD/bad")" -eq 18 ] && pass "every compressor got its row" || fail "rows: $(nrows "$TMPD/bad")"
line=0
for want in 'answer: (crashed \(signal 11|exited with status 139 \(crashed: signal 11)' \
            'compress: (crashed \(signal 6|exited with status 134 \(crashed: signal 6)' \
            'answer: timed out after 2 s' \
            'answer: O.npy holds NaN at row' \
            'answer: O.npy has shape \(14, 15\), expected \(14, 16\)' \
            'answer: wrote no O.npy' \
            'compress: exited with status 3' \
            'answer: O.npy is not a plain file' \
            'compress: the blob is not a plain file' \
            'compress: crashed \(signal 11' \
            'compress: crashed \(signal 6' \
            'answer: (crashed \(signal 11|exited with status 139 \(crashed: signal 11)' \
            'answer: timed out after 2 s' \
            'answer: O.npy holds NaN at row 0' \
            'answer: exited with status 1' \
            'compress: exited with status 127 \(the shell found no such command\)' \
            'compress: (exited with status 1[^0-9]|crashed \(signal 25|exited with status 153)'; do
  line=$((line + 1))
  err=$(json_row "$TMPD/bad" $line error)
  st=$(json_row "$TMPD/bad" $line status)
  if echo "$err" | grep -Eq "$want" && [ "$st" != '"ok"' ]; then
    pass "$(json_row "$TMPD/bad" $line compressor): $err"
  else
    fail "$(json_row "$TMPD/bad" $line compressor): want /$want/, got $err ($st)"
  fi
done
grep -q 'refusing to compress on purpose' "$TMPD/bad" && pass "the compressor's stderr is kept" \
  || fail "stderr of the failing compressor was lost"
# flooded FILE LINE: row LINE's compress says it was stopped at no more than
# --max-file's 1000000 bytes, by the file-size limit (EFBIG).
flooded () {
  "$PYTHON3" -c 'import json,re,sys
r = [json.loads(l) for l in open(sys.argv[1]) if l.strip()][int(sys.argv[2]) - 1]
m = re.search(r"flood stopped at (\d+) bytes: File too large", r["stderr_compress"])
assert m and int(m.group(1)) <= 1000000 and r["status"] != "ok", r["stderr_compress"]
print(m.group(1))' "$1" "$2"
}
n=$(flooded "$TMPD/bad" 17) \
  && pass "--max-file stopped the flooding compressor at $n bytes (File too large)" \
  || fail "flood: $(json_row "$TMPD/bad" 17 stderr_compress)"
[ "$(json_row "$TMPD/bad" 18 status)" = '"ok"' ] && [ "$(json_row "$TMPD/bad" 18 correct)" = 224 ] \
  && pass "the run went on: identity after the failures decodes 224/224" || fail "last row: $(tail -n 1 "$TMPD/bad")"
[ -z "$(ls -A "$TMPD/trials")" ] && pass "no trial directory left in \$TMPDIR after crashes and timeouts" \
  || fail "left in \$TMPDIR: $(ls -A "$TMPD/trials")"
[ "$(grep -c '^varlb: attack: ' "$TMPD/err")" -eq 17 ] && pass "one stderr line per failed compressor" \
  || fail "stderr: $(cat "$TMPD/err")"

# --- without the sandbox the same limits hold: the file-size limit, and
# nothing a half leaves in its process group survives it (Alice's
# background child is gone before Bob starts; with the sandbox its PID
# namespace ends it).
mkdir "$TMPD/bg"
TMPDIR="$TMPD/bg" "$VARLB" attack $SMALL --no-sandbox --timeout 5 --budget 64 --max-file 1000000 \
  --json --compressor "$MIS flood" --compressor "exec:$PYTHON3 $top_srcdir/tests/compressors/hostile.py bgchild" \
  --compressor "$MIS crash" --compressor "$MIS hang" >"$TMPD/ns" 2>"$TMPD/err"
n=$(flooded "$TMPD/ns" 1) && [ "$(json_row "$TMPD/ns" 1 isolation)" = '"none"' ] \
  && pass "--no-sandbox: --max-file stopped the flooding compressor at $n bytes" \
  || fail "--no-sandbox flood: $(sed -n 1p "$TMPD/ns") $(cat "$TMPD/err")"
bg=$(json_row "$TMPD/ns" 2 stderr_answer)
if echo "$bg" | grep -q "Alice's background child [0-9]* gone in Bob's phase" \
   && json_row "$TMPD/ns" 2 stderr_compress | grep -q 'left background child [0-9]'; then
  pass "--no-sandbox: Alice's background child is gone before Bob starts"
else
  fail "--no-sandbox background child: $bg $(json_row "$TMPD/ns" 2 stderr_compress)"
  p=$(sed -n 1p "$TMPD/bg/varlb-hostile-bg.pid" 2>/dev/null)
  case $p in [0-9]*) kill -9 "$p" 2>/dev/null ;; esac
fi
# The halves' host directories (in TMPDIR: the pid file above shows the
# halves were given it) are gone after a crash and a timeout too.
rm -f "$TMPD/bg/varlb-hostile-bg.pid"
[ "$(json_row "$TMPD/ns" 3 error)" != '""' ] && json_row "$TMPD/ns" 4 error | grep -q 'timed out after 5 s' \
  && [ -z "$(ls -A "$TMPD/bg")" ] \
  && pass "--no-sandbox: no half's directory left in TMPDIR after a crash and a timeout" \
  || fail "--no-sandbox, left in TMPDIR: $(ls -A "$TMPD/bg"); $(sed -n '3,4p' "$TMPD/ns")"

# --- what is wrong with an output is named: BLOB.npz for BLOB, a float32 O.npy.
"$VARLB" attack $SMALL --budget 64 --json --compressor "$MIS npz" --compressor "$MIS float32" \
  >"$TMPD/npz" 2>"$TMPD/err"
json_row "$TMPD/npz" 1 error | grep -q 'wrote no BLOB but BLOB.npz (np.savez adds .npz' \
  && json_row "$TMPD/npz" 2 error | grep -q 'O.npy: .*float32' \
  && pass "a BLOB.npz and a float32 O.npy are named: $(json_row "$TMPD/npz" 2 error)" \
  || fail "npz/float32: $(cat "$TMPD/npz" "$TMPD/err")"

# --- the C plug-in example: all bits with room for everything; at N/4 it
# fits its budget and stays under the Fano ceiling.
# An example compressor SPEC (named NAME): every bit at 100 N; at N/4 within
# its budget (charged bits included) and under the Fano ceiling.
example_bounds () { # NAME SPEC
  "$VARLB" attack --compressor "$2" --ratio 100 --json >"$TMPD/ex100" 2>"$TMPD/err" \
    && [ "$(json_row "$TMPD/ex100" 1 correct)" = 27136 ] && pass "$1 with room for all tokens decodes every bit" \
    || fail "$1 at 100 N: $(cat "$TMPD/ex100" "$TMPD/err")"
  "$VARLB" attack --compressor "$2" --ratio 0.25 --json >"$TMPD/ex4" 2>"$TMPD/err" \
    && "$PYTHON3" -c 'import json,sys; r=json.load(open(sys.argv[1]))
assert not r["over_budget"] and r["bits_charged"] <= r["budget_bits"]
assert r["accuracy"] <= r["fano_ceiling"], r' "$TMPD/ex4" \
    && pass "$1 at N/4: accuracy $(json_row "$TMPD/ex4" 1 accuracy) <= Fano $(json_row "$TMPD/ex4" 1 fano_ceiling)" \
    || fail "$1 at N/4: $(cat "$TMPD/ex4" "$TMPD/err")"
}
example_bounds "plug-in firstk" "plugin:$PLUG/firstk.so"
# Its own Makefile, against the source tree, with the compiler of this build.
if command -v make >/dev/null 2>&1 && [ -n "$CC" ]; then
  mkdir "$TMPD/ex" && cp "$top_srcdir/examples/plugin/firstk.c" "$top_srcdir/examples/plugin/Makefile" "$TMPD/ex/"
  if make -s -C "$TMPD/ex" CC="$CC" VARLB_CFLAGS="-I$top_srcdir/src" VARLB_LIBS= >"$TMPD/mk" 2>&1 \
     && "$VARLB" attack $SMALL --compressor "plugin:$TMPD/ex/firstk.so:tokens=14" --budget 1 --json >"$TMPD/pl" \
     && [ "$(json_row "$TMPD/pl" 1 correct)" = 224 ]; then
    pass "examples/plugin/Makefile builds a working firstk.so"
  else
    fail "examples/plugin/Makefile: $(cat "$TMPD/mk")"
  fi
else
  skip "examples/plugin/Makefile: make or the build's compiler (CC) not found"
fi

# --- the Python external example (NumPy).
if "$PYTHON3" -c 'import numpy' 2>/dev/null; then
  example_bounds topk_fp16.py "exec:$PYTHON3 $top_srcdir/examples/external/topk_fp16.py"
else
  skip "topk_fp16.py: $PYTHON3 has no NumPy"
fi

# A text knob's allowed values are not in the knob table, so a value
# outside them reaches the compressor, which refuses it: the trial fails.
"$VARLB" attack --compressor identity:precision=fp8 --budget 100 >"$TMPD/out" 2>"$TMPD/err"
[ $? -eq 1 ] && grep -q 'identity:precision=fp8: compress' "$TMPD/err" \
  && pass "identity:precision=fp8 fails its trial: $(cat "$TMPD/err")" || fail "fp8: $(cat "$TMPD/err")"

# --- usage errors: exit 2, one line, nothing run.
expect_usage_error "unknown knob" attack --compressor identity:colour=red --budget 100
expect_usage_error "knob not an integer" attack --compressor zstd:level=high --budget 100
expect_usage_error "knob out of range" attack --compressor zstd:level=99 --budget 100
expect_usage_error "knobs malformed" attack --compressor identity:precision --budget 100
expect_usage_error "unknown compressor" attack --compressor nosuch --budget 100
expect_usage_error "plug-in missing" attack --compressor plugin:/nonexistent/x.so --budget 100
expect_usage_error "plug-in of another ABI" attack --compressor "plugin:$PLUG/badabi.so" --budget 100
expect_usage_error "empty exec" attack --compressor exec: --budget 100
expect_usage_error "negative budget" attack --compressor identity --budget -5
expect_usage_error "budget not a number" attack --compressor identity --budget lots
expect_usage_error "ratio not a number" attack --compressor identity --ratio 1/4
expect_usage_error "negative ratio" attack --compressor identity --ratio -0.5
expect_usage_error "both budget and ratio" attack --compressor identity --budget 10 --ratio 0.5
expect_usage_error "neither budget nor ratio" attack --compressor identity
expect_usage_error "no compressor" attack --budget 10
expect_usage_error "sample 0" attack --compressor identity --budget 10 --sample 0
expect_usage_error "timeout 0" attack --compressor identity --budget 10 --timeout 0
expect_usage_error "list takes no argument" list extra

finish
