/* verdicts.c -- the verdicts of a results file: every ok row alone, each
 * group of rows that differ only in the seed pooled as one trial on the
 * concatenated instances (rows sharing a judge key and seed counted once),
 * and Holm's correction over all of these tests at once.  Read by summary
 * and by the closing line of sweep.  proofs/verdicts.md, Lemmas 3 and 4. */
#define _GNU_SOURCE 1
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "verify.h"

/* The settings a group shares: every column of a trial's settings the
   file has, the seed (and its judge key) excepted. */
static const char *const group_cols[] = {
  "schedule", "d", "jl", "keys", "values", "C", "eta", "compressor", "budget_bits", "isolation",
  "side_channel_bits", "model", "layers", "heads"
};
#define NGROUP (sizeof group_cols / sizeof *group_cols)

static int
same_group (const varlb__csv_t *t, const long *col, size_t a, size_t b)
{
  for (size_t k = 0; k < NGROUP; k++)
    if (col[k] >= 0 && strcmp (varlb__csv_get (t, a, col[k]), varlb__csv_get (t, b, col[k])) != 0)
      return 0;
  return 1;
}

/* Row A's instance (judge key, seed) is row B's. */
static int
same_instance (const varlb__csv_t *t, long ck, long cs, size_t a, size_t b)
{
  return (ck < 0 || strcmp (varlb__csv_get (t, a, ck), varlb__csv_get (t, b, ck)) == 0)
         && strcmp (varlb__csv_get (t, a, cs), varlb__csv_get (t, b, cs)) == 0;
}

void
varlb__verdicts_clear (varlb__verdicts_t *v)
{
  free (v->group_of), free (v->first), free (v->instances), free (v->row), free (v->pool);
  free (v->row_holm), free (v->pool_holm);
  memset (v, 0, sizeof *v);
}

/* Rows ordered by (judge key, seed, row), so a group's repeats of one
   instance sit side by side and the first in file order comes first. */
typedef struct {
  const varlb__csv_t *t;
  long ck, cs;
} inst_ctx_t;

static int
cmp_instance (const void *a, const void *b, void *arg)
{
  const inst_ctx_t *c = arg;
  size_t u = *(const size_t *) a, w = *(const size_t *) b;
  int d = c->ck < 0 ? 0 : strcmp (varlb__csv_get (c->t, u, c->ck), varlb__csv_get (c->t, w, c->ck));
  if (d == 0)
    d = strcmp (varlb__csv_get (c->t, u, c->cs), varlb__csv_get (c->t, w, c->cs));
  return d ? d : u < w ? -1 : u > w;
}

/* Pool group G (its ok rows ORD[0..M)), one row per (judge key, seed):
   the first in file order whose counts hold together. */
static void
pool_group (varlb__verdicts_t *v, const varlb__csv_t *t, size_t g, size_t *ord, size_t m,
            varlb_counts_t *c)
{
  inst_ctx_t ctx = { t, varlb__csv_col (t, "judge_key"), varlb__csv_col (t, "seed") };
  size_t k = 0, last = 0;
  qsort_r (ord, m, sizeof *ord, cmp_instance, &ctx);
  for (size_t i = 0; i < m; i++)
    if ((k == 0 || !same_instance (t, ctx.ck, ctx.cs, last, ord[i]))
        && varlb__row_counts (&c[k], t, ord[i]) == 0)
      last = ord[i], k++;
  v->instances[g] = k;
  if (k == 0 || varlb_judge_pooled (&v->pool[g], c, k) != VARLB_OK)
    v->pool[g].verdict = VARLB_VERDICT_ERROR; /* nothing to pool, or mixed designs */
}

static int
row_is_ok (const varlb__csv_t *t, long cst, size_t r)
{
  return cst >= 0 && strcmp (varlb__csv_get (t, r, cst), "ok") == 0;
}

int
varlb__verdicts_groups (varlb__verdicts_t *v, const varlb__csv_t *t, char *why, size_t wlen)
{
  memset (v, 0, sizeof *v);
  size_t n = t->rows ? t->rows : 1;
  long col[NGROUP], cst = varlb__csv_col (t, "status");
  for (size_t k = 0; k < NGROUP; k++)
    col[k] = varlb__csv_col (t, group_cols[k]);
  v->rows = t->rows;
  v->group_of = calloc (n, sizeof *v->group_of);
  v->first = calloc (n, sizeof *v->first);
  v->instances = calloc (n, sizeof *v->instances);
  v->pool = calloc (n, sizeof *v->pool);
  varlb_counts_t *c = calloc (n, sizeof *c);
  size_t *ord = calloc (n, sizeof *ord), *start = calloc (n + 1, sizeof *start);
  size_t *fill = calloc (n + 1, sizeof *fill);
  int rc = -1;
  if (!v->group_of || !v->first || !v->instances || !v->pool || !c || !ord || !start || !fill)
    {
      snprintf (why, wlen, "out of memory");
      goto out;
    }
  /* Groups in order of first appearance (quadratic in the groups, which a
     sweep keeps few); a failed row is in its group, but not pooled. */
  for (size_t r = 0; r < t->rows; r++)
    {
      size_t g = 0;
      while (g < v->groups && !same_group (t, col, v->first[g], r))
        g++;
      if (g == v->groups)
        v->first[v->groups++] = r;
      v->group_of[r] = g;
      start[g + 1] += row_is_ok (t, cst, r);
    }
  /* The rows of each group, contiguous in ORD (a counting sort). */
  for (size_t g = 0; g < v->groups; g++)
    start[g + 1] += start[g];
  memcpy (fill, start, v->groups * sizeof *fill);
  for (size_t r = 0; r < t->rows; r++)
    if (row_is_ok (t, cst, r))
      ord[fill[v->group_of[r]]++] = r;
  for (size_t g = 0; g < v->groups; g++)
    pool_group (v, t, g, ord + start[g], start[g + 1] - start[g], c);
  rc = 0;
out:
  free (c), free (ord), free (start), free (fill);
  if (rc != 0)
    varlb__verdicts_clear (v);
  return rc;
}

