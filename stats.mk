# stats.mk -- statistics, sweeps, scaling, plots (appends with +=).
libvarlb_la_SOURCES += src/stats.c src/verdict.c src/mac.c
varlb_SOURCES += src/cli/plot.c src/cli/sweep.h src/cli/sweep.c \
	src/cli/grid.c src/cli/sweep_files.c src/cli/resume.c src/cli/sweep_mpi.c \
	src/cli/scaling.c
if HAVE_MPI
varlb_CFLAGS += $(MPI_CFLAGS)
varlb_LDADD += $(MPI_LIBS)
endif
if HAVE_CHECK
check_PROGRAMS += tests/test_stats tests/test_verdict
endif
tests_test_verdict_LDADD = $(LDADD) -lmpfr -lgmp
TESTS += tests/cli_sweep.sh
EXTRA_DIST += tests/cli_sweep.sh
TESTS += tests/cli_plot.sh
EXTRA_DIST += tests/cli_plot.sh
TESTS += tests/cli_mpi.sh
EXTRA_DIST += tests/cli_mpi.sh bench/scaling.sh tests/same_rows.py
# (CLEANFILES is first set here; a later fragment appends with +=.)
CLEANFILES = tests/judge.key
varlb_SOURCES += src/cli/summary.c
TESTS += tests/cli_summary.sh
EXTRA_DIST += tests/cli_summary.sh
# Verdicts (tests/cli_verdicts.sh): a careful cheat and a blob whose length
# depends on the data, external programs built for the tests but not run as
# tests themselves.
EXTRA_PROGRAMS = tests/compressors/stealth
tests_compressors_stealth_SOURCES = tests/compressors/stealth.c
tests_compressors_stealth_LDADD = libvarlb.la
check_DATA = tests/compressors/stealth$(EXEEXT)
CLEANFILES += tests/compressors/stealth$(EXEEXT)
TESTS += tests/cli_verdicts.sh
EXTRA_DIST += tests/cli_verdicts.sh tests/rows_edit.py
EXTRA_DIST += proofs/verdicts.md tests/compressors/stealth.c
