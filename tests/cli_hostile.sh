#!/bin/sh
# cli_hostile.sh -- compressors that try every way around the one-way channel
# (tests/plugins/hostile.c, tests/compressors/hostile.py) and must gain
# nothing: with a one-byte blob their accuracy stays at chance, what they
# left behind is gone, and the result files hold only varlb's rows.  Each
# route is shown to leak without the sandbox first (--no-sandbox), so the
# checks can fail.  Also: the compress-time allowance, kill -9 of varlb, JSON
# that stays UTF-8, and output files that are never clobbered.
. "$top_srcdir/tests/cli_lib.sh"
[ -n "$PYTHON3" ] || { echo "python3 not found: skipping"; exit 77; }
need_sandbox

SMALL="--schedule 1,2,3,4 -d 8"   # 14 Alice tokens, N = 112 bits
HOS="plugin:$top_builddir/tests/plugins/.libs/hostile.so"
EXE="exec:$PYTHON3 $top_srcdir/tests/compressors/hostile.py"
export TMPDIR="$TMPD/tmp"
mkdir "$TMPDIR"

# acc FILE: the accuracy of the first row; field FILE KEY likewise.
field () { "$PYTHON3" -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())[sys.argv[2]])' "$1" "$2"; }
# chance FILE LIMIT: accuracy below LIMIT and a verdict that is not impossible.
chance () {
  "$PYTHON3" -c 'import json,sys
r = json.loads(open(sys.argv[1]).readline())
assert r["status"] == "ok", r["error"]
assert r["accuracy"] < float(sys.argv[2]), r["accuracy"]
assert not r["verdict"].startswith("impossible"), r["verdict"]' "$1" "$2"
}

# --- the control: without the sandbox a stash in /tmp leaks everything,
# and the row says so.
"$VARLB" attack $SMALL --budget 8 --no-sandbox --compressor "$HOS:mode=tmp" --json \
  >"$TMPD/ctl" 2>"$TMPD/err"
rm -f /tmp/varlb-hostile-stash
[ "$(field "$TMPD/ctl" correct)" = 112 ] && [ "$(field "$TMPD/ctl" isolation)" = none ] \
  && field "$TMPD/ctl" verdict | grep -q '^impossible' \
  && pass "control: without the sandbox the /tmp stash leaks every bit (isolation none, impossible)" \
  || fail "control: $(cat "$TMPD/ctl" "$TMPD/err")"

# --- stashes in every shared writable place, and a host path.
for m in tmp vartmp shm home parent cwd; do
  "$VARLB" attack $SMALL --budget 8 --compressor "$HOS:mode=$m" --json >"$TMPD/o" 2>"$TMPD/err"
  if chance "$TMPD/o" 0.8 && field "$TMPD/o" stderr_answer | grep -q 'not found' \
     && [ "$(field "$TMPD/o" isolation)" = sandbox ]; then
    pass "stash ($m): blocked, accuracy $(field "$TMPD/o" accuracy)"
  else
    fail "stash ($m): $(cat "$TMPD/o" "$TMPD/err")"
  fi
done
for f in /tmp/varlb-hostile-stash /var/tmp/varlb-hostile-stash /dev/shm/varlb-hostile-stash \
         "$HOME/.varlb-hostile-stash"; do
  [ ! -e "$f" ] || { fail "a stash survived on the host: $f"; rm -f "$f"; }
