# compressors.mk -- the built-in compressor zoo (appends with +=).
libvarlb_la_SOURCES += src/compressors/evict.h src/compressors/evict.c \
	src/compressors/streamingllm.c src/compressors/h2o.c src/compressors/tova.c \
	src/compressors/snapkv.c src/compressors/scalekv.c src/compressors/quant.h \
	src/compressors/quant.c src/compressors/kivi.c \
	src/compressors/lowrank.c src/compressors/qjl.c src/compressors/pq.c \
	src/compressors/turboquant.c src/compressors/polarquant.c src/compressors/kvquant.c \
	src/compressors/gear.c src/compressors/subgen.c src/compressors/pqcache.c \
	src/compressors/amskv.c src/compressors/fastvar.c src/compressors/litevar.c
if HAVE_CHECK
check_PROGRAMS += tests/test_compressors
endif
tests_test_compressors_SOURCES = tests/test_compressors.c tests/testutil.h
tests_test_compressors_LDADD = $(TEST_LDADD)
tests_test_compressors_CFLAGS = $(TEST_CFLAGS)
if HAVE_CHECK
check_PROGRAMS += tests/test_zoo_quant
endif
tests_test_zoo_quant_SOURCES = tests/test_zoo_quant.c tests/testutil.h
tests_test_zoo_quant_LDADD = $(TEST_LDADD)
tests_test_zoo_quant_CFLAGS = $(TEST_CFLAGS)
