/* options.c -- the one parser of the options commands share: instance
 * options (CLI_REDUCTION_HELP), output options (--json, --out, --outdir)
 * and the resource limit (--max-memory, CLI_RESOURCE_HELP); a command adds
 * its own options as a getopt table and handles only those.  Also the
 * resource check and the progress line of long runs (on a terminal only). */
#include <config.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cli.h"
#include "model.h"

static const struct option instance_opts[] = {
  { "preset", required_argument, NULL, CLI_OPT_PRESET },
  { "schedule", required_argument, NULL, CLI_OPT_SCHEDULE },
  { "n", required_argument, NULL, CLI_OPT_N },
  { "dim", required_argument, NULL, 'd' },
  { "eps", required_argument, NULL, CLI_OPT_EPS },
  { "C", required_argument, NULL, CLI_OPT_C },
  { "temperature", required_argument, NULL, CLI_OPT_C },
  { "eta", required_argument, NULL, CLI_OPT_ETA },
  { "jl", required_argument, NULL, CLI_OPT_JL },
  { "keys", required_argument, NULL, CLI_OPT_KEYS },
  { "values", required_argument, NULL, CLI_OPT_VALUES },
  { "seed", required_argument, NULL, CLI_OPT_SEED },
  { "judge-key", required_argument, NULL, CLI_OPT_JUDGE_KEY },
};
static const struct option json_opt[] = { { "json", no_argument, NULL, CLI_OPT_JSON } };
static const struct option out_opt[] = { { "out", required_argument, NULL, CLI_OPT_OUT } };
static const struct option outdir_opt[] = { { "outdir", required_argument, NULL, CLI_OPT_OUTDIR } };
static const struct option memory_opt[] = {
  { "max-memory", required_argument, NULL, CLI_OPT_MAX_MEMORY } };
static const struct option help_opt[] = { { "help", no_argument, NULL, CLI_OPT_HELP } };
static const struct option channel_opts[] = {
  { "timeout", required_argument, NULL, CLI_OPT_CH_TIMEOUT },
  { "sample", required_argument, NULL, CLI_OPT_CH_SAMPLE },
  { "max-file", required_argument, NULL, CLI_OPT_CH_MAXFILE },
  { "no-sandbox", no_argument, NULL, CLI_OPT_CH_NOSANDBOX },
  { "half-memory", required_argument, NULL, CLI_OPT_CH_MEM },
  { "half-cpu", required_argument, NULL, CLI_OPT_CH_CPU },
  { "half-procs", required_argument, NULL, CLI_OPT_CH_PROCS },
  { "half-files", required_argument, NULL, CLI_OPT_CH_FILES },
  { "expose", required_argument, NULL, CLI_OPT_CH_EXPOSE },
  { "calibrate", no_argument, NULL, CLI_OPT_CH_CALIBRATE },
  { "calibrate-timeout", required_argument, NULL, CLI_OPT_CH_CALIBRATE_TIMEOUT },
  { "cold-cache", no_argument, NULL, CLI_OPT_CH_COLD_CACHE }
};
static const struct option model_opts[] = {
  CLI_MODEL_LONGOPTS, { "threads", required_argument, NULL, CLI_OPT_THREADS } };
static const struct option models_opt[] = {
  { "models", required_argument, NULL, CLI_OPT_MODELS } };
static const struct option model_trial_opts[] = {
  { "head-rows", required_argument, NULL, CLI_OPT_HEAD_ROWS },
  { "max-cache-bytes", required_argument, NULL, CLI_OPT_MAX_CACHE } };

#define COUNT(a) (sizeof a / sizeof *a)

static int
append (struct option *to, int at, const struct option *from, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (from[i].val != CLI_OPT_HELP) /* help is added once, last */
      to[at++] = from[i];
  return at;
}

