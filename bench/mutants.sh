#!/bin/sh
# mutants.sh -- mutation testing (`make mutants`): each mutant of
# bench/mutants.txt is one exact text replacement in one named file,
# applied alone to one scratch copy of the tree (configured and built once;
# each mutant rebuilds incrementally, and its file is restored after it).
# A mutant is checked by the tests its block names first (make check
# TESTS=...), and by the whole suite only when those pass.  It is killed
# when the build or a test fails, survived when every test passes, HUNG
# when its time limit ends it.  A mutant whose text does not occur exactly
# once is NOT APPLIED: a failure of the list (the code moved on and the
# block must follow it), never a pass.  Prints one line per mutant, then
# the kill rate (killed over all mutants selected, not-applied and hung
# ones included) and every mutant not applied or not killed.
#
#   bench/mutants.sh [-j JOBS] [-t SECONDS] [-T SECONDS] [-o OWNER] [-d DIR] [-r] [-l LIST] [-n] [NAME ...]
#
# Run from a configured tree.  It is copied into DIR (default mutants.d in
# the build tree; not under /tmp, where the sandbox tests' host files would
# be hidden from a half) and configured there again with the same options,
# so the tests run the copy's binaries.  The pristine copy must pass the
# whole suite first (else every kill would be noise).  NAMEs select mutants
# (default: all); -o OWNER keeps only that owner's (self or lead); -t is the
# limit for one mutant's build and its own tests (default 900 s), -T for the
# whole suite on a survivor of those (default 1200 s); -j the make jobs
# (default 2).  -r reuses DIR/tree from an earlier -r run (kept, updated
# with the sources that changed: git ls-files), for writing mutants one at a
# time; it skips the pristine suite, so a `make mutants` figure never comes
# from it.  -l reads the mutants from LIST instead of bench/mutants.txt.
# -n runs each mutant's own tests only, never the whole suite: its
# survivors are "survived its own tests", a cheaper, weaker figure.
# Exit 0 when every selected mutant was applied and killed.
#
# Adding a mutant: append a block to bench/mutants.txt --
#   mutant: a-short-name
#   owner: self
#   file: path/from/the/top.c
#   tests: tests/test_x tests/cli_y.sh   (the tests that kill it, as in TESTS)
#   from: the exact text to replace, after "from: " (one space)
#   to: the replacement
# followed by an empty line; lines starting with # are comments.  The owner
# is self, or lead for mutants whose killing tests live in files another
# branch owns (-o picks them out; they count apart in the summary).  For text
# over several lines repeat the key, one line each (from: ... / from: ...).
# Then run bench/mutants.sh NAME to see it killed by its own tests, and say
# in the block's comment which check kills it.
set -u
jobs=2 limit=900 full_limit=1200 owner= dir= reuse= list= own_only=
while getopts j:t:T:o:d:rl:n opt; do
  case $opt in
    r) reuse=1 ;;
    n) own_only=1 ;;
    l) list=$(cd "$(dirname "$OPTARG")" && pwd)/$(basename "$OPTARG") ;;
    j) jobs=$OPTARG ;;
    t) limit=$OPTARG ;;
    T) full_limit=$OPTARG ;;
    o) owner=$OPTARG ;;
    d) dir=$OPTARG ;;
    *) echo "usage: $0 [-j JOBS] [-t SECONDS] [-T SECONDS] [-o OWNER] [-d DIR] [-r] [-l LIST] [-n] [NAME ...]" >&2
       exit 2 ;;
  esac
done
shift $((OPTIND - 1))
top=$(pwd)
here=$(cd "$(dirname "$0")" && pwd)
: "${list:=$here/mutants.txt}"
[ -f "$top/Makefile" ] && [ -f "$top/config.status" ] \
  || { echo "mutants: run from a configured, built tree (no Makefile here)" >&2; exit 2; }
[ -f "$list" ] || { echo "mutants: $list is missing" >&2; exit 2; }
for tool in perl timeout tar; do
  command -v $tool >/dev/null || { echo "mutants: $tool is needed" >&2; exit 2; }
done
: "${dir:=$top/mutants.d}"
mkdir -p "$dir" || exit 2
scratch=$(cd "$dir" && mktemp -d "$(pwd)/run.XXXXXX") || exit 2
trap 'rm -rf "$scratch"' EXIT
trap 'exit 130' INT TERM

