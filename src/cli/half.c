/* half.c -- what runs inside a compressor half's sandbox: `varlb __half`,
 * the wrapper that runs the half's command and hands its output files back
 * to the judge (varlb's own halves, compress.c, in its child without a
 * second exec); `varlb __probe`, a plug-in's self-description; `varlb
 * __calibrate`, a plug-in's calibration directory.  Not for direct use. */
#include <config.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cli.h"
#include "sandbox/sandbox.h"

int cli_probe (int argc, char **argv);

int cli_own_half (int argc, char **argv);

int
cli_half (int argc, char **argv)
{
  const char *cmd = "__half";
  int fd = -1;
  unsigned long long limit = 0;
  const char *collect[VARLB_HALF_MAX_FILES];
  size_t n = 0;
  int i = 1, serve = 0;
  for (; i < argc && strcmp (argv[i], "--") != 0; i++)
    {
      if (strcmp (argv[i], "--serve") == 0)
        {
          serve = 1;
          continue;
        }
      if (i + 1 >= argc)
        break;
      if (strcmp (argv[i], "--frames") == 0)
        fd = atoi (argv[++i]);
      else if (strcmp (argv[i], "--limit") == 0)
        limit = strtoull (argv[++i], NULL, 10);
      else if (strcmp (argv[i], "--collect") == 0 && n < VARLB_HALF_MAX_FILES)
        collect[n++] = argv[++i];
      else
        break;
    }
  if (fd < 3 || limit == 0 || i >= argc || strcmp (argv[i], "--") != 0 || i + 1 >= argc)
    {
      cli_error (cmd, "usage: varlb __half [--serve] --frames FD --limit BYTES [--collect NAME]... -- COMMAND");
      return CLI_EXIT_USAGE;
    }
  if (serve)
    return varlb__half_agent (fd, limit, limit, argv + i + 1);
  /* varlb's own halves run in the wrapper's child without a second exec. */
  char **cmdv = argv + i + 1;
  int (*inproc) (int, char **) = NULL;
  char *self = cli_self_exe (), *target = realpath (cmdv[0], NULL);
  if (self && target && strcmp (self, target) == 0 && cmdv[1])
    inproc = strcmp (cmdv[1], "__compress") == 0 || strcmp (cmdv[1], "__answer") == 0
             || strcmp (cmdv[1], "__compress_model") == 0
             || strcmp (cmdv[1], "__answer_model") == 0 ? cli_own_half
             : strcmp (cmdv[1], "__probe") == 0 ? cli_probe : NULL;
  free (self);
  free (target);
  return varlb__half_wrapper (fd, limit, limit, collect, n, cmdv, inproc);
}

/* Options of __probe and __calibrate. */
enum { H_SPEC = 1, H_DV, H_SEED, H_OUT };

