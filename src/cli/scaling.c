/* scaling.c -- `varlb scaling`: for each compressor, the smallest budget
 * that reaches a target accuracy, found by bisection over the budget, across
 * a grid of n (schedules) and d; then the least-squares fit
 * log B = a + alpha log n + beta log d with confidence intervals on the
 * exponents.  The Omega(n^2 d) law of arXiv 2503.14881 observed: alpha ~ 2, beta ~ 1. */
#define _GNU_SOURCE 1 /* asprintf */
#include <config.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "sweep.h"
#include "results/verify.h"

/* The columns of scaling's CSV; every row is signed (varlb__sign_rows). */
#define SCALING_HEADER                                                        \
  "compressor,schedule,n,d,jl,seeds,alice_tokens,N,target,min_budget_bits,"    \
  "min_budget_ratio,accuracy_at_min,trials,error,mac\n"

/* Mean accuracy over the seeds of one (schedule, d, JL) point at BUDGET;
   NaN when a compressor fails on any seed, with the reason in ERR.
   Floating point. */
static double
mean_accuracy (varlb_instance_t *ins, size_t nseeds, const varlb_spec_t *s, double budget,
               const varlb_channel_opts_t *o, size_t *trials, char *err, size_t len)
{
  double sum = 0;
  for (size_t k = 0; k < nseeds; k++)
    {
      varlb_trial_t t;
      ++*trials;
      int st = varlb_trial_run (&t, &ins[k], s, floor (budget), o); /* whole bits */
      if (st != VARLB_OK || t.status != VARLB_OK || !isfinite (t.accuracy))
        {
          snprintf (err, len, "%s", st != VARLB_OK ? varlb_strerror (st)
                    : t.error[0] ? t.error : "no accuracy");
          return NAN;
        }
      sum += t.accuracy;
    }
  return sum / nseeds;
}

/* What the bisection looks for: the target accuracy, the bracket in
   fractions of N and the number of halvings. */
typedef struct scaling_bracket {
  double target, lo_ratio, hi_ratio;
  size_t steps;
} scaling_bracket_t;

/* The smallest budget (bits) whose mean accuracy over the seeds reaches the
   target, its accuracy in BEST; NaN in BEST when the bracket's top misses it
   or a compressor fails (the reason in ERR).  Bisection on log B: the
   accuracy of every compressor here rises with its budget (up to noise), so
   the bracket [lo, hi] with acc(lo) < target <= acc(hi) keeps the threshold
   inside. */
static double
min_budget (double *best_out, varlb_instance_t *ins, size_t nseeds, const varlb_spec_t *sp,
            const scaling_bracket_t *bk, const varlb_channel_opts_t *opts, size_t *trials,
            char *err, size_t errlen)
{
  const double N = (double) ins[0].N, target = bk->target;
  double lo = bk->lo_ratio * N, hi = bk->hi_ratio * N, best = NAN;
  double ahi = mean_accuracy (ins, nseeds, sp, hi, opts, trials, err, errlen);
  if (ahi >= target)
    {
      best = ahi;
      double alo = mean_accuracy (ins, nseeds, sp, lo, opts, trials, err, errlen);
      if (alo >= target)
        hi = lo, best = alo; /* already there at the floor */
      else
        for (size_t it = 0; it < bk->steps; it++)
          {
            double mid = sqrt (lo * hi);
            double a = mean_accuracy (ins, nseeds, sp, mid, opts, trials, err, errlen);
            if (a >= target)
              hi = mid, best = a;
            else
              lo = mid;
          }
    }
  *best_out = best;
  return hi;
}

/* The seeds of grid point PT (consecutive instances of the grid) into INS:
   0, or -1 after its error with none left built. */
