# channel.mk -- the one-way channel, plug-ins, attack/list (appends with +=).
libvarlb_la_SOURCES += src/blob.c src/channel.h src/channel.c src/text.h src/text.c \
	src/sandbox/sandbox.h src/sandbox/io.h src/sandbox/io.c \
	src/sandbox/limit.h src/sandbox/limit.c src/sandbox/view.h src/sandbox/view.c \
	src/sandbox/archive.h src/sandbox/archive.c src/sandbox/frames.h src/sandbox/frames.c \
	src/sandbox/host.h src/sandbox/host.c src/sandbox/inside.c src/sandbox/worker.c \
	src/trial.c src/trial_half.c src/rows.c src/command.c \
	src/compressors/common.h src/compressors/common.c \
	src/compressors/identity.c src/compressors/lossless.c \
	src/compressors/core.def src/compressors/zoo.def
varlb_SOURCES += src/cli/attack.c src/cli/list.c src/cli/compress.c src/cli/half.c src/cli/spec.c

# Channel tests: the example plug-in and two bad plug-ins are built with the
# tree's own compiler flags (check_LTLIBRARIES, only for `make check`).
check_LTLIBRARIES = tests/plugins/firstk.la tests/plugins/badplug.la tests/plugins/badabi.la \
	tests/plugins/hostile.la
CHANNEL_PLUGIN_LDFLAGS = -module -avoid-version -shared -rpath $(abs_builddir)
tests_plugins_firstk_la_SOURCES = tests/plugins/firstk.c
tests_plugins_firstk_la_LDFLAGS = $(CHANNEL_PLUGIN_LDFLAGS)
tests_plugins_badplug_la_SOURCES = tests/plugins/badplug.c
tests_plugins_badplug_la_LDFLAGS = $(CHANNEL_PLUGIN_LDFLAGS)
tests_plugins_hostile_la_SOURCES = tests/plugins/hostile.c
tests_plugins_hostile_la_LDFLAGS = $(CHANNEL_PLUGIN_LDFLAGS)
tests_plugins_hostile_la_LIBADD = libvarlb.la
tests_plugins_badabi_la_SOURCES = tests/plugins/badabi.c
tests_plugins_badabi_la_LDFLAGS = $(CHANNEL_PLUGIN_LDFLAGS)
AM_TESTS_ENVIRONMENT += CC='$(CC)'; export CC;
TESTS += tests/cli_attack.sh tests/cli_hostile.sh tests/cli_serve.sh tests/cli_proc.sh \
	tests/cli_newuser.sh
EXTRA_DIST += tests/cli_attack.sh tests/compressors/misbehave.py tests/cli_hostile.sh \
	tests/compressors/hostile.py tests/cli_serve.sh tests/compressors/serveworker.py \
	tests/cli_proc.sh tests/compressors/procprobe.py tests/cli_newuser.sh \
	tests/list_settings.py
if HAVE_CHECK
check_PROGRAMS += tests/test_channel tests/test_knobs
endif
tests_test_channel_CPPFLAGS = $(AM_CPPFLAGS) -DVARLB_BINARY='"$(abs_top_builddir)/varlb"'
