/* varlb.h -- the one public header of libvarlb.
 *
 * varlb makes the Omega(n^2 d) KV-cache lower bound for Visual Autoregressive
 * (VAR) transformers (arXiv 2503.14881, after Haris-Onak arXiv 2502.15955)
 * executable: it builds the Index -> VAR-attention hard instance, hands its
 * cache to a compressor, and decodes the hidden bits from what was kept.
 *
 * Conventions (GMP/MPFR/GSL style): every name starts with varlb_; objects are
 * varlb_X_init/varlb_X_clear (caller's storage) or varlb_X_new/varlb_X_free;
 * outputs come first; functions return 0 or a negative VARLB_E* code and never
 * print or exit; randomness is an explicit (seed, stream) pair.
 * Each function's comment says whether its result is exact (GMP), certified
 * (MPFR, directed rounding) or floating point (double).
 */
#ifndef VARLB_H
#define VARLB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <gmp.h>
#include <gsl/gsl_rng.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VARLB_VERSION_STRING "0.1.0"

/* ------------------------------------------------------------------ errors */

enum {
  VARLB_OK = 0,
  VARLB_EINVAL = -1,     /* a parameter out of range */
  VARLB_ENOMEM = -2,     /* allocation failed */
  VARLB_EIO = -3,        /* a file could not be read or written */
  VARLB_EFORMAT = -4,    /* a malformed file */
  VARLB_ECOMPRESSOR = -5,/* a compressor failed (crash, bad output, ...) */
  VARLB_ETIMEOUT = -6,   /* a compressor ran past its time limit */
  VARLB_ENUMERIC = -7,   /* NaN, Inf or a non-convergent numeric step */
  VARLB_EUNSUPPORTED = -8/* a feature not built in */
};

/* A static, thread-safe description of a VARLB_E* code. */
const char *varlb_strerror (int code);

/* ---------------------------------------------------------- random streams */

/* Named, independent random streams derived from one 64-bit seed, so that
   changing one part of a run (say the compressor) never shifts another. */
enum varlb_stream {
  VARLB_STREAM_BITS = 1,       /* Alice's hidden bits */
  VARLB_STREAM_JL = 2,         /* the JL keys (public coins) */
  VARLB_STREAM_BOB = 3,        /* Bob's indices */
  VARLB_STREAM_COMPRESSOR = 4, /* a compressor's public coins */
  VARLB_STREAM_OBSERVED = 5,   /* observation queries for eviction methods */
  VARLB_STREAM_PATTERN = 6,    /* Alice's secret sparsity pattern */
  VARLB_STREAM_USER = 16       /* first stream id free for callers */
};

/* The GSL generator type behind every stream: xoshiro256** seeded through
   splitmix64 from the full 64-bit (seed, stream) pair (GSL's own generators
   keep only 32 bits of a seed). */
extern const gsl_rng_type *varlb_rng_xoshiro256;

/* A new generator for stream STREAM of SEED; NULL when out of memory.
   Free with gsl_rng_free. */
gsl_rng *varlb_rng_new (uint64_t seed, unsigned stream);

/* A 64-bit value mixing SEED and STREAM (splitmix64); used to derive seeds.
   Invertible, so never a barrier between a secret and a public value. */
uint64_t varlb_seed_mix (uint64_t seed, uint64_t stream);

/* The run's seed is split by one-way functions (BLAKE2b, libsodium):
   - the PUBLIC seed, varlb_seed_public (seed): the JL keys, observed
     queries, compressor coins and public calibration derive from it, and it
     is the only seed a compressor half receives;
   - one SECRET seed per secret stream (VARLB_STREAM_BITS: Alice's bits,
     VARLB_STREAM_BOB: Bob's indices and sample, VARLB_STREAM_PATTERN: secret
     sparsity patterns), keyed by the JUDGE KEY, 32 random bytes a half never
     sees.  Without the key, run seeds are small numbers (1, 2, 3, ...) and a
     half could find the run seed from the public one by trying them all;
     with it, neither the public seed nor one secret stream (whose generator
     state Alice could recover from her own bits) tells anything about
     another.  Runs stay a pure function of (judge key, seed).
   The all-zero key is the "open" key: secret streams are then reproducible
   from the seed alone, and guessable; the CLI always uses a real key. */
#define VARLB_JUDGE_KEY_BYTES 32
uint64_t varlb_seed_public (uint64_t seed);
uint64_t varlb_seed_secret (const unsigned char *judge_key, uint64_t seed,
                            unsigned stream);
/* A generator for secret stream STREAM of SEED under JUDGE_KEY; NULL when out
   of memory. */
gsl_rng *varlb_rng_secret (const unsigned char *judge_key, uint64_t seed,
                           unsigned stream);
/* 1 when KEY is the open (all-zero) key. */
int varlb_judge_key_is_open (const unsigned char *key);
/* A short public name of KEY (16 hex digits of a one-way hash, or "open"),
   recorded in result rows so runs under different keys are never mixed. */
void varlb_judge_key_fingerprint (char out[17], const unsigned char *key);
/* Read KEY from PATH (64 hex digits and a newline).  With CREATE, a missing
   file is created first (its directory too) with 32 bytes from the kernel's
   random generator, mode 0600, atomically (concurrent creators agree).
   VARLB_EIO when unreadable, VARLB_EFORMAT when malformed or readable by
   others (group/world permission bits set). */
int varlb_judge_key_load (unsigned char *key, const char *path, int create);
/* The default key file: $VARLB_JUDGE_KEY, else
   $XDG_CONFIG_HOME/varlb/judge.key, else $HOME/.config/varlb/judge.key.
   VARLB_EINVAL when none can be formed (no HOME). */
int varlb_judge_key_default_path (char *buf, size_t len);

/* --------------------------------------------------------------- the pyramid */

/* A VAR scale schedule (patch_nums): scale k (0-based here, 1-based in the
   paper) is a pn[k] x pn[k] token map; tokens are numbered scale by scale,
   row-major inside a scale.  Block-causal: a token sees every token of its
   own and earlier scales. */
typedef struct varlb_pyramid {
  size_t scales;    /* K */
  unsigned *pn;     /* side of each scale, strictly increasing */
  size_t *offset;   /* offset[k] = P_k = tokens before scale k; offset[K] = T */
} varlb_pyramid_t;

#define VARLB_PYRAMID_MAX_SIDE 4096u
#define VARLB_PYRAMID_MAX_SCALES 64u

/* Init from VAR's presets: 256 (680 tokens), 512 (2240), 1024 (9451). */
int varlb_pyramid_init_preset (varlb_pyramid_t *p, int px);
/* Init from the final side N alone: the halving pyramid ceil(N/2^j), j = J..0,
   e.g. 16 -> 1,2,4,8,16 and 12 -> 1,2,3,6,12 (the theory's h_k = 2^(k-1)). */
int varlb_pyramid_init_geometric (varlb_pyramid_t *p, unsigned n);
/* Init from an explicit list; it must be non-empty and strictly increasing. */
int varlb_pyramid_init_list (varlb_pyramid_t *p, const unsigned *pn, size_t scales);
/* Init from text "1,2,3,..."; whitespace around numbers is allowed. */
int varlb_pyramid_init_parse (varlb_pyramid_t *p, const char *text);
/* Deep copy into an uninitialised DST. */
int varlb_pyramid_init_copy (varlb_pyramid_t *dst, const varlb_pyramid_t *src);
void varlb_pyramid_clear (varlb_pyramid_t *p);

/* T = sum of pn[k]^2 over all scales (exact). */
size_t varlb_pyramid_token_count (const varlb_pyramid_t *p);
/* P_k = tokens in scales 0..k-1; P_0 = 0, P_K = T. */
size_t varlb_pyramid_prefix (const varlb_pyramid_t *p, size_t k);
/* Index of token (scale, row, col); (size_t)-1 when out of range. */
size_t varlb_pyramid_token_index (const varlb_pyramid_t *p, size_t scale,
                                  unsigned row, unsigned col);
/* Inverse of token_index; VARLB_EINVAL when t >= T. */
int varlb_pyramid_token_position (const varlb_pyramid_t *p, size_t t,
                                  size_t *scale, unsigned *row, unsigned *col);
/* 1 when token A attends to token B (scale(B) <= scale(A)), else 0. */
int varlb_pyramid_visible (const varlb_pyramid_t *p, size_t a, size_t b);
/* Print the schedule as "1,2,3" into BUF (always NUL-terminated). */
void varlb_pyramid_format (const varlb_pyramid_t *p, char *buf, size_t len);

/* ------------------------------------------------------------ hidden bits */

/* Alice's input x in {0,1}^(rows x cols) as a GMP bitset; bit (r, c) is
   bit r*cols + c of the mpz. */
typedef struct varlb_bits {
  mpz_t x;
  size_t rows, cols;
} varlb_bits_t;

int varlb_bits_init (varlb_bits_t *b, size_t rows, size_t cols);
void varlb_bits_clear (varlb_bits_t *b);
/* Uniform bits from stream VARLB_STREAM_BITS of SEED (exact).  An instance
   passes the secret seed varlb_seed_secret (key, seed, VARLB_STREAM_BITS). */
int varlb_bits_random (varlb_bits_t *b, uint64_t seed);
int varlb_bits_get (const varlb_bits_t *b, size_t row, size_t col);
void varlb_bits_set (varlb_bits_t *b, size_t row, size_t col, int bit);
/* Number of one bits (exact). */
size_t varlb_bits_popcount (const varlb_bits_t *b);

/* Bob's index distribution: uniform on [0, n).  A single Index query. */
size_t varlb_index_draw (gsl_rng *r, size_t n);
/* Multi-Index: M distinct indices uniform on [0, n) (a uniform M-subset, in
   random order); VARLB_EINVAL when m > n. */
int varlb_multi_index_draw (size_t *idx, size_t m, size_t n, gsl_rng *r);

/* ------------------------------------------------------------- JL families */

