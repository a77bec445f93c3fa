# compressors.mk -- the built-in compressor zoo (appends with +=).
libvarlb_la_SOURCES += src/compressors/evict.h src/compressors/evict.c \
	src/compressors/streamingllm.c src/compressors/h2o.c src/compressors/tova.c \
	src/compressors/snapkv.c src/compressors/scalekv.c src/compressors/kivi.c \
	src/compressors/lowrank.c src/compressors/qjl.c src/compressors/pq.c
# kvpress's presses: scorer presses, then the other logic and wrappers
libvarlb_la_SOURCES += src/compressors/scorers.def \
	src/compressors/random.c src/compressors/knorm.c \
	src/compressors/expected_attention.c src/compressors/observed_attention.c \
	src/compressors/qfilter.c src/compressors/lagkv.c src/compressors/keydiff.c \
	src/compressors/leverage.c src/compressors/cur.c src/compressors/compactor.c \
	src/compressors/think.c src/compressors/kvzip.c src/compressors/finch.c \
	src/compressors/chunkkv.c src/compressors/criticalkv.c src/compressors/dms.c \
	src/compressors/merging.c src/compressors/cam.c
if HAVE_CHECK
check_PROGRAMS += tests/test_compressors tests/test_presses
endif
tests_test_compressors_SOURCES = tests/test_compressors.c tests/testutil.h
tests_test_compressors_LDADD = $(TEST_LDADD)
tests_test_compressors_CFLAGS = $(TEST_CFLAGS)
tests_test_presses_SOURCES = tests/test_presses.c tests/testutil.h
tests_test_presses_LDADD = $(TEST_LDADD)
tests_test_presses_CFLAGS = $(TEST_CFLAGS)
