/* plot.c -- what the gnuplot chart writers share: colours, markers,
 * titles naming the instance, the rows a chart draws, the heat maps'
 * cells and palette.  The charts themselves: plot_accuracy.c,
 * plot_scaling.c, plot_tokens.c, plot_heads.c.  Writes scripts and data
 * to streams it is given; never runs gnuplot (the CLI's src/cli/plot.c). */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "plot.h"

/* ------------------------------------------------------------- shared */

/* Distinct, readable series colours (gnuplot's default cycle has a pale
   yellow; orange is kept for ratedist's achieved frontier, plot_accuracy.c),
   and markers that differ in shape and fill: filled ones first. */
static const char *const colours[] = { "#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                       "#00695c", "#8c564b", "#e377c2", "#17becf",
                                       "#7f7f7f", "#bcbd22" };
static const int markers[] = { 7, 5, 9, 11, 13, 15, 6, 4, 8, 10, 12, 14, 1, 2, 3 };

const char *
varlb__plot_colour (size_t i)
{
  return colours[i % (sizeof colours / sizeof *colours)];
}

int
varlb__plot_marker (size_t i)
{
  return markers[i % (sizeof markers / sizeof *markers)];
}

size_t
varlb__plot_distinct (const varlb__csv_t *t, long col, const char **out)
{
  size_t n = 0;
  for (size_t r = 0; col >= 0 && r < t->rows; r++)
    {
      const char *s = varlb__csv_get (t, r, col);
      size_t i;
      for (i = 0; i < n && strcmp (out[i], s) != 0; i++)
        ;
      if (i == n)
        out[n++] = s;
    }
  return n;
}

void
varlb__gp_quote (FILE *f, const char *s)
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
varlb__gp_text (FILE *f, const char *s, int shorten)
{
  size_t n = strlen (s);
  char buf[64];
  if (shorten && n > 40)
    {
      snprintf (buf, sizeof buf, "%.18s...%s", s, s + n - 19);
      s = buf;
    }
  varlb__gp_quote (f, s);
  fputs (" noenhanced", f);
}

void
varlb__gp_title (FILE *f, const char *title, const char *subtitle)
{
  /* Double quotes, so "\n" breaks the line; the texts are escaped. */
  fputs ("set title \"", f);
  for (const char *p = title; *p; p++)
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
varlb__plot_no_selection (const varlb__csv_t *t, long cc, const char *only, char *why,
                          size_t wlen)
{
  const char **names = malloc ((t->rows + 1) * sizeof *names);
  size_t n = names && cc >= 0 ? varlb__plot_distinct (t, cc, names) : 0, used;
  used = (size_t) snprintf (why, wlen, "--compressor %s: no row of this compressor (the file has: ",
                            only);
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
values_of (char *buf, size_t len, const varlb__csv_t *t, const char *name, const char *only)
{
  long col = varlb__csv_col (t, name), cc = varlb__csv_col (t, "compressor");
  buf[0] = '\0';
  if (col < 0 || t->rows == 0)
    return 0;
  const char **v = malloc (t->rows * sizeof *v);
  size_t n = 0, used = 0;
  for (size_t r = 0; v && r < t->rows; r++)
    {
      const char *s = varlb__csv_get (t, r, col);
      if (!*s || !varlb__plot_row_of (t, r, cc, only))
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
varlb__plot_instance (char *buf, size_t len, const varlb__csv_t *t, const char *only)
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
varlb__plot_row_x (const varlb__csv_t *t, size_t r)
{
  long cj = varlb__csv_col (t, "bits_judged"), cb = varlb__csv_col (t, "bits_charged");
  long c = cj >= 0 && varlb__csv_get (t, r, cj)[0] ? cj : cb;
  return varlb__csv_num (t, r, c) / varlb__csv_num (t, r, varlb__csv_col (t, "N"));
}

int
varlb__plot_row_of (const varlb__csv_t *t, size_t r, long cc, const char *only)
{
  return !only || cc < 0 || strcmp (varlb__csv_get (t, r, cc), only) == 0;
}

const char *
varlb__plot_heat_only (const varlb__csv_t *t, const char *only)
{
  long cc = varlb__csv_col (t, "compressor");
  return only ? only : cc >= 0 && t->rows > 0 ? varlb__csv_get (t, 0, cc) : NULL;
}

int
varlb__plot_heat_alloc (double **bits, double **ok, size_t cells, char *why, size_t wlen)
{
  *bits = calloc (cells, sizeof **bits), *ok = calloc (cells, sizeof **ok);
  if (*bits && *ok)
    return 0;
  free (*bits), free (*ok);
  snprintf (why, wlen, "out of memory");
  return -1;
}

void
varlb__plot_heat_cells (FILE *dat, const char *what, double *bits, double *ok, size_t rows,
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
varlb__plot_heat_map (FILE *gp, const char *datpath, const char *title, const varlb__csv_t *t,
                      const char *only)
{
  char inst[1024];
  varlb__gp_title (gp, title, varlb__plot_instance (inst, sizeof inst, t, only));
  /* Chance is the neutral colour: red below it (worse than guessing),
     blue towards every bit. */
  fputs ("set cblabel 'accuracy (white: chance, 1/2)'\nset cbrange [0.4:1]\n"
         "set palette defined (0.4 '#b2182b', 0.5 '#f7f7f7', 0.75 '#92c5de', 1 '#2166ac')\n"
         "unset key\nset datafile missing 'nan'\nplot ", gp);
  varlb__gp_quote (gp, datpath);
  fputs (" using 2:1:3 with image\n", gp);
}

