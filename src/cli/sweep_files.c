/* sweep_files.c -- the files of `varlb sweep` (a head's or whole models'):
 * FILE.csv, FILE.jsonl, FILE.manifest.json and the side rows (--tokens,
 * --head-rows), written by varlb alone (every descriptor close-on-exec; no
 * half can see them), one whole row per write(), never replaced without
 * --force; what --resume reads of them (its plan: resume.c). */
#define _GNU_SOURCE 1 /* asprintf */
#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <gmp.h>
#include <libgen.h>
#include <math.h>
#include <mpfr.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <gsl/gsl_version.h>
#ifdef HAVE_ZSTD
#include <zstd.h>
#endif
#ifdef HAVE_XZ
#include <lzma.h>
#endif
#ifdef HAVE_MPI
#include <mpi.h>
#endif
#include <sodium.h>
#include "results/plot.h"
#include "sweep.h"
#include "results/verify.h"

int
cli_file_lines (const char *path, size_t *lines, off_t *whole)
{
  FILE *f = fopen (path, "re");
  if (!f)
    return -1;
  off_t pos = 0;
  int c;
  *lines = 0;
  *whole = 0;
  while ((c = getc (f)) != EOF)
    if (pos++, c == '\n')
      ++*lines, *whole = pos;
  int bad = ferror (f);
  fclose (f);
  return bad ? -1 : 0;
}

int
cli_file_keep_lines (const char *path, size_t lines)
{
  FILE *f = fopen (path, "re");
  if (!f)
    return -1;
  off_t pos = 0;
  int c;
  for (size_t n = 0; n < lines && (c = getc (f)) != EOF; pos++)
    n += c == '\n';
  fclose (f);
  return truncate (path, pos);
}

int
cli_append_row (const char *cmd, int fd, const char *path, const char *text, size_t len)
{
  /* One write() on an O_APPEND descriptor, then fsync: a row is either
     wholly in the file or (after a crash) a torn last line that --resume
     cuts.  A short write sets no errno: say what it means. */
  errno = 0;
  ssize_t w = write (fd, text, len);
  if (w == (ssize_t) len && fsync (fd) == 0)
    return 0;
  int e = w >= 0 && w < (ssize_t) len ? ENOSPC : errno;
  cli_error (cmd, "%s: write failed: %s", path, strerror (e ? e : EIO));
  return -1;
}

char *
cli_beside (const char *path, const char *ext)
{
  size_t n = strlen (path), stem = n > 4 && strcmp (path + n - 4, ".csv") == 0 ? n - 4 : n;
  char *s = NULL;
  if (asprintf (&s, "%.*s%s", (int) stem, path, ext) < 0)
    return NULL;
  return s;
}

/* PATH with its directory resolved, whether or not the file exists: two
   names of one file compare equal. */
static char *
canonical (const char *path)
{
  char *real = realpath (path, NULL);
  if (real)
    return real;
  char *a = strdup (path), *b = strdup (path), *out = NULL;
  if (a && b)
    {
      char *dir = realpath (dirname (a), NULL);
      if (dir && asprintf (&out, "%s/%s", dir, basename (b)) < 0)
        out = NULL;
      free (dir);
    }
  free (a);
  free (b);
  return out;
}

int
cli_sweep_files_init (cli_sweep_files_t *f, const char *cmd, const char *out,
                      const char *side, int model)
{
  memset (f, 0, sizeof *f);
  f->fcsv = f->fjson = -1;
  f->fside = -2;
  /* A CSV named as JSON Lines would put a CSV where readers look for JSON. */
  if (strlen (out) >= 6 && strcmp (out + strlen (out) - 6, ".jsonl") == 0)
    {
      cli_error (cmd, "--out %s: the rows' CSV, its JSON Lines beside: give NAME.csv", out);
      return CLI_EXIT_USAGE;
    }
  f->csv = out;
  f->side = side;
  f->jsonl = cli_beside (out, ".jsonl");
  f->manifest = cli_beside (out, ".manifest.json");
  if (!f->jsonl || !f->manifest)
    {
      cli_error (cmd, "out of memory");
      return CLI_EXIT_FAIL;
    }
  const char *name[4] = { f->csv, f->jsonl, f->manifest, f->side };
  const char *opt[4] = { "--out", "--out's .jsonl", "--out's .manifest.json",
                         model ? "--head-rows" : "--tokens" };
  char *canon[4] = { NULL };
  int rc = 0;
  for (int i = 0; i < 4 && rc == 0; i++)
    {
      if (!name[i])
        continue;
      canon[i] = canonical (name[i]);
      for (int j = 0; j < i && rc == 0; j++)
        if (canon[i] && canon[j] && strcmp (canon[i], canon[j]) == 0)
          {
            cli_error (cmd, "%s and %s name the same file %s: two outputs cannot share one",
                       opt[j], opt[i], name[i]);
            rc = CLI_EXIT_USAGE;
          }
    }
  for (int i = 0; i < 4; i++)
    free (canon[i]);
  return rc;
}

