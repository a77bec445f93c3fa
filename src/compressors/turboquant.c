/* turboquant.c -- TurboQuant (Zandieh, Daliri, Hadian, Mirrokni; arXiv
 * 2504.19874).  TurboQuant_mse keeps each vector as its norm (fp16) and the
 * b-bit codes of the coordinates of its direction after a random rotation
 * drawn from the PUBLIC seed (free).  The codes index the Lloyd-Max
 * quantizer of one coordinate of a uniform point on the sphere S^(m-1),
 * density prop. to (1 - x^2)^((m-3)/2): a known law, so the codebook is
 * fitted before any instance is drawn (free calibration, declared).
 * Fractional rates as in the paper's KV experiments: the fraction f of the
 * channels with the most energy (their mask charged) get an independent
 * TurboQuant at b+1 bits, the others one at b bits.  residual=qjl makes the
 * keys TurboQuant_prod: the mse stage at one bit less, then the 1-bit QJL
 * sketch sign(S r) of the residual r (S: d x d Gaussian, public seed) and
 * |r| at fp16, rebuilt as x_mse + sqrt(pi/2)/d |r| S^T sign(S r), unbiased
 * for inner products.  Values always use TurboQuant_mse.  With bits=0 the
 * rate b + f is the largest that fits the budget; below one bit per
 * coordinate only a prefix of the tokens is kept. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_cblas.h>
#include "quant.h"

static const varlb_knob_t knobs[] = {
  { "bits", VARLB_KNOB_INT, "0", 0, 8,
    "bits b per coordinate (0: the largest rate b + f the budget allows; the paper uses 2-4)" },
  { "outliers", VARLB_KNOB_DOUBLE, "0", 0, 1,
    "fraction f of channels (most energy) quantized at b+1 bits (paper: 32 of 128); set by the budget when bits=0" },
  { "residual", VARLB_KNOB_STRING, "none", 0, 0,
    "none (TurboQuant_mse) or qjl (keys as TurboQuant_prod: a 1-bit QJL sketch of the residual)" },
};

static const char tq_calibration_note[] =
  "turboquant: Lloyd-Max codebooks of a rotated unit vector's coordinate, density "
  "(1-x^2)^((m-3)/2), computed before the instance; not charged";

#define TQ_HEADER_BITS 160.0 /* n, b, key and value outlier channels, residual */

/* One TurboQuant instance: M channels of a vector, a rotation, a codebook. */
typedef struct tq_part {
  size_t m;
  unsigned bits;  /* 0: not stored (rebuilt as 0) */
  size_t *chan;   /* its channels */
  double *rot;    /* m x m, public */
  double *lev;    /* 2^bits Lloyd-Max levels */
} tq_part_t;

/* A matrix (keys or values): part 0 holds the outlier channels. */
typedef struct tq_mat {
  size_t dim;
  tq_part_t part[2];
  double *S;      /* dim x dim Gaussian, TurboQuant_prod only */
} tq_mat_t;

static void
tq_mat_clear (tq_mat_t *M)
{
  for (int p = 0; p < 2; p++)
    {
      free (M->part[p].chan);
      free (M->part[p].rot);
      free (M->part[p].lev);
    }
  free (M->S);
  memset (M, 0, sizeof *M);
}

/* Set up a matrix of DIM channels: OUTLIER[j] marks part 0, quantized at
   BHI bits, the rest at BLO; rotations (and S with PROD) drawn from R in a
   fixed order, so both halves get the same ones. */