static int
draw_seeds (varlb_instance_t *ins, const char *cmd, const cli_grid_t *g, size_t pt)
{
  for (size_t k = 0; k < g->nseeds; k++)
    {
      varlb_params_t p;
      cli_grid_params (&p, g, pt * g->nseeds + k);
      int st = varlb_instance_init (&ins[k], &p);
      varlb_params_clear (&p);
      if (st != VARLB_OK)
        {
          cli_error (cmd, "cannot build an instance: %s", varlb_strerror (st));
          for (size_t j = 0; j < k; j++)
            varlb_instance_clear (&ins[j]);
          return -1;
        }
    }
  return 0;
}

/* One grid point's row of the CSV file F, signed like every result row
   (varlb__sign_rows), and its line on stderr: HI the smallest budget found
   (NaN: none), BEST its accuracy.  0, or -1 when out of memory (no row). */
static int
scaling_row (FILE *f, const char *spec, const varlb_instance_t *in, size_t nseeds,
             const scaling_bracket_t *bk, double hi, double best, size_t trials,
             const char *err, const unsigned char *judge_key)
{
  const double N = (double) in->N, target = bk->target, hi_ratio = bk->hi_ratio;
  int ok = isfinite (hi), rc = 0;
  char sched[512];
  varlb_pyramid_format (&in->par.pyramid, sched, sizeof sched);
  unsigned n = in->par.pyramid.pn[in->par.pyramid.scales - 1];
  char *row = NULL;
  size_t rlen = 0;
  FILE *rf = open_memstream (&row, &rlen);
  if (rf)
    {
      fputc ('"', rf);
      for (const char *q = spec; *q; q++)
        fprintf (rf, *q == '"' ? "\"\"" : "%c", *q);
      fprintf (rf, "\",\"%s\",%u,%zu,%s,%zu,%zu,%zu,%.17g,", sched, n, in->d,
               varlb_jl_family_name (in->par.jl), nseeds, in->alice_tokens, in->N, target);
      if (ok)
        fprintf (rf, "%.17g,%.17g,%.17g,%zu,", hi, hi / N, best, trials);
      else
        fprintf (rf, ",,,%zu,", trials);
      /* A failure during the bisection is recorded, not hidden. */
      fputc ('"', rf);
      for (const char *q = err; *q; q++)
        fprintf (rf, *q == '"' ? "\"\"" : "%c", *q == '\n' ? ' ' : *q);
      fputs ("\"\n", rf);
    }
  if (!rf || fclose (rf) != 0 || !row
      || varlb__sign_rows (&row, &rlen, SCALING_HEADER, judge_key) != 0)
    rc = -1;
  else
    fwrite (row, 1, rlen, f);
  free (row);
  if (ok)
    fprintf (stderr, "varlb: scaling: %s: n = %u, d = %zu: %.0f bits = %.3g N (%zu trials)\n",
             spec, n, in->d, hi, hi / N, trials);
  else if (err[0])
    fprintf (stderr, "varlb: scaling: %s: n = %u, d = %zu: compressor failed: %s\n",
             spec, n, in->d, err);
  else
    fprintf (stderr, "varlb: scaling: %s: n = %u, d = %zu: target not reached at %g N (%zu trials)\n",
             spec, n, in->d, hi_ratio, trials);
  return rc;
}

/* The table of fits on stdout. */
static void
scaling_report (const cli_grid_t *g, const scaling_bracket_t *bk, const varlb__scaling_fit_t *fits,
                const size_t *reached, size_t points, double seconds, const char *out)
{
  printf ("varlb scaling: smallest budget with mean accuracy >= %g, fit log B = a + alpha log n + beta log d\n",
          bk->target);
  printf ("%-28s %7s %18s %18s %7s\n", "compressor", "points", "alpha (95% CI)", "beta (95% CI)", "R^2");
  for (size_t s = 0; s < g->nspecs; s++)
    {
      const varlb__scaling_fit_t *fi = &fits[s];
      char a[64] = "-", b[64] = "-";
      if (fi->points > fi->cols)
        {
          size_t j = 1;
          if (fi->has_n)
            snprintf (a, sizeof a, "%.3f +- %.3f", fi->c[j], fi->ci[j]), j++;
          if (fi->has_d)
            snprintf (b, sizeof b, "%.3f +- %.3f", fi->c[j], fi->ci[j]);
        }
      printf ("%-28s %7zu %18s %18s %7.3f\n", g->specs[s], reached[s], a, b, fi->r2);
    }
  printf ("(%zu grid points per compressor, %.1f s; rows in %s)\n", points, seconds, out);
}

