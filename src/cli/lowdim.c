/* lowdim.c -- `varlb lowdim`: Haris-Onak Corollary 9 measured.  Below
 * log n, dimension d keeps only e^{Theta(d)} keys nearly orthogonal; for each
 * d the largest number of keys whose bits the full cache still decodes
 * (reductions/index_seq.c: varlb_lowdim_capacity), per seed, and a least-
 * squares fit of ln n' on d at a fixed query scale C.  The rate grows with
 * ln C, and the default C with the stream, so --Cs and --streams run the
 * fit over several of each.  Floating point, like decode. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_fit.h>
#include "cli.h"

enum { OPT_STREAM = CLI_OPT_FIRST_FREE + 40, OPT_DIMS, OPT_SEEDS, OPT_CS, OPT_STREAMS };

#define LOWDIM_D_MAX 256
#define LOWDIM_STREAM_MAX 65536

static int
cmp_size (const void *a, const void *b)
{
  size_t x = *(const size_t *) a, y = *(const size_t *) b;
  return (x > y) - (x < y);
}

/* The fit of ln n' = a + b d over every (d, seed) point strictly below the
   stream (saturated points say nothing about the growth), with a 95% t
   interval on the slope; n < 3 points: no fit. */
typedef struct lowdim_fit {
  size_t points;
  double a, b, b_lo, b_hi;
} lowdim_fit_t;

static void
fit (lowdim_fit_t *f, const uint64_t *dims, size_t ndims, const size_t *cap, size_t nseeds,
     size_t stream)
{
  double *x = malloc (ndims * nseeds * sizeof *x), *y = malloc (ndims * nseeds * sizeof *y);
  f->points = 0;
  f->a = f->b = f->b_lo = f->b_hi = NAN;
  for (size_t i = 0; x && y && i < ndims; i++)
    for (size_t s = 0; s < nseeds; s++)
      if (cap[i * nseeds + s] >= 1 && cap[i * nseeds + s] < stream)
        {
          x[f->points] = (double) dims[i];
          y[f->points++] = log ((double) cap[i * nseeds + s]);
        }
  /* At least two distinct d, and a residual degree of freedom. */
  int spread = 0;
  for (size_t k = 1; k < f->points; k++)
    spread |= x[k] != x[0];
  if (spread && f->points >= 3)
    {
      double c00, c01, c11, ss;
      gsl_fit_linear (x, 1, y, 1, f->points, &f->a, &f->b, &c00, &c01, &c11, &ss);
      double h = gsl_cdf_tdist_Pinv (0.975, (double) (f->points - 2)) * sqrt (c11);
      f->b_lo = f->b - h;
      f->b_hi = f->b + h;
    }
  free (x);
  free (y);
}

/* The C a run uses: as set, else the default for M = STREAM. */
static double
run_C (const varlb_params_t *p, size_t stream)
{
  return p->C > 0 ? p->C : varlb_params_default_C_M (p, stream);
}

static void
report_text (const varlb_params_t *p, size_t stream, const uint64_t *dims, size_t ndims,
             size_t nseeds, const size_t *cap, const lowdim_fit_t *f, int set_C)
{
  printf ("  a stream of %zu tokens (ln n = %.3g): the first n' carry %s %s JL keys and bit\n"
          "  values, the rest zero keys and values, then Bob's query token\n  C = %.4g %s\n",
          stream, log ((double) stream), varlb_jl_family_name (p->jl),
          varlb_jl_norm_name (p->norm), run_C (p, stream),
          set_C ? "(set)" : "(default 2 ln n/(1-2eps), which grows with the stream)");
  printf ("  %4s  %-28s %9s %8s %12s\n", "d", "n' for each seed", "median", "ln n'", "bits n'd");
  size_t *sorted = malloc (nseeds * sizeof *sorted);
  for (size_t i = 0; sorted && i < ndims; i++)
    {
      char list[29] = "";
      size_t used = 0;
      for (size_t s = 0; s < nseeds; s++)
        {
          int w = snprintf (list + used, sizeof list - used, "%s%zu", s ? " " : "",
                            cap[i * nseeds + s]);
          if (w < 0 || (size_t) w >= sizeof list - used)
            {
              strcpy (list + sizeof list - 4, "...");
              break;
            }
          used += (size_t) w;
        }
      memcpy (sorted, cap + i * nseeds, nseeds * sizeof *sorted);
      qsort (sorted, nseeds, sizeof *sorted, cmp_size);
      size_t med = sorted[(nseeds - 1) / 2];
      printf ("  %4llu  %-28s %9zu %8.3f %12zu%s\n", (unsigned long long) dims[i], list, med,
              med ? log ((double) med) : -INFINITY, med * (size_t) dims[i],
              med == stream ? "  (= the stream: saturated)" : "");
    }
  free (sorted);
  if (f->points >= 3 && isfinite (f->b))
    printf ("  fit over the %zu unsaturated points at C = %.4g: ln n' = %.3f + %.3f d, slope in "
            "[%.3f, %.3f] (95%%)\n\n", f->points, run_C (p, stream), f->a, f->b, f->b_lo, f->b_hi);
  else
    printf ("  no fit: fewer than 3 unsaturated points over two or more d (use smaller d or a "
            "longer --stream)\n\n");
}

