#!/bin/sh
# cli_golden.sh -- the safety net of refactorings (issue 21): a fixed grid of
# commands (per-head and whole-model sweeps of built-ins, a v1 and a v2
# plug-in, exec: and serve: programs, --sample, failing halves, MPI 2 ranks;
# decode/certify/bound JSON, prove, summary, list, every help text) whose
# outputs -- exit status, stdout, stderr and every file written -- must equal
# tests/golden/ byte for byte once normalised: the paths of this run, the
# version and git revision, SHA-256 digests (plug-in provenance), times,
# the library versions of a sweep's manifest, prove's line on the Coq
# record (whether this build has Coq and checked it), and the MAC of a row
# that holds any of these (the MAC signs the text as written: a time, this
# tree's path or a digest changes it).  The judge key is fixed
# (tests/golden/judge.key's bytes, written here with mode 0600).
#
# A deliberate change of output is recorded with `make golden-update`
# (VARLB_GOLDEN_UPDATE=1: tests/golden/ is rewritten from this run), and the
# diff (git diff tests/golden) reviewed and committed with the change.
# Skips (77), with the reason: no sandbox here (the rows would say
# isolation none), no python3 or NumPy, or a build whose optional libraries
# differ from the ones the goldens were recorded with (tests/golden/features:
# `varlb list` and --version name them).  Without MPI (or mpirun) only the
# 2-rank part is skipped, and says so.
. "$top_srcdir/tests/cli_lib.sh"
need_sandbox
[ -n "$PYTHON3" ] || { echo "python3 not found: skipping"; exit 77; }
"$PYTHON3" -c 'import numpy' 2>/dev/null || { echo "NumPy missing: skipping"; exit 77; }
GOLD=$top_srcdir/tests/golden
UPDATE=${VARLB_GOLDEN_UPDATE:-}
OUT=$TMPD/out
W=$TMPD/w
mkdir "$OUT"

# The build's optional features (what `list` and --version show) must be
# the recorded ones; MPI is checked on its own below.
features () {
  grep -E '^#define (HAVE_(FAISS|FPZIP|XZ|ZFP|ZSTD)|VARLB_BLAS) ' "$top_builddir/config.h"
}
[ -f "$top_builddir/config.h" ] || { fail "no config.h in $top_builddir"; finish; }
features >"$OUT/features"
if [ -z "$UPDATE" ] && ! cmp -s "$OUT/features" "$GOLD/features"; then
  echo "this build's optional libraries differ from the goldens' ($(features | tr '\n' ' ')): skipping"
  exit 77
fi

KEY=$TMPD/judge.key
if ! cp "$GOLD/judge.key" "$KEY" || ! chmod 600 "$KEY"; then fail "cannot copy the test judge key"; finish; fi
VARLB_JUDGE_KEY=$KEY
export VARLB_JUDGE_KEY
VER=$("$VARLB" --version | sed -n '1s/^varlb \([^ ]*\) .*/\1/p')
[ -n "$VER" ] || { fail "varlb --version: no version"; finish; }

# Sed-quote a literal for a regular expression.
quote () { printf '%s\n' "$1" | sed 's/[][\.*^$|/]/\\&/g'; }
# The paths this run holds, longest first, each to its placeholder.
# shellcheck disable=SC2016
SUBST=$(for p in "$TMPD=@TMP@" "$top_builddir=@TREE@" "$top_srcdir=@TREE@" "$PYTHON3=@PYTHON3@"; do
  printf '%s %s\n' "${#p}" "$p"; done | sort -rn | while read -r _ p; do
  printf 's|%s|%s|g\n' "$(quote "${p%=*}")" "${p##*=}"; done)
