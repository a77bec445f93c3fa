/* report.c -- `varlb report FILE... [--out report.html]`: the results of
 * sweep, sweep --model, attack --json and scaling (with --tokens and
 * --head-rows files) as one self-contained HTML page: the instance and its
 * bound, the chart against the Fano frontier, the leaderboard, a card per
 * compressor and how to reproduce it.  Every row is re-judged from its
 * counts; nothing on the page is fetched from anywhere. */
#define _GNU_SOURCE 1 /* asprintf */
#include <config.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"
#include "results/report.h"

#define REPORT_DEFAULT_OUT "report.html"

/* The first row that states what its counts do not give, for the error
   line: "FILE line L". */
static void
first_disagreeing (char *buf, size_t len, const report_t *r)
{
  buf[0] = '\0';
  for (size_t i = 0; i < r->nrows; i++)
    if (r->row[i].disagrees || (r->row[i].status_ok && !r->row[i].judged))
      {
        snprintf (buf, len, "%s line %zu", r->file[r->row[i].file].path,
                  varlb__report_line (r, &r->row[i]));
        return;
      }
}

/* The one error line of a page written from rows that do not hold: those
   whose verdict or accuracy their counts do not give, and those signed
   under this judge key that fail their check (edited after signing). */
static void
say_bad_rows (const char *cmd, const report_t *r)
{
  char where[4096], sig[1024] = "";
  const report_file_t *f = NULL;
  for (size_t i = 0; i < r->nfiles && !f; i++)
    f = r->file[i].sig_first != (size_t) -1 && r->file[i].rowsig ? &r->file[i] : NULL;
  if (f)
    snprintf (sig, sizeof sig, "%s%zu row%s signed under this judge key fail%s the check (first: "
              "%s line %zu: %s)", r->disagree || r->rejected ? "; " : "", r->sig_failed,
              r->sig_failed == 1 ? "" : "s", r->sig_failed == 1 ? "s" : "", f->path,
              f->sig_first + 2, f->sig_why);
  if (!r->disagree && !r->rejected)
    {
      cli_error (cmd, "%s: the page marks them and shows every number recomputed from the "
                 "counts", sig);
      return;
    }
  first_disagreeing (where, sizeof where, r);
  cli_error (cmd, "%zu row%s state%s a verdict or accuracy %s counts do not give (first: "
             "%s): the page shows the recomputed ones and marks %s%s", r->disagree,
             r->disagree == 1 ? "" : "s", r->disagree == 1 ? "s" : "",
             r->disagree == 1 ? "its" : "their", where, r->disagree == 1 ? "it" : "them", sig);
}

/* 1 when OUT names one of the inputs (it would be overwritten). */
static int
out_is_input (const char *out, char *const *paths, size_t n)
{
  struct stat so, si;
  if (stat (out, &so) != 0)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (stat (paths[i], &si) == 0 && si.st_dev == so.st_dev && si.st_ino == so.st_ino)
      return 1;
  return 0;
}

static void
report_clear (report_t *r)
{
  for (size_t f = 0; f < r->nfiles; f++)
    varlb__report_file_clear (&r->file[f]);
  free (r->file), free (r->row), free (r->inst), free (r->series), free (r->data_dir);
  memset (r, 0, sizeof *r);
}

/* The page to OUT by way of a temporary file, so a failure never leaves
   half a page where a whole one was. */
static int
write_out (report_t *r, const char *cmd)
{
  char *tmp = NULL;
  if (asprintf (&tmp, "%s.tmp", r->out) < 0)
    return -1;
  FILE *o = fopen (tmp, "we");
  int rc = -1;
  if (!o)
    cli_error (cmd, "%s: %s", tmp, strerror (errno));
  else
    {
      int bad = varlb__report_write_page (o, r) != 0;
      bad |= fclose (o) != 0;
      if (bad || rename (tmp, r->out) != 0)
        {
          cli_error (cmd, "%s: %s", r->out, strerror (errno ? errno : EIO));
          unlink (tmp);
        }
      else
        rc = 0;
    }
  free (tmp);
  return rc;
}