# Parse the list into one record per mutant: name, owner, file, tests, from,
# to separated by ASCII unit separators (0x1f), one per line.
perl -ne '
  BEGIN { $/ = ""; $s = chr 31 }
  next unless /\S/;
  my %m;
  for my $l (split /\n/) {
    next if $l =~ /^\s*#/;
    next unless $l =~ /^(mutant|owner|file|tests|from|to):[ \t]?(.*)$/;
    # a repeated from: or to: line continues the text on a new line
    $m{$1} = defined $m{$1} && ($1 eq "from" || $1 eq "to") ? "$m{$1}\n$2" : $2;
  }
  next unless %m;  # a block of comments only
  # newlines travel as ASCII record separators (0x1e) inside a record
  $m{$_} =~ s/\n/chr 30/ge for grep { defined $m{$_} } qw(from to);
  die "mutants.txt: a block lacks mutant/file/from/to\n"
    unless defined $m{mutant} && defined $m{file} && defined $m{from} && defined $m{to};
  print join ($s, $m{mutant}, $m{owner} // "self", $m{file}, $m{tests} // "",
              $m{from}, $m{to}), "\n";
' "$list" >"$scratch/records" || exit 2
dups=$(cut -d "$(printf '\037')" -f1 "$scratch/records" | sort | uniq -d)
[ -z "$dups" ] || { echo "mutants: names used twice in the list: $dups" >&2; exit 2; }

# The pristine copy: the same configure options, built from clean, and the
# whole suite passing on it.
start=$(date +%s)
if [ -n "$reuse" ] && [ -f "$dir/tree/config.status" ]; then
  tree=$dir/tree
  echo "mutants: reusing $tree (-r: no pristine suite; not for a figure)"
  ( cd "$top" && git ls-files -co --exclude-standard ) | while read -r f; do
    [ -f "$top/$f" ] && ! cmp -s "$top/$f" "$tree/$f" && { mkdir -p "$(dirname "$tree/$f")"; cp "$top/$f" "$tree/$f"; }
  done
  ( cd "$tree" && make -j"$jobs" >prep.out 2>&1 ) </dev/null \
    || { echo "mutants: $tree does not build (see $tree/prep.out)" >&2; exit 2; }
else
  tree=$scratch/tree
  [ -z "$reuse" ] || { rm -rf "$dir/tree"; tree=$dir/tree; }
  mkdir "$tree" || exit 2
  echo "mutants: preparing a pristine copy in $tree"
  rel=$(echo "$dir" | sed "s|^$top/||")
  ( cd "$top" && tar --exclude="./$rel" -cf - . ) | ( cd "$tree" && tar -xf - ) || exit 2
  ( cd "$tree" && eval "./configure $(./config.status --config)" >prep.out 2>&1 \
      && make clean >>prep.out 2>&1 && make -j"$jobs" >>prep.out 2>&1 ) </dev/null \
    || { echo "mutants: the pristine copy does not build (see $tree/prep.out)" >&2; trap - EXIT; exit 2; }
  if [ -z "$reuse" ]; then
    ( cd "$tree" && timeout -k 10 "$full_limit" make -j"$jobs" check >check.out 2>&1 ) </dev/null \
      || { echo "mutants: the pristine copy fails its own tests: $(grep '^FAIL:\|^ERROR:' "$tree/check.out" | tr '\n' ' ')(see $tree/check.out)" >&2
           trap - EXIT; exit 2; }
  fi
fi
echo "mutants: pristine copy ready in $(( $(date +%s) - start )) s"

# run_check LIMIT OUT [TESTS]: make check (of TESTS) in the tree under LIMIT
# seconds; its status: 0 pass, 124/137 out of time, else a failure.
run_check () {
  ( cd "$tree" && if [ -n "${3:-}" ]; then
        timeout -k 10 "$1" make -j"$jobs" check TESTS="$3" >"$2" 2>&1
      else
        timeout -k 10 "$1" make -j"$jobs" check >"$2" 2>&1
      fi ) </dev/null
}
failed_tests () { grep -h '^FAIL:\|^ERROR:' "$1" 2>/dev/null | sed 's/^[A-Z]*: //' | tr '\n' ' '; }
# first_failure: the first failing check of the first failing test (its
# log: "FAIL ..." of a script, ":F:"/":E:" of a check program), so a kill
# can be told from noise.
first_failure () {
  t=$(grep -h -m1 '^FAIL:\|^ERROR:' "$tree/check.out" 2>/dev/null | sed 's/^[A-Z]*: //')
  [ -n "$t" ] || return 0
  grep -h -m1 '^FAIL\|:[FE]:\|limit.sh:' "$tree/$t.log" 2>/dev/null | cut -c1-160 | sed "s|^|      $t: |"
}

