/* plot_heads.c -- `varlb plot` of the per-head rows of a whole-model attack
 * or sweep (--head-rows): a layer x head heat map of accuracy, budgets and
 * seeds pooled, for one compressor. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "plot.h"

int
varlb__head_heat (size_t *L_out, size_t *H_out, double **bits_out, double **ok_out,
                  const varlb__csv_t *t, const char *only, char *why, size_t wlen)
{
  long cl = varlb__csv_col (t, "layer"), ch = varlb__csv_col (t, "head"),
       cb = varlb__csv_col (t, "bits"), ck = varlb__csv_col (t, "correct"),
       cc = varlb__csv_col (t, "compressor");
  if (cl < 0 || ch < 0 || cb < 0 || ck < 0)
    {
      snprintf (why, wlen, "needs columns layer, head, bits, correct");
      return -1;
    }
  size_t L = 0, H = 0;
  for (size_t r = 0; r < t->rows; r++)
    {
      double l = varlb__csv_num (t, r, cl), h = varlb__csv_num (t, r, ch);
      if (l >= 0 && l < VARLB_MODEL_MAX_LAYERS && h >= 0 && h < VARLB_MODEL_MAX_HEADS)
        {
          L = (size_t) l + 1 > L ? (size_t) l + 1 : L;
          H = (size_t) h + 1 > H ? (size_t) h + 1 : H;
        }
    }
  if (L == 0 || H == 0)
    {
      snprintf (why, wlen, "no per-head rows to plot");
      return -1;
    }
  double *bits, *ok;
  if (varlb__plot_heat_alloc (&bits, &ok, L * H, why, wlen) != 0)
    return -1;
  for (size_t r = 0; r < t->rows; r++)
    {
      if (!varlb__plot_row_of (t, r, cc, only))
        continue;
      double l = varlb__csv_num (t, r, cl), h = varlb__csv_num (t, r, ch),
             b = varlb__csv_num (t, r, cb), c = varlb__csv_num (t, r, ck);
      if (!(l >= 0 && l < L && h >= 0 && h < H && b > 0 && c >= 0 && c <= b))
        continue;
      bits[(size_t) l * H + (size_t) h] += b;
      ok[(size_t) l * H + (size_t) h] += c;
    }
  *L_out = L, *H_out = H, *bits_out = bits, *ok_out = ok;
  return 0;
}

/* (d) The heat map of varlb__head_heat for --compressor, else the file's
   first compressor. */
int
varlb__plot_write_heads (FILE *gp, FILE *dat, const char *datpath, const varlb__csv_t *t,
                         const varlb__plot_sel_t *sel, char *why, size_t wlen)
{
  const char *only = varlb__plot_heat_only (t, sel->only);
  size_t L, H;
  double *bits, *ok;
  if (varlb__head_heat (&L, &H, &bits, &ok, t, only, why, wlen) != 0)
    return -1;
  varlb__plot_heat_cells (dat, "layer head", bits, ok, L, H, 0);
  char title[600];
  snprintf (title, sizeof title, "varlb: %s on a whole model: accuracy by layer and head "
            "(budgets and seeds pooled)", only ? only : "the compressors");
  fprintf (gp, "set xlabel 'head'\nset ylabel 'layer'\nset xrange [-0.5:%g]\n"
           "set yrange [-0.5:%g]\nset xtics %zu\nset ytics %zu\n", H - 0.5, L - 0.5,
           H > 32 ? H / 16 : 1, L > 32 ? L / 16 : 1);
  varlb__plot_heat_map (gp, datpath, sel->title ? sel->title : title, t, only);
  return 0;
}