int
cli_options_init (cli_options_t *o, const char *cmd, unsigned accept,
                  const struct option *own)
{
  memset (o, 0, sizeof *o);
  o->cmd = cmd;
  o->accept = accept;
  o->max_memory = cli_default_max_memory ();
  varlb_params_init (&o->p);
  varlb_channel_opts_init (&o->channel);
  size_t nown = 0;
  while (own && own[nown].name)
    nown++;
  o->longopts = malloc ((COUNT (instance_opts) + COUNT (channel_opts) + COUNT (model_opts)
                         + COUNT (model_trial_opts) + 7 + nown)
                        * sizeof *o->longopts);
  if (o->longopts == NULL)
    {
      cli_error (cmd, "out of memory");
      return -1;
    }
  int k = 0;
  /* Key-only commands still know the pyramid options, to refuse them by name. */
  if (accept & (CLI_ACCEPT_INSTANCE | CLI_ACCEPT_KEYS))
    k = append (o->longopts, k, instance_opts, COUNT (instance_opts));
  if (accept & CLI_ACCEPT_JSON)
    k = append (o->longopts, k, json_opt, 1);
  if (accept & CLI_ACCEPT_OUT)
    k = append (o->longopts, k, out_opt, 1);
  if (accept & CLI_ACCEPT_OUTDIR)
    k = append (o->longopts, k, outdir_opt, 1);
  if (accept & CLI_ACCEPT_MEMORY)
    k = append (o->longopts, k, memory_opt, 1);
  if (accept & CLI_ACCEPT_CHANNEL)
    k = append (o->longopts, k, channel_opts, COUNT (channel_opts));
  if (accept & CLI_ACCEPT_MODEL)
    k = append (o->longopts, k, model_opts, COUNT (model_opts));
  if (accept & CLI_ACCEPT_MODELS)
    k = append (o->longopts, k, models_opt, 1);
  if (accept & CLI_ACCEPT_MODEL_TRIAL)
    k = append (o->longopts, k, model_trial_opts, COUNT (model_trial_opts));
  k = append (o->longopts, k, own, nown);
  o->longopts[k++] = help_opt[0];
  o->longopts[k] = (struct option) { NULL, 0, NULL, 0 };
  /* -d is --dim; -o is --out, wherever a command writes one file. */
  o->shortopts = accept & (CLI_ACCEPT_INSTANCE | CLI_ACCEPT_KEYS)
                 ? (accept & CLI_ACCEPT_OUT ? "d:o:" : "d:") : accept & CLI_ACCEPT_OUT ? "o:" : "";
  opterr = 0;
  return 0;
}

void
cli_options_clear (cli_options_t *o)
{
  free (o->longopts);
  o->longopts = NULL;
  varlb_params_clear (&o->p);
}

void
cli_options_take (cli_options_t *o, varlb_params_t *p)
{
  *p = o->p;
  varlb_params_init (&o->p); /* O keeps fresh defaults, cleared with it */
  cli_options_clear (o);
}

int
cli_options_stop (cli_options_t *o, int c)
{
  cli_options_clear (o);
  return c == CLI_OPTIONS_HELP ? 0 : CLI_EXIT_USAGE;
}

static const char *
option_name (int c)
{
  switch (c)
    {
    case 'd': return "-d";
    case CLI_OPT_SEED: return "--seed";
    case CLI_OPT_PRESET: return "--preset";
    case CLI_OPT_SCHEDULE: return "--schedule";
    default: return "--n";
    }
}

/* --model/--models NAME,... (CLI_ACCEPT_MODELS) into O: 0, or -1 after
   one line. */
static int
model_list (cli_options_t *o, const char *arg)
{
  int r = 0;
  char *copy = strdup (arg), *save = NULL;
  if (copy == NULL)
    {
      cli_error (o->cmd, "out of memory");
      return -1;
    }
  for (char *s = strtok_r (copy, ",", &save); s && r == 0; s = strtok_r (NULL, ",", &save))
    if ((r = cli_model_option (o->cmd, CLI_OPT_MODEL, s, &o->model)) == 0)
      {
        if (o->nmodels == 16)
          {
            cli_error (o->cmd, "--models: at most 16");
            r = -1;
          }
        else
          o->models[o->nmodels++] = o->model.name;
      }
  free (copy);
  return r;
}

