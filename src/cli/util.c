/* util.c -- the CLI's shared pieces: error lines, number parsing, the
 * reduction options, the judge key and the readers' lines (what
 * src/results/ says in a buffer, printed), JSON output.  It prints; the
 * library under it never does. */
#define _GNU_SOURCE 1 /* asprintf */
#include <config.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "varlb-revision.h"

void
cli_error (const char *cmd, const char *fmt, ...)
{
  va_list ap;
  fflush (stdout);
  fputs ("varlb: ", stderr);
  if (cmd)
    fprintf (stderr, "%s: ", cmd);
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  fputc ('\n', stderr);
}

int
cli_parse_size (const char *cmd, const char *opt, const char *arg,
                size_t lo, size_t hi, size_t *out)
{
  char *end;
  errno = 0;
  if (arg == NULL || *arg == '\0' || *arg == '-' || *arg == '+')
    goto bad;
  unsigned long long v = strtoull (arg, &end, 10);
  if (errno != 0 || *end != '\0' || v < lo || v > hi)
    goto bad;
  *out = (size_t) v;
  return 0;
bad:
  cli_error (cmd, "%s: expected a whole number from %zu to %zu, got '%s'", opt,
             lo, hi, arg ? arg : "");
  return -1;
}

int
cli_parse_u64 (const char *cmd, const char *opt, const char *arg, uint64_t *out)
{
  char *end;
  errno = 0;
  if (arg == NULL || *arg == '\0' || *arg == '-' || *arg == '+')
    goto bad;
  unsigned long long v = strtoull (arg, &end, 0);
  if (errno != 0 || *end != '\0')
    goto bad;
  *out = (uint64_t) v;
  return 0;
bad:
  cli_error (cmd, "%s: expected an unsigned 64-bit integer, got '%s'", opt, arg ? arg : "");
  return -1;
}

int
cli_parse_double (const char *cmd, const char *opt, const char *arg,
                  double lo, double hi, double *out)
{
  char *end;
  errno = 0;
  if (arg == NULL || *arg == '\0')
    goto bad;
  double v = strtod (arg, &end);
  if (errno != 0 || *end != '\0' || !isfinite (v) || v < lo || v > hi)
    goto bad;
  *out = v;
  return 0;
bad:
  cli_error (cmd, "%s: expected a number in [%g, %g], got '%s'", opt, lo, hi, arg ? arg : "");
  return -1;
}

/* strtok would skip the empty element of "1,,2" silently; a list with
   one is a typo, so it is refused. */
static int
list_has_empty (const char *cmd, const char *opt, const char *arg)
{
  size_t n = arg ? strlen (arg) : 0;
  if (n > 0 && arg[0] != ',' && arg[n - 1] != ',' && strstr (arg, ",,") == NULL)
    return 0;
  cli_error (cmd, "%s: expected a comma-separated list without empty elements, got '%s'", opt,
             arg ? arg : "");
  return 1;
}

int
cli_parse_double_list (const char *cmd, const char *opt, const char *arg,
                       double lo, double hi, double **out, size_t *n)
{
  return cli_parse_list (cmd, opt, arg, cli_parse_double, lo, hi, out, n);
}

/* Reads one item TOK of a list into SLOT. */
typedef int (*item_reader) (const char *cmd, const char *opt, const char *tok, void *slot,
                            const void *ctx);

/* The comma-separated items of ARG, each read by ONE (with CTX) into a slot
   of SIZE bytes: 0 with *OUT (malloc'd) and *N, or -1 after its error. */
