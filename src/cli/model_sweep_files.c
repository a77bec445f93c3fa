/* model_sweep_files.c -- the files of `varlb sweep --model`: FILE.csv, the
 * JSON Lines beside it and the --head-rows file, one whole row per write()
 * in grid order.  --resume continues them only when the CSV's rows are the
 * grid's first trials with verdicts their numbers give; a refusal changes
 * no file. */
#define _GNU_SOURCE 1 /* asprintf */
#include <config.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "model.h"
#include "results/plot.h"
#include "sweep.h"
#include "results/verify.h"

/* The columns that identify a whole-model trial (the grid's axes), the
   budget last as it follows from the others; a key holds their cells in
   this order, each ended by KEY_SEP. */
static const char *const key_cols[] = { "model", "layers", "heads", "schedule", "d", "jl",
                                        "seed", "compressor", "budget_bits" };
#define NKEY (sizeof key_cols / sizeof *key_cols)
#define KEY_SEP "\x1f" /* the unit separator: in no cell */

char *
cli_model_trial_key (const char *spec, double budget_bits, const varlb_model_t *m)
{
  /* The row holds the spec as the trial's compressor field does (cut to
     its size), line breaks written as spaces. */
  char comp[sizeof ((varlb_trial_t *) NULL)->compressor], sched[512], *k = NULL;
  snprintf (comp, sizeof comp, "%s", spec);
  for (char *c = comp; *c; c++)
    if (*c == '\n' || *c == '\r')
      *c = ' ';
  varlb_pyramid_format (&m->par.pyramid, sched, sizeof sched);
  if (asprintf (&k, "%s" KEY_SEP "%zu" KEY_SEP "%zu" KEY_SEP "%s" KEY_SEP "%zu" KEY_SEP "%s"
                KEY_SEP "%llu" KEY_SEP "%s" KEY_SEP "%.0f" KEY_SEP, m->name, m->layers, m->heads,
                sched, m->par.d, varlb_jl_family_name (m->par.jl),
                (unsigned long long) m->par.seed, comp, budget_bits) < 0)
    return NULL;
  return k;
}

/* Each row of T (the CSV PATH of LINES lines) is the trial KEYS (TOTAL of
   them) puts at its place; else one line naming the first that is not,
   and -1.  *HEAD_LINES: the head rows those trials wrote, header included. */
static int
rows_follow_grid (const char *cmd, const char *path, const varlb__csv_t *t, size_t lines,
                  char *const *keys, size_t total, size_t *head_lines)
{
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
  long cst = varlb__csv_col (t, "status"), cl = varlb__csv_col (t, "layers"),
       ch = varlb__csv_col (t, "heads");
  *head_lines = 1;
  for (size_t r = 0; r < t->rows; r++)
    {
      const char *want = keys[r];
      for (size_t c = 0; c < NKEY; c++)
        {
          size_t n = strcspn (want, KEY_SEP);
          const char *have = varlb__csv_get (t, r, varlb__csv_col (t, key_cols[c]));
          if (strlen (have) != n || memcmp (have, want, n) != 0)
            {
              cli_error (cmd, "--resume: row %zu of %s has %s '%s' where this grid has "
                         "'%.*s' (a file from another grid): not continued; give the options "
                         "it was written with, --force or a new --out", r + 1, path,
                         key_cols[c], have, (int) n, want);
              return -1;
            }
          want += n + 1;
        }
      /* A trial that ran wrote a head row per layer and head. */
      if (strcmp (varlb__csv_get (t, r, cst), "ok") == 0)
        *head_lines += (size_t) varlb__csv_num (t, r, cl) * (size_t) varlb__csv_num (t, r, ch);
    }
  return 0;
}

/* What a resumed sweep keeps. */
typedef struct kept {
  size_t rows;          /* trials: the CSV's whole rows */
  off_t csv_bytes;      /* the CSV less a torn last line */
  size_t jsonl_lines, head_lines; /* the head rows' header included */
} kept_t;

/* A follower of the CSV (JSON Lines, head rows) is written before its CSV
   row, so after a crash it is ahead, never behind: of the NEED lines the
   kept rows imply, *KEEP, all but a HEADER that can be written afresh.
   Reads only; 0, or -1 after one line. */
