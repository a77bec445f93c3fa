# compressors.mk -- the built-in compressor zoo (appends with +=).
libvarlb_la_SOURCES += src/compressors/registry.c src/compressors/evict.h src/compressors/evict.c \
	src/compressors/streamingllm.c src/compressors/h2o.c src/compressors/tova.c \
	src/compressors/snapkv.c src/compressors/scalekv.c src/compressors/quant.h \
	src/compressors/quant.c src/compressors/kivi.c \
	src/compressors/lowrank.c src/compressors/qjl.c src/compressors/pq.c \
	src/compressors/turboquant.c src/compressors/polarquant.c src/compressors/kvquant.c \
	src/compressors/gear.c src/compressors/subgen.c src/compressors/pqcache.c \
	src/compressors/amskv.c src/compressors/fastvar.c src/compressors/litevar.c \
	src/compressors/polar.h src/compressors/polar.c src/compressors/ratedist.c
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
check_PROGRAMS += tests/test_compressors tests/test_pq tests/test_presses
noinst_HEADERS += tests/testzoo.h
endif

# Real compressors from other projects (optional; configure finds them).
libvarlb_la_SOURCES += src/compressors/provenance.c
if HAVE_ZFP
libvarlb_la_SOURCES += src/compressors/zfp.c
endif
if HAVE_FPZIP
libvarlb_la_SOURCES += src/compressors/fpzip.c
endif
# faiss is C++ only on Debian: a convenience library holds the C++ shim, and
# libfaiss.a's symbols are not re-exported by libvarlb.
if HAVE_FAISS
libvarlb_la_SOURCES += src/compressors/faiss.c
noinst_LTLIBRARIES = libvarlb_faiss.la
libvarlb_faiss_la_SOURCES = src/compressors/faiss_shim.cc src/compressors/faiss_shim.h
libvarlb_faiss_la_CXXFLAGS = -fvisibility=hidden -fvisibility-inlines-hidden
libvarlb_la_LIBADD += libvarlb_faiss.la $(FAISS_LIBS)
libvarlb_la_LDFLAGS += -Wl,--exclude-libs,libfaiss.a
endif
if HAVE_CHECK
check_PROGRAMS += tests/test_thirdparty
endif

# The Python helper for external compressors, its tests and the examples
# written with it (tests skip with 77 without NumPy, faiss or torch).
VARLB_PY = python/varlb_compressor/__init__.py python/varlb_compressor/__main__.py \
	python/varlb_compressor/arrays.py python/varlb_compressor/library.py \
	python/varlb_compressor/instance.py python/varlb_compressor/protocol.py
if HAVE_PYTHON
varlb_compressordir = $(pythondir)/varlb_compressor
varlb_compressor_PYTHON = $(VARLB_PY)
endif
TESTS += tests/python_helper.sh tests/python_examples.sh tests/python_faiss.sh tests/python_torch.sh
EXTRA_DIST += $(VARLB_PY) tests/python_helper.sh tests/python_examples.sh \
	tests/python_faiss.sh tests/python_torch.sh \
	tests/test_varlb_compressor.py examples/external/values_only.py \
	examples/external/faiss_pq.py examples/external/torch_int.py
if HAVE_CHECK
check_PROGRAMS += tests/test_ratedist
endif
EXTRA_DIST += bench/ratedist.sh
TESTS += tests/cli_ratedist.sh
EXTRA_DIST += tests/cli_ratedist.sh
if HAVE_CHECK
check_PROGRAMS += tests/test_zoo_quant tests/test_zoo_select
endif
if HAVE_CHECK
check_PROGRAMS += tests/test_lossless
endif
