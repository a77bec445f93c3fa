/* report_judge.c -- what varlb report says of the trial rows: each row
 * re-judged from its own counts (varlb__row_judge, as varlb summary; a stored
 * verdict or accuracy its counts do not give is flagged, never shown as a
 * result), Holm's correction over every row of the page, and the rows
 * grouped into instances and series (a compressor on an instance). */
#define _GNU_SOURCE 1 /* qsort_r */
#include <config.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"

/* The column NAME of F, remembered by the name's address: the page asks
   for the same few columns of every row, 100,000 rows over.  Not for
   threads (the cache is written). */
static long
col_of (const report_file_t *f, const char *name)
{
  report_file_t *m = (report_file_t *) f; /* only the cache changes */
  size_t h = ((uintptr_t) name >> 3) % (sizeof m->cols / sizeof *m->cols);
  if (m->cols[h].name != name)
    m->cols[h].name = name, m->cols[h].col = varlb__csv_col (&f->t, name);
  return m->cols[h].col;
}

const char *
report_cell (const report_t *r, const report_row_t *w, const char *col)
{
  long c = col_of (&r->file[w->file], col);
  return c < 0 ? "" : varlb__csv_get (&r->file[w->file].t, w->row, c);
}

double
report_num (const report_t *r, const report_row_t *w, const char *col)
{
  return varlb__csv_num (&r->file[w->file].t, w->row, col_of (&r->file[w->file], col));
}

size_t
varlb__report_line (const report_t *r, const report_row_t *w)
{
  return w->row + (r->file[w->file].jsonl ? 1 : 2);
}

/* The cells that name an instance. */
static const char *const inst_cols[] = { "schedule", "d", "jl", "keys", "values", "C",
                                         "model", "layers", "heads" };
#define N_INST_COLS (sizeof inst_cols / sizeof *inst_cols)

static int
same_inst (const report_t *r, const report_row_t *a, const report_row_t *b)
{
  for (size_t i = 0; i < N_INST_COLS; i++)
    if (strcmp (report_cell (r, a, inst_cols[i]), report_cell (r, b, inst_cols[i])) != 0)
      return 0;
  return 1;
}

/* Instance W's numbers, and those its schedule gives. */
static void
inst_fill (report_inst_t *in, const report_t *r, const report_row_t *w)
{
  memset (in, 0, sizeof *in);
  in->schedule = report_cell (r, w, "schedule");
  in->jl = report_cell (r, w, "jl");
  in->keys = report_cell (r, w, "keys");
  in->values = report_cell (r, w, "values");
  in->model = report_cell (r, w, "model");
  double d = report_num (r, w, "d"), L = report_num (r, w, "layers"),
         H = report_num (r, w, "heads"), N = report_num (r, w, "N");
  in->d = d >= 1 && d <= VARLB_D_MAX ? (size_t) d : 0;
  in->layers = L >= 1 && L <= VARLB_MODEL_MAX_LAYERS ? (size_t) L : 1;
  in->heads = H >= 1 && H <= VARLB_MODEL_MAX_HEADS ? (size_t) H : 1;
  in->N = N >= 1 && N < 0x1p53 ? (size_t) N : 0;
  in->C = report_num (r, w, "C");
  varlb_pyramid_t p;
  if (varlb_pyramid_init_parse (&p, in->schedule) == VARLB_OK)
    {
      in->K = p.scales;
      in->n = p.pn[p.scales - 1];
      in->NA = p.offset[p.scales - 1];
      in->T = p.offset[p.scales];
      varlb_pyramid_clear (&p);
    }
  in->consistent = in->K >= 2 && in->d
                   && in->N == in->layers * in->heads * in->NA * in->d;
}

