/* attack.c -- `varlb attack`: one trial of each named compressor through
 * the one-way channel, on one head's hard instance or (--model, --layers,
 * --heads) on a whole model's cache under one global budget, judged against
 * the Fano ceiling; one head's text report (a whole model's: model_report.c)
 * and the compressors resolved, which sweep --model shares. */
#define _GNU_SOURCE 1 /* asprintf */
#include <config.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"
#include "model.h"
#include "sweep.h"
#include "results/verify.h"
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

/* The bound, frontier and verdict lines of attack's report for T (NNAME:
   "N" or "N_total"), efficiency above 1 flagged. */
static void
print_verdict (FILE *o, const varlb_trial_t *t, const char *nname)
{
  int within = t->bits_charged <= t->budget_bits;
  fprintf (o, "  bound       Fano ceiling %.3f%% at %.4g bits judged (%s, + %.0f side-channel "
           "bits) of %s = %zu; trivial line %.3f%%\n", 100 * t->fano_ceiling, t->bits_judged,
           within ? "every whole byte of the budget" : "charged + the blob's length + 6",
           t->side_channel_bits, nname, t->N, 100 * t->trivial);
  /* Efficiency above 1: the accuracy needs more bits than the blob holds
     (the budget's unused bytes, a side channel, or chance). */
  if (isfinite (t->efficiency))
    fprintf (o, "  frontier    the optimum reaches %.4f with %.4g %s: efficiency %.1f%%%s\n",
             t->accuracy, varlb_fano_bits_needed (t->accuracy, (double) t->N) / (double) t->N,
             nname, 100 * t->efficiency,
             t->efficiency > 1.0 ? " -- ABOVE 100%: more than the blob alone allows" : "");
  fprintf (o, "  verdict     %s%s (p = %.2g)\n", t->over_budget ? "over budget: " : "",
           t->verdict, t->p_value);
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
  print_verdict (o, t, nname);
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

int
cli_specs_resolve (const char *cmd, varlb_model_spec_t *sp, const char *const *specs, size_t n,
                   const varlb_channel_opts_t *o, uint64_t seed, unsigned flags)
{
  int model = (flags & CLI_SPECS_MODEL) != 0;
  char why[512];
  size_t i = 0;
  int bad = 0; /* 0, or the exit status */
  for (; !bad && i < n; i++)
    {
      why[0] = '\0';
      if ((model ? varlb_model_spec_init_opts (&sp[i], specs[i], o, why, sizeof why)
                 : varlb_spec_init_opts (&sp[i].s, specs[i], o, why, sizeof why)) != VARLB_OK)
        {
          cli_spec_error (cmd, "--compressor", specs[i], why[0] ? why : specs[i], model);
          bad = CLI_EXIT_USAGE;
        }
    }
  for (size_t j = 0; !bad && !(flags & CLI_SPECS_NOTED) && j < n; j++)
    cli_spec_note (cmd, &sp[j].s);
  /* --calibrate: on a whole model, exec: and serve: programs calibrate as
     on one head (their halves find the directory at VARLB_CALIBRATION or
     in the request); a plug-in's hook is a single-head one. */
  for (size_t j = 0; !bad && j < n; j++)
    if (model && cli_calibrate_asked && sp[j].s.kind == VARLB_SPEC_PLUGIN)
      {
        cli_error (cmd, "--calibrate: %s: plug-ins are not calibrated on whole models",
                   specs[j]);
        bad = CLI_EXIT_USAGE;
      }
    else if ((!model || sp[j].s.kind == VARLB_SPEC_EXEC || sp[j].s.kind == VARLB_SPEC_SERVE)
             && cli_calibrate_specs (cmd, &sp[j].s, 1, seed, o) != 0)
      bad = CLI_EXIT_FAIL;
  if (bad)
    for (size_t j = 0; j < i; j++)
      varlb_model_spec_clear (&sp[j]);
  return bad;
}

/* One run of `varlb attack`: what every trial runs on (a head's instance
   IN, or a whole model M) and where its report goes. */
typedef struct attack_job {
  const char *cmd, *keep, *typed;
  const varlb_instance_t *in;
  const varlb_model_t *m;  /* NULL: one head */
  varlb_channel_opts_t *opts;
  double bits;
  unsigned long long max_cache;
  int json;
  int fd;                  /* --head-rows' descriptor, or -1 */
  const char *head_rows;
} attack_job_t;

/* Trial I of J: compressor SP, its report on stdout (text or JSON), a whole
   model's head rows appended to --head-rows, its blob kept in KEEP/I.blob
   when asked.  0, or -1 when it failed. */
static int
attack_one (const attack_job_t *j, const varlb_model_spec_t *sp, size_t i)
{
  varlb_model_trial_t mt;
  varlb_trial_t *t = &mt.t;
  char blobpath[4096];
  int rc = 0;
  memset (&mt, 0, sizeof mt);
  cli_keep_blob (blobpath, sizeof blobpath, j->keep, i, j->opts);
  int st = j->m ? varlb_model_trial_run (&mt, j->m, sp, j->bits, j->opts, j->max_cache)
                : varlb_trial_run (t, j->in, &sp->s, j->bits, j->opts);
  j->opts->keep_blob = NULL; /* BLOBPATH ends with this call */
  if (st != VARLB_OK)
    {
      cli_error (j->cmd, "%s: the trial could not run: %s", sp->s.text,
                 t->error[0] ? t->error : varlb_strerror (st));
      varlb_model_trial_clear (&mt);
      return -1;
    }
  if (t->status != VARLB_OK)
    {
      rc = -1;
      cli_error (j->cmd, "%s: %s", t->compressor, t->error);
    }
  if (j->json && j->m)
    varlb_model_trial_write_json (stdout, &mt, j->m);
  else if (j->json)
    varlb_trial_write_json (stdout, t, j->in);
  else
    {
      if (i)
        putchar ('\n');
      if (j->m)
        cli_print_model_trial (stdout, &mt, j->m, sp, j->typed);
      else
        print_trial (stdout, t, j->in, j->typed);
      print_shown (stdout, &sp->s, j->opts);
    }
  fflush (stdout);
  size_t len;
  char *text = j->fd >= 0 && t->status == VARLB_OK
               ? cli_model_head_rows (&len, &mt, j->m, j->bits) : NULL;
  if (text && cli_append_row (j->cmd, j->fd, j->head_rows, text, len) != 0)
    rc = -1;
  free (text);
  varlb_model_trial_clear (&mt);
  return rc;
}

/* What J's trials run on, once the options are read: a whole model (*M,
   --head-rows opened) or a head's budget checked; 0, or the exit status
   after one line. */
static int
attack_target (attack_job_t *j, cli_options_t *o, varlb_model_t *m)
{
  if (!j->m)
    return cli_check_resources (o, CLI_JOB_DECODE, NULL) != 0 ? CLI_EXIT_USAGE : 0;
  if (cli_model_finish (j->cmd, &o->model, &o->p, m) != 0)
    {
      j->m = NULL;
      return CLI_EXIT_USAGE;
    }
  const char *head = CLI_HEAD_ROWS_HEADER;
  int *fdp = &j->fd;
  if (cli_model_cache_fits (j->cmd, m, j->max_cache) != 0
      || (j->head_rows && cli_open_outputs (j->cmd, 1, &j->head_rows, &fdp, &head, 0) != 0))
    return CLI_EXIT_USAGE;
  return 0;
}

int
cli_attack (int argc, char **argv)
{
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
  int c, model = cli_model_requested (argc, argv);
  /* A whole model's cache is bounded by --max-cache-bytes, a head's
     instance by --max-memory. */
  if (cli_options_init (&o, cmd, CLI_ACCEPT_INSTANCE | CLI_ACCEPT_JSON | CLI_ACCEPT_CHANNEL
                        | (model ? CLI_ACCEPT_MODEL | CLI_ACCEPT_MODEL_TRIAL : CLI_ACCEPT_MEMORY), own) != 0)
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
  free (o.longopts);
  varlb_model_t m;
  varlb_instance_t in;
  varlb_model_spec_t *sp = NULL;
  char typed[128];
  cli_budget_typed (typed, sizeof typed, isnan (budget), typed_arg);
  attack_job_t j = { .cmd = cmd, .keep = keep, .typed = typed, .in = &in,
                     .m = model ? &m : NULL, .opts = &opts, .json = o.json, .fd = -1,
                     .head_rows = o.head_rows, .max_cache = (unsigned long long) o.max_cache };
  int st = VARLB_EINVAL, rc = CLI_EXIT_USAGE;
  const char *outputs[] = { keep, o.head_rows, NULL };
  if (cli_attack_given (cmd, nspecs, budget, ratio, model ? " (of N_total)" : "") != 0
      || (rc = attack_target (&j, &o, &m)) != 0)
    goto done;
  rc = CLI_EXIT_USAGE;
  /* Resolve every compressor before running any, so a typo costs nothing. */
  if (cli_channel_finish (cmd, &opts, outputs) != 0)
    goto done;
  if ((sp = calloc (nspecs, sizeof *sp)) == NULL)
    {
      cli_error (cmd, "out of memory");
      rc = CLI_EXIT_FAIL;
      goto done;
    }
  if ((rc = cli_specs_resolve (cmd, sp, specs, nspecs, &opts, p.seed,
                                  model ? CLI_SPECS_MODEL : 0)) != 0)
    {
      free (sp);
      sp = NULL;
      goto done;
    }
  rc = CLI_EXIT_USAGE;
  if (keep && cli_make_dir (cmd, "--keep-blobs", keep) != 0)
    goto done;
  rc = 0;
  if (!model && (st = varlb_instance_init (&in, &p)) != VARLB_OK)
    {
      cli_error (cmd, "cannot build the instance: %s", varlb_strerror (st));
      rc = CLI_EXIT_FAIL;
    }
  /* Budgets are whole bits; the report echoes the option as typed. */
  j.bits = floor (isnan (budget) ? ratio * (double) (model ? varlb_model_hidden_bits (&m)
                                                     : st == VARLB_OK ? in.N : 0) : budget);
  for (size_t i = 0; (model || st == VARLB_OK) && i < nspecs; i++)
    if (attack_one (&j, &sp[i], i) != 0)
      rc = CLI_EXIT_FAIL;
  if (!model && st == VARLB_OK)
    varlb_instance_clear (&in);
done:
  for (size_t i = 0; sp && i < nspecs; i++)
    varlb_model_spec_clear (&sp[i]);
  free (sp);
  if (j.fd >= 0)
    close (j.fd);
  if (j.m)
    varlb_model_clear (&m);
  cli_channel_clear (&opts);
  varlb_params_clear (&p);
  return rc;
}
