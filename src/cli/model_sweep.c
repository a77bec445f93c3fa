/* model_sweep.c -- `varlb sweep --model`: trials of the one-way channel on
 * whole models over a grid (models or L x H shapes, instances, compressors,
 * budgets), written as signed CSV + JSON Lines rows and head rows
 * (--head-rows); resumable (model_sweep_files.c) and split across MPI
 * ranks.  A single trial's pieces are attack.c's and model_report.c's (model.h). */
#define _GNU_SOURCE 1 /* open_memstream */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "model.h"
#include "sweep.h"
#include "verify.h"

/* The grid's instance axes are checked by cli_grid_finish, whose spec
   check knows only single-head compressors: it is shown a built-in in
   their place, and the real ones are resolved for whole models here. */
static int
grid_finish_axes (const char *cmd, cli_grid_t *g, const varlb_channel_opts_t *o)
{
  char **specs = g->specs, *probe = "identity";
  size_t n = g->nspecs;
  if (n == 0)
    {
      cli_error (cmd, "no compressor: give --compressors A,B,... or --compressor SPEC");
      return -1;
    }
  g->specs = &probe;
  g->nspecs = 1;
  int r = cli_grid_finish (cmd, g, o);
  g->specs = specs;
  g->nspecs = n;
  return r;
}

/* The model at place I of the grid's instances, named NAME (NULL: the
   --layers x --heads model); -1 after one line. */
static int
build_model (const char *cmd, varlb_model_t *m, const cli_grid_t *g,
             const cli_model_opts_t *mo, const char *name, size_t i)
{
  varlb_params_t p;
  cli_model_opts_t one = *mo;
  one.name = name;
  int bad = cli_grid_params (&p, g, i) != VARLB_OK || cli_model_finish (cmd, &one, &p, m) != 0;
  varlb_params_clear (&p);
  return bad ? -1 : 0;
}

/* Run the trial of SP at BITS on M into O: its JSON line, CSV line (no
   wall time with NO_TIMING) and with HEADS its head rows.  0, or -1 after
   one line. */
static int
sweep_trial (const char *cmd, cli_trial_out_t *o, const varlb_model_t *m,
             const varlb_model_spec_t *sp, double bits, const varlb_channel_opts_t *opts,
             unsigned long long maxc, int no_timing, int heads)
{
  varlb_model_trial_t mt;
  int st = varlb_model_trial_run (&mt, m, sp, bits, opts, maxc);
  if (st != VARLB_OK)
    {
      cli_error (cmd, "%s: cannot run the trial: %s", sp->s.text,
                 mt.t.error[0] ? mt.t.error : varlb_strerror (st));
      varlb_model_trial_clear (&mt);
      return -1;
    }
  if (no_timing)
    mt.t.wall_s = NAN;
  FILE *fj = open_memstream (&o->json, &o->njson), *fc = open_memstream (&o->csv, &o->ncsv);
  if (fj)
    varlb_model_trial_write_json (fj, &mt, m), fclose (fj);
  if (fc)
    varlb_model_trial_write_csv (fc, &mt, m), fclose (fc);
  if (heads && mt.t.status == VARLB_OK)
    o->side = cli_model_head_rows (&o->nside, &mt, m, bits);
  o->failed = mt.t.status != VARLB_OK;
  o->above = isfinite (mt.t.accuracy) && mt.t.accuracy > mt.t.fano_ceiling;
  varlb_model_trial_clear (&mt);
  if (!o->json || !o->csv || (heads && o->failed == 0 && !o->side))
    {
      cli_error (cmd, "out of memory");
      cli_trial_out_clear (o);
      return -1;
    }
  return 0;
}

/* Every trial in grid order (models x instances x compressors x budgets):
   its budget BITS and its key KEYS (TOTAL each).  Every model is
   described, and its cache checked, before the first trial runs.  0, or
   -1 after one line. */
static int
model_sweep_list (const char *cmd, char **keys, double *bits, const cli_sweep_args_t *a)
{
  const cli_grid_t *g = &a->g;
  size_t ninst = cli_grid_instances (g);
  for (size_t k = 0, j = 0; k < a->nnames; k++)
    for (size_t i = 0; i < ninst; i++)
      {
        varlb_model_t m;
        if (build_model (cmd, &m, g, &a->mo, a->names[k], i) != 0)
          return -1;
        double N = (double) varlb_model_hidden_bits (&m);
        int bad = cli_model_cache_fits (cmd, &m, (unsigned long long) a->max_cache) != 0;
        for (size_t s = 0; !bad && s < g->nspecs; s++)
          for (size_t b = 0; !bad && b < a->s.nbudgets; b++, j++)
            {
              bits[j] = floor (a->s.ratios ? a->s.budgets[b] * N : a->s.budgets[b]);
              bad = !(keys[j] = cli_model_trial_key (g->specs[s], bits[j], &m));
            }
        varlb_model_clear (&m);
        if (bad)
          return -1;
      }
  return 0;
}

