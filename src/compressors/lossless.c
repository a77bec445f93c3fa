/* lossless.c -- real lossless compressors (zstd, xz/LZMA from Debian's
 * libraries) on the raw fp64 cache bytes: they keep every bit, and their
 * blob shows what general-purpose compression buys on the hard instance
 * (little on the random keys, much on the {0,1} values). */
#include <config.h>
#include <stdlib.h>
#include <string.h>
#ifdef HAVE_ZSTD
#include <zstd.h>
#endif
#ifdef HAVE_XZ
#include <lzma.h>
#endif
#include "common.h"

/* The raw cache: T, d, dv as u32, then K and V as little-endian fp64. */
static int
raw_cache (varlb_blob_t *raw, const double *K, const double *V, size_t T,
           size_t d, size_t dv)
{
  int st = cc_put_u32 (raw, (uint32_t) T) | cc_put_u32 (raw, (uint32_t) d)
           | cc_put_u32 (raw, (uint32_t) dv);
  for (size_t i = 0; !st && i < T * d; i++)
    st = cc_put_f64 (raw, K[i]);
  for (size_t i = 0; !st && i < T * dv; i++)
    st = cc_put_f64 (raw, V[i]);
  return st ? VARLB_ENOMEM : VARLB_OK;
}

/* The raw cache's exact size for this instance: Alice's tokens are all of
   the pyramid's scales but the last (Bob's), so a blob that decodes to more
   is malformed.  Decoders allocate this much and no more. */
static size_t
raw_size (const varlb_pyramid_t *py, size_t d, size_t dv)
{
  size_t T = py && py->scales ? py->offset[py->scales - 1] : 0;
  if (d + dv < d || (T && (d + dv) > (SIZE_MAX - 12) / 8 / T))
    return 0;
  return 12 + T * (d + dv) * 8;
}

static int
answer_raw (double *O, const unsigned char *raw, size_t len, const double *Q,
            size_t m, size_t d, size_t dv)
{
  cc_reader_t r;
  cc_reader_init (&r, raw, len);
  size_t T = cc_get_u32 (&r);
  if (cc_get_u32 (&r) != d || cc_get_u32 (&r) != dv || r.bad
      || r.left != T * (d + dv) * 8)
    return VARLB_EFORMAT;
  double *Kc = malloc ((T ? T : 1) * d * sizeof *Kc), *Vc = malloc ((T ? T : 1) * dv * sizeof *Vc);
  if (Kc == NULL || Vc == NULL)
    {
      free (Kc);
      free (Vc);
      return VARLB_ENOMEM;
    }
  for (size_t i = 0; i < T * d; i++)
    Kc[i] = cc_get_f64 (&r);
  for (size_t i = 0; i < T * dv; i++)
    Vc[i] = cc_get_f64 (&r);
  int st = cc_answer_cache (O, Q, m, Kc, Vc, T, d, dv);
  free (Kc);
  free (Vc);
  return st;
}

static const varlb_knob_t knobs[] = {
  { "level", VARLB_KNOB_INT, "6", 1, 19, "compression level (zstd 1-19, xz 1-9)" },
};

#ifdef HAVE_ZSTD
const char varlb__settings_zstd[] =
  "input: the raw cache, uint32 little-endian T, d, dv, then K and V (T x d, T x dv, C "
  "order) as little-endian fp64\n"
  "blob: ZSTD_compress (out, ZSTD_compressBound, input, level): one zstd frame";

extern const varlb_compressor_t varlb_compressor_zstd;

static int
zstd_compress (CC_COMPRESS_PARAMS)
{
  varlb_blob_t raw;
  varlb_blob_init (&raw);
  int st = raw_cache (&raw, K, V, T, d, dv);
  size_t cap = ZSTD_compressBound (raw.len);
  unsigned char *out = st ? NULL : malloc (cap);
  if (out == NULL)
    {
      varlb_blob_clear (&raw);
      return VARLB_ENOMEM;
    }
  size_t n = ZSTD_compress (out, cap, raw.data, raw.len,
                            (int) cc_knob_double (&varlb_compressor_zstd, kn, "level"));
  st = ZSTD_isError (n) ? VARLB_ECOMPRESSOR : varlb_blob_append (blob, out, n);
  free (out);
  varlb_blob_clear (&raw);
  return st;
}

