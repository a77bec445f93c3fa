/* report_scaling.c -- varlb report's chart of varlb scaling's rows: the
 * smallest budget reaching a target accuracy against n^2 d on log-log axes,
 * with the Fano bound at the target, a slope-1 line (the Omega(n^2 d) law)
 * and each compressor's fitted exponents of n and d (varlb__scaling_fit,
 * as varlb scaling prints them). */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"

/* One compressor of one scaling file: its reached points. */
typedef struct sc_series {
  const report_file_t *f;
  const char *compressor;
  size_t *rows, n, missed;
  varlb__scaling_fit_t fit;
  double slope, icept; /* log10 B on log10 n^2 d (NaN: fewer than 2 points) */
} sc_series_t;

static size_t
scaling_series (const report_t *r, sc_series_t **out)
{
  size_t total = 0, n = 0;
  for (size_t f = 0; f < r->nfiles; f++)
    total += r->file[f].kind == REPORT_SCALING ? r->file[f].t.rows : 0;
  sc_series_t *s = calloc (total + 1, sizeof *s);
  *out = s;
  for (size_t f = 0; s && f < r->nfiles; f++)
    {
      const varlb__csv_t *t = &r->file[f].t;
      if (r->file[f].kind != REPORT_SCALING)
        continue;
      long cc = varlb__csv_col (t, "compressor"), cb = varlb__csv_col (t, "min_budget_bits");
      for (size_t k = 0; k < t->rows; k++)
        {
          size_t i = 0;
          while (i < n
                 && !(s[i].f == &r->file[f]
                      && strcmp (s[i].compressor, varlb__csv_get (t, k, cc)) == 0))
            i++;
          if (i == n)
            {
              s[n].f = &r->file[f], s[n].compressor = varlb__csv_get (t, k, cc);
              s[n++].rows = malloc (t->rows * sizeof (size_t));
            }
          if (varlb__csv_num (t, k, cb) > 0 && s[i].rows)
            s[i].rows[s[i].n++] = k;
          else
            s[i].missed++;
        }
    }
  return n;
}

/* The fits: both exponents (varlb scaling's), and the slope on n^2 d. */
static void
scaling_fit (sc_series_t *s)
{
  const varlb__csv_t *t = &s->f->t;
  long cn = varlb__csv_col (t, "n"), cd = varlb__csv_col (t, "d"),
       cb = varlb__csv_col (t, "min_budget_bits");
  double *ln = malloc ((s->n + 1) * 3 * sizeof *ln), *ld = ln + s->n + 1, *lb = ld + s->n + 1;
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  int vary_n = 0, vary_d = 0;
  s->slope = s->icept = NAN;
  if (!ln)
    return;
  for (size_t i = 0; i < s->n; i++)
    {
      ln[i] = log (varlb__csv_num (t, s->rows[i], cn)),
      ld[i] = log (varlb__csv_num (t, s->rows[i], cd));
      lb[i] = log (varlb__csv_num (t, s->rows[i], cb));
      vary_n |= ln[i] != ln[0], vary_d |= ld[i] != ld[0];
      double x = (2 * ln[i] + ld[i]) / log (10), y = lb[i] / log (10);
      sx += x, sy += y, sxx += x * x, sxy += x * y;
    }
  double m = (double) s->n, den = m * sxx - sx * sx;
  if (s->n >= 2 && den > 1e-12)
    s->slope = (m * sxy - sx * sy) / den, s->icept = (sy - s->slope * sx) / m;
  varlb__scaling_fit (&s->fit, ln, ld, lb, s->n, vary_n, vary_d);
  free (ln);
}

/* The table of exponents under the chart. */
static void
scaling_table (FILE *o, const sc_series_t *s, size_t n)
{
  size_t missed = 0;
  for (size_t i = 0; i < n; i++)
    missed += s[i].missed;
  fputs ("<table class=\"sortable\"><thead><tr><th class=\"sort\">compressor</th>"
         "<th class=\"sort\">file</th><th class=\"sort\" data-first=\"descending\">points</th>"
         "<th class=\"sort\">&alpha;: exponent of n (95% CI)</th>"
         "<th class=\"sort\">&beta;: exponent of d (95% CI)</th><th class=\"sort\">R&sup2;</th>"
         "<th class=\"sort\">slope on n&sup2;d</th></tr></thead><tbody>\n", o);
  for (size_t i = 0; i < n; i++)
    {
      const varlb__scaling_fit_t *f = &s[i].fit;
      char a[32], b[32], c[32];
      fputs ("<tr><td class=\"spec\">", o);
      report_esc (o, s[i].compressor);
      fputs ("</td><td>", o);
      report_esc (o, s[i].f->name);
      fprintf (o, "</td><td class=\"n\">%zu%s</td>", s[i].n, s[i].missed ? "*" : "");
      size_t j = 1;
      int fitted = f->points > f->cols;
      for (int k = 0; k < 2; k++)
        {
          int has = k == 0 ? f->has_n : f->has_d;
          if (fitted && has)
            fprintf (o, "<td class=\"n\" data-v=\"%.17g\">%s &plusmn; %s</td>", f->c[j],
                     report_fmt (a, 32, f->c[j], -3), report_fmt (b, 32, f->ci[j], -3)), j++;
          else
            fprintf (o, "<td class=\"n\" data-v=\"\">%s</td>", has ? "too few points" : "not varied");
        }
      fprintf (o, "<td class=\"n\" data-v=\"%.17g\">%s</td><td class=\"n\" data-v=\"%.17g\">%s</td></tr>\n",
               fitted ? f->r2 : NAN, report_fmt (c, 32, fitted ? f->r2 : NAN, -3), s[i].slope,
               report_fmt (a, 32, s[i].slope, 3));
    }
  fprintf (o, "</tbody></table>\n<p class=\"muted\">The bound predicts &alpha; = 2 and &beta; = 1 "
           "for every compressor that reaches the target: its budget grows like n&sup2;d.%s</p>\n",
           missed ? " * the target was not reached at some points; they are left out of the fit." : "");
}

