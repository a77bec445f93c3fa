/* report_board.c -- the tables of varlb report's page: the leaderboard
 * (one line per compressor and instance: family, best efficiency, accuracy
 * at each budget, pooled verdict, and why a line stands out), a card per
 * compressor (where it lost bits, a wrong bit's witness and replay, what
 * made its rows) and, on pages small enough, every row. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"

/* The leaderboard shows accuracy at this many budgets at most. */
#define BOARD_BUDGETS 8

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* Budget columns: the distinct budget / N of the judged rows to 3
   significant digits (at most BOARD_BUDGETS, spread over the range); each
   row's column in COL (-1: none).  Their count. */
static size_t
budget_columns (const report_t *r, double *cols, long *col)
{
  double *v = malloc ((r->nrows + 1) * sizeof *v);
  size_t n = 0, k = 0;
  for (size_t i = 0; v && i < r->nrows; i++)
    if (r->row[i].judged && isfinite (r->row[i].budget_ratio))
      {
        char b[32];
        snprintf (b, sizeof b, "%.3g", r->row[i].budget_ratio);
        v[n++] = strtod (b, NULL);
      }
  qsort (v, n, sizeof *v, cmp_double);
  for (size_t i = 0; i < n; i++)
    if (k == 0 || v[i] != v[k - 1])
      v[k++] = v[i];
  size_t m = k > BOARD_BUDGETS ? BOARD_BUDGETS : k;
  for (size_t i = 0; i < m; i++)
    cols[i] = v[m == k ? i : (size_t) lround ((double) i * (double) (k - 1) / (double) (m - 1))];
  free (v);
  for (size_t i = 0; i < r->nrows; i++)
    {
      char b[32];
      snprintf (b, sizeof b, "%.3g", r->row[i].budget_ratio);
      double x = strtod (b, NULL);
      col[i] = -1;
      for (size_t c = 0; r->row[i].judged && c < m; c++)
        if (cols[c] == x)
          col[i] = (long) c;
    }
  return m;
}

/* The instance's cell of a table (none when the page has one instance). */
static void
inst_cell (FILE *o, const report_t *r, size_t inst)
{
  char lab[1024];
  if (r->ninst < 2)
    return;
  report_inst_label (lab, sizeof lab, &r->inst[inst]);
  fputs ("<td>", o);
  report_esc (o, lab);
  fputs ("</td>", o);
}

/* The class of a leaderboard line: red when it must not be believed as
   it stands, amber when it is above the ceiling within chance. */
static const char *
series_class (const report_series_t *s)
{
  return s->holm || s->pool_holm || s->impossible || s->disagree ? " class=\"flag\""
         : s->above ? " class=\"note\"" : "";
}

/* Why series S stands out, in words (nothing when it does not). */
static int
series_reasons (FILE *o, const report_series_t *s)
{
  int any = 0;
  if (s->holm)
    fprintf (o, "<span class=\"reason\">IMPOSSIBLE: %zu row%s beat the Fano ceiling beyond "
             "chance (Holm over the page): a side channel, or bits miscounted</span>", s->holm,
             s->holm == 1 ? "" : "s"), any = 1;
  if (s->pool_holm)
    fprintf (o, "<span class=\"reason\">IMPOSSIBLE: %zu group%s of rows pooled over seeds "
             "beat%s the Fano ceiling beyond chance (p = %.2g; Holm over the page): a side "
             "channel, or bits miscounted</span>", s->pool_holm, s->pool_holm == 1 ? "" : "s",
             s->pool_holm == 1 ? "s" : "", s->pool_p), any = 1;
  if (s->impossible > s->holm)
    fprintf (o, "<span class=\"reason\">%zu row%s impossible alone (p &le; 0.01), not after Holm"
             "</span>", s->impossible - s->holm, s->impossible - s->holm == 1 ? "" : "s"), any = 1;
  if (s->above > s->impossible)
    fprintf (o, "<span class=\"warn\">%zu row%s above the Fano ceiling, within chance</span>",
             s->above - s->impossible, s->above - s->impossible == 1 ? "" : "s"), any = 1;
  if (s->disagree)
    fprintf (o, "<span class=\"reason\">%zu row%s state%s a verdict or accuracy %s counts do not "
             "give</span>", s->disagree, s->disagree == 1 ? "" : "s", s->disagree == 1 ? "s" : "",
             s->disagree == 1 ? "its" : "their"), any = 1;
  if (s->failed)
    fprintf (o, "<span class=\"warn\">%zu trial%s failed</span>", s->failed,
             s->failed == 1 ? "" : "s");
  return any;
}

