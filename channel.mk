# channel.mk -- the one-way channel, plug-ins, attack/list (appends with +=).
libvarlb_la_SOURCES += src/blob.c src/channel.c \
	src/compressors/common.h src/compressors/common.c \
	src/compressors/identity.c src/compressors/lossless.c \
	src/compressors/core.def src/compressors/zoo.def
varlb_SOURCES += src/cli/attack.c src/cli/answer.c