void
report_inst_label (char *buf, size_t len, const report_inst_t *in)
{
  char who[160] = "";
  if (in->model[0] && strcmp (in->model, "custom") != 0)
    snprintf (who, sizeof who, "%s \u00b7 ", in->model);
  else if (in->layers * in->heads > 1)
    snprintf (who, sizeof who, "%zu\u00d7%zu heads \u00b7 ", in->layers, in->heads);
  snprintf (buf, len, "%s%s \u00b7 d=%zu \u00b7 %s%s%s%s%s", who, in->schedule, in->d, in->jl,
            strcmp (in->keys, "unit") != 0 && in->keys[0] ? " \u00b7 keys " : "",
            strcmp (in->keys, "unit") != 0 ? in->keys : "",
            strcmp (in->values, "01") != 0 && in->values[0] ? " \u00b7 values " : "",
            strcmp (in->values, "01") != 0 ? in->values : "");
}

/* The counts a judgement is taken from (varlb__row_judge): rows equal in
   all of them are judged once. */
static const char *const key_cols[] = { "status", "correct", "bits_tested", "d", "N",
                                        "bits_charged", "side_channel_bits", "layers", "heads",
                                        "budget_bits", "length_bits" };
#define N_KEY_COLS (sizeof key_cols / sizeof *key_cols)

typedef struct kctx {
  const report_t *r;
  const long (*col)[N_KEY_COLS]; /* per file */
} kctx_t;

static int
cmp_counts (const void *a, const void *b, void *arg)
{
  const kctx_t *c = arg;
  const report_row_t *u = &c->r->row[*(const size_t *) a], *v = &c->r->row[*(const size_t *) b];
  for (size_t k = 0; k < N_KEY_COLS; k++)
    {
      long cu = c->col[u->file][k], cv = c->col[v->file][k];
      int d = strcmp (cu < 0 ? "" : varlb__csv_get (&c->r->file[u->file].t, u->row, cu),
                      cv < 0 ? "" : varlb__csv_get (&c->r->file[v->file].t, v->row, cv));
      if (d)
        return d;
    }
  return 0;
}

/* Every row's judgement and efficiency: rows of equal counts share one (a
   grid repeats them: the identity decodes every bit at every seed), the
   others are judged in parallel (each costs MPFR a fraction of a
   millisecond).  -1 when out of memory. */
static int
judge_all (report_t *r)
{
  size_t *ord = malloc ((r->nrows + 1) * sizeof *ord), *rep = malloc ((r->nrows + 1) * sizeof *rep);
  long (*col)[N_KEY_COLS] = malloc ((r->nfiles + 1) * sizeof *col);
  size_t nrep = 0;
  if (!ord || !rep || !col)
    {
      free (ord), free (rep), free (col);
      return -1;
    }
  for (size_t f = 0; f < r->nfiles; f++)
    for (size_t k = 0; k < N_KEY_COLS; k++)
      col[f][k] = col_of (&r->file[f], key_cols[k]);
  for (size_t i = 0; i < r->nrows; i++)
    {
      report_row_t *w = &r->row[i];
      w->status_ok = strcmp (report_cell (r, w, "status"), "ok") == 0;
      w->x = report_num (r, w, "bits_charged") / report_num (r, w, "N");
      ord[i] = i;
    }
  kctx_t c = { r, (const long (*)[N_KEY_COLS]) col };
  qsort_r (ord, r->nrows, sizeof *ord, cmp_counts, &c);
  for (size_t i = 0; i < r->nrows; i++)
    if (i == 0 || cmp_counts (&ord[i - 1], &ord[i], &c) != 0)
      rep[nrep++] = i;
#pragma omp parallel for schedule(dynamic, 8)
  for (size_t u = 0; u < nrep; u++)
    {
      report_row_t *w = &r->row[ord[rep[u]]];
      const report_file_t *f = &r->file[w->file];
      double N = varlb__csv_num (&f->t, w->row, col[w->file][4]),
             charged = varlb__csv_num (&f->t, w->row, col[w->file][5]);
      varlb_counts_t c;
      w->judged = w->status_ok && varlb__row_judge (&w->j, &f->t, w->row) == 0;
      w->efficiency = w->judged ? varlb_efficiency (w->j.accuracy, charged, N) : NAN;
      w->xj = w->judged && varlb__row_counts (&c, &f->t, w->row) == 0 ? c.bits_judged / N : w->x;
    }
  for (size_t u = 0; u < nrep; u++)
    for (size_t i = rep[u] + 1; i < (u + 1 < nrep ? rep[u + 1] : r->nrows); i++)
      {
        const report_row_t *from = &r->row[ord[rep[u]]];
        report_row_t *w = &r->row[ord[i]];
        w->judged = from->judged, w->j = from->j, w->efficiency = from->efficiency;
        w->xj = from->xj;
      }
  free (ord), free (rep), free (col);
  return 0;
}

