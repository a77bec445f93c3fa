/* polarquant.c -- PolarQuant (Han, Kacham, Karbasi, Mirrokni, Zandieh;
 * arXiv 2502.02617).  Each key and value is preconditioned by a random
 * rotation drawn from the PUBLIC seed (zero-padded to a multiple of the block
 * 2^L), then turned into polar coordinates block by block: level 1 maps
 * coordinate pairs to a radius and an angle in [0, 2 pi), each level l >= 2
 * pairs the radii below into an angle in [0, pi/2], and one radius per block
 * remains (fp16).  After preconditioning the level-l angles are independent
 * with density prop. to sin^(2^(l-1)-1)(2 psi) (uniform at level 1), so each
 * level is quantized with the offline Lloyd-Max codebook of that law: no
 * scale or zero point is stored (free calibration, declared).  The paper's
 * setting is 16-dim blocks (L = 4) at 4/2/2/2 bits per level; with
 * bits=auto the ladder (b+2, b, ..., b) is descended from b = 6 until the
 * blob fits, then only a prefix of the tokens is kept.  Keys and values alike
 * (as the VAR port jasonpan0930/VAR_PolarQuant does). */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "quant.h"

static const varlb_knob_t knobs[] = {
  { "levels", VARLB_KNOB_INT, "4", 1, 6, "polar levels L (blocks of 2^L coordinates; the paper: 4)" },
  { "bits", VARLB_KNOB_STRING, "auto", 0, 0,
    "bits per level, e.g. 4/2/2/2 (the paper), or auto: (b+2)/b/.../b with the largest b that fits" },
};

static const char pq_calibration_note[] =
  "polarquant: Lloyd-Max codebooks of the level-l angle laws sin^(2^(l-1)-1)(2 psi) "
  "(uniform at level 1), computed before the instance; not charged";

#define PQ_MAXL 6

/* The angle codebooks of one configuration: level l has 2^bits[l] levels. */
typedef struct polar {
  unsigned L, bits[PQ_MAXL];
  double *lev[PQ_MAXL];
} polar_t;

static void
polar_clear (polar_t *P)
{
  for (unsigned l = 0; l < PQ_MAXL; l++)
    free (P->lev[l]);
  memset (P, 0, sizeof *P);
}

/* Codebooks for L levels at BITS (free calibration: the same in both halves). */
static int
polar_init (polar_t *P, unsigned L, const unsigned *bits)
{
  memset (P, 0, sizeof *P);
  P->L = L;
  for (unsigned l = 0; l < L; l++)
    {
      unsigned n = 1u << bits[l];
      P->bits[l] = bits[l];
      P->lev[l] = malloc (n * sizeof *P->lev[l]);
      if (P->lev[l] == NULL)
        return VARLB_ENOMEM;
      int st = qz_angle_levels (P->lev[l], l + 1, bits[l]);
      if (st != VARLB_OK)
        return st;
    }
  return VARLB_OK;
}

/* Padded dimension of a vector of DIM coordinates. */
static size_t
polar_dim (size_t dim, unsigned L)
{
  size_t B = (size_t) 1 << L;
  return (dim + B - 1) / B * B;
}

/* Angle bits of one vector of padded dimension D. */
static double
polar_angle_bits (size_t D, unsigned L, const unsigned *bits)
{
  double s = 0.0;
  for (unsigned l = 0; l < L; l++)
    s += (double) (D >> (l + 1)) * bits[l];
  return s;
}

static double
polar_size (size_t n, size_t d, size_t dv, unsigned L, const unsigned *bits)
{
  size_t Dk = polar_dim (d, L), Dv = polar_dim (dv, L);
  double radii = (double) ((Dk + Dv) >> L);
  double angles = polar_angle_bits (Dk, L, bits) + polar_angle_bits (Dv, L, bits);
  return 64.0 + 8.0 * L + 16.0 * radii * (double) n + 8.0 * ceil ((double) n * angles / 8.0);
}

/* Polar transform of one block Y (2^L) into ANGLE[l] (2^(L-1-l) each) and
   its radius; RAD is scratch of 2^L. */
