/* report_chart.c -- varlb report's charts as inline SVG: accuracy against
 * bits judged / N with the Fano ceiling, the region above it no compressor
 * can reach, the trivial line and ratedist's achieved frontier
 * (proofs/achievability.md); and varlb scaling's smallest budgets
 * against n^2 d on log-log axes.  Every point carries its numbers for the
 * page's hover tips and tests.  The drawing kit both charts share (colours,
 * markers, axes, polylines, legend buttons) is report_svg.c's. */
#define _GNU_SOURCE 1 /* qsort_r */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"

/* ------------------------------------------------- the frontier's points */

/* A marker: judged rows of one series at one budget (and, unless the page
   aggregates, one position), their mean position and interval. */
typedef struct pt {
  size_t series, first, n; /* rows ord[first .. first + n) */
  double x, y, lo, hi;
} pt_t;

typedef struct pctx {
  const report_t *r;
  int by_row;
} pctx_t;

/* Rows of one marker compare equal but for their index: by series, then
   by place (BY_ROW: rows at one place share a marker, whatever their
   budgets, so a compressor that ignores the budget has one marker, not one
   per budget on top of each other) or by budget. */
static int
same_marker (const pctx_t *c, const report_row_t *u, const report_row_t *v)
{
  if (u->series != v->series)
    return u->series < v->series ? -1 : 1;
  if (c->by_row && u->xj != v->xj)
    return u->xj < v->xj ? -1 : 1;
  if (c->by_row && u->j.accuracy != v->j.accuracy)
    return u->j.accuracy < v->j.accuracy ? -1 : 1;
  double bu = report_num (c->r, u, "budget_bits"), bv = report_num (c->r, v, "budget_bits");
  if (!c->by_row && bu != bv)
    return bu < bv ? -1 : 1;
  return 0;
}

static int
cmp_rows (const void *a, const void *b, void *arg)
{
  const pctx_t *c = arg;
  size_t i = *(const size_t *) a, k = *(const size_t *) b;
  int d = same_marker (c, &c->r->row[i], &c->r->row[k]);
  return d ? d : i < k ? -1 : 1;
}

/* The markers (same_marker); *ORD the judged rows in their order.  Both
   malloc'd. */
static size_t
points (const report_t *r, int by_row, pt_t **out, size_t **ord_out)
{
  size_t *ord = malloc ((r->nrows + 1) * sizeof *ord), m = 0, n = 0;
  pt_t *p = malloc ((r->nrows + 1) * sizeof *p);
  *out = p, *ord_out = ord;
  if (!ord || !p)
    return 0;
  for (size_t i = 0; i < r->nrows; i++)
    if (r->row[i].judged)
      ord[m++] = i;
  pctx_t c = { r, by_row };
  qsort_r (ord, m, sizeof *ord, cmp_rows, &c);
  for (size_t k = 0; k < m; n++)
    {
      size_t e = k + 1;
      while (e < m && same_marker (&c, &r->row[ord[k]], &r->row[ord[e]]) == 0)
        e++;
      pt_t *q = &p[n];
      q->series = r->row[ord[k]].series, q->first = k, q->n = e - k;
      q->x = q->y = 0, q->lo = 1, q->hi = 0;
      for (size_t i = k; i < e; i++)
        {
          const report_row_t *w = &r->row[ord[i]];
          q->x += w->xj / (double) q->n, q->y += w->j.accuracy / (double) q->n;
          q->lo = fmin (q->lo, w->j.ci_low), q->hi = fmax (q->hi, w->j.ci_high);
        }
      k = e;
    }
  return n;
}

/* One row of a tip: where it is, its budget and what it got. */
static void
row_line (FILE *o, const report_t *r, const report_row_t *w)
{
  char a[32], b[32];
  fprintf (o, "%s line %zu, seed %s, budget %s bits (%s N): accuracy %s, %s",
           r->file[w->file].name, varlb__report_line (r, w), report_cell (r, w, "seed"),
           report_cell (r, w, "budget_bits"), report_fmt (a, 32, w->budget_ratio, 3),
           report_fmt (b, 32, w->j.accuracy, -4), w->j.verdict);
}

