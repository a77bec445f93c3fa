#!/bin/sh
# cli_honest.sh -- honest programs run under every layer of isolation as
# they run without it: the same answers (correct bits) in the sandbox and
# with --no-sandbox, for NumPy (multi-threaded OpenBLAS) under exec: and
# serve:, SQLite in a half's private /tmp (a one-shot half keeps its locks;
# a serve: worker, refused locks, runs SQLite with ?nolock=1 and is told so
# by SQLite's own error otherwise), a C plug-in, and whole models.  torch
# and faiss run in tests/python_torch.sh and python_faiss.sh when installed.
. "$top_srcdir/tests/cli_lib.sh"
[ -n "$PYTHON3" ] && "$PYTHON3" -c 'import numpy' 2>/dev/null \
  || { echo "python3 with NumPy not found: skipping"; exit 77; }
need_sandbox
PYTHONPATH="$top_srcdir/python${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONPATH
SMALL="--schedule 1,2,3,4 -d 8 --ratio 0.5"

# same DESCRIPTION SPEC [ARGS]: a trial in the sandbox and without it agree.
same () {
  desc=$1 spec=$2; shift 2
  "$VARLB" attack $SMALL "$@" --no-sandbox --compressor "$spec" --json >"$TMPD/n" 2>"$TMPD/err"
  "$VARLB" attack $SMALL "$@" --compressor "$spec" --json >"$TMPD/s" 2>>"$TMPD/err"
  if "$PYTHON3" -c 'import json,sys
a, b = (json.loads(open(f).readline()) for f in sys.argv[1:])
assert a["status"] == b["status"] == "ok", (a.get("error"), b.get("error"), b.get("stderr_compress"), b.get("stderr_answer"))
assert a["correct"] == b["correct"] and a["bits_charged"] == b["bits_charged"], (a["correct"], b["correct"])
assert b["isolation"] == "sandbox"' "$TMPD/n" "$TMPD/s" 2>"$TMPD/perr"; then
    pass "$desc: the same $(sed -n 's/.*"correct": *\([0-9]*\).*/\1/p' "$TMPD/s") correct bits in the sandbox"
  else
    fail "$desc: $(cat "$TMPD/perr" "$TMPD/err")"
  fi
}

TOPK="$PYTHON3 $top_srcdir/examples/external/topk_fp16.py"
SQL="$PYTHON3 $top_srcdir/tests/compressors/honest_sqlite.py"
same "NumPy, exec:" "exec:$TOPK"
same "NumPy, serve:" "serve:$TOPK"
same "SQLite in /tmp with its locks, exec:" "exec:$SQL locking"
same "SQLite in /tmp without locks, serve:" "serve:$SQL nolock"
"$VARLB" attack $SMALL --compressor "serve:$SQL locking" --json >"$TMPD/s" 2>"$TMPD/err"
grep -q 'honest_sqlite: compress: .*\(access permission denied\|locking protocol\|disk I/O error\)' "$TMPD/s" \
  && pass "SQLite with locks in a serve: worker: SQLite's own error names it ($(sed -n 's/.*"error": *"\([^"]*\)".*/\1/p' "$TMPD/s"))" \
  || fail "SQLite with locks in a serve: worker: $(cat "$TMPD/s" "$TMPD/err")"
same "a C plug-in" "plugin:$top_builddir/tests/plugins/.libs/firstk.so"
same "a whole model, built-in" "kivi" --layers 2 --heads 2
same "a whole model, serve:" "serve:$PYTHON3 $top_srcdir/tests/compressors/model_identity.py" --layers 2 --heads 1

finish
