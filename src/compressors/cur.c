/* cur.c -- CurDKV (arXiv 2509.15038, kvpress CURPress): approximate CUR
 * leverage of keys and values by their squared norms (optionally after a
 * random projection to 20 dimensions, public coins), normalised within
 * local windows, combined by leverage_type, first num_sinks tokens kept.
 * Query-free. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include "evict.h"

static const varlb_knob_t knobs[] = {
  EVICT_BITS_KNOB,
  { "num_sinks", VARLB_KNOB_INT, "4", 0, 1e9, "first tokens always kept (attention sinks)" },
  { "leverage_type", VARLB_KNOB_STRING, "kv_product", 0, 0, "key, value, kv_avg or kv_product" },
  { "use_random_leverage", VARLB_KNOB_INT, "0", 0, 1,
    "1: project keys and values on 20 Gaussian directions (public coins) first" },
  { "use_local_approximation", VARLB_KNOB_INT, "1", 0, 1,
    "1: normalise the squared norms within windows of local_window_size tokens" },
  { "local_window_size", VARLB_KNOB_INT, "16", 1, 1e9, "window of the local normalisation" },
};

#define CUR_PROJECTION 20 /* kvpress's r */

/* Squared row norms of X (T x W), after projecting on CUR_PROJECTION
   Gaussian directions of R when R is not NULL. */
static int
sq_norms (double *out, const double *X, size_t T, size_t w, gsl_rng *r)
{
  if (r == NULL)
    {
      for (size_t t = 0; t < T; t++)
        {
          out[t] = 0.0;
          for (size_t j = 0; j < w; j++)
            out[t] += X[t * w + j] * X[t * w + j];
        }
      return VARLB_OK;
    }
  double *G = malloc ((w ? w : 1) * CUR_PROJECTION * sizeof *G);
  if (G == NULL)
    return VARLB_ENOMEM;
  for (size_t i = 0; i < w * CUR_PROJECTION; i++)
    G[i] = gsl_ran_gaussian (r, 1.0) / sqrt ((double) CUR_PROJECTION);
  for (size_t t = 0; t < T; t++)
    {
      out[t] = 0.0;
      for (size_t c = 0; c < CUR_PROJECTION; c++)
        {
          double y = 0.0;
          for (size_t j = 0; j < w; j++)
            y += X[t * w + j] * G[j * CUR_PROJECTION + c];
          out[t] += y * y;
        }
    }
  free (G);
  return VARLB_OK;
}

/* Divide by the sum over each window of W tokens (a zero sum stays 0). */
static void
local_normalise (double *x, size_t T, size_t w)
{
  for (size_t a = 0; a < T; a += w)
    {
      size_t b = a + w < T ? a + w : T;
      double sum = 0.0;
      for (size_t t = a; t < b; t++)
        sum += x[t];
      for (size_t t = a; t < b; t++)
        x[t] = sum > 0 ? x[t] / sum : 0.0;
    }
}

static int
score (EVICT_SCORE_PARAMS)
{
  const char *type = cc_knob (self, kn, "leverage_type");
  int which = strcmp (type, "key") == 0 ? 0 : strcmp (type, "value") == 0 ? 1
              : strcmp (type, "kv_avg") == 0 ? 2 : strcmp (type, "kv_product") == 0 ? 3 : -1;
  if (which < 0)
    return VARLB_EINVAL;
  size_t sinks = (size_t) cc_knob_double (self, kn, "num_sinks");
  size_t w = (size_t) cc_knob_double (self, kn, "local_window_size");
  gsl_rng *r = cc_knob_double (self, kn, "use_random_leverage") != 0
                   ? varlb_rng_new (seed, VARLB_STREAM_COMPRESSOR) : NULL;
  double *k2 = malloc (T * sizeof *k2), *v2 = malloc (T * sizeof *v2);
  int st = k2 && v2 ? sq_norms (k2, K, T, d, r) : VARLB_ENOMEM;
  if (st == VARLB_OK)
    st = sq_norms (v2, V, T, dv, r);
  if (st == VARLB_OK && cc_knob_double (self, kn, "use_local_approximation") != 0)
    {
      local_normalise (k2, T, w);
      local_normalise (v2, T, w);
    }
  double sum = 0.0;
  for (size_t t = 0; st == VARLB_OK && t < T; t++)
    {
      s[t] = which == 0 ? k2[t] : which == 1 ? v2[t]
             : which == 2 ? (k2[t] + v2[t]) / 2.0 : k2[t] * v2[t];
      sum += s[t];
    }
  for (size_t t = 0; st == VARLB_OK && t < T; t++)
    s[t] = sum > 0 ? s[t] / sum : 0.0;
  for (size_t t = 0; st == VARLB_OK && t < sinks && t < T; t++)
    s[t] = 1.0;
  free (k2), free (v2);
  if (r)
    gsl_rng_free (r);
  return st;
}

EVICT_SCORER_PRESS (cur,
                    "CurDKV (arXiv 2509.15038): CUR leverage of keys and values from squared norms, locally normalised",
                    score);