static void
board_head (FILE *o, const report_t *r, const double *cols, size_t m)
{
  fputs ("<table class=\"sortable wide\" id=\"board\"><thead><tr>"
         "<th class=\"sort\" data-first=\"ascending\">#</th><th class=\"sort\">compressor</th>"
         "<th class=\"sort\">family</th>", o);
  if (r->ninst > 1)
    fputs ("<th class=\"sort\">instance</th>", o);
  fputs ("<th class=\"sort\" data-first=\"descending\" title=\"the bits the Fano frontier needs "
         "for the accuracy reached, over the bits charged: 1 is optimal\">best efficiency</th>", o);
  for (size_t c = 0; c < m; c++)
    fprintf (o, "<th class=\"sort\" data-first=\"descending\" title=\"mean accuracy at a budget of "
             "%g N\">acc. at %g N</th>", cols[c], cols[c]);
  fputs ("<th class=\"sort\">verdict</th><th class=\"sort\">rows</th><th>flags</th></tr>\n", o);
  /* The bound at each budget, for comparison (not sorted with the lines). */
  fprintf (o, "<tr class=\"ceiling\"><td></td><td colspan=\"%d\">the bound: no compressor "
           "beats the Fano ceiling p*</td><td></td>", r->ninst > 1 ? 3 : 2);
  char a[32];
  for (size_t c = 0; c < m; c++)
    fprintf (o, "<td class=\"n\" data-v=\"%.17g\">%s</td>", varlb_fano_ceiling (cols[c] * 1e6, 1e6),
             report_fmt (a, sizeof a, varlb_fano_ceiling (cols[c] * 1e6, 1e6), -4));
  fputs ("<td colspan=\"3\"></td></tr>\n</thead><tbody>\n", o);
}

/* The rank of each series: best efficiency first, series without one last. */
static size_t *
board_order (const report_t *r)
{
  size_t *ord = malloc ((r->nseries + 1) * sizeof *ord);
  for (size_t i = 0; ord && i < r->nseries; i++)
    {
      size_t j = i;
      for (; j > 0; j--)
        {
          double a = r->series[ord[j - 1]].best_eff, b = r->series[i].best_eff;
          if (!(isfinite (b) && (!isfinite (a) || b > a)))
            break;
          ord[j] = ord[j - 1];
        }
      ord[j] = i;
    }
  return ord;
}