static void
report_json_run (const varlb_params_t *p, size_t stream, const uint64_t *dims, size_t ndims,
                 size_t nseeds, const size_t *cap, const lowdim_fit_t *f, int set_C)
{
  printf ("\"stream\": %zu, \"C\": ", stream);
  cli_json_double (stdout, run_C (p, stream));
  printf (", \"C_set\": %s, \"rows\": [", set_C ? "true" : "false");
  for (size_t i = 0; i < ndims; i++)
    {
      printf ("%s{\"d\": %llu, \"capacity\": [", i ? ", " : "", (unsigned long long) dims[i]);
      for (size_t s = 0; s < nseeds; s++)
        printf ("%s%zu", s ? ", " : "", cap[i * nseeds + s]);
      printf ("]}");
    }
  printf ("], \"fit\": {\"points\": %zu, \"intercept\": ", f->points);
  cli_json_double (stdout, f->a);
  printf (", \"slope\": ");
  cli_json_double (stdout, f->b);
  printf (", \"slope_lo\": ");
  cli_json_double (stdout, f->b_lo);
  printf (", \"slope_hi\": ");
  cli_json_double (stdout, f->b_hi);
  printf ("}");
}

/* What `varlb lowdim` was asked: the reduction's parameters and the grid. */
typedef struct lowdim_args {
  varlb_params_t p;
  int json, set_C;
  size_t ndims, nseeds, nstreams, nCs;
  uint64_t *dims, *seeds, *streams;
  double *Cs;
} lowdim_args_t;

static void
lowdim_args_clear (lowdim_args_t *a)
{
  free (a->dims);
  free (a->seeds);
  free (a->streams);
  free (a->Cs);
  varlb_params_clear (&a->p);
}

/* One option of lowdim's own into A: 0, or -1 after its error. */
static int
lowdim_option (const char *cmd, int c, lowdim_args_t *a)
{
  int r = 0;
  switch (c)
    {
    case OPT_STREAM:
    case OPT_STREAMS:
      free (a->streams);
      r = cli_parse_u64_list (cmd, c == OPT_STREAM ? "--stream" : "--streams", optarg,
                              &a->streams, &a->nstreams);
      for (size_t i = 0; r == 0 && i < a->nstreams; i++)
        if (a->streams[i] < 2 || a->streams[i] > LOWDIM_STREAM_MAX
            || (c == OPT_STREAM && a->nstreams > 1))
          {
            cli_error (cmd, "%s: %s", c == OPT_STREAM ? "--stream" : "--streams",
                       a->nstreams > 1 && c == OPT_STREAM ? "one stream length (--streams takes a list)"
                       : "each stream must lie in 2..65536");
            r = -1;
          }
      break;
    case OPT_CS:
      free (a->Cs);
      r = cli_parse_double_list (cmd, "--Cs", optarg, 1e-300, 1e300, &a->Cs, &a->nCs);
      break;
    case OPT_DIMS:
      free (a->dims);
      r = cli_parse_u64_list (cmd, "--dims", optarg, &a->dims, &a->ndims);
      for (size_t i = 0; r == 0 && i < a->ndims; i++)
        if (a->dims[i] < 1 || a->dims[i] > LOWDIM_D_MAX)
          {
            cli_error (cmd, "--dims: %llu is outside 1..%d", (unsigned long long) a->dims[i],
                       LOWDIM_D_MAX);
            r = -1;
          }
      break;
    case OPT_SEEDS:
      free (a->seeds);
      r = cli_parse_u64_list (cmd, "--seeds", optarg, &a->seeds, &a->nseeds);
      break;
    }
  return r;
}