/* The tip of marker Q: the row in full when it is one, else its rows. */
static void
point_tip (FILE *o, const report_t *r, const pt_t *q, const size_t *ord, const char *moved)
{
  const report_row_t *w = &r->row[ord[q->first]];
  const report_series_t *s = &r->series[q->series];
  char lab[1024], a[32], b[32], c[32], d[32];
  report_inst_label (lab, sizeof lab, &r->inst[s->inst]);
  fprintf (o, "%s\n%s\n", s->compressor, lab);
  if (!(q->x > 0))
    fputs ("charged 0 bits: drawn on the left edge\n", o);
  if (moved)
    fprintf (o, "drawn beside %s, which sits at the same place\n", moved);
  if (q->n == 1)
    {
      double N = report_num (r, w, "N");
      fprintf (o, "%s line %zu, seed %s\nbudget %s bits = %s N; charged %s bits = %s N%s\n",
               r->file[w->file].name, varlb__report_line (r, w), report_cell (r, w, "seed"),
               report_cell (r, w, "budget_bits"), report_fmt (a, 32, w->budget_ratio, 4),
               report_fmt (b, 32, w->x * N, 10), report_fmt (c, 32, w->x, 4),
               strcmp (report_cell (r, w, "over_budget"), "true") == 0 ? " (over budget)" : "");
      fprintf (o, "judged at %s bits = %s N (where its ceiling lies)\n",
               report_fmt (b, 32, w->xj * N, 10), report_fmt (c, 32, w->xj, 4));
      fprintf (o, "accuracy %s, 95%% CI [%s, %s]\n", report_fmt (a, 32, w->j.accuracy, -4),
               report_fmt (b, 32, w->j.ci_low, -4), report_fmt (c, 32, w->j.ci_high, -4));
      fprintf (o, "Fano ceiling %s, efficiency %s\nverdict: %s%s",
               report_fmt (a, 32, w->j.fano_judged, -4), report_fmt (b, 32, w->efficiency, 3),
               w->j.verdict, w->holm ? " (survives Holm over the page)" : "");
      if (w->disagrees)
        fprintf (o, "\nthe row itself states '%s'", report_cell (r, w, "verdict"));
      return;
    }
  fprintf (o, "%zu rows: mean judged %s N, mean accuracy %s; their 95%% CIs span [%s, %s]",
           q->n, report_fmt (a, 32, q->x, 4), report_fmt (b, 32, q->y, -4),
           report_fmt (c, 32, q->lo, -4), report_fmt (d, 32, q->hi, -4));
  for (size_t i = 0; i < q->n && i < 6; i++)
    {
      fputs ("\n  ", o);
      row_line (o, r, &r->row[ord[q->first + i]]);
    }
  if (q->n > 6)
    fprintf (o, "\n  and %zu more", q->n - 6);
}

/* Marker I (Q) with its data: position, interval, rows ("file:line", at
   most 64 named) and tip; DX moves it right of a marker of another series
   at the same place (MOVED names that series).  A TWIN (the second panel's
   marker) names the first panel's marker for its tip and carries nothing
   else, so the page does not hold every tip twice. */
static void
point_draw (FILE *o, const report_t *r, const report_axes_t *a, const pt_t *q, size_t i,
            const size_t *ord, double dx, const char *moved, int twin)
{
  double x = report_px (a, q->x) + dx, y = report_py (a, q->y);
  if (q->hi > q->lo)
    fprintf (o, "<path class=\"ci\" d=\"M%.1f %.1fV%.1fM%.1f %.1fh6M%.1f %.1fh6\"/>", x,
             report_py (a, q->lo), report_py (a, q->hi), x - 3, report_py (a, q->lo), x - 3,
             report_py (a, q->hi));
  if (twin)
    fprintf (o, "<path class=\"pt%s\" data-twin=\"pt%zu\" d=\"", q->x > 0 ? "" : " zero", i);
  else
    {
      fprintf (o, "<path class=\"pt%s\" id=\"pt%zu\" data-x=\"%.17g\" data-y=\"%.17g\" "
               "data-lo=\"%.17g\" data-hi=\"%.17g\" data-n=\"%zu\" data-budget=\"%s\" data-rows=\"",
               q->x > 0 ? "" : " zero", i, q->x, q->y, q->lo, q->hi, q->n,
               report_cell (r, &r->row[ord[q->first]], "budget_bits"));
      for (size_t k = 0; k < q->n && k < 64; k++)
        fprintf (o, "%s%zu:%zu", k ? " " : "", r->row[ord[q->first + k]].file,
                 varlb__report_line (r, &r->row[ord[q->first + k]]));
      fputs ("\" data-tip=\"", o);
      char *tip = NULL;
      size_t len = 0;
      FILE *m = open_memstream (&tip, &len);
      if (m)
        {
          point_tip (m, r, q, ord, moved);
          fclose (m);
          report_esc (o, tip);
        }
      free (tip);
      fputs ("\" d=\"", o);
    }
  report_marker_path (o, r->series[q->series].shape, x, y, 6.5);
  fputs ("\"/>\n", o);
}