done
# A host folder shown to the halves (--expose), outside /tmp, /var/tmp,
# /dev/shm, /run and $HOME, which a half sees as private empty directories
# (a write there lands in its own copy, so the file would stay as it was
# even if the folder were bound read-write; a build tree under /tmp is one
# such place).  The file is writable by everyone, so that only the
# read-only mount stops the half (its own uid would stop it otherwise).
HOSTDIR=
for c in "$top_builddir/tests" "$top_srcdir/tests" /var/lib /var/cache /opt /srv /mnt; do
  real=$(cd "$c" 2>/dev/null && pwd -P) || continue
  case "$real/" in
    /tmp/*|/var/tmp/*|/dev/shm/*|/run/*|"$(cd "${HOME:-/nonexistent}" 2>/dev/null && pwd -P)"/*) continue ;;
  esac
  HOSTDIR=$(mktemp -d "$real/varlb-hostile.XXXXXX" 2>/dev/null) && break
done
if [ -n "$HOSTDIR" ]; then
  trap 'rm -rf "$TMPD" "$HOSTDIR"' EXIT
  HF=$HOSTDIR/host-file
  echo host >"$HF"
  chmod 0755 "$HOSTDIR"; chmod 0666 "$HF"
  echo host >"$TMPD/host-file.was"
  "$VARLB" attack $SMALL --budget 8 --no-sandbox --compressor "$HOS:mode=fixed,path=$HF" --json \
    >"$TMPD/o" 2>"$TMPD/err"
  # The control: without the sandbox the half overwrites the file.
  if ! cmp -s "$HF" "$TMPD/host-file.was" && field "$TMPD/o" stderr_compress | grep -q "stash $HF: written"; then
    echo host >"$HF"
    "$VARLB" attack $SMALL --budget 8 --expose "$HOSTDIR" --compressor "$HOS:mode=fixed,path=$HF" --json \
      >"$TMPD/o" 2>"$TMPD/err"
    chance "$TMPD/o" 0.8 && cmp -s "$HF" "$TMPD/host-file.was" \
      && field "$TMPD/o" stderr_compress | grep -q "stash $HF: Read-only file system" \
      && pass "a host file shown to a half ($HOSTDIR, --expose) is read-only to it: $(field "$TMPD/o" stderr_compress)" \
      || fail "host file: $(cmp "$HF" "$TMPD/host-file.was"; cat "$TMPD/o" "$TMPD/err")"
  else
    fail "host file control: without the sandbox the half did not write $HF: $(cat "$TMPD/o" "$TMPD/err")"
  fi
  # The last line behind the usage check: an output deeper in an --expose
  # folder than that check looks (the folder and the folders right below
  # it) is hidden all the same.  Readable by all, so only the mask stops it.
  OLD=$HOSTDIR/shown/a/b/blobs/old.blob
  mkdir -p "${OLD%/*}" && chmod -R 0755 "$HOSTDIR/shown" && echo rows >"$OLD" && chmod 0644 "$OLD"
  "$VARLB" attack $SMALL --budget 8 --expose "$HOSTDIR/shown" --keep-blobs "${OLD%/*}" \
    --compressor "$HOS:mode=fixed,path=$OLD" --json >"$TMPD/o" 2>"$TMPD/err"
  [ -s "$OLD" ] && chance "$TMPD/o" 0.8 && field "$TMPD/o" stderr_answer | grep -q "stash $OLD not found" \
    && pass "an output deep in an --expose folder is hidden from a half: $(field "$TMPD/o" stderr_answer)" \
    || fail "output in an --expose folder: $(ls -l "$OLD"; cat "$TMPD/o" "$TMPD/err")"
else
  skip "the host read-only to a half: no writable directory outside /tmp, /var/tmp, /dev/shm, /run and \$HOME"
fi

# --- the network: a listener on the host's loopback is reached from a half
# without the sandbox (the control) and from neither half in it.
"$PYTHON3" -c 'import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
n = 0
while True:
    c, _ = s.accept()
    n += 1
    with open(sys.argv[2], "w") as f:
        f.write(str(n))
    c.close()' "$TMPD/port" "$TMPD/hits" &
lpid=$!
i=0
while [ ! -s "$TMPD/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cat "$TMPD/port" 2>/dev/null)
if is_number "$port"; then
  "$VARLB" attack $SMALL --budget 8 --no-sandbox --compressor "$EXE net $port" --json \
    >"$TMPD/o" 2>"$TMPD/err"
  # (the listener counts a connection when it gets to accept it: on a
  # loaded machine that may be a moment after the half ended)
  i=0
  while [ "$(cat "$TMPD/hits" 2>/dev/null)" != 2 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  ctl=$(cat "$TMPD/hits" 2>/dev/null)
  "$VARLB" attack $SMALL --budget 8 --compressor "$EXE net $port" --json >"$TMPD/o2" 2>"$TMPD/err2"
  sleep 1
  after=$(cat "$TMPD/hits" 2>/dev/null)
  if [ "$ctl" = 2 ] && field "$TMPD/o" stderr_answer | grep -q 'host network REACHED'; then
    chance "$TMPD/o2" 0.8 && [ "$after" = 2 ] \
      && field "$TMPD/o2" stderr_compress | grep -q 'host network unreachable' \
      && field "$TMPD/o2" stderr_answer | grep -q 'host network unreachable' \
      && pass "the host's network is out of both halves' reach: $(field "$TMPD/o2" stderr_compress)" \
      || fail "network: $after connections; $(cat "$TMPD/o2" "$TMPD/err2")"
  else
    fail "network control: without the sandbox $ctl connections: $(cat "$TMPD/o" "$TMPD/err")"
  fi
else
  fail "network: the host listener did not start"
fi
kill "$lpid" 2>/dev/null
wait "$lpid" 2>/dev/null

# --- the judge key: not in the environment, not readable.
"$VARLB" attack $SMALL --budget 8 --compressor "$HOS:mode=fixed,path=$VARLB_JUDGE_KEY" \
  --compressor "$EXE env" --json >"$TMPD/o" 2>"$TMPD/err"
sed -n 1p "$TMPD/o" >"$TMPD/o1"; sed -n 2p "$TMPD/o" >"$TMPD/o2"
chance "$TMPD/o1" 0.8 && field "$TMPD/o1" stderr_answer | grep -q 'not found' \
  && field "$TMPD/o2" stderr_answer | grep -q '^hostile: environment: ' \
  && ! field "$TMPD/o2" stderr_answer | grep -q SECRET \
  && ! field "$TMPD/o2" stderr_answer | grep -q VARLB_JUDGE_KEY \
  && pass "the judge key is neither readable nor in a half's environment" \
  || fail "judge key: $(cat "$TMPD/o" "$TMPD/err")"

# --- no capability in a half, not even in its bounding set (a half is
# root in its user namespace: with capabilities it could mount, trace or
# bind what the namespaces only hide).
"$VARLB" attack $SMALL --budget 8 --compressor "$EXE caps" --json >"$TMPD/o" 2>"$TMPD/err"
caps=$(field "$TMPD/o" stderr_answer 2>/dev/null | sed -n 's/^hostile: capabilities //p')
echo "$caps" | grep -q 'CapBnd=0000000000000000' && echo "$caps" | grep -q 'CapEff=0000000000000000' \
  && echo "$caps" | grep -q 'CapPrm=0000000000000000' \
  && pass "a half holds no capability: $caps" || fail "capabilities in a half: '$caps' $(cat "$TMPD/err")"

# --- the seed: halves get only the public seed; rebuilding the instance
# from it, or from the run seed found by trying small ones, gives chance.
"$VARLB" attack $SMALL --budget 8 --compressor "$HOS:mode=seed" --json >"$TMPD/o" 2>"$TMPD/err"
chance "$TMPD/o" 0.8 && pass "seed: the public seed rebuilds nothing ($(field "$TMPD/o" accuracy))" \
  || fail "seed: $(cat "$TMPD/o" "$TMPD/err")"
"$VARLB" attack --budget 8 --compressor "$HOS:mode=bruteforce,frac=0.2" --json >"$TMPD/o" 2>"$TMPD/err"
"$PYTHON3" -c 'import json,sys
r = json.loads(open(sys.argv[1]).readline())
assert "run seed 1," in r["stderr_answer"], r["stderr_answer"]
assert abs(r["accuracy"] - 0.5) < 0.02, r["accuracy"]   # 27136 bits: 6 sigma' "$TMPD/o" \
  && pass "bruteforce: finds run seed 1, but 20% of the bits from it are at chance ($(field "$TMPD/o" accuracy))" \
  || fail "bruteforce: $(cat "$TMPD/o" "$TMPD/err")"

# --- Bob's sample: Alice keeps the 8 bits of the token she predicts Bob
# asks; over 20 seeds she is right at chance, not always.
"$VARLB" sweep $SMALL --budgets 8 --sample 1 --seeds 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20 \
  --compressor "$HOS:mode=sample,sample=1" --out "$TMPD/smp.csv" 2>"$TMPD/err"
"$PYTHON3" -c 'import csv,sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 20 and all(r["status"] == "ok" for r in rows)
mean = sum(float(r["accuracy"]) for r in rows) / len(rows)
assert mean < 0.75, mean
print("%.3f" % mean)' "$TMPD/smp.csv" >"$TMPD/mean" \
  && pass "sample: Alice cannot predict Bob's token (mean accuracy $(cat "$TMPD/mean") over 20 seeds)" \
  || fail "sample: $(cat "$TMPD/err") $(cat "$TMPD/mean")"

# --- daemons serving the cache, and one that lingers: nothing reaches
# answer, nothing survives.
for m in unix tcp; do
  "$VARLB" attack $SMALL --budget 8 --compressor "$HOS:mode=$m" --json >"$TMPD/o" 2>"$TMPD/err"
  # Positive evidence first: the daemon did listen (compress's stderr).
  field "$TMPD/o" stderr_compress | grep -q "$m daemon listening" \
    && chance "$TMPD/o" 0.8 && field "$TMPD/o" stderr_answer | grep -q unreachable \
    && pass "daemon ($m): listening, unreachable from answer" || fail "daemon ($m): $(cat "$TMPD/o" "$TMPD/err")"
done
"$VARLB" attack $SMALL --budget 8 --compressor "$EXE linger" --json >"$TMPD/o" 2>"$TMPD/err"
sleep 0.5
if ! field "$TMPD/o" stderr_compress >/dev/null; then
  fail "linger: no row: $(cat "$TMPD/o" "$TMPD/err")"
elif need_pgrep "no daemon outlives its half"; then
  if pgrep -f 'hostiled|varlb-hostile-daemon' >/dev/null; then
    fail "a daemon outlived its half: $(pgrep -af 'hostiled|varlb-hostile-daemon')"
    pkill -9 -f 'hostiled|varlb-hostile-daemon'
  else
    pass "no daemon outlives its half (unix, tcp, a detached sleep)"
  fi
fi

# --- the judge's processes and memory are out of sight.
"$VARLB" attack $SMALL --budget 8 --compressor "$HOS:mode=procmem" --json >"$TMPD/o" 2>"$TMPD/err"
field "$TMPD/o" stderr_answer | grep -q 'judge not visible' \
  && pass "answer sees no process of the judge: $(field "$TMPD/o" stderr_answer)" \
  || fail "procmem: $(cat "$TMPD/o" "$TMPD/err")"

# --- the blob's metadata: Bob's BLOB is a fresh copy of the bytes.
"$VARLB" attack $SMALL --budget 8 --compressor "$EXE metadata" --json >"$TMPD/o" 2>"$TMPD/err"
chance "$TMPD/o" 0.8 && field "$TMPD/o" stderr_answer | grep -q 'xattr of BLOB absent' \
  && field "$TMPD/o" stderr_answer | grep -q 'BLOB mode 644' \
  && ! field "$TMPD/o" stderr_answer | grep -q 'mtime 10000' \
  && pass "metadata: no xattr, fixed mode, no ../blob" || fail "metadata: $(cat "$TMPD/o" "$TMPD/err")"

# --- a program that rewrites itself: the host is read-only to it.
mkdir "$TMPD/self"
cp "$top_srcdir/tests/compressors/hostile.py" "$top_srcdir/tests/compressors/misbehave.py" "$TMPD/self/"
cp "$TMPD/self/hostile.py" "$TMPD/self/before.py"
"$VARLB" attack $SMALL --budget 8 --compressor "exec:$PYTHON3 $TMPD/self/hostile.py selfmod $TMPD/self/hostile.py" \
  --json >"$TMPD/o" 2>"$TMPD/err"
chance "$TMPD/o" 0.8 && cmp -s "$TMPD/self/hostile.py" "$TMPD/self/before.py" \
  && field "$TMPD/o" stderr_compress | grep -q 'cannot rewrite myself' \
  && pass "selfmod: the program file stays as it was" || fail "selfmod: $(cat "$TMPD/o" "$TMPD/err")"

# --- result files: no descriptor of varlb's reaches a half, the CSV is
# not writable from one, and a daemon that waits cannot forge rows later.
# varlb itself starts with descriptors 4-9 open and inheritable (as a shell
# or a job runner may leave them): a half must not get those either.
S="$TMPD/forge.csv"
echo inherited >"$TMPD/inherited"
I=$TMPD/inherited
"$VARLB" sweep $SMALL --budgets 8 --seeds 1,2 --compressor "$EXE fds" \
  --compressor "$HOS:mode=forge,path=$S" --out "$S" --tokens "$TMPD/forge-tok.csv" 2>"$TMPD/err" \
  4<"$I" 5<"$I" 6<"$I" 7<"$I" 8<"$I" 9<"$I"
sleep 2.5
if grep -q forged "$S" "$TMPD/forge.jsonl" "$TMPD/forge-tok.csv"; then
  fail "a forged row reached the results: $(grep forged "$S" "$TMPD/forge.jsonl")"
elif grep -q 'descriptor [0-9]* is open' "$S"; then
  fail "a half holds a descriptor above 2: $(grep -o 'descriptor [0-9]* is open ([^)]*)' "$S" | head -3)"
else
  # Positive evidence: both halves of both fds trials looked and found none.
  "$PYTHON3" -c 'import csv,sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 4 and all(r["status"] == "ok" for r in rows), rows
fds = [r for r in rows if r["compressor"].endswith("hostile.py fds")]
assert len(fds) == 2, rows
for r in fds:
    for half in ("compress", "answer"):
        assert "descriptors 3-255 checked: 0 open" in r["stderr_" + half], r["stderr_" + half]' "$S" \
    && pass "no forged row, during or after the run; no descriptor above 2 in a half (4-9 open in varlb)" \
    || fail "forge: $(cat "$S" "$TMPD/err")"
fi
grep -q 'cannot write .*forge.csv' "$S" && pass "the results file is not writable from a half" \
  || fail "forge path: $(grep -o 'hostile: [^"]*' "$S" | head -3)"

# --- the compress time: charged as log2 of the grid's levels at the
# timeout, and the verdict judged at charged + that allowance.
# (The time reference is a file of its own: a named file's folder must
# hold no varlb outputs, and the source tree may hold varlb-demo/.)
mkdir "$TMPD/clock"
echo stamp >"$TMPD/clock/stamp"
for to in 60:5 2:5 0.5:4; do
  t=${to%:*} want=${to#*:}
  "$VARLB" attack $SMALL --budget 8 --timeout "$t" --compressor "$EXE timing $TMPD/clock/stamp" \
    --json >"$TMPD/o" 2>"$TMPD/err"
  "$PYTHON3" -c 'import json,sys
r = json.loads(open(sys.argv[1]).readline())
assert r["side_channel_bits"] == float(sys.argv[2]), r["side_channel_bits"]
assert r["status"] == "ok", r' "$TMPD/o" "$want" \
    && pass "timeout $t s: the compress time is charged $want bits" \
    || fail "timing at $t: $(cat "$TMPD/o" "$TMPD/err")"
done
# --- the pad itself (on_grid in cli_lib.sh): a compress that ends just past
# a level of the grid keeps Bob waiting for the next.
on_grid "Bob starts on the timing grid" $SMALL --budget 8 --compressor "$EXE grid"
"$VARLB" attack --budget 1 --compressor identity:precision=fp16 --json >"$TMPD/o" 2>"$TMPD/err"
"$VARLB" attack --budget 6784 --compressor kivi --json >"$TMPD/k" 2>"$TMPD/err"
"$PYTHON3" -c 'import json,sys
r = json.loads(open(sys.argv[1]).readline())
# the ceiling is the one at the bits judged (H2(1-p) = 1 - B/N): within the
# budget its whole bytes and 0.0284 (every blob up to them), + side channels.
from math import floor, log2
B = 8 * floor(r["budget_bits"] / 8) + 0.0284 + r["side_channel_bits"]; N = r["N"]
assert r["bits_charged"] <= r["budget_bits"] and abs(r["bits_judged"] - B) < 1e-9, r
h = lambda q: -q*log2(q) - (1-q)*log2(1-q)
p = r["fano_ceiling"]
assert abs(h(1 - p) - (1 - B / N)) < 1e-9, (h(1 - p), 1 - B / N)' "$TMPD/k" \
  && pass "the Fano ceiling is taken at the bits judged: the budget's bytes + side-channel bits" \
  || fail "ceiling: $(cat "$TMPD/k" "$TMPD/err")"

# --- kill -9 of varlb mid-trial: no process of the half survives, nothing
# is left in TMPDIR.
if need_pgrep "kill -9 of varlb mid-trial"; then
"$VARLB" attack $SMALL --budget 8 --timeout 60 --compressor "$EXE lingerhang" >/dev/null 2>&1 &
vpid=$!
i=0
while ! pgrep -f varlb-hostile-daemon >/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
pgrep -f varlb-hostile-daemon >/dev/null && up=yes || up=
kill -9 $vpid
wait $vpid 2>/dev/null
i=0
while pgrep -f 'varlb-hostile-daemon|hostile.py lingerhang' >/dev/null && [ $i -lt 30 ]; do
  sleep 0.1; i=$((i + 1))
done
if [ -n "$up" ] && ! pgrep -f 'varlb-hostile-daemon|hostile.py lingerhang' >/dev/null \
   && [ -z "$(ls -A "$TMPDIR")" ]; then
  pass "kill -9 of varlb: the half and its daemon die, nothing left in TMPDIR"
else
  fail "kill -9: started=$up left=$(ls -A "$TMPDIR") $(pgrep -af 'varlb-hostile-daemon|hostile.py lingerhang')"
  pkill -9 -f 'varlb-hostile-daemon|hostile.py lingerhang'
fi
fi

# --- a compressor's stderr with bytes that are not UTF-8: the JSON Lines
# stay valid UTF-8 JSON.
mkdir "$TMPD/bytes"
cat >"$TMPD/bytes/bytes.sh" <<'EOF'
#!/bin/sh
printf 'bad \377\376 split \342\202' >&2
exit 3
EOF
chmod +x "$TMPD/bytes/bytes.sh"
"$VARLB" sweep $SMALL --budgets 8 --compressor "exec:$TMPD/bytes/bytes.sh" --out "$TMPD/u.csv" 2>"$TMPD/err"
"$PYTHON3" -c 'import json,sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8", errors="strict")]
assert len(rows) == 1, rows
for r in rows:
    assert r["stderr_compress"].startswith("bad "), r["stderr_compress"]' "$TMPD/u.jsonl" \
  && pass "non-UTF-8 stderr: the JSON Lines parse as strict UTF-8" \
  || fail "utf-8: $(cat "$TMPD/u.jsonl" "$TMPD/err")"

# --- output files: nothing replaced without --force, two outputs on one
# file refused, a write error names its file and the real reason.
O="$TMPD/out.csv"
echo keep >"$TMPD/out.jsonl"
"$VARLB" sweep $SMALL --budgets 8 --compressor identity --out "$O" 2>"$TMPD/err"
[ $? -eq 2 ] && [ "$(cat "$TMPD/out.jsonl")" = keep ] && [ ! -e "$O" ] \
  && grep -q 'out.jsonl exists' "$TMPD/err" \
  && pass "an existing .jsonl is not clobbered: $(cat "$TMPD/err")" || fail "jsonl clobber: $(cat "$TMPD/err")"
rm -f "$TMPD/out.jsonl"
echo keep >"$TMPD/t.csv"
"$VARLB" sweep $SMALL --budgets 8 --compressor identity --out "$O" --tokens "$TMPD/t.csv" 2>"$TMPD/err"
[ $? -eq 2 ] && [ "$(cat "$TMPD/t.csv")" = keep ] && pass "an existing --tokens file is not clobbered" \
  || fail "tokens clobber: $(cat "$TMPD/err")"
expect_usage_error "--out FILE.jsonl collides with its JSON Lines" sweep $SMALL --budgets 8 \
  --compressor identity --out "$TMPD/s.jsonl"
expect_usage_error "--tokens equal to --out" sweep $SMALL --budgets 8 --compressor identity \
  --out "$TMPD/same.csv" --tokens "$TMPD/same.csv"
"$VARLB" sweep $SMALL --budgets 8 --compressor identity --out "$TMPD/full.csv" --tokens /dev/full \
  --force 2>"$TMPD/err"
[ $? -eq 1 ] && grep -q '/dev/full: write failed: No space left on device' "$TMPD/err" \
  && pass "a full device: $(cat "$TMPD/err")" || fail "full device: $(cat "$TMPD/err")"

# --- --resume refuses a file whose stored verdicts disagree with their
# numbers (a forged "succeeds": its MAC no longer matches).
"$VARLB" sweep --budgets 2000,4000 --compressor kivi --out "$TMPD/r.csv" 2>/dev/null
grep -q 'fails as the bound predicts' "$TMPD/r.csv" || fail "resume tamper: no row to tamper with"
sed -i '2s/fails as the bound predicts/succeeds (budget at or above the bound)/' "$TMPD/r.csv"
printf '"kivi",4' >>"$TMPD/r.csv"   # and a torn line, which a refusal keeps too
cp "$TMPD/r.csv" "$TMPD/r.before"
"$VARLB" sweep --budgets 2000,4000,8000 --compressor kivi --out "$TMPD/r.csv" --resume 2>"$TMPD/err"
[ $? -eq 1 ] && cmp -s "$TMPD/r.csv" "$TMPD/r.before" && grep -q 'row 1: refused: its MAC does not match' "$TMPD/err" \
  && pass "--resume refuses a tampered verdict: $(cat "$TMPD/err")" || fail "resume tamper: $(cat "$TMPD/err")"

finish
