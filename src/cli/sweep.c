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
#include "plot.h"
#include "sweep.h"
#include "verify.h"

/* ------------------------------------------------------- the trial list */

typedef struct trial_ref {
  size_t inst, spec, budget;
  double budget_bits;
} trial_ref_t;

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
  if (fclose (f) != 0 || cli_sign_rows (text, len, CLI_TOKEN_HEADER, in->par.judge_key) != 0)
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
        case O_PROGRESS:
          if (a->model)
            {
              cli_error (cmd, "%s: not with a whole model%s", c == O_TOKENS ? "--tokens"
                         : "--progress", c == O_TOKENS ? " (--head-rows gives its heads' rows)"
                         : "");
              r = -1;
            }
          else if (c == O_TOKENS)
            a->tokens = o->arg;
          else if (strcmp (o->arg, "auto") == 0)
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

/* The command line into A and, for a head's sweep, the files named into
   FILES (cleared here on failure): -1 to go on, else the exit code. */
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
  if (a->model)
    {
      if (a->nnames == 0)
        a->names[a->nnames++] = NULL; /* the --layers x --heads model */
      return -1; /* its files and grid: cli_sweep_model */
    }
  if ((rc = cli_sweep_files_init (files, cmd, a->out, a->tokens, 0)) != 0)
    {
      cli_sweep_files_clear (files);
      return rc;
    }
  const char *outputs[] = { files->csv, files->jsonl, files->manifest, files->side, NULL };
  if (cli_channel_finish (cmd, &a->opts, outputs) != 0
      || cli_grid_finish (cmd, &a->g, &a->opts) != 0)
    {
      cli_sweep_files_clear (files);
      return CLI_EXIT_USAGE;
    }
  for (size_t i = 0; i < cli_grid_instances (&a->g); i += a->g.nseeds)
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

/* The full trial list LIST and its keys KEYS (TOTAL each), in grid order.
   Budgets are whole bits. */
static void
sweep_list (trial_ref_t *list, char **keys, const cli_sweep_args_t *a)
{
  const cli_grid_t *g = &a->g;
  size_t ninst = cli_grid_instances (g);
  for (size_t i = 0, k = 0; i < ninst; i++)
    {
      varlb_params_t p;
      char sched[512], d[32], seed[32];
      cli_grid_params (&p, g, i);
      varlb_pyramid_format (&p.pyramid, sched, sizeof sched);
      snprintf (d, sizeof d, "%zu", p.d);
      snprintf (seed, sizeof seed, "%llu", (unsigned long long) p.seed);
      double N = (double) cli_grid_bits (g, i);
      for (size_t s = 0; s < g->nspecs; s++)
        for (size_t b = 0; b < a->s.nbudgets; b++, k++)
          {
            list[k].inst = i, list[k].spec = s, list[k].budget = b;
            list[k].budget_bits = floor (a->s.ratios ? a->s.budgets[b] * N : a->s.budgets[b]);
            keys[k] = cli_trial_key (sched, d, varlb_jl_family_name (p.jl), seed, g->specs[s],
                                     list[k].budget_bits);
          }
      varlb_params_clear (&p);
    }
}

/* The instance of TR in IN (CUR the one there, (size_t) -1 for none) and
   its token counts' buffer *TOKC for --tokens: 0, or -1 after its error. */
static int
sweep_instance (const char *cmd, varlb_instance_t *in, size_t *cur, unsigned **tokc,
                cli_sweep_args_t *a, const trial_ref_t *tr)
{
  if (tr->inst == *cur)
    return 0;
  if (*cur != (size_t) -1)
    varlb_instance_clear (in);
  varlb_params_t p;
  cli_grid_params (&p, &a->g, tr->inst);
  int st = varlb_instance_init (in, &p);
  varlb_params_clear (&p);
  if (st != VARLB_OK)
    {
      cli_error (cmd, "cannot build instance: %s", varlb_strerror (st));
      *cur = (size_t) -1;
      return -1;
    }
  *cur = tr->inst;
  free (*tokc);
  *tokc = a->tokens ? malloc ((in->alice_tokens + 1) * sizeof **tokc) : NULL;
  a->opts.token_correct = *tokc;
  return 0;
}

/* One trial TR run on IN, its rows (JSON, CSV, token rows) into O: 0, or
   -1 after its error. */
