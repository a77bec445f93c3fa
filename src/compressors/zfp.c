/* zfp.c -- zfp (Lindstrom, "Fixed-rate compressed floating-point arrays",
 * IEEE TVCG 2014; Debian's libzfp) in fixed-rate mode on K and V.  The rate
 * is the largest whole number of bits per value whose real stream fits the
 * budget; every block of 4^dims values then costs exactly rate x 4^dims
 * bits, so the blob's size is known before zfp runs and checked after.
 *
 * The guard: a fixed-rate block first spends 1 + 8 (float) or 1 + 11
 * (double) bits on its common exponent.  zfp silently raises a rate whose
 * blocks cannot hold even that (1-D rates below 2.25 / 3 bits per value come
 * back as 2.25 / 3, so the stream would exceed the budget it was sized
 * for), and at 3 bits per value a 1-D double block is all header and
 * decodes to zeros.  So a rate must leave each block its header plus one
 * bit per value: at least 4 bits per value in 1-D, 2 in 2-D.  An explicit
 * rate knob below the guard is refused (VARLB_EINVAL); when the budget is
 * below it, the rate is clamped to the guard and only the first tokens are
 * kept. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zfp.h>
#include "common.h"

static const varlb_knob_t knobs[] = {
  { "rate", VARLB_KNOB_INT, "64", 1, 64,
    "largest rate in whole bits per value (zfp_stream_set_rate; at most 32 for type=float); "
    "the budget lowers it to the largest rate that fits, never below the guard" },
  { "type", VARLB_KNOB_STRING, "double", 0, 0,
    "field type zfp compresses: double (zfp_type_double) or float (zfp_type_float)" },
  { "dims", VARLB_KNOB_INT, "2", 1, 2,
    "1: K and V as 1-D arrays (blocks of 4 values; rate at least 4); "
    "2: as tokens x columns 2-D arrays (4 x 4 blocks; rate at least 2)" },
};

#define ZFP_HEADER_BYTES 16 /* tokens kept, rate, type, dims */

const char varlb__settings_zfp[] =
  "blob: 16-byte header (uint32 little-endian: tokens kept n, rate, 1 for type=float else 0, "
  "dims), then K's first n rows, then V's, one zfp stream each (no zfp header)\n"
  "stream: zfp_stream_set_rate (z, rate, type, dims, zfp_false) on zfp_field_2d (A, type, "
  "nx = columns, ny = n) (dims=2; C order) or zfp_field_1d (A, type, n x columns) (dims=1), "
  "zfp_stream_rewind, zfp_compress; padded to whole 64-bit words; type=float rounds values "
  "to float first\n"
  "rate: the rate knob (at most 32 for float), lowered by 1 while the blob exceeds the "
  "budget, never below the guard: the smallest whole rate zfp takes as given whose blocks "
  "hold their exponent (1 + 11 bits double, 1 + 8 float) and a bit per value, 2 in 2-D and 4 "
  "in 1-D; then n lowered from every token while the blob exceeds the budget";

/* Bytes of a fixed-rate stream of the ROWS x COLS array at RATE: every
   block (partial ones padded) takes RATE x 4^DIMS bits, and zfp_compress
   flushes to a whole 64-bit word. */
static size_t
stream_bytes (size_t rows, size_t cols, unsigned rate, unsigned dims)
{
  size_t blocks = dims == 1 ? (rows * cols + 3) / 4 : ((rows + 3) / 4) * ((cols + 3) / 4);
  size_t bits = blocks * (size_t) rate * (dims == 1 ? 4 : 16);
  return (bits + 63) / 64 * 8;
}

static double
blob_bits (size_t n, size_t d, size_t dv, unsigned rate, unsigned dims)
{
  return 8.0 * (double) (ZFP_HEADER_BYTES + stream_bytes (n, d, rate, dims)
                         + stream_bytes (n, dv, rate, dims));
}

static unsigned
max_rate (zfp_type type)
{
  return type == zfp_type_float ? 32 : 64;
}

/* The guard: the smallest whole rate whose blocks hold their header (1 +
   exponent bits) and one bit per value, and that zfp takes as given
   (zfp_stream_set_rate returns the rate it will really use). */
static unsigned
guard_rate (zfp_type type, unsigned dims)
{
  unsigned block = dims == 1 ? 4 : 16, header = type == zfp_type_float ? 1 + 8 : 1 + 11;
  unsigned r = (header + block + block - 1) / block;
  zfp_stream *z = zfp_stream_open (NULL);
  while (z && r < max_rate (type) && zfp_stream_set_rate (z, r, type, dims, zfp_false) != (double) r)
    r++;
  if (z)
    zfp_stream_close (z);
  return r;
}

extern const varlb_compressor_t varlb_compressor_zfp;

/* The knobs (a rate above the type's largest is lowered to it); VARLB_EINVAL
   for a type that is neither float nor double. */
static int
zfp_knobs (unsigned *rate, zfp_type *type, unsigned *dims, const varlb_knobs_t *kn)
{
  const varlb_compressor_t *self = &varlb_compressor_zfp;
  const char *t = cc_knob (self, kn, "type");
  *type = strcmp (t, "float") == 0 ? zfp_type_float : zfp_type_double;
  *rate = (unsigned) cc_knob_double (self, kn, "rate");
  *dims = (unsigned) cc_knob_double (self, kn, "dims");
  if (strcmp (t, "float") != 0 && strcmp (t, "double") != 0)
    return VARLB_EINVAL;
  if (*rate > max_rate (*type))
    *rate = max_rate (*type);
  return VARLB_OK;
}

/* A zfp stream over the array X (ROWS x COLS) at RATE: compress into OUT
   (room for stream_bytes) when COMPRESS, else decompress from it into X.
   Returns the bytes zfp reports, 0 on failure. */
