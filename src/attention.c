/* attention.c -- exact softmax attention of many queries over a cache,
 * O = softmax_row(Q K^T) V (paper.md sec. 1.5, no 1/sqrt(d)).  Blocked over
 * query rows: beyond the inputs it holds one block x T score slab, never a
 * T x T matrix.  Rows are shifted by their maximum before exp (stable). */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_cblas.h>
#include "varlb.h"

static size_t attention_block = 128;

void
varlb_attention_set_block (size_t rows)
{
  attention_block = rows ? rows : 128;
}

int
varlb_attention (double *O, const double *Q, size_t m, const double *K,
                 const double *V, size_t T, size_t d, size_t dv,
                 const size_t *target, double *target_weight, double *lse)
{
  if (T == 0 || d == 0 || dv == 0)
    return VARLB_EINVAL;
  if (m == 0)
    return VARLB_OK;
  size_t block = attention_block < m ? attention_block : m;
  double *S = malloc (block * T * sizeof *S);
  double *norm = malloc (block * sizeof *norm);
  if (S == NULL || norm == NULL)
    {
      free (S);
      free (norm);
      return VARLB_ENOMEM;
    }
  int status = VARLB_OK;
  for (size_t r0 = 0; r0 < m; r0 += block)
    {
      size_t b = m - r0 < block ? m - r0 : block;
      cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) b, (int) T,
                   (int) d, 1.0, Q + r0 * d, (int) d, K, (int) d, 0.0, S,
                   (int) T);
      int bad = 0;
#pragma omp parallel for schedule(static) reduction(|:bad)
      for (size_t i = 0; i < b; i++)
        {
          double *row = S + i * T;
          double mx = row[0];
          for (size_t t = 1; t < T; t++)
            if (row[t] > mx)
              mx = row[t];
          if (!isfinite (mx))
            {
              bad = 1;
              continue;
            }
          double sum = 0.0;
          for (size_t t = 0; t < T; t++)
            {
              double e = exp (row[t] - mx);
              row[t] = e;
              sum += e;
            }
          norm[i] = sum;
          if (target && target_weight)
            target_weight[r0 + i] = target[r0 + i] < T ? row[target[r0 + i]] / sum : NAN;
          if (lse)
            lse[r0 + i] = mx + log (sum);
        }
      if (bad)
        {
          status = VARLB_ENUMERIC;
          break;
        }
      cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) b,
                   (int) dv, (int) T, 1.0, S, (int) T, V, (int) dv, 0.0,
                   O + r0 * dv, (int) dv);
      for (size_t i = 0; i < b; i++)
        {
          double inv = 1.0 / norm[i];
          double *o = O + (r0 + i) * dv;
          for (size_t j = 0; j < dv; j++)
            o[j] *= inv;
        }
    }
  free (S);
  free (norm);
  return status;
}