/* Row W's flags and place, once judged. */
static void
judge_row (report_t *r, report_row_t *w)
{
  w->budget_ratio = report_num (r, w, "budget_bits") / report_num (r, w, "N");
  w->sig = report_row_signature (&r->file[w->file], w->row);
  /* What the counts give, against what the row states. */
  const char *want = !w->status_ok ? VARLB_VERDICT_ERROR : w->judged ? w->j.verdict : NULL;
  double stored = report_num (r, w, "accuracy");
  w->disagrees = !want || strcmp (report_cell (r, w, "verdict"), want) != 0
                 || (w->judged && !(fabs (stored - w->j.accuracy) <= 1e-12));
  r->rejected += w->status_ok && !w->judged;
  r->disagree += w->disagrees;
  r->failed += !w->status_ok;
  r->judged += w->judged;
}

/* Index of the instance of W, added when new. */
static size_t
inst_of (report_t *r, size_t *first, const report_row_t *w)
{
  for (size_t i = 0; i < r->ninst; i++)
    if (same_inst (r, &r->row[first[i]], w))
      return i;
  inst_fill (&r->inst[r->ninst], r, w);
  first[r->ninst] = (size_t) (w - r->row);
  return r->ninst++;
}

static size_t
series_of (report_t *r, const report_row_t *w)
{
  const char *c = report_cell (r, w, "compressor");
  for (size_t i = 0; i < r->nseries; i++)
    if (r->series[i].inst == w->inst && strcmp (r->series[i].compressor, c) == 0)
      return i;
  report_series_t *s = &r->series[r->nseries];
  memset (s, 0, sizeof *s);
  s->compressor = c;
  s->inst = w->inst;
  s->best_eff = NAN;
  s->best_row = s->witness_row = s->fail_row = (size_t) -1;
  s->colour = r->nseries % REPORT_NCOLOURS;
  s->shape = (r->nseries / REPORT_NCOLOURS + r->nseries) % REPORT_NSHAPES;
  return r->nseries++;
}

/* The series' pooled verdict: impossible when a row or a group of its rows
   pooled over seeds survives Holm, else the most common verdict of its rows
   (a row flagged alone counting as what its budget makes it, as varlb
   summary does). */
static const char *
pooled_verdict (const report_t *r, size_t s)
{
  static const char *const order[] = { VARLB_VERDICT_FAILS, VARLB_VERDICT_SUCCEEDS,
                                       VARLB_VERDICT_LOSSY, VARLB_VERDICT_ABOVE,
                                       VARLB_VERDICT_ERROR };
  size_t count[5] = { 0 }, best = 0;
  if (r->series[s].holm || r->series[s].pool_holm)
    return VARLB_VERDICT_IMPOSSIBLE;
  for (size_t i = 0; i < r->nrows; i++)
    {
      const report_row_t *w = &r->row[i];
      if (w->series != s || (w->status_ok && !w->judged))
        continue;
      const char *v = !w->status_ok ? VARLB_VERDICT_ERROR
                      : strcmp (w->j.verdict, VARLB_VERDICT_IMPOSSIBLE) == 0
                      ? w->j.verdict_by_budget : w->j.verdict;
      for (size_t k = 0; k < 5; k++)
        count[k] += strcmp (v, order[k]) == 0;
    }
  for (size_t k = 1; k < 5; k++)
    best = count[k] > count[best] ? k : best;
  return count[best] ? order[best] : "no row judged";
}