static double
polar_forward (double **angle, const double *y, unsigned L, double *rad)
{
  size_t B = (size_t) 1 << L;
  for (size_t i = 0; i < B / 2; i++)
    {
      double a = atan2 (y[2 * i + 1], y[2 * i]);
      angle[0][i] = a < 0 ? a + 2.0 * M_PI : a;
      rad[i] = hypot (y[2 * i], y[2 * i + 1]);
    }
  for (unsigned l = 1; l < L; l++)
    for (size_t i = 0; i < (B >> (l + 1)); i++)
      {
        angle[l][i] = atan2 (rad[2 * i + 1], rad[2 * i]);
        rad[i] = hypot (rad[2 * i], rad[2 * i + 1]);
      }
  return rad[0];
}

/* Inverse: the block Y from its radius R and (quantized) angles. */
static void
polar_inverse (double *y, double r, double *const *angle, unsigned L, double *rad)
{
  size_t B = (size_t) 1 << L;
  rad[0] = r;
  for (unsigned l = L; l-- > 1;)
    for (size_t i = (B >> (l + 1)); i-- > 0;)
      {
        double ri = rad[i];
        rad[2 * i] = ri * cos (angle[l][i]);
        rad[2 * i + 1] = ri * sin (angle[l][i]);
      }
  for (size_t i = 0; i < B / 2; i++)
    {
      y[2 * i] = rad[i] * cos (angle[0][i]);
      y[2 * i + 1] = rad[i] * sin (angle[0][i]);
    }
}

/* Code of angle A at level L of P. */
static uint32_t
polar_code (const polar_t *P, unsigned l, double a)
{
  unsigned n = 1u << P->bits[l];
  if (l == 0)
    {
      double c = floor (a / (2.0 * M_PI) * (double) n);
      return (uint32_t) (c < 0 ? 0 : c >= n ? n - 1 : c);
    }
  return qz_nearest (P->lev[l], n, a);
}

/* The public rotations of keys and values, in a fixed order. */
static int
polar_rotations (double **Rk, double **Rv, size_t Dk, size_t Dv, uint64_t seed)
{
  gsl_rng *r = varlb_rng_new (seed, VARLB_STREAM_COMPRESSOR);
  *Rk = malloc ((Dk * Dk + 1) * sizeof **Rk);
  *Rv = malloc ((Dv * Dv + 1) * sizeof **Rv);
  int st = r && *Rk && *Rv ? VARLB_OK : VARLB_ENOMEM;
  if (st == VARLB_OK)
    st = qz_rotation (*Rk, Dk, r);
  if (st == VARLB_OK)
    st = qz_rotation (*Rv, Dv, r);
  if (r)
    gsl_rng_free (r);
  return st;
}

/* Scratch of one vector: X and Y (padded dimension D), a block's radii and
   its angles level by level. */
typedef struct polar_scratch {
  size_t D, B;
  double *x, *y, *rad, *ang, *angle[PQ_MAXL];
} polar_scratch_t;

static void
scratch_clear (polar_scratch_t *s)
{
  free (s->x), free (s->y), free (s->rad), free (s->ang);
}

static int
scratch_init (polar_scratch_t *s, size_t dim, unsigned L)
{
  s->D = polar_dim (dim, L);
  s->B = (size_t) 1 << L;
  s->x = calloc (s->D, sizeof *s->x); /* the padding stays 0 */
  s->y = malloc (s->D * sizeof *s->y);
  s->rad = malloc (s->B * sizeof *s->rad);
  s->ang = malloc (s->B * sizeof *s->ang);
  if (s->x == NULL || s->y == NULL || s->rad == NULL || s->ang == NULL)
    {
      scratch_clear (s);
      return VARLB_ENOMEM;
    }
  for (unsigned l = 0, off = 0; l < L; off += (unsigned) (s->B >> (l + 1)), l++)
    s->angle[l] = s->ang + off;
  return VARLB_OK;
}