typedef enum varlb_jl_family {
  VARLB_JL_GAUSSIAN = 0,   /* N(0,1) entries */
  VARLB_JL_RADEMACHER = 1, /* +-1 entries */
  VARLB_JL_ACHLIOPTAS = 2  /* sqrt(3) * {+1, 0, -1} w.p. {1/6, 2/3, 1/6} */
} varlb_jl_family;

typedef enum varlb_jl_norm {
  VARLB_JL_SCALED = 0, /* k = A e / sqrt(d): the paper's columns of A/sqrt(d) */
  VARLB_JL_UNIT = 1    /* k normalised to unit length: VAR's attn_l2_norm */
} varlb_jl_norm;

int varlb_jl_family_parse (varlb_jl_family *f, const char *name);
const char *varlb_jl_family_name (varlb_jl_family f);
int varlb_jl_norm_parse (varlb_jl_norm *m, const char *name);
const char *varlb_jl_norm_name (varlb_jl_norm m);

/* Fill KEYS (n x d, row-major; row l is k_l) with JL vectors drawn from R
   (floating point). */
int varlb_jl_keys (double *keys, size_t n, size_t d, varlb_jl_family f,
                   varlb_jl_norm norm, gsl_rng *r);

/* The instance's public keys: row l of KEYS (n x d) is Alice token l's JL
   key, regenerated from the PUBLIC seed a compressor half receives (stream
   VARLB_STREAM_JL).  This is exactly how varlb_instance_init draws them, so a
   compressor may rebuild the keys for free (public coins).  Floating point. */
int varlb_public_keys (double *keys, size_t n, size_t d, varlb_jl_family f,
                       varlb_jl_norm norm, uint64_t public_seed);

/* Coherence of a key set, from a blocked Gram matrix (BLAS, never n x n at
   once).  Floating point: each inner product carries an error below
   d * 2^-52 * |k_s| |k_t|, reported in gram_error. */
typedef struct varlb_coherence {
  double max_offdiag;   /* max over s != t of |<k_s,k_t>| */
  size_t arg_s, arg_t;  /* where it is attained */
  double max_norm_dev;  /* max over s of | |k_s|^2 - 1 | */
  double eps_emp;       /* max of the two: the empirical JL distortion */
  double min_gap;       /* min over s of gap_s (see below) */
  size_t arg_gap;
  double gram_error;    /* bound on the rounding error of any entry */
} varlb_coherence_t;

/* GAP (optional, n entries): gap_s = <k_s,k_s> - max_{t != s} <k_s,k_t>,
   where with ZERO_KEY_VISIBLE the max also includes 0 (the zero keys of the
   last VAR scale). */
int varlb_jl_coherence (varlb_coherence_t *c, double *gap, const double *keys,
                        size_t n, size_t d, int zero_key_visible);

/* -------------------------------------------------------------- attention */

/* O (m x dv) = softmax_row(Q K^T) V, exactly as the reduction defines it: no
   implicit 1/sqrt(d) (the caller scales Q).  Numerically stable (running max
   per row), blocked over queries so memory is O(block * T) beyond the inputs;
   products through CBLAS.  Floating point.
   TARGET (optional, m entries): a key index per row; its softmax weight goes
   to TARGET_WEIGHT[r].  LSE (optional): log of each row's normaliser. */
int varlb_attention (double *O, const double *Q, size_t m, const double *K,
                     const double *V, size_t T, size_t d, size_t dv,
                     const size_t *target, double *target_weight, double *lse);

/* The same over a cache of T tokens followed by ZERO_TOKENS tokens whose keys
   and values are zero (the last VAR scale in the reduction): they are
   accounted for exactly, without being stored or multiplied. */
int varlb_attention_zero (double *O, const double *Q, size_t m, const double *K,
                          const double *V, size_t T, size_t zero_tokens,
                          size_t d, size_t dv, const size_t *target,
                          double *target_weight, double *lse);

/* Self-attention of the queries C k_s, s < n, over the keys K (n x d) plus
   ZERO_TOKENS zero tokens: the full-cache decode of the reduction, where the
   score matrix C K K^T is symmetric, so each score tile and its exponentials
   are computed once and used for both its rows and its columns.  One shift,
   C max|k|^2, serves every row (no score exceeds it); VARLB_ENUMERIC when the
   key norms spread so far that a row could underflow (then use
   varlb_attention_zero).  TARGET_WEIGHT (optional, n): weight of k_s in row s.
   Floating point; agrees with varlb_attention to rounding. */
int varlb_attention_self (double *O, const double *K, const double *V, size_t n,
                          size_t zero_tokens, size_t d, size_t dv, double C,
                          double *target_weight);

/* Per-row statistics of the scores C<k_s,k_t> of varlb_attention_self,
   gathered from the tiles it computes anyway (each n entries, caller's
   storage): ROW_MAX[s] = max_{t != s}, ROW_ABSMAX[s] = max_{t != s} |.|
   attained at t = ROW_ABSARG[s], SELF[s] = C|k_s|^2 (-Inf / 0 / s / 0 when
   n = 1).  Floating point: fl of C times each inner product, as BLAS
   computes it. */
typedef struct varlb_gram_stats {
  double *row_max, *row_absmax, *self;
  size_t *row_absarg;
} varlb_gram_stats_t;

/* varlb_attention_self, also filling GRAM (optional): the coherence and
   gap of the keys come with the decode, without a second Gram product. */
int varlb_attention_self_stats (double *O, const double *K, const double *V, size_t n,
                                size_t zero_tokens, size_t d, size_t dv, double C,
                                double *target_weight, varlb_gram_stats_t *gram);

/* Rows per block in varlb_attention (default 128); 0 restores the default. */
void varlb_attention_set_block (size_t rows);

/* ----------------------------------------------- the Index -> VAR reduction */

typedef enum varlb_values {
  VARLB_VALUES_01 = 0, /* paper-faithful: v = x in {0,1}; bit = [o > threshold] */
  VARLB_VALUES_PM1 = 1 /* v = 2x - 1 in {-1,+1}; bit = [o > 0] */
} varlb_values;

/* Parameters of a hard instance (reductions/index_var.c). */
typedef struct varlb_params {
  varlb_pyramid_t pyramid;   /* owned; default the 256px preset */
  size_t d;                  /* key dimension = value dimension; default 64 */
  double eps;                /* JL distortion used for C, delta, Delta; 0.1 */
  double C;                  /* query scale; <= 0 means the default */
  double eta;                /* (1 +- eta) approximation slack; default 0 */
  varlb_jl_family jl;        /* default Gaussian */
  varlb_jl_norm norm;        /* default unit (VAR-realizable) */
  varlb_values values;       /* default {0,1} */
  uint64_t seed;             /* default 1 */
  unsigned char judge_key[VARLB_JUDGE_KEY_BYTES]; /* keys the secret streams;
                                default all zero, the open key (see
                                varlb_seed_secret) */
} varlb_params_t;

#define VARLB_D_MAX 65536u   /* a sane cap on d */
#define VARLB_VAR_TEMPERATURE_CAP 100.0

/* Defaults: 256px preset, d = 64, eps = 0.1, C auto, Gaussian unit keys. */
int varlb_params_init (varlb_params_t *p);
void varlb_params_clear (varlb_params_t *p);
int varlb_params_copy (varlb_params_t *dst, const varlb_params_t *src);
/* VARLB_OK, or VARLB_EINVAL with a one-line reason in WHY. */
int varlb_params_check (const varlb_params_t *p, char *why, size_t len);
/* The default query scale C = 2 (ln M + ln((1+eta)/(1-eta))) / (1 - 2 eps),
   capped at 100 for unit keys; M = T - 1 non-target keys per row. */
double varlb_params_default_C (const varlb_params_t *p);

/* A drawn hard instance: the KV cache as it stands when the last scale is
   generated.  Alice's tokens 0..alice_tokens-1 (scales 1..K-1) carry JL keys
   and her bits as values; the last scale's bob_rows tokens have zero keys and
   values, and stay visible to Bob's queries. */
typedef struct varlb_instance {
  varlb_params_t par;
  size_t T;            /* cached tokens */
  size_t alice_tokens; /* P_{K-1} */
  size_t bob_rows;     /* pn_K^2: query rows in one Bob block */
  size_t d;
  size_t N;            /* hidden bits = alice_tokens * d */
  size_t M;            /* non-target keys per query row = T - 1 */
  double C;            /* query scale in use */
  double delta, Delta; /* the paper's output bounds for bit 0 / bit 1 */
  double threshold;    /* decode threshold, varlb_decode_threshold */
  uint64_t public_seed;/* the only seed a compressor half receives: the JL
                          keys, observed queries and compressor coins derive
                          from it (varlb_public_keys) */
  varlb_bits_t x;      /* Alice's bits, alice_tokens x d */
  double *K, *V;       /* T x d each, row-major */
} varlb_instance_t;

int varlb_instance_init (varlb_instance_t *in, const varlb_params_t *p);
void varlb_instance_clear (varlb_instance_t *in);
/* Q (m x d): row r = C k_{idx[r]}, Bob's query for Alice token idx[r]. */
int varlb_instance_queries (double *Q, const varlb_instance_t *in,
                            const size_t *idx, size_t m);
/* The decode threshold: (1 - ETA^2)/2 for {0,1} values (1/2 for exact
   answers), 0 for +-1 values.  The threshold that tolerates the largest
   off-target mass under (1 +- eta) answers, so the gap criterion and the
   margin lemma hold for the decoder as it runs (reductions/index_var.c). */
double varlb_decode_threshold (varlb_values values, double eta);
/* The bit that output coordinate O decodes to under the instance's rule. */
int varlb_instance_decode_value (const varlb_instance_t *in, double o);

/* Result of decoding every hidden bit. */
typedef struct varlb_decode_report {
  size_t bits;              /* N */
  size_t correct;           /* exact count */
  size_t first_wrong_token; /* (size_t)-1 when none */
  size_t first_wrong_col;
  double min_target_weight; /* min over rows of the softmax weight on the target */
  double max_out_zero;      /* max output over bits equal to 0 */
  double min_out_one;       /* min output over bits equal to 1 */
  size_t outside_bounds;    /* outputs outside [lo, delta] U [Delta, hi] */
  size_t blocks;            /* Bob query blocks used (Multi-Index rounds) */
} varlb_decode_report_t;