void
report_board (FILE *o, const report_t *r)
{
  double cols[BOARD_BUDGETS];
  long *col = malloc ((r->nrows + 1) * sizeof *col);
  size_t m = col ? budget_columns (r, cols, col) : 0, ns = r->nseries;
  double *sum = calloc (ns * BOARD_BUDGETS + 1, sizeof *sum);
  size_t *cnt = calloc (ns * BOARD_BUDGETS + 1, sizeof *cnt), *ord = board_order (r);
  size_t *over = calloc (ns * BOARD_BUDGETS + 1, sizeof *over);
  if (!col || !sum || !cnt || !ord || !over)
    goto out;
  for (size_t i = 0; i < r->nrows; i++)
    if (col[i] >= 0)
      {
        size_t at = r->row[i].series * BOARD_BUDGETS + (size_t) col[i];
        sum[at] += r->row[i].j.accuracy, cnt[at]++;
        over[at] += strcmp (report_cell (r, &r->row[i], "over_budget"), "true") == 0;
      }
  fputs ("<section id=\"leaderboard\"><h2>3. Leaderboard</h2>\n<p>One line per compressor"
         " (and instance). <b>Efficiency</b> is the bits the Fano frontier needs for the accuracy "
         "a row reached over the bits it was charged: 1 would be optimal, 0.01 means a hundred "
         "times the bits the bound asks for. Accuracy is the mean over the rows at a budget "
         "(budget / N to 3 digits); * marks rows charged more than that budget (a compressor "
         "that ignores it, such as the identity). Click a column to sort; type to filter.</p>\n"
         "<input class=\"filter\" type=\"search\" data-table=\"board\" placeholder=\"filter "
         "compressors\" aria-label=\"filter the leaderboard\">\n<div class=\"scroll\">\n", o);
  board_head (o, r, cols, m);
  for (size_t k = 0; k < ns; k++)
    {
      const report_series_t *s = &r->series[ord[k]];
      const char *desc, *fam = report_family (s->compressor, &desc);
      char a[32];
      fprintf (o, "<tr%s data-s=\"%zu\"><td class=\"n\" data-v=\"%zu\">%zu</td><td class=\"spec\">"
               "<a href=\"#card-%zu\">", series_class (s), ord[k], k + 1, k + 1, ord[k]);
      report_esc (o, s->compressor);
      fputs ("</a></td><td title=\"", o);
      report_esc (o, desc);
      fputs ("\">", o);
      report_esc (o, fam);
      fputs ("</td>", o);
      inst_cell (o, r, s->inst);
      fprintf (o, "<td class=\"n\" data-v=\"%.17g\">%s</td>", s->best_eff,
               report_fmt (a, sizeof a, s->best_eff, 3));
      for (size_t c = 0; c < m; c++)
        {
          size_t at = ord[k] * BOARD_BUDGETS + c, n = cnt[at];
          double v = n ? sum[at] / (double) n : NAN;
          fprintf (o, "<td class=\"n\" data-v=\"%.17g\" title=\"%zu row%s%s\">%s%s</td>", v, n,
                   n == 1 ? "" : "s", over[at] ? ", charged more than this budget" : "",
                   report_fmt (a, sizeof a, v, -4), over[at] ? "*" : "");
        }
      fprintf (o, "<td title=\"%s\">%s</td><td class=\"n\" data-v=\"%zu\">%zu</td><td>",
               s->verdict, varlb__verdict_short (s->verdict), s->rows, s->rows);
      series_reasons (o, s);
      fputs ("</td></tr>\n", o);
    }
  fputs ("</tbody></table>\n</div>\n</section>\n", o);
out:
  free (col), free (sum), free (cnt), free (ord), free (over);
}

/* The colour of accuracy A on the heat maps' scale (gnuplot's palette of
   varlb plot: 0.4 red, 0.5 salmon, 0.75 white, 1 blue; grey: no data). */
static void
heat_colour (char out[8], double a)
{
  static const double stop[4] = { 0.4, 0.5, 0.75, 1.0 };
  static const int rgb[4][3] = { { 0xb2, 0x18, 0x2b }, { 0xf4, 0xa5, 0x82 },
                                 { 0xf7, 0xf7, 0xf7 }, { 0x21, 0x66, 0xac } };
  if (!isfinite (a))
    {
      snprintf (out, 8, "#dddddd");
      return;
    }
  a = fmin (1.0, fmax (0.4, a));
  size_t i = a >= 0.75 ? 2 : a >= 0.5 ? 1 : 0;
  double w = (a - stop[i]) / (stop[i + 1] - stop[i]);
  int c[3];
  for (int k = 0; k < 3; k++)
    c[k] = (int) lround (rgb[i][k] + w * (rgb[i + 1][k] - rgb[i][k]));
  snprintf (out, 8, "#%02x%02x%02x", c[0], c[1], c[2]);
}


