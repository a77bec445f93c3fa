/* command.c -- an external compressor's command as the judge reads it: the
 * files its words name, made absolute before any half runs (a half runs in
 * a private directory, where a relative path names nothing), and a failed
 * half's last words, the error line first (text.c squeezes them onto one
 * line).  Internal to libvarlb (trial.h). */
#define _GNU_SOURCE 1 /* asprintf */
#include <config.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "text.h"
#include "trial.h"

/* A word left as it is: an option, an assignment, a variable, a quoted or
   home-relative word, an absolute path. */
static int
literal_word (const char *w, size_t n)
{
  return n == 0 || w[0] == '/' || w[0] == '-' || w[0] == '\'' || w[0] == '"' || w[0] == '~'
         || memchr (w, '=', n) || memchr (w, '$', n) || memchr (w, '\\', n);
}

int
varlb__command_resolve (char **out, const char *command, const char *label, char *why,
                        size_t len)
{
  *out = NULL;
  char cwd[4096];
  size_t cap = strlen (command) + 1, used = 0, words = 0;
  char *r = malloc (cap);
  if (r == NULL)
    return VARLB_ENOMEM;
  int have_cwd = getcwd (cwd, sizeof cwd) != NULL, after_m = 0;
  for (const char *p = command; *p;)
    {
      size_t gap = strspn (p, " \t"), n = strcspn (p + gap, " \t");
      const char *w = p + gap;
      char word[4096];
      snprintf (word, sizeof word, "%.*s", (int) (n < sizeof word ? n : sizeof word - 1), w);
      struct stat sb;
      /* The program itself (first word) without a slash is looked up on
         PATH, and so is the module after -m: neither is a file here. */
      int path_lookup = (words == 0 || after_m) && memchr (w, '/', n) == NULL;
      int resolve = n > 0 && !literal_word (w, n) && !path_lookup && n < sizeof word
                    && stat (word, &sb) == 0;
      if (n > 0 && !literal_word (w, n) && !resolve && memchr (w, '/', n))
        {
          snprintf (why, len, "%s: '%.*s' is a relative path naming no file in the current "
                    "directory, and the command runs in a private directory: use an absolute "
                    "path", label, (int) n, w);
          free (r);
          return VARLB_EINVAL;
        }
      if (resolve && !have_cwd)
        {
          snprintf (why, len, "%s: '%s': the current directory cannot be read (%s): use an "
                    "absolute path", label, word, strerror (errno));
          free (r);
          return VARLB_EINVAL;
        }
      /* cwd/word, not realpath: a virtual environment's bin/python3 is a
         link that must keep its own name to find its site packages. */
      const char *rel = resolve && strncmp (word, "./", 2) == 0 ? word + 2 : word;
      size_t add = gap + (resolve ? strlen (cwd) + 1 + strlen (rel) : n);
      if (used + add + 1 > cap)
        {
          cap = 2 * (used + add + 1);
          char *nr = realloc (r, cap);
          if (nr == NULL)
            {
              free (r);
              return VARLB_ENOMEM;
            }
          r = nr;
        }
      memcpy (r + used, p, gap);
      used += gap;
      if (resolve)
        used += (size_t) sprintf (r + used, "%s/%s", strcmp (cwd, "/") ? cwd : "", rel);
      else
        {
          memcpy (r + used, w, n);
          used += n;
        }
      if (n > 0)
        {
          after_m = n == 2 && memcmp (w, "-m", 2) == 0;
          words++;
        }
      p = w + n;
    }
  r[used] = '\0';
  *out = r;
  return VARLB_OK;
}

void
varlb__trial_fail_half (varlb_trial_t *t, const varlb_half_result_t *r)
{
  char last[256], why[sizeof t->error];
  varlb__error_last_line (last, sizeof last, r->stderr_tail);
  if (last[0] && strstr (r->why, last) == NULL)
    snprintf (why, sizeof why, "%.300s: %.200s", r->why, last);
  else
    snprintf (why, sizeof why, "%s", r->why);
  varlb__trial_fail (t, r->status, why);
}