static int
tq_mat_init (tq_mat_t *M, size_t dim, const unsigned char *outlier, unsigned bhi,
             unsigned blo, int prod, gsl_rng *r)
{
  memset (M, 0, sizeof *M);
  M->dim = dim;
  for (int p = 0; p < 2; p++)
    {
      tq_part_t *P = &M->part[p];
      P->chan = malloc ((dim + 1) * sizeof *P->chan);
      if (P->chan == NULL)
        return VARLB_ENOMEM;
      for (size_t j = 0; j < dim; j++)
        if ((outlier[j] != 0) == (p == 0))
          P->chan[P->m++] = j;
      P->bits = P->m ? (p == 0 ? bhi : blo) : 0;
      if (P->bits == 0)
        continue;
      P->rot = malloc (P->m * P->m * sizeof *P->rot);
      P->lev = malloc (((size_t) 1 << P->bits) * sizeof *P->lev);
      if (P->lev == NULL || qz_rotation (P->rot, P->m, r) != VARLB_OK)
        return VARLB_ENOMEM;
      int st = qz_sphere_levels (P->lev, P->m, P->bits);
      if (st != VARLB_OK)
        return st;
    }
  if (prod)
    {
      M->S = malloc (dim * dim * sizeof *M->S);
      if (M->S == NULL)
        return VARLB_ENOMEM;
      for (size_t i = 0; i < dim * dim; i++)
        M->S[i] = gsl_ran_gaussian_ziggurat (r, 1.0);
    }
  return VARLB_OK;
}

/* Norms stored per vector and code bits per vector of a matrix. */
static size_t
tq_norms (const tq_mat_t *M)
{
  return (M->part[0].bits > 0) + (M->part[1].bits > 0) + (M->S != NULL);
}

static double
tq_code_bits (size_t dim, size_t o, unsigned bhi, unsigned blo, int prod)
{
  return (double) o * bhi + (double) (dim - o) * blo + (prod ? (double) dim : 0.0);
}

/* Bits of a blob: N tokens at B bits, OK / OV outlier channels of keys /
   values at b+1, keys as TurboQuant_prod when PROD. */
static double
tq_size (size_t n, size_t d, size_t dv, unsigned b, size_t ok, size_t ov, int prod)
{
  unsigned khi = b + 1 - (unsigned) prod, klo = b - (unsigned) prod;
  double norms = (double) ((ok > 0 && khi > 0) + (d > ok && klo > 0) + prod + (ov > 0)
                           + (dv > ov));
  double codes = tq_code_bits (d, ok, khi, klo, prod) + tq_code_bits (dv, ov, b + 1, b, 0);
  return TQ_HEADER_BITS + 8.0 * ceil ((double) (d + dv) / 8.0)
         + 16.0 * norms * (double) n + 8.0 * ceil ((double) n * codes / 8.0);
}

/* Bob's rebuild of one row into XH from its NORMS and CODES; without QJL
   only the mse stage (what the residual is taken against).  WORK holds
   2 dim.  Floating point. */
static void
tq_decode (double *xh, const tq_mat_t *M, const double *norms, const uint32_t *codes,
           double *work, int qjl)
{
  size_t dim = M->dim, nn = 0, nc = 0;
  double *sub = work, *y = work + dim;
  memset (xh, 0, dim * sizeof *xh);
  for (int p = 0; p < 2; p++)
    {
      const tq_part_t *P = &M->part[p];
      if (P->bits == 0)
        continue;
      double n16 = norms[nn++];
      for (size_t i = 0; i < P->m; i++)
        y[i] = P->lev[codes[nc++]];
      qz_rotate_rows (sub, y, 1, P->rot, P->m, 1);
      for (size_t i = 0; i < P->m; i++)
        xh[P->chan[i]] = n16 * sub[i];
    }
  if (M->S && qjl)
    {
      double g = norms[nn++];
      for (size_t i = 0; i < dim; i++)
        y[i] = codes[nc++] ? 1.0 : -1.0;
      cblas_dgemv (CblasRowMajor, CblasTrans, (int) dim, (int) dim,
                   sqrt (M_PI / 2.0) / (double) dim * g, M->S, (int) dim, y, 1, 1.0, xh, 1);
    }
}

/* Encode row X (M->dim) into NORMS (fp16-rounded, as stored) and CODES;
   XH and WORK (dim and 2 dim) are scratch.  Floating point. */
