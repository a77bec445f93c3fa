/* evict.c -- the shared driver of the token-eviction compressors: capacity
 * from the budget, the method's choice of tokens (a choice, a kvpress-style
 * score, or a selection that may fold values), the eviction blob, its
 * pruned-channel variant (ThinK), and leverage scores. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include "evict.h"

/* Budget -> kept count *K at the precision knob, and *KEEP, room for the
   kept indices (the caller frees it, whatever the status); VARLB_EINVAL
   for a bad precision. */
static int
capacity (size_t *k, unsigned *prec, size_t **keep, double budget_bits, size_t T,
          size_t d, size_t dv, const varlb_compressor_t *self, const varlb_knobs_t *kn)
{
  *keep = NULL;
  if (cc_knob_prec (prec, self, kn, "bits") != VARLB_OK)
    return VARLB_EINVAL;
  *k = cc_evict_capacity (budget_bits, d, dv, *prec);
  if (*k > T)
    *k = T;
  *keep = malloc ((*k ? *k : 1) * sizeof **keep);
  return *keep ? VARLB_OK : VARLB_ENOMEM;
}

static int
evict_run (CC_COMPRESS_PARAMS, const varlb_compressor_t *self, evict_choose_fn choose, int always)
{
  size_t k, *keep;
  unsigned prec;
  int st = capacity (&k, &prec, &keep, budget_bits, T, d, dv, self, kn);
  if (st != VARLB_OK)
    return st;
  if (k == T && !always)
    for (size_t t = 0; t < T; t++)
      keep[t] = t;
  else if (k > 0)
    k = choose (keep, k, K, T, d, seed, self, kn, pyramid);
  st = cc_evict_write (blob, K, V, d, dv, keep, k, prec);
  free (keep);
  return st;
}

int
evict_compress (CC_COMPRESS_PARAMS, const varlb_compressor_t *self, evict_choose_fn choose)
{
  return evict_run (blob, K, V, T, d, dv, budget_bits, seed, kn, pyramid, self, choose, 0);
}

int
evict_compress_policy (CC_COMPRESS_PARAMS, const varlb_compressor_t *self, evict_choose_fn choose)
{
  return evict_run (blob, K, V, T, d, dv, budget_bits, seed, kn, pyramid, self, choose, 1);
}

static int
cmp_token (const void *a, const void *b)
{
  size_t x = *(const size_t *) a, y = *(const size_t *) b;
  return x < y ? -1 : x > y;
}

void
evict_sort (size_t *keep, size_t n)
{
  qsort (keep, n, sizeof *keep, cmp_token);
}

size_t
evict_cached_scales (const varlb_pyramid_t *py, size_t T)
{
  size_t S = 0;
  while (S < py->scales && py->offset[S + 1] <= T)
    S++;
  return S;
}

int
evict_answer (CC_ANSWER_PARAMS)
{
  return cc_evict_answer (O, blob, len, Q, m, d, dv);
}

/* ------------------------------------------------------ scorer presses */

#define EVICT_SCORER(name) extern const evict_scorer_t evict_scorer_##name;
#include "scorers.def"
#undef EVICT_SCORER

static const evict_scorer_t *const scorers[] = {
#define EVICT_SCORER(name) &evict_scorer_##name,
#include "scorers.def"
#undef EVICT_SCORER
};

const evict_scorer_t *
evict_scorer_find (const char *name)
{
  for (size_t i = 0; name && i < sizeof scorers / sizeof *scorers; i++)
    if (strcmp (scorers[i]->c->name, name) == 0)
      return scorers[i];
  return NULL;
}

int
evict_press_check (const varlb_compressor_t *self, const varlb_knobs_t *kn)
{
  return evict_scorer_find (cc_knob (self, kn, "press")) ? VARLB_OK : VARLB_EINVAL;
}

int
evict_press_scores (EVICT_SCORE_PARAMS)
{
  const evict_scorer_t *press = evict_scorer_find (cc_knob (self, kn, "press"));
  if (press == NULL)
    return VARLB_EINVAL;
  return press->score (s, k, K, V, T, d, dv, seed, press->c, kn, pyramid);
}

int
evict_score_compress (CC_COMPRESS_PARAMS, const varlb_compressor_t *self, evict_score_fn score)
{
  size_t k, *keep;
  unsigned prec;
  int st = capacity (&k, &prec, &keep, budget_bits, T, d, dv, self, kn);
  double *s = malloc ((T ? T : 1) * sizeof *s);
  if (st == VARLB_OK && s == NULL)
    st = VARLB_ENOMEM;
  else if (st == VARLB_OK && T > 0 && (st = score (s, k, K, V, T, d, dv, seed, self, kn, pyramid)) == VARLB_OK)
    cc_top_k (keep, k, s, T);
  if (st == VARLB_OK)
    st = cc_evict_write (blob, K, V, d, dv, keep, k, prec);
  free (keep);
  free (s);
  return st;
}

