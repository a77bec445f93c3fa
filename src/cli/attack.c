/* attack.c -- `varlb attack`: one trial of each named compressor on the
 * hard instance, through the one-way channel, judged against the Fano
 * ceiling; `varlb list`: the built-in compressors and their knobs. */
#define _GNU_SOURCE 1 /* asprintf */
#include <config.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"
#include "verify.h"
#include "model.h"
#include "sandbox/sandbox.h"

/* S single-quoted for /bin/sh. */
static void
put_quoted (FILE *o, const char *s)
{
  fputc ('\'', o);
  for (; *s; s++)
    if (*s == '\'')
      fputs ("'\\''", o);
    else
      fputc (*s, o);
  fputc ('\'', o);
}

/* X in the fewest digits (up to 17) that read back as exactly X. */
static const char *
exact (char *buf, size_t len, double x)
{
  for (int digits = 1; digits <= 17; digits++)
    {
      snprintf (buf, len, "%.*g", digits, x);
      if (strtod (buf, NULL) == x)
        break;
    }
  return buf;
}

/* A command that redraws the same instance and reruns this one trial (the
   channel is deterministic given the seed), so the witness reappears. */
static void
print_replay (FILE *o, const varlb_trial_t *t, const varlb_instance_t *in)
{
  char sched[4096];
  const varlb_params_t *p = &in->par;
  varlb_pyramid_format (&p->pyramid, sched, sizeof sched);
  fputs ("  replay      varlb attack --compressor ", o);
  put_quoted (o, t->compressor);
  char b[4][32];
  fprintf (o, " --budget %.0f --schedule %s -d %zu --jl %s --keys %s --values %s"
           " --eps %s --C %s --eta %s --seed %llu",
           t->budget_bits, sched, in->d, varlb_jl_family_name (p->jl),
           varlb_jl_norm_name (p->norm), p->values == VARLB_VALUES_PM1 ? "pm1" : "01",
           exact (b[1], 32, p->eps), exact (b[2], 32, in->C), exact (b[3], 32, p->eta),
           (unsigned long long) t->seed);
  if (t->bits_tested < t->N)
    fprintf (o, " --sample %zu", t->bits_tested / in->d);
  if (cli_judge_key_path)
    {
      fputs (" --judge-key ", o);
      put_quoted (o, cli_judge_key_path);
    }
  if (strcmp (t->isolation, "none") == 0)
    fputs (" --no-sandbox", o);
  fputc ('\n', o);
}

void
cli_print_stderr (FILE *o, const varlb_trial_t *t)
{
  if (t->stderr_compress[0])
    fprintf (o, "  stderr      compress: %s\n", t->stderr_compress);
  if (t->stderr_answer[0])
    fprintf (o, "  stderr      answer: %s\n", t->stderr_answer);
}

void
cli_print_judged (FILE *o, const varlb_trial_t *t, const char *typed, const char *nname)
{
  fprintf (o, "  budget      %.0f bits (%s; %.4g %s); charged %.0f bits = 8 x %.0f bytes%s\n",
           t->budget_bits, typed, t->budget_bits / (double) t->N, nname, t->bits_charged,
           t->bits_charged / 8, t->over_budget ? ", over budget: charged in full" : "");
  fprintf (o, "  isolation   %s; side channels %.0f bits (the padded compress time)%s\n",
           t->isolation, t->side_channel_bits,
           strcmp (t->isolation, "none") == 0 ? ": NO SANDBOX, nothing kept the halves apart" : "");
  fprintf (o, "  accuracy    %zu / %zu bits = %.3f%%  (95%% CI [%.3f%%, %.3f%%])\n",
           t->correct, t->bits_tested, 100 * t->accuracy, 100 * t->ci_low, 100 * t->ci_high);
  cli_print_verdict (o, t, nname);
}

void
cli_print_trial_end (FILE *o, const varlb_trial_t *t)
{
  if (t->calibration[0])
    fprintf (o, "  calibration %s (free: fitted before the instance was drawn)\n", t->calibration);
  if (t->provenance[0])
    fprintf (o, "  provenance  %s\n", t->provenance);
  cli_print_stderr (o, t);
  fprintf (o, "  time        %.3f s\n", t->wall_s);
}

/* What the sandbox showed S's halves beyond the system's runtime. */
static void
print_shown (FILE *o, const varlb_spec_t *s, const varlb_channel_opts_t *opts)
{
  if (opts->isolation != VARLB_ISOLATION_SANDBOX)
    return;
  char line[2048];
  varlb__view_describe (line, sizeof line,
                        s->kind == VARLB_SPEC_BUILTIN ? NULL : s->path, opts);
  fprintf (o, "  shown       %s\n", line);
}

