/* sweep.c -- `varlb sweep`: many trials of the one-way channel over a grid
 * of instances (schedule or n, d, JL family, seed), compressors with knobs
 * and budgets, written as CSV + JSON Lines rows with a manifest; resumable,
 * and split across MPI ranks when built --with-mpi.  The evidence for the
 * Fano frontier (proofs/achievability.md) is many such rows. */
#define _GNU_SOURCE 1 /* asprintf */
#include <config.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "model.h"
#include "results/plot.h"
#include "sweep.h"
#include "results/verify.h"

/* ------------------------------------------------------- per-token rows */

/* The per-token accuracy behind the heat map, as the judge scored it in
   the trial itself (opts.token_correct): every kind of compressor, the
   queried tokens only. */
static int
token_rows (char **text, size_t *len, const varlb_instance_t *in, const char *spec,
            double budget, const unsigned *correct)
{
  FILE *f = open_memstream (text, len);
  if (f == NULL)
    return VARLB_ENOMEM;
  char sched[512];
  varlb_pyramid_format (&in->par.pyramid, sched, sizeof sched);
  for (size_t t = 0; t < in->alice_tokens; t++)
    {
      if (correct[t] == UINT_MAX)
        continue;
      size_t scale;
      unsigned row, col;
      varlb_pyramid_token_position (&in->par.pyramid, t, &scale, &row, &col);
      fputc ('"', f);
      for (const char *p = spec; *p; p++)
        fprintf (f, *p == '"' ? "\"\"" : "%c", *p);
      fprintf (f, "\",%.0f,%llu,\"%s\",%zu,%s,%zu,%zu,%u,%u,%u,%zu,%u\n", budget,
               (unsigned long long) in->par.seed, sched, in->d, varlb_jl_family_name (in->par.jl),
               t, scale + 1, row, col, in->par.pyramid.pn[scale], in->d, correct[t]);
    }
  if (fclose (f) != 0 || varlb__sign_rows (text, len, CLI_TOKEN_HEADER, in->par.judge_key) != 0)
    return VARLB_ENOMEM;
  return VARLB_OK;
}

/* --------------------------------------------------------------- progress */

static void
progress (size_t done, size_t total, double t0, int final)
{
  double el = cli_now () - t0, rate = el > 0 ? done / el : 0;
  double eta = rate > 0 ? (total - done) / rate : 0;
  int width = 30, fill = total ? (int) (width * done / total) : width;
  fprintf (stderr, "\r[%.*s%*s] %zu/%zu trials  %.2f/s  ETA %dm%02ds ", fill,
           "##############################", width - fill, "", done, total, rate,
           (int) eta / 60, (int) eta % 60);
  if (final)
    fputc ('\n', stderr);
  fflush (stderr);
}

/* ------------------------------------------------------------- the sweep */

static char *
mem_text (size_t *len, void (*fn) (FILE *, const varlb_trial_t *, const varlb_instance_t *),
          const varlb_trial_t *t, const varlb_instance_t *in)
{
  char *s = NULL;
  FILE *f = open_memstream (&s, len);
  if (!f)
    return NULL;
  fn (f, t, in);
  fclose (f);
  return s;
}

