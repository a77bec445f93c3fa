# compressors.mk -- the built-in compressor zoo (appends with +=).
libvarlb_la_SOURCES += src/compressors/evict.h src/compressors/evict.c \
	src/compressors/streamingllm.c src/compressors/h2o.c src/compressors/tova.c \
	src/compressors/snapkv.c src/compressors/scalekv.c src/compressors/kivi.c \
	src/compressors/lowrank.c