void
cli_close_fd (int *fd)
{
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
}

void
cli_sweep_files_clear (cli_sweep_files_t *f)
{
  cli_close_fd (&f->fcsv);
  cli_close_fd (&f->fjson);
  cli_close_fd (&f->fside);
  free (f->jsonl);
  free (f->manifest);
  memset (f, 0, sizeof *f);
  f->fcsv = f->fjson = -1;
  f->fside = -2;
}

int
cli_write_manifest (const char *path, const cli_manifest_t *m)
{
  char *tmp = NULL;
  if (asprintf (&tmp, "%s.tmp", path) < 0)
    return -1;
  FILE *f = fopen (tmp, "we");
  if (!f)
    {
      free (tmp);
      return -1;
    }
  fprintf (f, "{\n  \"program\": \"varlb\",\n  \"version\": \"%s\",\n  \"git_revision\": ",
           VARLB_VERSION_STRING);
  const char *rev = cli_git_revision ();
  if (rev)
    cli_json_string (f, rev);
  else
    fputs ("null", f);
  fputs (",\n  \"command_line\": [\"varlb\"", f);
  for (int i = 0; i < m->argc; i++)
    {
      fputs (", ", f);
      cli_json_string (f, m->argv[i]);
    }
  const varlb_channel_opts_t *o = m->opts;
  fprintf (f, "],\n  \"trials\": %zu,\n  \"mpi_ranks\": %d,\n", m->trials, m->ranks);
  fprintf (f, "  \"judge_key\": \"%s\",\n  \"isolation\": \"%s\",\n", m->judge_key,
           o->isolation == VARLB_ISOLATION_SANDBOX ? "sandbox" : "none");
  fprintf (f, "  \"half_limits\": {\"timeout_s\": %.17g, \"max_file_bytes\": %llu, "
           "\"memory_bytes\": %llu, \"cpu_s\": %.17g, \"procs\": %u, \"files\": %u},\n",
           o->timeout_s, o->max_file_bytes, o->mem_bytes, o->cpu_s, o->procs, o->files);
  fprintf (f, "  \"side_channel_bits\": %.17g,\n  \"libraries\": {\n",
           varlb_trial_timing_bits (o->timeout_s));
  fprintf (f, "    \"gmp\": \"%s\",\n    \"mpfr\": \"%s\",\n    \"gsl\": \"%s\",\n",
           gmp_version, mpfr_get_version (), gsl_version);
  fprintf (f, "    \"libsodium\": \"%s\",\n", sodium_version_string ());
#ifdef HAVE_ZSTD
  fprintf (f, "    \"zstd\": \"%s\",\n", ZSTD_versionString ());
#endif
#ifdef HAVE_XZ
  fprintf (f, "    \"xz\": \"%s\",\n", lzma_version_string ());
#endif
#ifdef HAVE_MPI
  {
    char v[MPI_MAX_LIBRARY_VERSION_STRING];
    int len;
    MPI_Get_library_version (v, &len);
    v[strcspn (v, "\n,")] = '\0';
    fputs ("    \"mpi\": ", f);
    cli_json_string (f, v);
    fputs (",\n", f);
  }
#endif
  fprintf (f, "    \"blas\": \"%s\"\n  }\n}\n", VARLB_BLAS);
  int bad = ferror (f) | (fclose (f) != 0);
  if (bad || rename (tmp, path) != 0)
    {
      unlink (tmp);
      free (tmp);
      return -1;
    }
  free (tmp);
  return 0;
}