static int
zstd_answer (CC_ANSWER_PARAMS)
{
  /* The frame declares its content size; one larger than the instance's
     raw cache is a lie, refused before any allocation. */
  unsigned long long n = ZSTD_getFrameContentSize (blob, len);
  if (n == ZSTD_CONTENTSIZE_ERROR || n == ZSTD_CONTENTSIZE_UNKNOWN
      || n > raw_size (pyramid, d, dv))
    return VARLB_EFORMAT;
  unsigned char *raw = malloc (n ? n : 1);
  if (raw == NULL)
    return VARLB_ENOMEM;
  size_t got = ZSTD_decompress (raw, n, blob, len);
  int st = ZSTD_isError (got) || got != n ? VARLB_EFORMAT : answer_raw (O, raw, n, Q, m, d, dv);
  free (raw);
  return st;
}

const varlb_compressor_t varlb_compressor_zstd = {
  VARLB_COMPRESSOR_ABI, "zstd",
  "zstd on the raw fp64 cache bytes (lossless; budget ignored)",
  knobs, 1, NULL, zstd_compress, zstd_answer, NULL
};
#endif

#ifdef HAVE_XZ
const char varlb__settings_xz[] =
  "input: the raw cache, uint32 little-endian T, d, dv, then K and V (T x d, T x dv, C "
  "order) as little-endian fp64\n"
  "blob: lzma_easy_buffer_encode (level, LZMA_CHECK_CRC32, ...): one .xz stream";

extern const varlb_compressor_t varlb_compressor_xz;

static int
xz_compress (CC_COMPRESS_PARAMS)
{
  varlb_blob_t raw;
  varlb_blob_init (&raw);
  int st = raw_cache (&raw, K, V, T, d, dv);
  size_t cap = lzma_stream_buffer_bound (raw.len), pos = 0;
  unsigned char *out = st ? NULL : malloc (cap);
  if (out == NULL)
    {
      varlb_blob_clear (&raw);
      return VARLB_ENOMEM;
    }
  uint32_t level = (uint32_t) cc_knob_double (&varlb_compressor_xz, kn, "level");
  if (level > 9)
    level = 9;
  lzma_ret ret = lzma_easy_buffer_encode (level, LZMA_CHECK_CRC32, NULL, raw.data,
                                          raw.len, out, &pos, cap);
  st = ret != LZMA_OK ? VARLB_ECOMPRESSOR : varlb_blob_append (blob, out, pos);
  free (out);
  varlb_blob_clear (&raw);
  return st;
}

static int
xz_answer (CC_ANSWER_PARAMS)
{
  /* One buffer of the instance's raw size plus a byte: a stream that
     decodes to more (or fails) is malformed.  The decoder's own memory (its
     dictionary, declared by the stream) is capped at what level 9 needs. */
  size_t cap = raw_size (pyramid, d, dv);
  if (cap == 0)
    return VARLB_EFORMAT;
  unsigned char *raw = malloc (cap + 1);
  if (raw == NULL)
    return VARLB_ENOMEM;
  uint64_t memlimit = lzma_easy_decoder_memusage (9);
  size_t in_pos = 0, out_pos = 0;
  lzma_ret ret = lzma_stream_buffer_decode (&memlimit, 0, NULL, blob, &in_pos, len,
                                            raw, &out_pos, cap + 1);
  int st = ret == LZMA_OK && in_pos == len ? answer_raw (O, raw, out_pos, Q, m, d, dv)
                                           : VARLB_EFORMAT;
  free (raw);
  return st;
}

static const varlb_knob_t xz_knobs[] = {
  { "level", VARLB_KNOB_INT, "6", 0, 9, "xz preset level 0-9" },
};

const varlb_compressor_t varlb_compressor_xz = {
  VARLB_COMPRESSOR_ABI, "xz",
  "xz (LZMA) on the raw fp64 cache bytes (lossless; budget ignored)",
  xz_knobs, 1, NULL, xz_compress, xz_answer, NULL
};
#endif
