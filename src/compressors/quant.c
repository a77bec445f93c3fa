/* quant.c -- shared pieces of the quantizers and sketches: the KIVI block,
 * random rotations, Lloyd-Max codebooks and list knobs.  See quant.h. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_cblas.h>
#include "quant.h"

/* ---------------------------------------------------------------- KIVI block */

double
qz_kivi_size (size_t n, size_t R, size_t d, size_t dv, unsigned b, size_t G)
{
  double kgroups = ceil ((double) n / (double) G) * (double) d;
  double vgroups = (double) n * ceil ((double) dv / (double) G);
  double codes = (double) n * (double) (d + dv) * b;
  return 128.0 + 32.0 * (kgroups + vgroups) + 8.0 * ceil (codes / 8.0)
         + 16.0 * (double) R * (double) (d + dv);
}

void
qz_kivi_shape (size_t *n, size_t *R, unsigned *b, size_t T, size_t d, size_t dv,
               size_t G, double budget, unsigned bmax)
{
  *R = *R < T ? *R : T;
  *n = T - *R;
  if (*b == 0)
    {
      *b = bmax;
      while (*b > 1 && qz_kivi_size (*n, *R, d, dv, *b, G) > budget)
        (*b)--;
    }
  while (*n > 0 && qz_kivi_size (*n, *R, d, dv, *b, G) > budget)
    (*n)--;
  while (*R > 0 && qz_kivi_size (*n, *R, d, dv, *b, G) > budget)
    (*R)--;
}

int
qz_kivi_write (varlb_blob_t *blob, const double *K, const double *V, size_t T,
               size_t d, size_t dv, size_t n, size_t R, unsigned b, size_t G)
{
  size_t kg = (n + G - 1) / G * d, vpt = (dv + G - 1) / G, vg = n * vpt;
  double *zs = malloc ((kg + vg + 1) * 2 * sizeof *zs);
  if (zs == NULL)
    return VARLB_ENOMEM;
  for (size_t g = 0; g * G < n; g++)
    for (size_t j = 0; j < d; j++)
      cc_quant_grid (zs + 2 * (g * d + j), K + g * G * d + j,
                    n - g * G < G ? n - g * G : G, d, b);
  for (size_t t = 0; t < n; t++)
    for (size_t g = 0; g < vpt; g++)
      cc_quant_grid (zs + 2 * (kg + t * vpt + g), V + t * dv + g * G,
                    dv - g * G < G ? dv - g * G : G, 1, b);
  int st = cc_put_u32 (blob, (uint32_t) n) | cc_put_u32 (blob, (uint32_t) R)
           | cc_put_u32 (blob, b) | cc_put_u32 (blob, (uint32_t) G);
  st |= cc_put_reals (blob, zs, 2 * (kg + vg), 16);
  cc_bitwriter_t w;
  cc_bits_init (&w, blob);
  for (size_t t = 0; t < n; t++)
    {
      for (size_t j = 0; j < d; j++)
        cc_bits_put (&w, cc_quant_code (K[t * d + j], zs + 2 * ((t / G) * d + j), b), b);
      for (size_t j = 0; j < dv; j++)
        cc_bits_put (&w, cc_quant_code (V[t * dv + j], zs + 2 * (kg + t * vpt + j / G), b), b);
    }
  st |= cc_bits_flush (&w);
  for (size_t t = T - R; t < T; t++)
    {
      for (size_t j = 0; j < d; j++)
        st |= cc_put_f16 (blob, K[t * d + j]);
      for (size_t j = 0; j < dv; j++)
        st |= cc_put_f16 (blob, V[t * dv + j]);
    }
  free (zs);
  return st ? VARLB_ENOMEM : VARLB_OK;
}