/* The options into A: -1 to go on, else the exit code. */
static int
sweep_options (const char *cmd, int argc, char **argv, cli_sweep_args_t *a, cli_options_t *o)
{
  enum { O_TOKENS = CLI_GRID_FIRST_FREE, O_PROGRESS };
  static const struct option own[] = {
    CLI_GRID_LONGOPTS,
    CLI_SWEEP_LONGOPTS,
    { "tokens", required_argument, NULL, O_TOKENS },
    { "progress", required_argument, NULL, O_PROGRESS },
    { NULL, 0, NULL, 0 }
  };
  int c;
  /* A whole model's cache is bounded by --max-cache-bytes, a head's
     instance by --max-memory. */
  if (cli_options_init (o, cmd, CLI_ACCEPT_INSTANCE | CLI_ACCEPT_OUT | CLI_ACCEPT_CHANNEL
                        | (a->model ? CLI_ACCEPT_MODEL | CLI_ACCEPT_MODELS
                                      | CLI_ACCEPT_MODEL_TRIAL : CLI_ACCEPT_MEMORY), own) != 0)
    return CLI_EXIT_USAGE;
  while ((c = cli_options_next (o, argc, argv)) > 0)
    {
      int r = 0;
      switch (c)
        {
        case O_TOKENS:
          if (a->model)
            {
              cli_error (cmd, "--tokens: not with a whole model (--head-rows gives its heads' "
                         "rows)");
              r = -1;
            }
          a->tokens = o->arg;
          break;
        case O_PROGRESS:
          if (strcmp (o->arg, "auto") == 0)
            a->show = -1;
          else if (strcmp (o->arg, "yes") == 0 || strcmp (o->arg, "no") == 0)
            a->show = o->arg[0] == 'y';
          else
            {
              cli_error (cmd, "--progress: expected auto, yes or no, got '%s'", o->arg);
              r = -1;
            }
          break;
        default:
          r = cli_sweep_option (cmd, c, o->arg, &a->s);
          if (r == 1)
            r = cli_grid_option (cmd, &a->g, c, o->arg);
        }
      if (r != 0)
        {
          cli_options_clear (o);
          return CLI_EXIT_USAGE;
        }
    }
  if (c != CLI_OPTIONS_DONE)
    return cli_options_stop (o, c);
  /* The instance options are the grid's base; the channel's are ours. */
  varlb_params_clear (&a->g.base);
  a->g.base = o->p;
  a->opts = o->channel;
  a->out = o->out;
  a->head_rows = o->head_rows;
  a->mo = o->model;
  a->max_cache = o->max_cache;
  a->nnames = o->nmodels;
  memcpy (a->names, o->models, sizeof a->names);
  free (o->longopts);
  return -1;
}

/* The command line into A and the files named into FILES (cleared here on
   failure): -1 to go on, else the exit code. */
static int
sweep_parse (const char *cmd, int argc, char **argv, cli_sweep_args_t *a,
             cli_sweep_files_t *files)
{
  cli_options_t o;
  int rc = sweep_options (cmd, argc, argv, a, &o);
  if (rc >= 0)
    return rc;
  if (!a->out)
    {
      cli_error (cmd, "missing --out FILE.csv");
      return CLI_EXIT_USAGE;
    }
  if (a->s.ratios < 0)
    {
      cli_error (cmd, "no budget: give --ratios R,... (fractions of N%s) or --budgets BITS,...",
                 a->model ? "_total" : "");
      return CLI_EXIT_USAGE;
    }
  if (a->nnames && (a->mo.layers || a->mo.heads))
    {
      cli_error (cmd, "give either --model/--models or --layers/--heads");
      return CLI_EXIT_USAGE;
    }
  if (a->s.resume && a->s.force)
    {
      cli_error (cmd, "--resume and --force contradict each other");
      return CLI_EXIT_USAGE;
    }
  if (a->model && a->nnames == 0)
    a->names[a->nnames++] = NULL; /* the --layers x --heads model */
  if ((rc = cli_sweep_files_init (files, cmd, a->out, a->model ? a->head_rows : a->tokens,
                                  a->model)) != 0)
    {
      cli_sweep_files_clear (files);
      return rc;
    }
  const char *outputs[5], *named[4] = { files->csv, files->jsonl, files->manifest, files->side };
  size_t n = 0;
  for (size_t i = 0; i < 4; i++)
    if (named[i])
      outputs[n++] = named[i];
  outputs[n] = NULL;
  if (cli_channel_finish (cmd, &a->opts, outputs) != 0
      || (a->model ? cli_model_grid_finish (cmd, &a->g, &a->opts)
                   : cli_grid_finish (cmd, &a->g, &a->opts)) != 0)
    {
      cli_sweep_files_clear (files);
      return CLI_EXIT_USAGE;
    }
  /* A whole model's cache is checked with its trial list (cli_model_sweep_list). */
  for (size_t i = 0; !a->model && i < cli_grid_instances (&a->g); i += a->g.nseeds)
    {
      varlb_params_t p;
      cli_grid_params (&p, &a->g, i);
      int bad = cli_check_params_resources (&o, &p, CLI_JOB_DECODE, NULL) != 0;
      varlb_params_clear (&p);
      if (bad)
        {
          cli_sweep_files_clear (files);
          return CLI_EXIT_USAGE;
        }
    }
  return -1;
}