/* How far right marker I is drawn: past every marker of another series
   drawn before it within a marker's width of its place (position dodge,
   so no compressor hides another); *MOVED names the first one. */
static double
dodge (const report_t *r, const report_axes_t *a, const pt_t *p, size_t i, const char **moved)
{
  double x = report_px (a, p[i].x), y = report_py (a, p[i].y), dx = 0;
  *moved = NULL;
  for (size_t k = 0; k < i; k++)
    if (p[k].series != p[i].series && fabs (report_px (a, p[k].x) - x) < 5
        && fabs (report_py (a, p[k].y) - y) < 5)
      {
        dx += 11;
        if (!*moved)
          *moved = r->series[p[k].series].compressor;
      }
  return dx;
}

#define CURVE_SAMPLES 241

/* The curves sampled over the x axis: the Fano ceiling, ratedist's
   achieved accuracy (its NM per-budget MEAN points, else the reference)
   and the trivial line. */
typedef struct curve {
  size_t k;
  double x[CURVE_SAMPLES + 1], fano[CURVE_SAMPLES + 1], rd[CURVE_SAMPLES + 1],
         triv[CURVE_SAMPLES + 1];
  int measured;  /* ratedist from the data */
} curve_t;

static void
sample_curves (curve_t *c, const report_axes_t *a, const report_t *r, const pt_t *mean, size_t nm)
{
  double *rx = malloc ((nm + 1) * sizeof *rx), *ry = malloc ((nm + 1) * sizeof *ry);
  double (*gaps)[2] = NULL;
  size_t n = 0, ng = 0, k = 0;
  for (size_t i = 0; rx && ry && i < nm; i++)
    if (varlb__is_ratedist (r->series[mean[i].series].compressor))
      rx[n] = mean[i].x, ry[n++] = mean[i].y;
  c->measured = 0;
  if (rx && ry)
    ng = varlb__frontier_gaps (&gaps, rx, ry, n, &c->measured);
  free (rx), free (ry);
  for (int i = 0; i < CURVE_SAMPLES; i++)
    {
      double v = pow (10, a->x0 + (a->x1 - a->x0) * i / (CURVE_SAMPLES - 1));
      if (k > 0 && c->x[k - 1] < 1 && v > 1) /* the kink at B = N */
        c->x[k++] = 1;
      c->x[k++] = v;
    }
  for (size_t i = 0; i < k; i++)
    {
      c->fano[i] = varlb_fano_ceiling (c->x[i] * 1e6, 1e6);
      c->triv[i] = varlb_trivial_accuracy (c->x[i] * 1e6, 1e6);
      c->rd[i] = ng ? varlb__frontier_at (c->x[i], gaps, ng) : c->fano[i];
    }
  c->k = k;
  free (gaps);
}

/* The curves behind the points: what no compressor can reach, the gap
   ratedist leaves below the ceiling, the ceiling, the trivial line. */
