/* demo.c -- `varlb demo`: the main job, on embedded defaults (256px VAR
 * schedule, d = 64): draw a hard instance and decode every hidden bit from
 * the full cache. */
#include <config.h>
#include <string.h>
#include "cli.h"
#include "decode.h"
#include "plot.h"

int cli_explain (int argc, char **argv); /* explain.c */

int
cli_demo (int argc, char **argv)
{
  for (int i = 1; i < argc; i++) /* --explain: the teaching walk-through */
    if (strcmp (argv[i], "--explain") == 0)
      return cli_explain (argc, argv);
  static const struct option longopts[] = {
    CLI_REDUCTION_LONGOPTS,
    { "json", no_argument, NULL, CLI_OPT_JSON },
    { NULL, 0, NULL, 0 }
  };
  const char *cmd = "demo";
  varlb_params_t p;
  int json = 0, c, rc;
  varlb_params_init (&p);
  opterr = 0;
  while ((c = getopt_long (argc, argv, "d:", longopts, NULL)) != -1)
    {
      if (c == CLI_OPT_HELP)
        {
          cli_print_help (cmd, stdout);
          varlb_params_clear (&p);
          return 0;
        }
      if (c == CLI_OPT_JSON)
        {
          json = 1;
          continue;
        }
      rc = cli_reduction_option (cmd, c, optarg, &p);
      if (rc == 1)
        rc = (cli_bad_option (cmd, argc, argv), -1);
      if (rc != 0)
        {
          varlb_params_clear (&p);
          return CLI_EXIT_USAGE;
        }
    }
  if (cli_no_arguments (cmd, argc, argv) != 0)
    {
      varlb_params_clear (&p);
      return CLI_EXIT_USAGE;
    }
  if (cli_reduction_finish (cmd, &p) != 0)
    {
      varlb_params_clear (&p);
      return CLI_EXIT_USAGE;
    }
  int all = 0;
  rc = cli_decode_run (cmd, &p, json, NULL, 1, &all);
  /* End with chart (a): a few quick compressors on this very instance. */
  if (rc == 0 && all && !json)
    cli_plot_demo (cmd, &p, "varlb-demo.png");
  varlb_params_clear (&p);
  if (rc == 0 && !all)
    {
      cli_error (cmd, "the full cache did not decode every bit at these parameters");
      return CLI_EXIT_FAIL;
    }
  return rc;
}