/* TYPED: the budget option as the user wrote it ("--budget 20kB"). */
static void
print_trial (FILE *o, const varlb_trial_t *t, const varlb_instance_t *in, const char *typed)
{
  fprintf (o, "compressor    %s\n", t->compressor);
  if (t->status != VARLB_OK)
    {
      fprintf (o, "  FAILED      %s\n", t->error);
      cli_print_stderr (o, t);
      return;
    }
  cli_print_judged (o, t, typed, "N");
  /* The (1 +- eta) rule: an answer within it everywhere decodes every bit
     when eta <= eta* (proofs/variants.md).  At eta = 0 only the measured
     error means anything. */
  if (t->has_approx && t->eta > 0.0)
    fprintf (o, "  (1 +- eta)  largest relative error %.3g; %zu of %zu outputs outside 1 +- %g%s\n",
             t->approx_eta, t->eta_violations, t->bits_tested, t->eta,
             t->eta_violations == 0 ? ": a (1 +- eta)-approximate answer" : "");
  else if (t->has_approx)
    fprintf (o, "  error       largest relative error of the answers %.3g (against exact "
             "attention over the given cache)\n", t->approx_eta);
  if (t->has_witness)
    {
      fprintf (o, "  witness     seed %llu, token %zu, coordinate %zu (true bit %d): "
               "full cache %.6g, compressor %.6g\n", (unsigned long long) t->seed,
               t->witness_token, t->witness_coord,
               varlb_bits_get (&in->x, t->witness_token, t->witness_coord),
               t->witness_true, t->witness_returned);
      print_replay (o, t, in);
    }
  cli_print_trial_end (o, t);
}

/* SPECS (N) resolved into *SP (calloc'd), their notes said and the ones
   that calibrate calibrated with the public SEED: 0, or the exit code
   after one line (nothing left allocated). */
static int
attack_specs (varlb_spec_t **sp_out, const char *cmd, const char *const *specs, size_t n,
              const varlb_channel_opts_t *opts, uint64_t seed)
{
  varlb_spec_t *sp = calloc (n, sizeof *sp);
  char why[512];
  if (sp == NULL)
    {
      cli_error (cmd, "out of memory");
      return CLI_EXIT_FAIL;
    }
  for (size_t i = 0; i < n; i++)
    if (varlb_spec_init_opts (&sp[i], specs[i], opts, why, sizeof why) != VARLB_OK)
      {
        cli_spec_error (cmd, "--compressor", specs[i], why, 0);
        for (size_t j = 0; j <= i; j++)
          varlb_spec_clear (&sp[j]);
        free (sp);
        return CLI_EXIT_USAGE;
      }
  for (size_t i = 0; i < n; i++)
    cli_spec_note (cmd, &sp[i]);
  if (cli_calibrate_specs (cmd, sp, n, seed, opts) != 0)
    {
      for (size_t j = 0; j < n; j++)
        varlb_spec_clear (&sp[j]);
      free (sp);
      return CLI_EXIT_FAIL;
    }
  *sp_out = sp;
  return 0;
}

/* Trial I of `varlb attack`: compressor SP on IN at BITS, its report on
   stdout (text or JSON), its blob kept in KEEP/I.blob when asked.  0, or
   -1 when it failed. */
static int
attack_one (const char *cmd, const varlb_instance_t *in, const varlb_spec_t *sp, size_t i,
            double bits, varlb_channel_opts_t *opts, const char *keep, int json,
            const char *typed)
{
  varlb_trial_t t;
  char blobpath[4096];
  int rc = 0;
  cli_keep_blob (blobpath, sizeof blobpath, keep, i, opts);
  int r = varlb_trial_run (&t, in, sp, bits, opts);
  opts->keep_blob = NULL; /* BLOBPATH ends with this call */
  if (r != VARLB_OK)
    {
      cli_error (cmd, "%s: the trial could not run: %s", sp->text,
                 t.error[0] ? t.error : varlb_strerror (r));
      return -1;
    }
  if (t.status != VARLB_OK)
    {
      rc = -1;
      cli_error (cmd, "%s: %s", t.compressor, t.error);
    }
  if (json)
    varlb_trial_write_json (stdout, &t, in);
  else
    {
      if (i)
        putchar ('\n');
      print_trial (stdout, &t, in, typed);
      print_shown (stdout, sp, opts);
    }
  fflush (stdout);
  return rc;
}