/* The command line into G, OPTS, BK and OUT: -1 to go on, else the exit
   code. */
static int
scaling_parse (const char *cmd, int argc, char **argv, cli_grid_t *g,
               varlb_channel_opts_t *opts, scaling_bracket_t *bk, const char **out)
{
  enum { O_TARGET = CLI_GRID_FIRST_FREE, O_STEPS, O_LO, O_HI };
  static const struct option own[] = {
    CLI_GRID_LONGOPTS,
    { "target", required_argument, NULL, O_TARGET },
    { "steps", required_argument, NULL, O_STEPS },
    { "lo", required_argument, NULL, O_LO },
    { "hi", required_argument, NULL, O_HI },
    { NULL, 0, NULL, 0 }
  };
  cli_options_t o;
  int c;
  if (cli_options_init (&o, cmd, CLI_ACCEPT_INSTANCE | CLI_ACCEPT_OUT | CLI_ACCEPT_MEMORY
                        | CLI_ACCEPT_CHANNEL, own) != 0)
    return CLI_EXIT_USAGE;
  while ((c = cli_options_next (&o, argc, argv)) > 0)
    {
      int r = 0;
      switch (c)
        {
        case O_TARGET:
          r = cli_parse_double (cmd, "--target", o.arg, 0.5, 1.0, &bk->target);
          if (r == 0 && !(bk->target > 0.5))
            {
              cli_error (cmd, "--target: must lie in (0.5, 1], got '%s'", o.arg);
              r = -1;
            }
          break;
        case O_STEPS:
          r = cli_parse_size (cmd, "--steps", o.arg, 1, 60, &bk->steps);
          break;
        case O_LO:
          r = cli_parse_double (cmd, "--lo", o.arg, 1e-9, 1e6, &bk->lo_ratio);
          break;
        case O_HI:
          r = cli_parse_double (cmd, "--hi", o.arg, 1e-9, 1e6, &bk->hi_ratio);
          break;
        default:
          r = cli_grid_option (cmd, g, c, o.arg);
        }
      if (r != 0)
        {
          cli_options_clear (&o);
          return CLI_EXIT_USAGE;
        }
    }
  if (c != CLI_OPTIONS_DONE)
    return cli_options_stop (&o, c);
  varlb_params_clear (&g->base);
  g->base = o.p;
  *opts = o.channel;
  *out = o.out;
  free (o.longopts);
  if (!*out)
    {
      cli_error (cmd, "missing --out FILE.csv");
      return CLI_EXIT_USAGE;
    }
  if (!(bk->lo_ratio < bk->hi_ratio))
    {
      cli_error (cmd, "--lo must be below --hi (fractions of N)");
      return CLI_EXIT_USAGE;
    }
  const char *outputs[] = { *out, NULL };
  if (cli_channel_finish (cmd, opts, outputs) != 0 || cli_grid_finish (cmd, g, opts) != 0)
    return CLI_EXIT_USAGE;
  for (size_t i = 0; i < cli_grid_instances (g); i += g->nseeds)
    {
      varlb_params_t p;
      cli_grid_params (&p, g, i);
      int bad = cli_check_params_resources (&o, &p, CLI_JOB_DECODE, NULL) != 0;
      varlb_params_clear (&p);
      if (bad)
        return CLI_EXIT_USAGE;
    }
  return -1;
}