int
qz_kivi_read (double **Kc, double **Vc, size_t *rows, cc_reader_t *r, size_t d, size_t dv)
{
  *Kc = *Vc = NULL;
  *rows = 0;
  size_t n = cc_get_u32 (r), R = cc_get_u32 (r);
  unsigned b = cc_get_u32 (r);
  size_t G = cc_get_u32 (r);
  /* The header must fit in what is left: nothing is allocated or read for
     a block that lies about its size. */
  if (r->bad || b < 1 || b > 16 || G < 1
      || qz_kivi_size (n, R, d, dv, b, G) - 128.0 > 8.0 * (double) r->left)
    return VARLB_EFORMAT;
  size_t kg = (n + G - 1) / G * d, vpt = (dv + G - 1) / G, vg = n * vpt;
  double *zs = malloc ((kg + vg + 1) * 2 * sizeof *zs);
  double *K = malloc ((n + R + 1) * d * sizeof *K);
  double *V = malloc ((n + R + 1) * dv * sizeof *V);
  if (zs == NULL || K == NULL || V == NULL)
    {
      free (zs), free (K), free (V);
      return VARLB_ENOMEM;
    }
  cc_get_reals (zs, 2 * (kg + vg), r, 16);
  size_t pos = 0;
  for (size_t t = 0; t < n; t++)
    {
      for (size_t j = 0; j < d; j++)
        {
          const double *z = zs + 2 * ((t / G) * d + j);
          K[t * d + j] = z[0] + z[1] * cc_get_bits (r, &pos, b);
        }
      for (size_t j = 0; j < dv; j++)
        {
          const double *z = zs + 2 * (kg + t * vpt + j / G);
          V[t * dv + j] = z[0] + z[1] * cc_get_bits (r, &pos, b);
        }
    }
  cc_reader_skip (r, (pos + 7) / 8);
  for (size_t t = n; t < n + R; t++)
    {
      for (size_t j = 0; j < d; j++)
        K[t * d + j] = cc_get_f16 (r);
      for (size_t j = 0; j < dv; j++)
        V[t * dv + j] = cc_get_f16 (r);
    }
  free (zs);
  if (r->bad || !cc_all_finite (K, (n + R) * d) || !cc_all_finite (V, (n + R) * dv))
    {
      free (K), free (V);
      return VARLB_EFORMAT;
    }
  *Kc = K;
  *Vc = V;
  *rows = n + R;
  return VARLB_OK;
}

/* --------------------------------------------------------- rotations, bases */

void
qz_orthonormalize (double *A, size_t rows, size_t cols)
{
  /* Work on contiguous columns (a transposed copy): the row-major columns
     are strided, which is slow past a few hundred rows. */
  double *C = malloc ((rows * cols + 1) * sizeof *C);
  if (C == NULL)
    {
      memset (A, 0, rows * cols * sizeof *A); /* no basis rather than a wrong one */
      return;
    }
  for (size_t i = 0; i < rows; i++)
    for (size_t j = 0; j < cols; j++)
      C[j * rows + i] = A[i * cols + j];
  int n = (int) rows;
  for (size_t j = 0; j < cols; j++)
    {
      double *c = C + j * rows, before = cblas_ddot (n, c, 1, c, 1);
      for (int pass = 0; pass < 2; pass++)
        for (size_t k = 0; k < j; k++)
          cblas_daxpy (n, -cblas_ddot (n, c, 1, C + k * rows, 1), C + k * rows, 1, c, 1);
      double nrm = cblas_ddot (n, c, 1, c, 1);
      /* Cancelled to rounding noise: the column lay in the earlier span. */
      cblas_dscal (n, nrm > 1e-24 * before && nrm > 0.0 ? 1.0 / sqrt (nrm) : 0.0, c, 1);
    }
  for (size_t i = 0; i < rows; i++)
    for (size_t j = 0; j < cols; j++)
      A[i * cols + j] = C[j * rows + i];
  free (C);
}

int
qz_rotation (double *Rm, size_t d, gsl_rng *r)
{
  if (Rm == NULL || r == NULL)
    return VARLB_ENOMEM;
  for (size_t i = 0; i < d * d; i++)
    Rm[i] = gsl_ran_gaussian_ziggurat (r, 1.0);
  /* Gram-Schmidt of Gaussian columns (positive diagonal in the implied QR)
     gives the Haar measure; a degenerate draw has probability 0. */
  qz_orthonormalize (Rm, d, d);
  return VARLB_OK;
}