static void
curves (FILE *o, const report_axes_t *a, const curve_t *cv)
{
  size_t k = cv->k;
  const double *x = cv->x, *fano = cv->fano, *rd = cv->rd, *triv = cv->triv;
  fprintf (o, "<g data-s=\"impossible\"><path fill=\"#b2182b\" fill-opacity=\"0.09\" d=\"M%.1f %.1f",
           report_px (a, x[0]), report_py (a, a->y1));
  for (size_t i = 0; i < k; i++)
    fprintf (o, "L%.1f %.1f", report_px (a, x[i]), report_py (a, fano[i]));
  fprintf (o, "L%.1f %.1fZ\"/><text x=\"%.1f\" y=\"%.1f\" font-size=\"15\" fill=\"#8b1a1a\">"
           "above the Fano ceiling: no compressor can be here</text></g>\n", report_px (a, x[k - 1]),
           report_py (a, a->y1), a->L + 10, a->T + 20);
  fputs ("<g data-s=\"gap\"><path fill=\"#006d5b\" fill-opacity=\"0.16\" d=\"", o);
  for (size_t i = 0; i < k; i++)
    fprintf (o, "%c%.1f %.1f", i ? 'L' : 'M', report_px (a, x[i]), report_py (a, fano[i]));
  for (size_t i = k; i-- > 0;)
    fprintf (o, "L%.1f %.1f", report_px (a, x[i]), report_py (a, rd[i]));
  fputs ("Z\"/></g>\n<g data-s=\"trivial\">", o);
  report_polyline (o, a, x, triv, k, "stroke=\"#666\" stroke-width=\"2\" stroke-dasharray=\"3 5\"");
  fprintf (o, "</g>\n<g data-s=\"chance\"><line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
           "stroke=\"#999\" stroke-dasharray=\"1 4\" stroke-width=\"2\"/><text x=\"%.1f\" "
           "y=\"%.1f\" font-size=\"14\" fill=\"#555\" text-anchor=\"end\">chance: a coin per bit"
           "</text></g>\n<g data-s=\"ratedist\">", a->L, a->R, report_py (a, 0.5), report_py (a, 0.5),
           a->R - 8, report_py (a, 0.5) - 6);
  report_polyline (o, a, x, rd, k, "stroke=\"#006d5b\" stroke-width=\"3\" stroke-dasharray=\"9 5\"");
  fputs ("</g>\n<g data-s=\"fano\">", o);
  report_polyline (o, a, x, fano, k, "stroke=\"#111\" stroke-width=\"2.2\"");
  /* Named where they are, for a room reading the chart from afar. */
  size_t at = k / 5;
  fprintf (o, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"15\" font-weight=\"600\" "
           "transform=\"rotate(%.1f %.1f %.1f)\">Fano ceiling p*</text>", report_px (a, x[at]),
           report_py (a, fano[at]) - 9, atan2 (report_py (a, fano[at + 8]) - report_py (a, fano[at]),
                                               report_px (a, x[at + 8]) - report_px (a, x[at])) * 180 / M_PI,
           report_px (a, x[at]), report_py (a, fano[at]) - 9);
  fputs ("</g>\n", o);
}

static void
legend (FILE *o, const report_t *r, int measured)
{
  fputs ("<div class=\"legend\" role=\"group\" aria-label=\"show or hide\">\n", o);
  for (size_t i = 0; i < r->nseries; i++)
    {
      const report_series_t *s = &r->series[i];
      char key[32], label[1400], sw[400];
      snprintf (key, sizeof key, "%zu", i);
      if (r->ninst > 1)
        {
          char il[1024];
          report_inst_label (il, sizeof il, &r->inst[s->inst]);
          snprintf (label, sizeof label, "%s (%s)", s->compressor, il);
        }
      else
        snprintf (label, sizeof label, "%s", s->compressor);
      char *d = NULL;
      size_t len = 0;
      FILE *m = open_memstream (&d, &len);
      if (!m)
        continue;
      report_marker_path (m, s->shape, 10, 10, 6);
      fclose (m);
      snprintf (sw, sizeof sw, "<path fill=\"%s\" d=\"%s\"/>", report_colours[s->colour], d);
      free (d);
      report_legend_button (o, key, label, sw);
    }
  report_legend_button (o, "fano", "Fano ceiling p* (the bound)",
                 "<path d=\"M1 10h18\" stroke=\"#111\" stroke-width=\"3\"/>");
  report_legend_button (o, "ratedist", measured ? "achieved: ratedist, measured here"
                 : "achieved: ratedist (reference: 256px, d = 64, seed 1)",
                 "<path d=\"M1 10h18\" stroke=\"#006d5b\" stroke-width=\"3\" stroke-dasharray=\"6 3\"/>");
  report_legend_button (o, "gap", "the gap left to the optimum",
                 "<rect x=\"1\" y=\"4\" width=\"18\" height=\"12\" fill=\"#006d5b\" fill-opacity=\"0.25\"/>");
  report_legend_button (o, "impossible", "above the ceiling: impossible",
                 "<rect x=\"1\" y=\"4\" width=\"18\" height=\"12\" fill=\"#b2182b\" fill-opacity=\"0.2\"/>");
  report_legend_button (o, "trivial", "trivial: keep B bits, guess the rest",
                 "<path d=\"M1 10h18\" stroke=\"#666\" stroke-width=\"2\" stroke-dasharray=\"3 3\"/>");
  report_legend_button (o, "chance", "chance 50%",
                 "<path d=\"M1 10h18\" stroke=\"#999\" stroke-width=\"2\" stroke-dasharray=\"1 3\"/>");
  fputs ("</div>\n", o);
}