# Every normalisation in one place: what must vary between runs and
# machines, and nothing else.
normalise () {
  sed -e "$SUBST" \
      -e 's/[0-9a-f]\{64\}/@SHA256@/g' \
      -e "s/varlb $(quote "$VER")\([^0-9.]\|\$\)/varlb @VERSION@\1/g" \
      -e "s/\"version\": \"$(quote "$VER")\"/\"version\": \"@VERSION@\"/" \
      -e 's/"git_revision": "[^"]*"/"git_revision": "@REV@"/' \
      -e 's/(git [^;)]*/(git @REV@/' \
      -e 's/\("[a-z_]*seconds"\):[-+.e0-9][-+.e0-9]*/\1:@T@/g' \
      -e 's/"wall_s":[-+.e0-9][-+.e0-9]*/"wall_s":@T@/g' \
      -e 's/, [0-9][0-9.]* s\(;\|$\)/, @T@ s\1/' \
      -e 's/^\(  time  *\)[0-9][0-9.]* s$/\1@T@ s/' \
      -e '/"libraries": {/,/}/{/^    "mpi": /d;s/^\(    "[^"]*": \)".*"\(,\?\)$/\1"@V@"\2/;}' \
      -e 's/^  \(NOT \)\{0,1\}checked for this build: .*/  @COQ-RECORD@/' \
      -e '/@[A-Z0-9-]*@/{s/"\(mac":"\)\{0,1\}[0-9a-f]\{32\}"\(}\{0,1\}\)$/"\1@MAC@"\2/;}'
}

# begin NAME: a fresh working directory and record for case NAME.
# step ARGS...: run `varlb ARGS` there; record the command, exit status,
# stdout and stderr.  mstep NP ARGS...: the same under mpirun -np NP.
# end: add every file the case wrote, normalise, keep as $OUT/NAME.
begin () {
  name=$1
  rm -rf "$W" && mkdir "$W" && : >"$TMPD/rec"
}
record () {
  rc=$1; shift
  { echo "\$ $*"; echo "exit $rc"; echo "--- stdout"; show "$TMPD/o"
    echo "--- stderr"; show "$TMPD/e"; } >>"$TMPD/rec"
}
show () {  # a file, marking a missing final newline as diff does
  cat "$1"
  [ -s "$1" ] && [ -n "$(tail -c 1 "$1")" ] && { echo; echo '\ no newline at end of file'; }
  return 0
}
step () {
  (cd "$W" && "$VARLB" "$@" >"$TMPD/o" 2>"$TMPD/e")
  record $? varlb "$@"
}
mstep () {
  np=$1; shift
  (cd "$W" && "$MPIRUN" --allow-run-as-root --oversubscribe -np "$np" "$VARLB" "$@" \
     >"$TMPD/o" 2>"$TMPD/e")
  record $? mpirun -np "$np" varlb "$@"
}
end () {
  for f in $(cd "$W" && find . -type f | sort); do
    echo "--- file ${f#./}" >>"$TMPD/rec"
    show "$W/$f" >>"$TMPD/rec"
  done
  normalise <"$TMPD/rec" >"$OUT/$name"
}
# one NAME ARGS...: a case of one step.
one () { begin "$1"; shift; step "$@"; end; }

# --- help texts: the top level, every command (internal ones too), --version.
one help-top --help
one help-version --version
one help-help help
# The commands --help lists, then the internal ones (no --help of their own).
for c in $("$VARLB" --help | sed -n '/^Commands:/,/^Options:/s/^  \([a-z][a-z_]*\) .*/\1/p'); do
  [ "$c" = help ] || one "help-$c" "$c" --help