/* A heat map of NR x NC cells (accuracy OK / BITS), rows labelled by
   ROWNAME (from 1 when FROM1), with each cell's numbers as its tip. */
static void
heat_svg (FILE *o, size_t nr, size_t nc, const double *bits, const double *ok,
          const char *rowname, const char *colname, int from1, const char *caption)
{
  double cw = fmax (4, fmin (22, 620.0 / (double) nc)), ch = fmax (4, fmin (22, 400.0 / (double) nr));
  double W = fmax (420, 60 + cw * (double) nc + 10), H = 16 + ch * (double) nr + 70;
  size_t ystep = nr <= 16 ? 1 : (nr + 7) / 8;
  char col[8], a[32];
  fprintf (o, "<figure><svg width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
           "aria-label=\"%s\">\n", W, H, W, H, caption);
  for (size_t i = 0; i < nr; i++)
    {
      if (i % ystep == 0)
        fprintf (o, "<text x=\"54\" y=\"%.1f\" font-size=\"12\" text-anchor=\"end\">%zu</text>",
                 16 + ch * ((double) (nr - 1 - i) + 0.5) + 4, i + (from1 ? 1 : 0));
      for (size_t j = 0; j < nc; j++)
        {
          double b = bits[i * nc + j], acc = b > 0 ? ok[i * nc + j] / b : NAN;
          heat_colour (col, acc);
          fprintf (o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
                   "data-tip=\"%s %zu, %s %zu: ", 60 + cw * (double) j, 16 + ch * (double) (nr - 1 - i),
                   cw, ch, col, rowname, i + (from1 ? 1 : 0), colname, j);
          if (b > 0)
            fprintf (o, "accuracy %s (%.0f of %.0f bits)\"/>", report_fmt (a, sizeof a, acc, -3),
                     ok[i * nc + j], b);
          else
            fputs ("no data\"/>", o);
        }
      fputc ('\n', o);
    }
  double base = 16 + ch * (double) nr;
  fprintf (o, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"13\" text-anchor=\"middle\">%s</text>\n"
           "<text x=\"12\" y=\"%.1f\" font-size=\"13\" transform=\"rotate(-90 12 %.1f)\" "
           "text-anchor=\"middle\">%s</text>\n", 60 + cw * (double) nc / 2, base + 18, colname,
           16 + ch * (double) nr / 2, 16 + ch * (double) nr / 2, rowname);
  static const double stops[] = { 0.4, 0.5, 0.6, 0.75, 0.9, 1.0 };
  for (size_t k = 0; k < 6; k++)
    {
      heat_colour (col, stops[k]);
      fprintf (o, "<rect x=\"%.0f\" y=\"%.1f\" width=\"34\" height=\"12\" fill=\"%s\" stroke=\"#999\"/>"
               "<text x=\"%.0f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">%g</text>", 60 + 36.0 * k,
               base + 30, col, 77 + 36.0 * k, base + 54, stops[k]);
    }
  fprintf (o, "<text x=\"280\" y=\"%.1f\" font-size=\"12\">accuracy (grey: no data)</text>\n"
           "</svg><figcaption>%s</figcaption></figure>\n", base + 40, caption);
}

/* 1 when file F holds rows of series S on its instance IN: per-token rows
   of a head on IN's schedule and d, per-head rows of a model of IN's
   layers and heads. */
