/* plot_scaling.c -- chart (b) of `varlb plot`, from `varlb scaling`'s rows:
 * the smallest budget reaching the target against n (one panel) and d (the
 * other), log-log, with each compressor's fit log B = a + alpha log n +
 * beta log d drawn as lines whose slopes are the very alpha and beta the
 * terminal printed (the same least squares, varlb__scaling_fit), and the
 * lower bound N (1 - H2(1 - p)) (Fano) for the target p, which the law
 * Omega(n^2 d) makes slope 2 in n and 1 in d. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "plot.h"

#define MAX_SERIES 64
#define MAX_AXIS 64

typedef struct scaling_data {
  size_t series, nn, nd;
  const char *names[MAX_SERIES];
  varlb__scaling_fit_t fit[MAX_SERIES];
  double ns[MAX_AXIS], ds[MAX_AXIS]; /* distinct n and d with a row, sorted */
  double target;
  int targets_differ;
} scaling_data_t;

static void
add_sorted (double *v, size_t *n, double x)
{
  size_t i = 0;
  while (i < *n && v[i] < x)
    i++;
  if ((i < *n && v[i] == x) || *n == MAX_AXIS)
    return;
  memmove (v + i + 1, v + i, (*n - i) * sizeof *v);
  v[i] = x;
  ++*n;
}

/* One block of DAT per compressor ("n d B"), each fitted as varlb scaling
   fits it: over the rows that reached the target, with log n (log d) a
   regressor when the compressor's rows hold more than one n (d). */
static int
series_and_fits (scaling_data_t *s, FILE *dat, const varlb__csv_t *t, const char *only)
{
  long cc = varlb__csv_col (t, "compressor"), cn = varlb__csv_col (t, "n"),
       cd = varlb__csv_col (t, "d"), cb = varlb__csv_col (t, "min_budget_bits"),
       ct = varlb__csv_col (t, "target");
  const char **names = malloc ((t->rows + 1) * sizeof *names);
  double *ln = malloc ((t->rows + 1) * sizeof *ln), *ld = malloc ((t->rows + 1) * sizeof *ld),
         *lb = malloc ((t->rows + 1) * sizeof *lb);
  size_t nc = names && ln && ld && lb ? varlb__plot_distinct (t, cc, names) : 0;
  s->target = NAN;
  for (size_t i = 0; i < nc && s->series < MAX_SERIES; i++)
    {
      if (only && strcmp (names[i], only) != 0)
        continue;
      size_t k = 0;
      double n0 = NAN, d0 = NAN;
      int many_n = 0, many_d = 0;
      for (size_t r = 0; r < t->rows; r++)
        {
          if (strcmp (varlb__csv_get (t, r, cc), names[i]) != 0)
            continue;
          double tr = varlb__csv_num (t, r, ct), n = varlb__csv_num (t, r, cn),
                 d = varlb__csv_num (t, r, cd), b = varlb__csv_num (t, r, cb);
          s->targets_differ |= isfinite (s->target) && isfinite (tr) && tr != s->target;
          if (!isfinite (s->target))
            s->target = tr;
          many_n |= isfinite (n0) && n != n0, many_d |= isfinite (d0) && d != d0;
          n0 = n, d0 = d;
          if (!(n > 0 && d > 0 && b > 0))
            continue; /* target never reached */
          if (k == 0)
            fprintf (dat, "# %s: n d min_budget_bits\n", names[i]);
          fprintf (dat, "%.9g %.9g %.17g\n", n, d, b);
          ln[k] = log (n), ld[k] = log (d), lb[k] = log (b), k++;
          add_sorted (s->ns, &s->nn, n);
          add_sorted (s->ds, &s->nd, d);
        }
      if (k == 0)
        continue;
      fprintf (dat, "\n\n");
      if (varlb__scaling_fit (&s->fit[s->series], ln, ld, lb, k, many_n, many_d) != 0)
        s->fit[s->series].points = 0; /* too few points: no line */
      s->names[s->series++] = names[i];
    }
  free (ln), free (ld), free (lb);
  /* The names point into T; the array itself is no longer needed. */
  free (names);
  return 0;
}

/* The lower bound's blocks: at each d the rows' (n, bound) sorted by n,
   then at each n the (d, bound) sorted by d; the bound at each row's
   target and N. */
static void
bound_blocks (FILE *dat, const scaling_data_t *s, const varlb__csv_t *t)
{
  long cn = varlb__csv_col (t, "n"), cd = varlb__csv_col (t, "d"), cN = varlb__csv_col (t, "N"),
       ct = varlb__csv_col (t, "target");
  for (int by_n = 0; by_n < 2; by_n++)
    for (size_t j = 0; j < (by_n ? s->nn : s->nd); j++)
      {
        double fixed = by_n ? s->ns[j] : s->ds[j];
        const double *axis = by_n ? s->ds : s->ns;
        fprintf (dat, "# lower bound at %s = %g: %s, bits\n", by_n ? "n" : "d", fixed,
                 by_n ? "d" : "n");
        for (size_t k = 0; k < (by_n ? s->nd : s->nn); k++)
          for (size_t r = 0; r < t->rows; r++)
            {
              double n = varlb__csv_num (t, r, cn), d = varlb__csv_num (t, r, cd);
              double N = varlb__csv_num (t, r, cN), p = varlb__csv_num (t, r, ct);
              if ((by_n ? n : d) != fixed || (by_n ? d : n) != axis[k] || !(N > 0)
                  || !(p > 0.5 && p <= 1))
                continue;
              fprintf (dat, "%.9g %.17g\n", axis[k], varlb_fano_bits_needed (p, N));
              break;
            }
        fprintf (dat, "\n\n");
      }
}