/* A shared option C: 0 handled, 1 not shared, -1 error printed. */
static int
shared_option (cli_options_t *o, int c, const char *arg)
{
  switch (c)
    {
    case CLI_OPT_JSON:
      o->json = 1;
      return 0;
    case 'o':
    case CLI_OPT_OUT:
      o->out = arg;
      return 0;
    case CLI_OPT_OUTDIR:
      o->outdir = arg;
      return 0;
    case CLI_OPT_MAX_MEMORY:
      return cli_parse_bytes (o->cmd, "--max-memory", arg, &o->max_memory);
    case CLI_OPT_HEAD_ROWS:
      o->head_rows = arg;
      return 0;
    case CLI_OPT_MAX_CACHE:
      return cli_parse_double (o->cmd, "--max-cache-bytes", arg, 1, 1e18, &o->max_cache);
    case CLI_OPT_MODEL:
    case CLI_OPT_MODELS:
      if (o->accept & CLI_ACCEPT_MODELS)
        return model_list (o, arg);
      return cli_model_option (o->cmd, c, arg, &o->model);
    case CLI_OPT_LAYERS:
    case CLI_OPT_HEADS:
    case CLI_OPT_THREADS:
      return cli_model_option (o->cmd, c, arg, &o->model);
    case 'd':
    case CLI_OPT_SEED:
    case CLI_OPT_PRESET:
    case CLI_OPT_SCHEDULE:
    case CLI_OPT_N:
      if (!(o->accept & CLI_ACCEPT_INSTANCE))
        {
          cli_error (o->cmd, "%s: not used here%s%s%s", option_name (c),
                     o->not_here ? " (" : "", o->not_here ? o->not_here : "",
                     o->not_here ? ")" : "");
          return -1;
        }
      o->given |= c == 'd' ? CLI_GIVEN_D : c == CLI_OPT_SEED ? CLI_GIVEN_SEED : CLI_GIVEN_PYRAMID;
      if (c == CLI_OPT_PRESET)
        o->given &= ~CLI_GIVEN_CUSTOM;
      else if (c == CLI_OPT_SCHEDULE || c == CLI_OPT_N)
        o->given |= CLI_GIVEN_CUSTOM;
      break;
    default:
      if (o->accept & CLI_ACCEPT_CHANNEL)
        {
          int r = cli_channel_option (o->cmd, c, arg, &o->channel);
          if (r != 1)
            return r;
        }
      break;
    }
  if (!(o->accept & (CLI_ACCEPT_INSTANCE | CLI_ACCEPT_KEYS)))
    return 1;
  return cli_reduction_option (o->cmd, c, arg, &o->p);
}

int
cli_options_next (cli_options_t *o, int argc, char **argv)
{
  int c;
  o->arg = NULL;
  while ((c = getopt_long (argc, argv, o->shortopts, o->longopts, NULL)) != -1)
    {
      if (c == CLI_OPT_HELP)
        {
          cli_print_help (o->accept & CLI_ACCEPT_MODEL ? "model" : o->cmd, stdout);
          return CLI_OPTIONS_HELP;
        }
      if (c == '?' || c == ':')
        {
          cli_bad_option (o->cmd, argc, argv);
          return CLI_OPTIONS_ERROR;
        }
      int r = shared_option (o, c, optarg);
      if (r < 0)
        return CLI_OPTIONS_ERROR;
      if (r == 0)
        continue;
      o->arg = optarg;
      return c;
    }
  if (!(o->accept & CLI_ACCEPT_OPERANDS) && cli_no_arguments (o->cmd, argc, argv) != 0)
    return CLI_OPTIONS_ERROR;
  if (!(o->accept & (CLI_ACCEPT_INSTANCE | CLI_ACCEPT_KEYS)))
    return CLI_OPTIONS_DONE;
  char why[256];
  if (!(o->accept & CLI_ACCEPT_NO_KEY))
    return cli_reduction_finish (o->cmd, &o->p) != 0 ? CLI_OPTIONS_ERROR : CLI_OPTIONS_DONE;
  if (varlb_params_check (&o->p, why, sizeof why) == VARLB_OK)
    return CLI_OPTIONS_DONE;
  cli_error (o->cmd, "%s", why);
  return CLI_OPTIONS_ERROR;
}

/* ----------------------------------------------------------- budgets */

/* Budgets are counted in bits and written as people write file sizes and
   link rates: decimal units only, so 20kB is 160000 bits exactly.  Binary
   units (KiB) and lower-case byte units (kb: bits or bytes?) would be
   guesses, so they are refused rather than read one way silently. */
int
cli_parse_budget (const char *cmd, const char *opt, const char *arg, double lo, double hi,
                  double *bits)
{
  static const struct { const char *unit; double bits; } units[] = {
    { "", 1 }, { "k", 1e3 }, { "M", 1e6 }, { "G", 1e9 },
    { "B", 8 }, { "kB", 8e3 }, { "MB", 8e6 }, { "GB", 8e9 }
  };
  const char *p = arg ? arg : "";
  size_t digits = strspn (p, "0123456789");
  double v = NAN;
  if (digits > 0 && digits <= 18)
    for (size_t i = 0; i < sizeof units / sizeof *units; i++)
      if (strcmp (p + digits, units[i].unit) == 0)
        v = strtod (p, NULL) * units[i].bits;
  if (isnan (v))
    {
      cli_error (cmd, "%s: '%s' is not a budget: give %s", opt, p, CLI_BUDGET_FORMS);
      return -1;
    }
  if (v < lo || v > hi)
    {
      cli_error (cmd, "%s: '%s' is %.0f bits, outside [%.0f, %.0f]", opt, p, v, lo, hi);
      return -1;
    }
  *bits = v;
  return 0;
}