/* Each trials file's groups pooled over seeds (varlb__verdicts_groups: the
   rows that share every setting but the seed, one row per judge key and
   seed), as varlb summary pools them; FIRST[f] is file f's first row. */
static int
pool_groups (report_t *r, const size_t *first)
{
  char why[256];
  for (size_t f = 0; f < r->nfiles; f++)
    {
      report_file_t *F = &r->file[f];
      if (F->kind != REPORT_TRIALS)
        continue;
      if (varlb__verdicts_groups (&F->groups, &F->t, why, sizeof why) != 0)
        return -1;
      for (size_t g = 0; g < F->groups.groups; g++)
        if (F->groups.instances[g] >= 2
            && strcmp (F->groups.pool[g].verdict, VARLB_VERDICT_ERROR) != 0)
          {
            report_series_t *s = &r->series[r->row[first[f] + F->groups.first[g]].series];
            double pv = F->groups.pool[g].p_value;
            s->pooled++, r->pooled++;
            s->pool_p = s->pooled == 1 || pv < s->pool_p ? pv : s->pool_p;
          }
    }
  return 0;
}

/* Holm over every judged row and every group pooled over 2+ seeds: a page
   is many tests at once. */
static int
apply_holm (report_t *r, const size_t *first)
{
  size_t cap = r->nrows + r->pooled + 1, n = 0;
  double *p = malloc (cap * sizeof *p);
  unsigned char *rej = malloc (cap);
  size_t *at = malloc (cap * sizeof *at);
  int rc = -1;
  if (p && rej && at)
    {
      for (size_t i = 0; i < r->nrows; i++)
        if (r->row[i].judged)
          {
            int flag = strcmp (r->row[i].j.verdict, VARLB_VERDICT_IMPOSSIBLE) == 0;
            p[n] = flag ? r->row[i].j.p_value : 1.0;
            at[n++] = i;
          }
      size_t nrow = n;
      for (size_t f = 0; f < r->nfiles; f++)
        for (size_t g = 0; g < r->file[f].groups.groups; g++)
          if (r->file[f].groups.instances[g] >= 2
              && strcmp (r->file[f].groups.pool[g].verdict, VARLB_VERDICT_ERROR) != 0)
            p[n] = r->file[f].groups.pool[g].p_value,
              at[n++] = r->row[first[f] + r->file[f].groups.first[g]].series;
      if (varlb_holm (rej, p, n, VARLB_VERDICT_ALPHA) == VARLB_OK)
        {
          for (size_t k = 0; k < nrow; k++)
            r->holm += r->row[at[k]].holm = rej[k];
          for (size_t k = nrow; k < n; k++)
            r->pool_holm += rej[k], r->series[at[k]].pool_holm += rej[k];
          rc = 0;
        }
    }
  free (p), free (rej), free (at);
  return rc;
}

/* A series' counts, best efficiency, witness and failure. */
static void
series_tally (report_t *r, size_t i)
{
  const report_row_t *w = &r->row[i];
  report_series_t *s = &r->series[w->series];
  s->rows++;
  s->disagree += w->disagrees;
  if (!w->status_ok)
    {
      s->failed++;
      if (s->fail_row == (size_t) -1)
        s->fail_row = i;
      return;
    }
  if (!w->judged)
    return;
  s->judged++;
  s->impossible += strcmp (w->j.verdict, VARLB_VERDICT_IMPOSSIBLE) == 0;
  s->holm += w->holm;
  s->above += w->j.accuracy > w->j.fano_judged;
  s->full += w->j.accuracy == 1.0;
  if (isfinite (w->efficiency) && !(w->efficiency <= s->best_eff))
    s->best_eff = w->efficiency, s->best_row = i;
  if (s->witness_row == (size_t) -1 && report_cell (r, w, "witness_token")[0])
    s->witness_row = i;
}

