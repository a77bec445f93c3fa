/* plot.c -- `varlb plot RESULTS.csv --out FILE.png|.svg`: the pictures of
 * the evidence, drawn by gnuplot from a script and data files written beside
 * the image, and what the charts share (colours, markers, titles naming
 * the instance, the heat maps' palette).  The charts: accuracy against the
 * Fano frontier (plot_accuracy.c), the scaling fit with the lower bound
 * (plot_scaling.c), per-token and per-head heat maps (plot_tokens.c,
 * plot_heads.c); `varlb demo`'s chart (cli_plot_demo). */
#define _GNU_SOURCE 1 /* asprintf */
#include <config.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cli.h"
#include "plot.h"

const char *cli_plot_only;
const char *cli_plot_title;

/* ------------------------------------------------------------- shared */

/* Distinct, readable series colours (gnuplot's default cycle has a pale
   yellow; orange is kept for ratedist's achieved frontier, plot_accuracy.c),
   and markers that differ in shape and fill: filled ones first. */
static const char *const colours[] = { "#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                       "#00695c", "#8c564b", "#e377c2", "#17becf",
                                       "#7f7f7f", "#bcbd22" };
static const int markers[] = { 7, 5, 9, 11, 13, 15, 6, 4, 8, 10, 12, 14, 1, 2, 3 };

const char *
cli_plot_colour (size_t i)
{
  return colours[i % (sizeof colours / sizeof *colours)];
}

int
cli_plot_marker (size_t i)
{
  return markers[i % (sizeof markers / sizeof *markers)];
}

size_t
cli_plot_distinct (const cli_csv_t *t, long col, const char **out)
{
  size_t n = 0;
  for (size_t r = 0; col >= 0 && r < t->rows; r++)
    {
      const char *s = cli_csv_get (t, r, col);
      size_t i;
      for (i = 0; i < n && strcmp (out[i], s) != 0; i++)
        ;
      if (i == n)
        out[n++] = s;
    }
  return n;
}

void
cli_gp_quote (FILE *f, const char *s)
{
  fputc ('\'', f);
  for (; *s; s++)
    {
      if (*s == '\'')
        fputc ('\'', f);
      fputc (*s, f);
    }
  fputc ('\'', f);
}

void
cli_gp_text (FILE *f, const char *s, int shorten)
{
  size_t n = strlen (s);
  char buf[64];
  if (shorten && n > 40)
    {
      snprintf (buf, sizeof buf, "%.18s...%s", s, s + n - 19);
      s = buf;
    }
  cli_gp_quote (f, s);
  fputs (" noenhanced", f);
}

void
cli_gp_title (FILE *f, const char *title, const char *subtitle)
{
  /* Double quotes, so "\n" breaks the line; the texts are escaped. */
  fputs ("set title \"", f);
  for (const char *p = cli_plot_title ? cli_plot_title : title; *p; p++)
    fprintf (f, *p == '"' || *p == '\\' ? "\\%c" : "%c", *p);
  if (subtitle && *subtitle)
    {
      fputs ("\\n", f);
      for (const char *p = subtitle; *p; p++)
        fprintf (f, *p == '"' || *p == '\\' ? "\\%c" : "%c", *p);
    }
  fputs ("\" noenhanced\n", f);
}

int
cli_plot_no_selection (const cli_csv_t *t, long cc, char *why, size_t wlen)
{
  const char **names = malloc ((t->rows + 1) * sizeof *names);
  size_t n = names && cc >= 0 ? cli_plot_distinct (t, cc, names) : 0, used;
  used = (size_t) snprintf (why, wlen, "--compressor %s: no row of this compressor (the file has: ",
                            cli_plot_only);
  for (size_t i = 0; i < n && used < wlen; i++)
    used += (size_t) snprintf (why + used, wlen - used, "%s%s", i ? ", " : "", names[i]);
  if (used < wlen)
    snprintf (why + used, wlen - used, "%s)", n ? "" : "no compressor column");
  free (names);
  return -1;
}

/* The distinct values of column NAME over the rows of ONLY, as "a, b, c"
   (at most 6 shown); 0 when the column is absent or empty. */