void
cli_budget_typed (char *buf, size_t len, int ratio, const char *arg)
{
  snprintf (buf, len, "%s %.100s", ratio ? "--ratio" : "--budget", arg ? arg : "");
}

/* ------------------------------------------------------- directories */

int
cli_make_dir (const char *cmd, const char *opt, const char *dir)
{
  char path[4096];
  size_t n = strlen (dir);
  if (n == 0 || n >= sizeof path)
    {
      cli_error (cmd, "%s '%s': not a directory name", opt, dir);
      return -1;
    }
  memcpy (path, dir, n + 1);
  /* Each parent in turn, as mkdir -p: a missing one is made. */
  for (char *p = path + 1; ; p++)
    if (*p == '/' || *p == '\0')
      {
        char c = *p;
        *p = '\0';
        struct stat sb;
        if (mkdir (path, 0777) != 0 && errno != EEXIST)
          {
            cli_error (cmd, "%s %s: cannot create %s: %s", opt, dir, path, strerror (errno));
            return -1;
          }
        if (stat (path, &sb) != 0 || !S_ISDIR (sb.st_mode))
          {
            cli_error (cmd, "%s %s: %s is not a directory", opt, dir, path);
            return -1;
          }
        if (c == '\0')
          return 0;
        *p = c;
      }
}

/* ------------------------------------------------------------ memory */

int
cli_parse_bytes (const char *cmd, const char *opt, const char *arg, double *out)
{
  char *end;
  errno = 0;
  double v = arg && *arg ? strtod (arg, &end) : NAN;
  double scale = 1.0;
  if (!isnan (v) && errno == 0)
    {
      const char *units = "KMGTP";
      const char *u = *end ? strchr (units, *end) : NULL;
      if (u)
        {
          scale = ldexp (1.0, 10 * (int) (u - units + 1));
          end++;
          if (*end == 'i' && end[1] == 'B')
            end += 2;
          else if (*end == 'B')
            end++;
        }
      else if (*end == 'B')
        end++;
    }
  if (isnan (v) || errno != 0 || *end != '\0' || !(v > 0) || !isfinite (v * scale))
    {
      cli_error (cmd, "%s: expected a positive size in bytes with an optional K, M, G, T "
                 "or P (powers of 1024), e.g. 8G, got '%s'", opt, arg ? arg : "");
      return -1;
    }
  *out = v * scale;
  return 0;
}

/* A number from the first line of FILE, or 0 (absent, "max", unreadable). */
static double
file_bytes (const char *path)
{
  FILE *f = fopen (path, "r");
  char line[64];
  double v = 0;
  if (f && fgets (line, sizeof line, f))
    {
      char *end;
      v = strtod (line, &end);
      if (end == line || !(v > 0))
        v = 0;
    }
  if (f)
    fclose (f);
  return v;
}

double
cli_default_max_memory (void)
{
  long pages = sysconf (_SC_PHYS_PAGES), size = sysconf (_SC_PAGESIZE);
  double mem = pages > 0 && size > 0 ? (double) pages * (double) size : 4.0 * 1073741824.0;
  /* A container's limit (cgroup v2, then v1) when it is lower. */
  const char *limits[] = { "/sys/fs/cgroup/memory.max",
                           "/sys/fs/cgroup/memory/memory.limit_in_bytes" };
  for (int i = 0; i < 2; i++)
    {
      double lim = file_bytes (limits[i]);
      if (lim > 0 && lim < mem)
        mem = lim;
    }
  return 0.75 * mem;
}