static int
follower_keeps (const char *cmd, const char *path, const char *csv, size_t need,
                const char *header, size_t *keep)
{
  size_t lines = 0;
  off_t whole;
  if (access (path, F_OK) != 0 && errno == ENOENT)
    lines = 0;
  else if (cli_file_lines (path, &lines, &whole) != 0)
    {
      cli_error (cmd, "--resume: %s: %s", path, strerror (errno));
      return -1;
    }
  else if (header && cli_resume_header (cmd, path, header) != 0)
    return -1;
  if (lines < need && need > (header ? 1u : 0u))
    {
      cli_error (cmd, "--resume: %s holds %zu lines where the trials kept of %s need %zu: "
                 "not continued (its rows would fall out of step); --force to start again",
                 path, lines, csv, need);
      return -1;
    }
  *keep = lines < need ? lines : need;
  return 0;
}

/* Decide what --resume keeps of the files there, checking everything
   before anything is cut.  0, or the exit status after one line. */
static int
plan_resume (const char *cmd, const cli_sweep_files_t *f, const char *header,
             char *const *keys, size_t total, kept_t *k)
{
  size_t lines, head_need = 0;
  memset (k, 0, sizeof *k);
  if (cli_file_lines (f->csv, &lines, &k->csv_bytes) != 0)
    {
      cli_error (cmd, "--resume: %s: %s", f->csv, strerror (errno));
      return CLI_EXIT_FAIL;
    }
  if (lines == 0)
    {
      /* Killed before the header was whole: nothing to keep. */
      if (cli_resume_header (cmd, f->csv, header) != 0)
        return CLI_EXIT_FAIL;
    }
  else
    {
      varlb__csv_t t;
      int rc = cli_resume_read (cmd, &t, f->csv, header, f->jsonl, f->key, 1);
      if (rc != 0)
        return rc;
      int bad = rows_follow_grid (cmd, f->csv, &t, lines, keys, total, &head_need) != 0;
      k->rows = t.rows;
      varlb__csv_clear (&t);
      if (bad)
        return CLI_EXIT_FAIL;
    }
  return follower_keeps (cmd, f->jsonl, f->csv, k->rows, NULL, &k->jsonl_lines) == 0
         && (!f->side
             || (follower_keeps (cmd, f->side, f->csv, head_need, CLI_HEAD_ROWS_HEADER,
                                 &k->head_lines) == 0
                 && cli_side_rows_verify (cmd, f->side, CLI_HEAD_ROWS_HEADER, f->key) == 0))
         ? 0 : CLI_EXIT_FAIL;
}

/* Cut the files to what K keeps; -1 after one line. */
static int
cut_to (const char *cmd, const cli_sweep_files_t *f, const kept_t *k)
{
  const char *bad = truncate (f->csv, k->csv_bytes) != 0 ? f->csv
                    : access (f->jsonl, F_OK) == 0
                      && cli_file_keep_lines (f->jsonl, k->jsonl_lines) != 0 ? f->jsonl
                    : f->side && access (f->side, F_OK) == 0
                      && cli_file_keep_lines (f->side, k->head_lines) != 0 ? f->side
                    : NULL;
  if (bad)
    cli_error (cmd, "--resume: %s: %s", bad, strerror (errno));
  return bad ? -1 : 0;
}

int
cli_model_files_open (const char *cmd, cli_sweep_files_t *f, const char *header,
                      char *const *keys, size_t total, int resume, int force, size_t *done)
{
  const char *name[3] = { f->csv, f->jsonl, f->side };
  const char *head[3] = { header, NULL, CLI_HEAD_ROWS_HEADER };
  int *fd[3] = { &f->fcsv, &f->fjson, &f->fside };
  int rc, existing = resume && access (f->csv, F_OK) == 0;
  kept_t k;
  *done = 0;
  if (!f->jsonl)
    {
      cli_error (cmd, "out of memory");
      return CLI_EXIT_FAIL;
    }
  if (existing)
    {
      if ((rc = plan_resume (cmd, f, header, keys, total, &k)) != 0)
        return rc;
      if (cut_to (cmd, f, &k) != 0)
        return CLI_EXIT_FAIL;
      *done = k.rows;
    }
  else if (!force && (rc = cli_refuse_existing (cmd, name, 3, resume)) != 0)
    return rc;
  return cli_open_outputs (cmd, 3, name, fd, head, existing) == 0 ? 0 : CLI_EXIT_FAIL;
}