int
cli_probe (int argc, char **argv)
{
  static const struct option longopts[] = {
    { "spec", required_argument, NULL, H_SPEC },
    { "out", required_argument, NULL, H_OUT },
    { "model", no_argument, NULL, H_DV },
    { NULL, 0, NULL, 0 }
  };
  const char *cmd = "__probe", *spec = NULL, *out = NULL;
  int c, model = 0;
  opterr = 0;
  while ((c = getopt_long (argc, argv, "", longopts, NULL)) != -1)
    switch (c)
      {
      case H_SPEC: spec = optarg; break;
      case H_OUT: out = optarg; break;
      case H_DV: model = 1; break; /* whole models: a v2 plug-in too */
      default:
        return cli_bad_option (cmd, argc, argv);
      }
  if (!spec || !out || strncmp (spec, "plugin:", 7) != 0)
    {
      cli_error (cmd, "needs --spec plugin:PATH[:knobs] and --out FILE");
      return CLI_EXIT_USAGE;
    }
  FILE *f = fopen (out, "we");
  if (f == NULL)
    return CLI_EXIT_FAIL;
  char why[512] = "";
  varlb_model_spec_t ms;
  varlb_spec_t s;
  int st = model ? varlb_model_spec_init_local (&ms, spec, why, sizeof why)
                 : varlb_spec_init_local (&s, spec, why, sizeof why);
  if (model)
    s = ms.s;
  /* Tabs and newlines would split the report's fields. */
#define CLEAN(x) for (char *p = (x); p && *p; p++) if (*p == '\t' || *p == '\n' || *p == '\r') *p = ' '
  if (s.c)
    {
      static const char *const type[] = { "int", "number", "text" };
      char buf[1024];
      snprintf (buf, sizeof buf, "%s", s.c->name);
      CLEAN (buf);
      fprintf (f, "name\t%s\n", buf);
      snprintf (buf, sizeof buf, "%s", s.c->description ? s.c->description : "");
      CLEAN (buf);
      fprintf (f, "description\t%s\n", buf);
      for (size_t k = 0; k < s.c->n_knobs && k < 256; k++)
        {
          const varlb_knob_t *kn = &s.c->knobs[k];
          snprintf (buf, sizeof buf, "%s\t%s\t%s\t%g\t%g\t%s", kn->name ? kn->name : "",
                    (unsigned) kn->type < 3 ? type[kn->type] : "?", kn->def ? kn->def : "",
                    kn->min, kn->max, kn->help ? kn->help : "");
          for (char *p = buf; *p; p++)
            if (*p == '\n' || *p == '\r')
              *p = ' ';
          fprintf (f, "knob\t%s\n", buf);
        }
      if (st == VARLB_OK && s.calibration)
        {
          snprintf (buf, sizeof buf, "%s", s.calibration);
          CLEAN (buf);
          fprintf (f, "calibration\t%s\n", buf);
        }
    }
  CLEAN (why);
#undef CLEAN
  if (model && st == VARLB_OK)
    fprintf (f, "abi\t%d\n", ms.abi);
  fprintf (f, "check\t%s\n", st == VARLB_OK ? "ok" : why);
  varlb_spec_clear (&s);
  return fclose (f) == 0 ? 0 : CLI_EXIT_FAIL;
}

int
cli_calibrate (int argc, char **argv)
{
  static const struct option longopts[] = {
    { "spec", required_argument, NULL, H_SPEC },
    { "seed", required_argument, NULL, H_SEED },
    { "out", required_argument, NULL, H_OUT },
    { NULL, 0, NULL, 0 }
  };
  const char *cmd = "__calibrate", *spec = NULL, *out = NULL;
  uint64_t seed = 0;
  int c;
  opterr = 0;
  while ((c = getopt_long (argc, argv, "", longopts, NULL)) != -1)
    switch (c)
      {
      case H_SPEC: spec = optarg; break;
      case H_OUT: out = optarg; break;
      case H_SEED:
        if (cli_parse_u64 (cmd, "--seed", optarg, &seed) != 0)
          return CLI_EXIT_USAGE;
        break;
      default:
        return cli_bad_option (cmd, argc, argv);
      }
  if (!spec || !out || strncmp (spec, "plugin:", 7) != 0)
    {
      cli_error (cmd, "needs --spec plugin:PATH[:knobs], --seed and --out DIR");
      return CLI_EXIT_USAGE;
    }
  char why[512];
  varlb_spec_t s;
  if (varlb_spec_init_local (&s, spec, why, sizeof why) != VARLB_OK)
    {
      cli_error (cmd, "%s", why);
      varlb_spec_clear (&s);
      return CLI_EXIT_USAGE;
    }
  /* A plug-in without the hook has nothing to calibrate: no CALIB. */
  varlb_calibrate_fn fn = (varlb_calibrate_fn) dlsym (s.dl, VARLB_CALIBRATE_SYMBOL);
  int st = VARLB_OK;
  if (fn)
    {
      if (mkdir (out, 0755) != 0)
        st = VARLB_EIO;
      else
        st = fn (out, seed, &s.knobs);
      if (st != VARLB_OK)
        cli_error (cmd, "%s: calibrate returned %d (%s)", s.name, st, varlb_strerror (st));
    }
  varlb_spec_clear (&s);
  return st == VARLB_OK ? 0 : CLI_EXIT_FAIL;
}
