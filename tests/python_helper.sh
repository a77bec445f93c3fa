#!/bin/sh
# python_helper.sh -- the Python helper's own tests (tests/test_varlb_compressor.py):
# protocol loops under a fake judge, calibration under the real one, key
# regeneration against `varlb decode --dump`, bit packing.  Skips (77)
# without a python3 that has NumPy.
PY=${PYTHON3:-python3}
"$PY" -c 'import numpy' 2>/dev/null || { echo "skip: ${PY} has no NumPy"; exit 77; }
TMPD=$(mktemp -d) || exit 1
trap 'rm -rf "$TMPD"' EXIT INT TERM
. "$top_srcdir/tests/sandbox_lib.sh"   # VARLB: the --no-sandbox wrapper where needed
PYTHONPATH="$top_srcdir/python${PYTHONPATH:+:$PYTHONPATH}"
VARLB_LIBRARY="$top_builddir/.libs/libvarlb.so.0"
export PYTHONPATH VARLB_LIBRARY VARLB
timeout 600 "$PY" "$top_srcdir/tests/test_varlb_compressor.py" -v
