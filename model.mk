# model.mk -- whole VAR models: every layer and head under one global budget
# (issue 13; appends with +=).
libvarlb_la_SOURCES += src/model.c
varlb_SOURCES += src/cli/model.h src/cli/model.c src/cli/commands-model.def \
	src/cli/model_released.c
libvarlb_la_SOURCES += src/model_channel.c src/compressors/model.def \
	src/compressors/alloc.h src/compressors/alloc.c \
	src/compressors/pyramidkv.c src/compressors/adakv.c src/compressors/hack.c \
	src/compressors/duoattention.c src/compressors/simlayerkv.c \
	src/compressors/minicache.c src/compressors/headshare.c
libvarlb_la_SOURCES += src/trial.h
varlb_SOURCES += src/cli/model_report.c src/cli/model_sweep.c
if HAVE_CHECK
check_PROGRAMS += tests/test_model tests/test_alloc
noinst_HEADERS += tests/testmodel.h
endif
TESTS += tests/cli_model.sh
EXTRA_DIST += tests/cli_model.sh tests/compressors/model_identity.py bench/model.sh
