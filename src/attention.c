/* attention.c -- exact softmax attention of many queries over a cache,
 * O = softmax_row(Q K^T) V (proofs/reduction.md sec. 1, no 1/sqrt(d)).  Blocked over
 * query rows: beyond the inputs it holds one block x T score slab, never a
 * T x T matrix.  Rows are shifted by their maximum before exp (stable). */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_cblas.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "varlb.h"
#include "progress.h"

static size_t attention_block = 128;

/* exp(x) for x <= 0, the only range softmax needs after the max shift,
   four lanes at a time (GNU C vector extensions; the AVX2 clone below runs
   them in one register).  Cody-Waite reduction x = n ln2 + r, |r| <= ln2/2
   (n rounded with the 1.5 * 2^52 trick), a degree-13 Taylor polynomial
   (truncation error < 5e-18 relative), then scaling by 2^n through the
   exponent bits: within 2 ulp of libm's exp.  Below -708 the result would
   be subnormal: it returns 0, which cannot change a sum whose largest term
   is exp(0) = 1. */
typedef double v4df __attribute__ ((vector_size (32)));
typedef int64_t v4di __attribute__ ((vector_size (32)));

/* Vectors travel by pointer: a 32-byte vector passed by value makes GCC
   note an ABI change (-Wpsabi) even for an inlined static function. */
static inline __attribute__ ((always_inline)) void
softmax_exp4 (v4df *y, const v4df *xp)
{
  const v4df x = *xp;
  const v4df lo = { -708.0, -708.0, -708.0, -708.0 };
  v4di keep = x > lo;                      /* lanes that stay normal */
  v4df xc = (v4df) (((v4di) x & keep) | ((v4di) lo & ~keep));
  const v4df shifter = { 0x1.8p52, 0x1.8p52, 0x1.8p52, 0x1.8p52 };
  v4df kd = xc * 1.4426950408889634 + shifter;
  v4df n = kd - shifter;
  v4df r = (xc - n * 6.93147180369123816490e-01) - n * 1.90821492927058770002e-10;
  v4df p = r * (1.0 / 6227020800.0) + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  /* The low bits of kd hold n in two's complement. */
  v4df scale = (v4df) (((v4di) kd + 1023) << 52);
  *y = (v4df) ((v4di) (p * scale) & keep);
}

static inline double
softmax_exp (double x)
{
  v4df v = { x, x, x, x }, e;
  softmax_exp4 (&e, &v);
  return e[0];
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define VARLB_CLONES __attribute__ ((target_clones ("avx2,fma", "default")))
#else
#define VARLB_CLONES
#endif

/* ROW[t] <- exp(ROW[t] - SHIFT) in place for t < T (every ROW[t] <= SHIFT);
   returns the sum.  Cloned for AVX2+FMA where the CPU has it: once the
   products run in BLAS, this loop is what is left. */
VARLB_CLONES static double
exp_shifted (double *row, size_t T, double shift)
{
  const v4df sh = { shift, shift, shift, shift };
  v4df acc = { 0, 0, 0, 0 };
  size_t t = 0;
  for (; t + 4 <= T; t += 4)
    {
      v4df x;
      __builtin_memcpy (&x, row + t, sizeof x);
      v4df e;
      x -= sh;
      softmax_exp4 (&e, &x);
      __builtin_memcpy (row + t, &e, sizeof e);
      acc += e;
    }
  double sum = (acc[0] + acc[1]) + (acc[2] + acc[3]);
  for (; t < T; t++)
    {
      row[t] = softmax_exp (row[t] - shift);
      sum += row[t];
    }
  return sum;
}

/* Shift ROW by its maximum (at least FLOOR), exponentiate in place, return
   the sum; *MAX receives the shift. */
static double
softmax_row (double *row, size_t T, double floor, double *max)
{
  double mx = floor;
  for (size_t t = 0; t < T; t++)
    mx = row[t] > mx ? row[t] : mx;
  *max = mx;
  if (!isfinite (mx))
    return NAN;
  return exp_shifted (row, T, mx);
}

int
varlb_attention (double *O, const double *Q, size_t m, const double *K,
                 const double *V, size_t T, size_t d, size_t dv,
                 const size_t *target, double *target_weight, double *lse)
{
  return varlb_attention_zero (O, Q, m, K, V, T, 0, d, dv, target,
                               target_weight, lse);
}

/* One block of B query rows: scores, stable exponentials, weighted values.
   S holds B x T doubles.  Returns 0 or VARLB_ENUMERIC. */
static int
attention_block_rows (double *O, const double *Q, size_t b, const double *K,
                      const double *V, size_t T, size_t zero_tokens, size_t d,
                      size_t dv, const size_t *target, double *target_weight,
                      double *lse, double *S, double *norm)
{
  cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) b, (int) T,
               (int) d, 1.0, Q, (int) d, K, (int) d, 0.0, S, (int) T);
  for (size_t i = 0; i < b; i++)
    {
      double *row = S + i * T, mx;
      /* The zero tokens score exactly 0. */
      double sum = softmax_row (row, T, zero_tokens ? 0.0 : -INFINITY, &mx);
      if (!isfinite (sum))
        return VARLB_ENUMERIC;
      /* Each zero token adds exp(0 - mx) to the normaliser and nothing to
         the numerator (its value is zero). */
      if (zero_tokens)
        sum += (double) zero_tokens * softmax_exp (-mx);
      norm[i] = sum;
      if (target && target_weight)
        target_weight[i] = target[i] < T ? row[target[i]] / sum : NAN;
      if (lse)
        lse[i] = mx + log (sum);
    }
  cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) b, (int) dv,
               (int) T, 1.0, S, (int) T, V, (int) dv, 0.0, O, (int) dv);
  for (size_t i = 0; i < b; i++)
    {
      double inv = 1.0 / norm[i];
      for (size_t j = 0; j < dv; j++)
        O[i * dv + j] *= inv;
    }
  return VARLB_OK;
}

