/* think.c -- ThinK (arXiv 2407.21018, kvpress ThinKPress): prune key
 * channels.  Channel j scores mean_q(q_j^2) x mean_t(k_j^2) over a window of
 * window_size observed queries (public seed, never Bob's); the
 * key_channel_compression_ratio lowest-scoring channels are dropped from
 * every stored key, so each token costs (d - pruned + dv) numbers and the
 * budget keeps more tokens, chosen by a scorer press (ThinK composes with
 * SnapKV in the paper and in kvpress's snap_think).  kvpress zeroes the
 * channels and saves nothing; here they leave the blob (a d-bit mask says
 * which stay).  A budget that holds the whole cache prunes nothing. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include "evict.h"

static const varlb_knob_t knobs[] = {
  EVICT_COMMON_KNOBS,
  EVICT_PRESS_KNOB ("snapkv"),
  { "key_channel_compression_ratio", VARLB_KNOB_DOUBLE, "0.5", 0, 1,
    "fraction of the key channels pruned when the cache does not fit whole" },
  { "window_size", VARLB_KNOB_INT, "32", 1, 1e6, "observed queries scoring the channels" },
};

extern const varlb_compressor_t varlb_compressor_think;

/* MASK (d) = 1 for the channels kept: all but the PRUNED lowest scores. */
static int
channel_mask (unsigned char *mask, size_t pruned, const double *K, size_t T, size_t d,
              size_t window, double temp, uint64_t seed)
{
  double *Q = malloc (window * d * sizeof *Q), *sc = malloc (d * sizeof *sc);
  size_t *keep = malloc (d * sizeof *keep);
  int st = Q && sc && keep ? cc_observed_queries (Q, window, d, temp, seed) : VARLB_ENOMEM;
  for (size_t j = 0; st == VARLB_OK && j < d; j++)
    {
      double q2 = 0.0, k2 = 0.0;
      for (size_t i = 0; i < window; i++)
        q2 += Q[i * d + j] * Q[i * d + j] / (double) window;
      for (size_t t = 0; t < T; t++)
        k2 += K[t * d + j] * K[t * d + j] / (double) T;
      sc[j] = q2 * k2;
    }
  if (st == VARLB_OK)
    {
      cc_top_k (keep, d - pruned, sc, d);
      for (size_t j = 0; j < d; j++)
        mask[j] = 0;
      for (size_t j = 0; j < d - pruned; j++)
        mask[keep[j]] = 1;
    }
  free (Q), free (sc), free (keep);
  return st;
}

static int
compress (CC_COMPRESS_PARAMS)
{
  const varlb_compressor_t *self = &varlb_compressor_think;
  unsigned prec;
  if (cc_knob_prec (&prec, self, kn, "bits") != VARLB_OK || evict_press_check (self, kn) != VARLB_OK)
    return VARLB_EINVAL;
  size_t pruned = (size_t) floor ((double) d * cc_knob_double (self, kn, "key_channel_compression_ratio"));
  if (evict_channels_capacity (budget_bits, d, d, dv, prec) >= T)
    pruned = 0; /* the whole cache fits: nothing to gain */
  size_t k = evict_channels_capacity (budget_bits, d, d - pruned, dv, prec);
  k = k < T ? k : T;
  unsigned char *mask = malloc (d ? d : 1);
  size_t *keep = malloc ((T ? T : 1) * sizeof *keep);
  double *s = malloc ((T ? T : 1) * sizeof *s);
  int st = mask && keep && s ? channel_mask (mask, pruned, K, T, d,
                                             (size_t) cc_knob_double (self, kn, "window_size"),
                                             cc_knob_double (self, kn, "temperature"), seed)
                             : VARLB_ENOMEM;
  if (st == VARLB_OK)
    st = evict_press_scores (s, k, K, V, T, d, dv, seed, self, kn, pyramid);
  if (st == VARLB_OK)
    {
      cc_top_k (keep, k, s, T);
      st = evict_channels_write (blob, K, V, d, dv, keep, k, mask, prec);
    }
  free (mask), free (keep), free (s);
  return st;
}

CC_COMPRESSOR (think, "ThinK (arXiv 2407.21018): prune the key channels of least query-weighted energy, keep more tokens (press snapkv)",
               NULL, compress, evict_channels_answer);