int
cli_attack (int argc, char **argv)
{
  if (cli_model_requested (argc, argv))
    return cli_attack_model (argc, argv); /* whole models: src/cli/model_attack.c */
  enum { O_COMP = CLI_OPT_FIRST_FREE, O_BUDGET, O_RATIO, O_KEEP };
  static const struct option own[] = {
    { "compressor", required_argument, NULL, O_COMP },
    { "budget", required_argument, NULL, O_BUDGET },
    { "ratio", required_argument, NULL, O_RATIO },
    { "keep-blobs", required_argument, NULL, O_KEEP },
    { NULL, 0, NULL, 0 }
  };
  const char *cmd = "attack";
  cli_options_t o;
  const char *specs[64];
  size_t nspecs = 0;
  double budget = NAN, ratio = NAN;
  const char *keep = NULL, *typed_arg = NULL;
  int c;
  if (cli_options_init (&o, cmd, CLI_ACCEPT_INSTANCE | CLI_ACCEPT_JSON | CLI_ACCEPT_MEMORY
                        | CLI_ACCEPT_CHANNEL, own) != 0)
    return CLI_EXIT_FAIL;
  while ((c = cli_options_next (&o, argc, argv)) > 0)
    switch (c)
      {
      case O_COMP:
        if (nspecs == 64)
          {
            cli_error (cmd, "--compressor: at most 64 per run");
            return cli_options_stop (&o, CLI_OPTIONS_ERROR);
          }
        specs[nspecs++] = o.arg;
        break;
      case O_BUDGET:
        if (cli_parse_budget (cmd, "--budget", o.arg, 0, 1e18, &budget) != 0)
          return cli_options_stop (&o, CLI_OPTIONS_ERROR);
        typed_arg = o.arg;
        break;
      case O_RATIO:
        if (cli_parse_double (cmd, "--ratio", o.arg, 0, 1e6, &ratio) != 0)
          return cli_options_stop (&o, CLI_OPTIONS_ERROR);
        typed_arg = o.arg;
        break;
      case O_KEEP:
        keep = o.arg;
        break;
      }
  if (c != CLI_OPTIONS_DONE)
    return cli_options_stop (&o, c);
  /* From here on the parsed parameters and channel options are ours. */
  varlb_params_t p = o.p;
  varlb_channel_opts_t opts = o.channel;
  int json = o.json, rc = CLI_EXIT_USAGE;
  free (o.longopts);
  if (cli_attack_given (cmd, nspecs, budget, ratio, "") != 0)
    goto done;
  if (cli_check_resources (&o, CLI_JOB_DECODE, NULL) != 0)
    goto done;
  const char *outputs[] = { keep, NULL };
  if (cli_channel_finish (cmd, &opts, outputs) != 0)
    goto done;
  /* Resolve every compressor before running any, so a typo costs nothing. */
  varlb_spec_t *sp = NULL;
  if ((rc = attack_specs (&sp, cmd, specs, nspecs, &opts, p.seed)) != 0)
    goto done;
  rc = CLI_EXIT_USAGE;
  if (keep && cli_make_dir (cmd, "--keep-blobs", keep) != 0)
    {
      for (size_t j = 0; j < nspecs; j++)
        varlb_spec_clear (&sp[j]);
      free (sp);
      goto done;
    }
  varlb_instance_t in;
  int st = varlb_instance_init (&in, &p);
  rc = 0;
  if (st != VARLB_OK)
    {
      cli_error (cmd, "cannot build the instance: %s", varlb_strerror (st));
      rc = CLI_EXIT_FAIL;
    }
  /* Budgets are whole bits; the report echoes the option as typed. */
  char typed[128];
  cli_budget_typed (typed, sizeof typed, isnan (budget), typed_arg);
  double bits = floor (isnan (budget) ? ratio * (double) (st == VARLB_OK ? in.N : 0) : budget);
  for (size_t i = 0; st == VARLB_OK && i < nspecs; i++)
    if (attack_one (cmd, &in, &sp[i], i, bits, &opts, keep, json, typed) != 0)
      rc = CLI_EXIT_FAIL;
  if (st == VARLB_OK)
    varlb_instance_clear (&in);
  for (size_t j = 0; j < nspecs; j++)
    varlb_spec_clear (&sp[j]);
  free (sp);
done:
  cli_channel_clear (&opts);
  varlb_params_clear (&p);
  return rc;
}

