/* quant.h -- shared pieces of the quantizers and sketches (KIVI, KVQuant,
 * TurboQuant, PolarQuant, GEAR, LiteVAR): the KIVI block, random rotations
 * from the public seed, Lloyd-Max codebooks and list knobs.  Not installed. */
#ifndef VARLB_QUANT_H
#define VARLB_QUANT_H
#include <gsl/gsl_rng.h>
#include "common.h"

/* ---------------------------------------------------------------- KIVI block
   A self-delimiting block: header (n, R, b, G: u32 each), the fp16 zero
   points and scales of the key groups (G tokens x 1 channel) and of the
   value groups (1 token x G channels), the packed B-bit codes of the first N
   rows, then the last R rows at fp16 (KIVI's residual window). */

/* Bits of such a block (header included). */
double qz_kivi_size (size_t n, size_t R, size_t d, size_t dv, unsigned b, size_t G);
/* The shape that fits BUDGET bits for T rows: with *B = 0 the largest B in
   1..BMAX with every row quantized; then fewer quantized rows (a prefix),
   then a shorter window.  *R holds the wanted window on entry. */
void qz_kivi_shape (size_t *n, size_t *R, unsigned *b, size_t T, size_t d, size_t dv,
                    size_t G, double budget, unsigned bmax);
/* Append the block of rows 0..n-1 (quantized) and T-R..T-1 (fp16). */
int qz_kivi_write (varlb_blob_t *blob, const double *K, const double *V, size_t T,
                   size_t d, size_t dv, size_t n, size_t R, unsigned b, size_t G);
/* Read one block from R into *KC (rows x d) and *VC (rows x dv), malloc'd,
   rows = n + R; VARLB_EFORMAT when the header promises more than R holds
   (nothing is allocated for it then).  Floating point. */
int qz_kivi_read (double **Kc, double **Vc, size_t *rows, cc_reader_t *r, size_t d, size_t dv);

/* --------------------------------------------------------- rotations, bases */

/* Orthonormalise the COLS columns of A (ROWS x COLS, row-major) in place:
   modified Gram-Schmidt, applied twice (stable to rounding); a column in
   the span of the earlier ones becomes zero.  Floating point. */
void qz_orthonormalize (double *A, size_t rows, size_t cols);
/* A Haar-random orthogonal D x D matrix (Gram-Schmidt of a Gaussian matrix)
   drawn from R: with R from the public seed both halves draw the same one,
   free.  Floating point. */
int qz_rotation (double *Rm, size_t d, gsl_rng *r);
/* Y (n x d) = X (n x d) R^T, i.e. each row rotated by R; with TRANSPOSE,
   Y = X R (the inverse rotation). */
void qz_rotate_rows (double *Y, const double *X, size_t n, const double *Rm, size_t d,
                     int transpose);

/* ------------------------------------------------------- Lloyd-Max codebooks */

/* Lloyd-Max (1-D k-means) levels: the L sorted levels minimising
   sum_i w_i (x_i - level(x_i))^2 over the N points X, sorted increasingly,
   with weights W (NULL: all 1).  Starts from the weighted quantiles and
   iterates at most ITERS times (stops once stable); an empty cell keeps its
   level.  Floating point. */
int qz_lloyd (double *levels, unsigned L, const double *x, const double *w, size_t n,
              unsigned iters);
/* Lloyd-Max levels of the density PDF (up to a constant) on [LO, HI],
   discretised on GRID equal cells (their midpoints, weighted by PDF): the
   codebook of a known distribution, computable before any instance. */
int qz_lloyd_density (double *levels, unsigned L, double (*pdf) (double, const void *),
                      const void *ctx, double lo, double hi, size_t grid, unsigned iters);
/* TurboQuant's codebook: the 2^B Lloyd-Max levels of one coordinate of a
   uniform point on the sphere S^(M-1), density prop. to (1 - x^2)^((M-3)/2)
   on [-1, 1] (+-1 when M = 1).  A known law: free calibration. */
int qz_sphere_levels (double *lev, size_t m, unsigned b);
/* PolarQuant's codebooks: the 2^B Lloyd-Max levels of a level-LEVEL angle
   (1-based) after random preconditioning: uniform on [0, 2 pi) at level 1
   (the cell midpoints), density prop. to sin^(2^(LEVEL-1)-1)(2 psi) on
   [0, pi/2] above.  Free calibration. */
int qz_angle_levels (double *lev, unsigned level, unsigned b);
/* Index of the level of LEVELS (sorted, L >= 1) nearest to X (ties to the
   lower level). */
unsigned qz_nearest (const double *levels, unsigned L, double x);

/* ------------------------------------------------------------------ k-means */

/* k-means of the N points X (row stride LD, width W) into C centroids CENT
   (C x W) and CODE (N): k-means++ seeding from R (sklearn's default, as
   PQCache's KMeans), then Lloyd iterations (at most ITERS, stops once no
   code changes).  With C >= N every point is its own centroid.  Floating
   point. */
int qz_kmeans (double *cent, uint32_t *code, const double *X, size_t n, size_t ld, size_t w,
               size_t c, unsigned iters, gsl_rng *r);
/* k-means++ seeding of C centroids (CENT, C x W) among the N points X
   (row stride LD, width W, C < N), shared by qz_kmeans and pq.c: a first
   seed uniform from R, each next one drawn with probability proportional
   to its squared distance to the nearest seed so far (DMIN, N, scratch),
   the draw made as HOW says (QZ_PICK_REDRAW, QZ_PICK_WALK: see quant.c;
   the two consume R differently, so each keeps its own).  Floating
   point. */
enum { QZ_PICK_REDRAW = 0, QZ_PICK_WALK = 1 };
void qz_kmeanspp (double *cent, double *dmin, const double *X, size_t n, size_t ld, size_t w,
                  size_t c, int how, gsl_rng *r);
/* Squared Euclidean distance of the W-vectors A and B. */
double qz_sqdist (const double *a, const double *b, size_t w);
/* Index of the centroid of CENT (C x W) nearest to X in squared distance
   (ties to the lower index); that distance in *E when E is given. */
uint32_t qz_nearest_centroid (const double *cent, size_t c, const double *x, size_t w,
                              double *e);
/* Lloyd iterations from the seeds in CENT (shared by qz_kmeans and pq.c's
   k-means, whose seeding differs): at most ITERS updates, stopping once no
   code changes; each update rounded to PREC bits as the blob will store it
   (qz_round: 16, 32, or 64 as computed), an empty cluster keeping its
   centroid.  SUM (C x W) and CNT (C) are scratch.  Floating point. */
void qz_kmeans_iterate (double *cent, uint32_t *code, const double *X, size_t n, size_t ld,
                        size_t w, size_t c, unsigned iters, unsigned prec, double *sum, size_t *cnt);

/* --------------------------------------------------------------- small bits */

/* X rounded to IEEE half precision, as the blobs store it. */
double qz_half (double x);
/* X as a blob stores it at PREC bits: 16 (qz_half), 32 (float), 64 (X). */
double qz_round (double x, unsigned prec);
/* Bits needed to write an index below N (at least 1). */
unsigned qz_index_bits (size_t n);
/* Parse a list knob "a/b/c" (knob values cannot hold commas) into at most
   MAX numbers; returns how many, or -1 when malformed or out of [LO, HI]. */
int qz_parse_list (double *out, int max, const char *text, double lo, double hi);

#endif
