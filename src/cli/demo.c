/* demo.c -- `varlb demo`: the main job, on embedded defaults (256px VAR
 * schedule, d = 64): draw a hard instance, decode every hidden bit from the
 * full cache, and draw the accuracy chart of a few compressors on it into
 * one directory (varlb-demo/, or --outdir DIR). */
#include <config.h>
#include <string.h>
#include "cli.h"
#include "decode.h"
#include "results/plot.h"
#include "results/report.h"

int cli_explain (int argc, char **argv); /* explain.c */

#define DEMO_OUTDIR "varlb-demo"

int
cli_demo (int argc, char **argv)
{
  for (int i = 1; i < argc; i++) /* --explain: the teaching walk-through */
    if (strcmp (argv[i], "--explain") == 0)
      return cli_explain (argc, argv);
  cli_options_t o;
  int c;
  if (cli_options_init (&o, "demo", CLI_ACCEPT_INSTANCE | CLI_ACCEPT_JSON | CLI_ACCEPT_OUTDIR
                        | CLI_ACCEPT_MEMORY, NULL) != 0)
    return cli_options_stop (&o, CLI_OPTIONS_ERROR);
  while ((c = cli_options_next (&o, argc, argv)) > 0)
    ; /* no options of its own */
  if (c != CLI_OPTIONS_DONE)
    return cli_options_stop (&o, c);
  const char *dir = o.outdir ? o.outdir : DEMO_OUTDIR;
  if (!o.json && cli_make_dir (o.cmd, "--outdir", dir) != 0)
    return cli_options_stop (&o, CLI_OPTIONS_ERROR);
  int all = 0;
  int rc = cli_decode_run (&o, NULL, 1, &all);
  /* End with chart (a): a few quick compressors on this very instance. */
  if (rc == 0 && all && !o.json)
    {
      char png[4096], csv[4096], html[4096];
      snprintf (png, sizeof png, "%s/accuracy.png", dir);
      snprintf (csv, sizeof csv, "%s/accuracy.csv", dir);
      snprintf (html, sizeof html, "%s/report.html", dir);
      char *rows[] = { csv };
      if (cli_plot_demo (o.cmd, &o.p, png) != CLI_EXIT_FAIL)
        printf ("  files         in %s/: accuracy.png (the chart), accuracy.csv (its rows),\n"
                "                accuracy.gp, .dat, .fano.dat (gnuplot script and data)%s\n", dir,
                cli_report_files (o.cmd, rows, 1, html, "varlb demo: where compressors sit against "
                                  "the bound", NULL) == 0
                ? ",\n                report.html (the page to open in a browser: no network)" : "");
    }
  cli_options_clear (&o);
  if (rc == 0 && !all)
    {
      cli_error ("demo", "the full cache did not decode every bit at these parameters");
      return CLI_EXIT_FAIL;
    }
  return rc;
}
