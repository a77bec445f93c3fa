/* faiss_shim.h -- the faiss calls the faiss_pq and faiss_sq compressors
 * need, with C linkage (faiss_shim.cc, not installed).  Debian's
 * libfaiss-dev ships the headers of faiss's C API but not libfaiss_c, the
 * library that implements them, so these few wrappers are compiled as C++
 * against faiss's own classes.  Each catches faiss's exceptions and returns
 * 0 or a negative VARLB_E* code; vectors are float32, row-major. */
#ifndef VARLB_FAISS_SHIM_H
#define VARLB_FAISS_SHIM_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

/* "faiss 1.7.3": the version macros of the faiss linked in. */
const char *varlb_faiss_version (void);

/* ProductQuantizer (D, M, NBITS): CENTROIDS holds M x 2^NBITS x (D / M)
   floats in faiss's layout.  Training runs k-means (NITER iterations,
   k-means seed SEED) on the N vectors X; N >= 2^NBITS.  Floating point. */
int varlb_faiss_pq_train (float *centroids, size_t d, size_t M, size_t nbits,
                          unsigned niter, int seed, const float *x, size_t n);
/* Bytes of one code (faiss's packing of M NBITS-bit indices). */
size_t varlb_faiss_pq_code_size (size_t d, size_t M, size_t nbits);
int varlb_faiss_pq_encode (uint8_t *codes, const float *centroids, size_t d,
                           size_t M, size_t nbits, const float *x, size_t n);
int varlb_faiss_pq_decode (float *x, const float *centroids, size_t d, size_t M,
                           size_t nbits, const uint8_t *codes, size_t n);

/* ScalarQuantizer (D, QTYPE), QTYPE one of "fp16", "8bit", "6bit", "4bit",
   "8bit_uniform", "4bit_uniform": the number of trained floats (its
   ranges) and the bytes of one code; VARLB_EINVAL for another name. */
int varlb_faiss_sq_sizes (size_t *trained, size_t *code_size, const char *qtype, size_t d);
/* Train the ranges TRAINED on the N vectors X with RANGESTAT ("minmax",
   "meanstd", "quantiles", "optim") and its argument.  Floating point. */
int varlb_faiss_sq_train (float *trained, const char *qtype, const char *rangestat,
                          double rangestat_arg, size_t d, const float *x, size_t n);
int varlb_faiss_sq_encode (uint8_t *codes, const float *trained, const char *qtype,
                           size_t d, const float *x, size_t n);
int varlb_faiss_sq_decode (float *x, const float *trained, const char *qtype,
                           size_t d, const uint8_t *codes, size_t n);

#ifdef __cplusplus
}
#endif
#endif