/* One panel: B against n (BY_D: a fit line per d, slope alpha) or against
   d (a line per n, slope beta); the series, then the bound. */
static void
panel (FILE *gp, const char *datpath, const scaling_data_t *s, int against_d)
{
  size_t lines = against_d ? s->nn : s->nd;
  const double *other = against_d ? s->ns : s->ds;
  fprintf (gp, "set logscale xy\nset format y '10^{%%L}'\nset format x '%%g'\nset grid\n"
           "set xlabel '%s (log scale)'\nset ylabel 'smallest budget reaching the target "
           "(bits)'\nset key top left box font ',10'\nset title '%s' font ',11'\n",
           against_d ? "d" : "n", against_d ? "against d: one fit line per n, slope beta"
                                            : "against n: one fit line per d, slope alpha");
  fprintf (gp, "plot ");
  for (size_t i = 0; i < s->series; i++)
    {
      const varlb__scaling_fit_t *f = &s->fit[i];
      int has = against_d ? f->has_d : f->has_n;
      fprintf (gp, "%s", i ? ",\\\n  " : "");
      varlb__gp_quote (gp, datpath);
      fprintf (gp, " index %zu using %d:3 with points pt %d ps 1.5 lc rgb '%s' title ", i,
               against_d ? 2 : 1, varlb__plot_marker (i), varlb__plot_colour (i));
      char label[600];
      if (f->points && has)
        snprintf (label, sizeof label, "%s: %s = %.3f", s->names[i], against_d ? "beta" : "alpha",
                  f->c[1 + (against_d && f->has_n)]);
      else
        snprintf (label, sizeof label, "%s", s->names[i]);
      varlb__gp_text (gp, label, 1);
      /* The fit at each value of the other axis: log B = a + alpha log n
         + beta log d, a straight line of slope alpha (beta) here. */
      for (size_t j = 0; f->points && j < lines; j++)
        {
          double a = f->c[0], on = 0, od = 0;
          size_t k = 1;
          if (f->has_n)
            on = f->c[k++];
          if (f->has_d)
            od = f->c[k];
          double base = a + (against_d ? on * log (other[j]) : od * log (other[j]));
          fprintf (gp, ",\\\n  exp(%.17g + %.17g * log(x)) with lines lw 1.5 dt 2 lc rgb '%s' "
                   "notitle", base, against_d ? od : on, varlb__plot_colour (i));
        }
    }
  size_t first = s->series + (against_d ? s->nd : 0);
  for (size_t j = 0; j < lines; j++)
    {
      fprintf (gp, ",\\\n  ");
      varlb__gp_quote (gp, datpath);
      fprintf (gp, " index %zu using 1:2 with linespoints lw 2.5 pt 2 lc rgb 'black' %s", first + j,
               j ? "notitle" : against_d ? "title 'lower bound N(1 - H_2(1 - p)) (Fano)' noenhanced"
                                         : "title 'lower bound N(1 - H_2(1 - p)) (Fano)' noenhanced");
    }
  fprintf (gp, "\n");
}

int
varlb__plot_write_scaling (FILE *gp, FILE *dat, const char *datpath, const varlb__csv_t *t,
                           const varlb__plot_sel_t *sel, char *why, size_t wlen)
{
  long cc = varlb__csv_col (t, "compressor");
  if (cc < 0 || varlb__csv_col (t, "n") < 0 || varlb__csv_col (t, "d") < 0
      || varlb__csv_col (t, "min_budget_bits") < 0)
    {
      snprintf (why, wlen, "needs columns compressor, n, d, min_budget_bits");
      return -1;
    }
  scaling_data_t *s = calloc (1, sizeof *s);
  if (s == NULL || series_and_fits (s, dat, t, sel->only) != 0 || s->series == 0)
    {
      free (s);
      if (sel->only)
        return varlb__plot_no_selection (t, cc, sel->only, why, wlen);
      snprintf (why, wlen, "no row with a positive min_budget_bits to plot");
      return -1;
    }
  bound_blocks (dat, s, t);
  char title[200], inst[1024];
  if (isfinite (s->target) && !s->targets_differ)
    snprintf (title, sizeof title, "varlb: the smallest budget reaching %g%% accuracy (mean over "
              "seeds), its fit and the lower bound", 100.0 * s->target);
  else
    snprintf (title, sizeof title, "varlb: the smallest budget reaching the target accuracy (%s)",
              s->targets_differ ? "targets differ" : "target not recorded");
  /* The panels' titles say which axis; the overall one says what and on
     which instances. */
  fprintf (gp, "set multiplot layout 1,%d ", (s->nn > 1) + (s->nd > 1) ? (s->nn > 1) + (s->nd > 1)
                                                                        : 1);
  fprintf (gp, "title \"");
  for (const char *p = sel->title ? sel->title : title; *p; p++)
    fprintf (gp, *p == '"' || *p == '\\' ? "\\%c" : "%c", *p);
  fprintf (gp, "\\n");
  for (const char *p = varlb__plot_instance (inst, sizeof inst, t, sel->only); *p; p++)
    fprintf (gp, *p == '"' || *p == '\\' ? "\\%c" : "%c", *p);
  fprintf (gp, "\" noenhanced\n");
  if (s->nn > 1 || s->nd <= 1)
    panel (gp, datpath, s, 0);
  if (s->nd > 1)
    panel (gp, datpath, s, 1);
  fprintf (gp, "unset multiplot\n");
  free (s);
  return 0;
}
