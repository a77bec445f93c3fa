/* plot.c -- `varlb plot RESULTS.csv --out FILE.png|.svg`: the pictures of
 * the evidence, drawn by gnuplot from a script and data files the library
 * writes beside the image (src/results/plot*.c: accuracy against the Fano
 * frontier, the scaling fit with the lower bound, per-token and per-head
 * heat maps); `varlb demo`'s chart (cli_plot_demo). */
#define _GNU_SOURCE 1 /* asprintf */
#include <config.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cli.h"
#include "results/plot.h"

/* ------------------------------------------------------------ gnuplot */

/* gnuplot's path: the one configure found, else the first on PATH. */
static char *
find_gnuplot (void)
{
  const char *env = getenv ("VARLB_GNUPLOT");
  if (env)
    return *env && access (env, X_OK) == 0 ? strdup (env) : NULL;
  if (GNUPLOT_PATH[0] && access (GNUPLOT_PATH, X_OK) == 0)
    return strdup (GNUPLOT_PATH);
  const char *path = getenv ("PATH");
  if (!path)
    return NULL;
  char *copy = strdup (path), *save = NULL;
  for (char *dir = strtok_r (copy, ":", &save); dir; dir = strtok_r (NULL, ":", &save))
    {
      size_t len = strlen (dir) + sizeof "/gnuplot";
      char *cand = malloc (len);
      snprintf (cand, len, "%s/gnuplot", dir);
      if (access (cand, X_OK) == 0)
        {
          free (copy);
          return cand;
        }
      free (cand);
    }
  free (copy);
  return NULL;
}

/* Run gnuplot on SCRIPT; its messages go to our stderr. */
static int
run_gnuplot (const char *gnuplot, const char *script)
{
  pid_t pid = fork ();
  if (pid < 0)
    return -1;
  if (pid == 0)
    {
      execl (gnuplot, "gnuplot", script, (char *) NULL);
      _exit (127);
    }
  int st;
  while (waitpid (pid, &st, 0) < 0)
    if (errno != EINTR)
      return -1;
  return WIFEXITED (st) && WEXITSTATUS (st) == 0 ? 0 : -1;
}

static char *
with_suffix (const char *stem, const char *suffix)
{
  size_t len = strlen (stem) + strlen (suffix) + 1;
  char *s = malloc (len);
  if (s)
    snprintf (s, len, "%s%s", stem, suffix);
  return s;
}

