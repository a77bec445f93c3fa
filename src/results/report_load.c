/* report_load.c -- the files varlb report reads: a CSV (varlb__csv_read) or
 * JSON Lines (report_json.c) table, told apart by the columns it has, with
 * its SHA-256, beside a sweep's CSV its manifest, and each trial row's
 * signature checked under the judge key.  Anything else is refused in one
 * line that says what was expected. */
#include <config.h>
#include <ctype.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include "report.h"

/* The columns each kind needs (the first kind whose columns are all there
   wins; trial rows are tested first). */
static const struct {
  enum report_kind kind;
  const char *cols[12];
} kinds[] = {
  { REPORT_TRIALS, { "compressor", "budget_bits", "bits_charged", "N", "bits_tested", "correct",
                     "verdict", "status", "schedule", "d", NULL } },
  { REPORT_SCALING, { "compressor", "n", "d", "N", "min_budget_bits", "target", NULL } },
  { REPORT_HEADS, { "compressor", "layer", "head", "bits", "correct", NULL } },
  { REPORT_TOKENS, { "compressor", "scale", "row", "col", "side", "bits", "correct", NULL } },
};

/* The kind of T, or -1 with the first missing column of the closest kind. */
static int
classify (const varlb__csv_t *t, const char **missing)
{
  size_t best = 0, best_have = 0;
  for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++)
    {
      size_t have = 0, i;
      for (i = 0; kinds[k].cols[i]; i++)
        have += varlb__csv_col (t, kinds[k].cols[i]) >= 0;
      if (have == i)
        return (int) kinds[k].kind;
      if (have > best_have)
        best = k, best_have = have;
    }
  for (size_t i = 0; kinds[best].cols[i]; i++)
    if (varlb__csv_col (t, kinds[best].cols[i]) < 0)
      {
        *missing = kinds[best].cols[i];
        break;
      }
  return -1;
}

/* 1 when the file's first non-blank byte opens a JSON object. */
static int
looks_json (const char *path)
{
  FILE *f = fopen (path, "re");
  int c = EOF;
  if (f)
    {
      while ((c = getc (f)) != EOF && isspace (c))
        ;
      fclose (f);
    }
  return c == '{';
}

/* Each trial row's signature under KEY, as summary checks it: its MAC and
   every figure it states (varlb__row_verify; rows are independent, so they
   are checked in parallel); the first failure's reason kept. */
static int
check_signatures (report_file_t *f, const varlb__verify_key_t *key)
{
  size_t n = f->t.rows;
  f->sig_first = (size_t) -1;
  if (!(f->rowsig = malloc (n + 1)))
    return -1;
#pragma omp parallel for schedule(dynamic, 64)
  for (size_t r = 0; r < n; r++)
    {
      char why[256];
      int st = varlb__row_verify (&f->t, r, key, why, sizeof why);
      f->rowsig[r] = st == VARLB__ROW_VERIFIED ? REPORT_SIG_VERIFIED
                     : st == VARLB__ROW_REFUSED ? REPORT_SIG_UNVERIFIED
                     : st == VARLB__ROW_OTHER_KEY ? REPORT_SIG_UNCHECKED : REPORT_SIG_NONE;
    }
  for (size_t r = 0; r < n; r++)
    {
      f->sig[f->rowsig[r]]++;
      if (f->rowsig[r] == REPORT_SIG_UNVERIFIED && f->sig_first == (size_t) -1)
        {
          f->sig_first = r;
          varlb__row_verify (&f->t, r, key, f->sig_why, sizeof f->sig_why);
        }
    }
  return 0;
}

int
varlb__report_file_load (report_file_t *f, const char *path, const varlb__verify_key_t *key,
                         char *err, size_t elen)
{
  char why[512];
  memset (f, 0, sizeof *f);
  f->path = path;
  const char *slash = strrchr (path, '/');
  f->name = slash ? slash + 1 : path;
  if (report_sha256 (f->sha256, &f->bytes, path) != 0)
    {
      snprintf (err, elen, "%s: %s", path, strerror (errno));
      return -1;
    }
  f->jsonl = looks_json (path);
  if ((f->jsonl ? report_jsonl_read (&f->t, path, why, sizeof why)
                : varlb__csv_read (&f->t, path, why, sizeof why)) != 0)
    {
      snprintf (err, elen, "%s: %s", path, why);
      return -1;
    }
  const char *missing = "compressor";
  int kind = classify (&f->t, &missing);
  if (kind < 0)
    {
      snprintf (err, elen, "%s: not a file varlb report reads (no column '%s'): expected the "
                "rows of varlb sweep, sweep --model or attack --json, or the CSV of varlb "
                "scaling, sweep --tokens or --head-rows", path, missing);
      varlb__report_file_clear (f);
      return -1;
    }
  f->kind = (enum report_kind) kind;
  if (f->t.rows == 0)
    {
      snprintf (err, elen, "%s: a header and no rows: nothing to report", path);
      varlb__report_file_clear (f);
      return -1;
    }
  if (f->kind == REPORT_TRIALS && !f->jsonl)
    report_manifest_read (f);
  if (f->kind == REPORT_TRIALS && check_signatures (f, key) != 0)
    {
      snprintf (err, elen, "%s: out of memory", path);
      varlb__report_file_clear (f);
      return -1;
    }
  return 0;
}

void
varlb__report_file_clear (report_file_t *f)
{
  varlb__csv_clear (&f->t);
  free (f->m_command), free (f->m_version), free (f->m_revision);
  free (f->m_libraries), free (f->m_isolation);
  free (f->href), free (f->download), free (f->rowsig);
  varlb__verdicts_clear (&f->groups);
  memset (f, 0, sizeof *f);
}

enum report_sig
report_row_signature (const report_file_t *f, size_t r)
{
  return f->rowsig ? (enum report_sig) f->rowsig[r] : REPORT_SIG_NONE;
}