/* One point of series S (row K): its marker and tip. */
static void
scaling_point (FILE *o, const report_axes_t *a, const sc_series_t *s, size_t i, size_t k)
{
  const varlb__csv_t *t = &s->f->t;
  double n = varlb__csv_num (t, k, varlb__csv_col (t, "n")),
         d = varlb__csv_num (t, k, varlb__csv_col (t, "d")),
         B = varlb__csv_num (t, k, varlb__csv_col (t, "min_budget_bits")),
         N = varlb__csv_num (t, k, varlb__csv_col (t, "N")),
         p = varlb__csv_num (t, k, varlb__csv_col (t, "target"));
  char b1[32], b2[32], b3[32], b4[32], *tip = NULL;
  size_t len;
  FILE *m = open_memstream (&tip, &len);
  if (!m)
    return;
  fprintf (m, "%s\n%s line %zu: n = %g, d = %g (schedule %s), N = %g\nsmallest budget reaching "
           "mean accuracy %s: %s bits = %s N\nthe Fano bound there: %s bits", s->compressor,
           s->f->name, k + 2, n, d, varlb__csv_get (t, k, varlb__csv_col (t, "schedule")), N,
           report_fmt (b1, 32, p, 4), report_fmt (b2, 32, B, 6), report_fmt (b3, 32, B / N, 4),
           report_fmt (b4, 32, varlb_fano_bits_needed (p, N), 6));
  fclose (m);
  fprintf (o, "<path class=\"pt\" data-x=\"%.17g\" data-y=\"%.17g\" data-tip=\"", n * n * d, B);
  report_esc (o, tip);
  free (tip);
  fputs ("\" d=\"", o);
  report_marker_path (o, (i + i / REPORT_NCOLOURS) % REPORT_NSHAPES, report_px (a, n * n * d), report_py (a, B), 6.5);
  fputs ("\"/>\n", o);
}

/* The Fano bound at each point's target, and the n^2 d line through the
   points' geometric mean. */
static void
scaling_lines (FILE *o, const report_axes_t *a, const sc_series_t *s, size_t n)
{
  double gx = 0, gy = 0, m = 0, bx[64], by[64];
  size_t nb = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t k = 0; k < s[i].n; k++)
      {
        const varlb__csv_t *t = &s[i].f->t;
        size_t row = s[i].rows[k];
        double nn = varlb__csv_num (t, row, varlb__csv_col (t, "n")),
               d = varlb__csv_num (t, row, varlb__csv_col (t, "d"));
        double x = nn * nn * d, y = varlb__csv_num (t, row, varlb__csv_col (t, "min_budget_bits"));
        gx += log10 (x), gy += log10 (y), m++;
        size_t j = 0;
        while (j < nb && bx[j] != x)
          j++;
        if (j == nb && nb < 64)
          bx[nb] = x,
          by[nb++] = varlb_fano_bits_needed (varlb__csv_num (t, row, varlb__csv_col (t, "target")),
                                             varlb__csv_num (t, row, varlb__csv_col (t, "N")));
      }
  for (size_t i = 1; i < nb; i++) /* by x, for the line */
    for (size_t j = i; j > 0 && bx[j - 1] > bx[j]; j--)
      {
        double tx = bx[j], ty = by[j];
        bx[j] = bx[j - 1], by[j] = by[j - 1], bx[j - 1] = tx, by[j - 1] = ty;
      }
  fputs ("<g data-s=\"fano\">", o);
  report_polyline (o, a, bx, by, nb, "stroke=\"#111\" stroke-width=\"2.2\"");
  fputs ("</g>\n", o);
  if (m > 0)
    {
      double c = gy / m - gx / m, x[2] = { pow (10, a->x0), pow (10, a->x1) };
      double y[2] = { x[0] * pow (10, c), x[1] * pow (10, c) };
      fputs ("<g data-s=\"n2d\">", o);
      report_polyline (o, a, x, y, 2, "stroke=\"#777\" stroke-width=\"2\" stroke-dasharray=\"8 5\"");
      fputs ("</g>\n", o);
    }
}

