#!/bin/sh
# limit.sh CMD [ARG...] -- the test driver's LOG_COMPILER: run one test under
# a wall-clock limit, VARLB_TEST_TIMEOUT seconds (default 300; make check
# VARLB_TEST_TIMEOUT=N to change), so a hanging test fails instead of
# hanging the suite.  Without coreutils' timeout the test runs unlimited.
limit=${VARLB_TEST_TIMEOUT:-300}
command -v timeout >/dev/null 2>&1 || exec "$@"
timeout -k 10 "$limit" "$@"
rc=$?
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
  echo "limit.sh: $* killed after ${limit} s (VARLB_TEST_TIMEOUT)" >&2
  exit 1
fi
exit $rc
