/* common.h -- shared pieces of the built-in compressors (not installed):
 * little-endian blob fields with bounds-checked reading, IEEE half
 * precision, knob lookup, and the generic answer "attention over the cache
 * the blob reconstructs". */
#ifndef VARLB_COMPRESSORS_COMMON_H
#define VARLB_COMPRESSORS_COMMON_H
#include <stdint.h>
#include "varlb.h"

/* The two halves' parameters, exactly as varlb_compressor_t's compress and
   answer take them (varlb.h), spelled once: a built-in defines its halves
   as `static int NAME_compress (CC_COMPRESS_PARAMS)` and `static int
   NAME_answer (CC_ANSWER_PARAMS)`, so every file names them alike: the
   blob, the cache K (T x d) and V (T x dv), the budget in bits, the public
   seed, the knobs given (kn) and the VAR schedule (pyramid); Bob's output O
   (m x dv) for his queries Q (m x d).  The registry's initialiser checks
   them against the ABI at compile time. */
#define CC_COMPRESS_PARAMS                                                     \
  varlb_blob_t *blob, const double *K, const double *V, size_t T, size_t d,    \
    size_t dv, double budget_bits, uint64_t seed, const varlb_knobs_t *kn,     \
    const varlb_pyramid_t *pyramid
#define CC_ANSWER_PARAMS                                                       \
  double *O, const unsigned char *blob, size_t len, uint64_t seed,             \
    const double *Q, size_t m, size_t d, size_t dv, const varlb_knobs_t *kn,   \
    const varlb_pyramid_t *pyramid

/* Reading a blob: every read checks the remaining length. */
typedef struct cc_reader {
  const unsigned char *p;
  size_t left;
  int bad; /* set once any read ran past the end */
} cc_reader_t;

void cc_reader_init (cc_reader_t *r, const unsigned char *blob, size_t len);
uint32_t cc_get_u32 (cc_reader_t *r);
double cc_get_f64 (cc_reader_t *r);
double cc_get_f32 (cc_reader_t *r);
double cc_get_f16 (cc_reader_t *r);
/* Step over BYTES bytes (e.g. a packed bit stream once read); sets BAD
   when fewer are left. */
void cc_reader_skip (cc_reader_t *r, size_t bytes);
/* N bits (1..32) of a packed little-endian bit stream at bit offset *POS. */
uint32_t cc_get_bits (cc_reader_t *r, size_t *pos, unsigned nbits);
/* A blob that ends with a packed bit stream read to bit POS: VARLB_OK when
   nothing was read past the end and the stream, padded to a whole byte, is
   exactly what is left; VARLB_EFORMAT otherwise (a forged length). */
int cc_bits_end (const cc_reader_t *r, size_t pos);

int cc_put_u32 (varlb_blob_t *b, uint32_t v);
int cc_put_f64 (varlb_blob_t *b, double v);
int cc_put_f32 (varlb_blob_t *b, double v);
int cc_put_f16 (varlb_blob_t *b, double v);
/* Packed bit writer: accumulate then flush whole bytes. */
typedef struct cc_bitwriter {
  varlb_blob_t *b;
  uint64_t acc;
  unsigned nacc;
  int err;
} cc_bitwriter_t;
void cc_bits_init (cc_bitwriter_t *w, varlb_blob_t *b);
void cc_bits_put (cc_bitwriter_t *w, uint32_t v, unsigned nbits);
int cc_bits_flush (cc_bitwriter_t *w);

/* IEEE 754 binary16 round trip (round to nearest even). */
uint16_t cc_half_from_double (double x);
double cc_half_to_double (uint16_t h);
/* Store precision: 16, 32 or 64 bits per number (cc_prec_ok: nonzero for
   those three, the precisions a knob or a blob header may name). */
int cc_prec_ok (unsigned prec);
int cc_put_real (varlb_blob_t *b, double v, unsigned prec);
double cc_get_real (cc_reader_t *r, unsigned prec);
/* N numbers at PREC into X (cc_get_real each), or from X into B
   (cc_put_real each, up to the first failure: its status). */
void cc_get_reals (double *x, size_t n, cc_reader_t *r, unsigned prec);
int cc_put_reals (varlb_blob_t *b, const double *x, size_t n, unsigned prec);

/* KIVI-style asymmetric B-bit grid (B in 1..16) of the N numbers
   X[i * STRIDE]: ZS[0] = zero point (the minimum), ZS[1] = scale
   ((max - min) / (2^B - 1)), both rounded to fp16 as the blobs store them,
   so compress and answer use the same grid.  Floating point. */