int
evict_select_compress (CC_COMPRESS_PARAMS, const varlb_compressor_t *self, evict_select_fn select)
{
  size_t k, kept = 0, *keep;
  unsigned prec;
  int st = capacity (&k, &prec, &keep, budget_bits, T, d, dv, self, kn);
  double *Vw = malloc ((T * dv > 0 ? T * dv : 1) * sizeof *Vw);
  if (st == VARLB_OK && Vw == NULL)
    st = VARLB_ENOMEM;
  if (st == VARLB_OK)
    {
      memcpy (Vw, V, T * dv * sizeof *Vw);
      st = select (keep, &kept, Vw, k, K, V, T, d, dv, seed, self, kn, pyramid);
    }
  if (st == VARLB_OK && kept > k)
    st = VARLB_EINVAL; /* a selection over the budget is a bug, never charged */
  if (st == VARLB_OK)
    st = cc_evict_write (blob, K, Vw, d, dv, keep, kept, prec);
  free (keep);
  free (Vw);
  return st;
}

/* ------------------------------------------- pruned key channels (ThinK) */

#define CHANNELS_HEADER_BITS 96.0 /* kept count, precision, kept channels */

size_t
evict_channels_capacity (double budget_bits, size_t d, size_t dk, size_t dv,
                         unsigned prec)
{
  double per = (double) (dk + dv) * prec;
  double room = budget_bits - CHANNELS_HEADER_BITS - 8.0 * (double) ((d + 7) / 8);
  return room <= 0 || per <= 0 ? 0 : (size_t) floor (room / per);
}

int
evict_channels_write (varlb_blob_t *b, const double *K, const double *V,
                      size_t d, size_t dv, const size_t *keep, size_t k,
                      const unsigned char *mask, unsigned prec)
{
  size_t dk = 0;
  for (size_t j = 0; j < d; j++)
    dk += mask[j] != 0;
  int st = cc_put_u32 (b, (uint32_t) k);
  if (st == VARLB_OK)
    st = cc_put_u32 (b, prec);
  if (st == VARLB_OK)
    st = cc_put_u32 (b, (uint32_t) dk);
  cc_bitwriter_t w;
  cc_bits_init (&w, b);
  for (size_t j = 0; st == VARLB_OK && j < d; j++)
    cc_bits_put (&w, mask[j] != 0, 1);
  if (st == VARLB_OK)
    st = cc_bits_flush (&w);
  for (size_t i = 0; st == VARLB_OK && i < k; i++)
    {
      for (size_t j = 0; st == VARLB_OK && j < d; j++)
        if (mask[j])
          st = cc_put_real (b, K[keep[i] * d + j], prec);
      for (size_t j = 0; st == VARLB_OK && j < dv; j++)
        st = cc_put_real (b, V[keep[i] * dv + j], prec);
    }
  return st;
}

int
evict_channels_answer (CC_ANSWER_PARAMS)
{
  cc_reader_t r;
  cc_reader_init (&r, blob, len);
  size_t k = cc_get_u32 (&r);
  unsigned prec = cc_get_u32 (&r);
  size_t dk = cc_get_u32 (&r);
  size_t per_token = (dk + dv) * (prec / 8);
  if (r.bad || !cc_prec_ok (prec) || dk > d || per_token == 0
      || k > len / per_token)
    return VARLB_EFORMAT;
  unsigned char *mask = calloc (d ? d : 1, 1);
  double *Kc = calloc ((k ? k : 1) * d, sizeof *Kc);
  double *Vc = malloc ((k ? k : 1) * dv * sizeof *Vc);
  int st = (mask && Kc && Vc) ? VARLB_OK : VARLB_ENOMEM;
  size_t pos = 0, set = 0;
  for (size_t j = 0; st == VARLB_OK && j < d; j++)
    set += mask[j] = (unsigned char) cc_get_bits (&r, &pos, 1);
  /* the mask's padding bits must be 0, and exactly dk channels set */
  for (; st == VARLB_OK && pos % 8; )
    if (cc_get_bits (&r, &pos, 1))
      st = VARLB_EFORMAT;
  if (st == VARLB_OK && (r.bad || set != dk))
    st = VARLB_EFORMAT;
  if (st == VARLB_OK)
    cc_reader_skip (&r, pos / 8);
  for (size_t i = 0; st == VARLB_OK && i < k; i++)
    {
      for (size_t j = 0; j < d; j++)
        if (mask[j])
          Kc[i * d + j] = cc_get_real (&r, prec);
      for (size_t j = 0; j < dv; j++)
        Vc[i * dv + j] = cc_get_real (&r, prec);
    }
  if (st == VARLB_OK)
    st = r.bad || r.left ? VARLB_EFORMAT : cc_answer_cache (O, Q, m, Kc, Vc, k, d, dv);
  free (mask);
  free (Kc);
  free (Vc);
  return st;
}

/* ------------------------------------------------------ leverage scores */