/* Decode all N bits from the full cache: Bob queries every Alice token, in
   Multi-Index blocks of bob_rows rows, each block attending to all T tokens.
   DECODED as for varlb_instance_score.  Floating point. */
int varlb_instance_decode_all (varlb_decode_report_t *r, const varlb_instance_t *in,
                               varlb_bits_t *decoded);

/* Decode from given outputs O (m x d) of the queries for IDX; adds to R.
   Used by the full-cache decoder and by the compressor channel.
   DECODED (optional, alice_tokens x d, initialised) receives the decoded bits. */
int varlb_instance_score (varlb_decode_report_t *r, const varlb_instance_t *in,
                          const size_t *idx, size_t m, const double *O,
                          const double *target_weight, varlb_bits_t *decoded);
void varlb_decode_report_init (varlb_decode_report_t *r);

/* The formal and measured criteria for the instance. */
typedef struct varlb_criteria {
  double formal_d_needed;  /* 12 ln n / (eps^2 - eps^3), n = alice_tokens */
  int formal_holds;        /* d >= formal_d_needed */
  varlb_coherence_t coh;   /* of Alice's keys, zero keys visible */
  int eps_holds;           /* eps_emp <= eps */
  double min_gap_margin;   /* C * min_gap - ln M: > 0 guarantees exact decoding */
  int gap_holds;
  int delta_below_Delta;   /* delta < Delta at the instance's C and eps */
} varlb_criteria_t;

int varlb_instance_criteria (varlb_criteria_t *c, const varlb_instance_t *in);
/* varlb_instance_decode_all and varlb_instance_criteria in one pass: the
   coherence and gap come from the Gram tiles the decode computes anyway
   (each inner product rounded once more, within coh.gram_error), so the
   keys' Gram matrix is formed once.  Floating point. */
int varlb_instance_decode_criteria (varlb_decode_report_t *r, varlb_criteria_t *c,
                                    const varlb_instance_t *in, varlb_bits_t *decoded);

/* ------------------------------------------------------------- .npy files */

/* Read/write NumPy .npy v1/v2 files: float64, little-endian, C order, 1-D or
   2-D.  The reader is strict: anything else is VARLB_EFORMAT. */
int varlb_npy_write (const char *path, const double *a, size_t rows, size_t cols);
/* The bytes of varlb_npy_write's file, in memory (*BUF malloc'd). */
int varlb_npy_encode (unsigned char **buf, size_t *len, const double *a, size_t rows,
                      size_t cols);
/* On success *A is malloc'd (free with free()); a 1-D file reads as 1 x n. */
int varlb_npy_read (const char *path, double **a, size_t *rows, size_t *cols);
/* Parse an in-memory .npy image (the fuzzable core of varlb_npy_read). */
int varlb_npy_parse (const unsigned char *buf, size_t len, double **a,
                     size_t *rows, size_t *cols);
/* As varlb_npy_read / varlb_npy_parse, and on failure a one-line reason in
   WHY (WLEN bytes, may be NULL) naming the actual problem: the file's error
   (VARLB_EIO), or (VARLB_EFORMAT) a .npz archive, no .npy magic, a version
   other than 1-3, float32 / int64 / ... or big-endian data, Fortran order,
   a 0-D or 3-D+ shape, a truncated header or data, bytes after the data, a
   malformed header. */
int varlb_npy_read_why (const char *path, double **a, size_t *rows, size_t *cols,
                        char *why, size_t wlen);
int varlb_npy_parse_why (const unsigned char *buf, size_t len, double **a,
                         size_t *rows, size_t *cols, char *why, size_t wlen);

/* ---------------------------------------------- resources and progress */

/* What the instance of P costs, estimated from the parameters alone, before
   anything is allocated (floating point; estimates of this library's own
   allocations and loops, not bounds): bytes of heap and work in
   multiply-adds (an exponential or an MPFR operation counted as one). */
typedef struct varlb_resources {
  double instance_bytes;  /* varlb_instance_init: K, V (T x d) and the bits */
  double decode_bytes;    /* more for varlb_instance_decode_all + criteria */
  double decode_work;     /* their multiply-adds, about n^2 (2.5 d + 1) */
  double certify_bytes;   /* more for varlb_certify_instance */
  double certify_work;    /* its MPFR operations, about n T d */
  unsigned threads;       /* OpenMP threads the estimate assumes */
} varlb_resources_t;

/* VARLB_EINVAL when P has no pyramid of at least 2 scales or d = 0. */
int varlb_instance_resources (varlb_resources_t *r, const varlb_params_t *p);

/* Progress of the long loops (the full-cache decode, the coherence scan):
   FN (ARG, WHAT, DONE, TOTAL) is called from the thread that called the
   library, often (rate-limit in FN), DONE rising towards TOTAL for the
   loop WHAT names ("decoding every bit", "measuring the keys' coherence").  NULL turns it off.  Process-wide
   like varlb_attention_set_block: set it from one thread, before the call. */
typedef void (*varlb_progress_fn) (void *arg, const char *what, double done,
                                   double total);
void varlb_progress_set (varlb_progress_fn fn, void *arg);

/* N-D files (1 to VARLB_NPY_MAX_DIMS dimensions), e.g. a whole model's cache
   (L, H, T, d): DIMS receives the shape, *NDIM its length.  The 2-D
   functions above are these with rows x cols (and refuse more than 2-D). */
#define VARLB_NPY_MAX_DIMS 8u
int varlb_npy_parse_nd (const unsigned char *buf, size_t len, double **a,
                        size_t *dims, int *ndim);
int varlb_npy_read_nd (const char *path, double **a, size_t *dims, int *ndim);
int varlb_npy_encode_nd (unsigned char **buf, size_t *len, const double *a,
                         const size_t *dims, int ndim);
int varlb_npy_write_nd (const char *path, const double *a, const size_t *dims,
                        int ndim);
/* For writers that fill a large file piece by piece: the header of a file of
   shape DIMS into HDR (at most VARLB_NPY_HEADER_MAX bytes; its length in
   *HLEN; the data follows it), and N doubles of A stored little-endian at
   DST (8 N bytes). */
#define VARLB_NPY_HEADER_MAX 384u
int varlb_npy_header (unsigned char *hdr, size_t cap, size_t *hlen,
                      const size_t *dims, int ndim);
void varlb_npy_put (unsigned char *dst, const double *a, size_t n);

/* ======================================================================
 * Sections below are filled by the modules that own them.
 * ====================================================================== */

/* @@CHANNEL@@ -- compressors, plug-ins and the one-way channel (channel.c) */

/* A blob: the bytes a compressor keeps.  Bits charged = 8 x len, always
   measured by varlb, never taken from the compressor. */
typedef struct varlb_blob {
  unsigned char *data;
  size_t len, cap;
} varlb_blob_t;

void varlb_blob_init (varlb_blob_t *b);
void varlb_blob_clear (varlb_blob_t *b);
int varlb_blob_append (varlb_blob_t *b, const void *p, size_t n);

/* A compressor's knob, as listed by `varlb list`. */
typedef enum varlb_knob_type {
  VARLB_KNOB_INT = 0, VARLB_KNOB_DOUBLE = 1, VARLB_KNOB_STRING = 2
} varlb_knob_type;

typedef struct varlb_knob {
  const char *name;
  varlb_knob_type type;
  const char *def;   /* default, as text */
  double min, max;   /* range for numeric knobs */
  const char *help;
} varlb_knob_t;

/* Knob values given on the command line (NAME:k=v,k=v). */
typedef struct varlb_knobs {
  size_t n;
  char **names, **values;
} varlb_knobs_t;

void varlb_knobs_init (varlb_knobs_t *k);
void varlb_knobs_clear (varlb_knobs_t *k);
/* Parse "k=v,k=v" (empty text: no knobs); VARLB_EINVAL when malformed. */
int varlb_knobs_parse (varlb_knobs_t *k, const char *text);
/* The value given for NAME (the last one), or NULL. */
const char *varlb_knobs_get (const varlb_knobs_t *k, const char *name);

/* The plug-in interface.  A built-in compressor is a const instance of this
   struct; a C plug-in exports one under the symbol VARLB_COMPRESSOR_SYMBOL.
   compress is Alice's half: it sees the cache K (T x d), V (T x dv),
   row-major, of tokens 0..T-1 of PYRAMID (scales 1..K-1 of the instance),
   the budget and the public SEED (derive coins with varlb_rng_new (seed,
   VARLB_STREAM_COMPRESSOR)); it appends its state to BLOB.  answer is Bob's
   half and runs in a fresh process that has only the blob, the seed, the
   knobs, the public pyramid and the queries Q (m x d); it writes O (m x dv),
   its estimate of softmax(Q K^T) V over the cached tokens.  Both return 0 or
   a negative VARLB_E* code. */
#define VARLB_COMPRESSOR_ABI 1
#define VARLB_COMPRESSOR_SYMBOL "varlb_compressor_v1"

typedef struct varlb_compressor {
  int abi;                    /* VARLB_COMPRESSOR_ABI */
  const char *name;
  const char *description;    /* one line */
  const varlb_knob_t *knobs;
  size_t n_knobs;
  /* Calibration fitted before the instance was drawn (free, public), or
     NULL: recorded in every result row. */
  const char *free_calibration;
  int (*compress) (varlb_blob_t *blob, const double *K, const double *V,
                   size_t T, size_t d, size_t dv, double budget_bits,
                   uint64_t seed, const varlb_knobs_t *knobs,
                   const varlb_pyramid_t *pyramid);
  int (*answer) (double *O, const unsigned char *blob, size_t len,
                 uint64_t seed, const double *Q, size_t m, size_t d,
                 size_t dv, const varlb_knobs_t *knobs,
                 const varlb_pyramid_t *pyramid);
  /* Optional (NULL: free_calibration for every knob setting): the free
     calibration these knobs use, or NULL when they use none. */
  const char *(*calibration) (const varlb_knobs_t *knobs);
} varlb_compressor_t;