static int
sweep_trial (const char *cmd, cli_trial_out_t *o, const varlb_instance_t *in,
             const varlb_spec_t *sp, const trial_ref_t *tr, const cli_sweep_args_t *a,
             const unsigned *tokc)
{
  varlb_trial_t t;
  const char *spec = a->g.specs[tr->spec];
  int st = varlb_trial_run (&t, in, sp, tr->budget_bits, &a->opts);
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
    token_rows (&o->side, &o->nside, in, spec, tr->budget_bits, tokc);
  if (!o->json || !o->csv)
    {
      cli_error (cmd, "out of memory");
      cli_trial_out_clear (o);
      return -1;
    }
  return 0;
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
  int rank = ranks.rank;
  cli_sweep_files_t files;
  int rc = sweep_parse (cmd, argc, argv, &a, &files);
  if (rc >= 0)
    goto done;
  if (a.model)
    {
      rc = cli_sweep_model (&a, &ranks, &agreed); /* src/cli/model_sweep.c */
      goto done;
    }
  rc = CLI_EXIT_FAIL;
  cli_grid_t *g = &a.g;
  varlb_channel_opts_t *opts = &a.opts;

  size_t total = cli_grid_instances (g) * g->nspecs * a.s.nbudgets;
  trial_ref_t *list = calloc (total + 1, sizeof *list);
  char **keys = calloc (total + 1, sizeof *keys);
  if (!list || !keys)
    {
      cli_error (cmd, "out of memory");
      free (list);
      free (keys);
      cli_sweep_files_clear (&files);
      goto done;
    }
  sweep_list (list, keys, &a);

  char fp[17];
  varlb_judge_key_fingerprint (fp, g->base.judge_key);
  cli_manifest_t man = { argc, argv, total, ranks.size, fp, opts, g->base.judge_key };
  size_t npend = 0;
  size_t *pend = malloc ((total + 1) * sizeof *pend);
  int setup = pend ? 0 : CLI_EXIT_FAIL;
  if (setup != 0)
    cli_error (cmd, "out of memory");
  else if (rank == 0)
    setup = cli_sweep_prepare (cmd, &files, a.s.resume, a.s.force, keys, total, pend, &npend,
                               &man);
  /* Rank 0's verdict and pending list; the loop below deals them out. */
  setup = cli_ranks_share (&ranks, setup, &npend, pend);
  if (setup != 0)
    {
      rc = setup;
      goto close_files;
    }
  /* From here on a rank may fail alone, and the others would wait for it. */
  agreed = 0;

  int io_error = 0;
  varlb_spec_t *sp = calloc (g->nspecs, sizeof *sp);
  for (size_t s = 0; s < g->nspecs; s++)
    {
      char why[512];
      varlb_spec_init_opts (&sp[s], g->specs[s], opts, why, sizeof why); /* checked by grid_finish */
    }
  /* Each rank calibrates for itself: the public seed makes it the same. */
  if (cli_calibrate_specs (cmd, sp, g->nspecs, g->seeds[0], opts) != 0)
    io_error = 1;
  unsigned *tokc = NULL;
  int show = (a.show < 0 ? isatty (STDERR_FILENO) : a.show) && rank == 0;
  double t0 = cli_now ();
  size_t failed = 0, above = 0, written = 0;
  varlb_instance_t in;
  size_t cur = (size_t) -1;
  const int fd[3] = { files.fside, files.fjson, files.fcsv };
  const char *const path[3] = { files.side, files.jsonl, files.csv };
  for (size_t j = 0; j < npend && !io_error; j++)
    {
      const trial_ref_t *tr = &list[pend[j]];
      int owner = cli_ranks_owner (&ranks, j);
      cli_trial_out_t o;
      memset (&o, 0, sizeof o);
      if (owner == rank
          && (sweep_instance (cmd, &in, &cur, &tokc, &a, tr) != 0
              || sweep_trial (cmd, &o, &in, &sp[tr->spec], tr, &a, tokc) != 0))
        {
          io_error = 1;
          break;
        }
      /* Rank 0 writes, in grid order: token rows, JSON line, CSV line. */
      if (!cli_ranks_collect (&ranks, &o, owner))
        continue;
      if (cli_trial_out_append (cmd, &o, fd, path) != 0)
        {
          cli_trial_out_clear (&o);
          io_error = 1;
          break;
        }
      failed += o.failed, above += o.above, written++;
      cli_trial_out_clear (&o);
      if (show)
        progress (written, npend, t0, 0);
    }
  if (cur != (size_t) -1)
    varlb_instance_clear (&in);
  for (size_t s = 0; s < g->nspecs; s++)
    varlb_spec_clear (&sp[s]);
  free (sp);
  free (tokc);
  if (show)
    progress (written, npend, t0, 1);
  if (rank == 0 && !io_error)
    {
      /* The verdicts of the whole file (resumed rows included): rows
         alone, and each group pooled over its seeds, Holm over all. */
      char line[512];
      cli_verdicts_of_file (line, sizeof line, a.out);
      fprintf (stderr, "varlb: sweep: %zu trials run (%zu already in %s), %zu compressor "
               "failures, %zu above the Fano ceiling (%s), %.1f s; varlb summary %s for the "
               "intervals over seeds\n", written, total - npend, a.out, failed, above, line,
               cli_now () - t0, a.out);
      rc = 0;
    }
  else if (rank != 0 && !io_error)
    rc = 0;
close_files:
  cli_sweep_files_clear (&files);
  free (pend);
  for (size_t k = 0; k < total; k++)
    free (keys[k]);
  free (keys);
  free (list);
done:
  cli_channel_clear (&a.opts);
  free (a.s.budgets);
  cli_grid_clear (&a.g);
  cli_ranks_clear (&ranks, rc, agreed);
  return rc;
}
