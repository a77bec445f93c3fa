/* fpzip.c -- fpzip (Lindstrom and Isenburg, "Fast and efficient compression
 * of floating-point data", IEEE TVCG 2006; Debian's libfpzip) on K and V as
 * 2-D tokens x columns arrays: each value is truncated to PREC bits and the
 * rest coded losslessly (Lorenzo prediction, range coding).  Its size is
 * data-dependent, so the precision is the largest whose measured stream
 * fits the budget; below the smallest precision, only the first tokens are
 * kept.
 *
 * fpzip's decoder trusts its input (it has no stream length and a crafted
 * stream indexes its model tables out of bounds), so the blob carries a
 * 64-bit checksum of the streams that answer checks first, and fpzip reads
 * from a zero-padded copy sized for the most a stream of that many values
 * can consume. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <fpzip.h>
#include "common.h"

static const varlb_knob_t knobs[] = {
  { "prec", VARLB_KNOB_INT, "64", 2, 64,
    "largest precision in bits per value (FPZ.prec: 2-32 for float, even 4-64 for double); "
    "the budget lowers it to the largest whose stream fits" },
  { "type", VARLB_KNOB_STRING, "double", 0, 0,
    "FPZ.type: double (FPZIP_TYPE_DOUBLE) or float (FPZIP_TYPE_FLOAT, values rounded to float first)" },
};

#define FPZ_HEADER_BYTES 24 /* tokens, type, prec, K stream bytes, checksum */

const char varlb__settings_fpzip[] =
  "blob: 24-byte header (uint32 little-endian: tokens kept n, FPZ.type, prec, K stream "
  "bytes, then the 64-bit FNV-1a hash of the two streams, low word first), then K's first n "
  "rows, then V's, one fpzip stream each (with fpzip's own header)\n"
  "stream: fpzip_write_to_buffer, FPZ.type = FPZIP_TYPE_DOUBLE (type=float: "
  "FPZIP_TYPE_FLOAT, values rounded to float first), FPZ.prec = prec, nx = columns, ny = n, "
  "nz = 1, nf = 1, fpzip_write\n"
  "precision: the largest of 4, 6, ..., prec (double; float: 2, 3, ..., prec) whose "
  "measured blob of every token fits the budget (bisection); when none does, prec 4 (float "
  "2) on the longest prefix of tokens that fits";
/* Most bytes the decoder consumes per value: at most 5 range-coder calls
   (a symbol and 4 x 16 raw bits), each normalising with at most 5 bytes. */
#define FPZ_READ_PER_VALUE 32

extern const varlb_compressor_t varlb_compressor_fpzip;

/* Precisions fpzip accepts for TYPE (float 2..32, double even 4..64). */
static int
prec_ok (unsigned prec, int type)
{
  return type == FPZIP_TYPE_FLOAT ? prec >= 2 && prec <= 32
                                  : prec >= 4 && prec <= 64 && prec % 2 == 0;
}

/* FNV-1a over the streams: a corrupted blob is refused before fpzip's
   decoder sees it. */
static uint64_t
checksum (const unsigned char *p, size_t n)
{
  uint64_t h = UINT64_C (0xcbf29ce484222325);
  for (size_t i = 0; i < n; i++)
    h = (h ^ p[i]) * UINT64_C (0x100000001b3);
  return h;
}

static void
fpz_shape (FPZ *f, int type, unsigned prec, size_t rows, size_t cols)
{
  f->type = type;
  f->prec = (int) prec;
  f->nx = (int) cols;
  f->ny = (int) rows;
  f->nz = 1;
  f->nf = 1;
}

/* Append the fpzip stream of the first N rows of A (rows of COLS); its
   length to *BYTES. */
