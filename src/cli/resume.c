/* resume.c -- what `varlb sweep --resume` keeps, one plan for a head's
 * sweep and a whole model's: the CSV's rows must be the grid's first
 * trials (rows are written in grid order, by rank 0 alone), each verified
 * under the judge key; the JSON Lines keep as many lines, the side rows
 * (--tokens, --head-rows) the rows of the kept trials.  Everything is
 * checked before anything is cut, so a refusal changes no file.  Which
 * columns name a trial is the one thing the two kinds differ in
 * (cli_sweep_head, cli_sweep_model). */
#define _GNU_SOURCE 1 /* asprintf */
#include <config.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "model.h"
#include "sweep.h"

/* A key holds a trial's cells in its kind's column order, each ended by
   the unit separator, which no cell holds. */
#define KEY_SEP "\x1f"

static const char *const head_cols[] = { "schedule", "d", "jl", "seed", "compressor",
                                         "budget_bits" };
static const char *const model_cols[] = { "model", "layers", "heads", "schedule", "d", "jl",
                                          "seed", "compressor", "budget_bits" };
const cli_sweep_kind_t cli_sweep_head = {
  varlb_trial_write_csv_header, CLI_TOKEN_HEADER, head_cols, 6
};
const cli_sweep_kind_t cli_sweep_model = {
  varlb_model_trial_write_csv_header, CLI_HEAD_ROWS_HEADER, model_cols, 9
};

/* CELL as the key holds it: a compressor as a row's field holds it (cut to
   the trial's field, line breaks as spaces), a budget as whole bits. */
static void
key_cell (char *buf, size_t len, const char *col, const char *cell)
{
  if (strcmp (col, "budget_bits") == 0)
    {
      snprintf (buf, len, "%.0f", strtod (cell, NULL));
      return;
    }
  size_t cut = strcmp (col, "compressor") == 0
               ? sizeof ((varlb_trial_t *) NULL)->compressor : len;
  snprintf (buf, cut < len ? cut : len, "%s", cell);
  for (char *c = buf; *c; c++)
    if (*c == '\n' || *c == '\r')
      *c = ' ';
}

