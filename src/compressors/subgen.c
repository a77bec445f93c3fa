/* subgen.c -- SubGen (Zandieh, Han, Mirrokni, Karbasi; arXiv 2402.06082),
 * paper-only (no reference code).  Two streaming sketches of the cache:
 * - the softmax normaliser: keys are clustered online in stream order (a
 *   key joins the first-opened cluster whose centre lies within delta, else
 *   opens a cluster); each cluster keeps its count and t uniform reservoir
 *   samples (fp16), so sum_j exp<q,k_j> ~ sum_c |C_c| mean_samples exp<q,k>;
 * - the numerator sum_j exp<q,k_j> v_j: s rows drawn with probability
 *   |v_j|^2 / |V|_F^2 (l2 sampling, with replacement) are kept (key and value
 *   at fp16, with their multiplicity) and reweighted by |V|_F^2 / (s |v_j|^2).
 * Bob returns numerator / normaliser.  Sublinear only when the keys are
 * (m, delta)-clusterable with m = o(n): JL keys are pairwise far apart, the
 * textbook failure case.  The sketches are computed from the whole cache in
 * stream order, which is what the streaming algorithm ends with; the coins
 * (reservoirs, samples) come from the public seed.  Budget: the clusters
 * get the fraction `share` of it (delta the smallest on a geometric grid
 * whose clusters fit, at least the delta knob), the samples the rest (the
 * draws stop before the first row that would not fit). */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_cblas.h>
#include "quant.h"

static const varlb_knob_t knobs[] = {
  { "delta", VARLB_KNOB_DOUBLE, "0", 0, 1e9,
    "cluster radius delta (0: the smallest the budget allows; a given delta grows if the clusters do not fit)" },
  { "t", VARLB_KNOB_INT, "2", 1, 65536, "reservoir samples per cluster" },
  { "samples", VARLB_KNOB_INT, "0", 0, 1e9, "l2 samples s of the values (0: up to 2^20, as the budget allows)" },
  { "share", VARLB_KNOB_DOUBLE, "0.5", 0, 1, "fraction of the budget for the clusters (the normaliser)" },
};

#define SG_HEADER_BITS 192.0 /* clusters, t, rows, draws (u32), |V|_F^2 (f64) */
#define SG_GRID 64           /* delta candidates: delta_max 2^(-k/4), k < 64, then 0 */
#define SG_MAX_DRAWS (1u << 20)

/* Bits of the clusters of counts CNT (m of them) at T samples each. */
static double
sg_cluster_bits (const size_t *cnt, size_t m, size_t t, size_t d)
{
  double s = 0.0;
  for (size_t c = 0; c < m; c++)
    s += 32.0 + 16.0 * (double) d * (double) (cnt[c] < t ? cnt[c] : t);
  return s;
}

/* Greedy online clustering of the n keys (Gram matrix G, n x n) at radius
   DELTA: CENTRE[c] is the key that opened cluster c, MEMBER[i] its cluster,
   CNT the counts; returns the cluster count. */
static size_t
sg_cluster (size_t *centre, size_t *member, size_t *cnt, const double *G, size_t n, double delta)
{
  size_t m = 0;
  double d2 = delta * delta;
  for (size_t i = 0; i < n; i++)
    {
      size_t c = 0;
      for (; c < m; c++)
        {
          size_t k = centre[c];
          if (G[i * n + i] + G[k * n + k] - 2.0 * G[i * n + k] <= d2)
            break;
        }
      if (c == m)
        centre[m] = i, cnt[m++] = 0;
      member[i] = c;
      cnt[c]++;
    }
  return m;
}

extern const varlb_compressor_t varlb_compressor_subgen;