/* Writing a C plug-in (a complete one: examples/plugin/firstk.c, with its
   Makefile).  Compile with -fPIC -shared against this header and export
     const varlb_compressor_t varlb_compressor_v1 = { VARLB_COMPRESSOR_ABI, ... };
   then run `varlb attack --compressor plugin:PATH.so[:knob=value,...]`.
   - varlb dlopens PATH, reads the symbol VARLB_COMPRESSOR_SYMBOL and refuses
     a struct whose abi is not VARLB_COMPRESSOR_ABI or that lacks a half.
   - Knob values are checked against the table before anything runs:
     unknown names, non-numbers, non-integers for VARLB_KNOB_INT and values
     outside [min, max] are usage errors.  Text knobs are passed as given,
     so compress should refuse a value it does not know (VARLB_EINVAL).
   - compress runs in a forked child; answer runs in a new process
     (`varlb __answer`, the plug-in loaded afresh) in a private directory,
     so no static variable carries anything from compress to answer: what
     answer needs must be in the blob, which is charged 8 bits per byte.
   - answer must check the blob's length against its own header and return
     VARLB_EFORMAT rather than read past it; a crash, a hang past the
     timeout, an error return, or NaN/Inf in O fails the trial, not the run.
   - Coins: varlb_rng_new (seed, VARLB_STREAM_COMPRESSOR) is public and free;
     set free_calibration to a one-line note when the compressor carries
     constants fitted before the instance was drawn (or calibration, when
     only some knob settings do: pq:codebooks=public is an example). */

/* Check given knobs against C's table: unknown names, bad types, values out
   of range give VARLB_EINVAL with a one-line reason in WHY. */
int varlb_knobs_check (const varlb_compressor_t *c, const varlb_knobs_t *k,
                       char *why, size_t len);

/* The built-in compressors, in a fixed order. */
size_t varlb_compressor_count (void);
const varlb_compressor_t *varlb_compressor_at (size_t i);
const varlb_compressor_t *varlb_compressor_find (const char *name);
/* What C runs besides varlb: for a built-in backed by another project's
   library, that library and the version varlb was built against ("zfp
   1.0.0", "fpzip 1.3.0", "faiss 1.7.3", "zstd 1.5.4", "xz 5.4.1"), a
   static string; NULL for varlb's own built-ins (their provenance is
   varlb's version) and for plug-ins. */
const char *varlb_compressor_provenance (const varlb_compressor_t *c);
/* For a built-in that runs a third-party library (zstd, xz, zfp, fpzip,
   faiss_pq, faiss_sq): the exact library calls and parameters, the blob's
   layout and how the budget picks the rate or precision, in lines
   "topic: ...", so another program can reproduce them; a static string.
   NULL for the others. */
const char *varlb_compressor_settings (const varlb_compressor_t *c);

/* A compressor as named on the command line:
     NAME[:k=v,...]            a built-in (see varlb_compressor_find)
     plugin:PATH.so[:k=v,...]  a C plug-in, dlopen'ed, exporting
                               VARLB_COMPRESSOR_SYMBOL with abi ==
                               VARLB_COMPRESSOR_ABI
     exec:COMMAND              an external program (any language) run by
                               /bin/sh as COMMAND compress ... / COMMAND
                               answer ... (the file protocol, README.md)
     serve:COMMAND             the same program started once per half as
                               COMMAND serve --half compress|answer, one JSON
                               request per trial (the serve protocol) */
typedef enum varlb_spec_kind {
  VARLB_SPEC_BUILTIN = 0, VARLB_SPEC_PLUGIN = 1, VARLB_SPEC_EXEC = 2,
  VARLB_SPEC_SERVE = 3 /* serve:COMMAND: persistent workers, one request per trial */
} varlb_spec_kind;

typedef struct varlb_spec {
  varlb_spec_kind kind;
  char *text;                  /* as given */
  char *path;                  /* plug-in path (absolute) or external command */
  char *knob_text;             /* "k=v,..." or "" */
  char *name;                  /* the compressor's name: a built-in's, the one
                                  a plug-in's probe reported, or the exec spec */
  char *calibration;           /* free calibration for these knobs, or NULL */
  char *provenance;            /* what runs: library version, or paths with
                                  SHA-256 and a --version line; may be NULL */
  const varlb_compressor_t *c; /* a built-in, or a plug-in loaded into this
                                  process (only inside a half); else NULL */
  void *dl;                    /* dlopen handle, inside a half */
  varlb_knobs_t knobs;
  struct varlb_spec_private *priv; /* internal: serve workers, calibration */
} varlb_spec_t;

/* How a trial isolates its halves. */
typedef enum varlb_isolation {
  VARLB_ISOLATION_SANDBOX = 0, /* each half in its own sandbox (bubblewrap) */
  VARLB_ISOLATION_NONE = 1     /* plain processes: no promise (rows say so) */
} varlb_isolation;

/* How a trial runs its two halves. */
typedef struct varlb_channel_opts {
  double timeout_s;       /* wall seconds per half; a half past it is killed */
  const char *half_exe;   /* the varlb binary that runs inside every half
                             (its wrapper, `varlb __half`, and the built-in
                             and plug-in halves); NULL: the installed one */
  const char *keep_blob;  /* if set, the blob is also copied to this file */
  size_t sample;          /* Bob's query tokens: 0 = every Alice token,
                             else a uniform sample (secret stream
                             VARLB_STREAM_BOB) */
  unsigned long long max_file_bytes; /* largest file a half may write (blob,
                             O.npy, stderr); past it the half is killed by
                             SIGXFSZ.  0: 16 x the cache at fp64, >= 64 MiB */
  varlb_isolation isolation;
  unsigned long long mem_bytes; /* address space of each process of a half;
                             0: half the machine's memory, at most 16 GiB */
  double cpu_s;           /* CPU seconds of each process; 0: 2 x timeout + 1 */
  unsigned procs;         /* processes of a half (enforced for a non-root
                             judge: RLIMIT_NPROC ignores root); 0: 256 */
  unsigned files;         /* open files of each process; 0: 1024 */
  const char *const *expose; /* NULL-terminated host paths a sandbox sees
                             again read-only (under a hidden directory such as
                             $HOME or /tmp), or NULL */
  const char *const *hide;   /* NULL-terminated host paths no half may see
                             (the judge key file, result files), or NULL */
  unsigned *token_correct;   /* if set (alice_tokens entries): correct bits of
                             each queried Alice token, UINT_MAX if not queried */
  double calibrate_timeout_s; /* varlb_spec_calibrate's limit; 0: 600 s */
  int cold_cache;         /* drop the host's clean page, dentry and inode
                             caches between Alice and Bob, holding every
                             other half on the host off meanwhile (needs the
                             host's root: README, "Threat model") */
} varlb_channel_opts_t;

void varlb_channel_opts_init (varlb_channel_opts_t *o);
/* 1 when a sandbox can be made here (bubblewrap installed, namespaces
   allowed); else 0 with a one-line reason in WHY. */
int varlb_sandbox_available (char *why, size_t len);

/* Resolve TEXT; VARLB_EINVAL (unknown name, bad knobs, a relative path in an
   exec command, a plug-in that will not load or has the wrong ABI) with a
   one-line reason in WHY.  A plug-in is probed in a sandboxed half under O
   (binary, limits, isolation) and never loaded into this process;
   varlb_spec_init uses default options. */
int varlb_spec_init_opts (varlb_spec_t *s, const char *text, const varlb_channel_opts_t *o,
                          char *why, size_t len);
int varlb_spec_init (varlb_spec_t *s, const char *text, char *why, size_t len);
/* The same, loading a plug-in into this process: for a half's own process
   only (`varlb __compress`, `varlb __answer`, `varlb __probe`). */
int varlb_spec_init_local (varlb_spec_t *s, const char *text, char *why, size_t len);
void varlb_spec_clear (varlb_spec_t *s);
/* Run the compressor's calibration once, before any instance is drawn
   (exec and serve: COMMAND calibrate --seed SEED --out CALIB; a plug-in:
   its optional varlb_compressor_calibrate (dir, seed, knobs)), in a sandbox
   with only the public SEED, at most O->calibrate_timeout_s seconds.  What
   it writes under CALIB is kept and shown read-only to both halves of
   every later trial (VARLB_CALIBRATION) and recorded, with its SHA-256, in
   S->calibration.  Nothing for built-ins (their calibration is their own).
   VARLB_ECOMPRESSOR with a reason in WHY when it fails. */
int varlb_spec_calibrate (varlb_spec_t *s, uint64_t seed, const varlb_channel_opts_t *o,
                          char *why, size_t len);
/* What a plug-in exports to calibrate (optional symbol
   VARLB_CALIBRATE_SYMBOL): fill directory DIR, return 0 or VARLB_E*. */
#define VARLB_CALIBRATE_SYMBOL "varlb_compressor_calibrate"
typedef int (*varlb_calibrate_fn) (const char *dir, uint64_t seed, const varlb_knobs_t *knobs);

/* A plug-in's self-description, from a sandboxed probe (`varlb __probe`):
   "key\tvalue" lines name, description, knob (name, type, default, min,
   max, help), calibration and check ("ok" or why its knobs are refused).
   *REPORT is malloc'd. */
int varlb_spec_probe (char **report, const char *plugin_spec, const varlb_channel_opts_t *o,
                      char *why, size_t len);

