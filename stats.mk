# stats.mk -- statistics, sweeps, scaling, plots (appends with +=).
libvarlb_la_SOURCES += src/stats.c
varlb_SOURCES += src/cli/plot.h src/cli/plot.c
if HAVE_CHECK
check_PROGRAMS += tests/test_stats
endif
tests_test_stats_SOURCES = tests/test_stats.c tests/testutil.h
tests_test_stats_LDADD = $(TEST_LDADD)
tests_test_stats_CFLAGS = $(TEST_CFLAGS)