/* A head's trials in grid order (instances x compressors x budgets): each
   one's budget BITS and key KEYS.  Budgets are whole bits. */
static void
sweep_list (double *bits, char **keys, const cli_sweep_args_t *a)
{
  const cli_grid_t *g = &a->g;
  size_t ninst = cli_grid_instances (g);
  for (size_t i = 0, k = 0; i < ninst; i++)
    {
      varlb_params_t p;
      char sched[512], d[32], seed[32], budget[32];
      cli_grid_params (&p, g, i);
      varlb_pyramid_format (&p.pyramid, sched, sizeof sched);
      snprintf (d, sizeof d, "%zu", p.d);
      snprintf (seed, sizeof seed, "%llu", (unsigned long long) p.seed);
      double N = (double) cli_grid_bits (g, i);
      for (size_t s = 0; s < g->nspecs; s++)
        for (size_t b = 0; b < a->s.nbudgets; b++, k++)
          {
            bits[k] = floor (a->s.ratios ? a->s.budgets[b] * N : a->s.budgets[b]);
            snprintf (budget, sizeof budget, "%.0f", bits[k]);
            const char *cells[] = { sched, d, varlb_jl_family_name (p.jl), seed, g->specs[s],
                                    budget };
            keys[k] = cli_trial_key (&cli_sweep_head, cells);
          }
      varlb_params_clear (&p);
    }
}

/* What the trials run on: the instance (a head's) or the model, the
   grid's target BUILT ((size_t) -1: none yet), and a head's token counts
   for --tokens. */
typedef struct sweep_target {
  size_t built;
  varlb_instance_t in;
  varlb_model_t m;
  unsigned *tokc;
} sweep_target_t;

static void
target_clear (sweep_target_t *t, const cli_sweep_args_t *a)
{
  if (t->built != (size_t) -1 && a->model)
    varlb_model_clear (&t->m);
  else if (t->built != (size_t) -1)
    varlb_instance_clear (&t->in);
  t->built = (size_t) -1;
}

/* Target I of A's grid built into T (a head's instance I, or model I of
   the models x instances): 0, or -1 after its error. */
static int
target_build (const char *cmd, sweep_target_t *t, cli_sweep_args_t *a, size_t i)
{
  if (t->built == i)
    return 0;
  target_clear (t, a);
  if (a->model)
    {
      size_t ninst = cli_grid_instances (&a->g);
      if (cli_model_sweep_build (cmd, &t->m, a, a->names[i / ninst], i % ninst) != 0)
        return -1;
      t->built = i;
      return 0;
    }
  varlb_params_t p;
  cli_grid_params (&p, &a->g, i);
  int st = varlb_instance_init (&t->in, &p);
  varlb_params_clear (&p);
  if (st != VARLB_OK)
    {
      cli_error (cmd, "cannot build instance: %s", varlb_strerror (st));
      return -1;
    }
  t->built = i;
  free (t->tokc);
  t->tokc = a->tokens ? malloc ((t->in.alice_tokens + 1) * sizeof *t->tokc) : NULL;
  a->opts.token_correct = t->tokc;
  return 0;
}

/* A head's trial of SP (as the grid names it, SPEC) at BITS on IN, its
   rows (JSON, CSV, token rows) into O: 0, or -1 after its error. */
