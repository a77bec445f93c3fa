#!/bin/sh
# cli_install.sh -- what `make install` gives a newcomer.  A staged install
# (make install DESTDIR=...) holds the binary, the library, varlb.h, varlb.pc
# and varlb.1; the README's library example (examples/library/decode.c, the
# README's block verbatim) compiles with nothing but the installed header and
# `pkg-config --cflags --libs varlb` (pointed at the stage with
# PKG_CONFIG_SYSROOT_DIR) and decodes every bit against the installed
# library alone (LD_LIBRARY_PATH = the staged libdir stands in for ldconfig);
# the installed varlb runs and reports this build's version and revision.
# The man page covers every command and every option of every help text and
# equals a fresh regeneration.  The ldconfig hook runs ldconfig exactly when
# root installs into a directory ld.so's cache covers (a stand-in ldconfig
# on PATH records the calls).
. "$top_srcdir/tests/cli_lib.sh"
: "${MAKE:=make}"
unset MAKEFLAGS MFLAGS MAKELEVEL # a nested make, outside the test harness's jobserver

stage=$TMPD/stage
if (cd "$top_builddir" && $MAKE install DESTDIR="$stage") >"$TMPD/install.log" 2>&1; then
  pass "make install DESTDIR=stage"
  # (only a finished install can show that it left ldconfig alone)
  if grep -q '^ldconfig' "$TMPD/install.log"; then
    fail "a DESTDIR install ran ldconfig"
  else
    pass "a DESTDIR install leaves ldconfig alone"
  fi
else
  fail "make install: $(tail -5 "$TMPD/install.log")"
fi
for f in "$VARLB_BINDIR/varlb" "$VARLB_LIBDIR/libvarlb.so" "$VARLB_INCLUDEDIR/varlb.h" \
         "$VARLB_LIBDIR/pkgconfig/varlb.pc" "$VARLB_MANDIR/man1/varlb.1"; do
  [ -e "$stage$f" ] && pass "installed $f" || fail "not installed: $f"
done

# The installed binary, with the installed library only.
LD_LIBRARY_PATH=$stage$VARLB_LIBDIR "$stage$VARLB_BINDIR/varlb" --version >"$TMPD/v" 2>&1
"$VARLB" --version >"$TMPD/v0"
cmp -s "$TMPD/v" "$TMPD/v0" && pass "installed varlb --version: $(cat "$TMPD/v")" \
  || fail "installed varlb --version: $(cat "$TMPD/v") (build: $(cat "$TMPD/v0"))"
rev=$("$SHELL" "$top_srcdir/git-revision" "$top_srcdir")
grep -q "(git $rev;" "$TMPD/v0" && pass "--version names the source revision ($rev)" \
  || fail "--version lacks the revision $rev: $(cat "$TMPD/v0")"

# The README's library block is examples/library/decode.c without its header comment.
awk '/^## Library/ { lib = 1 } lib && /^```c$/ { on = 1; next } on && /^```$/ { exit } on' \
  "$top_srcdir/README.md" >"$TMPD/readme.c"
sed '1,/\*\//d' "$top_srcdir/examples/library/decode.c" >"$TMPD/example.c"
[ -s "$TMPD/readme.c" ] && cmp -s "$TMPD/readme.c" "$TMPD/example.c" \
  && pass "README's library block is examples/library/decode.c" \
  || fail "README's library block differs from examples/library/decode.c: $(diff "$TMPD/readme.c" "$TMPD/example.c" | head -5)"

# Build it as a user would, against the stage.
flags=$(PKG_CONFIG_SYSROOT_DIR=$stage PKG_CONFIG_LIBDIR=$stage$VARLB_LIBDIR/pkgconfig \
        ${PKG_CONFIG:-pkg-config} --cflags --libs varlb 2>"$TMPD/pc.err")
case " $flags " in
  *" -I$stage$VARLB_INCLUDEDIR "*) pass "pkg-config --cflags --libs varlb: $flags" ;;
  *) fail "pkg-config: '$flags' $(cat "$TMPD/pc.err")" ;;
esac
cp "$top_srcdir/examples/library/decode.c" "$TMPD/decode.c"
# shellcheck disable=SC2086
if (cd "$TMPD" && ${CC:-cc} decode.c $flags -o decode) >"$TMPD/cc.log" 2>&1; then
  pass "the example compiles with the installed header and library"