void cc_quant_grid (double zs[2], const double *x, size_t n, size_t stride, unsigned b);
/* The B-bit code of X on grid ZS (nearest point, clamped). */
uint32_t cc_quant_code (double x, const double zs[2], unsigned b);

/* Knob value as text (given or the knob's default); NULL if unknown. */
const char *cc_knob (const varlb_compressor_t *c, const varlb_knobs_t *k,
                     const char *name);
double cc_knob_double (const varlb_compressor_t *c, const varlb_knobs_t *k,
                       const char *name);
/* A knob choosing where codebooks (or ranges) come from: 1 for "public"
   (fitted before the instance on calibration data, free), 0 for
   "instance" (fitted on the cache, charged), -1 for anything else. */
int cc_knob_public (const varlb_compressor_t *c, const varlb_knobs_t *k, const char *name);
/* A precision knob (the eviction methods' "bits") into *PREC: VARLB_EINVAL
   unless it is 16, 32 or 64 (cc_prec_ok). */
int cc_knob_prec (unsigned *prec, const varlb_compressor_t *c, const varlb_knobs_t *k,
                  const char *name);

/* Public calibration data, drawn before any instance from a fixed public
   seed's generator R (varlb_rng_new (seed, VARLB_STREAM_COMPRESSOR)): T
   unit Gaussian keys (K, T x d: varlb's default JL family), then fair
   {0,1} values (V, T x dv).  Codebooks fitted on it are free; the
   compressor names the seed in its calibration note.  Floating point. */
int cc_calibration_data (double *K, double *V, size_t T, size_t d, size_t dv, gsl_rng *r);

/* A cache a decoder rebuilt, in double: A[i] = F[i] when F is given (a
   float decoder's output), else A as it is; VARLB_EFORMAT when a value is
   not finite (no encoder of a finite cache writes one). */
int cc_decoded_finite (double *A, const float *f, size_t count);
/* The COUNT numbers A rounded to float, for a library that codes floats
   (zfp, fpzip, faiss): a new array (room for at least one; the caller
   frees it), NULL when out of memory. */
float *cc_floats_new (const double *A, size_t count);

/* Attention of Q over a reconstructed cache (Kc: n x d, Vc: n x dv);
   with n = 0 the output is 0.  Floating point. */
int cc_answer_cache (double *O, const double *Q, size_t m, const double *Kc,
                     const double *Vc, size_t n, size_t d, size_t dv);
/* 1 when the N numbers X are all finite: a rebuilt cache with a NaN or an
   infinity comes from a forged blob (no encoder of a finite cache writes
   one). */
int cc_all_finite (const double *x, size_t n);
/* Bob's last step over the cache a decoder rebuilt: VARLB_EFORMAT when a
   number is not finite (cc_all_finite), else cc_answer_cache.  Floating
   point. */
int cc_answer_finite (double *O, const double *Q, size_t m, const double *Kc,
                      const double *Vc, size_t n, size_t d, size_t dv);

/* A library built-in's stream decoder (zfp, fpzip): N rows of COLS from P
   (BYTES long) into A, with the settings HOW its blob header gave. */
typedef int (*cc_stream_get_fn) (double *A, const unsigned char *p, size_t bytes, size_t n,
                                 size_t cols, const void *how);
/* Bob's half after the header of a blob of two streams: K's N rows from
   BK bytes at P, then V's from the BV bytes after, each rebuilt by GET,
   then exact attention of Q (m x d) over them. */
int cc_answer_streams (double *O, const double *Q, size_t m, size_t n, size_t d, size_t dv,
                       const unsigned char *p, size_t bk, size_t bv, cc_stream_get_fn get,
                       const void *how);

/* Tokens kept by an eviction method: score every token by observed queries
   drawn from the PUBLIC seed (stream VARLB_STREAM_OBSERVED: random unit
   directions times TEMPERATURE, never Bob's queries).  MODE: CC_OBS_LAST,
   the last row's softmax attention (TOVA); CC_OBS_SUM, softmax attention
   summed over rows (H2O, SnapKV); CC_OBS_LOGITS, raw logits summed over
   rows (ScaleKV's main branch).  Floating point. */
enum { CC_OBS_LAST = 0, CC_OBS_SUM = 1, CC_OBS_LOGITS = 2 };
int cc_observed_scores (double *scores, const double *K, size_t T, size_t d,
                        size_t queries, double temperature, uint64_t seed,
                        int mode);