static int
sweep_trial (const char *cmd, cli_trial_out_t *o, const varlb_instance_t *in,
             const varlb_spec_t *sp, const char *spec, double bits, const cli_sweep_args_t *a,
             const unsigned *tokc)
{
  varlb_trial_t t;
  int st = varlb_trial_run (&t, in, sp, bits, &a->opts);
  if (st != VARLB_OK)
    {
      cli_error (cmd, "%s: cannot run the trial: %s", spec,
                 t.error[0] ? t.error : varlb_strerror (st));
      return -1;
    }
  o->failed = t.status != VARLB_OK;
  o->impossible = t.verdict && strcmp (t.verdict, VARLB_VERDICT_IMPOSSIBLE) == 0;
  o->above = isfinite (t.accuracy) && t.accuracy > t.fano_ceiling;
  if (a->s.no_timing)
    t.wall_s = NAN; /* written as empty / null: rows then depend on the grid alone */
  o->json = mem_text (&o->njson, varlb_trial_write_json, &t, in);
  o->csv = mem_text (&o->ncsv, varlb_trial_write_csv, &t, in);
  if (tokc && t.status == VARLB_OK)
    token_rows (&o->side, &o->nside, in, spec, bits, tokc);
  if (!o->json || !o->csv)
    {
      cli_error (cmd, "out of memory");
      cli_trial_out_clear (o);
      return -1;
    }
  return 0;
}

/* Trial K of the plan P (its target built in T) into O: 0, or -1 after its
   error. */
static int
sweep_run (const char *cmd, cli_trial_out_t *o, sweep_target_t *t, cli_sweep_args_t *a,
           const cli_sweep_plan_t *p, const varlb_model_spec_t *sp, size_t k)
{
  size_t s = k % p->per / a->s.nbudgets;
  if (target_build (cmd, t, a, k / p->per) != 0)
    return -1;
  if (a->model)
    return cli_model_sweep_trial (cmd, o, &t->m, &sp[s], p->bits[k], a);
  return sweep_trial (cmd, o, &t->in, &sp[s].s, a->g.specs[s], p->bits[k], a, t->tokc);
}

/* Every trial of A's grid, in order (targets x compressors x budgets), into
   P; a whole model's each described and its cache checked first.  0, or
   the exit status after one line. */
static int
sweep_plan (const char *cmd, cli_sweep_plan_t *p, const cli_sweep_args_t *a)
{
  const cli_grid_t *g = &a->g;
  p->per = g->nspecs * a->s.nbudgets;
  p->total = (a->model ? a->nnames : 1) * cli_grid_instances (g) * p->per;
  p->keys = calloc (p->total + 1, sizeof *p->keys);
  p->bits = calloc (p->total + 1, sizeof *p->bits);
  int oom = !p->keys || !p->bits;
  if (!oom && a->model && cli_model_sweep_list (cmd, p->keys, p->bits, a) != 0)
    return CLI_EXIT_USAGE;
  if (!oom && !a->model)
    sweep_list (p->bits, p->keys, a);
  for (size_t k = 0; !oom && k < p->total; k++)
    oom = p->keys[k] == NULL;
  if (oom)
    {
      cli_error (cmd, "out of memory");
      return CLI_EXIT_FAIL;
    }
  return 0;
}

static void
sweep_plan_clear (cli_sweep_plan_t *p)
{
  for (size_t k = 0; p->keys && k < p->total; k++)
    free (p->keys[k]);
  free (p->keys);
  free (p->bits);
}