static void
tq_encode (double *norms, uint32_t *codes, const tq_mat_t *M, const double *x, double *xh,
           double *work)
{
  size_t dim = M->dim, nn = 0, nc = 0;
  double *sub = work, *y = work + dim;
  for (int p = 0; p < 2; p++)
    {
      const tq_part_t *P = &M->part[p];
      if (P->bits == 0)
        continue;
      double nrm = 0.0;
      for (size_t i = 0; i < P->m; i++)
        {
          sub[i] = x[P->chan[i]];
          nrm += sub[i] * sub[i];
        }
      nrm = sqrt (nrm);
      norms[nn++] = qz_half (nrm);
      qz_rotate_rows (y, sub, 1, P->rot, P->m, 0);
      for (size_t i = 0; i < P->m; i++)
        codes[nc++] = qz_nearest (P->lev, 1u << P->bits, nrm > 0 ? y[i] / nrm : 0.0);
    }
  if (M->S)
    {
      /* QJL of the residual against the mse stage as Bob rebuilds it */
      tq_decode (xh, M, norms, codes, work, 0);
      double rn = 0.0;
      for (size_t j = 0; j < dim; j++)
        {
          sub[j] = x[j] - xh[j];
          rn += sub[j] * sub[j];
        }
      norms[nn++] = qz_half (sqrt (rn));
      cblas_dgemv (CblasRowMajor, CblasNoTrans, (int) dim, (int) dim, 1.0, M->S, (int) dim,
                   sub, 1, 0.0, y, 1);
      for (size_t i = 0; i < dim; i++)
        codes[nc++] = y[i] >= 0.0;
    }
}

/* Bits of each code of matrix M, in the order tq_encode emits them. */
static unsigned
tq_code_width (const tq_mat_t *M, size_t i)
{
  size_t m0 = M->part[0].bits ? M->part[0].m : 0, m1 = M->part[1].bits ? M->part[1].m : 0;
  return i < m0 ? M->part[0].bits : i < m0 + m1 ? M->part[1].bits : 1;
}

static size_t
tq_codes (const tq_mat_t *M)
{
  return (M->part[0].bits ? M->part[0].m : 0) + (M->part[1].bits ? M->part[1].m : 0)
         + (M->S ? M->dim : 0);
}

extern const varlb_compressor_t varlb_compressor_turboquant;

/* The residual knob: 0 none, 1 qjl, -1 unknown. */
static int
tq_prod (const varlb_knobs_t *kn)
{
  const char *v = cc_knob (&varlb_compressor_turboquant, kn, "residual");
  return strcmp (v, "qjl") == 0 ? 1 : strcmp (v, "none") == 0 ? 0 : -1;
}

/* Mark the O channels of X (n x dim) with the most energy. */
static void
tq_outliers (unsigned char *mark, const double *X, size_t n, size_t dim, size_t o)
{
  double *e = calloc (dim + 1, sizeof *e);
  size_t *top = malloc ((dim + 1) * sizeof *top);
  memset (mark, 0, dim);
  if (e == NULL || top == NULL)
    o = 0; /* degrade to no outliers; the header says so */
  for (size_t t = 0; e && t < n; t++)
    for (size_t j = 0; j < dim; j++)
      e[j] += X[t * dim + j] * X[t * dim + j];
  if (o > 0)
    {
      cc_top_k (top, o, e, dim);
      for (size_t i = 0; i < o; i++)
        mark[top[i]] = 1;
    }
  free (e);
  free (top);
}