int
cli_plot_file (const char *cmd, const char *csv, const char *out, enum cli_plot_kind kind,
               const char *title, const char *only, char *wrote, size_t wlen)
{
  if (wrote && wlen)
    wrote[0] = '\0';
  char why[256];
  const char *ext = strrchr (out, '.');
  int svg;
  if (ext && strcmp (ext, ".png") == 0)
    svg = 0;
  else if (ext && strcmp (ext, ".svg") == 0)
    svg = 1;
  else
    {
      cli_error (cmd, "--out: '%s': expected a .png or .svg file name", out);
      return CLI_EXIT_USAGE;
    }
  varlb__csv_t t;
  if (varlb__csv_read (&t, csv, why, sizeof why) != 0)
    {
      cli_error (cmd, "%s: %s", csv, why);
      return CLI_EXIT_FAIL;
    }
  if (kind == PLOT_AUTO)
    kind = varlb__csv_col (&t, "min_budget_bits") >= 0 ? PLOT_SCALING
           : varlb__csv_col (&t, "layer") >= 0 && varlb__csv_col (&t, "head") >= 0 ? PLOT_HEADS
           : varlb__csv_col (&t, "scale") >= 0 && varlb__csv_col (&t, "correct") >= 0 ? PLOT_HEATMAP
           : PLOT_ACCURACY;
  char *stem = strndup (out, (size_t) (ext - out));
  char *gppath = with_suffix (stem, ".gp"), *datpath = with_suffix (stem, ".dat"),
       *curvepath = with_suffix (stem, ".fano.dat"), *tmpimg = with_suffix (out, ".tmp");
  char *gptmp = with_suffix (gppath, ".tmp"), *dattmp = with_suffix (datpath, ".tmp");
  int rc = CLI_EXIT_FAIL;
  FILE *gp = fopen (gptmp, "w"), *dat = gp ? fopen (dattmp, "w") : NULL;
  if (!gp || !dat)
    {
      cli_error (cmd, "%s: %s", gp ? dattmp : gptmp, strerror (errno));
      if (gp)
        fclose (gp), unlink (gptmp);
      goto done;
    }
  fprintf (gp, "# varlb %s: drawn from %s; run 'gnuplot %s' to redraw.\n",
           VARLB_VERSION_STRING, csv, gppath);
  if (svg)
    fprintf (gp, "set terminal svg size 1280,720 dynamic enhanced font 'sans,13'\n");
  else
    fprintf (gp, "set terminal pngcairo size 1280,720 enhanced font 'sans,11'\n");
  fprintf (gp, "set output ");
  varlb__gp_quote (gp, tmpimg);
  fprintf (gp, "\nset encoding utf8\n");
  const varlb__plot_sel_t sel = { only, title };
  int wr = kind == PLOT_SCALING ? varlb__plot_write_scaling (gp, dat, datpath, &t, &sel, why,
                                                             sizeof why)
           : kind == PLOT_HEATMAP ? varlb__plot_write_tokens (gp, dat, datpath, &t, &sel, why,
                                                              sizeof why)
           : kind == PLOT_HEADS ? varlb__plot_write_heads (gp, dat, datpath, &t, &sel, why,
                                                           sizeof why)
           : varlb__plot_write_accuracy (gp, dat, datpath, curvepath, &t, &sel, why, sizeof why);
  int werr = ferror (gp) | ferror (dat);
  werr |= fclose (gp) | fclose (dat);
  if (wr != 0 || werr)
    {
      cli_error (cmd, "%s: %s", csv, wr != 0 ? why : "write error");
      unlink (gptmp), unlink (dattmp);
      goto done;
    }
  if (rename (gptmp, gppath) != 0 || rename (dattmp, datpath) != 0)
    {
      cli_error (cmd, "%s: %s", gppath, strerror (errno));
      goto done;
    }
  char *gnuplot = find_gnuplot ();
  if (!gnuplot)
    {
      fprintf (stderr, "varlb: %s: gnuplot not found: wrote %s and %s; install gnuplot and run 'gnuplot %s' to draw %s\n",
               cmd, gppath, datpath, gppath, out);
      rc = 3;
      goto done;
    }
  if (run_gnuplot (gnuplot, gppath) != 0 || access (tmpimg, F_OK) != 0)
    {
      cli_error (cmd, "gnuplot failed on %s", gppath);
      unlink (tmpimg);
    }
  else if (rename (tmpimg, out) != 0)
    cli_error (cmd, "%s: %s", out, strerror (errno));
  else
    rc = 0;
  if (rc == 0 && wrote && wlen)
    {
      static const char *const what[] = { "", "accuracy against the Fano frontier",
                                          "the smallest budget against n and d, with the fit "
                                          "and the lower bound",
                                          "accuracy by scale and position", "accuracy by layer "
                                          "and head" };
      snprintf (wrote, wlen, "wrote %s (%s), its gnuplot script %s and data %s%s%s", out,
                what[kind], gppath, datpath, kind == PLOT_ACCURACY ? ", " : "",
                kind == PLOT_ACCURACY ? curvepath : "");
    }
  free (gnuplot);
done:
  varlb__csv_clear (&t);
  free (stem), free (gppath), free (datpath), free (curvepath), free (tmpimg);
  free (gptmp), free (dattmp);
  return rc;
}

int
cli_plot (int argc, char **argv)
{
  enum { OPT_KIND = CLI_OPT_FIRST_FREE, OPT_TITLE, OPT_ONLY };
  static const struct option own[] = {
    { "kind", required_argument, NULL, OPT_KIND },
    { "title", required_argument, NULL, OPT_TITLE },
    { "compressor", required_argument, NULL, OPT_ONLY },
    { NULL, 0, NULL, 0 }
  };
  static const char *const kinds[] = { "accuracy", "scaling", "heatmap", "heads" };
  const char *cmd = "plot", *title = NULL, *only = NULL;
  enum cli_plot_kind kind = PLOT_AUTO;
  cli_options_t o;
  int c;
  if (cli_options_init (&o, cmd, CLI_ACCEPT_OUT | CLI_ACCEPT_OPERANDS, own) != 0)
    return cli_options_stop (&o, CLI_OPTIONS_ERROR);
  while ((c = cli_options_next (&o, argc, argv)) > 0)
    if (c == OPT_TITLE)
      title = o.arg;
    else if (c == OPT_ONLY)
      only = o.arg;
    else
      {
        kind = PLOT_AUTO;
        for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++)
          if (strcmp (o.arg, kinds[k]) == 0)
            kind = (enum cli_plot_kind) (PLOT_ACCURACY + k);
        if (kind == PLOT_AUTO)
          {
            cli_error (cmd, "--kind: expected accuracy, scaling, heatmap or heads, got '%s'",
                       o.arg);
            return cli_options_stop (&o, CLI_OPTIONS_ERROR);
          }
      }
  const char *out = o.out;
  if (c != CLI_OPTIONS_DONE)
    return cli_options_stop (&o, c);
  cli_options_clear (&o);
  const char *results = cli_one_argument (cmd, argc, argv, "RESULTS.csv");
  if (results == NULL)
    return CLI_EXIT_USAGE;
  if (!out)
    {
      cli_error (cmd, "missing --out FILE.png|FILE.svg");
      return CLI_EXIT_USAGE;
    }
  char wrote[4096];
  int rc = cli_plot_file (cmd, results, out, kind, title, only, wrote, sizeof wrote);
  if (rc == 0)
    printf ("varlb plot: %s\n", wrote);
  return rc == 3 ? 0 : rc;
}