static int
heat_of (const report_file_t *F, const report_series_t *s, const report_inst_t *in)
{
  const varlb__csv_t *t = &F->t;
  long cc = varlb__csv_col (t, "compressor"), c1, c2;
  int tokens = F->kind == REPORT_TOKENS, model = in->layers * in->heads > 1;
  if (tokens == model)
    return 0;
  c1 = varlb__csv_col (t, tokens ? "schedule" : "layers"),
  c2 = varlb__csv_col (t, tokens ? "d" : "heads");
  for (size_t k = 0; k < t->rows; k++)
    if (strcmp (varlb__csv_get (t, k, cc), s->compressor) == 0
        && (c1 < 0 || (tokens ? strcmp (varlb__csv_get (t, k, c1), in->schedule) == 0
                              : varlb__csv_num (t, k, c1) == (double) in->layers))
        && (c2 < 0 || varlb__csv_num (t, k, c2) == (double) (tokens ? in->d : in->heads)))
      return 1;
  return 0;
}

/* Where series S lost its bits: from each per-token or per-head file. */
static void
heat_maps (FILE *o, const report_t *r, const report_series_t *s)
{
  for (size_t f = 0; f < r->nfiles; f++)
    {
      const report_file_t *F = &r->file[f];
      if ((F->kind != REPORT_TOKENS && F->kind != REPORT_HEADS) || !heat_of (F, s, &r->inst[s->inst]))
        continue;
      size_t nr, nc;
      double *bits, *ok;
      char why[256], cap[1024];
      int tokens = F->kind == REPORT_TOKENS;
      int rc = tokens
                   ? varlb__token_heat (&nr, &bits, &ok, &F->t, s->compressor, why, sizeof why)
                   : varlb__head_heat (&nr, &nc, &bits, &ok, &F->t, s->compressor, why, sizeof why);
      if (rc != 0)
        {
          fputs ("<p class=\"warn\">", o);
          report_esc (o, F->name);
          fputs (": ", o);
          report_esc (o, why);
          fputs ("</p>\n", o);
          continue;
        }
      if (tokens)
        snprintf (cap, sizeof cap, "Accuracy by VAR scale (rows) and position within the scale "
                  "(raster order in %d bins), from %s; budgets and seeds pooled.", VARLB__HEAT_BINS,
                  F->name), nc = VARLB__HEAT_BINS;
      else
        snprintf (cap, sizeof cap, "Accuracy by layer (rows) and head, from %s; budgets and "
                  "seeds pooled.", F->name);
      fputs ("<div class=\"heat\">", o);
      heat_svg (o, nr, nc, bits, ok, tokens ? "scale" : "layer",
                tokens ? "position bin" : "head", tokens, cap);
      fputs ("</div>\n", o);
      free (bits), free (ok);
    }
}