void
varlb_attention_set_block (size_t rows)
{
  attention_block = rows ? rows : 128;
}

#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
int openblas_get_num_threads (void);
void openblas_set_num_threads (int);
#endif

int
varlb_attention_zero (double *O, const double *Q, size_t m, const double *K,
                      const double *V, size_t T, size_t zero_tokens, size_t d,
                      size_t dv, const size_t *target, double *target_weight,
                      double *lse)
{
  if (T + zero_tokens == 0 || d == 0 || dv == 0)
    return VARLB_EINVAL;
  if (m == 0)
    return VARLB_OK;
  if (T == 0)
    {
      /* Only zero tokens: uniform weights on zero values. */
      for (size_t i = 0; i < m * dv; i++)
        O[i] = 0.0;
      for (size_t i = 0; i < m; i++)
        {
          if (target_weight)
            target_weight[i] = NAN;
          if (lse)
            lse[i] = log ((double) zero_tokens);
        }
      return VARLB_OK;
    }
  size_t block = attention_block < m ? attention_block : m;
  size_t nblocks = (m + block - 1) / block;
  int status = VARLB_OK;
  /* Blocks run in parallel (OpenMP), each with its own score slab and a
     single-threaded BLAS call: on few cores this beats letting BLAS thread
     each small product while the exponentials wait. */
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
  int blas_threads = openblas_get_num_threads ();
  if (nblocks > 1)
    openblas_set_num_threads (1);
#endif
#pragma omp parallel if (nblocks > 1)
  {
    double *S = malloc (block * (T + 1) * sizeof *S);
    if (S == NULL)
      {
#pragma omp atomic write
        status = VARLB_ENOMEM;
      }
#pragma omp for schedule(dynamic, 1)
    for (size_t k = 0; k < nblocks; k++)
      {
        size_t r0 = k * block;
        size_t b = m - r0 < block ? m - r0 : block;
        if (S == NULL)
          continue;
        int st = attention_block_rows (O + r0 * dv, Q + r0 * d, b, K, V, T,
                                       zero_tokens, d, dv,
                                       target ? target + r0 : NULL,
                                       target_weight ? target_weight + r0 : NULL,
                                       lse ? lse + r0 : NULL, S, S + block * T);
        if (st != VARLB_OK)
          {
#pragma omp atomic write
            status = st;
          }
      }
    free (S);
  }
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
  if (nblocks > 1)
    openblas_set_num_threads (blas_threads);
#endif
  return status;
}

/* Tiles of the symmetric self-attention below: a 128 x 128 score tile
   (128 KiB) stays in L2 while both of its value products run. */
#define GRAM_TILE 128

/* Gram statistics of one score tile ROW-major BI x BJ (scores C<k_s,k_t>)
   for rows I0.. and, when the tile is off the diagonal, columns J0..:
   the largest score and the largest |score| off the diagonal, with where
   the latter is attained. */