/* The command line into A: -1 to go on, else the exit code (0 after --help).
   The pyramid, -d and --seed are refused by name: lowdim's grid has its own. */
static int
lowdim_parse (const char *cmd, int argc, char **argv, lowdim_args_t *a)
{
  static const struct option own[] = {
    { "stream", required_argument, NULL, OPT_STREAM },
    { "streams", required_argument, NULL, OPT_STREAMS },
    { "dims", required_argument, NULL, OPT_DIMS },
    { "seeds", required_argument, NULL, OPT_SEEDS },
    { "Cs", required_argument, NULL, OPT_CS },
    { NULL, 0, NULL, 0 }
  };
  cli_options_t o;
  int c;
  if (cli_options_init (&o, cmd, CLI_ACCEPT_KEYS | CLI_ACCEPT_JSON, own) != 0)
    return cli_options_stop (&o, CLI_OPTIONS_ERROR);
  o.not_here = "the stream is --stream N, the dimensions --dims LIST, the seeds --seeds LIST";
  while ((c = cli_options_next (&o, argc, argv)) > 0)
    if (lowdim_option (cmd, c, a) != 0)
      return cli_options_stop (&o, CLI_OPTIONS_ERROR);
  if (c != CLI_OPTIONS_DONE)
    return cli_options_stop (&o, c);
  a->json = o.json;
  varlb_params_clear (&a->p);
  cli_options_take (&o, &a->p);
  varlb_params_t *p = &a->p;
  if (a->Cs && p->C > 0)
    {
      cli_error (cmd, "--C and --Cs: give one of them");
      return CLI_EXIT_USAGE;
    }
  for (size_t k = 0; k < a->nCs; k++)
    {
      p->C = a->Cs[k];
      if (cli_reduction_finish (cmd, p) != 0)
        return CLI_EXIT_USAGE;
    }
  p->C = a->Cs ? a->Cs[0] : p->C; /* each checked above, or --C by the parser */
  a->set_C = p->C > 0;
  if (!a->dims && cli_parse_u64_list (cmd, "--dims", "2,4,6,8,10,12,14,16", &a->dims,
                                      &a->ndims) != 0)
    return CLI_EXIT_USAGE;
  if (!a->seeds && cli_parse_u64_list (cmd, "--seeds", "1,2,3", &a->seeds, &a->nseeds) != 0)
    return CLI_EXIT_USAGE;
  if (!a->streams && cli_parse_u64_list (cmd, "--stream", "4096", &a->streams,
                                         &a->nstreams) != 0)
    return CLI_EXIT_USAGE;
  return -1;
}

/* Runs: streams outer, C inner; each a grid of d x seeds at one fixed C,
   its capacities into CAP and its fit into FITS.  0, or -1 after its error. */
static int
lowdim_run (const char *cmd, lowdim_args_t *a, size_t *cap, lowdim_fit_t *fits)
{
  varlb_params_t *p = &a->p;
  size_t nC = a->nCs ? a->nCs : 1, nruns = a->nstreams * nC;
  for (size_t r = 0; r < nruns; r++)
    {
      size_t stream = (size_t) a->streams[r / nC], *cr = cap + r * a->ndims * a->nseeds;
      if (a->nCs)
        p->C = a->Cs[r % nC];
      for (size_t i = 0; i < a->ndims; i++)
        for (size_t s = 0; s < a->nseeds; s++)
          {
            p->d = (size_t) a->dims[i];
            p->seed = a->seeds[s];
            int st = varlb_lowdim_capacity (&cr[i * a->nseeds + s], p, stream);
            if (st != VARLB_OK)
              {
                cli_error (cmd, "stream %zu, d = %zu, seed %llu: %s", stream, p->d,
                           (unsigned long long) p->seed, varlb_strerror (st));
                return -1;
              }
          }
      fit (&fits[r], a->dims, a->ndims, cr, a->nseeds, stream);
    }
  return 0;
}

/* The JSON report: the first run at the top level (one run: everything),
   all runs under "runs". */
