/* plot.c -- `varlb plot RESULTS.csv --out FILE.png|.svg`: the pictures of
 * the evidence, drawn by gnuplot from a script and data files written beside
 * the image: (a) accuracy against bits/N with the Fano ceiling (paper.md
 * sec. 4), (b) the scaling fit, budget against n^2 d, (c) a heat map of
 * per-token accuracy by VAR scale and position. */
#define _GNU_SOURCE 1 /* asprintf */
#include <config.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <gsl/gsl_fit.h>
#include "cli.h"
#include "plot.h"

/* Distinct, readable series colours (gnuplot's default cycle has a pale
   yellow). */
static const char *const colours[] = { "#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                       "#ff7f0e", "#8c564b", "#e377c2", "#17becf",
                                       "#7f7f7f", "#bcbd22" };
static const char *plot_only;  /* --compressor of the heat map */
static int plot_titled;        /* --title given: keep it */

/* ------------------------------------------------------------ CSV reading */

void
cli_csv_clear (cli_csv_t *t)
{
  for (size_t i = 0; i < t->cols; i++)
    free (t->head[i]);
  for (size_t i = 0; i < t->rows * t->cols; i++)
    free (t->cell[i]);
  free (t->head);
  free (t->cell);
  memset (t, 0, sizeof *t);
}

/* Split one CSV line (RFC 4180 quoting; no embedded newlines) into fields.
   Returns the field count, or -1 when out of memory or quoting is broken. */
static long
csv_split (const char *line, char ***out)
{
  size_t n = 0, cap = 8;
  char **f = malloc (cap * sizeof *f);
  size_t len = strlen (line);
  char *buf = malloc (len + 1);
  const char *p = line;
  if (!f || !buf)
    goto fail;
  for (;;)
    {
      size_t k = 0;
      if (*p == '"')
        {
          for (p++;; p++)
            {
              if (*p == '\0')
                goto fail;
              if (*p == '"')
                {
                  if (p[1] == '"')
                    p++;
                  else
                    {
                      p++;
                      break;
                    }
                }
              buf[k++] = *p;
            }
          if (*p != ',' && *p != '\0')
            goto fail;
        }
      else
        while (*p != ',' && *p != '\0')
          buf[k++] = *p++;
      buf[k] = '\0';
      if (n == cap)
        {
          char **g = realloc (f, 2 * cap * sizeof *f);
          if (!g)
            goto fail;
          f = g;
          cap *= 2;
        }
      if (!(f[n++] = strdup (buf)))
        goto fail;
      if (*p == '\0')
        break;
      p++;
    }
  free (buf);
  *out = f;
  return (long) n;
fail:
  for (size_t i = 0; f && i < n; i++)
    free (f[i]);
  free (f);
  free (buf);
  return -1;
}

int
cli_csv_add_row (cli_csv_t *t, char **fields)
{
  /* Room for 64 rows, then doubled at each power of two. */
  if (t->rows == 0 || (t->rows >= 64 && (t->rows & (t->rows - 1)) == 0))
    {
      size_t cap = t->rows < 64 ? 64 : 2 * t->rows;
      char **g = realloc (t->cell, cap * (t->cols ? t->cols : 1) * sizeof *g);
      if (!g)
        return -1;
      t->cell = g;
    }
  memcpy (t->cell + t->rows * t->cols, fields, t->cols * sizeof *fields);
  t->rows++;
  return 0;
}

int
cli_table_read (cli_csv_t *t, const char *path, cli_table_line_fn fn, const char *empty,
                char *why, size_t wlen)
{
  memset (t, 0, sizeof *t);
  FILE *f = fopen (path, "r");
  if (!f)
    {
      snprintf (why, wlen, "%s", strerror (errno));
      return -1;
    }
  char *line = NULL;
  size_t lcap = 0;
  ssize_t got;
  long lineno = 0;
  int rc = 0;
  while (rc == 0 && (got = getline (&line, &lcap, f)) > 0)
    {
      lineno++;
      if (line[got - 1] != '\n')
        break; /* torn last line */
      line[--got] = '\0';
      if (got > 0 && line[got - 1] == '\r')
        line[--got] = '\0';
      if (got > 0)
        rc = fn (t, line, lineno, why, wlen);
    }
  free (line);
  fclose (f);
  if (rc == 0 && t->head == NULL)
    {
      snprintf (why, wlen, "%s", empty);
      rc = -1;
    }
  if (rc != 0)
    cli_csv_clear (t);
  return rc;
}