static size_t
zfp_run (void *x, size_t rows, size_t cols, zfp_type type, unsigned rate,
         unsigned dims, void *out, size_t bytes, int compress)
{
  zfp_field *f = dims == 1 ? zfp_field_1d (x, type, rows * cols)
                           : zfp_field_2d (x, type, cols, rows);
  zfp_stream *z = zfp_stream_open (NULL);
  bitstream *s = stream_open (out, bytes);
  size_t got = 0;
  if (f && z && s && zfp_stream_set_rate (z, rate, type, dims, zfp_false) == (double) rate)
    {
      zfp_stream_set_bit_stream (z, s);
      zfp_stream_rewind (z);
      got = compress ? zfp_compress (z, f) : zfp_decompress (z, f);
    }
  if (s)
    stream_close (s);
  if (z)
    zfp_stream_close (z);
  if (f)
    zfp_field_free (f);
  return got;
}

/* Compress the first N rows of A (rows of COLS) and append the stream. */
static int
zfp_put (varlb_blob_t *blob, const double *A, size_t n, size_t cols, zfp_type type,
         unsigned rate, unsigned dims)
{
  size_t bytes = stream_bytes (n, cols, rate, dims), count = n * cols;
  if (count == 0)
    return VARLB_OK;
  uint64_t *out = malloc (bytes);
  float *af = type == zfp_type_float ? cc_floats_new (A, count) : NULL;
  int st = out && (af || type != zfp_type_float) ? VARLB_OK : VARLB_ENOMEM;
  if (st == VARLB_OK
      && zfp_run (af ? (void *) af : (void *) A, n, cols, type, rate, dims, out, bytes, 1) != bytes)
    st = VARLB_ECOMPRESSOR; /* not the size fixed-rate mode promises */
  if (st == VARLB_OK)
    st = varlb_blob_append (blob, out, bytes);
  free (out);
  free (af);
  return st;
}

static int
zfp_compress_halves (CC_COMPRESS_PARAMS)
{
  unsigned rate, dims;
  zfp_type type;
  if (zfp_knobs (&rate, &type, &dims, kn) != VARLB_OK)
    return VARLB_EINVAL;
  unsigned guard = guard_rate (type, dims);
  if (rate < guard)
    return VARLB_EINVAL; /* zfp would silently store more bits than asked */
  while (rate > guard && blob_bits (T, d, dv, rate, dims) > budget_bits)
    rate--;
  size_t n = T;
  while (n > 0 && blob_bits (n, d, dv, rate, dims) > budget_bits)
    n--;
  int st = cc_put_u32 (blob, (uint32_t) n) | cc_put_u32 (blob, rate)
           | cc_put_u32 (blob, type == zfp_type_float) | cc_put_u32 (blob, dims);
  if (st != VARLB_OK)
    return VARLB_ENOMEM;
  st = zfp_put (blob, K, n, d, type, rate, dims);
  if (st == VARLB_OK)
    st = zfp_put (blob, V, n, dv, type, rate, dims);
  return st;
}

/* A stream's settings, as the blob header gives them. */
typedef struct zfp_how {
  zfp_type type;
  unsigned rate, dims;
} zfp_how_t;

/* Decompress N rows of COLS from P (BYTES long) into A (doubles); HOW is
   a zfp_how_t (cc_stream_get_fn). */
static int
zfp_get (double *A, const unsigned char *p, size_t bytes, size_t n, size_t cols,
         const void *how)
{
  const zfp_how_t *h = how;
  zfp_type type = h->type;
  size_t count = n * cols;
  if (count == 0)
    return VARLB_OK;
  /* zfp reads whole aligned 64-bit words: give it an aligned copy of
     exactly the stream (a multiple of 8 bytes by construction). */
  uint64_t *in = malloc (bytes);
  float *af = type == zfp_type_float ? malloc (count * sizeof *af) : NULL;
  int st = in && (af || type != zfp_type_float) ? VARLB_OK : VARLB_ENOMEM;
  if (st == VARLB_OK)
    {
      memcpy (in, p, bytes);
      if (zfp_run (af ? (void *) af : (void *) A, n, cols, type, h->rate, h->dims, in, bytes, 0)
          != bytes)
        st = VARLB_EFORMAT;
    }
  if (st == VARLB_OK)
    st = cc_decoded_finite (A, af, count);
  free (in);
  free (af);
  return st;
}

static int
zfp_answer (CC_ANSWER_PARAMS)
{
  size_t T = pyramid->offset[pyramid->scales - 1]; /* Alice's tokens */
  cc_reader_t r;
  cc_reader_init (&r, blob, len);
  size_t n = cc_get_u32 (&r);
  unsigned rate = cc_get_u32 (&r), is_float = cc_get_u32 (&r), dims = cc_get_u32 (&r);
  zfp_type type = is_float ? zfp_type_float : zfp_type_double;
  /* Every field is checked against what the instance allows before any
     size is computed from it, so a lying header cannot ask for more than
     T (d + dv) values. */
  if (r.bad || n > T || is_float > 1 || dims < 1 || dims > 2 || rate > max_rate (type)
      || rate < guard_rate (type, dims)
      || (double) len * 8.0 != blob_bits (n, d, dv, rate, dims))
    return VARLB_EFORMAT;
  zfp_how_t how = { type, rate, dims };
  return cc_answer_streams (O, Q, m, n, d, dv, blob + ZFP_HEADER_BYTES,
                            stream_bytes (n, d, rate, dims), stream_bytes (n, dv, rate, dims),
                            zfp_get, &how);
}

CC_COMPRESSOR (zfp, "zfp fixed-rate mode (libzfp): K and V at the largest whole rate in bits per value that fits",
               NULL, zfp_compress_halves, zfp_answer);