int
cli_header_matches (const char *path, const char *header)
{
  char *line = NULL;
  size_t cap = 0;
  FILE *f = fopen (path, "re");
  if (!f)
    return -1;
  errno = 0;
  ssize_t got = getline (&line, &cap, f);
  /* HEADER has one newline, at its end: a shorter match is a torn header. */
  int r = got < 0 ? (errno ? -1 : 1)
          : (size_t) got <= strlen (header) && memcmp (line, header, (size_t) got) == 0;
  fclose (f);
  free (line);
  return r;
}

/* The CSV header this varlb writes (WRITE: the trial's or the model
   trial's), or NULL. */
char *
cli_csv_header_text (void (*write) (FILE *))
{
  char *h = NULL;
  size_t hl = 0;
  FILE *m = open_memstream (&h, &hl);
  if (m == NULL)
    return NULL;
  write (m);
  if (fclose (m) != 0)
    {
      free (h);
      return NULL;
    }
  return h;
}

int
cli_resume_header (const char *cmd, const char *path, const char *header)
{
  int same = cli_header_matches (path, header);
  if (same == 0)
    cli_error (cmd, "--resume: %s has other columns than this varlb writes (another "
               "version?): appending would misalign them; use --force or a new --out", path);
  else if (same < 0)
    cli_error (cmd, "--resume: %s: %s", path, strerror (errno));
  return same == 1 ? 0 : CLI_EXIT_FAIL;
}

int
cli_resume_read (const char *cmd, varlb__csv_t *t, const char *path, const char *header,
                 const char *jsonl, const unsigned char *judge_key, int json_missing_ok)
{
  char why[1024];
  if (cli_resume_header (cmd, path, header) != 0)
    return CLI_EXIT_FAIL;
  if (varlb__csv_read (t, path, why, sizeof why) != 0)
    {
      cli_error (cmd, "--resume: %s: %s", path, why);
      return CLI_EXIT_FAIL;
    }
  /* Only rows this key signed, whose figures and JSON line agree with their
     counts, are continued (not an edited file, nor another key's). */
  varlb__verify_key_t k;
  varlb__verify_key_set (&k, judge_key);
  unsigned char *st = malloc (t->rows + 1);
  size_t unverified = 0, json_bad = 0;
  int rc = st ? varlb__verify_rows ("--resume: ", t, path, jsonl, &k, st, &unverified, &json_bad,
                                    json_missing_ok, why, sizeof why)
              : (snprintf (why, sizeof why, "out of memory"), -1);
  if (rc != 0)
    cli_error (cmd, "%s", why);
  for (size_t r = 0; rc == 0 && r < t->rows; r++)
    if (st[r] != VARLB__ROW_VERIFIED)
      {
        cli_error (cmd, "--resume: %s: row %zu is %s: --resume continues only rows this "
                   "judge key (%s) signed; --force to start again", path, r + 1,
                   varlb__row_status_name (st[r]), k.fingerprint);
        rc = -1;
      }
  free (st);
  if (rc != 0)
    {
      varlb__csv_clear (t);
      return CLI_EXIT_FAIL;
    }
  return 0;
}

int
cli_refuse_existing (const char *cmd, const char *const *name, size_t n, int resume)
{
  for (size_t i = 0; i < n; i++)
    if (name[i] && access (name[i], F_OK) == 0)
      {
        cli_error (cmd, "%s exists: %s--force replaces it", name[i],
                   i == 0 ? "--resume continues the sweep, "
                   : resume ? "--resume has no CSV to continue; " : "");
        return CLI_EXIT_USAGE;
      }
  return 0;
}

int
cli_open_outputs (const char *cmd, size_t n, const char *const *name, int *const *fd,
                  const char *const *header, int append)
{
  int flags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | (append ? 0 : O_TRUNC);
  for (size_t i = 0; i < n; i++)
    {
      struct stat st;
      if (!name[i])
        {
          *fd[i] = -2;
          continue;
        }
      if ((*fd[i] = open (name[i], flags, 0644)) < 0)
        {
          cli_error (cmd, "%s: %s", name[i], strerror (errno));
          return -1;
        }
      if (header[i] && fstat (*fd[i], &st) == 0 && st.st_size == 0
          && cli_append_row (cmd, *fd[i], name[i], header[i], strlen (header[i])) != 0)
        return -1;
    }
  return 0;
}
