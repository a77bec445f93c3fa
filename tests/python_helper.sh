#!/bin/sh
# python_helper.sh -- the Python helper's own tests (tests/test_varlb_compressor.py):
# protocol loops under a fake judge, key regeneration against `varlb decode
# --dump`, bit packing.  Skips (77) without a python3 that has NumPy.
PY=${PYTHON3:-python3}
"$PY" -c 'import numpy' 2>/dev/null || { echo "skip: ${PY} has no NumPy"; exit 77; }
PYTHONPATH="$top_srcdir/python${PYTHONPATH:+:$PYTHONPATH}"
VARLB_LIBRARY="$top_builddir/.libs/libvarlb.so.0"
export PYTHONPATH VARLB_LIBRARY
exec timeout 600 "$PY" "$top_srcdir/tests/test_varlb_compressor.py" -v
