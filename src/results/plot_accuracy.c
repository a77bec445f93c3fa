/* plot_accuracy.c -- chart (a) of `varlb plot`: accuracy against bits/N
 * for every compressor of a sweep, with the Fano ceiling (proofs/achievability.md),
 * ratedist's achieved curve just under it, the trivial line and chance; an
 * inset shows what the main chart cannot at its scale, the gap each point
 * leaves below the ceiling (log scale), ratedist's shaded. */
#include <config.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "plot.h"

/* ------------------------------------------------ the achieved frontier */

/* The achieved frontier (frontier.c) from T's rows of ratedist (any knobs),
   as their stored numbers say. */
static size_t
ratedist_gaps (double (**pts)[2], const varlb__csv_t *t, int *from_data)
{
  long cc = varlb__csv_col (t, "compressor"), ca = varlb__csv_col (t, "accuracy");
  double *x = malloc ((t->rows + 1) * sizeof *x), *y = malloc ((t->rows + 1) * sizeof *y);
  size_t n = 0, k = 0;
  for (size_t r = 0; x && y && cc >= 0 && r < t->rows; r++)
    if (varlb__is_ratedist (varlb__csv_get (t, r, cc)))
      x[n] = varlb__plot_row_x (t, r), y[n++] = varlb__csv_num (t, r, ca);
  if (x && y)
    k = varlb__frontier_gaps (pts, x, y, n, from_data);
  free (x), free (y);
  return k;
}

/* ---------------------------------------------------------- the chart */

/* The rows grouped by (compressor, budget): one block of DAT per series,
   lines "bits/N accuracy lowest_ci_low highest_ci_high gap", means over the
   seeds, gap = Fano ceiling - accuracy.  NAMES (the series, kept) and SMIN
   (each series' smallest bits/N) get one entry per series; *XMIN, *XMAX
   the positive bits/N.  Returns the number of series. */
static size_t
write_series (FILE *dat, const varlb__csv_t *t, const char *only, const char **names,
              double *smin, double *xmin, double *xmax)
{
  long cc = varlb__csv_col (t, "compressor"), cb = varlb__csv_col (t, "bits_charged"),
       ca = varlb__csv_col (t, "accuracy"),
       cl = varlb__csv_col (t, "ci_low"), ch = varlb__csv_col (t, "ci_high"),
       cg = varlb__csv_col (t, "budget_bits");
  const char **budgets = malloc ((t->rows + 1) * sizeof *budgets);
  size_t nc = varlb__plot_distinct (t, cc, names), series = 0;
  for (size_t i = 0; budgets && i < nc; i++)
    {
      size_t nb = 0, points = 0;
      if (only && strcmp (names[i], only) != 0)
        continue;
      /* Budgets of this compressor in order of first appearance. */
      for (size_t r = 0; r < t->rows; r++)
        {
          if (strcmp (varlb__csv_get (t, r, cc), names[i]) != 0)
            continue;
          const char *b = cg >= 0 ? varlb__csv_get (t, r, cg) : varlb__csv_get (t, r, cb);
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
              const char *b = cg >= 0 ? varlb__csv_get (t, r, cg) : varlb__csv_get (t, r, cb);
              if (strcmp (varlb__csv_get (t, r, cc), names[i]) != 0 || strcmp (b, budgets[j]) != 0)
                continue;
              double x = varlb__plot_row_x (t, r), y = varlb__csv_num (t, r, ca);
              if (!isfinite (x) || !isfinite (y))
                continue; /* a failed trial has no accuracy */
              double l = cl >= 0 ? varlb__csv_num (t, r, cl) : y,
                     h = ch >= 0 ? varlb__csv_num (t, r, ch) : y;
              sx += x, sy += y, k++;
              lo = fmin (lo, isfinite (l) ? l : y);
              hi = fmax (hi, isfinite (h) ? h : y);
            }
          if (k == 0)
            continue;
          if (points++ == 0)
            fprintf (dat, "# %s: bits/N accuracy ci_low ci_high gap_below_ceiling\n", names[i]),
              smin[series] = INFINITY;
          double x = sx / k, y = sy / k;
          fprintf (dat, "%.9g %.9g %.9g %.9g %.9g\n", x, y, lo, hi,
                   varlb_fano_ceiling (fmin (x, 1.0) * 1e6, 1e6) - y);
          if (sx > 0)
            *xmin = fmin (*xmin, x), *xmax = fmax (*xmax, x);
          smin[series] = fmin (smin[series], x);
        }
      if (points == 0)
        continue;
      fprintf (dat, "\n\n");
      names[series++] = names[i];
    }
  free (budgets);
  return series;
}