char *
cli_trial_key (const cli_sweep_kind_t *kind, const char *const *cells)
{
  char *k = NULL, cell[1024];
  size_t len = 0;
  FILE *f = open_memstream (&k, &len);
  if (f == NULL)
    return NULL;
  for (size_t c = 0; c < kind->nkey; c++)
    {
      key_cell (cell, sizeof cell, kind->key_cols[c], cells[c]);
      fprintf (f, "%s" KEY_SEP, cell);
    }
  if (fclose (f) != 0)
    {
      free (k);
      return NULL;
    }
  return k;
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

void
cli_keys_sort (char **keys, size_t n)
{
  if (n > 0)
    qsort (keys, n, sizeof *keys, cmp_str);
}

int
cli_key_done (char *const *keys, size_t n, const char *key)
{
  /* bsearch wants a non-null base even for zero elements. */
  return n > 0 && key && bsearch (&key, keys, n, sizeof *keys, cmp_str) != NULL;
}

/* The key of row R of T, a CSV or side-row file of KIND whose key columns
   are at COL (NULL: out of memory). */
static char *
row_key (const cli_sweep_kind_t *kind, const varlb__csv_t *t, size_t r, const long *col)
{
  const char *cells[16];
  for (size_t c = 0; c < kind->nkey; c++)
    cells[c] = varlb__csv_get (t, r, col[c]);
  return cli_trial_key (kind, cells);
}

/* KIND's key columns in T into COL: 0, or -1 naming the first missing. */
static int
key_columns (const cli_sweep_kind_t *kind, const varlb__csv_t *t, long *col,
             const char **missing)
{
  for (size_t c = 0; c < kind->nkey; c++)
    if ((col[c] = varlb__csv_col (t, kind->key_cols[c])) < 0)
      {
        *missing = kind->key_cols[c];
        return -1;
      }
  return 0;
}

/* Each row of T (the CSV PATH of LINES lines) is the trial KEYS (TOTAL of
   them) puts at its place; else one line naming the first that is not,
   and -1. */
static int
rows_follow_grid (const char *cmd, const cli_sweep_kind_t *kind, const char *path,
                  const varlb__csv_t *t, size_t lines, char *const *keys, size_t total)
{
  long col[16];
  const char *missing = NULL;
  if (key_columns (kind, t, col, &missing) != 0)
    {
      cli_error (cmd, "--resume: %s is not a varlb sweep file (no column %s)", path, missing);
      return -1;
    }
  if (t->rows + 1 != lines)
    {
      cli_error (cmd, "--resume: %s has blank lines among its rows: not a file varlb wrote; "
                 "--force to start again", path);
      return -1;
    }
  if (t->rows > total)
    {
      cli_error (cmd, "--resume: %s has %zu rows, more than the %zu trials of this grid: "
                 "not continued; give the options it was written with, --force or a new "
                 "--out", path, t->rows, total);
      return -1;
    }
  for (size_t r = 0; r < t->rows; r++)
    {
      const char *want = keys[r];
      for (size_t c = 0; c < kind->nkey; c++)
        {
          char have[1024];
          size_t n = strcspn (want, KEY_SEP);
          key_cell (have, sizeof have, kind->key_cols[c], varlb__csv_get (t, r, col[c]));
          if (strlen (have) != n || memcmp (have, want, n) != 0)
            {
              cli_error (cmd, "--resume: row %zu of %s has %s '%s' where this grid has "
                         "'%.*s' (a file from another grid): not continued; give the options "
                         "it was written with, --force or a new --out", r + 1, path,
                         kind->key_cols[c], have, (int) n, want);
              return -1;
            }
          want += n + 1;
        }
    }
  return 0;
}

/* The JSON Lines JSONL are written before their CSV row, so after a crash
   they are ahead, never behind: of the NEED lines the kept rows imply,
   *KEEP.  Reads only; 0, or -1 after one line. */
static int
json_keeps (const char *cmd, const char *jsonl, const char *csv, size_t need, size_t *keep)
{
  size_t lines = 0;
  off_t whole;
  if (access (jsonl, F_OK) != 0 && errno == ENOENT)
    lines = 0;
  else if (cli_file_lines (jsonl, &lines, &whole) != 0)
    {
      cli_error (cmd, "--resume: %s: %s", jsonl, strerror (errno));
      return -1;
    }
  if (lines < need)
    {
      cli_error (cmd, "--resume: %s holds %zu lines where the trials kept of %s need %zu: "
                 "not continued (its rows would fall out of step); --force to start again",
                 jsonl, lines, csv, need);
      return -1;
    }
  *keep = need;
  return 0;
}

/* The side rows at PATH (KIND's) can be continued: this varlb's header,
   KIND's key columns, every whole line signed under KEY.  Reads only; 0,
   or -1 after one line. */
static int
side_ok (const char *cmd, const cli_sweep_kind_t *kind, const char *path,
         const unsigned char *key)
{
  if (access (path, F_OK) != 0 && errno == ENOENT)
    return 0;
  return cli_resume_header (cmd, path, kind->side_header) == 0
         && cli_side_rows_verify (cmd, path, kind->side_header, key) == 0 ? 0 : -1;
}

/* Keep only the side rows at PATH whose trial is among the first DONE of
   KEYS (the CSV's): the rows of the interrupted trial, written before its
   CSV row, would repeat.  A torn last line goes.  -1 with errno. */
static int
side_keep (const cli_sweep_kind_t *kind, const char *path, char *const *keys, size_t done)
{
  char why[256], *tmp = NULL, *line = NULL;
  size_t cap = 0, lines;
  off_t whole;
  struct stat st;
  varlb__csv_t t;
  long col[16];
  const char *missing;
  if (access (path, F_OK) != 0 && errno == ENOENT)
    return 0;
  if (cli_file_lines (path, &lines, &whole) != 0 || stat (path, &st) != 0
      || (whole < st.st_size && truncate (path, whole) != 0))
    return -1;
  if (lines == 0)
    return 0; /* not even a whole header: written afresh */
  if (varlb__csv_read (&t, path, why, sizeof why) != 0)
    return errno = EINVAL, -1;
  FILE *in = fopen (path, "re"), *out = NULL;
  int rc = -1;
  if (key_columns (kind, &t, col, &missing) != 0 || !in || asprintf (&tmp, "%s.tmp", path) < 0
      || !(out = fopen (tmp, "we")))
    goto done;
  /* The kept trials are the grid's first DONE, in order: a side row is
     kept while its key is among them. */
  char **sorted = malloc ((done + 1) * sizeof *sorted);
  if (!sorted)
    goto done;
  memcpy (sorted, keys, done * sizeof *sorted);
  cli_keys_sort (sorted, done);
  for (size_t r = 0; getline (&line, &cap, in) > 0; r++)
    {
      char *key = r > 0 && r - 1 < t.rows ? row_key (kind, &t, r - 1, col) : NULL;
      if (r == 0 || (key && cli_key_done (sorted, done, key)))
        fputs (line, out);
      free (key);
    }
  free (sorted);
  rc = (ferror (out) | fclose (out)) != 0 || rename (tmp, path) != 0 ? -1 : 0;
  out = NULL;
done:
  if (out)
    fclose (out);
  if (in)
    fclose (in);
  if (rc != 0 && tmp)
    unlink (tmp);
  free (tmp);
  free (line);
  varlb__csv_clear (&t);
  return rc;
}

/* What --resume keeps of the files there, all checked before anything is
   cut: the CSV's whole rows (*DONE) and bytes (*WHOLE), the JSON lines
   (*JLINES).  0, or the exit status after one line. */
static int
plan_resume (const char *cmd, const cli_sweep_files_t *f, const cli_sweep_kind_t *kind,
             char *const *keys, size_t total, const unsigned char *key, size_t *done,
             off_t *whole, size_t *jlines)
{
  size_t lines;
  char *header = cli_csv_header_text (kind->csv_header);
  int rc = CLI_EXIT_FAIL;
  *done = *jlines = 0;
  if (!header)
    cli_error (cmd, "out of memory");
  else if (cli_file_lines (f->csv, &lines, whole) != 0)
    cli_error (cmd, "--resume: %s: %s", f->csv, strerror (errno));
  else if (lines == 0)
    /* Killed before the header was whole: nothing to keep, if what is
       there is the start of this varlb's header. */
    rc = cli_resume_header (cmd, f->csv, header);
  else
    {
      varlb__csv_t t;
      rc = cli_resume_read (cmd, &t, f->csv, header, f->jsonl, key, 1);
      if (rc == 0)
        {
          rc = rows_follow_grid (cmd, kind, f->csv, &t, lines, keys, total) == 0
               && json_keeps (cmd, f->jsonl, f->csv, t.rows, jlines) == 0 ? 0 : CLI_EXIT_FAIL;
          *done = t.rows;
          varlb__csv_clear (&t);
        }
    }
  free (header);
  if (rc == 0 && f->side && side_ok (cmd, kind, f->side, key) != 0)
    rc = CLI_EXIT_FAIL;
  return rc;
}

int
cli_sweep_prepare (const char *cmd, cli_sweep_files_t *f, const cli_sweep_kind_t *kind,
                   int resume, int force, char *const *keys, size_t total, size_t *pend,
                   size_t *npend, const cli_manifest_t *m)
{
  int rc, existing = resume && access (f->csv, F_OK) == 0;
  size_t done = 0, jlines = 0;
  off_t whole = 0;
  if (existing)
    {
      if ((rc = plan_resume (cmd, f, kind, keys, total, m->key, &done, &whole, &jlines)) != 0)
        return rc;
      const char *bad = truncate (f->csv, whole) != 0 ? f->csv
                        : access (f->jsonl, F_OK) == 0
                          && cli_file_keep_lines (f->jsonl, jlines) != 0 ? f->jsonl
                        : f->side && side_keep (kind, f->side, keys, done) != 0 ? f->side
                        : NULL;
      if (bad)
        {
          cli_error (cmd, "--resume: %s: %s", bad, strerror (errno));
          return CLI_EXIT_FAIL;
        }
    }
  else if (!force)
    {
      /* Nothing is replaced without --force: not the CSV, nor the JSON
         Lines, manifest or side rows beside it. */
      const char *name[4] = { f->csv, f->jsonl, f->manifest, f->side };
      if ((rc = cli_refuse_existing (cmd, name, 4, resume)) != 0)
        return rc;
    }
  /* The pending trials: the rest of the grid, in order. */
  for (*npend = 0; done + *npend < total; (*npend)++)
    pend[*npend] = done + *npend;
  char *header = cli_csv_header_text (kind->csv_header);
  const char *name[3] = { f->csv, f->jsonl, f->side };
  const char *head[3] = { header, NULL, kind->side_header };
  int *fd[3] = { &f->fcsv, &f->fjson, &f->fside };
  int bad = !header ? (cli_error (cmd, "out of memory"), 1)
                    : cli_open_outputs (cmd, 3, name, fd, head, existing) != 0;
  free (header);
  if (bad)
    return CLI_EXIT_FAIL;
  if (cli_write_manifest (f->manifest, m) != 0)
    {
      cli_error (cmd, "%s: cannot write the manifest: %s", f->manifest, strerror (errno));
      return CLI_EXIT_FAIL;
    }
  return 0;
}