static int
parse_items (const char *cmd, const char *opt, const char *arg, size_t size, item_reader one,
             const void *ctx, void **out, size_t *n)
{
  if (list_has_empty (cmd, opt, arg))
    return -1;
  char *copy = strdup (arg ? arg : "");
  size_t cap = 8, k = 0;
  char *v = malloc (cap * size);
  if (copy == NULL || v == NULL)
    {
      free (copy);
      free (v);
      cli_error (cmd, "out of memory");
      return -1;
    }
  char *save = NULL;
  for (char *tok = strtok_r (copy, ",", &save); tok; tok = strtok_r (NULL, ",", &save))
    {
      if (k == cap)
        {
          cap *= 2;
          char *nv = realloc (v, cap * size);
          if (nv == NULL)
            goto fail;
          v = nv;
        }
      if (one (cmd, opt, tok, v + k * size, ctx) != 0)
        goto fail_quiet;
      k++;
    }
  if (k == 0)
    {
      cli_error (cmd, "%s: expected a comma-separated list, got '%s'", opt, arg ? arg : "");
      goto fail_quiet;
    }
  free (copy);
  *out = v;
  *n = k;
  return 0;
fail:
  cli_error (cmd, "out of memory");
fail_quiet:
  free (copy);
  free (v);
  return -1;
}

typedef struct number_item {
  cli_number_parser one;
  double lo, hi;
} number_item_t;

static int
read_number (const char *cmd, const char *opt, const char *tok, void *slot, const void *ctx)
{
  const number_item_t *c = ctx;
  return c->one (cmd, opt, tok, c->lo, c->hi, slot);
}

static int
read_u64 (const char *cmd, const char *opt, const char *tok, void *slot, const void *ctx)
{
  (void) ctx;
  return cli_parse_u64 (cmd, opt, tok, slot);
}

int
cli_parse_list (const char *cmd, const char *opt, const char *arg, cli_number_parser one,
                double lo, double hi, double **out, size_t *n)
{
  const number_item_t c = { one, lo, hi };
  void *v = NULL;
  int r = parse_items (cmd, opt, arg, sizeof **out, read_number, &c, &v, n);
  if (r == 0)
    *out = v;
  return r;
}

int
cli_parse_u64_list (const char *cmd, const char *opt, const char *arg,
                    uint64_t **out, size_t *n)
{
  void *v = NULL;
  int r = parse_items (cmd, opt, arg, sizeof **out, read_u64, NULL, &v, n);
  if (r == 0)
    *out = v;
  return r;
}

int cli_schedule_given;

/* --preset, --schedule or --n (OPT) into PY: 0, or -1 after one line. */
static int
pyramid_option (varlb_pyramid_t *py, const char *cmd, int opt, const char *arg)
{
  size_t v;
  if (opt == CLI_OPT_SCHEDULE)
    {
      if (varlb_pyramid_init_parse (py, arg) == VARLB_OK)
        return 0;
      cli_error (cmd, "--schedule: expected a non-empty, strictly increasing list of "
                 "sides from 1 to %u (at most %u scales), got '%s'",
                 VARLB_PYRAMID_MAX_SIDE, VARLB_PYRAMID_MAX_SCALES, arg);
      return -1;
    }
  if (opt == CLI_OPT_PRESET)
    {
      if (cli_parse_size (cmd, "--preset", arg, 1, 100000, &v) != 0)
        return -1;
      if (varlb_pyramid_init_preset (py, (int) v) == VARLB_OK)
        return 0;
      cli_error (cmd, "--preset: unknown preset '%s' (expected 256, 512 or 1024)", arg);
      return -1;
    }
  if (cli_parse_size (cmd, "--n", arg, 2, VARLB_PYRAMID_MAX_SIDE, &v) != 0)
    return -1;
  if (varlb_pyramid_init_geometric (py, (unsigned) v) == VARLB_OK)
    return 0;
  cli_error (cmd, "--n: cannot build a pyramid ending at %zu", v);
  return -1;
}