static int
sg_compress (CC_COMPRESS_PARAMS)
{
  const varlb_compressor_t *self = &varlb_compressor_subgen;
  double delta0 = cc_knob_double (self, kn, "delta"), share = cc_knob_double (self, kn, "share");
  size_t t = (size_t) cc_knob_double (self, kn, "t");
  size_t smax = (size_t) cc_knob_double (self, kn, "samples");
  if (!(delta0 >= 0) || !(share >= 0 && share <= 1) || t < 1 || d == 0 || dv == 0)
    return VARLB_EINVAL;
  smax = smax ? smax : SG_MAX_DRAWS;
  double avail = budget_bits - SG_HEADER_BITS;
  double *G = malloc ((T * T + 1) * sizeof *G), *pv = malloc ((T + 1) * sizeof *pv);
  size_t *centre = malloc ((T + 1) * sizeof *centre), *member = malloc ((T + 1) * sizeof *member);
  size_t *cnt = malloc ((T + 1) * sizeof *cnt), *mult = calloc (T + 1, sizeof *mult);
  gsl_rng *r = varlb_rng_new (seed, VARLB_STREAM_COMPRESSOR);
  int st = (G && pv && centre && member && cnt && mult && r) ? VARLB_OK : VARLB_ENOMEM;
  if (st == VARLB_OK && T > 0)
    cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) T, (int) T, (int) d, 1.0, K,
                 (int) d, K, (int) d, 0.0, G, (int) T);
  /* delta: the smallest candidate (at least the knob) whose clusters fit;
     the count of clusters falls as delta grows, so bisect on the grid. */
  size_t m = 0;
  double delta = 0.0, dmax = 0.0;
  for (size_t i = 0; st == VARLB_OK && i < T; i++)
    dmax = fmax (dmax, 2.0 * sqrt (fmax (G[i * T + i], 0.0)));
  dmax = dmax * 1.0001 + 1e-300;
  if (st == VARLB_OK && T > 0)
    {
      /* candidate k: k = SG_GRID means 0, else dmax 2^(-k/4); larger k,
         smaller delta */
      int lo = 0, hi = SG_GRID; /* find the largest fitting k */
#define SG_DELTA(k) ((k) >= SG_GRID ? 0.0 : dmax * pow (2.0, -(double) (k) / 4.0))
      while (lo < hi && SG_DELTA (hi) < delta0)
        hi--;
      m = sg_cluster (centre, member, cnt, G, T, SG_DELTA (lo));
      if (sg_cluster_bits (cnt, m, t, d) > share * avail)
        hi = -1; /* not even one cluster fits */
      while (lo < hi)
        {
          int mid = (lo + hi + 1) / 2;
          m = sg_cluster (centre, member, cnt, G, T, SG_DELTA (mid));
          if (sg_cluster_bits (cnt, m, t, d) <= share * avail)
            lo = mid;
          else
            hi = mid - 1;
        }
      if (hi < 0)
        m = 0;
      else
        {
          delta = SG_DELTA (lo);
          m = sg_cluster (centre, member, cnt, G, T, delta);
        }
#undef SG_DELTA
    }
  /* Reservoirs of t members per cluster, in stream order (public coins). */
  size_t *res = malloc ((m * t + 1) * sizeof *res), *seen = calloc (m + 1, sizeof *seen);
  if (st == VARLB_OK && (res == NULL || seen == NULL))
    st = VARLB_ENOMEM;
  for (size_t i = 0; st == VARLB_OK && m > 0 && i < T; i++)
    {
      size_t c = member[i], k = seen[c]++;
      if (k < t)
        res[c * t + k] = i;
      else
        {
          size_t j = gsl_rng_uniform_int (r, k + 1);
          if (j < t)
            res[c * t + j] = i;
        }
    }
  /* l2 samples of the rows, as stored (fp16), until the next new row would
     not fit what the clusters left. */
  double F = 0.0, used = st == VARLB_OK ? sg_cluster_bits (cnt, m, t, d) : 0.0;
  double row = 32.0 + 16.0 * (double) (d + dv);
  size_t ucap = avail - used >= row ? (size_t) floor ((avail - used) / row) : 0, u = 0, s = 0;
  for (size_t i = 0; st == VARLB_OK && i < T; i++)
    {
      pv[i] = 0.0;
      for (size_t j = 0; j < dv; j++)
        {
          double x = cc_half_to_double (cc_half_from_double (V[i * dv + j]));
          pv[i] += x * x;
        }
      F += pv[i];
    }
  gsl_ran_discrete_t *disc
    = st == VARLB_OK && F > 0 && ucap > 0 ? gsl_ran_discrete_preproc (T, pv) : NULL;
  for (; disc && s < smax; s++)
    {
      size_t j = gsl_ran_discrete (r, disc);
      if (mult[j] == 0 && u == ucap)
        break;
      u += mult[j]++ == 0;
    }
  if (disc)
    gsl_ran_discrete_free (disc);
  if (st == VARLB_OK)
    {
      st = cc_put_u32 (blob, (uint32_t) m) | cc_put_u32 (blob, (uint32_t) t)
           | cc_put_u32 (blob, (uint32_t) u) | cc_put_u32 (blob, (uint32_t) s)
           | cc_put_f64 (blob, F);
      for (size_t c = 0; c < m; c++)
        {
          st |= cc_put_u32 (blob, (uint32_t) cnt[c]);
          for (size_t k = 0; k < (cnt[c] < t ? cnt[c] : t); k++)
            for (size_t j = 0; j < d; j++)
              st |= cc_put_f16 (blob, K[res[c * t + k] * d + j]);
        }
      for (size_t i = 0; i < T; i++)
        if (mult[i])
          {
            st |= cc_put_u32 (blob, (uint32_t) mult[i]);
            for (size_t j = 0; j < d; j++)
              st |= cc_put_f16 (blob, K[i * d + j]);
            for (size_t j = 0; j < dv; j++)
              st |= cc_put_f16 (blob, V[i * dv + j]);
          }
      st = st ? VARLB_ENOMEM : VARLB_OK;
    }
  if (r)
    gsl_rng_free (r);
  free (G), free (pv), free (centre), free (member), free (cnt), free (mult);
  free (res), free (seen);
  return st;
}