static int
fpz_put (varlb_blob_t *blob, size_t *bytes, const double *A, size_t n, size_t cols,
         int type, unsigned prec)
{
  size_t count = n * cols, cap = count * 16 + 1024;
  *bytes = 0;
  if (count == 0)
    return VARLB_OK;
  unsigned char *out = malloc (cap);
  float *af = type == FPZIP_TYPE_FLOAT ? cc_floats_new (A, count) : NULL;
  FPZ *f = out ? fpzip_write_to_buffer (out, cap) : NULL;
  int st = f && (af || type != FPZIP_TYPE_FLOAT) ? VARLB_OK : VARLB_ENOMEM;
  if (st == VARLB_OK)
    {
      fpz_shape (f, type, prec, n, cols);
      *bytes = fpzip_write (f, af ? (const void *) af : (const void *) A);
      st = *bytes ? varlb_blob_append (blob, out, *bytes) : VARLB_ECOMPRESSOR;
    }
  if (f)
    fpzip_write_close (f);
  free (out);
  free (af);
  return st;
}

/* The whole blob for N tokens at PREC into BLOB (emptied first). */
static int
fpz_blob (varlb_blob_t *blob, const double *K, const double *V, size_t n, size_t d,
          size_t dv, int type, unsigned prec)
{
  blob->len = 0;
  varlb_blob_t s;
  varlb_blob_init (&s);
  size_t bk, bv;
  int st = fpz_put (&s, &bk, K, n, d, type, prec);
  if (st == VARLB_OK)
    st = fpz_put (&s, &bv, V, n, dv, type, prec);
  uint64_t h = checksum (s.data, s.len);
  if (st == VARLB_OK
      && (cc_put_u32 (blob, (uint32_t) n) | cc_put_u32 (blob, (uint32_t) type)
          | cc_put_u32 (blob, prec) | cc_put_u32 (blob, (uint32_t) bk)
          | cc_put_u32 (blob, (uint32_t) h) | cc_put_u32 (blob, (uint32_t) (h >> 32))
          | varlb_blob_append (blob, s.data, s.len)))
    st = VARLB_ENOMEM;
  varlb_blob_clear (&s);
  return st;
}

static int
fpz_compress (CC_COMPRESS_PARAMS)
{
  const varlb_compressor_t *self = &varlb_compressor_fpzip;
  const char *t = cc_knob (self, kn, "type");
  int type = strcmp (t, "float") == 0 ? FPZIP_TYPE_FLOAT : FPZIP_TYPE_DOUBLE;
  unsigned hi = (unsigned) cc_knob_double (self, kn, "prec");
  unsigned lo = type == FPZIP_TYPE_FLOAT ? 2 : 4, step = type == FPZIP_TYPE_FLOAT ? 1 : 2;
  if ((strcmp (t, "float") != 0 && strcmp (t, "double") != 0) || T > INT32_MAX
      || d > INT32_MAX || dv > INT32_MAX)
    return VARLB_EINVAL;
  if (hi > 8 * (type == FPZIP_TYPE_FLOAT ? sizeof (float) : sizeof (double)))
    hi = type == FPZIP_TYPE_FLOAT ? 32 : 64;
  if (!prec_ok (hi, type))
    return VARLB_EINVAL;
  /* Bisect on the precision (sizes grow with it); only a measured fit is
     ever kept. */
  varlb_blob_t trial;
  varlb_blob_init (&trial);
  int st = fpz_blob (&trial, K, V, T, d, dv, type, lo);
  unsigned best = 0;
  if (st == VARLB_OK && 8.0 * (double) trial.len <= budget_bits)
    {
      best = lo;
      unsigned a = 1, b = (hi - lo) / step; /* candidate steps above lo */
      while (st == VARLB_OK && a <= b)
        {
          unsigned mid = (a + b) / 2;
          st = fpz_blob (&trial, K, V, T, d, dv, type, lo + mid * step);
          if (8.0 * (double) trial.len <= budget_bits)
            best = lo + mid * step, a = mid + 1;
          else
            b = mid - 1;
        }
    }
  size_t n = T;
  if (st == VARLB_OK && best == 0)
    {
      /* Not every token fits at the lowest precision: the longest prefix
         that does (bisection on the token count, then a measured fit). */
      size_t a = 0, b = T - 1;
      while (st == VARLB_OK && a < b)
        {
          size_t mid = (a + b + 1) / 2;
          st = fpz_blob (&trial, K, V, mid, d, dv, type, lo);
          if (8.0 * (double) trial.len <= budget_bits)
            a = mid;
          else
            b = mid - 1;
        }
      n = a;
      best = lo;
    }
  while (st == VARLB_OK)
    {
      st = fpz_blob (&trial, K, V, n, d, dv, type, best);
      if (st != VARLB_OK || n == 0 || 8.0 * (double) trial.len <= budget_bits)
        break;
      n--;
    }
  if (st == VARLB_OK)
    st = varlb_blob_append (blob, trial.data, trial.len);
  varlb_blob_clear (&trial);
  return st;
}