/* One line of a CSV file: the header, then rows of as many fields. */
static int
csv_line (cli_csv_t *t, const char *line, long lineno, char *why, size_t wlen)
{
  char **fields;
  long n = csv_split (line, &fields);
  if (n < 0)
    {
      snprintf (why, wlen, "line %ld: malformed CSV", lineno);
      return -1;
    }
  if (t->head == NULL)
    {
      t->head = fields;
      t->cols = (size_t) n;
      return 0;
    }
  int bad = (size_t) n != t->cols;
  if (bad)
    snprintf (why, wlen, "line %ld: %ld fields where the header has %zu", lineno, n, t->cols);
  else if ((bad = cli_csv_add_row (t, fields) != 0))
    snprintf (why, wlen, "out of memory");
  for (long i = 0; bad && i < n; i++)
    free (fields[i]);
  free (fields);
  return bad ? -1 : 0;
}

/* Read a CSV file whose first line is a header.  A torn last line (no
   newline, from an interrupted sweep) is ignored, like varlb sweep --resume
   does.  Returns 0 or -1 with a reason in WHY. */
int
cli_csv_read (cli_csv_t *t, const char *path, char *why, size_t wlen)
{
  return cli_table_read (t, path, csv_line, "empty file (no header line)", why, wlen);
}

long
cli_csv_col (const cli_csv_t *t, const char *name)
{
  for (size_t i = 0; i < t->cols; i++)
    if (strcmp (t->head[i], name) == 0)
      return (long) i;
  return -1;
}

const char *
cli_csv_get (const cli_csv_t *t, size_t row, long col)
{
  return t->cell[row * t->cols + (size_t) col];
}

/* A numeric cell; NaN when empty or not a number. */
double
cli_csv_num (const cli_csv_t *t, size_t row, long col)
{
  if (col < 0)
    return NAN;
  const char *s = cli_csv_get (t, row, col);
  char *end;
  double v = strtod (s, &end);
  return end == s || *end != '\0' ? NAN : v;
}

/* -------------------------------------------------------------- helpers */

