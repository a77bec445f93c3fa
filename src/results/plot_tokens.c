/* plot_tokens.c -- chart (c) of `varlb plot`: from a sweep's --tokens rows
 * (scale, row, col, side, bits, correct), where a compressor lost the
 * bits: the accuracy of each VAR scale over 32 bins of its raster order,
 * white at chance. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "plot.h"

/* Per-token rows binned (plot.h): shared by the heat map and varlb report
   (report_board.c). */
int
varlb__token_heat (size_t *K_out, double **bits_out, double **ok_out, const varlb__csv_t *t,
                   const char *only, char *why, size_t wlen)
{
  long cs = varlb__csv_col (t, "scale"), cr = varlb__csv_col (t, "row"),
       cl = varlb__csv_col (t, "col"), cz = varlb__csv_col (t, "side"),
       cb = varlb__csv_col (t, "bits"), ck = varlb__csv_col (t, "correct"),
       cc = varlb__csv_col (t, "compressor");
  if (cs < 0 || cr < 0 || cl < 0 || cz < 0 || cb < 0 || ck < 0)
    {
      snprintf (why, wlen, "needs columns scale, row, col, side, bits, correct");
      return -1;
    }
  /* Scales are 1-based, as in the paper. */
  size_t K = 0;
  for (size_t r = 0; r < t->rows; r++)
    {
      double s = varlb__csv_num (t, r, cs);
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
    matched += varlb__plot_row_of (t, r, cc, only);
  if (matched == 0)
    return varlb__plot_no_selection (t, cc, only, why, wlen);
  double *bits, *ok;
  if (varlb__plot_heat_alloc (&bits, &ok, K * VARLB__HEAT_BINS, why, wlen) != 0)
    return -1;
  for (size_t r = 0; r < t->rows; r++)
    {
      if (!varlb__plot_row_of (t, r, cc, only))
        continue;
      double s = varlb__csv_num (t, r, cs) - 1, row = varlb__csv_num (t, r, cr),
             col = varlb__csv_num (t, r, cl), side = varlb__csv_num (t, r, cz),
             b = varlb__csv_num (t, r, cb), c = varlb__csv_num (t, r, ck);
      if (!(s >= 0 && s < K && side >= 1 && row >= 0 && col >= 0 && b > 0 && c >= 0))
        continue;
      double tokens = side * side, pos = row * side + col;
      /* Every bin whose centre falls in this token's share of the raster. */
      for (int j = 0; j < VARLB__HEAT_BINS; j++)
        {
          double centre = (j + 0.5) / VARLB__HEAT_BINS * tokens;
          if (centre >= pos && centre < pos + 1)
            bits[(size_t) s * VARLB__HEAT_BINS + j] += b,
                ok[(size_t) s * VARLB__HEAT_BINS + j] += c;
        }
    }
  *K_out = K, *bits_out = bits, *ok_out = ok;
  return 0;
}

/* (c) The heat map of varlb__token_heat: the accuracy of each scale (y) over
   its bins (x).  Rows of every compressor and budget in the file are pooled
   unless the file holds one (filter it with --compressor). */
int
varlb__plot_write_tokens (FILE *gp, FILE *dat, const char *datpath, const varlb__csv_t *t,
                          const varlb__plot_sel_t *sel, char *why, size_t wlen)
{
  const char *only = varlb__plot_heat_only (t, sel->only);
  size_t K;
  double *bits, *ok;
  if (varlb__token_heat (&K, &bits, &ok, t, only, why, wlen) != 0)
    return -1;
  varlb__plot_heat_cells (dat, "scale bin", bits, ok, K, VARLB__HEAT_BINS, 1);
  char title[600];
  snprintf (title, sizeof title, "varlb: where %s lost the bits (accuracy by scale and position; "
            "budgets and seeds pooled)", only ? only : "the compressors");
  fprintf (gp, "set xlabel 'position within the scale (raster order, %d bins)'\n"
           "set ylabel 'VAR scale k'\nset xrange [-0.5:%g]\nset yrange [0.5:%g]\nset ytics 1\n",
           VARLB__HEAT_BINS, VARLB__HEAT_BINS - 0.5, K + 0.5);
  varlb__plot_heat_map (gp, datpath, sel->title ? sel->title : title, t, only);
  return 0;
}