/* The first wrong bit of row W and the command that replays its trial. */
static void
witness (FILE *o, const report_t *r, const report_row_t *w)
{
  const char *model = report_cell (r, w, "model");
  char *cmd = NULL;
  size_t len = 0;
  fprintf (o, "<dt>a wrong bit</dt><dd>token %s, coordinate %s", report_cell (r, w, "witness_token"),
           report_cell (r, w, "witness_coord"));
  if (report_cell (r, w, "witness_layer")[0])
    fprintf (o, " of layer %s, head %s", report_cell (r, w, "witness_layer"),
             report_cell (r, w, "witness_head"));
  char a[32], b[32];
  fprintf (o, ": the full cache's attention output is %s, the compressor's Bob answered %s, so "
           "the bit decodes wrong (%s line %zu, budget %s bits).", report_fmt (a, 32,
           report_num (r, w, "witness_true"), 6), report_fmt (b, 32, report_num (r, w, "witness_returned"), 6),
           r->file[w->file].name, varlb__report_line (r, w), report_cell (r, w, "budget_bits"));
  static const struct { const char *opt, *col; } replay[] = {
    { "--compressor", "compressor" }, { "--budget", "budget_bits" }, { "--schedule", "schedule" },
    { "-d", "d" }, { "--jl", "jl" }, { "--keys", "keys" }, { "--values", "values" },
    { "--C", "C" }, { "--eta", "eta" }, { "--seed", "seed" } };
  report_shell_quote (&cmd, &len, "varlb");
  report_shell_quote (&cmd, &len, "attack");
  if (model[0] && strcmp (model, "custom") != 0)
    report_shell_quote (&cmd, &len, "--model"), report_shell_quote (&cmd, &len, model);
  else if (model[0])
    {
      report_shell_quote (&cmd, &len, "--layers");
      report_shell_quote (&cmd, &len, report_cell (r, w, "layers"));
      report_shell_quote (&cmd, &len, "--heads");
      report_shell_quote (&cmd, &len, report_cell (r, w, "heads"));
    }
  for (size_t k = 0; k < sizeof replay / sizeof *replay; k++)
    if (report_cell (r, w, replay[k].col)[0])
      report_shell_quote (&cmd, &len, replay[k].opt),
      report_shell_quote (&cmd, &len, report_cell (r, w, replay[k].col));
  double tested = report_num (r, w, "bits_tested"), N = report_num (r, w, "N"), d = report_num (r, w, "d");
  if (tested < N && !model[0])
    {
      snprintf (a, sizeof a, "%.0f", tested / d);
      report_shell_quote (&cmd, &len, "--sample"), report_shell_quote (&cmd, &len, a);
    }
  if (strcmp (report_cell (r, w, "isolation"), "none") == 0)
    report_shell_quote (&cmd, &len, "--no-sandbox");
  fputs ("<pre>", o);
  report_esc (o, cmd ? cmd : "");
  fputs ("</pre><span class=\"muted\">replays this trial with the judge key of fingerprint ", o);
  report_esc (o, report_cell (r, w, "judge_key"));
  fputs ("</span></dd>\n", o);
  free (cmd);
}

/* The distinct texts of column COL over series S's rows (at most 4). */
static void
series_cells (FILE *o, const report_t *r, size_t s, const char *col)
{
  const char *seen[4];
  size_t n = 0, more = 0;
  for (size_t i = 0; i < r->nrows; i++)
    {
      if (r->row[i].series != s)
        continue;
      const char *v = report_cell (r, &r->row[i], col);
      size_t k = 0;
      while (k < n && strcmp (seen[k], v) != 0)
        k++;
      if (k == n && n < 4)
        seen[n++] = v;
      else if (k == n)
        more++;
    }
  for (size_t k = 0; k < n; k++)
    {
      fputs (k ? "; " : "", o);
      report_esc (o, seen[k][0] ? seen[k] : "(none)");
    }
  if (more)
    fputs ("; ...", o);
}

static void
card (FILE *o, const report_t *r, size_t i)
{
  const report_series_t *s = &r->series[i];
  const char *desc, *fam = report_family (s->compressor, &desc);
  char a[32], lab[1024];
  fprintf (o, "<div class=\"card\" id=\"card-%zu\"><h3><span class=\"spec\">", i);
  report_esc (o, s->compressor);
  fputs ("</span> <span class=\"muted\">&mdash; ", o);
  report_esc (o, fam);
  fputs ("</span></h3>\n", o);
  if (desc[0])
    {
      fputs ("<p>", o);
      report_esc (o, desc);
      fputs ("</p>\n", o);
    }
  report_inst_label (lab, sizeof lab, &r->inst[s->inst]);
  fputs ("<dl class=\"kv\"><dt>instance</dt><dd>", o);
  report_esc (o, lab);
  fprintf (o, "</dd><dt>rows</dt><dd>%zu (%zu judged, %zu failed); verdict: %s</dd>\n", s->rows,
           s->judged, s->failed, s->verdict);
  if (s->best_row != (size_t) -1)
    {
      const report_row_t *w = &r->row[s->best_row];
      fprintf (o, "<dt>best efficiency</dt><dd>%s, at accuracy %s with %s N charged (%s line %zu)"
               "</dd>\n", report_fmt (a, sizeof a, s->best_eff, 3),
               report_fmt (lab, 32, w->j.accuracy, -4), report_fmt (lab + 32, 32, w->x, 4),
               r->file[w->file].name, varlb__report_line (r, w));
    }
  fputs ("<dt>what made the rows</dt><dd>", o);
  series_cells (o, r, i, "provenance");
  fputs ("</dd><dt>calibration</dt><dd>", o);
  series_cells (o, r, i, "calibration");
  fputs ("</dd>\n", o);
  if (s->witness_row != (size_t) -1)
    witness (o, r, &r->row[s->witness_row]);
  if (s->fail_row != (size_t) -1)
    {
      const report_row_t *w = &r->row[s->fail_row];
      fprintf (o, "<dt>a failure</dt><dd>%s line %zu: ", r->file[w->file].name,
               varlb__report_line (r, w));
      report_esc (o, report_cell (r, w, "error"));
      fputs ("<br><span class=\"muted\">compress wrote: ", o);
      report_esc (o, report_cell (r, w, "stderr_compress"));
      fputs ("; answer wrote: ", o);
      report_esc (o, report_cell (r, w, "stderr_answer"));
      fputs ("</span></dd>\n", o);
    }
  fputs ("</dl>\n", o);
  series_reasons (o, s);
  heat_maps (o, r, s);
  fputs ("</div>\n", o);
}