killed=0 survived=0 hung=0 total=0 unapplied=0
: >"$scratch/tally"
: >"$scratch/bad"
while IFS=$(printf '\037') read -r name mowner file tests from to; do
  if [ $# -gt 0 ]; then
    sel=0
    for want in "$@"; do [ "$want" = "$name" ] && sel=1; done
    [ $sel -eq 1 ] || continue
  fi
  [ -z "$owner" ] || [ "$owner" = "$mowner" ] || continue
  total=$((total + 1))
  from=$(printf '%s' "$from" | tr '\036' '\n'; echo x); from=${from%x}
  to=$(printf '%s' "$to" | tr '\036' '\n'; echo x); to=${to%x}
  n=$(FROM=$from perl -0777 -ne 'my $f = $ENV{FROM}; my $c = () = /\Q$f\E/g; print $c' \
        "$tree/$file" 2>/dev/null)
  if [ "${n:-0}" != 1 ]; then
    printf '%-44s %-5s       NOT APPLIED: the text occurs %s times in %s\n' "$name" "$mowner" \
      "${n:-0}" "$file"
    unapplied=$((unapplied + 1))
    echo "$mowner not-applied" >>"$scratch/tally"
    echo "  not applied: $name ($file)" >>"$scratch/bad"
    continue
  fi
  cp "$tree/$file" "$scratch/original"
  FROM=$from TO=$to perl -0777 -pi -e 'my $f = $ENV{FROM}; my $t = $ENV{TO}; s/\Q$f\E/$t/' "$tree/$file"
  begin=$(date +%s)
  # Build, then the mutant's own tests, within -t seconds together.
  ( cd "$tree" && timeout -k 10 "$limit" make -j"$jobs" >build.out 2>&1 ) </dev/null
  rc=$?
  stage=build
  if [ $rc -eq 0 ] && [ -n "$tests" ]; then
    left=$((limit - ($(date +%s) - begin)))
    [ $left -gt 10 ] || left=10
    run_check "$left" "$tree/check.out" "$tests"
    rc=$?
    stage=own
  fi
  if [ $rc -eq 0 ] && [ -z "$own_only" ]; then
    run_check "$full_limit" "$tree/check.out"
    rc=$?
    stage=full
  fi
  secs=$(( $(date +%s) - begin ))
  # Restore (a new mtime, so the next build recompiles the original).
  cat "$scratch/original" >"$tree/$file"
  case $stage:$rc in
    build:0) verdict="survived: no tests named (-n runs only those)"; survived=$((survived + 1))
         echo "  no tests named: $name ($file): add a tests: line" >>"$scratch/bad" ;;
    own:0) verdict="survived its own tests (-n)"; survived=$((survived + 1))
         echo "  survived its own tests: $name ($file; its tests: $tests)" >>"$scratch/bad" ;;
    *:0) verdict=survived; survived=$((survived + 1))
         echo "  survived: $name ($file; its tests: ${tests:-none named})" >>"$scratch/bad" ;;
    *:124|*:137) verdict="HUNG ($stage)"; hung=$((hung + 1))
         echo "  hung: $name (the $stage stage ran out of time)" >>"$scratch/bad" ;;
    build:*) verdict="killed (build)"; killed=$((killed + 1)) ;;
    own:*) verdict="killed by $(failed_tests "$tree/check.out")"; killed=$((killed + 1)) ;;
    full:*) verdict="killed only by the whole suite: $(failed_tests "$tree/check.out")"
            killed=$((killed + 1)) ;;
  esac
  printf '%-44s %-5s %5ss %s\n' "$name" "$mowner" "$secs" "$verdict"
  case $stage:$rc in own:[1-9]*|full:[1-9]*) [ $rc -eq 124 ] || [ $rc -eq 137 ] || first_failure ;; esac
  echo "$mowner ${verdict%% *}" >>"$scratch/tally"
done <"$scratch/records"
echo
if [ $total -eq 0 ]; then
  echo "mutants: none selected"
  exit 2
fi
awk -v k=$killed -v s=$survived -v h=$hung -v t=$total -v u=$unapplied 'BEGIN {
  printf "%d mutants: %d killed, %d survived, %d hung, %d not applied; kill rate %.1f%% (%d of %d)\n",
         t, k, s, h, u, 100 * k / t, k, t }'
awk '{ t[$1]++; if ($2 == "killed") k[$1]++ }
     END { for (o in t) printf "  owner %s: %d of %d killed (%.1f%%)\n", o, k[o], t[o], 100 * k[o] / t[o] }' \
  "$scratch/tally" | sort
cat "$scratch/bad"
[ $killed -eq $total ]