static int
sg_answer (double *O, const unsigned char *blob, size_t len, uint64_t seed, const double *Q,
           size_t mq, size_t d, size_t dv, const varlb_knobs_t *kn, const varlb_pyramid_t *pyramid)
{
  cc_reader_t r;
  cc_reader_init (&r, blob, len);
  size_t m = cc_get_u32 (&r), t = cc_get_u32 (&r), u = cc_get_u32 (&r), s = cc_get_u32 (&r);
  double F = cc_get_f64 (&r);
  double row = 4.0 + 2.0 * (double) (d + dv);
  /* Every cluster holds at least one sample, every row is whole: bound the
     counts by the length before allocating. */
  if (r.bad || t < 1 || d == 0 || dv == 0 || !(F >= 0 && isfinite (F))
      || (double) m * (4.0 + 2.0 * (double) d) + (double) u * row > (double) r.left
      || (u > 0 && s == 0))
    return VARLB_EFORMAT;
  size_t *cnt = malloc ((m + 1) * sizeof *cnt), *ns = malloc ((m + 1) * sizeof *ns);
  double *ck = NULL, *uk = malloc ((u * d + 1) * sizeof *uk);
  double *uv = malloc ((u * dv + 1) * sizeof *uv);
  double *w = malloc ((u + 1) * sizeof *w), *lg = NULL;
  int st = (cnt && ns && uk && uv && w) ? VARLB_OK : VARLB_ENOMEM;
  size_t total = 0; /* stored cluster samples */
  const unsigned char *at = r.p;
  for (size_t c = 0; st == VARLB_OK && c < m; c++)
    {
      cnt[c] = cc_get_u32 (&r);
      ns[c] = cnt[c] < t ? cnt[c] : t;
      if (r.bad || cnt[c] == 0 || (double) ns[c] * 2.0 * (double) d > (double) r.left)
        st = VARLB_EFORMAT;
      else
        cc_reader_skip (&r, ns[c] * 2 * d), total += ns[c];
    }
  if (st == VARLB_OK)
    {
      ck = malloc ((total * d + 1) * sizeof *ck);
      lg = malloc ((total + u + 1) * sizeof *lg);
      st = ck && lg ? VARLB_OK : VARLB_ENOMEM;
    }
  if (st == VARLB_OK)
    {
      cc_reader_init (&r, at, len - (size_t) (at - blob)); /* back to the clusters */
      for (size_t c = 0, k = 0; c < m; c++)
        {
          cc_get_u32 (&r);
          for (size_t i = 0; i < ns[c] * d; i++)
            ck[k++] = cc_get_f16 (&r);
        }
    }
  for (size_t i = 0; st == VARLB_OK && i < u; i++)
    {
      double mult = cc_get_u32 (&r), nv = 0.0;
      for (size_t j = 0; j < d; j++)
        uk[i * d + j] = cc_get_f16 (&r);
      for (size_t j = 0; j < dv; j++)
        {
          uv[i * dv + j] = cc_get_f16 (&r);
          nv += uv[i * dv + j] * uv[i * dv + j];
        }
      if (mult < 1 || !(nv > 0) || !isfinite (nv))
        st = VARLB_EFORMAT; /* Alice never samples a zero row */
      else
        w[i] = mult * F / ((double) s * nv);
    }
  if (st == VARLB_OK && (r.bad || r.left != 0 || !cc_all_finite (ck, total * d)
                         || !cc_all_finite (uk, u * d) || !cc_all_finite (uv, u * dv)))
    st = VARLB_EFORMAT;
  for (size_t q = 0; st == VARLB_OK && q < mq; q++)
    {
      const double *x = Q + q * d;
      double mx = -INFINITY, den = 0.0;
      for (size_t k = 0; k < total; k++)
        mx = fmax (mx, lg[k] = cblas_ddot ((int) d, x, 1, ck + k * d, 1));
      for (size_t i = 0; i < u; i++)
        mx = fmax (mx, lg[total + i] = cblas_ddot ((int) d, x, 1, uk + i * d, 1));
      for (size_t c = 0, k = 0; c < m; c++)
        {
          double sum = 0.0;
          for (size_t i = 0; i < ns[c]; i++, k++)
            sum += exp (lg[k] - mx);
          den += (double) cnt[c] / (double) ns[c] * sum;
        }
      double *o = O + q * dv;
      memset (o, 0, dv * sizeof *o);
      for (size_t i = 0; den > 0 && i < u; i++)
        cblas_daxpy ((int) dv, w[i] * exp (lg[total + i] - mx) / den, uv + i * dv, 1, o, 1);
      for (size_t j = 0; j < dv; j++)
        if (!isfinite (o[j]))
          o[j] = 0.0; /* a forged count or weight overflowed: no estimate */
    }
  free (cnt), free (ns), free (ck), free (uk), free (uv), free (w), free (lg);
  return st;
}

CC_COMPRESSOR (subgen, "SubGen (arXiv 2402.06082): online key clustering (counts + reservoir samples) for the normaliser, l2-sampled values for the numerator",
               NULL, sg_compress, sg_answer);