/* Distinct values of column COL in order of first appearance. */
static size_t
distinct (const cli_csv_t *t, long col, const char **out)
{
  size_t n = 0;
  for (size_t r = 0; r < t->rows; r++)
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

/* A string quoted for a gnuplot script ('...' doubles single quotes). */
static void
gp_quote (FILE *f, const char *s)
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

/* A key title or label from the data (a compressor's name, a user's
   title): quoted and marked noenhanced, so '_' and '^' stay characters
   instead of becoming sub- and superscripts.  With SHORT, names longer
   than 40 characters are shortened in the middle (the .dat files keep
   them whole). */
static void
gp_text (FILE *f, const char *s, int shorten)
{
  size_t n = strlen (s);
  char buf[64];
  if (shorten && n > 40)
    {
      snprintf (buf, sizeof buf, "%.18s...%s", s, s + n - 19);
      s = buf;
    }
  gp_quote (f, s);
  fputs (" noenhanced", f);
}

/* One line for a --compressor that matches no row, naming what the file has. */
static int
no_selection (const cli_csv_t *t, long cc, char *why, size_t wlen)
{
  const char **names = malloc ((t->rows + 1) * sizeof *names);
  size_t n = names && cc >= 0 ? distinct (t, cc, names) : 0, used;
  used = (size_t) snprintf (why, wlen, "--compressor %s: no row of this compressor (the file has: ",
                            plot_only);
  for (size_t i = 0; i < n && used < wlen; i++)
    used += (size_t) snprintf (why + used, wlen - used, "%s%s", i ? ", " : "", names[i]);
  if (used < wlen)
    snprintf (why + used, wlen - used, "%s)", n ? "" : "no compressor column");
  free (names);
  return -1;
}

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

/* ------------------------------------------------ the achieved frontier */

/* The achieved frontier (frontier.c) from T's rows of ratedist (any knobs),
   as their stored numbers say. */
static size_t
ratedist_gaps (double (**pts)[2], const cli_csv_t *t, int *from_data)
{
  long cc = cli_csv_col (t, "compressor"), cb = cli_csv_col (t, "bits_charged"),
       cn = cli_csv_col (t, "N"), ca = cli_csv_col (t, "accuracy");
  double *x = malloc ((t->rows + 1) * sizeof *x), *y = malloc ((t->rows + 1) * sizeof *y);
  size_t n = 0, k = 0;
  for (size_t r = 0; x && y && cc >= 0 && r < t->rows; r++)
    if (cli_is_ratedist (cli_csv_get (t, r, cc)))
      x[n] = cli_csv_num (t, r, cb) / cli_csv_num (t, r, cn), y[n++] = cli_csv_num (t, r, ca);
  if (x && y)
    k = cli_frontier_gaps (pts, x, y, n, from_data);
  free (x), free (y);
  return k;
}

/* ---------------------------------------------------------- the charts */

/* (a) Rows grouped by (compressor, budget): mean bits/N and accuracy over
   seeds, error bars from the lowest ci_low to the highest ci_high.  The
   Fano curve is sampled at 201 ratios with varlb_fano_ceiling. */
static int
write_accuracy (FILE *gp, FILE *dat, const char *datpath, const char *curvepath,
                const cli_csv_t *t, char *why, size_t wlen)
{
  long cc = cli_csv_col (t, "compressor"), cb = cli_csv_col (t, "bits_charged"),
       cn = cli_csv_col (t, "N"), ca = cli_csv_col (t, "accuracy"),
       cl = cli_csv_col (t, "ci_low"), ch = cli_csv_col (t, "ci_high"),
       cg = cli_csv_col (t, "budget_bits");
  if (cc < 0 || cb < 0 || cn < 0 || ca < 0)
    {
      snprintf (why, wlen, "needs columns compressor, bits_charged, N, accuracy");
      return -1;
    }
  const char **names = malloc ((t->rows + 1) * sizeof *names);
  const char **budgets = malloc ((t->rows + 1) * sizeof *budgets);
  size_t nc = distinct (t, cc, names);
  double *smin = calloc (nc + 1, sizeof *smin); /* each series' smallest bits/N */
  double xmin = INFINITY, xmax = 0.0;           /* positive bits/N over all series */
  size_t series = 0;
  for (size_t i = 0; i < nc; i++)
    {
      size_t nb = 0, points = 0;
      if (plot_only && strcmp (names[i], plot_only) != 0)
        continue;
      /* Budgets of this compressor in order of first appearance. */
      for (size_t r = 0; r < t->rows; r++)
        {
          if (strcmp (cli_csv_get (t, r, cc), names[i]) != 0)
            continue;
          const char *b = cg >= 0 ? cli_csv_get (t, r, cg) : cli_csv_get (t, r, cb);
          size_t j;
          for (j = 0; j < nb && strcmp (budgets[j], b) != 0; j++)
            ;
          if (j == nb)
            budgets[nb++] = b;
        }
      for (size_t j = 0; j < nb; j++)
        {
          double sx = 0, sy = 0, lo = 1, hi = 0;
          size_t k = 0;
          for (size_t r = 0; r < t->rows; r++)
            {
              const char *b = cg >= 0 ? cli_csv_get (t, r, cg) : cli_csv_get (t, r, cb);
              if (strcmp (cli_csv_get (t, r, cc), names[i]) != 0 || strcmp (b, budgets[j]) != 0)
                continue;
              double x = cli_csv_num (t, r, cb) / cli_csv_num (t, r, cn), y = cli_csv_num (t, r, ca);
              if (!isfinite (x) || !isfinite (y))
                continue; /* a failed trial has no accuracy */
              double l = cl >= 0 ? cli_csv_num (t, r, cl) : y, h = ch >= 0 ? cli_csv_num (t, r, ch) : y;
              sx += x, sy += y, k++;
              lo = fmin (lo, isfinite (l) ? l : y);
              hi = fmax (hi, isfinite (h) ? h : y);
            }
          if (k == 0)
            continue;
          if (points++ == 0)
            fprintf (dat, "# %s\n", names[i]), smin[series] = INFINITY;
          fprintf (dat, "%.9g %.9g %.9g %.9g\n", sx / k, sy / k, lo, hi);
          if (sx > 0)
            xmin = fmin (xmin, sx / k), xmax = fmax (xmax, sx / k);
          smin[series] = fmin (smin[series], sx / k);
        }
      if (points == 0)
        continue;
      fprintf (dat, "\n\n");
      names[series++] = names[i];
    }
  free (budgets);
  if (series == 0)
    {
      free (names);
      free (smin);
      if (plot_only)
        return no_selection (t, cc, why, wlen);
      snprintf (why, wlen, "no row with a finite accuracy to plot");
      return -1;
    }
  FILE *cv = fopen (curvepath, "w");
  if (!cv)
    {
      free (names);
      free (smin);
      snprintf (why, wlen, "%s: %s", curvepath, strerror (errno));
      return -1;
    }
  /* A log axis over whole decades around the data and N itself: budgets
     from a few percent of N to the 32 N of an fp16 cache (and lossless
     compressors beyond) all show, with the frontier drawn over all of it.
     A point at 0 bits (no positive x) sits on the left edge. */
  if (!(xmax > 0))
    xmin = xmax = 1.0;
  double lo = pow (10.0, floor (log10 (fmin (xmin, 1.0) / 1.05)));
  double hi = pow (10.0, ceil (log10 (fmax (xmax, 2.0) * 1.05)));
  double (*gaps)[2] = NULL;
  int rd_measured = 0;
  size_t ngaps = ratedist_gaps (&gaps, t, &rd_measured);
  fprintf (cv, "# bits/N  fano_ceiling  trivial_line  ratedist_achieved\n");
  for (int i = 0; i <= 400; i++)
    {
      double r = lo * pow (hi / lo, i / 400.0);
      if (i > 0 && r > 1.0 && r / pow (hi / lo, 1 / 400.0) < 1.0)
        fprintf (cv, "1 %.17g %.17g %.17g\n", varlb_fano_ceiling (1e6, 1e6),
                 varlb_trivial_accuracy (1e6, 1e6), cli_frontier_at (1.0, gaps, ngaps)); /* the kink at B = N */
      fprintf (cv, "%.9g %.17g %.17g %.17g\n", r, varlb_fano_ceiling (r * 1e6, 1e6),
               varlb_trivial_accuracy (r * 1e6, 1e6), cli_frontier_at (r, gaps, ngaps));
    }
  free (gaps);
  fclose (cv);
  fprintf (gp, "set xlabel 'bits charged / N (log scale)'\nset ylabel 'accuracy (fraction of hidden bits decoded)'\n");
  fprintf (gp, "set logscale x\nset format x '%%g'\nset mxtics 10\n");
  fprintf (gp, "set xrange [%.6g:%.6g]\nset yrange [0.4:1.03]\nset grid xtics ytics mxtics\n", lo, hi);
  fprintf (gp, "set key outside right top box samplen 2\n");
  fprintf (gp, "set style fill transparent solid 0.12 noborder\n");
  fprintf (gp, "plot ");
  gp_quote (gp, curvepath);
  fprintf (gp, " using 1:4:2 with filledcurves lc rgb '#006d5b' title 'the gap left to the optimum',\\\n  ");
  gp_quote (gp, curvepath);
  fprintf (gp, " using 1:2 with lines lw 3 lc rgb 'black' title 'Fano ceiling p*',\\\n  ");
  gp_quote (gp, curvepath);
  fprintf (gp, " using 1:4 with lines lw 2 lc rgb '#006d5b' title '%s',\\\n  ",
           rd_measured ? "achieved: ratedist, measured here"
                       : "achieved: ratedist (256px, seed 1, embedded)");
  gp_quote (gp, curvepath);
  fprintf (gp, " using 1:3 with lines lw 2 dt 2 lc rgb '#555555' title 'trivial 1/2 + B/2N',\\\n");
  fprintf (gp, "  0.5 with lines lw 1 dt 3 lc rgb '#999999' title 'chance 50%%'");
  for (size_t i = 0; i < series; i++)
    {
      fprintf (gp, ",\\\n  ");
      gp_quote (gp, datpath);
      fprintf (gp, " index %zu using (($1 > 0) ? $1 : %.6g):2:3:4 with yerrorlines lw 2 "
               "lc rgb '%s' pt %zu ps 1.3 title ", i, lo, colours[i % 10], 5 + 2 * (i % 4));
      char label[600];
      if (!(smin[i] > 0))
        snprintf (label, sizeof label, "%s (0 bits: drawn at the left edge)", names[i]);
      else
        snprintf (label, sizeof label, "%s", names[i]);
      gp_text (gp, label, 1);
    }
  fprintf (gp, "\n");
  free (names);
  free (smin);
  return 0;
}

/* (b) One series per compressor: the smallest budget reaching the target
   against n^2 d on log-log axes, with its own least-squares line
   log B = a + s log(n^2 d) (the full two-exponent fit is varlb scaling's). */
static int
write_scaling (FILE *gp, FILE *dat, const char *datpath, const cli_csv_t *t,
               char *why, size_t wlen)
{
  long cc = cli_csv_col (t, "compressor"), cn = cli_csv_col (t, "n"), cd = cli_csv_col (t, "d"),
       cb = cli_csv_col (t, "min_budget_bits"), ct = cli_csv_col (t, "target");
  if (cc < 0 || cn < 0 || cd < 0 || cb < 0)
    {
      snprintf (why, wlen, "needs columns compressor, n, d, min_budget_bits");
      return -1;
    }
  const char **names = malloc ((t->rows + 1) * sizeof *names);
  size_t nc = distinct (t, cc, names), series = 0;
  double *x = malloc ((t->rows + 1) * sizeof *x), *y = malloc ((t->rows + 1) * sizeof *y);
  double c0[64], c1[64];
  double target = NAN;
  int targets_differ = 0;
  for (size_t i = 0; i < nc && series < 64; i++)
    {
      size_t k = 0;
      if (plot_only && strcmp (names[i], plot_only) != 0)
        continue;
      for (size_t r = 0; r < t->rows; r++)
        {
          if (strcmp (cli_csv_get (t, r, cc), names[i]) != 0)
            continue;
          double tr = cli_csv_num (t, r, ct);
          targets_differ |= isfinite (target) && isfinite (tr) && tr != target;
          if (!isfinite (target))
            target = tr;
          double n = cli_csv_num (t, r, cn), d = cli_csv_num (t, r, cd), b = cli_csv_num (t, r, cb);
          if (!(n > 0 && d > 0 && b > 0))
            continue; /* target never reached */
          if (k == 0)
            fprintf (dat, "# %s: n^2 d, min_budget_bits\n", names[i]);
          fprintf (dat, "%.9g %.9g\n", n * n * d, b);
          x[k] = log (n * n * d), y[k] = log (b), k++;
        }
      if (k == 0)
        continue;
      fprintf (dat, "\n\n");
      double cov00, cov01, cov11, ss;
      c0[series] = NAN, c1[series] = NAN;
      if (k >= 2)
        gsl_fit_linear (x, 1, y, 1, k, &c0[series], &c1[series], &cov00, &cov01, &cov11, &ss);
      names[series++] = names[i];
    }
  free (x);
  free (y);
  if (series == 0)
    {
      free (names);
      if (plot_only)
        return no_selection (t, cc, why, wlen);
      snprintf (why, wlen, "no row with a positive min_budget_bits to plot");
      return -1;
    }
  if (!plot_titled)
    {
      char title[160];
      if (isfinite (target) && !targets_differ)
        snprintf (title, sizeof title, "varlb: the smallest budget reaching %g%% accuracy "
                  "(mean over seeds) against n\u00b2d", 100.0 * target);
      else
        snprintf (title, sizeof title, "varlb: the smallest budget reaching the target accuracy "
                  "(%s) against n\u00b2d", targets_differ ? "targets differ" : "target not recorded");
      fprintf (gp, "set title '%s'\n", title);
    }
  /* Both axes in powers of ten, whatever their range. */
  fprintf (gp, "set logscale xy\nset format xy '10^{%%L}'\nset xlabel 'n^2 d'\n"
           "set ylabel 'smallest budget reaching the target (bits)'\n");
  fprintf (gp, "set grid\nset key outside right top box\nplot ");
  for (size_t i = 0; i < series; i++)
    {
      fprintf (gp, "%s", i ? ",\\\n  " : "");
      gp_quote (gp, datpath);
      fprintf (gp, " index %zu using 1:2 with points pt %zu ps 1.5 lc rgb '%s' title ", i,
               5 + 2 * (i % 4), colours[i % 10]);
      gp_text (gp, names[i], 1);
      if (isfinite (c1[i]))
        fprintf (gp, ",\\\n  exp(%.9g) * x**%.9g with lines lc rgb '%s' dt 2 title '  fit: slope %.2f'",
                 c0[i], c1[i], colours[i % 10], c1[i]);
    }
  fprintf (gp, "\n");
  free (names);
  return 0;
}

/* Per-token rows binned (plot.h): shared by the heat map and varlb report. */
int
cli_token_heat (size_t *K_out, double **bits_out, double **ok_out, const cli_csv_t *t,
                const char *only, char *why, size_t wlen)
{
  long cs = cli_csv_col (t, "scale"), cr = cli_csv_col (t, "row"), cl = cli_csv_col (t, "col"),
       cz = cli_csv_col (t, "side"), cb = cli_csv_col (t, "bits"), ck = cli_csv_col (t, "correct"),
       cc = cli_csv_col (t, "compressor");
  if (cs < 0 || cr < 0 || cl < 0 || cz < 0 || cb < 0 || ck < 0)
    {
      snprintf (why, wlen, "needs columns scale, row, col, side, bits, correct");
      return -1;
    }
  /* Scales are 1-based, as in the paper. */
  size_t K = 0;
  for (size_t r = 0; r < t->rows; r++)
    {
      double s = cli_csv_num (t, r, cs);
      if (s >= 1 && s <= VARLB_PYRAMID_MAX_SCALES && (size_t) s > K)
        K = (size_t) s;
    }
  if (K == 0)
    {
      snprintf (why, wlen, "no per-token rows to plot");
      return -1;
    }
  size_t matched = 0;
  for (size_t r = 0; r < t->rows; r++)
    matched += !only || cc < 0 || strcmp (cli_csv_get (t, r, cc), only) == 0;
  if (matched == 0)
    return no_selection (t, cc, why, wlen);
  double *bits = calloc (K * CLI_HEAT_BINS, sizeof *bits), *ok = calloc (K * CLI_HEAT_BINS, sizeof *ok);
  if (!bits || !ok)
    {
      free (bits), free (ok);
      snprintf (why, wlen, "out of memory");
      return -1;
    }
  for (size_t r = 0; r < t->rows; r++)
    {
      if (only && cc >= 0 && strcmp (cli_csv_get (t, r, cc), only) != 0)
        continue;
      double s = cli_csv_num (t, r, cs) - 1, row = cli_csv_num (t, r, cr), col = cli_csv_num (t, r, cl),
             side = cli_csv_num (t, r, cz), b = cli_csv_num (t, r, cb), c = cli_csv_num (t, r, ck);
      if (!(s >= 0 && s < K && side >= 1 && row >= 0 && col >= 0 && b > 0 && c >= 0))
        continue;
      double tokens = side * side, pos = row * side + col;
      /* Every bin whose centre falls in this token's share of the raster. */
      for (int j = 0; j < CLI_HEAT_BINS; j++)
        {
          double centre = (j + 0.5) / CLI_HEAT_BINS * tokens;
          if (centre >= pos && centre < pos + 1)
            bits[(size_t) s * CLI_HEAT_BINS + j] += b, ok[(size_t) s * CLI_HEAT_BINS + j] += c;
        }
    }
  *K_out = K, *bits_out = bits, *ok_out = ok;
  return 0;
}

/* (c) The heat map of cli_token_heat: the accuracy of each scale (y) over
   its bins (x).  Rows of every compressor and budget in the file are pooled
   unless the file holds one (filter it with --compressor). */
static int
write_heatmap (FILE *gp, FILE *dat, const char *datpath, const cli_csv_t *t,
               const char *only, char *why, size_t wlen)
{
  long cc = cli_csv_col (t, "compressor");
  if (!only && cc >= 0 && t->rows > 0)
    only = cli_csv_get (t, 0, cc);
  size_t K;
  double *bits, *ok;
  if (cli_token_heat (&K, &bits, &ok, t, only, why, wlen) != 0)
    return -1;
  fprintf (dat, "# scale bin accuracy (NaN: no data)\n");
  for (size_t s = 0; s < K; s++)
    {
      for (int j = 0; j < CLI_HEAT_BINS; j++)
        {
          double b = bits[s * CLI_HEAT_BINS + j];
          fprintf (dat, "%zu %d %.6g\n", s + 1, j,
                   b > 0 ? ok[s * CLI_HEAT_BINS + j] / b : NAN);
        }
      fprintf (dat, "\n");
    }
  free (bits);
  free (ok);
  if (only && !plot_titled)
    {
      fprintf (gp, "set title ");
      char title[600];
      snprintf (title, sizeof title, "varlb: where %s lost the bits (accuracy by scale and position; budgets and seeds pooled)", only);
      gp_text (gp, title, 0);
      fputc ('\n', gp);
    }
  fprintf (gp, "set xlabel 'position within the scale (raster order, %d bins)'\n", CLI_HEAT_BINS);
  fprintf (gp, "set ylabel 'VAR scale k'\nset cblabel 'accuracy'\nset cbrange [0.4:1]\n");
  fprintf (gp, "set palette defined (0.4 '#b2182b', 0.5 '#f4a582', 0.75 '#f7f7f7', 1 '#2166ac')\n");
  fprintf (gp, "set xrange [-0.5:%g]\nset yrange [0.5:%g]\nset ytics 1\nunset key\n",
           CLI_HEAT_BINS - 0.5, K + 0.5);
  fprintf (gp, "set datafile missing 'nan'\nplot ");
  gp_quote (gp, datpath);
  fprintf (gp, " using 2:1:3 with image\n");
  return 0;
}

int
cli_plot_file (const char *cmd, const char *csv, const char *out,
               enum cli_plot_kind kind, const char *title)
{
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
  gp_quote (gp, tmpimg);
  fprintf (gp, "\nset title ");
  gp_text (gp, title ? title
               : kind == PLOT_SCALING ? "varlb: budget needed for the target accuracy"
               : kind == PLOT_HEATMAP ? "varlb: where the bits were lost (accuracy by scale and position)"
               : "varlb: accuracy against the Fano frontier", 0);
  fprintf (gp, "\nset encoding utf8\n");
  int wr = kind == PLOT_SCALING ? write_scaling (gp, dat, datpath, &t, why, sizeof why)
           : kind == PLOT_HEATMAP ? write_heatmap (gp, dat, datpath, &t, plot_only, why, sizeof why)
           : kind == PLOT_HEADS ? cli_plot_write_heads (gp, dat, datpath, &t, plot_only, why,
                                                        sizeof why)
           : write_accuracy (gp, dat, datpath, curvepath, &t, why, sizeof why);
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
        plot_titled = 1;
        break;
      case OPT_ONLY:
        plot_only = optarg;
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
  int rc = cli_plot_file (cmd, results, out, kind, title);
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
  rc = cli_plot_file (cmd, csv, out, PLOT_ACCURACY, "varlb demo: accuracy against the Fano frontier");
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