void
report_cards (FILE *o, const report_t *r)
{
  fputs ("<section id=\"compressors\"><h2>4. Per compressor</h2>\n<p>Where each compressor "
         "lost bits (with <code>varlb sweep --tokens</code> or <code>--head-rows</code> files "
         "among the inputs), a wrong bit and the command that replays its trial, and what made "
         "its rows.</p>\n", o);
  for (size_t i = 0; i < r->nseries; i++)
    card (o, r, i);
  fputs ("</section>\n", o);
}

/* One row of the rows table: every number recomputed, with full precision
   in data-v for sorting (and for tests that read the page). */
static void
rows_line (FILE *o, const report_t *r, const report_row_t *w)
{
  char a[32], b[32], c[32], lab[1024];
  int impossible = w->judged && strcmp (w->j.verdict, VARLB_VERDICT_IMPOSSIBLE) == 0;
  const char *cls = !w->status_ok ? " class=\"failed\""
                    : w->disagrees || w->holm || impossible || !w->judged ? " class=\"flag\""
                    : w->j.accuracy > w->j.fano_judged ? " class=\"note\"" : "";
  fprintf (o, "<tr%s data-row=\"%zu:%zu\"><td data-v=\"%zu\">%s:%zu</td><td class=\"spec\">", cls,
           w->file, varlb__report_line (r, w), w->file * 100000000 + w->row, r->file[w->file].name,
           varlb__report_line (r, w));
  report_esc (o, r->series[w->series].compressor);
  fputs ("</td>", o);
  inst_cell (o, r, w->inst);
  fprintf (o, "<td class=\"n\">%s</td><td class=\"n\" data-v=\"%.17g\">%s</td>"
           "<td class=\"n\" data-v=\"%.17g\">%s</td>", report_cell (r, w, "seed"),
           report_num (r, w, "budget_bits"), report_fmt (a, 32, w->budget_ratio, 4), w->x,
           report_fmt (b, 32, w->x, 4));
  if (w->judged)
    fprintf (o, "<td class=\"n\" data-v=\"%.17g\">%s</td><td class=\"n\" data-v=\"%.17g\">"
             "[%s, %s]</td><td class=\"n\" data-v=\"%.17g\">%s</td><td class=\"n\" "
             "data-v=\"%.17g\">%s</td><td>%s", w->j.accuracy, report_fmt (a, 32, w->j.accuracy, -4),
             w->j.ci_low, report_fmt (b, 32, w->j.ci_low, -4), report_fmt (c, 32, w->j.ci_high, -4),
             w->j.fano_judged, report_fmt (lab, 32, w->j.fano_judged, -4), w->efficiency,
             report_fmt (lab + 32, 32, w->efficiency, 3), w->j.verdict);
  else
    fprintf (o, "<td data-v=\"\"></td><td data-v=\"\"></td><td data-v=\"\"></td><td data-v=\"\"></td>"
             "<td>%s", w->status_ok ? "(not judged: its counts do not hold together)"
             : VARLB_VERDICT_ERROR);
  if (w->holm)
    fputs ("<span class=\"reason\">survives Holm over the page</span>", o);
  if (w->sig == REPORT_SIG_UNVERIFIED)
    fputs ("<span class=\"reason sig-bad\">signature failed: edited after it was signed</span>", o);
  if (w->disagrees)
    {
      fputs ("<span class=\"reason\">the row states: ", o);
      report_esc (o, report_cell (r, w, "verdict"));
      fputs (", accuracy ", o);
      report_esc (o, report_cell (r, w, "accuracy"));
      fputs ("</span>", o);
    }
  if (!w->status_ok)
    {
      fputs ("<span class=\"warn\">", o);
      report_esc (o, report_cell (r, w, "error"));
      fputs ("</span>", o);
    }
  fputs ("</td></tr>\n", o);
}

