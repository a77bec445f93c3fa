# stats.mk -- statistics, sweeps, scaling, plots (appends with +=).
libvarlb_la_SOURCES += src/stats.c
varlb_SOURCES += src/cli/plot.h src/cli/plot.c src/cli/csv.c src/cli/plot_accuracy.c \
	src/cli/plot_scaling.c src/cli/plot_tokens.c src/cli/sweep.h src/cli/sweep.c \
	src/cli/grid.c src/cli/sweep_files.c src/cli/sweep_mpi.c \
	src/cli/scaling.c
if HAVE_MPI
varlb_CFLAGS += $(MPI_CFLAGS)
varlb_LDADD += $(MPI_LIBS)
endif
if HAVE_CHECK
check_PROGRAMS += tests/test_stats
endif
tests_test_stats_SOURCES = tests/test_stats.c tests/testutil.h
tests_test_stats_LDADD = $(TEST_LDADD)
tests_test_stats_CFLAGS = $(TEST_CFLAGS)
TESTS += tests/cli_sweep.sh
EXTRA_DIST += tests/cli_sweep.sh
TESTS += tests/cli_plot.sh
EXTRA_DIST += tests/cli_plot.sh
TESTS += tests/cli_mpi.sh
EXTRA_DIST += tests/cli_mpi.sh bench/scaling.sh
# (CLEANFILES is first set here; a later fragment appends with +=.)
CLEANFILES = tests/judge.key
varlb_SOURCES += src/cli/summary.c
TESTS += tests/cli_summary.sh
EXTRA_DIST += tests/cli_summary.sh