else
  fail "the example does not compile: $(head -5 "$TMPD/cc.log")"
fi
LD_LIBRARY_PATH=$stage$VARLB_LIBDIR "$TMPD/decode" >"$TMPD/dec.out" 2>&1 \
  && grep -q '^27136 of 27136 hidden bits decoded' "$TMPD/dec.out" \
  && pass "the example decodes every bit: $(cat "$TMPD/dec.out")" \
  || fail "the example: $(cat "$TMPD/dec.out")"

# The man page: regenerated equal, every command and option in it.
man=$top_builddir/varlb.1
[ -f "$man" ] || man=$top_srcdir/varlb.1
"$SHELL" "$top_srcdir/doc/mkman.sh" "$VARLB" >"$TMPD/varlb.1" 2>"$TMPD/mkman.err" \
  && cmp -s "$TMPD/varlb.1" "$man" && pass "varlb.1 equals a fresh regeneration" \
  || fail "varlb.1 is stale (run make varlb.1): $(diff "$man" "$TMPD/varlb.1" | head -4)"
sed 's/\\-/-/g; s/\\f[BIR]//g; s/\\e/\\/g; s/\\&//g' "$man" >"$TMPD/man.txt"
cmds=$("$VARLB" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z]*\)  .*/\1/p' | grep -v '^help$')
missing=
for c in $cmds; do
  grep -q "^\.SS \"varlb $c\"" "$TMPD/man.txt" || missing="$missing command:$c"
  # Every option a help text lists (its option lines, and options named in prose).
  for o in $("$VARLB" help "$c" | grep -o -- '--[a-z][a-z0-9-]*\|^  -[a-zA-Z]\b' | sed 's/^ *//' | sort -u); do
    grep -q -- "$o" "$TMPD/man.txt" || missing="$missing $c:$o"
  done
done
[ -n "$cmds" ] && [ -z "$missing" ] && pass "varlb.1 has all $(echo $cmds | wc -w) commands and every option" \
  || fail "varlb.1 lacks:$missing"
if command -v groff >/dev/null 2>&1; then
  groff -man -Tutf8 -ww -z "$man" >"$TMPD/groff.err" 2>&1 && [ ! -s "$TMPD/groff.err" ] \
    && pass "groff -man -ww: no warnings" || fail "groff: $(head -3 "$TMPD/groff.err")"
else
  skip "varlb.1 under groff -ww: groff not found (groff-base, see install-deps)"
fi

# The ldconfig hook (root only: it never runs ldconfig for anyone else).
# The stand-in logs its cache queries (-v -N) apart from real calls, so "no
# ldconfig" is concluded only from a hook that ran and asked.
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$TMPD/bin" "$TMPD/sys/lib" "$TMPD/user/lib"
  cat >"$TMPD/bin/ldconfig" <<EOF
#!/bin/sh
[ "\$*" = "-v -N" ] && { echo query >>"$TMPD/ldconfig.queries"; echo "$TMPD/sys/lib: (from stand-in)"; echo "	libx.so -> libx.so.1"; exit 0; }
echo "ldconfig \$*" >>"$TMPD/ldconfig.calls"
EOF
  chmod +x "$TMPD/bin/ldconfig"
  hook () { (cd "$top_builddir" && PATH="$TMPD/bin:$PATH" $MAKE -s install-exec-hook libdir="$1") >/dev/null 2>&1; }
  hook "$TMPD/sys/lib"
  [ "$(cat "$TMPD/ldconfig.calls" 2>/dev/null)" = "ldconfig " ] \
    && pass "root, libdir in ld.so's cache: ldconfig runs" || fail "hook did not run ldconfig for a cached libdir"
  rm -f "$TMPD/ldconfig.calls" "$TMPD/ldconfig.queries"
  hook "$TMPD/user/lib"
  rc=$?
  [ $rc -eq 0 ] && [ -s "$TMPD/ldconfig.queries" ] && [ ! -e "$TMPD/ldconfig.calls" ] \
    && pass "root, libdir outside ld.so's cache: the hook asked, and ran no ldconfig" \
    || fail "hook for a user libdir: rc=$rc, $(cat "$TMPD/ldconfig.queries" 2>/dev/null | wc -l) queries, calls: $(cat "$TMPD/ldconfig.calls" 2>/dev/null)"
else
  skip "the ldconfig hook: needs root (it runs ldconfig for root only)"
fi
finish
