/* lowrank.c -- low rank (Palu / Eigen-attention family): truncated SVD of K
 * and of V (GSL), rank from the budget, factors U_r S_r and V_r^T stored at
 * fp16/fp32 and charged.  Random JL keys have no low-rank structure, which
 * is exactly what the hard instance exploits. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_linalg.h>
#include "common.h"

static const varlb_knob_t knobs[] = {
  { "bits", VARLB_KNOB_INT, "16", 16, 64, "bits per stored factor entry: 16, 32 or 64" },
  { "rank", VARLB_KNOB_INT, "0", 0, 65536,
    "rank of K and of V (0: the largest the budget allows); lowered until the blob fits" },
};

/* Bits for rank R of an n x c matrix. */
static double
factor_bits (size_t n, size_t c, size_t r, unsigned prec)
{
  return (double) r * (double) (n + c) * prec;
}

/* Write the rank-R factors of the n x c matrix A: n x r (U S), r x c (V^T). */
static int
put_factors (varlb_blob_t *blob, const double *A, size_t n, size_t c, size_t r,
             unsigned prec)
{
  if (r == 0)
    return VARLB_OK;
  /* GSL's one-sided Jacobi SVD needs rows >= columns; the cache has n >= c
     in every instance where a rank above 0 fits, else work on A^T. */
  int trans = n < c;
  size_t rows = trans ? c : n, cols = trans ? n : c;
  gsl_matrix *M = gsl_matrix_alloc (rows, cols), *Vm = gsl_matrix_alloc (cols, cols);
  gsl_vector *S = gsl_vector_alloc (cols);
  if (M == NULL || Vm == NULL || S == NULL)
    {
      if (M)
        gsl_matrix_free (M);
      if (Vm)
        gsl_matrix_free (Vm);
      if (S)
        gsl_vector_free (S);
      return VARLB_ENOMEM;
    }
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < c; j++)
      gsl_matrix_set (M, trans ? j : i, trans ? i : j, A[i * c + j]);
  int st = gsl_linalg_SV_decomp_jacobi (M, Vm, S) ? VARLB_ENUMERIC : VARLB_OK;
  /* A = M diag(S) Vm^T; for A^T swap the roles of M and Vm. */
  for (size_t i = 0; st == VARLB_OK && i < n; i++)
    for (size_t k = 0; k < r; k++)
      {
        double u = trans ? gsl_matrix_get (Vm, i, k) : gsl_matrix_get (M, i, k);
        st = cc_put_real (blob, u * gsl_vector_get (S, k), prec);
      }
  for (size_t k = 0; st == VARLB_OK && k < r; k++)
    for (size_t j = 0; j < c; j++)
      {
        double v = trans ? gsl_matrix_get (M, j, k) : gsl_matrix_get (Vm, j, k);
        st = cc_put_real (blob, v, prec);
      }
  gsl_matrix_free (M);
  gsl_matrix_free (Vm);
  gsl_vector_free (S);
  return st;
}

extern const varlb_compressor_t varlb_compressor_lowrank;

static int
lowrank_compress (CC_COMPRESS_PARAMS)
{
  const varlb_compressor_t *self = &varlb_compressor_lowrank;
  unsigned prec;
  if (cc_knob_prec (&prec, self, kn, "bits") != VARLB_OK)
    return VARLB_EINVAL;
  size_t maxr = T < d ? T : d, maxrv = T < dv ? T : dv;
  /* A given rank is a cap: lowered like the automatic one until the blob
     fits. */
  size_t cap = (size_t) cc_knob_double (self, kn, "rank"), rk = 0, rv = 0;
  if (cap > 0)
    {
      maxr = cap < maxr ? cap : maxr;
      maxrv = cap < maxrv ? cap : maxrv;
    }
  /* Raise the ranks of K and V in turn (K first) while the blob still
     fits: an even split, except that a budget too small for rank 1 of
     both still buys rank 1 of K rather than nothing. */
  double room = budget_bits - 128.0;
  for (int grew = 1; grew;)
    {
      grew = 0;
      if (rk < maxr && rk <= rv
          && factor_bits (T, d, rk + 1, prec) + factor_bits (T, dv, rv, prec) <= room)
        rk++, grew = 1;
      if (rv < maxrv && rv < rk
          && factor_bits (T, d, rk, prec) + factor_bits (T, dv, rv + 1, prec) <= room)
        rv++, grew = 1;
      if (!grew && rk < maxr
          && factor_bits (T, d, rk + 1, prec) + factor_bits (T, dv, rv, prec) <= room)
        rk++, grew = 1; /* V is full rank: the rest goes to K */
      if (!grew && rv < maxrv
          && factor_bits (T, d, rk, prec) + factor_bits (T, dv, rv + 1, prec) <= room)
        rv++, grew = 1;
    }
  int st = cc_put_u32 (blob, (uint32_t) T) | cc_put_u32 (blob, (uint32_t) rk)
           | cc_put_u32 (blob, (uint32_t) rv) | cc_put_u32 (blob, prec);
  if (st)
    return VARLB_ENOMEM;
  st = put_factors (blob, K, T, d, rk, prec);
  if (st == VARLB_OK)
    st = put_factors (blob, V, T, dv, rv, prec);
  return st;
}

/* Rebuild the n x c matrix from its stored factors. */
static void
get_factors (double *A, cc_reader_t *r, size_t n, size_t c, size_t rank, unsigned prec)
{
  double *U = malloc ((n * rank + 1) * sizeof *U), *W = malloc ((rank * c + 1) * sizeof *W);
  if (U == NULL || W == NULL)
    {
      r->bad = 1;
      free (U);
      free (W);
      return;
    }
  cc_get_reals (U, n * rank, r, prec);
  cc_get_reals (W, rank * c, r, prec);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < c; j++)
      {
        double acc = 0.0;
        for (size_t k = 0; k < rank; k++)
          acc += U[i * rank + k] * W[k * c + j];
        A[i * c + j] = acc;
      }
  free (U);
  free (W);
}

static int
lowrank_answer (CC_ANSWER_PARAMS)
{
  cc_reader_t r;
  cc_reader_init (&r, blob, len);
  size_t T = cc_get_u32 (&r), rk = cc_get_u32 (&r), rv = cc_get_u32 (&r);
  unsigned prec = cc_get_u32 (&r);
  if (r.bad || !cc_prec_ok (prec) || rk > d || rv > dv
      || (double) (T * (rk + rv) + rk * d + rv * dv) * (prec / 8) != (double) r.left)
    return VARLB_EFORMAT;
  if (rk == 0 && rv == 0)
    {
      /* Rank 0: every key and value is zero, so is every output (and T,
         which nothing bounds then, is not needed). */
      for (size_t i = 0; i < m * dv; i++)
        O[i] = 0.0;
      return VARLB_OK;
    }
  double *Kc = calloc ((T ? T : 1) * d, sizeof *Kc), *Vc = calloc ((T ? T : 1) * dv, sizeof *Vc);
  if (Kc == NULL || Vc == NULL)
    {
      free (Kc);
      free (Vc);
      return VARLB_ENOMEM;
    }
  get_factors (Kc, &r, T, d, rk, prec);
  get_factors (Vc, &r, T, dv, rv, prec);
  int st = r.bad ? VARLB_EFORMAT : cc_answer_cache (O, Q, m, Kc, Vc, T, d, dv);
  free (Kc);
  free (Vc);
  return st;
}

CC_COMPRESSOR (lowrank, "low rank: truncated SVD of K and V (GSL), rank from the budget, factors charged",
               NULL, lowrank_compress, lowrank_answer);