/* 1 when row W stands out: failed, not judged, impossible, above its
   ceiling, or stating what its counts do not give. */
static int
stands_out (const report_row_t *w)
{
  return !w->judged || w->disagrees || w->holm || w->j.accuracy > w->j.fano_judged
         || w->sig == REPORT_SIG_UNVERIFIED || strcmp (w->j.verdict, VARLB_VERDICT_IMPOSSIBLE) == 0;
}

void
report_rows_table (FILE *o, const report_t *r)
{
  /* Every row while they are few; past REPORT_TABLE_ROWS the table would
     cost the page its load time (a DOM of tens of thousands of cells), so
     it lists the rows that stand out, and the data download holds all. */
  int all = r->nrows <= REPORT_TABLE_ROWS;
  size_t out = 0, shown = 0;
  for (size_t i = 0; i < r->nrows; i++)
    out += stands_out (&r->row[i]);
  if (!all && out == 0)
    return;
  fprintf (o, "<section id=\"rows\"><h2>%s</h2>\n<details%s><summary>", all ? "Every row"
           : "The rows that stand out", r->disagree ? " open" : "");
  if (all)
    fprintf (o, "%zu rows, each re-judged from its counts (click to open)", r->nrows);
  else
    fprintf (o, "%zu of the %zu rows stand out (failed, above the ceiling, impossible, or "
             "stating what their counts do not give)%s; every row is in the data download",
             out, r->nrows, out > REPORT_TABLE_ROWS ? ": the first ones" : "");
  fprintf (o, "</summary>\n<input class=\"filter\" type=\"search\" data-table=\"rowtable\" "
           "placeholder=\"filter rows\" aria-label=\"filter the rows\">\n<div class=\"scroll\">"
           "<table class=\"sortable wide\" id=\"rowtable\"><thead><tr><th class=\"sort\">"
           "file:line</th><th class=\"sort\">compressor</th>%s<th class=\"sort\">seed</th>"
           "<th class=\"sort\">budget / N</th><th class=\"sort\">charged / N</th>"
           "<th class=\"sort\" data-first=\"descending\">accuracy</th><th class=\"sort\">"
           "95%% CI</th><th class=\"sort\">Fano ceiling</th><th class=\"sort\" "
           "data-first=\"descending\">efficiency</th><th class=\"sort\">verdict (recomputed)</th>"
           "</tr></thead><tbody>\n", r->ninst > 1 ? "<th class=\"sort\">instance</th>" : "");
  for (size_t i = 0; i < r->nrows && shown < REPORT_TABLE_ROWS; i++)
    if (all || stands_out (&r->row[i]))
      rows_line (o, r, &r->row[i]), shown++;
  fputs ("</tbody></table></div></details>\n</section>\n", o);
}
