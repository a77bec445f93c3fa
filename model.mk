# model.mk -- whole VAR models: every layer and head under one global budget
# (issue 13; appends with +=).
libvarlb_la_SOURCES += src/model.c
varlb_SOURCES += src/cli/model.h src/cli/model.c src/cli/commands-model.def \
	src/cli/model_half.c
libvarlb_la_SOURCES += src/model_channel.c src/compressors/model.def \
	src/compressors/alloc.h src/compressors/alloc.c \
	src/compressors/pyramidkv.c src/compressors/adakv.c src/compressors/hack.c \
	src/compressors/duoattention.c src/compressors/simlayerkv.c
libvarlb_la_SOURCES += src/trial.h src/model_trial.c
varlb_SOURCES += src/cli/model_attack.c