static void
tile_stats (const double *E, size_t bi, size_t bj, size_t i0, size_t j0, int diag,
            varlb_gram_stats_t *g)
{
  for (size_t r = 0; r < bi; r++)
    {
      const double *row = E + r * bj;
      size_t s = i0 + r;
      double mx = g->row_max[s], ab = g->row_absmax[s];
      size_t arg = g->row_absarg[s];
      for (size_t t = 0; t < bj; t++)
        {
          if (diag && t == r)
            continue;
          double x = row[t], a = fabs (x);
          mx = x > mx ? x : mx;
          if (a > ab)
            ab = a, arg = j0 + t;
          if (!diag)
            {
              size_t u = j0 + t;
              g->row_max[u] = x > g->row_max[u] ? x : g->row_max[u];
              if (a > g->row_absmax[u])
                g->row_absmax[u] = a, g->row_absarg[u] = s;
            }
        }
      g->row_max[s] = mx;
      g->row_absmax[s] = ab;
      g->row_absarg[s] = arg;
      if (diag)
        g->self[s] = row[r];
    }
}

static void
gram_stats_reset (varlb_gram_stats_t *g, size_t n)
{
  for (size_t s = 0; s < n; s++)
    {
      g->row_max[s] = -INFINITY;
      g->row_absmax[s] = 0.0;
      g->row_absarg[s] = s;
      g->self[s] = 0.0;
    }
}

/* What every tile pair of the self-attention decode reads. */
typedef struct self_ctx {
  const double *K, *V;
  double *target_weight;
  size_t n, d, dv, ntiles;
  double C, shift;
  int gram;
} self_ctx_t;

/* Tile pair P (I <= J, row by row) into the thread's accumulators OT, ZT
   and GT, with E as the tile's scratch: pair (I, J) adds to the rows of
   both I and J. */
static void
self_tile_pair (double *Ot, double *Zt, varlb_gram_stats_t *gt, double *E,
                const self_ctx_t *c, size_t p)
{
  const size_t n = c->n, d = c->d, dv = c->dv, ntiles = c->ntiles;
  const double *K = c->K, *V = c->V;
  double *target_weight = c->target_weight;
  size_t I = 0, rem = p;
  while (rem >= ntiles - I)
    {
      rem -= ntiles - I;
      I++;
    }
  size_t J = I + rem;
  size_t i0 = I * GRAM_TILE, j0 = J * GRAM_TILE;
  size_t bi = n - i0 < GRAM_TILE ? n - i0 : GRAM_TILE;
  size_t bj = n - j0 < GRAM_TILE ? n - j0 : GRAM_TILE;
  cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) bi, (int) bj,
               (int) d, c->C, K + i0 * d, (int) d, K + j0 * d, (int) d, 0.0,
               E, (int) bj);
  if (c->gram)
    tile_stats (E, bi, bj, i0, j0, I == J, gt);
  for (size_t r = 0; r < bi; r++)
    {
      double *row = E + r * bj;
      Zt[i0 + r] += exp_shifted (row, bj, c->shift);
      if (I != J)
        for (size_t t = 0; t < bj; t++)
          Zt[j0 + t] += row[t];
      if (I == J && target_weight)
        target_weight[i0 + r] = row[r]; /* divided by Z below */
    }
  cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) bi, (int) dv,
               (int) bj, 1.0, E, (int) bj, V + j0 * dv, (int) dv, 1.0,
               Ot + i0 * dv, (int) dv);
  if (I != J)
    cblas_dgemm (CblasRowMajor, CblasTrans, CblasNoTrans, (int) bj, (int) dv,
                 (int) bi, 1.0, E, (int) bj, V + i0 * dv, (int) dv, 1.0,
                 Ot + j0 * dv, (int) dv);
}

/* A thread's Gram statistics GT merged into GRAM (under the caller's lock). */
static void
gram_stats_merge (varlb_gram_stats_t *gram, const varlb_gram_stats_t *gt, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      gram->row_max[i] = fmax (gram->row_max[i], gt->row_max[i]);
      if (gt->row_absmax[i] > gram->row_absmax[i])
        {
          gram->row_absmax[i] = gt->row_absmax[i];
          gram->row_absarg[i] = gt->row_absarg[i];
        }
      if (gt->self[i] != 0.0)
        gram->self[i] = gt->self[i];
    }
}

/* Each row of O and its target weight divided by its normaliser Z: the zero
   tokens add exp(0 - shift) each to every normaliser. */
static int
self_normalise (double *O, double *target_weight, const double *Z, size_t n,
                size_t dv, size_t zero_tokens, double shift)
{
  double zt = (double) zero_tokens * softmax_exp (-shift);
  for (size_t s = 0; s < n; s++)
    {
      double z = Z[s] + zt;
      if (!(z > 0.0) || !isfinite (z))
        return VARLB_ENUMERIC;
      double inv = 1.0 / z;
      for (size_t j = 0; j < dv; j++)
        O[s * dv + j] *= inv;
      if (target_weight)
        target_weight[s] *= inv;
    }
  return VARLB_OK;
}

