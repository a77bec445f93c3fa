/* polar.h -- polar codes for lossy source coding of a binary symmetric
 * source (Korada and Urbanke, "Polar codes are optimal for lossy source
 * coding", IEEE Trans. IT 56(4), 2010), with successive-cancellation list
 * encoding.  Used by ratedist.c; not installed. */
#ifndef VARLB_COMPRESSORS_POLAR_H
#define VARLB_COMPRESSORS_POLAR_H
#include <stddef.h>

/* Where the don't-care positions of a shortened block sit (the block has
   2^m positions, USED of them carry source bits). */
enum cc_polar_puncture {
  CC_POLAR_PUNCTURE_TAIL = 0,     /* the last 2^m - USED positions */
  CC_POLAR_PUNCTURE_REVERSED = 1  /* the first ones in bit-reversed order */
};

/* A code: block length n = 2^m, the USED positions that carry source bits
   (the others are don't-care: their reconstruction is free), and K
   information bits -- the bits the encoder stores.  The frozen bits are
   fixed to zero. */
typedef struct cc_polar_code {
  unsigned m;
  size_t n, used, k;
  unsigned char *frozen;  /* n flags, 1 = frozen (u_i = 0) */
  unsigned char *dontcare;/* n flags, 1 = position carries no source bit */
  size_t *pos;            /* used entries: the block position of source bit j */
} cc_polar_code_t;

/* Design the code for the test channel BSC(DESIGN_D), 0 < DESIGN_D < 1/2:
   the K synthetic channels with the smallest Bhattacharyya parameters
   (computed in the log domain through the BEC-type recursion
   Z- = Z1 + Z2 - Z1 Z2, Z+ = Z1 Z2, don't-care positions starting at Z = 1)
   carry the information bits, the rest are frozen.  Floating point; the
   ranking is deterministic (ties go to the lower index), so compress and
   answer build the same code.  Returns 0, VARLB_EINVAL or VARLB_ENOMEM. */
int cc_polar_code_init (cc_polar_code_t *c, unsigned m, size_t used, size_t k,
                        double design_d, enum cc_polar_puncture p);
void cc_polar_code_clear (cc_polar_code_t *c);

/* The polar transform x = u G of the encoder's indexing, in place on N =
   2^M bits (one per byte).  It is an involution: applied twice it returns
   U, so it also maps a codeword back to its u.  VARLB_ENOMEM when its
   n-byte scratch buffer cannot be allocated. */
int cc_polar_transform (unsigned char *x, unsigned m);

/* SC list encoding of the source bits Y (c->used of them): find u with the
   frozen bits zero whose codeword x = u G is close to Y on the used
   positions, keeping the LIST most likely paths of the test channel
   BSC(CHANNEL_D) (LIST = 1: successive cancellation).  INFO receives the
   c->k information bits of u in increasing index order, DISTORTION (may be
   NULL) the Hamming distance of x to Y.  Floating point (the check-node
   rule with a tabulated correction, within 3e-5 of exact; not min-sum).
   Returns 0 or VARLB_ENOMEM / VARLB_EINVAL. */
int cc_polar_encode (unsigned char *info, size_t *distortion, const cc_polar_code_t *c,
                     const unsigned char *y, double channel_d, size_t list);

/* The reconstruction: the c->used source positions of x = u G, u holding
   INFO on the information set and zeros elsewhere.  Exact (bit operations). */
int cc_polar_reconstruct (unsigned char *xhat, const cc_polar_code_t *c,
                          const unsigned char *info);

#endif