int
cli_reduction_option (const char *cmd, int opt, const char *arg, varlb_params_t *p)
{
  if (opt == CLI_OPT_PRESET || opt == CLI_OPT_SCHEDULE || opt == CLI_OPT_N)
    cli_schedule_given = 1;
  switch (opt)
    {
    case CLI_OPT_PRESET:
    case CLI_OPT_SCHEDULE:
    case CLI_OPT_N:
      {
        varlb_pyramid_t py;
        if (pyramid_option (&py, cmd, opt, arg) != 0)
          return -1;
        varlb_pyramid_clear (&p->pyramid);
        p->pyramid = py;
        return 0;
      }
    case 'd':
      return cli_parse_size (cmd, "-d", arg, 1, VARLB_D_MAX, &p->d);
    case CLI_OPT_EPS:
      if (cli_parse_double (cmd, "--eps", arg, 0.0, 0.5, &p->eps) != 0)
        return -1;
      if (p->eps <= 0.0 || p->eps >= 0.5)
        {
          cli_error (cmd, "--eps: must lie strictly between 0 and 0.5, got '%s'", arg);
          return -1;
        }
      return 0;
    case CLI_OPT_C:
      if (cli_parse_double (cmd, "--C", arg, 0.0, 1e300, &p->C) != 0)
        return -1;
      if (p->C <= 0.0)
        {
          cli_error (cmd, "--C: the query scale must be positive, got '%s'", arg);
          return -1;
        }
      return 0;
    case CLI_OPT_ETA:
      if (cli_parse_double (cmd, "--eta", arg, 0.0, 1.0, &p->eta) != 0)
        return -1;
      if (p->eta >= 1.0)
        {
          cli_error (cmd, "--eta: must lie in [0, 1), got '%s'", arg);
          return -1;
        }
      return 0;
    case CLI_OPT_JL:
      if (varlb_jl_family_parse (&p->jl, arg) != VARLB_OK)
        {
          cli_error (cmd, "--jl: unknown JL family '%s' (expected gaussian, rademacher or achlioptas)", arg);
          return -1;
        }
      return 0;
    case CLI_OPT_KEYS:
      if (varlb_jl_norm_parse (&p->norm, arg) != VARLB_OK)
        {
          cli_error (cmd, "--keys: unknown key mode '%s' (expected unit or scaled)", arg);
          return -1;
        }
      return 0;
    case CLI_OPT_VALUES:
      if (strcmp (arg, "01") == 0)
        p->values = VARLB_VALUES_01;
      else if (strcmp (arg, "pm1") == 0)
        p->values = VARLB_VALUES_PM1;
      else
        {
          cli_error (cmd, "--values: expected 01 or pm1, got '%s'", arg);
          return -1;
        }
      return 0;
    case CLI_OPT_SEED:
      return cli_parse_u64 (cmd, "--seed", arg, &p->seed);
    case CLI_OPT_JUDGE_KEY:
      cli_judge_key_path = arg;
      return 0;
    default:
      return 1;
    }
}

const char *cli_judge_key_path;

int
cli_judge_key (const char *cmd, varlb_params_t *p)
{
  char path[4096];
  /* An explicit --judge-key file must exist; the default one is created on
     first use. */
  int given = cli_judge_key_path != NULL;
  if (given)
    snprintf (path, sizeof path, "%s", cli_judge_key_path);
  else if (varlb_judge_key_default_path (path, sizeof path) != VARLB_OK)
    {
      cli_error (cmd, "judge key: no HOME to keep it in: set VARLB_JUDGE_KEY=FILE or pass --judge-key FILE");
      return -1;
    }
  int st = varlb_judge_key_load (p->judge_key, path, !given);
  if (st == VARLB_EFORMAT)
    {
      cli_error (cmd, "judge key %s: not 64 hex digits in a file only its owner can read "
                 "(chmod 600), or the all-zero key", path);
      return -1;
    }
  if (st != VARLB_OK)
    {
      cli_error (cmd, "judge key %s: %s", path, strerror (errno));
      return -1;
    }
  return 0;
}

/* The library's readers of results report in WHY; the CLI prints it. */
int
cli_verify_key_load (const char *cmd, varlb__verify_key_t *k)
{
  char why[4200];
  if (varlb__verify_key_load (k, cli_judge_key_path, why, sizeof why) == 0)
    return 0;
  cli_error (cmd, "%s", why);
  return -1;
}