/* Where the page's x axis runs and where B = N and the fp16 cache are. */
static void
frontier_axes (report_axes_t *a, const report_t *r, const pt_t *p, size_t np)
{
  double xmin = INFINITY, xmax = 0, ymin = 0.4;
  for (size_t i = 0; i < np; i++)
    {
      if (p[i].x > 0)
        xmin = fmin (xmin, p[i].x), xmax = fmax (xmax, p[i].x);
      ymin = fmin (ymin, p[i].lo);
    }
  if (!(xmax > 0))
    xmin = xmax = 1;
  memset (a, 0, sizeof *a);
  a->x0 = floor (log10 (fmin (xmin, 1.0) / 1.05));
  a->x1 = ceil (log10 (fmax (xmax, 2.0) * 1.05));
  a->y0 = floor (fmax (0.0, ymin) * 10) / 10, a->y1 = 1.02;
  a->L = 70, a->R = 945, a->T = 14, a->B = 486;
  (void) r;
}

/* What the chart shows, in words, under it. */
static void
caption (FILE *o, const report_t *r, const pt_t *p, size_t np)
{
  size_t zero = 0;
  for (size_t i = 0; i < np; i++)
    zero += !(p[i].x > 0);
  fprintf (o, "<figcaption>Each marker is %s; its bar spans the 95%% interval%s. A thin line "
           "joins a compressor's means from budget to budget. Hover over a marker for its "
           "numbers; click a legend entry to hide or show it; markers of several compressors at "
           "one place are drawn side by side. The black curve is the Fano ceiling: with B bits "
           "kept, no compressor recovers more than a fraction p* of the N hidden bits on average, "
           "whatever it does; the shaded band above it is out of reach. ratedist, a polar lossy "
           "source code, shows what is achievable.%s%s</figcaption>\n</figure>\n",
           r->aggregate ? "the mean of one compressor's rows at one budget"
                        : "a row (a compressor's rows at one place share a marker)",
           r->aggregate ? "s of its rows" : " of its accuracy (their intervals' span when several share it)",
           zero ? " Markers on the left edge were charged 0 bits." : "",
           r->aggregate ? " The page holds too many rows to draw one by one: the full data are "
                          "files beside it (section 5)." : "");
}

/* Every series' markers on axes A (TWIN: the second panel's), and a thin
   line through its per-budget MEAN points in order of x. */
static void
series_draw (FILE *o, const report_t *r, const report_axes_t *a, const pt_t *p, size_t np,
             const size_t *ord, const pt_t *mean, size_t nm, int twin)
{
  double *lx = malloc ((nm + 1) * sizeof *lx), *ly = malloc ((nm + 1) * sizeof *ly);
  for (size_t s = 0; s < r->nseries; s++)
    {
      fprintf (o, "<g class=\"series\" data-s=\"%zu\" fill=\"%s\" stroke=\"%s\">\n", s,
               report_colours[r->series[s].colour], report_colours[r->series[s].colour]);
      size_t k = 0;
      for (size_t i = 0; lx && ly && i < nm; i++)
        if (mean[i].series == s)
          {
            size_t j = k++;
            for (; j > 0 && lx[j - 1] > mean[i].x; j--)
              lx[j] = lx[j - 1], ly[j] = ly[j - 1];
            lx[j] = mean[i].x, ly[j] = mean[i].y;
          }
      if (k > 1)
        report_polyline (o, a, lx, ly, k, "stroke-width=\"1.6\" stroke-opacity=\"0.55\"");
      fputs ("<g stroke-width=\"1.4\">", o);
      for (size_t i = 0; i < np; i++)
        if (p[i].series == s)
          {
            const char *moved;
            double dx = dodge (r, a, p, i, &moved);
            point_draw (o, r, a, &p[i], i, ord, dx, moved, twin);
          }
      fputs ("</g></g>\n", o);
    }
  free (lx), free (ly);
}

/* P's points as their distance below the ceiling, p*(x) - accuracy (a
   copy; the interval turned over with it). */
static pt_t *
as_gaps (const pt_t *p, size_t n)
{
  pt_t *g = malloc ((n + 1) * sizeof *g);
  for (size_t i = 0; g && i < n; i++)
    {
      double c = varlb_fano_ceiling (p[i].x * 1e6, 1e6);
      g[i] = p[i];
      g[i].y = c - p[i].y, g[i].lo = c - p[i].hi, g[i].hi = c - p[i].lo;
    }
  return g;
}