static void
lowdim_report_json (lowdim_args_t *a, const size_t *cap, const lowdim_fit_t *fits)
{
  varlb_params_t *p = &a->p;
  size_t nC = a->nCs ? a->nCs : 1, nruns = a->nstreams * nC;
  printf ("{\"jl\": \"%s\", \"keys_mode\": \"%s\", \"seeds\": [",
          varlb_jl_family_name (p->jl), varlb_jl_norm_name (p->norm));
  for (size_t s = 0; s < a->nseeds; s++)
    printf ("%s%llu", s ? ", " : "", (unsigned long long) a->seeds[s]);
  printf ("], ");
  for (size_t r = 0; r <= nruns; r++)
    {
      size_t k = r ? r - 1 : 0;
      if (a->nCs)
        p->C = a->Cs[k % nC];
      if (r == 1)
        printf (", \"runs\": [");
      if (r > 0)
        printf ("%s{", r > 1 ? ", " : "");
      report_json_run (p, (size_t) a->streams[k / nC], a->dims, a->ndims, a->nseeds,
                       cap + k * a->ndims * a->nseeds, &fits[k], a->set_C);
      if (r > 0)
        printf ("}");
    }
  printf ("]}\n");
}

/* The text report: each run's table, the rates when there are several. */
static void
lowdim_report (lowdim_args_t *a, const size_t *cap, const lowdim_fit_t *fits)
{
  varlb_params_t *p = &a->p;
  size_t nC = a->nCs ? a->nCs : 1, nruns = a->nstreams * nC;
  printf ("varlb lowdim: Haris-Onak Corollary 9 -- how many keys dimension d can hide (seeds");
  for (size_t s = 0; s < a->nseeds; s++)
    printf ("%s%llu", s ? "," : " ", (unsigned long long) a->seeds[s]);
  printf (")\n  n'(d): the largest n' on the grid floor(2^{j/4}) at which the full cache\n"
          "  decodes all n' d hidden bits (and at every smaller grid point)\n\n");
  for (size_t r = 0; r < nruns; r++)
    {
      if (a->nCs)
        p->C = a->Cs[r % nC];
      report_text (p, (size_t) a->streams[r / nC], a->dims, a->ndims, a->nseeds,
                   cap + r * a->ndims * a->nseeds, &fits[r], a->set_C);
    }
  if (nruns > 1)
    {
      printf ("  the rate at each (stream, C): ln n' = a + b d\n  %8s %10s %8s %19s %7s\n",
              "stream", "C", "b", "b, 95%", "points");
      for (size_t r = 0; r < nruns; r++)
        {
          if (a->nCs)
            p->C = a->Cs[r % nC];
          size_t stream = (size_t) a->streams[r / nC];
          if (fits[r].points >= 3 && isfinite (fits[r].b))
            printf ("  %8zu %10.4g %8.3f   [%6.3f, %6.3f] %7zu\n", stream, run_C (p, stream),
                    fits[r].b, fits[r].b_lo, fits[r].b_hi, fits[r].points);
          else
            printf ("  %8zu %10.4g %8s %19s %7zu\n", stream, run_C (p, stream), "-", "-",
                    fits[r].points);
        }
      printf ("\n");
    }
  printf ("  => at a fixed C, n'(d) = e^{Theta(d)} until it reaches the stream: a cache must\n"
          "  keep Omega(d min(n, e^{Theta(d)})) bits.  The rate grows with C, roughly\n"
          "  linearly in ln C (a larger C lets keys with a smaller gap decode), and the\n"
          "  default C grows with ln(stream): compare streams at a fixed --C (--Cs, --streams).\n");
}

int
cli_lowdim (int argc, char **argv)
{
  const char *cmd = "lowdim";
  lowdim_args_t a = { .json = 0 };
  size_t *cap = NULL;
  lowdim_fit_t *fits = NULL;
  varlb_params_init (&a.p);
  int rc = lowdim_parse (cmd, argc, argv, &a);
  if (rc >= 0)
    goto out;
  rc = CLI_EXIT_FAIL;
  size_t nruns = a.nstreams * (a.nCs ? a.nCs : 1);
  cap = malloc (nruns * a.ndims * a.nseeds * sizeof *cap);
  fits = malloc (nruns * sizeof *fits);
  if (!cap || !fits)
    {
      cli_error (cmd, "out of memory");
      goto out;
    }
  if (lowdim_run (cmd, &a, cap, fits) != 0)
    goto out;
  if (a.json)
    lowdim_report_json (&a, cap, fits);
  else
    lowdim_report (&a, cap, fits);
  rc = 0;
out:
  free (cap);
  free (fits);
  lowdim_args_clear (&a);
  return rc;
}