done
for c in $(sed -n 's/.*CLI_COMMAND ("\(__[a-z_]*\)".*/\1/p' "$top_srcdir"/src/cli/*.def); do
  one "help-$c" help "$c"
done
one list list
PLUG1=$top_builddir/tests/plugins/.libs/firstk.so
PLUG2=$top_builddir/tests/plugins/.libs/modelplug.so
[ -f "$PLUG1" ] && [ -f "$PLUG2" ] || { fail "test plug-ins not built (make check builds them)"; finish; }
one list-plugin-v1 list "plugin:$PLUG1"
one list-plugin-v2 list "plugin:$PLUG2"

# --- usage errors: exit 2 and one line.
one usage-sweep sweep --ratios 0.1 --out s.csv
one usage-attack attack --compressor nosuch --ratio 0.1
one usage-model attack --layers 2 --compressor adakv:alpha=2 --ratio 0.1

# --- one head: decode, certify, prove.
SMALL="--schedule 1,2,3,4 -d 8"
# shellcheck disable=SC2086
one decode decode $SMALL --json
# shellcheck disable=SC2086
one decode-text decode $SMALL --seed 3
# shellcheck disable=SC2086
one certify certify $SMALL --json
one prove-small prove --schedule 1,2,3,4 -d 16
one prove prove
one explain explain

# --- one head: sweeps.
TOPK="$PYTHON3 $top_srcdir/examples/external/topk_fp16.py"
MIS="$PYTHON3 $top_srcdir/tests/compressors/misbehave.py"
SW="$PYTHON3 $top_srcdir/tests/compressors/serveworker.py"
begin sweep-builtin
step sweep --compressors streamingllm,kivi:bits=2,group=16,snapkv,identity --ratios 0.5,4 \
  --seeds 1,2 --schedule 1,2,4,8 -d 16 --no-timing --out s.csv --tokens tok.csv
step summary s.csv
step summary s.csv --json
end
# shellcheck disable=SC2086
one sweep-plugin-v1 sweep $SMALL --compressor "plugin:$PLUG1" --compressor "plugin:$PLUG1:tokens=3" \
  --budgets 200,800 --seeds 1,2 --no-timing --out p.csv
# shellcheck disable=SC2086
one sweep-exec sweep $SMALL --compressor "exec:$TOPK" --budgets 200,800 --seeds 1 --no-timing \
  --out e.csv
# shellcheck disable=SC2086
one sweep-serve sweep $SMALL --compressor "serve:$TOPK" --budgets 200,800 --seeds 1,2 --no-timing \
  --out v.csv
# shellcheck disable=SC2086
one sweep-sample sweep $SMALL --compressors snapkv,kivi:bits=4 --ratios 4 --seeds 1,2 --sample 5 \
  --no-timing --out m.csv
# Halves that fail: a crash, an error exit, no output, the wrong file, a
# wrong shape, a NaN; a serve: worker that dies on its second request.
# shellcheck disable=SC2086
one sweep-failing sweep $SMALL --compressor "exec:$MIS crash" --compressor "exec:$MIS fail" \
  --compressor "exec:$MIS none" --compressor "exec:$MIS npz" --compressor "exec:$MIS shape" \
  --compressor "exec:$MIS nan" --budgets 64 --no-timing --out f.csv
# shellcheck disable=SC2086
one sweep-serve-failing sweep $SMALL --compressor "serve:$SW crash2" --budgets 8 --seeds 1,2,3 \
  --no-timing --out c.csv
# shellcheck disable=SC2086
one attack-text attack $SMALL --compressor snapkv --compressor "plugin:$PLUG1" \
  --compressor "exec:$MIS crash" --ratio 0.5
# shellcheck disable=SC2086
one attack-json attack $SMALL --compressor kivi:bits=2 --budget 300 --seed 2 --json
# A program under a directory the sandbox hides ($TMPDIR): its halves and
# its --version probe (the provenance) see it all the same.
mkdir -p "$TMPD/prog/varlb_compressor" \
  && cp "$top_srcdir/examples/external/topk_fp16.py" "$TMPD/prog/" \
  && cp "$top_srcdir"/python/varlb_compressor/*.py "$TMPD/prog/varlb_compressor/" \
  || fail "cannot copy topk_fp16.py and the Python helper"
# shellcheck disable=SC2086
one attack-exec-hidden attack $SMALL --compressor "exec:$PYTHON3 $TMPD/prog/topk_fp16.py" \
  --budget 200 --json

# --- whole models.
MSMALL="--layers 2 --heads 2 --schedule 1,2,3,4,6 -d 16"
MID="$PYTHON3 $top_srcdir/tests/compressors/model_identity.py"
one bound bound --layers 2 --heads 3 --json
one bound-model bound --model var-d16 --accuracy 0.9
one bound-table bound --table
# shellcheck disable=SC2086
one decode-model decode $MSMALL --threads 2 --json
# shellcheck disable=SC2086
one certify-model certify --layers 1 --heads 2 $SMALL --threads 2 --json
# shellcheck disable=SC2086
one sweep-model sweep $MSMALL --compressors pyramidkv,snapkv,duoattention --ratios 1,4 \
  --seeds 1 --no-timing --out s.csv --head-rows h.csv
# shellcheck disable=SC2086
one sweep-model-plugins sweep $MSMALL --compressor "plugin:$PLUG1" --compressor "plugin:$PLUG2" \
  --ratios 1,4 --seeds 1 --no-timing --out p.csv
# shellcheck disable=SC2086
one sweep-model-programs sweep $MSMALL --compressor "exec:$MID" --compressor "serve:$MID" \
  --ratios 1 --seeds 1,2 --no-timing --out e.csv
# shellcheck disable=SC2086
one sweep-model-sample sweep $MSMALL --compressors adakv,kivi:bits=4 --ratios 2 --seeds 1,2 \
  --sample 3 --no-timing --out m.csv --head-rows mh.csv
# shellcheck disable=SC2086
one attack-model-text attack $MSMALL --compressor pyramidkv --compressor "plugin:$PLUG2" --ratio 2

# --- MPI, 2 ranks: rows, JSON Lines and head rows equal the single
# process's goldens byte for byte; the manifest and stderr have their own.
MPI=
if ! grep -q '^#define HAVE_MPI 1' "$top_builddir/config.h"; then
  echo "note: MPI not built (configure --with-mpi): the 2-rank part is skipped"
elif [ -z "$MPIRUN" ]; then
  echo "note: built with MPI but no mpirun found: the 2-rank part is skipped"
else
  MPI=yes
  OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_mpi_warn_on_fork=0
  OMPI_MCA_rmaps_base_oversubscribe=1
  export OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM OMPI_MCA_mpi_warn_on_fork \
    OMPI_MCA_rmaps_base_oversubscribe
  begin mpi-sweep
  mstep 2 sweep --compressors streamingllm,kivi:bits=2,group=16,snapkv,identity --ratios 0.5,4 \
    --seeds 1,2 --schedule 1,2,4,8 -d 16 --no-timing --out s.csv --tokens tok.csv
  end
  begin mpi-sweep-model
  # shellcheck disable=SC2086
  mstep 2 sweep $MSMALL --compressors pyramidkv,snapkv,duoattention --ratios 1,4 \
    --seeds 1 --no-timing --out s.csv --head-rows h.csv
  end
  # The rows themselves against the single-process goldens.
  for pair in "mpi-sweep:sweep-builtin" "mpi-sweep-model:sweep-model"; do
    m=${pair%%:*} s=${pair#*:}
    for f in s.csv s.jsonl tok.csv h.csv; do
      a=$(sed -n "/^--- file $f\$/,/^--- /p" "$OUT/$m" | grep -v '^--- ')
      b=$(sed -n "/^--- file $f\$/,/^--- /p" "$OUT/$s" | grep -v '^--- ')
      [ -n "$a$b" ] || continue
      [ "$a" = "$b" ] && pass "$m: $f equals the single process's ($s)" \
        || fail "$m: $f differs from the single process's ($s)"
    done
  done
fi

# --- the comparison (or the update).
if [ -n "$UPDATE" ]; then
  [ -w "$GOLD" ] || { fail "cannot write $GOLD"; finish; }
  # Keep the key; replace every recorded output, dropping stale ones.
  [ -n "$MPI" ] || { fail "an update needs the 2-rank part (MPI and mpirun)"; finish; }
  find "$GOLD" -type f ! -name judge.key -exec rm -f {} +
  cp "$OUT"/* "$GOLD"/ && pass "goldens rewritten in $GOLD: review them with git diff" \
    || fail "cannot write the goldens"
  finish
fi
for f in "$OUT"/*; do
  n=${f##*/}
  if [ ! -f "$GOLD/$n" ]; then
    fail "$n: no golden (a new case: make golden-update)"
  elif cmp -s "$f" "$GOLD/$n"; then
    pass "$n"
  else
    fail "$n differs from tests/golden/$n:"
    diff -u "$GOLD/$n" "$f" | head -40
  fi
done
for g in "$GOLD"/*; do
  n=${g##*/}
  case $n in judge.key) continue ;; mpi-*) [ -n "$MPI" ] || continue ;; esac
  [ -f "$OUT/$n" ] || fail "$n: a golden this run did not produce"
done
finish