void
qz_rotate_rows (double *Y, const double *X, size_t n, const double *Rm, size_t d,
                int transpose)
{
  if (n == 0 || d == 0)
    return;
  cblas_dgemm (CblasRowMajor, CblasNoTrans, transpose ? CblasNoTrans : CblasTrans,
               (int) n, (int) d, (int) d, 1.0, X, (int) d, Rm, (int) d, 0.0, Y, (int) d);
}

/* ------------------------------------------------------- Lloyd-Max codebooks */

/* First index i in [lo, n) with x[i] > v (x sorted). */
static size_t
upper (const double *x, size_t n, double v)
{
  size_t lo = 0, hi = n;
  while (lo < hi)
    {
      size_t mid = lo + (hi - lo) / 2;
      if (x[mid] > v)
        hi = mid;
      else
        lo = mid + 1;
    }
  return lo;
}

int
qz_lloyd (double *levels, unsigned L, const double *x, const double *w, size_t n,
          unsigned iters)
{
  if (L == 0)
    return VARLB_EINVAL;
  if (n == 0)
    {
      for (unsigned k = 0; k < L; k++)
        levels[k] = 0.0;
      return VARLB_OK;
    }
  /* Prefix sums of the weights and of weight x point: a cell's centroid is
     then two differences, whatever its size. */
  double *cw = malloc ((n + 1) * sizeof *cw), *cx = malloc ((n + 1) * sizeof *cx);
  size_t *cut = malloc ((L + 1) * sizeof *cut);
  if (cw == NULL || cx == NULL || cut == NULL)
    {
      free (cw), free (cx), free (cut);
      return VARLB_ENOMEM;
    }
  cw[0] = cx[0] = 0.0;
  for (size_t i = 0; i < n; i++)
    {
      double wi = w ? w[i] : 1.0;
      cw[i + 1] = cw[i] + wi;
      cx[i + 1] = cx[i] + wi * x[i];
    }
  size_t i = 0;
  for (unsigned k = 0; k < L; k++)
    {
      double target = ((double) k + 0.5) / (double) L * cw[n];
      while (i + 1 < n && cw[i + 1] < target)
        i++;
      levels[k] = x[i];
    }
  for (unsigned it = 0; it < iters; it++)
    {
      cut[0] = 0;
      cut[L] = n;
      for (unsigned k = 1; k < L; k++)
        cut[k] = upper (x, n, 0.5 * (levels[k - 1] + levels[k]));
      double moved = 0.0;
      for (unsigned k = 0; k < L; k++)
        {
          double sw = cw[cut[k + 1]] - cw[cut[k]];
          if (cut[k + 1] > cut[k] && sw > 0.0)
            {
              double c = (cx[cut[k + 1]] - cx[cut[k]]) / sw;
              moved = fmax (moved, fabs (c - levels[k]));
              levels[k] = c;
            }
        }
      if (moved <= 1e-15 * (fabs (x[0]) + fabs (x[n - 1])))
        break;
    }
  free (cw), free (cx), free (cut);
  return VARLB_OK;
}

int
qz_lloyd_density (double *levels, unsigned L, double (*pdf) (double, const void *),
                  const void *ctx, double lo, double hi, size_t grid, unsigned iters)
{
  double *x = malloc ((grid + 1) * sizeof *x), *w = malloc ((grid + 1) * sizeof *w);
  if (x == NULL || w == NULL)
    {
      free (x), free (w);
      return VARLB_ENOMEM;
    }
  double h = (hi - lo) / (double) grid;
  for (size_t i = 0; i < grid; i++)
    {
      x[i] = lo + ((double) i + 0.5) * h;
      w[i] = pdf (x[i], ctx);
    }
  int st = qz_lloyd (levels, L, x, w, grid, iters);
  free (x), free (w);
  return st;
}

/* Cells discretising a known density: a cell straddling a Lloyd boundary
   goes whole to one side, so the levels carry an O(1/QZ_GRID) relative
   error (below 1e-4 here). */
#define QZ_GRID 65536