/* A stream's settings, as the blob header gives them. */
typedef struct fpz_how {
  int type;
  unsigned prec;
} fpz_how_t;

/* Decode N rows of COLS from the stream P (BYTES long) into A; HOW is an
   fpz_how_t (cc_stream_get_fn). */
static int
fpz_get (double *A, const unsigned char *p, size_t bytes, size_t n, size_t cols,
         const void *how)
{
  const fpz_how_t *h = how;
  int type = h->type;
  size_t count = n * cols;
  if (count == 0)
    return bytes == 0 ? VARLB_OK : VARLB_EFORMAT;
  /* COUNT <= T (d + dv), so the pad is bounded by the instance. */
  size_t pad = FPZ_READ_PER_VALUE * count + 64;
  unsigned char *in = calloc (bytes + pad, 1);
  float *af = type == FPZIP_TYPE_FLOAT ? malloc (count * sizeof *af) : NULL;
  int st = in && (af || type != FPZIP_TYPE_FLOAT) ? VARLB_OK : VARLB_ENOMEM;
  FPZ *f = NULL;
  if (st == VARLB_OK)
    {
      memcpy (in, p, bytes);
      f = fpzip_read_from_buffer (in);
      if (f == NULL)
        st = VARLB_ENOMEM;
    }
  if (st == VARLB_OK)
    {
      fpz_shape (f, type, h->prec, n, cols);
      if (fpzip_read (f, af ? (void *) af : (void *) A) != bytes)
        st = VARLB_EFORMAT;
    }
  if (st == VARLB_OK)
    st = cc_decoded_finite (A, af, count);
  if (f)
    fpzip_read_close (f);
  free (in);
  free (af);
  return st;
}

static int
fpz_answer (CC_ANSWER_PARAMS)
{
  size_t T = pyramid->offset[pyramid->scales - 1]; /* Alice's tokens */
  cc_reader_t r;
  cc_reader_init (&r, blob, len);
  size_t n = cc_get_u32 (&r);
  int type = (int) cc_get_u32 (&r);
  unsigned prec = cc_get_u32 (&r);
  size_t bk = cc_get_u32 (&r);
  uint64_t h = cc_get_u32 (&r);
  h |= (uint64_t) cc_get_u32 (&r) << 32;
  if (r.bad || n > T || (type != FPZIP_TYPE_FLOAT && type != FPZIP_TYPE_DOUBLE)
      || !prec_ok (prec, type) || bk > r.left || (n == 0 && r.left != 0)
      || checksum (r.p, r.left) != h)
    return VARLB_EFORMAT;
  fpz_how_t how = { type, prec };
  return cc_answer_streams (O, Q, m, n, d, dv, r.p, bk, r.left - bk, fpz_get, &how);
}

CC_COMPRESSOR (fpzip, "fpzip (libfpzip): K and V truncated to the largest precision whose losslessly coded stream fits",
               NULL, fpz_compress, fpz_answer);
