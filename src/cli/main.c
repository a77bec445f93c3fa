/* main.c -- the varlb command line: subcommand dispatch and GNU-style help. */
#include <config.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_errno.h>
#include "cli.h"
#include "varlb-revision.h"

int cli_demo (int argc, char **argv);
int cli_decode (int argc, char **argv);

/* Each module lists its subcommands in its own .def file as
   CLI_COMMAND (name, function, summary, help) lines. */
#define CLI_COMMAND(name, fn, summary, help) int fn (int argc, char **argv);
#include "commands-channel.def"
#include "commands-stats.def"
#include "commands-proofs.def"
#include "commands-model.def"
#undef CLI_COMMAND

const struct cli_command cli_commands[] = {
  { "demo", cli_demo, "draw the default hard instance and decode every bit from the full cache",
    "Usage: varlb demo [--outdir DIR] [OPTIONS]\n\n"
    "Draw the default hard instance (VAR 256px schedule, d = 64), decode every\n"
    "hidden bit from the full KV cache and print a short report; then attack it\n"
    "with a few quick compressors and draw their accuracy against the Fano\n"
    "frontier.  The chart and its files go into one directory, printed at the\n"
    "end: accuracy.png, accuracy.csv (the trials' rows), accuracy.gp, .dat and\n"
    ".fano.dat (gnuplot script and data).  Exits 1 if any bit decodes wrongly.\n\n"
    "  --outdir DIR         the directory for the chart and its files (default\n"
    "                       varlb-demo, created if missing; files in it replaced)\n"
    "  --json               one JSON object instead of the text report (no chart)\n"
    "  --explain            teaching walk-through on a tiny instance (see 'varlb help explain')\n\n"
    CLI_REDUCTION_HELP "\n" CLI_RESOURCE_HELP },
  { "decode", cli_decode, "decode every hidden bit of an instance from the full cache",
    "Usage: varlb decode [OPTIONS]\n\n"
    "Draw the Index -> VAR hard instance for the given parameters, decode every\n"
    "hidden bit from the full cache, and report accuracy, the JL coherence, the\n"
    "per-row gap, delta and Delta, and the formal and measured criteria.\n\n"
    "  --json               one JSON object (keys include N, T, d, accuracy,\n"
    "                       coherence, min_target_weight)\n"
    "  --dump DIR           also write K.npy, V.npy, Q.npy, decoded.npy and\n"
    "                       threshold.txt into DIR\n"
    "  --repeat R           decode R times, report the fastest time (benchmarks)\n\n"
    CLI_REDUCTION_HELP "\n" CLI_RESOURCE_HELP },
#define CLI_COMMAND(name, fn, summary, help) { name, fn, summary, help },
#include "commands-channel.def"
#include "commands-stats.def"
#include "commands-proofs.def"
#include "commands-model.def"
#undef CLI_COMMAND
  { NULL, NULL, NULL, NULL }
};

static const struct cli_command *
find_command (const char *name)
{
  for (const struct cli_command *c = cli_commands; c->name; c++)
    if (strcmp (c->name, name) == 0)
      return c;
  return NULL;
}

void
cli_print_help (const char *cmd, FILE *out)
{
  const struct cli_command *c = find_command (cmd);
  if (c)
    fputs (c->help, out);
}

/* One line naming the nearest command when NAME looks like a typo. */
static int
unknown_command (const char *cmd, const char *name)
{
  const char *names[64] = { "--help", "--version" };
  size_t n = 2;
  for (const struct cli_command *c = cli_commands; c->name && n < 64; c++)
    if (c->summary) /* internal commands are never suggested */
      names[n++] = c->name;
  const char *near = cli_nearest (name, names, n);
  if (near && *near == '-')
    cli_error (cmd, "unknown option '%s'; did you mean '%s'? (see 'varlb --help')", name, near);
  else if (near)
    cli_error (cmd, "unknown command '%s'; did you mean '%s'? (see 'varlb --help')", name, near);
  else
    cli_error (cmd, "unknown command '%s' (see 'varlb --help')", name);
  return CLI_EXIT_USAGE;
}

static void
usage (FILE *out)
{
  fputs ("Usage: varlb COMMAND [OPTIONS]\n"
         "Executable Omega(n^2 d) KV-cache lower bounds for VAR transformers.\n\n"
         "Commands:\n", out);
  for (const struct cli_command *c = cli_commands; c->name; c++)
    if (c->summary) /* internal commands have none */
      fprintf (out, "  %-10s %s\n", c->name, c->summary);
  fputs ("  help CMD   show the options of CMD\n\n"
         "Options:\n"
         "  -h, --help     show this help and exit\n"
         "  -V, --version  show the version and exit\n\n"
         "Exit status: 0 success, 1 runtime failure, 2 usage error.\n", out);
}

int
main (int argc, char **argv)
{
  /* GSL's default handler aborts; the library checks return codes. */
  gsl_set_error_handler_off ();
  if (argc < 2)
    {
      usage (stderr);
      return CLI_EXIT_USAGE;
    }
  const char *name = argv[1];
  if (strcmp (name, "-h") == 0 || strcmp (name, "--help") == 0)
    {
      usage (stdout);
      return 0;
    }
  if (strcmp (name, "-V") == 0 || strcmp (name, "--version") == 0)
    {
      printf ("varlb %s (git %s; CBLAS: %s)\n", PACKAGE_VERSION, VARLB_GIT_REVISION,
              VARLB_BLAS);
      return 0;
    }
  if (strcmp (name, "help") == 0)
    {
      if (argc < 3)
        {
          usage (stdout);
          return 0;
        }
      if (find_command (argv[2]) == NULL)
        return unknown_command ("help", argv[2]);
      cli_print_help (argv[2], stdout);
      return 0;
    }
  const struct cli_command *c = find_command (name);
  if (c == NULL)
    return unknown_command (NULL, name);
  return c->fn (argc - 1, argv + 1);
}