/* One trial: the result row of `varlb attack` and `varlb sweep`. */
typedef struct varlb_trial {
  char compressor[512];    /* the spec as given */
  double budget_bits;
  double bits_charged;     /* 8 x blob bytes, measured here */
  size_t N;                /* hidden bits of the instance */
  size_t bits_tested, correct;
  double accuracy, ci_low, ci_high; /* 95% Clopper-Pearson */
  double fano_ceiling;     /* at bits_judged, like every ceiling varlb reports */
  double trivial;
  double efficiency;       /* bits the Fano frontier needs for this accuracy
                              over bits charged (varlb_efficiency); above 1:
                              more than the blob alone allows (reports flag
                              it); NaN when the trial failed */
  /* What the verdict is judged at (varlb_bits_judged): within the budget
     the budget's whole bytes, over it the bits charged and length_bits =
     varlb_length_bits (the largest blob a half may write), and the side
     channels either way. */
  double length_bits, bits_judged;
  double p_value;          /* of "honest at bits_judged" (varlb_judge) */
  const char *verdict;
  int over_budget;
  int status;              /* VARLB_OK, or why the compressor failed */
  char error[512];         /* the failure, in one line */
  char stderr_compress[512]; /* the end of what each half wrote to stdout and */
  char stderr_answer[512];   /* stderr, one line of valid UTF-8 */
  char provenance[512];    /* what produced the row: a built-in's library
                              version, a plug-in's path and SHA-256, an
                              external program's named files' SHA-256 and
                              its --version line (varlb_spec_t) */
  char calibration[512];   /* free calibration ("" when none): the built-in's
                              or plug-in's note, or the one line an external
                              program's compress left in the file CALIBRATION */
  uint64_t seed;
  uint64_t public_seed;    /* the seed the halves received */
  char judge_key[17];      /* fingerprint of the key of the secret streams */
  const char *isolation;   /* "sandbox" or "none" */
  /* Bits a half could pass outside the blob that varlb cannot close, added
     to bits_charged when judging: the compress time, padded to a grid of
     levels, carries at most log2(levels) bits (README, "Threat model"). */
  double side_channel_bits;
  double wall_s;
  /* Witness of the first wrong bit: token, coordinate, the full-cache
     output and the compressor's. */
  size_t witness_token, witness_coord;
  double witness_true, witness_returned;
  int has_witness;
  /* The (1 +- eta) rule (proofs/variants.md): every returned output against
     the exact full-cache one.  approx_eta = max |est - o| / |o|, the smallest
     eta for which the answer is a (1 +- eta)-approximation (Inf when some
     o = 0 but est != 0); eta_violations = outputs outside (1 +- eta) at the
     instance's eta.  Floating point. */
  int has_approx;
  double eta, approx_eta;
  size_t eta_violations;
} varlb_trial_t;

/* Run S on IN with BUDGET_BITS (a whole number).  Each half runs in its own
   sandbox (O->isolation): Alice's (compress) sees the cache K.npy, V.npy,
   the budget, the knobs, the public schedule and the public seed; Bob's
   (answer) starts after Alice's is gone and sees only a fresh copy of the
   blob's bytes, the public seed, the knobs, the schedule and the queries.
   Neither ever holds the judge key or a secret seed.  A compressor that
   crashes, hangs, writes nothing, returns the wrong shape or non-finite
   numbers fails the trial with T->status and a reason; the function still
   returns VARLB_OK.  Returns an error only when varlb itself cannot run the
   trial (VARLB_EUNSUPPORTED: no sandbox can be made here, see T->error). */
int varlb_trial_run (varlb_trial_t *t, const varlb_instance_t *in,
                     const varlb_spec_t *s, double budget_bits,
                     const varlb_channel_opts_t *o);

/* The allowance for the compress-time channel at TIMEOUT_S: log2 of the
   number of grid instants Bob's start can take (varlb pads Alice's time). */
double varlb_trial_timing_bits (double timeout_s);

/* Result rows: one JSON object per line, or CSV whose header names equal
   the JSON keys (extra instance columns: schedule, d, jl, keys, values).
   Every row ends with its MAC (varlb_row_mac, keyed by IN's judge key),
   the column "mac", which the column count and names leave out. */
size_t varlb_trial_column_count (void);
const char *varlb_trial_column_name (size_t i);
void varlb_trial_write_json (FILE *f, const varlb_trial_t *t, const varlb_instance_t *in);
void varlb_trial_write_csv_header (FILE *f);
void varlb_trial_write_csv (FILE *f, const varlb_trial_t *t, const varlb_instance_t *in);
/* The same row unsigned, without its newline (and for JSON without its
   closing brace): what varlb_row_write_signed finishes. */
void varlb_trial_write_json_unsigned (FILE *f, const varlb_trial_t *t,
                                      const varlb_instance_t *in);
void varlb_trial_write_csv_unsigned (FILE *f, const varlb_trial_t *t,
                                     const varlb_instance_t *in);

/* Row MACs (src/mac.c): rows no one without the judge key can edit.  The
   MAC of a row is keyed BLAKE2b (libsodium's crypto_generichash, 16 bytes,
   written as 32 hex digits) of the CSV header and the row's CSV text, both
   without the mac column and the newline, under a subkey derived from the
   judge key (BLAKE2b keyed by the judge key of a fixed label), never the
   judge key itself.  A JSON line carries the MAC of its CSV twin, so one
   MAC signs both.  Whoever holds the key can sign any row: a MAC proves
   the row came from the key's holder, not that the holder ran the trial. */
#define VARLB_ROW_MAC_HEX 32
void varlb_row_mac (char out[VARLB_ROW_MAC_HEX + 1], const unsigned char *judge_key,
                    const char *header, size_t header_len, const char *row, size_t row_len);
/* Write a signed row to F: CSV is the row's CSV text and HEADER the file's
   header (each without the mac column and the newline); with JSON NULL,
   CSV then ,"MAC" and a newline; else JSON (the object without its closing
   brace), ,"mac":"MAC"} and a newline. */
void varlb_row_write_signed (FILE *f, const unsigned char *judge_key, const char *header,
                             size_t header_len, const char *csv, size_t csv_len,
                             const char *json, size_t json_len);

/* @@STATS@@ -- statistics, Fano frontier, sweeps (stats.c, sweep.c) */

/* Binary entropy in bits, H2(p) = -p log2 p - (1-p) log2 (1-p) (double). */
double varlb_h2 (double p);
/* The Fano frontier: the largest mean per-bit accuracy p* in [1/2, 1] that
   B charged bits allow on N uniform hidden bits, H2(1 - p*) = 1 - B/N;
   exactly 1 when B >= N.  Computed with MPFR (root-finding with directed
   rounding) and returned rounded up: a certified upper bound on p*. */
double varlb_fano_ceiling (double bits, double N);
/* The bits the Fano frontier needs for mean per-bit accuracy P on N uniform
   hidden bits: N (1 - H2(1 - p)) for 1/2 <= p <= 1, 0 below 1/2 (guessing
   is free); the inverse of varlb_fano_ceiling, and the rate-distortion
   function of the binary symmetric source at distortion 1 - p, which
   ratedist attains up to a finite-length gap (proofs/achievability.md).
   Certified: MPFR with directed rounding, returned rounded down (a lower
   bound), the safe side for an efficiency.  NaN when P is outside [0, 1]
   or N <= 0. */
double varlb_fano_bits_needed (double accuracy, double N);
/* The efficiency of a result: the bits the frontier needs for ACCURACY
   (varlb_fano_bits_needed) over BITS_CHARGED, rounded down: never
   overstated for the given accuracy (which is itself a measurement).
   1 means optimal; e.g. kivi's 0.530 at 0.25 N is 0.0026 N / 0.25 N = 1%.
   NaN when nothing was charged or an argument is out of range. */
double varlb_efficiency (double accuracy, double bits_charged, double N);
/* The trivial achievable line: store B of the N bits, guess the rest:
   1/2 + B/(2N), capped at 1 (exact in double for B, N < 2^53). */
double varlb_trivial_accuracy (double bits, double N);
/* Clopper-Pearson interval at confidence LEVEL (e.g. 0.95) for K successes
   out of N trials (GSL beta quantiles; exact GMP binomial tails for small N). */
int varlb_clopper_pearson (double *lo, double *hi, size_t k, size_t n, double level);

/* Verdicts carried by every result row. */
#define VARLB_VERDICT_FAILS "fails as the bound predicts"
#define VARLB_VERDICT_SUCCEEDS "succeeds (budget at or above the bound)"
#define VARLB_VERDICT_LOSSY "loses bits it could keep (budget at or above the bound)"
#define VARLB_VERDICT_IMPOSSIBLE \
  "impossible at this budget: side channel or miscounted bits (above the Fano ceiling with 99% confidence)"
#define VARLB_VERDICT_ERROR "compressor failed"
/* Above the Fano ceiling at the bits judged, but not by more than chance
   allows at VARLB_VERDICT_ALPHA: not "fails as the bound predicts". */
#define VARLB_VERDICT_ABOVE "above the Fano ceiling, not significant"
/* The verdict for CORRECT of TESTED bits with BITS_CHARGED of N: with
   every bit tested (TESTED = N) impossible when varlb_counting_tail
   (CORRECT, N, BITS_CHARGED) <= VARLB_VERDICT_ALPHA; with fewer, when the
   99% Clopper-Pearson lower end exceeds the Fano ceiling (bits taken as
   independent draws).  Above the ceiling otherwise: VARLB_VERDICT_ABOVE. */
const char *varlb_verdict (size_t correct, size_t tested, double bits_charged, double N);

/* The counting bound's p-value: min(1, 2^BITS P[Bin(N, 1/2) >= K]), which
   bounds P[at least K of N bits right] for any compressor whose answers
   depend on BITS bits (a blob of BITS bits takes at most 2^BITS values,
   each decoding to one string; proofs/verdicts.md, Lemma 1).  Certified:
   the tail summed with MPFR in log space, every step rounded up, so the
   result is never below the exact value (and within 2^-60 of it,
   relatively); 1 when K <= N/2 + 1.  NaN when K > N, N = 0, N >= 2^53 or
   BITS is negative.  Thousands of MPFR steps at N = 10^7. */
double varlb_counting_tail (size_t k, size_t n, double bits);
/* The bits a blob's length can carry when it can be any of 0 ..
   MAX_BLOB_BYTES bytes: ceil(log2(MAX_BLOB_BYTES + 1)) (exact). */
