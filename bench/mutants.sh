#!/bin/sh
# mutants.sh -- mutation testing (`make mutants`): each mutant of
# bench/mutants.txt is one exact text replacement in one named file, applied
# alone to a pristine copy of the tree (configured and built once in a
# scratch directory, the mutated file restored after each mutant), which is
# rebuilt and checked with `make check` under a time limit.  A mutant is
# killed when the build or the checks fail, survived when they pass, hung
# when the time limit ends them.  Prints one line per mutant and the kill
# rate.
#
#   bench/mutants.sh [-j JOBS] [-t SECONDS] [-o OWNER] [NAME ...]
#
# Run from a configured tree: it is copied once into a scratch directory
# and configured there again with the same options (so the tests run the
# copy's binaries, never the original's), and each mutant rebuilds only
# the mutated file's objects.  NAMEs select mutants (default: all);
# -o OWNER keeps only that owner's (e.g. -o self, -o lead); -t is the
# limit for one mutant's build + check (default 900 s); -j the make jobs
# (default 2).  Exit 0 when every selected mutant was killed.
#
# Adding a mutant: append a block to bench/mutants.txt --
#   mutant: a-short-name
#   owner: self
#   file: path/from/the/top.c
#   from: the exact text to replace, after "from: " (one space)
#   to: the replacement
# followed by an empty line; lines starting with # are comments.  The owner
# is self, or lead for mutants whose killing tests live in files another
# branch owns (-o picks them out; they count apart in the summary).  For text
# over several lines repeat the key, one line each (from: ... / from: ...).
# `from` must occur exactly once in the file (the script reports SKIPPED
# otherwise), so a mutant never drifts silently: when the code it targets
# changes, update the block.  Then run bench/mutants.sh NAME to see it
# killed, and say in the block's comment which test kills it.
set -u
jobs=2 limit=900 owner=
while getopts j:t:o: opt; do
  case $opt in
    j) jobs=$OPTARG ;;
    t) limit=$OPTARG ;;
    o) owner=$OPTARG ;;
    *) echo "usage: $0 [-j JOBS] [-t SECONDS] [-o OWNER] [NAME ...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
top=$(pwd)
here=$(cd "$(dirname "$0")" && pwd)
list=$here/mutants.txt
[ -f "$top/Makefile" ] && [ -f "$top/config.status" ] \
  || { echo "mutants: run from a configured, built tree (no Makefile here)" >&2; exit 2; }
[ -f "$list" ] || { echo "mutants: $list is missing" >&2; exit 2; }
command -v perl >/dev/null || { echo "mutants: perl is needed" >&2; exit 2; }
command -v timeout >/dev/null || { echo "mutants: timeout (coreutils) is needed" >&2; exit 2; }
scratch=$(mktemp -d "${TMPDIR:-/tmp}/varlb-mutants.XXXXXX")
trap 'rm -rf "$scratch"' EXIT INT TERM