int
varlb__report_judge (report_t *r, char *why, size_t wlen)
{
  size_t n = 0;
  for (size_t f = 0; f < r->nfiles; f++)
    n += r->file[f].kind == REPORT_TRIALS ? r->file[f].t.rows : 0;
  r->row = calloc (n + 1, sizeof *r->row);
  r->inst = calloc (n + 1, sizeof *r->inst);
  r->series = calloc (n + 1, sizeof *r->series);
  size_t *first = calloc (n + 1, sizeof *first), *file_first = calloc (r->nfiles + 1, sizeof *file_first);
  if (!r->row || !r->inst || !r->series || !first || !file_first)
    {
      free (first), free (file_first);
      snprintf (why, wlen, "out of memory");
      return -1;
    }
  for (size_t f = 0; f < r->nfiles; f++)
    {
      file_first[f] = r->nrows;
      for (size_t k = 0; r->file[f].kind == REPORT_TRIALS && k < r->file[f].t.rows; k++)
        r->row[r->nrows].file = f, r->row[r->nrows++].row = k;
    }
  if (judge_all (r) != 0)
    {
      free (first), free (file_first);
      snprintf (why, wlen, "out of memory");
      return -1;
    }
  for (size_t i = 0; i < r->nrows; i++)
    {
      report_row_t *w = &r->row[i];
      judge_row (r, w);
      w->inst = inst_of (r, first, w);
      w->series = series_of (r, w);
    }
  free (first);
  r->aggregate = r->nrows > REPORT_ROW_LIMIT;
  int bad = pool_groups (r, file_first) != 0 || apply_holm (r, file_first) != 0;
  free (file_first);
  if (bad)
    {
      snprintf (why, wlen, "out of memory");
      return -1;
    }
  for (size_t i = 0; i < r->nrows; i++)
    series_tally (r, i);
  for (size_t s = 0; s < r->nseries; s++)
    r->series[s].verdict = pooled_verdict (r, s);
  return 0;
}

/* Families by what the library's one-line description says, first match
   wins (a compressor that quantizes what it keeps is a quantizer). */
static const struct { const char *word, *family; } family_words[] = {
  { "lossless", "lossless" }, { "achievability", "achievability (rate-distortion)" },
  { "quantiz", "quantization" }, { "codes", "quantization" }, { "rate in bits", "quantization" },
  { "precision", "quantization" }, { "codebook", "quantization" }, { "sketch", "sketch" },
  { "reservoir", "sketch" }, { "low rank", "low rank" },
  { "svd", "low rank" }, { "merg", "merging" }, { "slerp", "merging" },
  { "head sharing", "merging" }, { "keep", "eviction" },
  { "evict", "eviction" }, { "window", "eviction" }, { "top-k", "eviction" },
  { "prun", "eviction" }, { "sample", "eviction" }, { "cluster", "eviction" },
};

const char *
report_family (const char *spec, const char **description)
{
  *description = "";
  if (strncmp (spec, "plugin:", 7) == 0)
    return "plug-in";
  if (strncmp (spec, "exec:", 5) == 0 || strncmp (spec, "serve:", 6) == 0)
    return "external program";
  char name[128];
  snprintf (name, sizeof name, "%.*s", (int) strcspn (spec, ":"), spec);
  const varlb_compressor_t *c = varlb_compressor_find (name);
  const varlb_model_compressor_t *m = c ? NULL : varlb_model_compressor_find (name);
  if (m)
    c = &m->base;
  if (!c)
    return "not built here";
  *description = c->description;
  if (strcmp (name, "identity") == 0)
    return "control (whole cache)";
  char low[1024];
  size_t i;
  for (i = 0; c->description[i] && i + 1 < sizeof low; i++)
    low[i] = (char) (c->description[i] >= 'A' && c->description[i] <= 'Z'
                     ? c->description[i] - 'A' + 'a' : c->description[i]);
  low[i] = '\0';
  for (size_t k = 0; k < sizeof family_words / sizeof *family_words; k++)
    if (strstr (low, family_words[k].word))
      return m ? "whole model" : family_words[k].family;
  return m ? "whole model" : "other";
}