int
cli_side_rows_verify (const char *cmd, const char *path, const char *header,
                      const unsigned char *key)
{
  char why[4200];
  if (varlb__side_rows_verify (path, header, key, why, sizeof why) == 0)
    return 0;
  cli_error (cmd, "%s", why);
  return -1;
}

int
cli_reduction_finish (const char *cmd, varlb_params_t *p)
{
  char why[256];
  if (varlb_params_check (p, why, sizeof why) != VARLB_OK)
    {
      cli_error (cmd, "%s", why);
      return -1;
    }
  return cli_judge_key (cmd, p);
}

int
cli_no_arguments (const char *cmd, int argc, char **argv)
{
  if (optind >= argc)
    return 0;
  cli_error (cmd, "unexpected argument '%s'", argv[optind]);
  return -1;
}

const char *
cli_one_argument (const char *cmd, int argc, char **argv, const char *what)
{
  if (optind >= argc)
    {
      cli_error (cmd, "missing %s", what);
      return NULL;
    }
  if (optind + 1 < argc)
    {
      cli_error (cmd, "unexpected argument '%s'", argv[optind + 1]);
      return NULL;
    }
  return argv[optind];
}

/* Optimal string alignment distance (edits: insert, delete, substitute,
   swap two neighbours), for "did you mean"; words are short. */
static size_t
edit_distance (const char *a, const char *b)
{
  size_t n = strlen (a), m = strlen (b);
  if (n > 62 || m > 62)
    return (size_t) -1;
  size_t d[64][64];
  for (size_t i = 0; i <= n; i++)
    d[i][0] = i;
  for (size_t j = 0; j <= m; j++)
    d[0][j] = j;
  for (size_t i = 1; i <= n; i++)
    for (size_t j = 1; j <= m; j++)
      {
        size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
        if (d[i - 1][j] + 1 < best)
          best = d[i - 1][j] + 1;
        if (d[i][j - 1] + 1 < best)
          best = d[i][j - 1] + 1;
        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]
            && d[i - 2][j - 2] + 1 < best)
          best = d[i - 2][j - 2] + 1;
        d[i][j] = best;
      }
  return d[n][m];
}

const char *
cli_nearest (const char *word, const char *const *cands, size_t n)
{
  const char *best = NULL;
  size_t bd = (size_t) -1, len = strlen (word);
  /* Close enough to be a typo: a third of the word, at least 1, at most 3. */
  size_t limit = len / 3 < 1 ? 1 : len / 3 > 3 ? 3 : len / 3;
  for (size_t i = 0; i < n; i++)
    {
      size_t e = edit_distance (word, cands[i]);
      if (e < bd)
        bd = e, best = cands[i];
    }
  return bd <= limit ? best : NULL;
}

/* The long options CMD's help text names ("--word"), into OUT (at most MAX,
   pointers into BUF); their count. */
static size_t
help_options (const char *cmd, char *buf, size_t blen, const char **out, size_t max)
{
  const char *help = NULL;
  for (const struct cli_command *c = cli_commands; c->name; c++)
    if (strcmp (c->name, cmd) == 0)
      help = c->help;
  size_t n = 0, used = 0;
  for (const char *s = help ? strstr (help, "--") : NULL; s && n < max; s = strstr (s, "--"))
    {
      size_t k = 2;
      while (s[k] && (isalnum ((unsigned char) s[k]) || s[k] == '-'))
        k++;
      if (k > 2 && isalpha ((unsigned char) s[2]) && used + k + 1 <= blen)
        {
          memcpy (buf + used, s, k);
          buf[used + k] = '\0';
          size_t i;
          for (i = 0; i < n && strcmp (out[i], buf + used) != 0; i++)
            ;
          if (i == n)
            {
              out[n++] = buf + used;
              used += k + 1;
            }
        }
      s += k;
    }
  return n;
}