/* `varlb list plugin:PATH.so`: the plug-in's self-description from a
   sandboxed probe. */
static int
list_plugin (const char *spec)
{
  varlb_channel_opts_t o;
  varlb_channel_opts_init (&o);
  if (cli_channel_finish ("list", &o, NULL) != 0)
    return CLI_EXIT_FAIL;
  char why[512], *report = NULL, *full = realpath (spec + 7, NULL), *canon = NULL;
  int rc = CLI_EXIT_USAGE;
  if (full == NULL)
    cli_error ("list", "%s: %s", spec + 7, strerror (errno));
  else if (asprintf (&canon, "plugin:%s", full) < 0)
    rc = CLI_EXIT_FAIL;
  else if (varlb_spec_probe (&report, canon, &o, why, sizeof why) != VARLB_OK)
    cli_error ("list", "%s", why);
  else
    {
      /* "key\tvalue" lines: name, description, knob (6 fields), check. */
      for (char *line = strtok (report, "\n"); line; line = strtok (NULL, "\n"))
        {
          char *tab = strchr (line, '\t');
          if (!tab)
            continue;
          *tab = '\0';
          if (strcmp (line, "name") == 0)
            printf ("%s (plug-in %s)\n", tab + 1, full);
          else if (strcmp (line, "description") == 0)
            printf ("    %s\n", tab + 1);
          else if (strcmp (line, "knob") == 0)
            {
              char *f[6] = { tab + 1 };
              for (int i = 1; i < 6 && f[i - 1]; i++)
                if ((f[i] = strchr (f[i - 1], '\t')) != NULL)
                  *f[i]++ = '\0';
              if (f[5])
                printf ("    %-12s %-6s default %-8s [%s, %s] %s\n", f[0], f[1], f[2], f[3], f[4], f[5]);
            }
          else if (strcmp (line, "check") == 0 && strcmp (tab + 1, "ok") != 0)
            printf ("    (its default knobs are refused: %s)\n", tab + 1);
        }
      rc = 0;
    }
  free (report);
  free (canon);
  free (full);
  cli_channel_clear (&o);
  return rc;
}

int
cli_list (int argc, char **argv)
{
  if (argc > 1)
    {
      if (strcmp (argv[1], "--help") == 0)
        {
          cli_print_help ("list", stdout);
          return 0;
        }
      if (argc == 2 && strncmp (argv[1], "plugin:", 7) == 0)
        return list_plugin (argv[1]);
      cli_error ("list", "unexpected argument '%s'", argv[1]);
      return CLI_EXIT_USAGE;
    }
  static const char *const type[] = { "int", "number", "text" };
  for (size_t i = 0; i < varlb_compressor_count (); i++)
    {
      const varlb_compressor_t *c = varlb_compressor_at (i);
      printf ("%s\n    %s\n", c->name, c->description);
      /* Knob names as wide as this compressor's longest (kvpress's run long). */
      int w = 12;
      for (size_t k = 0; k < c->n_knobs; k++)
        if ((int) strlen (c->knobs[k].name) > w)
          w = (int) strlen (c->knobs[k].name);
      for (size_t k = 0; k < c->n_knobs; k++)
        {
          const varlb_knob_t *kn = &c->knobs[k];
          if (kn->type == VARLB_KNOB_STRING)
            printf ("    %-*s %-6s default %-8s %s\n", w, kn->name, type[kn->type], kn->def, kn->help);
          else
            printf ("    %-*s %-6s default %-8s [%g, %g] %s\n", w, kn->name, type[kn->type],
                    kn->def, kn->min, kn->max, kn->help);
        }
      /* A library built-in's exact calls, so they can be reproduced. */
      const char *set = varlb_compressor_settings (c), *ver = varlb_compressor_provenance (c);
      if (set)
        printf ("    settings (%s):\n", ver ? ver : "library");
      for (const char *p = set; p && *p;)
        {
          size_t n = strcspn (p, "\n");
          printf ("      %.*s\n", (int) n, p);
          p += n + (p[n] == '\n');
        }
    }
  cli_list_models (); /* whole-model compressors: src/cli/model_attack.c */
  printf ("plugin:PATH.so[:k=v,...]\n    a C shared object exporting %s (see varlb.h)\n"
          "exec:COMMAND\n    an external program speaking the file protocol (see README)\n",
          VARLB_COMPRESSOR_SYMBOL);
  return 0;
}
