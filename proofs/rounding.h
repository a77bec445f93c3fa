/* rounding.h -- the certified evaluations' precision ladder and directed
 * rounding (lemmas.c, paper_chain.c): private to proofs/, never installed. */
#ifndef VARLB_PROOFS_ROUNDING_H
#define VARLB_PROOFS_ROUNDING_H

#define PREC_START 64
#define PREC_MAX 4096

/* Rounding toward the bound being computed (U) and away from it (D). */
#define UP(dir) ((dir) > 0 ? MPFR_RNDU : MPFR_RNDD)
#define DN(dir) ((dir) > 0 ? MPFR_RNDD : MPFR_RNDU)

#endif
