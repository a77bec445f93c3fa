/* jl.c -- Johnson-Lindenstrauss key families (Haris-Onak sec. 2; proofs/reduction.md: keys are
 * the JL images f(e_l) = A e_l / sqrt(d) of the standard basis) and the
 * coherence report computed from a blocked Gram matrix. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <float.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_randist.h>
#include "varlb.h"
#include "progress.h"

static const char *const family_names[] = { "gaussian", "rademacher", "achlioptas" };

int
varlb_jl_family_parse (varlb_jl_family *f, const char *name)
{
  for (int i = 0; i < 3; i++)
    if (strcmp (name, family_names[i]) == 0)
      {
        *f = (varlb_jl_family) i;
        return VARLB_OK;
      }
  if (strcmp (name, "sparse") == 0)
    {
      *f = VARLB_JL_ACHLIOPTAS;
      return VARLB_OK;
    }
  return VARLB_EINVAL;
}

const char *
varlb_jl_family_name (varlb_jl_family f)
{
  return (unsigned) f < 3 ? family_names[f] : "unknown";
}

int
varlb_jl_norm_parse (varlb_jl_norm *m, const char *name)
{
  if (strcmp (name, "scaled") == 0 || strcmp (name, "paper") == 0)
    *m = VARLB_JL_SCALED;
  else if (strcmp (name, "unit") == 0 || strcmp (name, "var") == 0)
    *m = VARLB_JL_UNIT;
  else
    return VARLB_EINVAL;
  return VARLB_OK;
}

const char *
varlb_jl_norm_name (varlb_jl_norm m)
{
  return m == VARLB_JL_UNIT ? "unit" : "scaled";
}

static double
draw_entry (varlb_jl_family f, gsl_rng *r)
{
  switch (f)
    {
    case VARLB_JL_GAUSSIAN:
      return gsl_ran_gaussian_ziggurat (r, 1.0);
    case VARLB_JL_RADEMACHER:
      return gsl_rng_get (r) & 1u ? 1.0 : -1.0;
    case VARLB_JL_ACHLIOPTAS:
      {
        unsigned long u = gsl_rng_uniform_int (r, 6);
        return u == 0 ? sqrt (3.0) : u == 1 ? -sqrt (3.0) : 0.0;
      }
    }
  return 0.0;
}

int
varlb_jl_keys (double *keys, size_t n, size_t d, varlb_jl_family f,
               varlb_jl_norm norm, gsl_rng *r)
{
  if (d == 0 || (unsigned) f > VARLB_JL_ACHLIOPTAS)
    return VARLB_EINVAL;
  const double scale = 1.0 / sqrt ((double) d);
  for (size_t l = 0; l < n; l++)
    {
      double *k = keys + l * d;
      for (size_t j = 0; j < d; j++)
        k[j] = draw_entry (f, r) * scale;
      if (norm == VARLB_JL_UNIT)
        {
          double s = cblas_dnrm2 ((int) d, k, 1);
          /* A sparse column can be all zero: redraw it, as the unit mode
             needs a direction. */
          if (s == 0.0)
            {
              l--;
              continue;
            }
          cblas_dscal ((int) d, 1.0 / s, k, 1);
        }
    }
  return VARLB_OK;
}

int
varlb_jl_coherence (varlb_coherence_t *c, double *gap, const double *keys,
                    size_t n, size_t d, int zero_key_visible)
{
  c->max_offdiag = 0.0;
  c->arg_s = c->arg_t = 0;
  c->max_norm_dev = 0.0;
  c->min_gap = INFINITY;
  c->arg_gap = 0;
  double max_sq = 0.0;
  if (n == 0 || d == 0)
    {
      c->eps_emp = 0.0;
      c->gram_error = 0.0;
      return n == 0 ? VARLB_OK : VARLB_EINVAL;
    }
  /* Block rows so the Gram slab stays near 32 MiB whatever n is. */
  size_t block = (size_t) 1 << 22;
  block = block / n;
  if (block < 1)
    block = 1;
  if (block > 256)
    block = 256;
  double *G = malloc (block * n * sizeof *G);
  if (G == NULL)
    return VARLB_ENOMEM;
  for (size_t s0 = 0; s0 < n; s0 += block)
    {
      size_t b = n - s0 < block ? n - s0 : block;
      varlb_progress_note ("measuring the keys' coherence", (double) s0, (double) n);
      cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) b, (int) n,
                   (int) d, 1.0, keys + s0 * d, (int) d, keys, (int) d, 0.0,
                   G, (int) n);
      for (size_t i = 0; i < b; i++)
        {
          size_t s = s0 + i;
          const double *row = G + i * n;
          double self = row[s];
          double best = zero_key_visible ? 0.0 : -INFINITY;
          if (self > max_sq)
            max_sq = self;
          double dev = fabs (self - 1.0);
          if (dev > c->max_norm_dev)
            c->max_norm_dev = dev;
          for (size_t t = 0; t < n; t++)
            {
              if (t == s)
                continue;
              double v = row[t];
              if (v > best)
                best = v;
              if (fabs (v) > c->max_offdiag)
                {
                  c->max_offdiag = fabs (v);
                  c->arg_s = s;
                  c->arg_t = t;
                }
            }
          double g = self - best;
          if (gap)
            gap[s] = g;
          if (g < c->min_gap)
            {
              c->min_gap = g;
              c->arg_gap = s;
            }
        }
    }
  free (G);
  c->eps_emp = c->max_offdiag > c->max_norm_dev ? c->max_offdiag : c->max_norm_dev;
  /* Standard dot-product bound: |fl(<a,b>) - <a,b>| <= d u |a||b| / (1 - d u),
     and |a||b| <= max |k|^2. */
  double u = DBL_EPSILON / 2;
  c->gram_error = (double) d * u * max_sq / (1.0 - (double) d * u);
  return VARLB_OK;
}

int
varlb_public_keys (double *keys, size_t n, size_t d, varlb_jl_family f,
                   varlb_jl_norm norm, uint64_t public_seed)
{
  gsl_rng *r = varlb_rng_new (public_seed, VARLB_STREAM_JL);
  if (r == NULL)
    return VARLB_ENOMEM;
  int st = varlb_jl_keys (keys, n, d, f, norm, r);
  gsl_rng_free (r);
  return st;
}