static size_t
values_of (char *buf, size_t len, const cli_csv_t *t, const char *name, const char *only)
{
  long col = cli_csv_col (t, name), cc = cli_csv_col (t, "compressor");
  buf[0] = '\0';
  if (col < 0 || t->rows == 0)
    return 0;
  const char **v = malloc (t->rows * sizeof *v);
  size_t n = 0, used = 0;
  for (size_t r = 0; v && r < t->rows; r++)
    {
      const char *s = cli_csv_get (t, r, col);
      if (!*s || !cli_plot_row_of (t, r, cc, only))
        continue;
      size_t i;
      for (i = 0; i < n && strcmp (v[i], s) != 0; i++)
        ;
      if (i == n)
        v[n++] = s;
    }
  for (size_t i = 0; i < n && i < 6 && used < len; i++)
    used += (size_t) snprintf (buf + used, len - used, "%s%s", i ? (strchr (v[i], ',') ? " | "
                                                                    : ", ") : "", v[i]);
  if (n > 6 && used < len)
    snprintf (buf + used, len - used, ", ... (%zu in all)", n);
  free (v);
  return n;
}

const char *
cli_plot_instance (char *buf, size_t len, const cli_csv_t *t, const char *only)
{
  /* Column, singular label, plural label ("%s" is the value). */
  static const char *const cols[][3] = {
    { "model", "model %s", "models %s" },
    { "layers", "%s layers", "layers %s" },
    { "heads", "%s heads", "heads %s" },
    { "schedule", "schedule %s", "schedules %s" },
    { "n", "n = %s", "n = %s" },
    { "d", "d = %s", "d = %s" },
    { "jl", "JL %s", "JL %s" },
    { "keys", "%s keys", "keys %s" },
    { "values", "%s values", "values %s" },
    { "seed", "seed %s", "seeds %s" },
    { "seeds", "seeds per point: %s", "seeds per point: %s" },
  };
  size_t used = (size_t) snprintf (buf, len, "instance:");
  int first = 1;
  for (size_t k = 0; k < sizeof cols / sizeof *cols && used < len; k++)
    {
      char v[400];
      size_t n = values_of (v, sizeof v, t, cols[k][0], only);
      if (n == 0)
        continue;
      char item[480];
      snprintf (item, sizeof item, cols[k][n > 1 ? 2 : 1], v);
      used += (size_t) snprintf (buf + used, len - used, "%s %s", first ? "" : ",", item);
      first = 0;
    }
  if (first)
    snprintf (buf, len, "instance: not recorded in the file");
  return buf;
}

double
cli_plot_row_x (const cli_csv_t *t, size_t r)
{
  long cj = cli_csv_col (t, "bits_judged"), cb = cli_csv_col (t, "bits_charged");
  long c = cj >= 0 && cli_csv_get (t, r, cj)[0] ? cj : cb;
  return cli_csv_num (t, r, c) / cli_csv_num (t, r, cli_csv_col (t, "N"));
}

int
cli_plot_row_of (const cli_csv_t *t, size_t r, long cc, const char *only)
{
  return !only || cc < 0 || strcmp (cli_csv_get (t, r, cc), only) == 0;
}

const char *
cli_plot_heat_only (const cli_csv_t *t)
{
  long cc = cli_csv_col (t, "compressor");
  return cli_plot_only ? cli_plot_only : cc >= 0 && t->rows > 0 ? cli_csv_get (t, 0, cc) : NULL;
}

int
cli_plot_heat_alloc (double **bits, double **ok, size_t cells, char *why, size_t wlen)
{
  *bits = calloc (cells, sizeof **bits), *ok = calloc (cells, sizeof **ok);
  if (*bits && *ok)
    return 0;
  free (*bits), free (*ok);
  snprintf (why, wlen, "out of memory");
  return -1;
}

void
cli_plot_heat_cells (FILE *dat, const char *what, double *bits, double *ok, size_t rows,
                     size_t cols, size_t first)
{
  fprintf (dat, "# %s accuracy (NaN: no data)\n", what);
  for (size_t r = 0; r < rows; r++)
    {
      for (size_t c = 0; c < cols; c++)
        fprintf (dat, "%zu %zu %.6g\n", r + first, c,
                 bits[r * cols + c] > 0 ? ok[r * cols + c] / bits[r * cols + c] : NAN);
      fputc ('\n', dat);
    }
  free (bits);
  free (ok);
}