int
cli_scaling (int argc, char **argv)
{
  const char *cmd = "scaling", *out = NULL;
  /* Storing the cache at fp16 costs 32 N bits (two 16-bit numbers per
     hidden bit), so the bracket reaches well past N. */
  scaling_bracket_t bk = { .target = 0.9, .lo_ratio = 1.0 / 64, .hi_ratio = 64.0, .steps = 12 };
  cli_grid_t g;
  varlb_channel_opts_t opts;
  cli_grid_init (&g);
  varlb_channel_opts_init (&opts);
  int rc = scaling_parse (cmd, argc, argv, &g, &opts, &bk, &out);
  if (rc >= 0)
    goto done;
  rc = CLI_EXIT_FAIL;
  char *tmp = NULL;
  if (asprintf (&tmp, "%s.tmp", out) < 0)
    goto done;
  FILE *f = fopen (tmp, "we");
  if (!f)
    {
      cli_error (cmd, "%s: %s", tmp, strerror (errno));
      free (tmp);
      goto done;
    }
  fputs (SCALING_HEADER, f);
  size_t points = g.npyr * g.ndims * g.njls;
  double *ln = malloc (points * sizeof *ln), *ld = malloc (points * sizeof *ld),
         *lb = malloc (points * sizeof *lb);
  varlb__scaling_fit_t *fits = calloc (g.nspecs, sizeof *fits);
  size_t *reached = calloc (g.nspecs, sizeof *reached);
  varlb_instance_t *ins = calloc (g.nseeds, sizeof *ins);
  double t0 = cli_now ();
  int failed = 0;
  for (size_t s = 0; s < g.nspecs && !failed; s++)
    {
      varlb_spec_t sp;
      char why[512];
      varlb_spec_init_opts (&sp, g.specs[s], &opts, why, sizeof why); /* checked by grid_finish */
      if (cli_calibrate_specs (cmd, &sp, 1, g.seeds[0], &opts) != 0)
        {
          varlb_spec_clear (&sp);
          failed = 1;
          break;
        }
      size_t m = 0;
      for (size_t pt = 0; pt < points && !failed; pt++)
        {
          if (draw_seeds (ins, cmd, &g, pt) != 0)
            failed = 1;
          if (failed)
            break;
          const varlb_instance_t *in = &ins[0];
          size_t trials = 0;
          char err[512] = "";
          double best, hi = min_budget (&best, ins, g.nseeds, &sp, &bk, &opts, &trials, err,
                                        sizeof err);
          int ok = isfinite (best);
          if (scaling_row (f, g.specs[s], in, g.nseeds, &bk, ok ? hi : NAN, best, trials, err,
                           g.base.judge_key) != 0)
            failed = 1; /* out of memory: stop after this point */
          unsigned n = in->par.pyramid.pn[in->par.pyramid.scales - 1];
          if (ok)
            {
              ln[m] = log ((double) n), ld[m] = log ((double) in->d), lb[m] = log (hi);
              m++;
            }
          for (size_t k = 0; k < g.nseeds; k++)
            varlb_instance_clear (&ins[k]);
        }
      reached[s] = m;
      varlb__scaling_fit (&fits[s], ln, ld, lb, m, g.npyr > 1, g.ndims > 1);
      varlb_spec_clear (&sp);
    }
  int bad = ferror (f) | (fclose (f) != 0);
  if (failed || bad || rename (tmp, out) != 0)
    {
      if (!failed)
        cli_error (cmd, "%s: %s", out, strerror (errno));
      unlink (tmp);
    }
  else
    {
      scaling_report (&g, &bk, fits, reached, points, cli_now () - t0, out);
      rc = 0;
    }
  free (tmp);
  free (ln), free (ld), free (lb), free (fits), free (reached), free (ins);
done:
  cli_channel_clear (&opts);
  cli_grid_clear (&g);
  return rc;
}
