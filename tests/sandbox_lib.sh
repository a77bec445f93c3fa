# sandbox_lib.sh -- sourced after TMPD is made.  Where no sandbox can be
# made (a chroot, a container whose seccomp forbids namespaces), varlb
# refuses to run any half, as it must.  The tests of everything but
# isolation then run through a wrapper that adds --no-sandbox to attack,
# sweep and scaling (their rows say "isolation": "none"), and the tests of
# isolation itself skip through need_sandbox.  .ci/run says which it was.
SANDBOX=yes
if ! "$VARLB" attack --compressor identity --budget 8 --schedule 1,2 -d 2 \
       >/dev/null 2>"$TMPD/sandbox.err" \
   && grep -q 'cannot create the sandbox' "$TMPD/sandbox.err"; then
  SANDBOX="no sandbox here ($(cat "$TMPD/sandbox.err"))"
  echo "note: $SANDBOX: trials run with --no-sandbox, isolation checks skip"
  cat >"$TMPD/varlb-no-sandbox" <<WRAP
#!/bin/sh
case "\$1" in
  attack|sweep|scaling) c=\$1; shift; exec "$VARLB" "\$c" --no-sandbox "\$@" ;;
esac
exec "$VARLB" "\$@"
WRAP
  chmod +x "$TMPD/varlb-no-sandbox"
  VARLB=$TMPD/varlb-no-sandbox
fi
rm -f "$TMPD/sandbox.err"

# need_sandbox: skip (77) the rest of a script that tests isolation.
need_sandbox () {
  [ "$SANDBOX" = yes ] || { echo "$SANDBOX: skipping"; exit 77; }
}