static int
tq_compress (CC_COMPRESS_PARAMS)
{
  const varlb_compressor_t *self = &varlb_compressor_turboquant;
  unsigned b = (unsigned) cc_knob_double (self, kn, "bits");
  double f = cc_knob_double (self, kn, "outliers");
  int prod = tq_prod (kn);
  if (prod < 0 || b > 8 || !(f >= 0 && f <= 1) || d == 0 || dv == 0)
    return VARLB_EINVAL;
  size_t n = T, ok = (size_t) nearbyint (f * (double) d);
  if (b == 0)
    {
      /* The largest rate b + ok/d whose blob holds every token. */
      b = 1, ok = 0;
      for (unsigned bb = 1; bb <= 8; bb++)
        for (size_t o = 0; o < d; o++)
          if (tq_size (T, d, dv, bb, o, o * dv / d, prod) <= budget_bits)
            b = bb, ok = o;
    }
  ok = ok < d ? ok : d;
  size_t ov = ok * dv / d;
  while (n > 0 && tq_size (n, d, dv, b, ok, ov, prod) > budget_bits)
    n--;
  unsigned char *mk = malloc (d + 1), *mv = malloc (dv + 1);
  gsl_rng *r = varlb_rng_new (seed, VARLB_STREAM_COMPRESSOR);
  tq_mat_t MK, MV;
  memset (&MK, 0, sizeof MK);
  memset (&MV, 0, sizeof MV);
  int st = (mk && mv && r) ? VARLB_OK : VARLB_ENOMEM;
  if (st == VARLB_OK)
    {
      tq_outliers (mk, K, n, d, ok);
      tq_outliers (mv, V, n, dv, ov);
      st = tq_mat_init (&MK, d, mk, b + 1 - (unsigned) prod, b - (unsigned) prod, prod, r);
    }
  if (st == VARLB_OK)
    st = tq_mat_init (&MV, dv, mv, b + 1, b, 0, r);
  size_t dm = d > dv ? d : dv, nk = tq_norms (&MK), nv = tq_norms (&MV);
  size_t ck = tq_codes (&MK), cv = tq_codes (&MV);
  double *norms = malloc ((n * (nk + nv) + 1) * sizeof *norms);
  uint32_t *codes = malloc ((n * (ck + cv) + 1) * sizeof *codes);
  double *xh = malloc ((dm + 1) * sizeof *xh), *work = malloc ((2 * dm + 1) * sizeof *work);
  if (st == VARLB_OK && (norms == NULL || codes == NULL || xh == NULL || work == NULL))
    st = VARLB_ENOMEM;
  for (size_t t = 0; st == VARLB_OK && t < n; t++)
    {
      tq_encode (norms + t * (nk + nv), codes + t * (ck + cv), &MK, K + t * d, xh, work);
      tq_encode (norms + t * (nk + nv) + nk, codes + t * (ck + cv) + ck, &MV, V + t * dv, xh,
                 work);
    }
  if (st == VARLB_OK)
    {
      st = cc_put_u32 (blob, (uint32_t) n) | cc_put_u32 (blob, b) | cc_put_u32 (blob, (uint32_t) ok)
           | cc_put_u32 (blob, (uint32_t) ov) | cc_put_u32 (blob, (uint32_t) prod);
      cc_bitwriter_t w;
      cc_bits_init (&w, blob);
      for (size_t j = 0; j < d; j++)
        cc_bits_put (&w, mk[j], 1);
      for (size_t j = 0; j < dv; j++)
        cc_bits_put (&w, mv[j], 1);
      st |= cc_bits_flush (&w);
      st |= cc_put_reals (blob, norms, n * (nk + nv), 16);
      cc_bits_init (&w, blob);
      for (size_t t = 0; t < n; t++)
        for (size_t i = 0; i < ck + cv; i++)
          cc_bits_put (&w, codes[t * (ck + cv) + i],
                       i < ck ? tq_code_width (&MK, i) : tq_code_width (&MV, i - ck));
      st |= cc_bits_flush (&w);
      st = st ? VARLB_ENOMEM : VARLB_OK;
    }
  tq_mat_clear (&MK);
  tq_mat_clear (&MV);
  if (r)
    gsl_rng_free (r);
  free (mk), free (mv), free (norms), free (codes), free (xh), free (work);
  return st;
}

