/* sweep.c -- `varlb sweep`: many trials of the one-way channel over a grid
 * of instances (schedule or n, d, JL family, seed), compressors with knobs
 * and budgets, written as CSV + JSON Lines rows with a manifest; resumable,
 * and split across MPI ranks when built --with-mpi.  The evidence for the
 * Fano frontier (paper.md sec. 4) is many such rows. */
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

int
cli_sweep (int argc, char **argv)
{
  if (cli_model_requested (argc, argv))
    return cli_sweep_model (argc, argv); /* whole models: src/cli/model_attack.c */
  enum {
    O_BUDGETS = CLI_GRID_FIRST_FREE, O_RATIOS, O_RESUME, O_FORCE, O_TOKENS,
    O_PROGRESS, O_NO_TIMING
  };
  static const struct option own[] = {
    CLI_GRID_LONGOPTS,
    { "budgets", required_argument, NULL, O_BUDGETS },
    { "ratios", required_argument, NULL, O_RATIOS },
    { "resume", no_argument, NULL, O_RESUME },
    { "force", no_argument, NULL, O_FORCE },
    { "tokens", required_argument, NULL, O_TOKENS },
    { "progress", required_argument, NULL, O_PROGRESS },
    { "no-timing", no_argument, NULL, O_NO_TIMING },
    { NULL, 0, NULL, 0 }
  };
  const char *cmd = "sweep", *out = NULL, *tokens = NULL;
  int no_timing = 0;
  cli_grid_t g;
  cli_options_t o;
  double *budgets = NULL;
  size_t nbudgets = 0;
  int ratios = -1, resume = 0, force = 0, show = -1, c, rc = CLI_EXIT_USAGE;
  int agreed = 1; /* a failure every rank reaches alike: no MPI_Abort */
  varlb_channel_opts_t opts;
  varlb_channel_opts_init (&opts);
  cli_grid_init (&g);
  cli_ranks_t ranks;
  cli_ranks_init (&ranks, &argc, &argv);
  int rank = ranks.rank;
  if (cli_options_init (&o, cmd, CLI_ACCEPT_INSTANCE | CLI_ACCEPT_OUT | CLI_ACCEPT_MEMORY
                        | CLI_ACCEPT_CHANNEL, own) != 0)
    goto done;
  while ((c = cli_options_next (&o, argc, argv)) > 0)
    {
      int r = 0;
      switch (c)
        {
        case O_BUDGETS:
        case O_RATIOS:
          if (ratios >= 0)
            {
              cli_error (cmd, "give either --budgets or --ratios, once");
              r = -1;
              break;
            }
          ratios = c == O_RATIOS;
          r = cli_parse_list (cmd, ratios ? "--ratios" : "--budgets", o.arg,
                              ratios ? cli_parse_double : cli_parse_budget, 0,
                              ratios ? 1e6 : 1e18, &budgets, &nbudgets);
          break;
        case O_TOKENS:
          tokens = o.arg;
          break;
        case O_RESUME:
          resume = 1;
          break;
        case O_FORCE:
          force = 1;
          break;
        case O_NO_TIMING:
          no_timing = 1;
          break;
        case O_PROGRESS:
          if (strcmp (o.arg, "auto") == 0)
            show = -1;
          else if (strcmp (o.arg, "yes") == 0 || strcmp (o.arg, "no") == 0)
            show = o.arg[0] == 'y';
          else
            {
              cli_error (cmd, "--progress: expected auto, yes or no, got '%s'", o.arg);
              r = -1;
            }
          break;
        default:
          r = cli_grid_option (cmd, &g, c, o.arg);
        }
      if (r != 0)
        {
          cli_options_clear (&o);
          goto done;
        }
    }
  if (c != CLI_OPTIONS_DONE)
    {
      rc = cli_options_stop (&o, c);
      goto done;
    }
  /* The instance options are the grid's base; the channel's are ours. */
  varlb_params_clear (&g.base);
  g.base = o.p;
  opts = o.channel;
  out = o.out;
  free (o.longopts);
  if (!out)
    {
      cli_error (cmd, "missing --out FILE.csv");
      goto done;
    }
  if (ratios < 0)
    {
      cli_error (cmd, "no budget: give --ratios R,... (fractions of N) or --budgets BITS,...");
      goto done;
    }
  if (resume && force)
    {
      cli_error (cmd, "--resume and --force contradict each other");
      goto done;
    }
  cli_sweep_files_t files;
  if ((rc = cli_sweep_files_init (&files, cmd, out, tokens)) != 0)
    {
      cli_sweep_files_clear (&files);
      goto done;
    }
  rc = CLI_EXIT_USAGE;
  const char *outputs[] = { files.csv, files.jsonl, files.manifest, files.tokens, NULL };
  if (cli_channel_finish (cmd, &opts, outputs) != 0 || cli_grid_finish (cmd, &g, &opts) != 0)
    {
      cli_sweep_files_clear (&files);
      goto done;
    }
  for (size_t i = 0; i < cli_grid_instances (&g); i += g.nseeds)
    {
      varlb_params_t p;
      cli_grid_params (&p, &g, i);
      int bad = cli_check_params_resources (&o, &p, CLI_JOB_DECODE, NULL) != 0;
      varlb_params_clear (&p);
      if (bad)
        {
          cli_sweep_files_clear (&files);
          goto done;
        }
    }
  rc = CLI_EXIT_FAIL;

  /* The full trial list, in grid order, each with its key.  Budgets are
     whole bits. */
  size_t ninst = cli_grid_instances (&g), total = ninst * g.nspecs * nbudgets;
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
  for (size_t i = 0, k = 0; i < ninst; i++)
    {
      varlb_params_t p;
      char sched[512], d[32], seed[32];
      cli_grid_params (&p, &g, i);
      varlb_pyramid_format (&p.pyramid, sched, sizeof sched);
      snprintf (d, sizeof d, "%zu", p.d);
      snprintf (seed, sizeof seed, "%llu", (unsigned long long) p.seed);
      double N = (double) cli_grid_bits (&g, i);
      for (size_t s = 0; s < g.nspecs; s++)
        for (size_t b = 0; b < nbudgets; b++, k++)
          {
            list[k].inst = i, list[k].spec = s, list[k].budget = b;
            list[k].budget_bits = floor (ratios ? budgets[b] * N : budgets[b]);
            keys[k] = cli_trial_key (sched, d, varlb_jl_family_name (p.jl), seed, g.specs[s],
                                     list[k].budget_bits);
          }
      varlb_params_clear (&p);
    }

  char fp[17];
  varlb_judge_key_fingerprint (fp, g.base.judge_key);
  cli_manifest_t man = { argc, argv, total, ranks.size, fp, &opts, g.base.judge_key };
  size_t npend = 0;
  size_t *pend = malloc ((total + 1) * sizeof *pend);
  int setup = pend ? 0 : CLI_EXIT_FAIL;
  if (setup != 0)
    cli_error (cmd, "out of memory");
  else if (rank == 0)
    setup = cli_sweep_prepare (cmd, &files, resume, force, keys, total, pend, &npend, &man);
  /* Rank 0's verdict and pending list; the loop below deals them out. */
  setup = cli_ranks_share (&ranks, setup, &npend, pend);
  if (setup != 0)
    {
      rc = setup;
      goto close_files;
    }
  /* From here on a rank may fail alone, and the others would wait for it. */
  agreed = 0;

  int io_error_early = 0;
  varlb_spec_t *sp = calloc (g.nspecs, sizeof *sp);
  for (size_t s = 0; s < g.nspecs; s++)
    {
      char why[512];
      varlb_spec_init_opts (&sp[s], g.specs[s], &opts, why, sizeof why); /* checked by grid_finish */
    }
  /* Each rank calibrates for itself: the public seed makes it the same. */
  if (cli_calibrate_specs (cmd, sp, g.nspecs, g.seeds[0], &opts) != 0)
    io_error_early = 1;
  unsigned *tokc = NULL;
  if (show < 0)
    show = isatty (STDERR_FILENO);
  show = show && rank == 0;
  double t0 = cli_now ();
  size_t failed = 0, above = 0, written = 0;
  varlb_instance_t in;
  size_t cur = (size_t) -1;
  int io_error = io_error_early;
  const int fd[3] = { files.ftok, files.fjson, files.fcsv };
  const char *const path[3] = { files.tokens, files.jsonl, files.csv };
  for (size_t j = 0; j < npend && !io_error; j++)
    {
      const trial_ref_t *tr = &list[pend[j]];
      int owner = cli_ranks_owner (&ranks, j);
      cli_trial_out_t o;
      memset (&o, 0, sizeof o);
      if (owner == rank)
        {
          if (tr->inst != cur)
            {
              if (cur != (size_t) -1)
                varlb_instance_clear (&in);
              varlb_params_t p;
              cli_grid_params (&p, &g, tr->inst);
              int st = varlb_instance_init (&in, &p);
              varlb_params_clear (&p);
              if (st != VARLB_OK)
                {
                  cli_error (cmd, "cannot build instance: %s", varlb_strerror (st));
                  cur = (size_t) -1;
                  io_error = 1;
                  break;
                }
              cur = tr->inst;
              free (tokc);
              tokc = tokens ? malloc ((in.alice_tokens + 1) * sizeof *tokc) : NULL;
              opts.token_correct = tokc;
            }
          varlb_trial_t t;
          int st = varlb_trial_run (&t, &in, &sp[tr->spec], tr->budget_bits, &opts);
          if (st != VARLB_OK)
            {
              cli_error (cmd, "%s: cannot run the trial: %s", g.specs[tr->spec],
                         t.error[0] ? t.error : varlb_strerror (st));
              io_error = 1;
              break;
            }
          o.failed = t.status != VARLB_OK;
          o.impossible = t.verdict && strcmp (t.verdict, VARLB_VERDICT_IMPOSSIBLE) == 0;
          o.above = isfinite (t.accuracy) && t.accuracy > t.fano_ceiling;
          if (no_timing)
            t.wall_s = NAN; /* written as empty / null: rows then depend on the grid alone */
          o.json = mem_text (&o.njson, varlb_trial_write_json, &t, &in);
          o.csv = mem_text (&o.ncsv, varlb_trial_write_csv, &t, &in);
          if (tokc && t.status == VARLB_OK)
            token_rows (&o.side, &o.nside, &in, g.specs[tr->spec], tr->budget_bits, tokc);
          if (!o.json || !o.csv)
            {
              cli_error (cmd, "out of memory");
              cli_trial_out_clear (&o);
              io_error = 1;
              break;
            }
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
  for (size_t s = 0; s < g.nspecs; s++)
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
      cli_verdicts_of_file (line, sizeof line, out);
      fprintf (stderr, "varlb: sweep: %zu trials run (%zu already in %s), %zu compressor "
               "failures, %zu above the Fano ceiling (%s), %.1f s; varlb summary %s for the "
               "intervals over seeds\n", written, total - npend, out, failed, above, line,
               cli_now () - t0, out);
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
  cli_channel_clear (&opts);
  free (budgets);
  cli_grid_clear (&g);
  cli_ranks_clear (&ranks, rc, agreed);
  return rc;
}