/* The observed queries themselves: N rows (N x D) of TEMPERATURE times a
   unit Gaussian direction, stream VARLB_STREAM_OBSERVED of the PUBLIC seed;
   row q is the q-th query cc_observed_scores uses.  Floating point. */
int cc_observed_queries (double *Q, size_t n, size_t d, double temperature,
                         uint64_t seed);
/* Tokens visible to token T under VAR's block-causal mask (the offset where
   T's scale ends); T itself for T past the schedule. */
size_t cc_visible_end (const varlb_pyramid_t *pyramid, size_t t);
/* In place: softmax of X (N entries), max-shifted. */
void cc_softmax (double *x, size_t n);
/* In place: (x - mean) / max(sd, 1e-6), sd with N - 1 (torch's std), as
   kvpress z-normalises its scores. */
void cc_zscore (double *x, size_t n);
/* 1-D pooling with stride 1 over token order (SnapKV, ScaleKV): OUT[t] is
   the max (USE_MAX) or the mean of IN over the KERNEL tokens centred at t,
   windows clipped at the ends (avg divides by KERNEL: zero padding, as
   avg_pool1d). */
void cc_pool1d (double *out, const double *in, size_t T, size_t kernel, int use_max);
/* A built-in's entry in the registry (varlb_compressor_NAME, named NAME):
   its knobs are the file's static array `knobs`, NOTE its calibration note
   (or NULL), and it has no calibration step. */
#define CC_COMPRESSOR(NAME, DESCRIPTION, NOTE, COMPRESS, ANSWER)               \
  const varlb_compressor_t varlb_compressor_##NAME = {                         \
    VARLB_COMPRESSOR_ABI, #NAME, DESCRIPTION, knobs,                           \
    sizeof knobs / sizeof *knobs, NOTE, COMPRESS, ANSWER, NULL                 \
  }

/* A built-in whose free calibration hangs on one knob (pq's and faiss_pq's
   codebooks, faiss_sq's ranges): the entry varlb_compressor_NAME with the
   knob table KNOBS, and its calibration step NAME_calibration, which names
   NOTE when the knob KNOB is "public" (cc_knob_public) and nothing when
   the codebooks or ranges are fitted on the instance and charged. */
#define CC_COMPRESSOR_PUBLIC(NAME, DESCRIPTION, KNOBS, KNOB, NOTE, COMPRESS, ANSWER) \
  static const char *NAME##_calibration (const varlb_knobs_t *kn);              \
  const varlb_compressor_t varlb_compressor_##NAME = {                          \
    VARLB_COMPRESSOR_ABI, #NAME, DESCRIPTION, KNOBS,                            \
    sizeof KNOBS / sizeof *KNOBS, NULL, COMPRESS, ANSWER, NAME##_calibration    \
  };                                                                            \
  static const char *NAME##_calibration (const varlb_knobs_t *kn)               \
  {                                                                             \
    return cc_knob_public (&varlb_compressor_##NAME, kn, KNOB) == 1 ? NOTE : NULL; \
  }

/* A score and its index, for qsort with cc_by_score_desc (highest first)
   or cc_by_score_asc (lowest first); ties go to the lower index either way,
   so the order is reproducible and the sort reentrant (no global state). */
typedef struct cc_scored {
  double s;
  size_t i;
} cc_scored_t;
int cc_by_score_desc (const void *a, const void *b);
int cc_by_score_asc (const void *a, const void *b);
/* MARK (LEN) = 1 at the O largest and the O smallest of X[i * STRIDE]
   (ties to the lower index), 0 elsewhere (GEAR's and KVQuant's outliers);
   TMP (LEN) is left sorted, highest first. */
void cc_mark_extremes (unsigned char *mark, cc_scored_t *tmp, const double *x, size_t len,
                       size_t stride, size_t o);
/* ORDER (T) = the token indices by SCORES, highest first, ties to the
   lower index. */
int cc_rank_desc (size_t *order, const double *scores, size_t T);
/* Indices of the K largest SCORES (ties to the lower index), sorted. */
void cc_top_k (size_t *keep, size_t k, const double *scores, size_t T);

/* The exact library calls, layouts and rate choices of the library
   built-ins, as varlb_compressor_settings returns them (one text each,
   beside its code). */
extern const char varlb__settings_zstd[], varlb__settings_xz[], varlb__settings_zfp[],
  varlb__settings_fpzip[], varlb__settings_faiss_pq[], varlb__settings_faiss_sq[];

#endif