static double
sphere_pdf (double x, const void *ctx)
{
  double m = *(const double *) ctx;
  return pow (fmax (1.0 - x * x, 0.0), 0.5 * (m - 3.0));
}

int
qz_sphere_levels (double *lev, size_t m, unsigned b)
{
  unsigned L = 1u << b;
  if (m == 1)
    {
      const double pts[2] = { -1.0, 1.0 };
      return qz_lloyd (lev, L, pts, NULL, 2, 100);
    }
  /* The law has deviation 1/sqrt(m): beyond 12 deviations its mass is
     below e^-72, so the grid need not cover it. */
  double dm = (double) m, hi = fmin (1.0, 12.0 / sqrt (dm));
  return qz_lloyd_density (lev, L, sphere_pdf, &dm, -hi, hi, QZ_GRID, 500);
}

static double
angle_pdf (double psi, const void *ctx)
{
  double k = *(const double *) ctx; /* 2^(level-1) */
  return pow (fmax (sin (2.0 * psi), 0.0), k - 1.0);
}

int
qz_angle_levels (double *lev, unsigned level, unsigned b)
{
  unsigned n = 1u << b;
  if (level <= 1)
    {
      for (unsigned c = 0; c < n; c++) /* Lloyd-Max of the uniform law: midpoints */
        lev[c] = ((double) c + 0.5) * 2.0 * M_PI / (double) n;
      return VARLB_OK;
    }
  double k = (double) (1u << (level - 1));
  return qz_lloyd_density (lev, n, angle_pdf, &k, 0.0, M_PI / 2.0, QZ_GRID, 500);
}

