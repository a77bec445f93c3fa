/* model_sweep.c -- what `varlb sweep --model` (sweep.c's one loop) does
 * differently for whole models: the grid's axes checked, each model of the
 * grid (models or L x H shapes, x instances) described, its trials listed
 * with its cache checked (each trial's key: resume.c's columns of a model),
 * and one trial's rows (CSV, JSON Lines, head rows). */
#define _GNU_SOURCE 1 /* open_memstream */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "model.h"
#include "sweep.h"
#include "results/verify.h"

/* The grid's instance axes are checked by cli_grid_finish, whose spec
   check knows only single-head compressors: it is shown a built-in in
   their place, and the real ones are resolved for whole models here. */
int
cli_model_grid_finish (const char *cmd, cli_grid_t *g, const varlb_channel_opts_t *o)
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
int
cli_model_sweep_build (const char *cmd, varlb_model_t *m, const cli_sweep_args_t *a,
                       const char *name, size_t i)
{
  varlb_params_t p;
  const cli_grid_t *g = &a->g;
  cli_model_opts_t one = a->mo;
  one.name = name;
  int bad = cli_grid_params (&p, g, i) != VARLB_OK || cli_model_finish (cmd, &one, &p, m) != 0;
  varlb_params_clear (&p);
  return bad ? -1 : 0;
}

/* Run the trial of SP at BITS on M into O: its JSON line, CSV line (no
   wall time with NO_TIMING) and with HEADS its head rows.  0, or -1 after
   one line. */
int
cli_model_sweep_trial (const char *cmd, cli_trial_out_t *o, const varlb_model_t *m,
                       const varlb_model_spec_t *sp, double bits, const cli_sweep_args_t *a)
{
  varlb_model_trial_t mt;
  int heads = a->head_rows != NULL;
  int st = varlb_model_trial_run (&mt, m, sp, bits, &a->opts, (unsigned long long) a->max_cache);
  if (st != VARLB_OK)
    {
      cli_error (cmd, "%s: cannot run the trial: %s", sp->s.text,
                 mt.t.error[0] ? mt.t.error : varlb_strerror (st));
      varlb_model_trial_clear (&mt);
      return -1;
    }
  if (a->s.no_timing)
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

/* The key of the trial of SPEC at BITS on model M (cli_trial_key). */
static char *
model_key (const char *spec, double bits, const varlb_model_t *m)
{
  char layers[32], heads[32], sched[512], d[32], seed[32], budget[32];
  snprintf (layers, sizeof layers, "%zu", m->layers);
  snprintf (heads, sizeof heads, "%zu", m->heads);
  varlb_pyramid_format (&m->par.pyramid, sched, sizeof sched);
  snprintf (d, sizeof d, "%zu", m->par.d);
  snprintf (seed, sizeof seed, "%llu", (unsigned long long) m->par.seed);
  snprintf (budget, sizeof budget, "%.0f", bits);
  const char *cells[] = { m->name, layers, heads, sched, d, varlb_jl_family_name (m->par.jl),
                          seed, spec, budget };
  return cli_trial_key (&cli_sweep_model, cells);
}

/* Every trial in grid order (models x instances x compressors x budgets):
   its budget BITS and its key KEYS (TOTAL each).  Every model is
   described, and its cache checked, before the first trial runs.  0, or
   -1 after one line. */
int
cli_model_sweep_list (const char *cmd, char **keys, double *bits, const cli_sweep_args_t *a)
{
  const cli_grid_t *g = &a->g;
  size_t ninst = cli_grid_instances (g);
  for (size_t k = 0, j = 0; k < a->nnames; k++)
    for (size_t i = 0; i < ninst; i++)
      {
        varlb_model_t m;
        if (cli_model_sweep_build (cmd, &m, a, a->names[k], i) != 0)
          return -1;
        double N = (double) varlb_model_hidden_bits (&m);
        int bad = cli_model_cache_fits (cmd, &m, (unsigned long long) a->max_cache) != 0;
        for (size_t s = 0; !bad && s < g->nspecs; s++)
          for (size_t b = 0; !bad && b < a->s.nbudgets; b++, j++)
            {
              bits[j] = floor (a->s.ratios ? a->s.budgets[b] * N : a->s.budgets[b]);
              bad = !(keys[j] = model_key (g->specs[s], bits[j], &m));
            }
        varlb_model_clear (&m);
        if (bad)
          return -1;
      }
  return 0;
}
