/* channel_opts.c -- the channel's options every command that runs trials
 * shares (--timeout, --sample, --isolation, --expose, --cold-cache,
 * --calibrate, ...): parsed, checked against the run's outputs, freed.  The
 * defaults are the library's (varlb_channel_opts_init). */
#define _GNU_SOURCE 1 /* asprintf */
#include <config.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "sandbox/coldcache.h"
#include "sandbox/runtime.h"

int cli_calibrate_asked;

int
cli_calibrate_specs (const char *cmd, varlb_spec_t *specs, size_t n, uint64_t seed,
                     const varlb_channel_opts_t *o)
{
  if (!cli_calibrate_asked)
    return 0;
  uint64_t cseed = varlb_seed_mix (varlb_seed_public (seed), 7);
  for (size_t i = 0; i < n; i++)
    {
      char why[600];
      if (varlb_spec_calibrate (&specs[i], cseed, o, why, sizeof why) != VARLB_OK)
        {
          cli_error (cmd, "%s: %s", specs[i].text, why);
          return -1;
        }
    }
  return 0;
}

/* Owned copies of --expose paths (absolute). */
static char **expose_list;
static size_t expose_n;

int
cli_channel_option (const char *cmd, int opt, const char *arg, varlb_channel_opts_t *o)
{
  size_t v;
  switch (opt)
    {
    case CLI_OPT_CH_TIMEOUT:
      return cli_parse_double (cmd, "--timeout", arg, 0.001, 86400, &o->timeout_s);
    case CLI_OPT_CH_SAMPLE:
      return cli_parse_size (cmd, "--sample", arg, 1, (size_t) 1 << 40, &o->sample);
    case CLI_OPT_CH_MAXFILE:
      if (cli_parse_size (cmd, "--max-file", arg, 4096, (size_t) 1 << 50, &v) != 0)
        return -1;
      o->max_file_bytes = v;
      return 0;
    case CLI_OPT_CH_NOSANDBOX:
      o->isolation = VARLB_ISOLATION_NONE;
      return 0;
    case CLI_OPT_CH_MEM:
      if (cli_parse_size (cmd, "--half-memory", arg, (size_t) 1 << 24, (size_t) 1 << 50, &v) != 0)
        return -1;
      o->mem_bytes = v;
      return 0;
    case CLI_OPT_CH_CPU:
      return cli_parse_double (cmd, "--half-cpu", arg, 1, 1e7, &o->cpu_s);
    case CLI_OPT_CH_PROCS:
      if (cli_parse_size (cmd, "--half-procs", arg, 1, 1 << 20, &v) != 0)
        return -1;
      o->procs = (unsigned) v;
      return 0;
    case CLI_OPT_CH_FILES:
      if (cli_parse_size (cmd, "--half-files", arg, 16, 1 << 20, &v) != 0)
        return -1;
      o->files = (unsigned) v;
      return 0;
    case CLI_OPT_CH_CALIBRATE:
      cli_calibrate_asked = 1;
      return 0;
    case CLI_OPT_CH_COLD_CACHE:
      o->cold_cache = 1;
      return 0;
    case CLI_OPT_CH_CALIBRATE_TIMEOUT:
      return cli_parse_double (cmd, "--calibrate-timeout", arg, 0.001, 86400,
                               &o->calibrate_timeout_s);
    case CLI_OPT_CH_EXPOSE:
      {
        char *real = realpath (arg, NULL), **l;
        if (real == NULL)
          {
            cli_error (cmd, "--expose %s: %s", arg, strerror (errno));
            return -1;
          }
        if ((l = realloc (expose_list, (expose_n + 2) * sizeof *l)) == NULL)
          {
            free (real);
            return -1;
          }
        expose_list = l;
        l[expose_n++] = real;
        l[expose_n] = NULL;
        o->expose = (const char *const *) expose_list;
        return 0;
      }
    default:
      return 1;
    }
}

int
cli_channel_finish (const char *cmd, varlb_channel_opts_t *o, const char *const *outputs)
{
  char key[4096], **hide;
  size_t n = 0;
  o->half_exe = cli_self_exe ();
  if (o->half_exe == NULL)
    {
      cli_error (cmd, "cannot find the varlb binary to run the halves (/proc/self/exe)");
      return -1;
    }
  hide = calloc (2 + (outputs ? 16 : 0), sizeof *hide);
  if (hide == NULL)
    return -1;
  if (cli_judge_key_path)
    hide[n++] = realpath (cli_judge_key_path, NULL);
  else if (varlb_judge_key_default_path (key, sizeof key) == VARLB_OK)
    hide[n++] = realpath (key, NULL);
  if (n && hide[n - 1] == NULL)
    n--;
  for (size_t i = 0; outputs && outputs[i] && i < 16; i++)
    if ((hide[n] = realpath (outputs[i], NULL)) != NULL)
      n++;
  hide[n] = NULL;
  o->hide = (const char *const *) hide;
  char why[600];
  for (size_t i = 0; o->isolation == VARLB_ISOLATION_SANDBOX && o->expose && o->expose[i]; i++)
    {
      char what[4096];
      if (!varlb__halves_reach (o->expose[i], why, sizeof why))
        {
          cli_error (cmd, "--expose %s", why);
          return -1;
        }
      if (varlb__holds_outputs (o->expose[i], what, sizeof what))
        {
          cli_error (cmd, "--expose %s: it holds varlb outputs (%s), which a half must not see",
                     o->expose[i], what);
          return -1;
        }
    }
  if (o->cold_cache && !varlb__cold_cache_possible (why, sizeof why))
    {
      cli_error (cmd, "%s", why);
      return -1;
    }
  if (o->isolation == VARLB_ISOLATION_SANDBOX && !varlb_sandbox_available (why, sizeof why))
    {
      cli_error (cmd, "cannot create the sandbox: %s; --no-sandbox runs without isolation", why);
      return -1;
    }
  return 0;
}

void
cli_channel_clear (varlb_channel_opts_t *o)
{
  free ((char *) o->half_exe);
  if (o->hide)
    for (size_t i = 0; o->hide[i]; i++)
      free ((char *) o->hide[i]);
  free ((void *) o->hide);
  for (size_t i = 0; i < expose_n; i++)
    free (expose_list[i]);
  free (expose_list);
  expose_list = NULL;
  expose_n = 0;
  o->half_exe = NULL;
  o->hide = NULL;
  o->expose = NULL;
}