unsigned
qz_nearest (const double *levels, unsigned L, double x)
{
  unsigned lo = 0, hi = L - 1;
  while (lo < hi)
    {
      unsigned mid = lo + (hi - lo) / 2;
      /* x belongs above mid when it lies past the midpoint to mid + 1 */
      if (x > 0.5 * (levels[mid] + levels[mid + 1]))
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* ------------------------------------------------------------------ k-means */

double
qz_sqdist (const double *a, const double *b, size_t w)
{
  double s = 0.0;
  for (size_t i = 0; i < w; i++)
    s += (a[i] - b[i]) * (a[i] - b[i]);
  return s;
}

double
qz_round (double x, unsigned prec)
{
  return prec == 16 ? cc_half_to_double (cc_half_from_double (x))
         : prec == 32 ? (double) (float) x : x;
}

uint32_t
qz_nearest_centroid (const double *cent, size_t c, const double *x, size_t w, double *e)
{
  double best = INFINITY;
  uint32_t arg = 0;
  for (size_t k = 0; k < c; k++)
    {
      double s = qz_sqdist (x, cent + k * w, w);
      if (s < best)
        best = s, arg = (uint32_t) k;
    }
  if (e)
    *e = best;
  return arg;
}

void
qz_kmeans_iterate (double *cent, uint32_t *code, const double *X, size_t n, size_t ld,
                   size_t w, size_t c, unsigned iters, unsigned prec, double *sum, size_t *cnt)
{
  for (size_t i = 0; i < n; i++)
    code[i] = UINT32_MAX;
  for (unsigned it = 0;; it++)
    {
      int changed = 0;
      for (size_t i = 0; i < n; i++)
        {
          uint32_t arg = qz_nearest_centroid (cent, c, X + i * ld, w, NULL);
          changed |= arg != code[i];
          code[i] = arg;
        }
      if (!changed || it >= iters)
        break;
      memset (sum, 0, c * w * sizeof *sum);
      memset (cnt, 0, c * sizeof *cnt);
      for (size_t i = 0; i < n; i++)
        {
          cnt[code[i]]++;
          for (size_t j = 0; j < w; j++)
            sum[code[i] * w + j] += X[i * ld + j];
        }
      /* an empty cluster keeps its centroid; assign against what the blob
         will hold */
      for (size_t k = 0; k < c; k++)
        for (size_t j = 0; cnt[k] && j < w; j++)
          cent[k * w + j] = qz_round (sum[k * w + j] / (double) cnt[k], prec);
    }
}

/* The next seed: the point where a uniform draw of the total TOT lands
   among the weights DMIN (N).  QZ_PICK_REDRAW (qz_kmeans): summing up
   the weights, a new uniform point when all are 0.  QZ_PICK_WALK (pq.c):
   subtracting them, the first point when all are 0, stepping back over
   chosen points (weight 0) where rounding landed on one. */
static size_t
kmeanspp_pick (const double *dmin, size_t n, double tot, int how, gsl_rng *r)
{
  size_t pick = 0;
  if (how == QZ_PICK_WALK)
    {
      if (tot > 0)
        {
          double u = gsl_rng_uniform (r) * tot;
          for (pick = 0; pick + 1 < n && (u -= dmin[pick]) >= 0;)
            pick++;
          while (dmin[pick] == 0 && pick > 0)
            pick--;
        }
      return pick;
    }
  pick = n - 1;
  double u = gsl_rng_uniform (r) * tot, acc = 0.0;
  for (size_t i = 0; i < n && tot > 0; i++)
    if ((acc += dmin[i]) > u)
      return i;
  if (!(tot > 0))
    pick = gsl_rng_uniform_int (r, n); /* all points already seeds */
  return pick;
}

void
qz_kmeanspp (double *cent, double *dmin, const double *X, size_t n, size_t ld, size_t w,
             size_t c, int how, gsl_rng *r)
{
  size_t first = gsl_rng_uniform_int (r, n);
  memcpy (cent, X + first * ld, w * sizeof *cent);
  for (size_t i = 0; i < n; i++)
    dmin[i] = qz_sqdist (X + i * ld, cent, w);
  for (size_t k = 1; k < c; k++)
    {
      double tot = 0.0;
      for (size_t i = 0; i < n; i++)
        tot += dmin[i];
      size_t pick = kmeanspp_pick (dmin, n, tot, how, r);
      memcpy (cent + k * w, X + pick * ld, w * sizeof *cent);
      for (size_t i = 0; i < n; i++)
        dmin[i] = fmin (dmin[i], qz_sqdist (X + i * ld, cent + k * w, w));
    }
}

int
qz_kmeans (double *cent, uint32_t *code, const double *X, size_t n, size_t ld, size_t w,
           size_t c, unsigned iters, gsl_rng *r)
{
  if (c >= n)
    {
      for (size_t i = 0; i < n; i++)
        {
          memcpy (cent + i * w, X + i * ld, w * sizeof *cent);
          code[i] = (uint32_t) i;
        }
      return VARLB_OK;
    }
  double *dmin = malloc ((n + 1) * sizeof *dmin), *sum = malloc ((c * w + 1) * sizeof *sum);
  size_t *cnt = malloc ((c + 1) * sizeof *cnt);
  if (dmin == NULL || sum == NULL || cnt == NULL)
    {
      free (dmin), free (sum), free (cnt);
      return VARLB_ENOMEM;
    }
  qz_kmeanspp (cent, dmin, X, n, ld, w, c, QZ_PICK_REDRAW, r);
  qz_kmeans_iterate (cent, code, X, n, ld, w, c, iters, 64, sum, cnt);
  free (dmin), free (sum), free (cnt);
  return VARLB_OK;
}

/* --------------------------------------------------------------- small bits */

double
qz_half (double x)
{
  return cc_half_to_double (cc_half_from_double (x));
}

unsigned
qz_index_bits (size_t n)
{
  unsigned b = 1;
  while (b < 64 && ((size_t) 1 << b) < n)
    b++;
  return b;
}

int
qz_parse_list (double *out, int max, const char *text, double lo, double hi)
{
  int n = 0;
  const char *s = text;
  while (s && *s)
    {
      char *end;
      double v = strtod (s, &end);
      if (end == s || !(v >= lo && v <= hi) || n >= max)
        return -1;
      out[n++] = v;
      if (*end == '/' && end[1] != '\0')
        end++;
      else if (*end != '\0')
        return -1;
      s = end;
    }
  return n;
}