/* Encode the N x DIM matrix X: radii to RADII (n x D/B), codes appended to W. */
static int
polar_encode (double *radii, cc_bitwriter_t *w, const double *X, size_t n, size_t dim,
              const double *Rm, const polar_t *P)
{
  polar_scratch_t s;
  if (scratch_init (&s, dim, P->L) != VARLB_OK)
    return VARLB_ENOMEM;
  size_t D = s.D, B = s.B;
  for (size_t t = 0; t < n; t++)
    {
      memcpy (s.x, X + t * dim, dim * sizeof *s.x);
      qz_rotate_rows (s.y, s.x, 1, Rm, D, 0);
      for (size_t blk = 0; blk < D / B; blk++)
        {
          radii[t * (D / B) + blk] = polar_forward (s.angle, s.y + blk * B, P->L, s.rad);
          for (unsigned l = 0; l < P->L; l++)
            for (size_t i = 0; i < (B >> (l + 1)); i++)
              cc_bits_put (w, polar_code (P, l, s.angle[l][i]), P->bits[l]);
        }
    }
  scratch_clear (&s);
  return VARLB_OK;
}

/* Decode N rows of DIM from RADII and the codes at *POS of R. */
static int
polar_decode (double *X, const double *radii, cc_reader_t *r, size_t *pos, size_t n,
              size_t dim, const double *Rm, const polar_t *P)
{
  polar_scratch_t s;
  if (scratch_init (&s, dim, P->L) != VARLB_OK)
    return VARLB_ENOMEM;
  size_t D = s.D, B = s.B;
  for (size_t t = 0; t < n; t++)
    {
      for (size_t blk = 0; blk < D / B; blk++)
        {
          for (unsigned l = 0; l < P->L; l++)
            for (size_t i = 0; i < (B >> (l + 1)); i++)
              s.angle[l][i] = P->lev[l][cc_get_bits (r, pos, P->bits[l])];
          polar_inverse (s.y + blk * B, radii[t * (D / B) + blk], s.angle, P->L, s.rad);
        }
      qz_rotate_rows (s.x, s.y, 1, Rm, D, 1);
      memcpy (X + t * dim, s.x, dim * sizeof *s.x);
    }
  scratch_clear (&s);
  return VARLB_OK;
}

extern const varlb_compressor_t varlb_compressor_polarquant;

static int
polar_compress (CC_COMPRESS_PARAMS)
{
  const varlb_compressor_t *self = &varlb_compressor_polarquant;
  unsigned L = (unsigned) cc_knob_double (self, kn, "levels"), bits[PQ_MAXL];
  const char *bt = cc_knob (self, kn, "bits");
  if (L < 1 || L > PQ_MAXL || d == 0 || dv == 0)
    return VARLB_EINVAL;
  if (strcmp (bt, "auto") == 0)
    {
      for (unsigned b = 6; b >= 1; b--)
        {
          bits[0] = b + 2;
          for (unsigned l = 1; l < L; l++)
            bits[l] = b;
          if (polar_size (T, d, dv, L, bits) <= budget_bits)
            break;
        }
    }
  else
    {
      double v[PQ_MAXL];
      if (qz_parse_list (v, PQ_MAXL, bt, 0, 16) != (int) L)
        return VARLB_EINVAL;
      for (unsigned l = 0; l < L; l++)
        {
          if (v[l] != floor (v[l]))
            return VARLB_EINVAL;
          bits[l] = (unsigned) v[l];
        }
    }
  size_t n = T;
  while (n > 0 && polar_size (n, d, dv, L, bits) > budget_bits)
    n--;
  size_t Dk = polar_dim (d, L), Dv = polar_dim (dv, L);
  size_t nbk = Dk >> L, nbv = Dv >> L;
  polar_t P;
  double *Rk = NULL, *Rv = NULL;
  double *rk = malloc ((n * nbk + 1) * sizeof *rk), *rv = malloc ((n * nbv + 1) * sizeof *rv);
  int st = polar_init (&P, L, bits);
  if (st == VARLB_OK)
    st = polar_rotations (&Rk, &Rv, Dk, Dv, seed);
  if (st == VARLB_OK && (rk == NULL || rv == NULL))
    st = VARLB_ENOMEM;
  /* Codes go to a side blob first: the radii precede them. */
  varlb_blob_t codes;
  varlb_blob_init (&codes);
  cc_bitwriter_t w;
  cc_bits_init (&w, &codes);
  if (st == VARLB_OK)
    st = polar_encode (rk, &w, K, n, d, Rk, &P);
  if (st == VARLB_OK)
    st = polar_encode (rv, &w, V, n, dv, Rv, &P);
  if (st == VARLB_OK)
    st = cc_bits_flush (&w);
  if (st == VARLB_OK)
    {
      st = cc_put_u32 (blob, (uint32_t) n) | cc_put_u32 (blob, L);
      for (unsigned l = 0; l < L; l++)
        {
          unsigned char c = (unsigned char) bits[l];
          st |= varlb_blob_append (blob, &c, 1);
        }
      st |= cc_put_reals (blob, rk, n * nbk, 16);
      st |= cc_put_reals (blob, rv, n * nbv, 16);
      st |= varlb_blob_append (blob, codes.data, codes.len);
      st = st ? VARLB_ENOMEM : VARLB_OK;
    }
  varlb_blob_clear (&codes);
  polar_clear (&P);
  free (Rk), free (Rv), free (rk), free (rv);
  return st;
}