int
cli_bad_option (const char *cmd, int argc, char **argv)
{
  /* getopt already printed its own message when opterr was set; we keep
     opterr = 0 and say it in one line ourselves, naming the option it
     looks like when there is one (from CMD's help text). */
  const char *what = optind - 1 < argc && optind >= 1 ? argv[optind - 1] : "?";
  char buf[4096], word[128];
  if (optopt && optopt < 256)
    {
      /* A short option the help lists ("-d, --dim D") lacks its argument. */
      snprintf (word, sizeof word, " -%c", optopt);
      const char *help = NULL;
      for (const struct cli_command *c = cli_commands; c->name; c++)
        if (strcmp (c->name, cmd) == 0)
          help = c->help;
      const char *at = help ? strstr (help, word) : NULL;
      if (at && (at[3] == ',' || at[3] == ' '))
        cli_error (cmd, "-%c: missing argument (see 'varlb help %s')", optopt, cmd);
      else
        cli_error (cmd, "unknown option -%c (see 'varlb help %s')", optopt, cmd);
      return CLI_EXIT_USAGE;
    }
  const char *opts[160];
  size_t n = help_options (cmd, buf, sizeof buf, opts, 160);
  snprintf (word, sizeof word, "%s", what);
  word[strcspn (word, "=")] = '\0';
  int known = 0;
  const char *prefix_of[2] = { NULL, NULL };
  size_t prefixes = 0;
  for (size_t i = 0; i < n; i++)
    {
      known |= strcmp (opts[i], word) == 0;
      if (strncmp (opts[i], word, strlen (word)) == 0 && strlen (word) > 2)
        prefix_of[prefixes++ < 2 ? prefixes - 1 : 1] = opts[i];
    }
  const char *near = known || prefixes ? NULL : cli_nearest (word, opts, n);
  if (known && strchr (what, '='))
    cli_error (cmd, "%s: takes no argument (see 'varlb help %s')", word, cmd);
  else if (known || (optopt && strncmp (word, "--", 2) == 0 && prefixes == 1))
    cli_error (cmd, "%s: missing argument (see 'varlb help %s')", known ? word : prefix_of[0], cmd);
  else if (prefixes > 1)
    cli_error (cmd, "ambiguous option %s: %s, %s%s (see 'varlb help %s')", word, prefix_of[0],
               prefix_of[1], prefixes > 2 ? ", ..." : "", cmd);
  else if (near)
    cli_error (cmd, "unknown option %s; did you mean %s? (see 'varlb help %s')", word, near, cmd);
  else
    cli_error (cmd, "unknown option or missing argument: %s (see 'varlb help %s')", what, cmd);
  return CLI_EXIT_USAGE;
}

void
cli_json_string (FILE *f, const char *s)
{
  fputc ('"', f);
  for (; s && *s; s++)
    {
      unsigned char c = (unsigned char) *s;
      if (c == '"' || c == '\\')
        fprintf (f, "\\%c", c);
      else if (c == '\n')
        fputs ("\\n", f);
      else if (c == '\t')
        fputs ("\\t", f);
      else if (c < 0x20)
        fprintf (f, "\\u%04x", c);
      else
        fputc (c, f);
    }
  fputc ('"', f);
}

void
cli_json_double (FILE *f, double v)
{
  if (isfinite (v))
    fprintf (f, "%.17g", v);
  else
    fputs ("null", f);
}

double
cli_now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

char *
cli_self_exe (void)
{
  char buf[4096];
  ssize_t n = readlink ("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0)
    return NULL;
  buf[n] = '\0';
  return strdup (buf);
}

const char *
cli_git_revision (void)
{
  /* From the source tree at build time (git describe), or the tarball's. */
  return strcmp (VARLB_GIT_REVISION, "unknown") != 0 && VARLB_GIT_REVISION[0]
         ? VARLB_GIT_REVISION : NULL;
}
