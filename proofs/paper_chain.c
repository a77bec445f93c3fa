/* paper_chain.c -- the paper's chain (Haris-Onak Lemma 3 + the margin of
 * proofs/reduction.md sec. 4) evaluated with certified arithmetic (MPFR, directed
 * rounding): the dimension it needs, its margin, the JL failure bound.
 * The sharpened chain is lemmas.c's. */
#include <config.h>
#include <string.h>
#include <mpfr.h>
#include "varlb.h"
#include "rounding.h"

/* A bound computed rounding toward DIR: kept as a double rounded the same
   way, the upper end when DIR > 0, the lower one otherwise. */
static void
store_bound (double *lo, double *hi, mpfr_srcptr a, int dir)
{
  if (dir > 0)
    *hi = mpfr_get_d (a, MPFR_RNDU);
  else
    *lo = mpfr_get_d (a, MPFR_RNDD);
}

int
varlb_paper_chain_eval (varlb_paper_chain_t *c, size_t n, size_t M, size_t d,
                        double C, double eps, double eta)
{
  memset (c, 0, sizeof *c);
  if (n < 2 || M < 1 || !(eps > 0.0 && eps < 0.5) || !(eta >= 0.0 && eta < 1.0)
      || !(C > 0.0))
    return VARLB_EINVAL;
  c->d_holds = c->margin_holds = c->success_holds = VARLB_TRI_UNKNOWN;
  for (mpfr_prec_t prec = PREC_START; prec <= PREC_MAX; prec *= 2)
    {
      mpfr_t a, b, e;
      mpfr_inits2 (prec, a, b, e, (mpfr_ptr) 0);
      for (int dir = -1; dir <= 1; dir += 2)
        {
          /* 12 ln n / (eps^2 - eps^3) */
          mpfr_set_d (e, eps, MPFR_RNDN);
          mpfr_sqr (b, e, DN (dir));
          mpfr_pow_ui (e, e, 3, UP (dir));
          mpfr_sub (b, b, e, DN (dir));
          mpfr_set_ui (a, n, MPFR_RNDN);
          mpfr_log (a, a, UP (dir));
          mpfr_mul_ui (a, a, 12, UP (dir));
          mpfr_div (a, a, b, UP (dir));
          store_bound (&c->d_needed_lo, &c->d_needed_hi, a, dir);
          /* C(1-2eps) - ln M - ln((1+eta)/(1-eta)) */
          mpfr_set_d (a, 1.0, MPFR_RNDN);
          mpfr_set_d (e, eps, MPFR_RNDN);
          mpfr_mul_2ui (e, e, 1, MPFR_RNDN);
          mpfr_sub (a, a, e, UP (dir));
          mpfr_mul_d (a, a, C, UP (dir));
          mpfr_set_ui (b, M, MPFR_RNDN);
          mpfr_log (b, b, DN (dir));
          mpfr_sub (a, a, b, UP (dir));
          mpfr_set_d (b, 1.0, MPFR_RNDN);
          mpfr_add_d (b, b, eta, DN (dir));
          mpfr_set_d (e, 1.0, MPFR_RNDN);
          mpfr_sub_d (e, e, eta, UP (dir));
          mpfr_div (b, b, e, DN (dir));
          mpfr_log (b, b, DN (dir));
          mpfr_sub (a, a, b, UP (dir));
          store_bound (&c->margin_lo, &c->margin_hi, a, dir);
        }
      /* 4/n upper bound, and 9/10 - 4/n > 2/3 <=> 4/n < 7/30 <=> n > 120/7 */
      mpfr_set_ui (a, 4, MPFR_RNDN);
      mpfr_div_ui (a, a, n, MPFR_RNDU);
      c->jl_fail_hi = mpfr_get_d (a, MPFR_RNDU);
      mpfr_clears (a, b, e, (mpfr_ptr) 0);
      if ((double) d >= c->d_needed_hi)
        c->d_holds = VARLB_TRI_TRUE;
      else if ((double) d < c->d_needed_lo)
        c->d_holds = VARLB_TRI_FALSE;
      if (c->margin_lo > 0.0)
        c->margin_holds = VARLB_TRI_TRUE;
      else if (c->margin_hi <= 0.0)
        c->margin_holds = VARLB_TRI_FALSE;
      if (c->d_holds != VARLB_TRI_UNKNOWN && c->margin_holds != VARLB_TRI_UNKNOWN)
        break;
    }
  /* Exact rational comparison: 7n > 120. */
  c->success_holds = 7 * n > 120 ? VARLB_TRI_TRUE : VARLB_TRI_FALSE;
  mpfr_free_cache ();
  return VARLB_OK;
}