/* The frontier's curves at 401 ratios over [LO, HI] (and the kink at 1):
   bits/N, Fano ceiling, trivial line, ratedist achieved. */
static int
write_curves (const char *curvepath, const varlb__csv_t *t, double lo, double hi,
              int *rd_measured, char *why, size_t wlen)
{
  FILE *cv = fopen (curvepath, "w");
  if (!cv)
    {
      snprintf (why, wlen, "%s: %s", curvepath, strerror (errno));
      return -1;
    }
  double (*gaps)[2] = NULL;
  size_t ngaps = ratedist_gaps (&gaps, t, rd_measured);
  fprintf (cv, "# bits/N  fano_ceiling  trivial_line  ratedist_achieved\n");
  for (int i = 0; i <= 400; i++)
    {
      double r = lo * pow (hi / lo, i / 400.0);
      if (i > 0 && r > 1.0 && r / pow (hi / lo, 1 / 400.0) < 1.0)
        fprintf (cv, "1 %.17g %.17g %.17g\n", varlb_fano_ceiling (1e6, 1e6),
                 varlb_trivial_accuracy (1e6, 1e6),
                 varlb__frontier_at (1.0, gaps, ngaps)); /* the kink at B = N */
      fprintf (cv, "%.9g %.17g %.17g %.17g\n", r, varlb_fano_ceiling (r * 1e6, 1e6),
               varlb_trivial_accuracy (r * 1e6, 1e6), varlb__frontier_at (r, gaps, ngaps));
    }
  free (gaps);
  return fclose (cv) == 0 ? 0 : -1;
}

/* The inset: every series' distance below the ceiling on a log scale, with
   ratedist's achieved curve and the gap it leaves shaded (the main chart
   draws them 0.003-0.005 apart: a few pixels). */
static void
write_inset (FILE *gp, const char *datpath, const char *curvepath, size_t series, double lo,
             double hi, const char *xname)
{
  /* Below the key, right of the main chart: never over its data. */
  fprintf (gp, "set origin 0.70, 0.03\nset size 0.29, 0.40\n"
           "set lmargin at screen 0.775\nset rmargin at screen 0.975\n"
           "set bmargin at screen 0.10\nset tmargin at screen 0.38\n"
           "set title 'gap left to the optimum: ceiling - accuracy' font ',9' "
           "offset 0,-0.6\nunset key\nset logscale xy\nset xrange [%.6g:%.6g]\n"
           "set yrange [1e-4:1]\nset format y '10^{%%L}'\nset ytics 10 font ',9'\n"
           "set xtics font ',9'\nunset mxtics\nset xlabel '%s / N' font ',9' offset 0,0.8\n"
           "set ylabel 'below the ceiling' font ',9' offset 1.5,0\n"
           "set label 1 'ratedist' at graph 0.03, graph 0.12 font ',9' tc rgb '#e66101' front\n",
           lo, hi, xname);
  fprintf (gp, "plot ");
  varlb__gp_quote (gp, curvepath);
  fprintf (gp, " using 1:(($2 - $4) > 1e-4 ? $2 - $4 : 1e-4) with filledcurves y=1e-4 "
           "fillcolor rgb '#e66101' fillstyle transparent solid 0.3 noborder,\\\n  ");
  varlb__gp_quote (gp, curvepath);
  fprintf (gp, " using 1:(($2 - $4) > 1e-4 ? $2 - $4 : 1e-4) with lines lw 2 lc rgb '#e66101'");
  for (size_t i = 0; i < series; i++)
    {
      fprintf (gp, ",\\\n  ");
      varlb__gp_quote (gp, datpath);
      fprintf (gp, " index %zu using (($1 > 0) ? $1 : %.6g):($5 > 1e-4 ? $5 : 1e-4) with "
               "points pt %d ps 1 lc rgb '%s'", i, lo, varlb__plot_marker (i), varlb__plot_colour (i));
    }
  fprintf (gp, "\nunset label 1\n");
}

