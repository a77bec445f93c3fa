#!/bin/sh
# valgrind_blobs.sh -- every built-in compressor's answer reads only inside
# its blob: the zoo's blob tests (blobs cut short, padded and corrupted, each
# in an exact-size buffer; tests/test_compressors.c, tcase "blobs") run under
# valgrind's memcheck, where a read one byte past the blob is an error.
# 60 corruptions per compressor here (300 in the native run of the same
# tests), so memcheck's 20-50x slowdown stays well inside the test's limit.
# Skipped (77) when valgrind or the check suite is missing.
: "${top_builddir:?}"
VALGRIND=${VALGRIND:-$(command -v valgrind)}
prog=$top_builddir/tests/test_compressors
[ -n "$VALGRIND" ] || { echo "valgrind not found: skipped (apt-get install valgrind)"; exit 77; }
[ -x "$prog" ] || { echo "tests/test_compressors not built (no check): skipped"; exit 77; }
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 CK_RUN_CASE=blobs CK_FORK=no VARLB_CORRUPT_TRIALS=60 \
  "$top_builddir/libtool" --mode=execute "$VALGRIND" --quiet --error-exitcode=3 \
  --leak-check=no "$prog"
rc=$?
[ $rc -eq 3 ] && echo "valgrind_blobs: memcheck found an invalid access (above)"
exit $rc