/* The compressors and budgets of the demo's chart: quick ones, a few
   budgets, the demo's own instance. */
static const char *const demo_specs[] = { "identity", "kivi", "h2o", "lowrank", "ratedist" };
static const double demo_ratios[] = { 0.1, 0.25, 0.5, 1.0 };

int
cli_plot_demo (const char *cmd, const varlb_params_t *p, const char *out)
{
  char *csv = NULL, *tmp = NULL, exe[4096];
  const char *ext = strrchr (out, '.');
  if (!ext || asprintf (&csv, "%.*s.csv", (int) (ext - out), out) < 0
      || asprintf (&tmp, "%s.tmp", csv) < 0)
    return CLI_EXIT_FAIL;
  ssize_t el = readlink ("/proc/self/exe", exe, sizeof exe - 1);
  exe[el > 0 ? el : 0] = '\0';
  varlb_channel_opts_t o;
  varlb_channel_opts_init (&o);
  o.half_exe = exe;
  char key[4096], *hide[2] = { NULL, NULL }, why[300];
  if (varlb_judge_key_default_path (key, sizeof key) == VARLB_OK)
    hide[0] = realpath (cli_judge_key_path ? cli_judge_key_path : key, NULL);
  o.hide = (const char *const *) hide;
  /* A teaching chart, not a verdict: without namespaces it is drawn from
     unsandboxed trials, and says so. */
  if (!varlb_sandbox_available (why, sizeof why))
    {
      o.isolation = VARLB_ISOLATION_NONE;
      printf ("\n  note          no sandbox here (%s): the chart's trials ran without isolation\n", why);
    }
  varlb_instance_t in;
  int rc = CLI_EXIT_FAIL;
  FILE *f = NULL;
  if (varlb_instance_init (&in, p) != VARLB_OK)
    goto out;
  if (!(f = fopen (tmp, "w")))
    {
      cli_error (cmd, "%s: %s", tmp, strerror (errno));
      goto out_in;
    }
  varlb_trial_write_csv_header (f);
  for (size_t i = 0; i < sizeof demo_specs / sizeof *demo_specs; i++)
    {
      varlb_spec_t s;
      char why[512];
      if (varlb_spec_init (&s, demo_specs[i], why, sizeof why) != VARLB_OK)
        {
          varlb_spec_clear (&s);
          continue; /* not built here */
        }
      for (size_t j = 0; j < sizeof demo_ratios / sizeof *demo_ratios; j++)
        {
          varlb_trial_t t;
          if (varlb_trial_run (&t, &in, &s, floor (demo_ratios[j] * in.N), &o) == VARLB_OK)
            varlb_trial_write_csv (f, &t, &in);
          if (strcmp (demo_specs[i], "identity") == 0)
            break; /* it ignores the budget: one point */
        }
      varlb_spec_clear (&s);
    }
  if ((ferror (f) | fclose (f)) != 0 || rename (tmp, csv) != 0)
    {
      cli_error (cmd, "%s: %s", csv, strerror (errno));
      unlink (tmp);
      goto out_in;
    }
  rc = cli_plot_file (cmd, csv, out, PLOT_ACCURACY, "varlb demo: accuracy against the Fano frontier", NULL,
                      NULL, 0);
  if (rc == 0)
    printf ("\n  plot          %s: accuracy vs bits/N (identity, kivi, h2o, lowrank, ratedist; rows in %s)\n",
            out, csv);
out_in:
  varlb_instance_clear (&in);
out:
  free (hide[0]);
  free (csv);
  free (tmp);
  return rc;
}