int
varlb__plot_write_accuracy (FILE *gp, FILE *dat, const char *datpath, const char *curvepath,
                            const varlb__csv_t *t, const varlb__plot_sel_t *sel, char *why,
                            size_t wlen)
{
  long cc = varlb__csv_col (t, "compressor");
  if (cc < 0 || varlb__csv_col (t, "bits_charged") < 0 || varlb__csv_col (t, "N") < 0
      || varlb__csv_col (t, "accuracy") < 0)
    {
      snprintf (why, wlen, "needs columns compressor, bits_charged, N, accuracy");
      return -1;
    }
  const char **names = malloc ((t->rows + 1) * sizeof *names);
  double *smin = calloc (t->rows + 1, sizeof *smin); /* each series' smallest bits/N */
  double xmin = INFINITY, xmax = 0.0;                 /* positive bits/N over all series */
  size_t series = names && smin ? write_series (dat, t, sel->only, names, smin, &xmin, &xmax) : 0;
  if (series == 0)
    {
      free (names);
      free (smin);
      if (sel->only)
        return varlb__plot_no_selection (t, cc, sel->only, why, wlen);
      snprintf (why, wlen, "no row with a finite accuracy to plot");
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
  int rd_measured = 0;
  if (write_curves (curvepath, t, lo, hi, &rd_measured, why, wlen) != 0)
    {
      free (names);
      free (smin);
      return -1;
    }
  char inst[1024];
  varlb__gp_title (gp, sel->title ? sel->title : "varlb: accuracy against the Fano frontier",
                   varlb__plot_instance (inst, sizeof inst, t, sel->only));
  fprintf (gp, "set multiplot\n");
  fprintf (gp, "set lmargin at screen 0.07\nset rmargin at screen 0.70\n"
           "set bmargin at screen 0.09\nset tmargin at screen 0.88\n");
  /* One ceiling everywhere: each point sits at the bits it was judged at. */
  int judged = varlb__csv_col (t, "bits_judged") >= 0;
  fprintf (gp, "set xlabel '%s / N (log scale)'\nset ylabel 'accuracy (fraction of hidden bits "
           "decoded)'\n", judged ? "bits judged (whole bytes of the budget + side channels)"
                                 : "bits charged");
  fprintf (gp, "set logscale x\nset format x '%%g'\nset mxtics 10\n");
  fprintf (gp, "set xrange [%.6g:%.6g]\nset yrange [0.4:1.03]\nset grid xtics ytics mxtics\n", lo, hi);
  /* The key right of the chart, down to the inset (16 lines at most at
     full size, smaller type past that). */
  fprintf (gp, "set key at screen 0.715, screen 0.88 left top box samplen 2 spacing %s\n",
           series > 12 ? "0.8 font ',9'" : "1.05");
  fprintf (gp, "plot ");
  varlb__gp_quote (gp, curvepath);
  fprintf (gp, " using 1:2 with lines lw 2 lc rgb 'black' title 'Fano ceiling p*',\\\n  ");
  /* Drawn after the ceiling, in a colour of its own: 0.003-0.005 under it,
     it would hide beneath a thicker line. */
  varlb__gp_quote (gp, curvepath);
  fprintf (gp, " using 1:4 with lines lw 2.5 dt (8,4) lc rgb '#e66101' title '%s',\\\n  ",
           rd_measured ? "achieved: ratedist, measured here"
                       : "achieved: ratedist (256px, seed 1, embedded)");
  varlb__gp_quote (gp, curvepath);
  fprintf (gp, " using 1:3 with lines lw 2 dt 2 lc rgb '#555555' title 'trivial 1/2 + B/2N',\\\n");
  fprintf (gp, "  0.5 with lines lw 1 dt 3 lc rgb '#999999' title 'chance 50%%'");
  for (size_t i = 0; i < series; i++)
    {
      fprintf (gp, ",\\\n  ");
      varlb__gp_quote (gp, datpath);
      fprintf (gp, " index %zu using (($1 > 0) ? $1 : %.6g):2:3:4 with yerrorlines lw 2 "
               "lc rgb '%s' pt %d ps 1.3 title ", i, lo, varlb__plot_colour (i),
               varlb__plot_marker (i));
      char label[600];
      if (!(smin[i] > 0))
        snprintf (label, sizeof label, "%s (0 bits: drawn at the left edge)", names[i]);
      else
        snprintf (label, sizeof label, "%s", names[i]);
      varlb__gp_text (gp, label, 1);
    }
  fprintf (gp, "\n");
  write_inset (gp, datpath, curvepath, series, lo, hi, judged ? "bits judged" : "bits charged");
  fprintf (gp, "unset multiplot\n");
  free (names);
  free (smin);
  return 0;
}
