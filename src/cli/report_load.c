/* report_load.c -- the files varlb report reads: a CSV (cli_csv_read) or
 * JSON Lines (report_json.c) table, told apart by the columns it has, with
 * its SHA-256 and, beside a sweep's CSV, its manifest.  Anything else is
 * refused in one line that says what was expected. */
#include <config.h>
#include <ctype.h>
#include <stdlib.h>
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
classify (const cli_csv_t *t, const char **missing)
{
  size_t best = 0, best_have = 0;
  for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++)
    {
      size_t have = 0, i;
      for (i = 0; kinds[k].cols[i]; i++)
        have += cli_csv_col (t, kinds[k].cols[i]) >= 0;
      if (have == i)
        return (int) kinds[k].kind;
      if (have > best_have)
        best = k, best_have = have;
    }
  for (size_t i = 0; kinds[best].cols[i]; i++)
    if (cli_csv_col (t, kinds[best].cols[i]) < 0)
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

int
report_file_load (report_file_t *f, const char *cmd, const char *path)
{
  char why[512];
  memset (f, 0, sizeof *f);
  f->path = path;
  const char *slash = strrchr (path, '/');
  f->name = slash ? slash + 1 : path;
  if (report_sha256 (f->sha256, &f->bytes, path) != 0)
    {
      cli_error (cmd, "%s: %m", path);
      return -1;
    }
  f->jsonl = looks_json (path);
  if ((f->jsonl ? report_jsonl_read (&f->t, path, why, sizeof why)
                : cli_csv_read (&f->t, path, why, sizeof why)) != 0)
    {
      cli_error (cmd, "%s: %s", path, why);
      return -1;
    }
  const char *missing = "compressor";
  int kind = classify (&f->t, &missing);
  if (kind < 0)
    {
      cli_error (cmd, "%s: not a file varlb report reads (no column '%s'): expected the rows "
                 "of varlb sweep, sweep --model or attack --json, or the CSV of varlb scaling, "
                 "sweep --tokens or --head-rows", path, missing);
      report_file_clear (f);
      return -1;
    }
  f->kind = (enum report_kind) kind;
  if (f->t.rows == 0)
    {
      cli_error (cmd, "%s: a header and no rows: nothing to report", path);
      report_file_clear (f);
      return -1;
    }
  if (f->kind == REPORT_TRIALS && !f->jsonl)
    report_manifest_read (f);
  for (size_t r = 0; f->kind == REPORT_TRIALS && r < f->t.rows; r++)
    f->sig[report_row_signature (f, r)]++;
  return 0;
}

void
report_file_clear (report_file_t *f)
{
  cli_csv_clear (&f->t);
  free (f->m_command), free (f->m_version), free (f->m_revision);
  free (f->m_libraries), free (f->m_isolation);
  free (f->href), free (f->download);
  memset (f, 0, sizeof *f);
}

/* Rows carry no signature yet.  When they do (a mac column), checking it
   belongs here, and the page already says, per file and per row, which
   rows verified. */
enum report_sig
report_row_signature (const report_file_t *f, size_t r)
{
  long c = cli_csv_col (&f->t, "mac");
  if (c < 0 || cli_csv_get (&f->t, r, c)[0] == '\0')
    return REPORT_SIG_NONE;
  return REPORT_SIG_UNCHECKED;
}