static int
tq_answer (CC_ANSWER_PARAMS)
{
  cc_reader_t r;
  cc_reader_init (&r, blob, len);
  size_t n = cc_get_u32 (&r);
  unsigned b = cc_get_u32 (&r);
  size_t ok = cc_get_u32 (&r), ov = cc_get_u32 (&r);
  unsigned prod = cc_get_u32 (&r);
  if (r.bad || b < 1 || b > 8 || ok > d || ov > dv || prod > 1 || d == 0 || dv == 0
      || tq_size (n, d, dv, b, ok, ov, (int) prod) != 8.0 * (double) len)
    return VARLB_EFORMAT;
  unsigned char *mk = malloc (d + 1), *mv = malloc (dv + 1);
  if (mk == NULL || mv == NULL)
    {
      free (mk), free (mv);
      return VARLB_ENOMEM;
    }
  size_t pos = 0, ck = 0, cv = 0;
  for (size_t j = 0; j < d; j++)
    ck += mk[j] = (unsigned char) cc_get_bits (&r, &pos, 1);
  for (size_t j = 0; j < dv; j++)
    cv += mv[j] = (unsigned char) cc_get_bits (&r, &pos, 1);
  cc_reader_skip (&r, (pos + 7) / 8);
  if (r.bad || ck != ok || cv != ov)
    {
      free (mk), free (mv);
      return VARLB_EFORMAT;
    }
  gsl_rng *rng = varlb_rng_new (seed, VARLB_STREAM_COMPRESSOR);
  tq_mat_t MK, MV;
  memset (&MK, 0, sizeof MK);
  memset (&MV, 0, sizeof MV);
  int st = rng ? tq_mat_init (&MK, d, mk, b + 1 - prod, b - prod, (int) prod, rng)
               : VARLB_ENOMEM;
  if (st == VARLB_OK)
    st = tq_mat_init (&MV, dv, mv, b + 1, b, 0, rng);
  size_t dm = d > dv ? d : dv, nk = tq_norms (&MK), nv = tq_norms (&MV);
  ck = tq_codes (&MK), cv = tq_codes (&MV);
  double *norms = malloc ((n * (nk + nv) + 1) * sizeof *norms);
  uint32_t *codes = malloc ((ck + cv + 1) * sizeof *codes);
  double *Kc = malloc ((n * d + 1) * sizeof *Kc), *Vc = malloc ((n * dv + 1) * sizeof *Vc);
  double *work = malloc ((2 * dm + 1) * sizeof *work);
  if (st == VARLB_OK
      && (norms == NULL || codes == NULL || Kc == NULL || Vc == NULL || work == NULL))
    st = VARLB_ENOMEM;
  if (st == VARLB_OK)
    cc_get_reals (norms, n * (nk + nv), &r, 16);
  pos = 0;
  for (size_t t = 0; st == VARLB_OK && t < n; t++)
    {
      for (size_t i = 0; i < ck + cv; i++)
        codes[i] = cc_get_bits (&r, &pos,
                                i < ck ? tq_code_width (&MK, i) : tq_code_width (&MV, i - ck));
      tq_decode (Kc + t * d, &MK, norms + t * (nk + nv), codes, work, 1);
      tq_decode (Vc + t * dv, &MV, norms + t * (nk + nv) + nk, codes + ck, work, 1);
    }
  if (st == VARLB_OK)
    st = cc_bits_end (&r, pos);
  if (st == VARLB_OK)
    st = cc_answer_finite (O, Q, m, Kc, Vc, n, d, dv);
  tq_mat_clear (&MK);
  tq_mat_clear (&MV);
  if (rng)
    gsl_rng_free (rng);
  free (mk), free (mv), free (norms), free (codes), free (Kc), free (Vc), free (work);
  return st;
}

CC_COMPRESSOR (turboquant, "TurboQuant (arXiv 2504.19874): public random rotation + Lloyd-Max codes per coordinate, fp16 norms, optional QJL residual",
               tq_calibration_note, tq_compress, tq_answer);