int
cli_sweep_model (cli_sweep_args_t *a, cli_ranks_t *ranks, int *agreed)
{
  const char *cmd = "sweep";
  int rc = CLI_EXIT_USAGE;
  cli_grid_t *g = &a->g;
  const char *out = a->out, *hrows = a->head_rows;
  cli_sweep_files_t files;
  if ((rc = cli_sweep_files_init (&files, cmd, out, hrows, 1)) != 0)
    {
      cli_sweep_files_clear (&files);
      return rc;
    }
  rc = CLI_EXIT_USAGE;
  const char *outputs[] = { out, files.jsonl, hrows, NULL };
  char **keys = NULL;
  double *bits = NULL;
  varlb_model_spec_t *sp = NULL;
  char *header = NULL;
  size_t ninst = 0, total = 0, done = 0;
  if (cli_channel_finish (cmd, &a->opts, outputs) != 0 || grid_finish_axes (cmd, g, &a->opts) != 0)
    goto close;
  ninst = cli_grid_instances (g);
  total = a->nnames * ninst * g->nspecs * a->s.nbudgets;
  keys = calloc (total + 1, sizeof *keys);
  bits = calloc (total + 1, sizeof *bits);
  if (keys && bits && model_sweep_list (cmd, keys, bits, a) != 0)
    goto close;
  if (!keys || !bits || !files.jsonl
      || !(header = cli_csv_header_text (varlb_model_trial_write_csv_header)))
    {
      cli_error (cmd, "out of memory");
      rc = CLI_EXIT_FAIL;
      goto close;
    }
  /* Each rank resolves its specs and calibrates for itself (the public
     seed makes it the same); one that fails stops every rank before rank
     0 touches a file. */
  sp = calloc (g->nspecs, sizeof *sp);
  int setup = sp && cli_specs_resolve (cmd, sp, (const char *const *) g->specs, g->nspecs,
                                      &a->opts, g->seeds[0], 1) == 0
              ? 0 : CLI_EXIT_USAGE;
  if (setup != 0)
    free (sp), sp = NULL;
  if ((rc = cli_ranks_share (ranks, setup, NULL, NULL)) != 0)
    goto close;
  /* Rank 0 alone opens the files (--resume: trims them) and tells every
     rank its verdict and the trials already there. */
  files.key = g->base.judge_key;
  if (ranks->rank == 0)
    setup = cli_model_files_open (cmd, &files, header, keys, total, a->s.resume, a->s.force,
                                  &done);
  if ((rc = cli_ranks_share (ranks, setup, &done, NULL)) != 0)
    goto close;
  /* From here on a rank may fail alone, and the others would wait for it. */
  *agreed = 0;
  rc = CLI_EXIT_FAIL;
  size_t trials = 0, failed = 0, above = 0, per_model = g->nspecs * a->s.nbudgets;
  size_t built = (size_t) -1; /* the model M holds: its place in the grid */
  varlb_model_t m;
  const int fd[3] = { files.fside, files.fjson, files.fcsv };
  const char *const path[3] = { hrows, files.jsonl, out };
  double t0 = cli_now ();
  int err = 0;
  /* The trials after the DONE already in the files, dealt out to the
     ranks, each rank building a model once for its trials on it; rank 0
     writes every trial's rows in grid order. */
  for (size_t j = done; j < total && !err; j++)
    {
      int owner = cli_ranks_owner (ranks, j - done);
      cli_trial_out_t o = { 0 };
      if (owner == ranks->rank)
        {
          if (j / per_model != built)
            {
              if (built != (size_t) -1)
                varlb_model_clear (&m);
              built = j / per_model;
              if ((err = build_model (cmd, &m, g, &a->mo, a->names[built / ninst], built % ninst)))
                {
                  built = (size_t) -1;
                  break;
                }
            }
          if ((err = sweep_trial (cmd, &o, &m, &sp[j % per_model / a->s.nbudgets], bits[j], &a->opts,
                                  (unsigned long long) a->max_cache, a->s.no_timing, hrows != NULL)))
            break;
        }
      if (!cli_ranks_collect (ranks, &o, owner))
        continue;
      err = cli_trial_out_append (cmd, &o, fd, path) != 0;
      trials++, failed += o.failed, above += o.above;
      cli_trial_out_clear (&o);
    }
  if (built != (size_t) -1)
    varlb_model_clear (&m);
  if (err)
    goto close;
  if (ranks->rank == 0)
    {
      /* The verdicts of the whole file, resumed rows included. */
      char line[512];
      cli_verdicts_of_file (line, sizeof line, out);
      fprintf (stderr, "varlb: sweep: %zu whole-model trials run (%zu already in %s), %zu "
               "compressor failures, %zu above the Fano ceiling (%s), %.1f s\n", trials, done,
               out, failed, above, line, cli_now () - t0);
    }
  rc = 0;
close:
  cli_sweep_files_clear (&files);
  for (size_t s = 0; sp && s < g->nspecs; s++)
    varlb_model_spec_clear (&sp[s]);
  free (sp);
  for (size_t j = 0; keys && j < total; j++)
    free (keys[j]);
  free (keys);
  free (bits);
  free (header);
  return rc;
}
