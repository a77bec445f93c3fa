/* report_svg.c -- the SVG kit varlb report's charts share (report_chart.c,
 * report_scaling.c): the series' colours, marker shapes, axes with their
 * ticks and labels, polylines and legend buttons.  It draws what it is
 * given and knows nothing of rows or verdicts. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"

/* Okabe-Ito's colour-blind-safe colours, then four more dark enough to
   read on white; shapes change with colours (report_judge.c), so no two
   of the first 60 series look alike. */
const char *const report_colours[REPORT_NCOLOURS] = {
  "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#6a3d9a", "#8c564b",
  "#4d4d4d", "#999933"
};

void
report_marker_path (FILE *o, size_t shape, double x, double y, double s)
{
  switch (shape % REPORT_NSHAPES)
    {
    case 0:
      fprintf (o, "M%.1f %.1fa%.1f %.1f 0 1 0 %.1f 0a%.1f %.1f 0 1 0 %.1f 0Z", x - s, y, s, s,
               2 * s, s, s, -2 * s);
      break;
    case 1:
      fprintf (o, "M%.1f %.1fh%.1fv%.1fh%.1fZ", x - 0.9 * s, y - 0.9 * s, 1.8 * s, 1.8 * s, -1.8 * s);
      break;
    case 2:
      fprintf (o, "M%.1f %.1fL%.1f %.1fL%.1f %.1fZ", x, y - 1.25 * s, x + 1.15 * s, y + 0.8 * s,
               x - 1.15 * s, y + 0.8 * s);
      break;
    case 3:
      fprintf (o, "M%.1f %.1fL%.1f %.1fL%.1f %.1fL%.1f %.1fZ", x, y - 1.3 * s, x + 1.1 * s, y, x,
               y + 1.3 * s, x - 1.1 * s, y);
      break;
    case 4:
      fprintf (o, "M%.1f %.1fL%.1f %.1fL%.1f %.1fZ", x, y + 1.25 * s, x + 1.15 * s, y - 0.8 * s,
               x - 1.15 * s, y - 0.8 * s);
      break;
    default: /* a plus */
      {
        double a = 0.38 * s, b = 1.2 * s;
        fprintf (o, "M%.1f %.1fh%.1fv%.1fh%.1fv%.1fh%.1fv%.1fh%.1fv%.1fh%.1fv%.1fh%.1fZ",
                 x - a, y - b, 2 * a, b - a, b - a, 2 * a, a - b, b - a, -2 * a, a - b, a - b,
                 -2 * a, b - a);
      }
    }
}

double
report_px (const report_axes_t *a, double x)
{
  double l = x > 0 ? log10 (x) : a->x0;
  l = fmin (a->x1, fmax (a->x0, l));
  return a->L + (l - a->x0) / (a->x1 - a->x0) * (a->R - a->L);
}

double
report_py (const report_axes_t *a, double y)
{
  double v = a->logy ? (y > 0 ? log10 (y) : a->y0) : y;
  v = fmin (a->y1, fmax (a->y0, v));
  return a->B - (v - a->y0) / (a->y1 - a->y0) * (a->B - a->T);
}

/* Gridlines, ticks and labels: x decades (minor lines at 2..9), y every
   STEP (or decades when logy). */
void
report_axes_draw (FILE *o, const report_axes_t *a, double step, const char *xlabel, const char *ylabel)
{
  fprintf (o, "<g class=\"grid\" stroke=\"#e4e4e4\" stroke-width=\"1\">\n");
  for (int k = (int) floor (a->x0); k < (int) ceil (a->x1); k++)
    for (int m = 2; m <= 9; m++)
      if (k + log10 (m) < a->x1)
        fprintf (o, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>", report_px (a, m * pow (10, k)),
                 report_px (a, m * pow (10, k)), a->T, a->B);
  fprintf (o, "\n</g>\n<g class=\"grid\" stroke=\"#c4c4c4\" stroke-width=\"1\" "
           "font-size=\"15\" fill=\"#333\">\n");
  for (int k = (int) ceil (a->x0 - 1e-9); k <= (int) floor (a->x1 + 1e-9); k++)
    fprintf (o, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/><text x=\"%.1f\" "
             "y=\"%.1f\" text-anchor=\"middle\" stroke=\"none\">%g</text>\n", report_px (a, pow (10, k)),
             report_px (a, pow (10, k)), a->T, a->B, report_px (a, pow (10, k)), a->B + 20, pow (10, k));
  for (double v = ceil (a->y0 / step - 1e-9) * step; v <= a->y1 + 1e-9; v += step)
    {
      double y = a->B - (v - a->y0) / (a->y1 - a->y0) * (a->B - a->T);
      fprintf (o, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/><text x=\"%.1f\" "
               "y=\"%.1f\" text-anchor=\"end\" stroke=\"none\">%g</text>\n", a->L, a->R, y, y,
               a->L - 6, y + 5, a->logy ? pow (10, v) : v);
    }
  fprintf (o, "</g>\n<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
           "stroke=\"#333\"/>\n", a->L, a->T, a->R - a->L, a->B - a->T);
  fprintf (o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"16\">%s</text>\n",
           (a->L + a->R) / 2, a->B + 44, xlabel);
  fprintf (o, "<text transform=\"translate(18 %.1f) rotate(-90)\" text-anchor=\"middle\" "
           "font-size=\"16\">%s</text>\n", (a->T + a->B) / 2, ylabel);
}

/* A polyline through N (x, y) points. */
void
report_polyline (FILE *o, const report_axes_t *a, const double *x, const double *y, size_t n, const char *style)
{
  fprintf (o, "<polyline fill=\"none\" %s points=\"", style);
  for (size_t i = 0; i < n; i++)
    fprintf (o, "%s%.1f,%.1f", i ? " " : "", report_px (a, x[i]), report_py (a, y[i]));
  fputs ("\"/>\n", o);
}

/* A legend button: data-s names what it hides; SWATCH draws its key. */
void
report_legend_button (FILE *o, const char *key, const char *label, const char *swatch)
{
  fprintf (o, "<button type=\"button\" aria-pressed=\"true\" data-s=\"%s\">"
           "<svg viewBox=\"0 0 20 20\" aria-hidden=\"true\">%s</svg>", key, swatch);
  report_esc (o, label);
  fputs ("</button>\n", o);
}