int
cli_sweep (int argc, char **argv)
{
  const char *cmd = "sweep";
  cli_sweep_args_t a = { .s = { .ratios = -1 }, .show = -1,
                         .model = cli_model_requested (argc, argv) };
  int agreed = 1; /* a failure every rank reaches alike: no MPI_Abort */
  varlb_channel_opts_init (&a.opts);
  cli_grid_init (&a.g);
  cli_ranks_t ranks;
  cli_ranks_init (&ranks, &argc, &argv);
  cli_sweep_files_t files;
  cli_sweep_plan_t plan = { 0 };
  varlb_model_spec_t *sp = NULL;
  size_t *pend = NULL, npend = 0;
  int rc = sweep_parse (cmd, argc, argv, &a, &files);
  if (rc >= 0)
    goto done;
  cli_grid_t *g = &a.g;
  if ((rc = sweep_plan (cmd, &plan, &a)) != 0)
    goto close;
  /* Each rank resolves its compressors and calibrates for itself (the
     public seed makes it the same); one that fails stops every rank before
     rank 0 touches a file. */
  sp = calloc (g->nspecs, sizeof *sp);
  pend = malloc ((plan.total + 1) * sizeof *pend);
  int setup = !sp || !pend ? (cli_error (cmd, "out of memory"), CLI_EXIT_FAIL)
              : cli_specs_resolve (cmd, sp, (const char *const *) g->specs, g->nspecs, &a.opts,
                                   g->seeds[0], a.model ? CLI_SPECS_MODEL
                                                         : CLI_SPECS_NOTED /* cli_grid_finish */);
  if (setup != 0)
    free (sp), sp = NULL;
  if ((rc = cli_ranks_share (&ranks, setup, NULL, NULL)) != 0)
    goto close;
  /* Rank 0 alone opens the files and tells every rank its verdict and the
     trials to run; the loop below deals them out. */
  char fp[17];
  varlb_judge_key_fingerprint (fp, g->base.judge_key);
  cli_manifest_t man = { argc, argv, plan.total, ranks.size, fp, &a.opts, g->base.judge_key };
  if (ranks.rank == 0)
    setup = cli_sweep_prepare (cmd, &files, a.model ? &cli_sweep_model : &cli_sweep_head,
                               a.s.resume, a.s.force, plan.keys, plan.total, pend, &npend,
                               &man);
  if ((rc = cli_ranks_share (&ranks, setup, &npend, pend)) != 0)
    goto close;
  /* From here on a rank may fail alone, and the others would wait for it. */
  agreed = 0;
  rc = CLI_EXIT_FAIL;
  sweep_target_t target = { .built = (size_t) -1 };
  int show = (a.show < 0 ? isatty (STDERR_FILENO) : a.show) && ranks.rank == 0;
  double t0 = cli_now ();
  size_t failed = 0, above = 0, written = 0;
  const int fd[3] = { files.fside, files.fjson, files.fcsv };
  const char *const path[3] = { files.side, files.jsonl, files.csv };
  int err = 0;
  for (size_t j = 0; j < npend && !err; j++)
    {
      int owner = cli_ranks_owner (&ranks, j);
      cli_trial_out_t o = { 0 };
      if (owner == ranks.rank && (err = sweep_run (cmd, &o, &target, &a, &plan, sp, pend[j])))
        break;
      /* Rank 0 writes, in grid order: side rows, JSON line, CSV line. */
      if (!cli_ranks_collect (&ranks, &o, owner))
        continue;
      err = cli_trial_out_append (cmd, &o, fd, path) != 0;
      failed += o.failed, above += o.above, written++;
      cli_trial_out_clear (&o);
      if (show)
        progress (written, npend, t0, 0);
    }
  target_clear (&target, &a);
  free (target.tokc);
  if (show)
    progress (written, npend, t0, 1);
  if (err)
    goto close;
  if (ranks.rank == 0)
    {
      /* The verdicts of the whole file (resumed rows included): rows
         alone, and each group pooled over its seeds, Holm over all. */
      char line[512];
      varlb__verdicts_of_file (line, sizeof line, a.out);
      fprintf (stderr, "varlb: sweep: %zu %strials run (%zu already in %s), %zu compressor "
               "failures, %zu above the Fano ceiling (%s), %.1f s%s%s%s\n", written,
               a.model ? "whole-model " : "", plan.total - npend, a.out, failed, above, line,
               cli_now () - t0, a.model ? "" : "; varlb summary ", a.model ? "" : a.out,
               a.model ? "" : " for the intervals over seeds");
    }
  rc = 0;
close:
  cli_sweep_files_clear (&files);
  for (size_t s = 0; sp && s < g->nspecs; s++)
    varlb_model_spec_clear (&sp[s]);
  free (sp);
  free (pend);
  sweep_plan_clear (&plan);
done:
  cli_channel_clear (&a.opts);
  free (a.s.budgets);
  cli_grid_clear (&a.g);
  cli_ranks_clear (&ranks, rc, agreed);
  return rc;
}