static int
polar_answer (CC_ANSWER_PARAMS)
{
  cc_reader_t r;
  cc_reader_init (&r, blob, len);
  size_t n = cc_get_u32 (&r);
  unsigned L = cc_get_u32 (&r), bits[PQ_MAXL];
  if (r.bad || L < 1 || L > PQ_MAXL || d == 0 || dv == 0 || r.left < L)
    return VARLB_EFORMAT;
  for (unsigned l = 0; l < L; l++)
    {
      bits[l] = r.p[l];
      if (bits[l] > 16)
        return VARLB_EFORMAT;
    }
  cc_reader_skip (&r, L);
  if (polar_size (n, d, dv, L, bits) != 8.0 * (double) len)
    return VARLB_EFORMAT;
  size_t Dk = polar_dim (d, L), Dv = polar_dim (dv, L), nbk = Dk >> L, nbv = Dv >> L;
  polar_t P;
  double *Rk = NULL, *Rv = NULL;
  double *rk = malloc ((n * nbk + 1) * sizeof *rk), *rv = malloc ((n * nbv + 1) * sizeof *rv);
  double *Kc = malloc ((n * d + 1) * sizeof *Kc), *Vc = malloc ((n * dv + 1) * sizeof *Vc);
  int st = polar_init (&P, L, bits);
  if (st == VARLB_OK)
    st = polar_rotations (&Rk, &Rv, Dk, Dv, seed);
  if (st == VARLB_OK && (rk == NULL || rv == NULL || Kc == NULL || Vc == NULL))
    st = VARLB_ENOMEM;
  if (st == VARLB_OK)
    {
      cc_get_reals (rk, n * nbk, &r, 16);
      cc_get_reals (rv, n * nbv, &r, 16);
    }
  size_t pos = 0;
  if (st == VARLB_OK)
    st = polar_decode (Kc, rk, &r, &pos, n, d, Rk, &P);
  if (st == VARLB_OK)
    st = polar_decode (Vc, rv, &r, &pos, n, dv, Rv, &P);
  if (st == VARLB_OK)
    st = cc_bits_end (&r, pos);
  if (st == VARLB_OK)
    st = cc_answer_finite (O, Q, m, Kc, Vc, n, d, dv);
  polar_clear (&P);
  free (Rk), free (Rv), free (rk), free (rv), free (Kc), free (Vc);
  return st;
}

CC_COMPRESSOR (polarquant, "PolarQuant (arXiv 2502.02617): public random preconditioning, recursive polar angles on offline codebooks, fp16 block radii",
               pq_calibration_note, polar_compress, polar_answer);