double varlb_length_bits (unsigned long long max_blob_bytes);
/* The bits a trial is judged at, whatever its blob's length (a blob whose
   length depends on the data says more than its bits; proofs/verdicts.md,
   Lemma 2): within the budget (BITS_CHARGED <= BUDGET_BITS), 8
   floor(BUDGET_BITS / 8) + 0.0284, as if the blob had used every whole
   byte of it; over it, BITS_CHARGED + LENGTH_BITS + 6; then
   SIDE_CHANNEL_BITS added.  NaN for negative or infinite arguments. */
double varlb_bits_judged (double bits_charged, double budget_bits, double side_channel_bits,
                          double length_bits);

/* Tests at the unit that was sampled (README "How to read verdicts").
   One row's "impossible" verdict is a one-sided test of "this compressor
   is honest at the bits judged" whose false-alarm probability is at most
   VARLB_VERDICT_ALPHA (at most half of it when every token was asked). */
#define VARLB_VERDICT_ALPHA 0.01

/* P[sample mean >= MEAN] bounded for M values in [0, 1] whose population
   mean is at most MU0: drawn i.i.d. (POPULATION = 0) or uniformly without
   replacement from POPULATION values.  Hoeffding's (1963) bound in its
   Kullback-Leibler form exp(-M D(MEAN || MU0)), valid without replacement
   too (his Theorem 4); without replacement also Serfling's (1974)
   exp(-2 M t^2 / (1 - (M-1)/POPULATION)), t = MEAN - MU0; the smaller.
   No assumption on the values' law.  1 when MEAN <= MU0, 0 when the sample
   is the whole population.  Floating point. */
double varlb_mean_tail (double mean, size_t m, size_t population, double mu0);
/* The two-sided interval at LEVEL for the population mean (or the mean of
   the law, POPULATION = 0) inverting varlb_mean_tail at (1 - LEVEL)/2 on
   each side.  Floating point (bisection to 2^-52). */
int varlb_mean_interval (double *lo, double *hi, double mean, size_t m,
                         size_t population, double level);

/* A trial judged at the unit Bob sampled. */
typedef struct varlb_judgement {
  double accuracy;        /* correct / (m d) */
  double ci_low, ci_high; /* 95%: every token asked (m = n): Clopper-Pearson
                             over the N bits; a sample (m < n): an interval
                             for the accuracy over all n tokens, from the m
                             token accuracies (varlb_mean_interval) */
  double fano_ceiling;    /* at the bits charged (certified, rounded up) */
  double fano_judged;     /* at the bits judged: what "impossible" beats */
  double p_value;         /* of "honest at the bits judged": impossible
                             exactly when p_value <= ALPHA.  Every token
                             asked: varlb_counting_tail; a sample: the
                             token-level bound below */
  const char *verdict;    /* one of the VARLB_VERDICT_* texts */
  const char *verdict_by_budget; /* the verdict were it not impossible: fails,
                             succeeds or loses bits, from bits charged vs N */
  size_t tokens;          /* m: the sampling unit's count */
  int sampled;            /* m < n */
} varlb_judgement_t;

/* Judge CORRECT bits right out of M d, Bob having asked M of the N Alice
   tokens (d bits each; M = N: every token, the counting tail at
   BITS_JUDGED; M < N: a uniform sample without replacement),
   for a blob of BITS_CHARGED bits, the test run at BITS_JUDGED = bits
   charged + the side-channel allowance.  The sampled test: impossible when
   P <= VARLB_VERDICT_ALPHA, P = ALPHA/10 + varlb_mean_tail (accuracy, M, N,
   p_c), p_c the Fano ceiling at BITS_JUDGED + log2(10/ALPHA) bits (a B-bit
   blob has 2^B values, so P[accuracy over all N tokens >= p_c] <= ALPHA/10).
   Everything it uses is in a result row, so summaries recompute it.
   VARLB_EINVAL on inconsistent counts.  Floating point (the ceilings are
   certified). */
int varlb_judge (varlb_judgement_t *j, size_t correct, size_t m, size_t n, size_t d,
                 double bits_charged, double bits_judged);
/* varlb_judge for a whole model: STRATA heads of A Alice tokens each, R of
   each head's tokens asked (R = A: every token, the full-instance test),
   the heads' samples drawn independently.  The sampled test's finite-
   population factor is a head's, 1 - (R-1)/A.  STRATA = 1 is varlb_judge
   with M = R, N = A. */
int varlb_judge_strata (varlb_judgement_t *j, size_t correct, size_t strata, size_t r,
                        size_t a, size_t d, double bits_charged, double bits_judged);
/* One trial's counts as its row holds them: CORRECT of R d bits asked in
   each of STRATA strata of A tokens. */
typedef struct varlb_counts {
  size_t correct, strata, r, a, d;
  double bits_charged, bits_judged;
} varlb_counts_t;
/* K independent trials judged as one, on their concatenated instances
   (proofs/verdicts.md, Lemma 3): varlb_judge_strata on the summed counts,
   strata and bits.  VARLB_EINVAL unless every trial has one design (R, A,
   d). */
int varlb_judge_pooled (varlb_judgement_t *j, const varlb_counts_t *c, size_t k);
/* Judge trial T (budget_bits, bits_charged and side_channel_bits set)
   from its counts as varlb_judge_strata does, at varlb_bits_judged with
   length_bits = varlb_length_bits (MAX_BLOB_BYTES): sets every judged
   field of T (bits_tested .. verdict, length_bits, bits_judged, p_value). */
int varlb_trial_judge (varlb_trial_t *t, size_t correct, size_t strata, size_t r, size_t a,
                       size_t d, unsigned long long max_blob_bytes);
/* Holm's step-down procedure over N p-values at family-wise level ALPHA:
   REJECT[i] = 1 for the hypotheses it rejects (a sweep's rows: which
   "impossible" verdicts survive the many tests at once).  NaN never
   rejects. */
int varlb_holm (unsigned char *reject, const double *p, size_t n, double alpha);

/* @@PROOFS@@ -- certified checks (proofs/ *.c) */

/* Certified answers, as Arb gives them: unknown is never reported as false. */
typedef enum varlb_tri {
  VARLB_TRI_FALSE = 0, VARLB_TRI_TRUE = 1, VARLB_TRI_UNKNOWN = 2
} varlb_tri;

/* Instance from any token layout: ALICE tokens (JL keys, bit values), then
   ZERO tokens with zero keys and values; C defaults for M = alice+zero-1
   (reductions/index_var.c; the pyramid in P is then only carried along). */
int varlb_instance_init_layout (varlb_instance_t *in, const varlb_params_t *p,
                                size_t alice, size_t zero);
/* The default query scale for M non-target keys per row (floating point). */
double varlb_params_default_C_M (const varlb_params_t *p, size_t M);

/* The sharpened lemma (proofs/sharpened.md, proofs/lemmas.c).  Row i fails
   only if R_i = sum_{t != i} e^{C(<k_i,k_t> - |k_i|^2)} >= r_max, and
   P[some of the n rows fails] <= n E[R_i] / r_max (Markov + union bound).
   All bounds certified: MPFR with directed rounding, upper bounds rounded
   up, lower bounds down; precision raised until the verdict is decided. */
/* Unit Achlioptas keys are covered through an exact sum of O(d^3) terms,
   evaluated up to this d. */
#define VARLB_SHARP_EXACT_D_MAX 512u
typedef struct varlb_sharp {
  int covered;            /* the chain is evaluated: every family, unit
                             Achlioptas up to VARLB_SHARP_EXACT_D_MAX */
  size_t n, z, d;         /* Alice's keys, zero keys, dimension */
  double C, eps, eta, threshold;
  double r_max_lo;        /* rows with R_i < r_max decode every bit */
  double other_hi;        /* >= E e^{C(<k_i,k_t> - |k_i|^2)}, t != i */
  double zero_hi;         /* >= E e^{-C |k_i|^2} */
  double row_hi;          /* >= E R_i = (n-1) other + z zero */
  double fail_lo, fail_hi;/* certified enclosure of n E R_i / r_max */
  double target;          /* the acceptable construction failure */
  varlb_tri holds;        /* fail <= target */
  unsigned long prec;     /* MPFR precision that decided */
} varlb_sharp_t;

/* Evaluate the sharpened chain for explicit sizes (certified). */
int varlb_sharp_eval (varlb_sharp_t *s, size_t n, size_t z, size_t d,
                      double C, double eps, double eta, varlb_jl_family f,
                      varlb_jl_norm norm, varlb_values values, double target);
/* n E[R_i] / r_max in floating point, for searches and screening only
   (never a verdict: varlb_sharp_eval certifies). */
double varlb_sharp_bound_fast (size_t n, size_t z, size_t d, double C,
                               double eps, double eta, varlb_jl_family f,
                               varlb_jl_norm norm, varlb_values values);
/* The C in (0, c_max] minimising the bound (floating-point search; the
   bound at the returned C is then certified by varlb_sharp_eval). */
double varlb_sharp_best_C (size_t n, size_t z, size_t d, double eps,
                           double eta, varlb_jl_family f, varlb_jl_norm norm,
                           varlb_values values, double c_max);
/* Exact (GMP) check of the MGF step's termwise series inequality for the
   first TERMS coefficients (d used by the unit-sphere case); for unit
   Achlioptas keys, whose S2 is an exact sum, that its weights W(b,x,y)
   add up to (3^d - 2^d)^2, i.e. form a probability law. */
varlb_tri varlb_sharp_mgf_series_check (varlb_jl_family f, varlb_jl_norm norm,
                                        size_t d, unsigned terms);

/* The paper's chain (Haris-Onak Lemma 3 + margin), certified. */
typedef struct varlb_paper_chain {
  double d_needed_lo, d_needed_hi; /* 12 ln n / (eps^2 - eps^3) */
  varlb_tri d_holds;               /* d >= d_needed */
  double jl_fail_hi;               /* the honest failure bound 4/n */
  double margin_lo, margin_hi;     /* C(1-2eps) - ln M - ln((1+eta)/(1-eta)) */
  varlb_tri margin_holds;          /* margin > 0, i.e. (1+eta) delta < (1-eta) Delta */
  varlb_tri success_holds;         /* 9/10 - 4/n > 2/3 */
} varlb_paper_chain_t;

