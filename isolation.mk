# isolation.mk -- what keeps a half from its partner beyond namespaces:
# the system-call filter (appends with +=).
libvarlb_la_SOURCES += src/sandbox/filter.h src/sandbox/filter.c

if HAVE_CHECK
check_PROGRAMS += tests/test_filter
endif
tests_test_filter_CPPFLAGS = $(AM_CPPFLAGS) -DTOP_SRCDIR='"$(abs_top_srcdir)"'
libvarlb_la_SOURCES += src/sandbox/uid.h src/sandbox/uid.c src/sandbox/freezer.h \
	src/sandbox/freezer.c src/sandbox/coldcache.h src/sandbox/coldcache.c

if HAVE_CHECK
check_PROGRAMS += tests/test_isolation
endif

TESTS += tests/cli_sidedoor.sh tests/cli_sidedoor_serve.sh tests/cli_coldcache.sh \
	tests/cli_honest.sh
EXTRA_DIST += tests/sidedoor_lib.sh tests/cli_sidedoor.sh tests/cli_sidedoor_serve.sh \
	tests/cli_coldcache.sh tests/cli_honest.sh tests/compressors/sidedoor.py \
	tests/compressors/honest_sqlite.py
libvarlb_la_SOURCES += src/sandbox/runtime.h src/sandbox/runtime.c

# A half sees the files its command names, not their folders: the test
# programs find their helpers (python/varlb_compressor.py, the modules
# beside tests/compressors/*.py) through PYTHONPATH, whose folders it sees.
AM_TESTS_ENVIRONMENT += PYTHONPATH='$(abs_top_srcdir)/python:$(abs_top_srcdir)/tests/compressors'; \
	export PYTHONPATH;