int
varlb_attention_self (double *O, const double *K, const double *V, size_t n,
                      size_t zero_tokens, size_t d, size_t dv, double C,
                      double *target_weight)
{
  return varlb_attention_self_stats (O, K, V, n, zero_tokens, d, dv, C, target_weight, NULL);
}

int
varlb_attention_self_stats (double *O, const double *K, const double *V, size_t n,
                            size_t zero_tokens, size_t d, size_t dv, double C,
                            double *target_weight, varlb_gram_stats_t *gram)
{
  if (n == 0 || d == 0 || dv == 0 || !(C > 0.0) || !isfinite (C))
    return VARLB_EINVAL;
  /* One shift for every row: by Cauchy-Schwarz no score C<k_s,k_t> exceeds
     C max|k|^2, so exp never overflows and E_st = E_ts.  A row's largest
     term is at least its target exp(C|k_s|^2 - shift); if that could
     underflow, the per-row-max path must be used instead. */
  double max_sq = 0.0, min_sq = INFINITY;
  for (size_t s = 0; s < n; s++)
    {
      double q = cblas_ddot ((int) d, K + s * d, 1, K + s * d, 1);
      max_sq = q > max_sq ? q : max_sq;
      min_sq = q < min_sq ? q : min_sq;
    }
  double shift = C * max_sq;
  if (!isfinite (shift) || C * (max_sq - min_sq) > 600.0 || min_sq == 0.0)
    return VARLB_ENUMERIC;
  size_t ntiles = (n + GRAM_TILE - 1) / GRAM_TILE;
  size_t npairs = ntiles * (ntiles + 1) / 2, pairs_done = 0;
  const self_ctx_t c = { K, V, target_weight, n, d, dv, ntiles, C, shift, gram != NULL };
  int status = VARLB_OK;
  double *Z = calloc (n, sizeof *Z);
  if (Z == NULL)
    return VARLB_ENOMEM;
  for (size_t i = 0; i < n * dv; i++)
    O[i] = 0.0;
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
  int blas_threads = openblas_get_num_threads ();
  openblas_set_num_threads (1);
#endif
  if (gram)
    gram_stats_reset (gram, n);
#pragma omp parallel
  {
    /* Private accumulators, summed at the end: tile pair (I, J) adds to the
       rows of both I and J. */
    double *Ot = calloc (n * dv, sizeof *Ot);
    double *Zt = calloc (n, sizeof *Zt);
    double *E = malloc (GRAM_TILE * GRAM_TILE * sizeof *E);
    varlb_gram_stats_t gt = { NULL, NULL, NULL, NULL };
    double *gbuf = gram ? malloc (3 * n * sizeof *gbuf) : NULL;
    size_t *garg = gram ? malloc (n * sizeof *garg) : NULL;
    if (gram && gbuf && garg)
      {
        gt.row_max = gbuf;
        gt.row_absmax = gbuf + n;
        gt.self = gbuf + 2 * n;
        gt.row_absarg = garg;
        gram_stats_reset (&gt, n);
      }
    if (Ot == NULL || Zt == NULL || E == NULL || (gram && (gbuf == NULL || garg == NULL)))
      {
#pragma omp atomic write
        status = VARLB_ENOMEM;
      }
#pragma omp for schedule(dynamic, 1)
    for (size_t p = 0; p < npairs; p++)
      {
        if (E == NULL || Ot == NULL || Zt == NULL || (gram && gt.row_max == NULL))
          continue;
        self_tile_pair (Ot, Zt, &gt, E, &c, p);
        size_t done;
#pragma omp atomic capture
        done = ++pairs_done;
#ifdef _OPENMP
        if (omp_get_thread_num () == 0 && done % 64 == 0) /* the caller's thread */
#else
        if (done % 64 == 0)
#endif
          varlb_progress_note ("decoding every bit", (double) done, (double) npairs);
      }
#pragma omp critical
    {
      if (Ot != NULL && Zt != NULL)
        {
          for (size_t i = 0; i < n * dv; i++)
            O[i] += Ot[i];
          for (size_t i = 0; i < n; i++)
            Z[i] += Zt[i];
        }
      if (gram && gt.row_max != NULL)
        gram_stats_merge (gram, &gt, n);
    }
    free (Ot);
    free (Zt);
    free (E);
    free (gbuf);
    free (garg);
  }
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
  openblas_set_num_threads (blas_threads);
#endif
  if (status == VARLB_OK)
    status = self_normalise (O, target_weight, Z, n, dv, zero_tokens, shift);
  free (Z);
  return status;
}