int
cli_report_files (const char *cmd, char *const *paths, size_t n, const char *out,
                  const char *title, FILE *say)
{
  report_t r;
  char deftitle[512], why[1024];
  int rc = CLI_EXIT_FAIL;
  memset (&r, 0, sizeof r);
  r.out = out;
  if (cli_verify_key_load (cmd, &r.key) != 0)
    return CLI_EXIT_FAIL;
  if (out_is_input (out, paths, n))
    {
      cli_error (cmd, "--out %s: is one of the inputs; name another page", out);
      return CLI_EXIT_USAGE;
    }
  if (!(r.file = calloc (n, sizeof *r.file)))
    return CLI_EXIT_FAIL;
  size_t charted = 0;
  for (; r.nfiles < n; r.nfiles++)
    {
      if (varlb__report_file_load (&r.file[r.nfiles], paths[r.nfiles], &r.key, why,
                                   sizeof why) != 0)
        {
          cli_error (cmd, "%s", why);
          goto out;
        }
      r.sig_failed += r.file[r.nfiles].sig[REPORT_SIG_UNVERIFIED];
      charted += r.file[r.nfiles].kind == REPORT_TRIALS || r.file[r.nfiles].kind == REPORT_SCALING;
    }
  if (charted == 0)
    {
      cli_error (cmd, "%s: per-token or per-head rows alone: give the sweep's results too "
                 "(its CSV or JSON Lines) or a varlb scaling CSV", paths[0]);
      goto out;
    }
  size_t used = (size_t) snprintf (deftitle, sizeof deftitle, "varlb report: ");
  for (size_t f = 0; f < n && used < sizeof deftitle; f++)
    used += (size_t) snprintf (deftitle + used, sizeof deftitle - used, "%s%s",
                               f == 0 ? "" : f + 1 == n ? " and " : ", ", r.file[f].name);
  r.title = title ? title : deftitle;
  r.revision = cli_git_revision ();
  if (varlb__report_judge (&r, why, sizeof why) != 0
      || varlb__report_place_data (&r, why, sizeof why) != 0)
    {
      cli_error (cmd, "%s", why);
      goto out;
    }
  if (write_out (&r, cmd) != 0)
    goto out;
  struct stat st;
  if (say)
    fprintf (say, "varlb: %s: wrote %s (%zu trial rows, %zu compressor%s, %.0f KiB)%s%s\n", cmd, out,
          r.nrows, r.nseries, r.nseries == 1 ? "" : "s",
          stat (out, &st) == 0 ? (double) st.st_size / 1024 : 0.0,
          r.data_dir ? "; data beside it in " : "", r.data_dir ? r.data_dir : "");
  rc = 0;
  if (r.disagree || r.rejected || r.sig_failed)
    {
      say_bad_rows (cmd, &r);
      rc = CLI_EXIT_FAIL;
    }
out:
  report_clear (&r);
  memset (&r.key, 0, sizeof r.key);
  return rc;
}

int
cli_report (int argc, char **argv)
{
  enum { OPT_TITLE = CLI_OPT_FIRST_FREE };
  static const struct option own[] = {
    { "title", required_argument, NULL, OPT_TITLE },
    { "judge-key", required_argument, NULL, CLI_OPT_JUDGE_KEY },
    { NULL, 0, NULL, 0 }
  };
  cli_options_t o;
  const char *title = NULL;
  int c;
  if (cli_options_init (&o, "report", CLI_ACCEPT_OUT | CLI_ACCEPT_OPERANDS, own) != 0)
    return cli_options_stop (&o, CLI_OPTIONS_ERROR);
  while ((c = cli_options_next (&o, argc, argv)) > 0)
    if (c == CLI_OPT_JUDGE_KEY)
      cli_judge_key_path = o.arg; /* the key rows are checked under */
    else
      title = o.arg; /* --title */
  const char *out = o.out ? o.out : REPORT_DEFAULT_OUT;
  if (c == CLI_OPTIONS_DONE && optind >= argc)
    {
      cli_error (o.cmd, "missing FILE (the CSV or JSON Lines of varlb sweep, attack --json or "
                 "scaling)");
      c = CLI_OPTIONS_ERROR;
    }
  else if (c == CLI_OPTIONS_DONE && !*out)
    {
      cli_error (o.cmd, "--out: an empty file name");
      c = CLI_OPTIONS_ERROR;
    }
  if (c != CLI_OPTIONS_DONE)
    return cli_options_stop (&o, c);
  cli_options_clear (&o);
  return cli_report_files ("report", argv + optind, (size_t) (argc - optind), out, title, stdout);
}
