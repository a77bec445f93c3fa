# golden.mk -- the refactoring's safety net (issue 21): tests/cli_golden.sh
# compares a fixed grid of outputs with tests/golden/ byte for byte (after
# normalising paths, version, revision, digests and times).  After a
# deliberate change of output, `make golden-update` rewrites tests/golden/
# from this build; review `git diff tests/golden` and commit it with the
# change.  (Appends with +=.)
check_LTLIBRARIES += tests/plugins/modelplug.la
tests_plugins_modelplug_la_SOURCES = tests/plugins/modelplug.c
tests_plugins_modelplug_la_LDFLAGS = $(CHANNEL_PLUGIN_LDFLAGS)
tests_plugins_modelplug_la_LIBADD = libvarlb.la
TESTS += tests/cli_golden.sh
EXTRA_DIST += tests/cli_golden.sh tests/golden

golden-update: varlb$(EXEEXT) $(check_LTLIBRARIES)
	@$(AM_TESTS_ENVIRONMENT) VARLB_GOLDEN_UPDATE=1; export VARLB_GOLDEN_UPDATE; \
	  $(SHELL) $(top_srcdir)/tests/cli_golden.sh >golden-update.out 2>&1; rc=$$?; \
	  grep -v '^ok ' golden-update.out; rm -f golden-update.out; exit $$rc
	@cd $(top_srcdir) && git status --short tests/golden 2>/dev/null; \
	  echo "golden-update: review with: git diff $(top_srcdir)/tests/golden"
.PHONY: golden-update