# Parse the list into one record per mutant: name, owner, file, from, to
# separated by ASCII unit separators (0x1f), one per line.
perl -ne '
  BEGIN { $/ = ""; $s = chr 31 }
  next unless /\S/;
  my %m;
  for my $l (split /\n/) {
    next if $l =~ /^\s*#/;
    next unless $l =~ /^(mutant|owner|file|from|to):[ \t]?(.*)$/;
    # a repeated from: or to: line continues the text on a new line
    $m{$1} = defined $m{$1} && ($1 eq "from" || $1 eq "to") ? "$m{$1}\n$2" : $2;
  }
  next unless %m;  # a block of comments only
  # newlines travel as ASCII record separators (0x1e) inside a record
  $m{$_} =~ s/\n/chr 30/ge for grep { defined $m{$_} } qw(from to);
  die "mutants.txt: a block lacks mutant/file/from/to\n"
    unless defined $m{mutant} && defined $m{file} && defined $m{from} && defined $m{to};
  print join ($s, $m{mutant}, $m{owner} // "self", $m{file}, $m{from}, $m{to}), "\n";
' "$list" >"$scratch/records" || exit 2

# The pristine copy: the same configure options, built from clean.
tree=$scratch/tree
echo "mutants: preparing a pristine copy in $tree"
cp -a "$top" "$tree" || exit 2
( cd "$tree" && eval "./configure $(./config.status --config)" >prep.out 2>&1 \
    && make clean >>prep.out 2>&1 && make -j"$jobs" >>prep.out 2>&1 ) </dev/null \
  || { echo "mutants: the pristine copy does not build (see $tree/prep.out)" >&2; trap - EXIT; exit 2; }

killed=0 survived=0 hung=0 total=0 skipped=0
: >"$scratch/survivors"
: >"$scratch/tally"
while IFS=$(printf '\037') read -r name mowner file from to; do
  if [ $# -gt 0 ]; then
    sel=0
    for want in "$@"; do [ "$want" = "$name" ] && sel=1; done
    [ $sel -eq 1 ] || continue
  fi
  [ -z "$owner" ] || [ "$owner" = "$mowner" ] || continue
  from=$(printf '%s' "$from" | tr '\036' '\n'; echo x); from=${from%x}
  to=$(printf '%s' "$to" | tr '\036' '\n'; echo x); to=${to%x}
  n=$(FROM=$from perl -0777 -ne 'my $f = $ENV{FROM}; my $c = () = /\Q$f\E/g; print $c' \
        "$tree/$file" 2>/dev/null)
  if [ "${n:-0}" != 1 ]; then
    printf '%-40s %-5s SKIPPED (the text occurs %s times in %s)\n' "$name" "$mowner" "${n:-0}" "$file"
    skipped=$((skipped + 1))
    continue
  fi
  cp "$tree/$file" "$scratch/original"
  FROM=$from TO=$to perl -0777 -pi -e 'my $f = $ENV{FROM}; my $t = $ENV{TO}; s/\Q$f\E/$t/' "$tree/$file"
  total=$((total + 1))
  start=$(date +%s)
  ( cd "$tree" && timeout -k 10 "$limit" sh -c \
      "make -j$jobs >build.out 2>&1 || exit 3; make -j$jobs check >check.out 2>&1" ) </dev/null
  rc=$?
  secs=$(( $(date +%s) - start ))
  # Restore (a new mtime, so the next build recompiles the original).
  cat "$scratch/original" >"$tree/$file"
  case $rc in
    0) verdict=survived; survived=$((survived + 1)); echo "$name" >>"$scratch/survivors" ;;
    124|137) verdict=HUNG; hung=$((hung + 1)) ;;
    3) verdict="killed (build)"; killed=$((killed + 1)) ;;
    *) killed=$((killed + 1))
       fails=$(grep -h '^FAIL:\|^ERROR:' "$tree/check.out" 2>/dev/null | sed 's/^[A-Z]*: //' | tr '\n' ' ')
       verdict="killed by ${fails:-make check}" ;;
  esac
  printf '%-40s %-5s %4ss  %s\n' "$name" "$mowner" "$secs" "$verdict"
  echo "$mowner ${verdict%% *}" >>"$scratch/tally"
done <"$scratch/records"
echo
if [ $total -eq 0 ]; then
  echo "mutants: none selected"
  exit 2
fi
awk -v k=$killed -v s=$survived -v h=$hung -v t=$total -v sk=$skipped 'BEGIN {
  printf "%d mutants: %d killed, %d survived, %d hung (%d skipped); kill rate %.1f%%\n",
         t, k, s, h, sk, 100 * k / t }'
awk '{ t[$1]++; if ($2 == "killed") k[$1]++ }
     END { for (o in t) printf "  owner %s: %d of %d killed (%.1f%%)\n", o, k[o], t[o], 100 * k[o] / t[o] }' \
  "$scratch/tally" | sort
[ -s "$scratch/survivors" ] && echo "survivors: $(tr '\n' ' ' <"$scratch/survivors")"
[ $killed -eq $total ]