int varlb_paper_chain_eval (varlb_paper_chain_t *c, size_t n, size_t M,
                            size_t d, double C, double eps, double eta);

/* Certify a drawn instance (proofs/certify.c): for every requested row
   (Alice token) and coordinate, enclose the exact attention output of the
   query C k_i over all T stored tokens and check it lies on the right side
   of in->threshold.  Rows are first bounded through their target weight by
   a rigorous floating-point filter (the Gram product through BLAS with
   Higham's a-priori error bound, each exponential bounded by a power of
   two); rows it leaves open get the same bound with MPFR exponentials at
   53 bits, then the coordinatewise MPFR interval pass at rising precision
   (64 .. 2048 bits).  Non-finite intermediates decide nothing.  Certified
   (a bit is reported certified only when proved). */
#define VARLB_CERTIFY_NO_FILTER 1u /* flags: skip the floating-point filter
                                      (the MPFR-only path, for audits) */
typedef struct varlb_certify_report {
  unsigned flags;       /* input: VARLB_CERTIFY_* (0 by report_init) */
  size_t bits;          /* bits examined */
  size_t certified;     /* proved to decode correctly */
  size_t wrong;         /* proved to decode wrongly */
  size_t undecided;     /* not decided at the highest precision */
  size_t rows_filtered; /* rows the floating-point filter settled */
  size_t rows_refined;  /* rows that needed the coordinatewise pass */
  unsigned long max_prec;
  size_t *bad;          /* token * d + coordinate of each bit not certified */
  size_t n_bad, cap_bad;
} varlb_certify_report_t;

void varlb_certify_report_init (varlb_certify_report_t *r);
void varlb_certify_report_clear (varlb_certify_report_t *r);
/* ROWS NULL: every Alice token. */
int varlb_certify_instance (varlb_certify_report_t *r, const varlb_instance_t *in,
                            const size_t *rows, size_t m);

/* (1 +- eta)-approximate attention (reductions/approx.c, proofs/variants.md sec. 1
   step 5).  The largest eta the margin tolerates at the instance's C:
   eta* = tanh((C(1-2eps) - ln M)/2) (0 when the margin fails).  Floating point. */
double varlb_approx_eta_max (const varlb_instance_t *in);
/* The adversary: move each output by eta |o| towards the wrong side
   (0-bits up, 1-bits down).  O is m x d for the rows IDX. */
int varlb_approx_perturb (double *O, const varlb_instance_t *in,
                          const size_t *idx, size_t m, double eta);
/* The rule a channel applies to an approximate compressor: how many of the
   COUNT estimates lie outside [(1-eta) o, (1+eta) o] (o the exact output,
   interval ends ordered), with a relative floating slack of 1e-12. */
size_t varlb_approx_violations (const double *exact, const double *est,
                                size_t count, double eta);
/* The smallest relative perturbation that flips a decoded bit of the
   given outputs (the measured edge); floating point. */
double varlb_approx_edge (const varlb_instance_t *in, const size_t *idx,
                          size_t m, const double *O);

/* The sequence (language-model) case, Haris-Onak Theorem 6 (reductions/
   index_seq.c): N Alice tokens and Bob's one query token with a zero key. */
int varlb_seq_instance_init (varlb_instance_t *in, const varlb_params_t *p, size_t n);
/* Haris-Onak Corollary 9 (d = o(log n)): a stream of STREAM tokens whose
   first KEYS carry JL keys and bit values, the rest zero keys and values,
   then Bob's query token: KEYS x d hidden bits, M = STREAM. */
int varlb_lowdim_instance_init (varlb_instance_t *in, const varlb_params_t *p,
                                size_t stream, size_t keys);
/* The largest KEYS on the grid floor(2^{j/4}), j = 0, 1, ... (at most
   STREAM) at which the full cache decodes every hidden bit, and at every
   smaller grid point too (0: not even one key).  Below log n this is
   e^{Theta(d)}: the instance's capacity (floating point, one seed). */
int varlb_lowdim_capacity (size_t *keys, const varlb_params_t *p, size_t stream);

/* Sparsity (reductions/sparse.c, proofs/variants.md sec. 3).  A public-pattern
   instance: only the S Alice tokens of POSITIONS carry bits (the others
   have value 0); the matching compressor keeps exactly their S x d value
   bits (keys are public coins), and its decode is exact. */
int varlb_sparse_instance_init (varlb_instance_t *in, const varlb_params_t *p,
                                const size_t *positions, size_t s);
/* The public window: the last S Alice tokens. */
int varlb_sparse_window (size_t *positions, const varlb_instance_t *in, size_t s);
/* Keep-S compressor: BLOB receives the S x d value bits of POSITIONS. */
int varlb_sparse_keep (varlb_blob_t *blob, const varlb_instance_t *in,
                       const size_t *positions, size_t s);
/* Decode every bit of IN from a keep-S blob: V is rebuilt with the kept
   rows and zeros elsewhere, keys are the public ones.  Floating point. */
int varlb_sparse_decode (varlb_decode_report_t *r, const varlb_instance_t *in,
                         const size_t *positions, size_t s,
                         const unsigned char *blob, size_t len);
/* A secret pattern: S distinct Alice positions, uniform, in increasing
   order, from stream VARLB_STREAM_PATTERN of the instance's seed (Alice's,
   not public).  The instance is varlb_sparse_instance_init's with them. */
int varlb_sparse_secret_positions (size_t *positions, const varlb_instance_t *in, size_t s);
/* The compressor that needs no pattern: BLOB receives a 32-bit count, then
   for every Alice token with a nonzero value its index (ceil(log2 n) bits)
   and its d value bits, bit-packed: 32 + s (ceil(log2 n) + d) bits. */
int varlb_sparse_secret_keep (varlb_blob_t *blob, const varlb_instance_t *in);
/* Decode every bit of IN from such a blob (indices must be increasing and
   below n, the length exact: else VARLB_EFORMAT).  Floating point. */
int varlb_sparse_secret_decode (varlb_decode_report_t *r, const varlb_instance_t *in,
                                const unsigned char *blob, size_t len);
/* log2 (binom(n, s) (2^d - 1)^s): that many distinct bit matrices have
   exactly S nonzero rows, so a compressor that decodes every bit of every
   such instance has a blob at least this long on some (pigeonhole);
   floating point (lgamma). */
double varlb_sparse_secret_lower_bound (size_t n, size_t s, size_t d);
/* The fraction of near-zero (< tol) attention weights over all decode rows
   (Corollary 16: >= 1 - 1/(M+1) at the default C).  Floating point. */
int varlb_sparse_attention_fraction (double *frac, const varlb_instance_t *in,
                                     double tol);

/* @@MODEL@@ -- whole VAR models: every layer and head under one global
   budget (model.c, model_channel.c, trial.c; README "Whole models") */

/* A whole model's cache: LAYERS x HEADS independent hard instances, one per
   (layer, head), each the instance of PAR (schedule, head dimension d, JL
   family, ...) with its own secret bits: N_total = layers x heads x N.
   Head (l, h) is drawn from two seeds (varlb_model_head_init):
   - its run seed varlb_seed_head (seed, l, h), one-way from the run's seed:
     its secret streams (Alice's bits, Bob's sample) are keyed by it and the
     judge key, so every head holds different bits and no half learns any;
   - its public seed varlb_seed_head_public (P, l, h), one-way from the
     model's public seed P = varlb_seed_public (seed): its JL keys, observed
     queries and coins.  A whole-model half receives P alone and rebuilds
     every head's public seed from it (free public coins). */
typedef struct varlb_model {
  char name[32];       /* "var-d30", or "custom" (--layers, --heads) */
  size_t layers, heads;
  varlb_params_t par;  /* owned: every head's parameters; par.seed is the
                          run's seed, par.judge_key the run's key */
} varlb_model_t;

#define VARLB_MODEL_MAX_LAYERS 4096u
#define VARLB_MODEL_MAX_HEADS 4096u

uint64_t varlb_seed_head (uint64_t seed, size_t layer, size_t head);
uint64_t varlb_seed_head_public (uint64_t public_seed, size_t layer, size_t head);
/* The instance of P whose public coins (JL keys, the public_seed field) come
   from PUBLIC_SEED instead of varlb_seed_public (p->seed). */
int varlb_instance_init_public (varlb_instance_t *in, const varlb_params_t *p,
                                uint64_t public_seed);

/* LAYERS x HEADS heads of P's instance (1 .. VARLB_MODEL_MAX_*). */
int varlb_model_init (varlb_model_t *m, const varlb_params_t *p, size_t layers,
                      size_t heads);
/* VAR's released models (FoundationVision/VAR: the README's model zoo and
   build_vae_var, heads = depth, width = 64 depth, so head dimension 64):
   var-d16, var-d20, var-d24 and var-d30, released at 256px, and var-d36
   (shared AdaLN), released at 512px, with L = 16, 20, 24, 30, 36 layers of
   L heads, on P's schedule (whatever it is: varlb_model_named_info says
   which one the model was released at).  VARLB_EINVAL for another name, or
   when P's d is not 64. */
int varlb_model_init_named (varlb_model_t *m, const varlb_params_t *p, const char *name);
void varlb_model_clear (varlb_model_t *m);
/* The I-th named model ("var-d16", ...), NULL past the last. */
const char *varlb_model_name_at (size_t i);
/* Named model NAME as released: its depth (layers = heads), the image size
   it was released at (256 or 512: its schedule is varlb_pyramid_init_preset
   of it, VAR's utils/arg_util.py --pn) and whether its blocks share one
   AdaLN (1 for var-d36: the cache's shape is the same either way).  Any
   output may be NULL.  VARLB_EINVAL for another name. */
int varlb_model_named_info (size_t *depth, int *released_px, int *shared_adaln,
                            const char *name);
/* N_total = layers x heads x N hidden bits (exact); 0 on overflow. */
size_t varlb_model_hidden_bits (const varlb_model_t *m);
/* Head (LAYER, HEAD) of M, drawn as described above. */
int varlb_model_head_init (varlb_instance_t *in, const varlb_model_t *m, size_t layer,
                           size_t head);