int
evict_leverage_scores (double *scores, const double *X, size_t n, size_t d,
                       size_t sketch, gsl_rng *r)
{
  if (n == 0)
    return VARLB_OK;
  size_t s = sketch ? sketch : 1;
  double *Phi = malloc (d * s * sizeof *Phi), *mean = calloc (d ? d : 1, sizeof *mean);
  double *Xc = malloc (n * d * sizeof *Xc), *Y = malloc (n * s * sizeof *Y);
  gsl_matrix *G = gsl_matrix_alloc (s, s);
  gsl_vector *z = gsl_vector_alloc (s);
  int st = (Phi && mean && Xc && Y && G && z) ? VARLB_OK : VARLB_ENOMEM;
  for (size_t i = 0; st == VARLB_OK && i < d * s; i++)
    Phi[i] = gsl_ran_gaussian (r, 1.0) / sqrt ((double) s);
  for (size_t t = 0; st == VARLB_OK && t < n; t++)
    for (size_t j = 0; j < d; j++)
      mean[j] += X[t * d + j] / (double) n;
  for (size_t t = 0; st == VARLB_OK && t < n; t++)
    for (size_t j = 0; j < d; j++)
      Xc[t * d + j] = X[t * d + j] - mean[j];
  if (st == VARLB_OK)
    cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) n, (int) s, (int) d,
                 1.0, Xc, (int) d, Phi, (int) s, 0.0, Y, (int) s);
  /* Cholesky of Y^T Y + jitter I, the jitter raised tenfold until it
     factors (kvpress's chol_with_jitter: 1e-2 first, five tries). */
  double jitter = 1e-2;
  int factored = 0;
  for (int tries = 0; st == VARLB_OK && !factored && tries < 5; tries++, jitter *= 10.0)
    {
      gsl_matrix_view Yv = gsl_matrix_view_array (Y, n, s);
      gsl_matrix_set_identity (G);
      gsl_blas_dsyrk (CblasLower, CblasTrans, 1.0, &Yv.matrix, jitter, G);
      for (size_t i = 0; i < s; i++)
        for (size_t j = i + 1; j < s; j++)
          gsl_matrix_set (G, i, j, gsl_matrix_get (G, j, i));
      factored = gsl_linalg_cholesky_decomp1 (G) == GSL_SUCCESS;
    }
  if (st == VARLB_OK && !factored)
    st = VARLB_ENUMERIC;
  for (size_t t = 0; st == VARLB_OK && t < n; t++)
    {
      gsl_vector_view y = gsl_vector_view_array (Y + t * s, s);
      if (gsl_linalg_cholesky_solve (G, &y.vector, z) != GSL_SUCCESS)
        st = VARLB_ENUMERIC;
      double v = 0.0;
      gsl_blas_ddot (&y.vector, z, &v);
      scores[t] = v > 0.0 ? v : 0.0;
    }
  free (Phi), free (mean), free (Xc), free (Y);
  if (G)
    gsl_matrix_free (G);
  if (z)
    gsl_vector_free (z);
  return st;
}

/* ------------------------------------------------ the eviction blob */

size_t
cc_evict_capacity (double budget_bits, size_t d, size_t dv, unsigned prec)
{
  double per = (double) (d + dv) * prec;
  double room = budget_bits - 64.0; /* header: count and precision */
  return room <= 0 ? 0 : (size_t) floor (room / per);
}

int
cc_evict_write (varlb_blob_t *b, const double *K, const double *V, size_t d,
                size_t dv, const size_t *keep, size_t k, unsigned prec)
{
  int st = cc_put_u32 (b, (uint32_t) k);
  if (st == VARLB_OK)
    st = cc_put_u32 (b, prec);
  for (size_t i = 0; st == VARLB_OK && i < k; i++)
    {
      for (size_t j = 0; st == VARLB_OK && j < d; j++)
        st = cc_put_real (b, K[keep[i] * d + j], prec);
      for (size_t j = 0; st == VARLB_OK && j < dv; j++)
        st = cc_put_real (b, V[keep[i] * dv + j], prec);
    }
  return st;
}

int
cc_evict_answer (double *O, const unsigned char *blob, size_t len,
                 const double *Q, size_t m, size_t d, size_t dv)
{
  cc_reader_t r;
  cc_reader_init (&r, blob, len);
  size_t k = cc_get_u32 (&r);
  unsigned prec = cc_get_u32 (&r);
  size_t per_token = (d + dv) * (prec / 8);
  if (r.bad || !cc_prec_ok (prec) || per_token == 0
      || k > len / per_token)
    return VARLB_EFORMAT;
  double *Kc = malloc ((k ? k : 1) * d * sizeof *Kc);
  double *Vc = malloc ((k ? k : 1) * dv * sizeof *Vc);
  if (Kc == NULL || Vc == NULL)
    {
      free (Kc);
      free (Vc);
      return VARLB_ENOMEM;
    }
  for (size_t i = 0; i < k; i++)
    {
      for (size_t j = 0; j < d; j++)
        Kc[i * d + j] = cc_get_real (&r, prec);
      for (size_t j = 0; j < dv; j++)
        Vc[i * dv + j] = cc_get_real (&r, prec);
    }
  /* A forged row of NaN or Inf is no cache: refuse it rather than answer
     with it. */
  int st = r.bad || r.left ? VARLB_EFORMAT : cc_answer_finite (O, Q, m, Kc, Vc, k, d, dv);
  free (Kc);
  free (Vc);
  return st;
}
