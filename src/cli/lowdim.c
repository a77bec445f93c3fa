/* lowdim.c -- `varlb lowdim`: Haris-Onak Corollary 9 measured.  Below
 * log n, dimension d keeps only e^{Theta(d)} keys nearly orthogonal; for each
 * d the largest number of keys whose bits the full cache still decodes
 * (reductions/index_seq.c: varlb_lowdim_capacity), per seed, and a least-
 * squares fit of ln n' on d.  Floating point, like decode. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_fit.h>
#include "cli.h"

enum { OPT_STREAM = CLI_OPT_FIRST_FREE + 40, OPT_DIMS, OPT_SEEDS };

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

static void
report_text (const varlb_params_t *p, size_t stream, const uint64_t *dims, size_t ndims,
             const uint64_t *seeds, size_t nseeds, const size_t *cap, const lowdim_fit_t *f)
{
  printf ("varlb lowdim: Haris-Onak Corollary 9 -- how many keys dimension d can hide (seeds");
  for (size_t s = 0; s < nseeds; s++)
    printf ("%s%llu", s ? "," : " ", (unsigned long long) seeds[s]);
  printf (")\n");
  printf ("  a stream of %zu tokens (ln n = %.3g): the first n' carry %s %s JL keys and bit\n"
          "  values, the rest zero keys and values, then Bob's query token; C = %s\n",
          stream, log ((double) stream), varlb_jl_family_name (p->jl),
          varlb_jl_norm_name (p->norm), p->C > 0 ? "as set" : "2 ln M/(1-2eps), M = n");
  printf ("  n'(d): the largest n' on the grid floor(2^{j/4}) at which the full cache\n"
          "  decodes all n' d hidden bits (and at every smaller grid point)\n\n");
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
    printf ("\n  fit over the %zu unsaturated points: ln n' = %.3f + %.3f d, slope in [%.3f, %.3f] "
            "(95%%)\n  => n'(d) = e^{Theta(d)} until it reaches the stream: a cache must keep "
            "Omega(d min(n, e^{Theta(d)})) bits\n", f->points, f->a, f->b, f->b_lo, f->b_hi);
  else
    printf ("\n  no fit: fewer than 3 unsaturated points over two or more d (use smaller d or a "
            "longer --stream)\n");
}

static void
report_json (const varlb_params_t *p, size_t stream, const uint64_t *dims, size_t ndims,
             const uint64_t *seeds, size_t nseeds, const size_t *cap, const lowdim_fit_t *f)
{
  printf ("{\"stream\": %zu, \"jl\": \"%s\", \"keys_mode\": \"%s\", \"seeds\": [", stream,
          varlb_jl_family_name (p->jl), varlb_jl_norm_name (p->norm));
  for (size_t s = 0; s < nseeds; s++)
    printf ("%s%llu", s ? ", " : "", (unsigned long long) seeds[s]);
  printf ("], \"rows\": [");
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
  printf ("}}\n");
}

int
cli_lowdim (int argc, char **argv)
{
  static const struct option own[] = {
    { "stream", required_argument, NULL, OPT_STREAM },
    { "dims", required_argument, NULL, OPT_DIMS },
    { "seeds", required_argument, NULL, OPT_SEEDS },
    { NULL, 0, NULL, 0 }
  };
  const char *cmd = "lowdim";
  cli_options_t o;
  int c, rc = CLI_EXIT_USAGE;
  size_t stream = 4096, ndims = 0, nseeds = 0, *cap = NULL;
  uint64_t *dims = NULL, *seeds = NULL;
  if (cli_options_init (&o, cmd, CLI_ACCEPT_KEYS | CLI_ACCEPT_JSON, own) != 0)
    return cli_options_stop (&o, CLI_OPTIONS_ERROR);
  o.not_here = "the stream is --stream N, the dimensions --dims LIST, the seeds --seeds LIST";
  while ((c = cli_options_next (&o, argc, argv)) > 0)
    {
      int r = 0;
      switch (c)
        {
        case OPT_STREAM:
          r = cli_parse_size (cmd, "--stream", o.arg, 2, LOWDIM_STREAM_MAX, &stream);
          break;
        case OPT_DIMS:
          free (dims);
          r = cli_parse_u64_list (cmd, "--dims", o.arg, &dims, &ndims);
          for (size_t i = 0; r == 0 && i < ndims; i++)
            if (dims[i] < 1 || dims[i] > LOWDIM_D_MAX)
              {
                cli_error (cmd, "--dims: %llu is outside 1..%d", (unsigned long long) dims[i],
                           LOWDIM_D_MAX);
                r = -1;
              }
          break;
        default: /* OPT_SEEDS */
          free (seeds);
          r = cli_parse_u64_list (cmd, "--seeds", o.arg, &seeds, &nseeds);
          break;
        }
      if (r != 0)
        goto out;
    }
  if (c != CLI_OPTIONS_DONE)
    {
      rc = c == CLI_OPTIONS_HELP ? 0 : CLI_EXIT_USAGE;
      goto out;
    }
  if (!dims && cli_parse_u64_list (cmd, "--dims", "2,4,6,8,10,12,14,16", &dims, &ndims) != 0)
    goto out;
  if (!seeds && cli_parse_u64_list (cmd, "--seeds", "1,2,3", &seeds, &nseeds) != 0)
    goto out;
  rc = CLI_EXIT_FAIL;
  cap = malloc (ndims * nseeds * sizeof *cap);
  if (!cap)
    {
      cli_error (cmd, "out of memory");
      goto out;
    }
  for (size_t i = 0; i < ndims; i++)
    for (size_t s = 0; s < nseeds; s++)
      {
        o.p.d = (size_t) dims[i];
        o.p.seed = seeds[s];
        int st = varlb_lowdim_capacity (&cap[i * nseeds + s], &o.p, stream);
        if (st != VARLB_OK)
          {
            cli_error (cmd, "d = %zu, seed %llu: %s", o.p.d, (unsigned long long) o.p.seed,
                       varlb_strerror (st));
            goto out;
          }
      }
  lowdim_fit_t f;
  fit (&f, dims, ndims, cap, nseeds, stream);
  (o.json ? report_json : report_text) (&o.p, stream, dims, ndims, seeds, nseeds, cap, &f);
  rc = 0;
out:
  free (cap);
  free (dims);
  free (seeds);
  cli_options_clear (&o);
  return rc;
}
