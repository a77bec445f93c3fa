# compressors.mk -- the built-in compressor zoo (appends with +=).
libvarlb_la_SOURCES += src/compressors/evict.h src/compressors/evict.c \
	src/compressors/streamingllm.c src/compressors/h2o.c src/compressors/tova.c \
	src/compressors/snapkv.c src/compressors/scalekv.c src/compressors/kivi.c \
	src/compressors/lowrank.c src/compressors/qjl.c src/compressors/pq.c
if HAVE_CHECK
check_PROGRAMS += tests/test_compressors
endif
tests_test_compressors_SOURCES = tests/test_compressors.c tests/testutil.h
tests_test_compressors_LDADD = $(TEST_LDADD)
tests_test_compressors_CFLAGS = $(TEST_CFLAGS)
if HAVE_CHECK
check_PROGRAMS += tests/test_lossless
endif
tests_test_lossless_SOURCES = tests/test_lossless.c tests/testutil.h
tests_test_lossless_LDADD = $(TEST_LDADD)
tests_test_lossless_CFLAGS = $(TEST_CFLAGS)