int
varlb__verdicts_init (varlb__verdicts_t *v, const varlb__csv_t *t, char *why, size_t wlen)
{
  if (varlb__verdicts_groups (v, t, why, wlen) != 0)
    return -1;
  size_t n = t->rows ? t->rows : 1;
  long cst = varlb__csv_col (t, "status");
  v->row = calloc (n, sizeof *v->row);
  v->row_holm = calloc (n, 1);
  v->pool_holm = calloc (n, 1);
  double *p = calloc (2 * n, sizeof *p);
  unsigned char *rej = calloc (2 * n, 1);
  size_t *who = calloc (2 * n, sizeof *who);
  int rc = -1;
  if (!v->row || !v->row_holm || !v->pool_holm || !p || !rej || !who)
    {
      snprintf (why, wlen, "out of memory");
      goto out;
    }
  for (size_t r = 0; r < t->rows; r++)
    {
      v->row[r].verdict = VARLB_VERDICT_ERROR;
      v->row[r].p_value = NAN;
      if (row_is_ok (t, cst, r) && varlb__row_judge (&v->row[r], t, r) != 0)
        {
          /* +1: rows count from 1 (the header is line 1). */
          snprintf (why, wlen, "row %zu: an ok row needs counts bits_tested > 0, correct <= "
                    "bits_tested, d > 0, N and bits_tested multiples of d (bits_tested <= N), "
                    "and numbers >= 0 in bits_charged (side_channel_bits, length_bits)", r + 1);
          goto out;
        }
    }
  /* Holm's family: every ok row, and every group pooling 2 or more
     instances (a group of one is its row). */
  size_t m = 0;
  for (size_t r = 0; r < t->rows; r++)
    if (strcmp (v->row[r].verdict, VARLB_VERDICT_ERROR) != 0)
      {
        p[m] = v->row[r].p_value, who[m++] = r;
        v->flagged += v->row[r].p_value <= VARLB_VERDICT_ALPHA;
      }
  size_t nrow = m;
  for (size_t g = 0; g < v->groups; g++)
    if (v->instances[g] >= 2 && strcmp (v->pool[g].verdict, VARLB_VERDICT_ERROR) != 0)
      p[m] = v->pool[g].p_value, who[m++] = g;
  v->tests = m;
  if (varlb_holm (rej, p, m, VARLB_VERDICT_ALPHA) != VARLB_OK)
    {
      snprintf (why, wlen, "out of memory");
      goto out;
    }
  for (size_t i = 0; i < m; i++)
    if (rej[i] && i < nrow)
      v->row_holm[who[i]] = 1, v->row_holm_count++;
    else if (rej[i])
      v->pool_holm[who[i]] = 1, v->pool_holm_count++;
  rc = 0;
out:
  free (p), free (rej), free (who);
  if (rc != 0)
    varlb__verdicts_clear (v);
  return rc;
}

void
varlb__verdicts_line (char *buf, size_t len, const varlb__verdicts_t *v)
{
  size_t pooled = 0;
  double pmin = NAN;
  for (size_t g = 0; g < v->groups; g++)
    if (v->instances[g] >= 2 && strcmp (v->pool[g].verdict, VARLB_VERDICT_ERROR) != 0)
      {
        pooled++;
        if (!(v->pool[g].p_value >= pmin))
          pmin = v->pool[g].p_value;
      }
  int w = snprintf (buf, len, "%zu impossible alone at %g%%, %zu after Holm over %zu tests",
                    v->flagged, 100 * VARLB_VERDICT_ALPHA, v->row_holm_count, v->tests);
  if (w > 0 && (size_t) w < len && pooled)
    snprintf (buf + w, len - (size_t) w, "; pooled over seeds: %zu of %zu group%s impossible "
              "after Holm (smallest pooled p %.2g)", v->pool_holm_count, pooled,
              pooled == 1 ? "" : "s", pmin);
}

void
varlb__verdicts_of_file (char *buf, size_t len, const char *path)
{
  varlb__csv_t t;
  varlb__verdicts_t v;
  char why[512];
  if (varlb__csv_read (&t, path, why, sizeof why) != 0)
    {
      snprintf (buf, len, "(%s: %s)", path, why);
      return;
    }
  if (varlb__verdicts_init (&v, &t, why, sizeof why) != 0)
    snprintf (buf, len, "(%s: %s)", path, why);
  else
    {
      varlb__verdicts_line (buf, len, &v);
      varlb__verdicts_clear (&v);
    }
  varlb__csv_clear (&t);
}