void
cli_plot_heat_map (FILE *gp, const char *datpath, const char *title, const cli_csv_t *t,
                   const char *only)
{
  char inst[1024];
  cli_gp_title (gp, title, cli_plot_instance (inst, sizeof inst, t, only));
  /* Chance is the neutral colour: red below it (worse than guessing),
     blue towards every bit. */
  fputs ("set cblabel 'accuracy (white: chance, 1/2)'\nset cbrange [0.4:1]\n"
         "set palette defined (0.4 '#b2182b', 0.5 '#f7f7f7', 0.75 '#92c5de', 1 '#2166ac')\n"
         "unset key\nset datafile missing 'nan'\nplot ", gp);
  cli_gp_quote (gp, datpath);
  fputs (" using 2:1:3 with image\n", gp);
}

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
cli_plot_file (const char *cmd, const char *csv, const char *out,
               enum cli_plot_kind kind, const char *title, char *wrote, size_t wlen)
{
  if (wrote && wlen)
    wrote[0] = '\0';
  cli_plot_title = title;
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
  cli_csv_t t;
  if (cli_csv_read (&t, csv, why, sizeof why) != 0)
    {
      cli_error (cmd, "%s: %s", csv, why);
      return CLI_EXIT_FAIL;
    }
  if (kind == PLOT_AUTO)
    kind = cli_csv_col (&t, "min_budget_bits") >= 0 ? PLOT_SCALING
           : cli_csv_col (&t, "layer") >= 0 && cli_csv_col (&t, "head") >= 0 ? PLOT_HEADS
           : cli_csv_col (&t, "scale") >= 0 && cli_csv_col (&t, "correct") >= 0 ? PLOT_HEATMAP
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
  cli_gp_quote (gp, tmpimg);
  fprintf (gp, "\nset encoding utf8\n");
  int wr = kind == PLOT_SCALING ? cli_plot_write_scaling (gp, dat, datpath, &t, why, sizeof why)
           : kind == PLOT_HEATMAP ? cli_plot_write_tokens (gp, dat, datpath, &t, why, sizeof why)
           : kind == PLOT_HEADS ? cli_plot_write_heads (gp, dat, datpath, &t, why, sizeof why)
           : cli_plot_write_accuracy (gp, dat, datpath, curvepath, &t, why, sizeof why);
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
  cli_csv_clear (&t);
  free (stem), free (gppath), free (datpath), free (curvepath), free (tmpimg);
  free (gptmp), free (dattmp);
  return rc;
}

int
cli_plot (int argc, char **argv)
{
  enum { OPT_OUT = CLI_OPT_FIRST_FREE, OPT_KIND, OPT_TITLE, OPT_ONLY };
  static const struct option longopts[] = {
    { "out", required_argument, NULL, OPT_OUT },
    { "kind", required_argument, NULL, OPT_KIND },
    { "title", required_argument, NULL, OPT_TITLE },
    { "compressor", required_argument, NULL, OPT_ONLY },
    { "help", no_argument, NULL, CLI_OPT_HELP },
    { NULL, 0, NULL, 0 }
  };
  const char *cmd = "plot", *out = NULL, *title = NULL;
  enum cli_plot_kind kind = PLOT_AUTO;
  int c;
  opterr = 0;
  while ((c = getopt_long (argc, argv, "o:", longopts, NULL)) != -1)
    switch (c)
      {
      case CLI_OPT_HELP:
        cli_print_help (cmd, stdout);
        return 0;
      case 'o':
      case OPT_OUT:
        out = optarg;
        break;
      case OPT_TITLE:
        title = optarg;
        break;
      case OPT_ONLY:
        cli_plot_only = optarg;
        break;
      case OPT_KIND:
        if (strcmp (optarg, "accuracy") == 0)
          kind = PLOT_ACCURACY;
        else if (strcmp (optarg, "scaling") == 0)
          kind = PLOT_SCALING;
        else if (strcmp (optarg, "heatmap") == 0)
          kind = PLOT_HEATMAP;
        else if (strcmp (optarg, "heads") == 0)
          kind = PLOT_HEADS;
        else
          {
            cli_error (cmd, "--kind: expected accuracy, scaling, heatmap or heads, got '%s'", optarg);
            return CLI_EXIT_USAGE;
          }
        break;
      default:
        return cli_bad_option (cmd, argc, argv);
      }
  const char *results = cli_one_argument (cmd, argc, argv, "RESULTS.csv");
  if (results == NULL)
    return CLI_EXIT_USAGE;
  if (!out)
    {
      cli_error (cmd, "missing --out FILE.png|FILE.svg");
      return CLI_EXIT_USAGE;
    }
  char wrote[4096];
  int rc = cli_plot_file (cmd, results, out, kind, title, wrote, sizeof wrote);
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
  rc = cli_plot_file (cmd, csv, out, PLOT_ACCURACY, "varlb demo: accuracy against the Fano frontier",
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