void
cli_format_bytes (char *buf, size_t len, double bytes)
{
  const char *unit[] = { "bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
  int k = 0;
  while (bytes >= 1024.0 && k < 6)
    bytes /= 1024.0, k++;
  snprintf (buf, len, k ? "%.3g %s" : "%.0f %s", bytes, unit[k]);
}

int
cli_check_resources (const cli_options_t *o, enum cli_job job, double *work)
{
  return cli_check_params_resources (o, &o->p, job, work);
}

int
cli_check_params_resources (const cli_options_t *o, const varlb_params_t *p, enum cli_job job,
                            double *work)
{
  static const char *const what[] = { "the instance", "decoding every bit",
                                      "certifying every bit" };
  varlb_resources_t r;
  if (work)
    *work = 0;
  if (varlb_instance_resources (&r, p) != VARLB_OK)
    return 0; /* no pyramid: varlb_params_check has said so */
  double bytes = r.instance_bytes + (job == CLI_JOB_DECODE ? r.decode_bytes
                                     : job == CLI_JOB_CERTIFY ? r.certify_bytes : 0.0);
  if (work)
    *work = job == CLI_JOB_DECODE ? r.decode_work : job == CLI_JOB_CERTIFY ? r.certify_work : 0;
  if (bytes <= o->max_memory)
    return 0;
  char need[32], have[32];
  cli_format_bytes (need, sizeof need, bytes);
  cli_format_bytes (have, sizeof have, o->max_memory);
  cli_error (o->cmd, "%s needs about %s (T = %zu tokens, d = %zu), more than --max-memory %s; "
             "use a smaller instance or raise --max-memory", what[job], need,
             varlb_pyramid_token_count (&p->pyramid), p->d, have);
  return -1;
}

int
cli_options_build (varlb_instance_t *in, cli_options_t *o, enum cli_job job)
{
  if (cli_check_resources (o, job, NULL) != 0)
    return cli_options_stop (o, CLI_OPTIONS_ERROR);
  int st = varlb_instance_init (in, &o->p);
  cli_options_clear (o);
  if (st == VARLB_OK)
    return 0;
  cli_error (o->cmd, "cannot build the instance: %s", varlb_strerror (st));
  return CLI_EXIT_FAIL;
}

/* ------------------------------------------------------------ progress */

/* One line on a terminal, redrawn in place: the loop's name, its
   percentage, the time spent and the time left at the rate so far.  Only
   after a second, so quick runs print nothing. */
static struct {
  const char *cmd, *what;
  double t0, step0, last;
  int shown;
} progress;

static void
progress_line (void *arg, const char *what, double done, double total)
{
  double now = cli_now ();
  if (what != progress.what)
    progress.what = what, progress.step0 = now;
  if (now - progress.t0 < 1.0 || now - progress.last < 0.25 || !(total > 0))
    return;
  progress.last = now;
  double f = done / total, step = now - progress.step0;
  fprintf (stderr, "\rvarlb: %s: %s %3.0f%%, %.0f s", progress.cmd, what, 100.0 * f,
           now - progress.t0);
  if (f > 0.01)
    fprintf (stderr, ", about %.0f s left of this step", step * (1.0 - f) / f);
  fputs ("\033[K", stderr); /* clear what a longer line left */
  fflush (stderr);
  progress.shown = 1;
}

void
cli_progress_begin (const char *cmd, double work)
{
  if (!isatty (STDERR_FILENO))
    return;
  /* Up front, a word on what is coming when it is a lot (~1e10/s here). */
  if (work > 1e12)
    fprintf (stderr, "varlb: %s: about %.2g multiply-adds ahead: minutes to hours "
             "(Ctrl-C stops it)\n", cmd, work);
  progress.cmd = cmd;
  progress.t0 = progress.step0 = progress.last = cli_now ();
  progress.what = NULL;
  progress.shown = 0;
  varlb_progress_set (progress_line, NULL);
}

void
cli_progress_end (void)
{
  varlb_progress_set (NULL, NULL);
  if (progress.shown)
    fputs ("\r\033[K", stderr);
  progress.shown = 0;
}

int
cli_attack_given (const char *cmd, size_t nspecs, double budget, double ratio,
                  const char *n_what)
{
  if (nspecs == 0)
    cli_error (cmd, "--compressor NAME is required (see 'varlb list')");
  else if (isnan (budget) == isnan (ratio))
    cli_error (cmd, "give exactly one of --budget BITS and --ratio R%s", n_what);
  else
    return 0;
  return -1;
}

void
cli_keep_blob (char *buf, size_t len, const char *dir, size_t i, varlb_channel_opts_t *o)
{
  if (dir == NULL)
    return;
  snprintf (buf, len, "%s/%zu.blob", dir, i);
  o->keep_blob = buf;
}