/* The second panel: how far below the ceiling each point is, on a log
   axis, where ratedist's small gap shows instead of hiding under the
   ceiling's line. */
static void
gap_chart (FILE *o, const report_t *r, const report_axes_t *main, const curve_t *cv,
           const pt_t *p, size_t np, const size_t *ord, const pt_t *mean, size_t nm)
{
  report_axes_t g = *main;
  double gr[CURVE_SAMPLES + 1], gt[CURVE_SAMPLES + 1], gc[CURVE_SAMPLES + 1];
  g.y0 = -3, g.y1 = 0, g.logy = 1, g.T = 14, g.B = 300;
  pt_t *pg = as_gaps (p, np), *mg = as_gaps (mean, nm);
  fputs ("<svg class=\"chart\" id=\"chart-gap\" viewBox=\"0 0 960 356\" role=\"img\" "
         "aria-label=\"distance below the Fano ceiling, log scale\">\n", o);
  report_axes_draw (o, &g, 1, "bits judged / N (log scale)", "p* \u2212 accuracy (log)");
  for (size_t i = 0; i < cv->k; i++)
    gr[i] = cv->fano[i] - cv->rd[i], gt[i] = cv->fano[i] - cv->triv[i], gc[i] = cv->fano[i] - 0.5;
  fputs ("<g data-s=\"trivial\">", o);
  report_polyline (o, &g, cv->x, gt, cv->k, "stroke=\"#666\" stroke-width=\"2\" stroke-dasharray=\"3 5\"");
  fputs ("</g>\n<g data-s=\"chance\">", o);
  report_polyline (o, &g, cv->x, gc, cv->k, "stroke=\"#999\" stroke-width=\"2\" stroke-dasharray=\"1 4\"");
  fputs ("</g>\n<g data-s=\"ratedist\">", o);
  report_polyline (o, &g, cv->x, gr, cv->k, "stroke=\"#006d5b\" stroke-width=\"3\" stroke-dasharray=\"9 5\"");
  fputs ("</g>\n", o);
  if (pg && mg)
    series_draw (o, r, &g, pg, np, ord, mg, nm, 1);
  fputs ("</svg>\n", o);
  free (pg), free (mg);
}

void
report_chart_frontier (FILE *o, const report_t *r)
{
  pt_t *p, *mean = NULL;
  size_t *ord, *ord2 = NULL;
  size_t np = points (r, !r->aggregate, &p, &ord);
  size_t nm = r->aggregate ? np : points (r, 0, &mean, &ord2);
  if (r->aggregate)
    mean = p;
  report_axes_t a;
  curve_t *cv = malloc (sizeof *cv);
  if (!p || !ord || !mean || !cv)
    goto out;
  frontier_axes (&a, r, p, np);
  sample_curves (cv, &a, r, mean, nm);
  fputs ("<figure id=\"fig-frontier\">\n<svg class=\"chart\" id=\"chart-frontier\" "
         "viewBox=\"0 0 960 540\" role=\"img\" aria-label=\"accuracy against bits judged over "
         "N, with the Fano ceiling\">\n", o);
  report_axes_draw (o, &a, 0.1, "bits judged / N (log scale), where each row's ceiling lies; "
                           "N is the hidden bits",
                           "accuracy: fraction of the hidden bits Bob decodes");
  curves (o, &a, cv);
  fprintf (o, "<g font-size=\"14\" fill=\"#333\"><line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" "
           "y2=\"%.1f\" stroke=\"#333\" stroke-dasharray=\"2 3\"/><text x=\"%.1f\" y=\"%.1f\">"
           "B = N</text></g>\n", report_px (&a, 1), report_px (&a, 1), a.T, a.B,
           report_px (&a, 1) + 4, a.B - 8);
  series_draw (o, r, &a, p, np, ord, mean, nm, 0);
  fputs ("</svg>\n<p class=\"muted\">The same points as their distance below the ceiling, "
         "p* &minus; accuracy, on a log scale: how much accuracy a compressor leaves on the "
         "table at its budget. Points on the bottom edge are within 0.001 of the ceiling (or "
         "above it).</p>\n", o);
  gap_chart (o, r, &a, cv, p, np, ord, mean, nm);
  legend (o, r, cv->measured);
  caption (o, r, p, np);
out:
  free (cv);
  free (p), free (ord);
  if (!r->aggregate)
    free (mean), free (ord2);
}
