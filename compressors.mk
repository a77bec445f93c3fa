# compressors.mk -- build fragment for the built-in compressor zoo (appends with +=).
