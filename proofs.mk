# proofs.mk -- certified lemma checks, certification of instances, the
# approximate / sequence / sparsity variants, varlb prove/certify/explain/lowdim.
libvarlb_la_SOURCES += proofs/lemmas.c proofs/paper_chain.c proofs/series.c \
	proofs/rounding.h proofs/certify.c \
	reductions/approx.c reductions/index_seq.c reductions/sparse.c
varlb_SOURCES += src/cli/prove.c src/cli/certify.c src/cli/explain.c src/cli/lowdim.c
if HAVE_CHECK
check_PROGRAMS += tests/test_proofs tests/test_certify tests/test_variants
endif
TESTS += tests/cli_prove.sh
EXTRA_DIST += tests/cli_prove.sh
# The sparsity examples double as tests (they exit non-zero when the
# property they illustrate does not show); built under tests/, not examples/.
check_PROGRAMS += tests/example_window_kept tests/example_unstructured \
	tests/example_secret_pattern
tests_example_secret_pattern_SOURCES = examples/sparsity/secret_pattern.c
tests_example_secret_pattern_LDADD = libvarlb.la
tests_example_window_kept_SOURCES = examples/sparsity/window_kept.c
tests_example_window_kept_LDADD = libvarlb.la
tests_example_unstructured_SOURCES = examples/sparsity/unstructured.c
tests_example_unstructured_LDADD = libvarlb.la -lm
EXTRA_DIST += proofs/achievability.md