void
report_chart_scaling (FILE *o, const report_t *r)
{
  sc_series_t *s;
  size_t n = scaling_series (r, &s);
  double xmin = INFINITY, xmax = 0, ymin = INFINITY, ymax = 0;
  for (size_t i = 0; i < n; i++)
    {
      const varlb__csv_t *t = &s[i].f->t;
      scaling_fit (&s[i]);
      for (size_t k = 0; k < s[i].n; k++)
        {
          double nn = varlb__csv_num (t, s[i].rows[k], varlb__csv_col (t, "n")),
                 d = varlb__csv_num (t, s[i].rows[k], varlb__csv_col (t, "d")),
                 B = varlb__csv_num (t, s[i].rows[k], varlb__csv_col (t, "min_budget_bits")),
                 lb = varlb_fano_bits_needed (
                     varlb__csv_num (t, s[i].rows[k], varlb__csv_col (t, "target")),
                     varlb__csv_num (t, s[i].rows[k], varlb__csv_col (t, "N")));
          xmin = fmin (xmin, nn * nn * d), xmax = fmax (xmax, nn * nn * d);
          ymin = fmin (ymin, fmin (B, lb > 0 ? lb : B)), ymax = fmax (ymax, B);
        }
    }
  if (!(xmax > 0))
    xmin = xmax = ymin = ymax = 1;
  report_axes_t a = { floor (log10 (xmin / 1.5)), ceil (log10 (xmax * 1.5)), floor (log10 (ymin / 1.5)),
               ceil (log10 (ymax * 1.5)), 80, 925, 14, 486, 1 };
  fputs ("<figure id=\"fig-scaling\">\n<svg class=\"chart\" id=\"chart-scaling\" viewBox=\"0 0 960 540\" role=\"img\" "
         "aria-label=\"smallest budget against n squared d, log-log\">\n", o);
  report_axes_draw (o, &a, 1, "n\u00b2d (log scale): n the last scale's side, d the head dimension",
             "smallest budget reaching the target (bits, log scale)");
  scaling_lines (o, &a, s, n);
  for (size_t i = 0; i < n; i++)
    {
      const char *col = report_colours[i % REPORT_NCOLOURS];
      fprintf (o, "<g class=\"series\" data-s=\"%zu\" fill=\"%s\" stroke=\"%s\">\n", i, col, col);
      if (isfinite (s[i].slope))
        {
          double x[2] = { pow (10, a.x0), pow (10, a.x1) };
          double y[2] = { pow (10, s[i].icept + s[i].slope * a.x0), pow (10, s[i].icept + s[i].slope * a.x1) };
          report_polyline (o, &a, x, y, 2, "stroke-width=\"1.6\" stroke-opacity=\"0.6\" stroke-dasharray=\"4 3\"");
        }
      for (size_t k = 0; k < s[i].n; k++)
        scaling_point (o, &a, &s[i], i, s[i].rows[k]);
      fputs ("</g>\n", o);
    }
  fputs ("</svg>\n<div class=\"legend\" role=\"group\" aria-label=\"show or hide\">\n", o);
  for (size_t i = 0; i < n; i++)
    {
      char key[32], label[600], sw[400], *d = NULL;
      size_t len;
      FILE *m = open_memstream (&d, &len);
      if (!m)
        continue;
      report_marker_path (m, (i + i / REPORT_NCOLOURS) % REPORT_NSHAPES, 10, 10, 6);
      fclose (m);
      snprintf (key, sizeof key, "%zu", i);
      snprintf (sw, sizeof sw, "<path fill=\"%s\" d=\"%s\"/>", report_colours[i % REPORT_NCOLOURS], d);
      free (d);
      char sl[32];
      snprintf (label, sizeof label, "%s (slope %s)", s[i].compressor, report_fmt (sl, 32, s[i].slope, 3));
      report_legend_button (o, key, label, sw);
    }
  report_legend_button (o, "fano", "the Fano bound at the target: N(1 - H2(1 - p))",
                 "<path d=\"M1 10h18\" stroke=\"#111\" stroke-width=\"3\"/>");
  report_legend_button (o, "n2d", "slope 1: a budget growing like n\u00b2d",
                 "<path d=\"M1 10h18\" stroke=\"#777\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/>");
  fputs ("</div>\n<figcaption>Each marker is the smallest budget (found by bisection) at which a "
         "compressor's mean accuracy over the seeds reaches the target, at one (n, d). The bound "
         "says this budget grows like n\u00b2d: the dashed grey line has slope 1. Hover for the "
         "numbers; click a legend entry to hide it.</figcaption>\n</figure>\n", o);
  scaling_table (o, s, n);
  for (size_t i = 0; i < n; i++)
    free (s[i].rows);
  free (s);
}