/* The lower bound for a whole model.  Every head is an Index instance with
   its own uniform bits, so a cache of B bits from which Bob recovers the
   N_total bits with mean per-bit accuracy A has B >= N_total (1 - H2(1 - A))
   (Fano; = N_total at A = 1). */
typedef struct varlb_model_bound {
  size_t N_total;          /* hidden bits (exact) */
  size_t T;                /* cached tokens per head */
  double accuracy;         /* A */
  double bits;             /* N_total (1 - H2(1 - A)): certified lower bound
                              (MPFR, rounded down; varlb_fano_bits_needed) */
  double bytes;            /* ceil (bits / 8) */
  double cache_fp16_bytes; /* 2 bytes x (K, V) x layers x heads x d x T: the
                              fp16 cache of one image stream, every cached
                              token (exact; classifier-free guidance runs
                              two streams and doubles it) */
  double ratio;            /* fp16 cache bits over the bound's bits (floating
                              point, rounded up: the cache is never less
                              than ratio x the bound) */
} varlb_model_bound_t;

/* VARLB_EINVAL unless 1/2 <= ACCURACY <= 1. */
int varlb_model_bound (varlb_model_bound_t *b, const varlb_model_t *m, double accuracy);

/* Decoding every hidden bit of a whole model from its full cache, head by
   head: heads are drawn, decoded and freed one at a time per thread, so
   memory is THREADS x one head's.  THREADS 0: OpenMP's default (one head
   per core, BLAS kept to one thread inside).  Floating point (as
   varlb_instance_decode_all); counts exact. */
typedef struct varlb_model_decode_report {
  size_t heads, bits, correct;   /* exact counts */
  size_t heads_perfect;          /* heads that decoded every bit */
  double min_target_weight;      /* over every head */
  size_t worst_layer, worst_head, worst_correct; /* the head with fewest
                                    correct bits (first in order on ties) */
  size_t first_wrong_layer, first_wrong_head, first_wrong_token,
         first_wrong_col;        /* (size_t)-1 when none */
  unsigned threads;              /* threads used */
} varlb_model_decode_report_t;

/* HEAD_CORRECT (optional, layers x heads): correct bits of each head. */
int varlb_model_decode_all (varlb_model_decode_report_t *r, const varlb_model_t *m,
                            size_t *head_correct, unsigned threads);

/* Certifying every decoded bit of a whole model (varlb_certify_instance per
   head, head by head as above).  Certified (MPFR). */
#define VARLB_MODEL_BAD_MAX 64u
typedef struct varlb_model_certify_report {
  size_t heads, bits, certified, wrong, undecided, rows_refined;
  unsigned long max_prec;
  size_t n_bad;  /* bits not certified */
  size_t n_examples;  /* rows of BAD filled */
  size_t bad[VARLB_MODEL_BAD_MAX][4]; /* layer, head, token, coordinate:
                                         the first such bit of each of the
                                         first heads that have any */
  unsigned threads;
} varlb_model_certify_report_t;

/* HEAD_UNCERTIFIED (optional, layers x heads): bits not certified per head. */
int varlb_model_certify (varlb_model_certify_report_t *r, const varlb_model_t *m,
                         size_t *head_uncertified, unsigned threads);

/* Compressors of whole models: the plug-in interface version 2.  K and V
   are (layers, heads, T, d) and (layers, heads, T, dv), C order (head
   (l, h)'s cache is the T x d block at ((l H + h) T d)); Q is (layers,
   heads, m, d) and O (layers, heads, m, dv): row r of head (l, h) asks for
   that head's attention.  One blob for the whole model, one global budget
   (bits charged = 8 x its bytes).  SEED is the model's public seed; head
   (l, h)'s own is varlb_seed_head_public (seed, l, h) (its JL keys:
   varlb_public_keys with it).  A C plug-in exports
     const varlb_model_compressor_t varlb_compressor_v2 = {
       { VARLB_COMPRESSOR_ABI_MODEL, name, description, knobs, n_knobs,
         free_calibration, NULL, NULL, calibration }, compress, answer };
   (the base's single-head halves stay NULL) and runs as
   `--model M --compressor plugin:PATH.so`.  A version-1 plug-in or
   built-in runs on a whole model too: per head, with the budget split
   evenly (varlb_model_split_*). */
#define VARLB_COMPRESSOR_ABI_MODEL 2
#define VARLB_MODEL_COMPRESSOR_SYMBOL "varlb_compressor_v2"

typedef struct varlb_model_compressor {
  varlb_compressor_t base;  /* abi = VARLB_COMPRESSOR_ABI_MODEL; name,
                               description, knobs, calibration as in v1 */
  int (*compress) (varlb_blob_t *blob, const double *K, const double *V,
                   size_t layers, size_t heads, size_t T, size_t d, size_t dv,
                   double budget_bits, uint64_t seed, const varlb_knobs_t *knobs,
                   const varlb_pyramid_t *pyramid);
  int (*answer) (double *O, const unsigned char *blob, size_t len, uint64_t seed,
                 const double *Q, size_t layers, size_t heads, size_t m, size_t d,
                 size_t dv, const varlb_knobs_t *knobs, const varlb_pyramid_t *pyramid);
} varlb_model_compressor_t;

/* The built-in whole-model compressors (budget allocators), fixed order. */
size_t varlb_model_compressor_count (void);
const varlb_model_compressor_t *varlb_model_compressor_at (size_t i);
const varlb_model_compressor_t *varlb_model_compressor_find (const char *name);

/* A version-1 compressor C on a whole model.  The blob is a length table
   (layers x heads little-endian 32-bit byte counts, charged like any byte)
   and the heads' blobs in (layer, head) order.  Head i (= l H + h) gets
   varlb_model_split_budget (B, layers x heads, i) bits: what B leaves after
   the table, split evenly in whole bits, the first (rest mod heads) heads
   one bit more; its halves get its public seed varlb_seed_head_public
   (seed, l, h).  The answer refuses (VARLB_EFORMAT) a table that does not
   add up to the blob's length. */
#define VARLB_MODEL_SPLIT_TABLE_BITS 32u
double varlb_model_split_budget (double budget_bits, size_t heads_total, size_t i);
int varlb_model_split_compress (varlb_blob_t *blob, const varlb_compressor_t *c,
                                const double *K, const double *V, size_t layers,
                                size_t heads, size_t T, size_t d, size_t dv,
                                double budget_bits, uint64_t seed,
                                const varlb_knobs_t *knobs,
                                const varlb_pyramid_t *pyramid);
int varlb_model_split_answer (double *O, const varlb_compressor_t *c,
                              const unsigned char *blob, size_t len, uint64_t seed,
                              const double *Q, size_t layers, size_t heads, size_t m,
                              size_t d, size_t dv, const varlb_knobs_t *knobs,
                              const varlb_pyramid_t *pyramid);

/* A compressor named for a whole model: a whole-model built-in or v2
   plug-in (abi 2), a v1 built-in or plug-in (abi 1: per head, budget split
   evenly), or exec:COMMAND (abi 0: the file protocol with 4-D arrays). */
typedef struct varlb_model_spec {
  varlb_spec_t s;  /* text, kind, path, knobs, name, calibration, provenance;
                      s.c: the v1 compressor, or a v2 one's base */
  const varlb_model_compressor_t *mc; /* the v2 compressor, when known here */
  int abi;
} varlb_model_spec_t;

/* As varlb_spec_init_opts (a plug-in is probed in a sandboxed half). */
int varlb_model_spec_init_opts (varlb_model_spec_t *s, const char *text,
                                const varlb_channel_opts_t *o, char *why, size_t len);
/* Inside a half only: a plug-in is loaded here (its v2 symbol first). */
int varlb_model_spec_init_local (varlb_model_spec_t *s, const char *text, char *why,
                                 size_t len);
void varlb_model_spec_clear (varlb_model_spec_t *s);

/* Whole-model trials: one compress half sees the whole cache (L, H, T, d)
   under one global budget, one answer half answers every head's queries;
   the judge decodes head by head.  The whole cache is held in memory by
   the judge and each half: MAX_CACHE_BYTES bounds K + V at fp64 (0: the
   default, VARLB_MODEL_MAX_CACHE_DEFAULT, which every named model's 256px
   cache fits). */
#define VARLB_MODEL_MAX_CACHE_DEFAULT (512ULL << 20)

typedef struct varlb_model_trial {
  varlb_trial_t t;        /* the row: N = N_total, accuracy over every head's
                             tested bits, the verdict at the whole model's
                             Fano ceiling; the witness's token is head
                             witness_layer, witness_head's */
  char model[32];
  size_t layers, heads;
  size_t witness_layer, witness_head;
  size_t *head_tested, *head_correct; /* layers x heads (owned) */
} varlb_model_trial_t;

void varlb_model_trial_clear (varlb_model_trial_t *mt);
/* Run S on M with BUDGET_BITS (whole bits).  As varlb_trial_run: a failing
   compressor fails the trial (MT->t.status), not the call.  VARLB_EINVAL
   (MT->t.error says why) when K + V exceed MAX_CACHE_BYTES. */
int varlb_model_trial_run (varlb_model_trial_t *mt, const varlb_model_t *m,
                           const varlb_model_spec_t *s, double budget_bits,
                           const varlb_channel_opts_t *o,
                           unsigned long long max_cache_bytes);
/* Rows of whole-model trials: the trial columns (varlb_trial_column_name)
   then model, layers, heads, witness_layer, witness_head and
   layer_accuracy (each layer's accuracy, ';'-separated). */
void varlb_model_trial_write_json (FILE *f, const varlb_model_trial_t *mt,
                                   const varlb_model_t *m);
void varlb_model_trial_write_csv_header (FILE *f);
void varlb_model_trial_write_csv (FILE *f, const varlb_model_trial_t *mt,
                                  const varlb_model_t *m);

#ifdef __cplusplus
}
#endif

#endif /* VARLB_H */
