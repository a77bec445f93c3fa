/* lemmas.c -- the lemmas of proofs/reduction.md and proofs/sharpened.md
 * evaluated with certified arithmetic (MPFR, directed rounding): the paper's
 * chain (Haris-Onak Lemma 3 + the margin of paper.md sec. 1.7) and the
 * sharpened chain (sub-Gaussian MGF, Markov + union bound) that covers d = 64. */
#include <config.h>
#include <math.h>
#include <string.h>
#include <mpfr.h>
#include "varlb.h"

#define PREC_START 64
#define PREC_MAX 4096

/* Rounding toward the bound being computed (U) and away from it (D). */
#define UP(dir) ((dir) > 0 ? MPFR_RNDU : MPFR_RNDD)
#define DN(dir) ((dir) > 0 ? MPFR_RNDD : MPFR_RNDU)

/* The decode threshold the instance uses (index_var.c): midway between
   (1+eta) delta and (1-eta) Delta for {0,1} values, 0 for +-1. */
static double
instance_threshold (size_t M, double C, double eps, double eta, varlb_values v)
{
  if (v == VARLB_VALUES_PM1)
    return 0.0;
  double a = C * (1.0 - 2.0 * eps) - log ((double) M);
  double delta = 1.0 / (1.0 + exp (a)), Delta = 1.0 / (1.0 + exp (-a));
  double lo = (1.0 + eta) * delta, hi = (1.0 - eta) * Delta;
  return lo < hi ? 0.5 * (lo + hi) : 0.5;
}

/* r_max, rounded in direction DIR: row i decodes every bit when R_i < r_max.
   The target weight is w = 1/(1+R).  {0,1} values: a 1-bit's output is
   >= w, a 0-bit's <= 1 - w; under a (1 +- eta) answer both survive the
   threshold tau iff R < tau/(1+eta-tau) and R < (1-eta-tau)/tau.
   +-1 values: the output has the bit's sign when R < 1 (any eta < 1). */
static void
r_max_eval (mpfr_t r, double tau, double eta, varlb_values v, int dir)
{
  if (v == VARLB_VALUES_PM1)
    {
      mpfr_set_ui (r, 1, MPFR_RNDN);
      return;
    }
  mpfr_t a, b;
  mpfr_inits2 (mpfr_get_prec (r), a, b, (mpfr_ptr) 0);
  mpfr_set_d (a, 1.0, MPFR_RNDN);
  mpfr_add_d (a, a, eta, DN (dir));
  mpfr_sub_d (a, a, tau, DN (dir));          /* 1 + eta - tau */
  mpfr_d_div (a, tau, a, UP (dir));          /* tau / (1 + eta - tau) */
  mpfr_set_d (b, 1.0, MPFR_RNDN);
  mpfr_sub_d (b, b, eta, UP (dir));
  mpfr_sub_d (b, b, tau, UP (dir));
  mpfr_div_d (b, b, tau, UP (dir));          /* (1 - eta - tau) / tau */
  mpfr_min (r, a, b, MPFR_RNDN);
  mpfr_clears (a, b, (mpfr_ptr) 0);
}

/* E e^{-s |k|^2} for the key's squared norm, in direction DIR; s given as
   an MPFR number already rounded the right way (the result decreases in s).
   Norm-one keys: e^{-s}.  Scaled Gaussian: |k|^2 = chi2_d / d, so
   (1 + 2s/d)^{-d/2} (infinite when 1 + 2s/d <= 0).  Scaled Achlioptas:
   |k|^2 = 3 B / d with B ~ Bin(d, 1/3), so (2/3 + e^{-3s/d}/3)^d. */
static void
norm_mgf (mpfr_t out, mpfr_t s, size_t d, varlb_jl_family f,
          varlb_jl_norm norm, int dir)
{
  mpfr_t t;
  mpfr_init2 (t, mpfr_get_prec (out));
  if (norm == VARLB_JL_UNIT || f == VARLB_JL_RADEMACHER)
    {
      mpfr_neg (t, s, MPFR_RNDN);
      mpfr_exp (out, t, UP (dir));
    }
  else if (f == VARLB_JL_GAUSSIAN)
    {
      mpfr_mul_ui (t, s, 2, DN (dir));
      mpfr_div_ui (t, t, d, DN (dir));
      mpfr_add_ui (t, t, 1, DN (dir));
      if (mpfr_sgn (t) <= 0)
        mpfr_set_inf (out, 1);
      else
        {
          mpfr_t e;
          mpfr_init2 (e, mpfr_get_prec (out));
          mpfr_set_ui (e, d, MPFR_RNDN);
          mpfr_div_si (e, e, -2, MPFR_RNDN); /* exact: -d/2 */
          mpfr_pow (out, t, e, UP (dir));
          mpfr_clear (e);
        }
    }
  else
    {
      mpfr_mul_si (t, s, -3, UP (dir));
      mpfr_div_ui (t, t, d, UP (dir));
      mpfr_exp (t, t, UP (dir));
      mpfr_div_ui (t, t, 3, UP (dir));
      mpfr_t q;
      mpfr_init2 (q, mpfr_get_prec (out));
      mpfr_set_ui (q, 2, MPFR_RNDN);
      mpfr_div_ui (q, q, 3, UP (dir));
      mpfr_add (t, t, q, UP (dir));
      mpfr_pow_ui (out, t, d, UP (dir));
      mpfr_clear (q);
    }
  mpfr_clear (t);
}

/* One evaluation of n E R_i / r_max at precision PREC in direction DIR. */
static void
fail_eval (mpfr_t fail, mpfr_t other, mpfr_t zero, mpfr_t rmax, size_t n,
           size_t z, size_t d, double C, double tau, double eta,
           varlb_jl_family f, varlb_jl_norm norm, varlb_values v, int dir)
{
  mpfr_prec_t prec = mpfr_get_prec (fail);
  mpfr_t s, t;
  mpfr_inits2 (prec, s, t, (mpfr_ptr) 0);
  /* Conditionally on k_i, E e^{C<k_i,k_t>} <= e^{C^2 |k_i|^2/(2d)}, so
     E e^{C(<k_i,k_t> - |k_i|^2)} <= E e^{-s|k_i|^2}, s = C - C^2/(2d). */
  mpfr_set_d (s, C, MPFR_RNDN);
  mpfr_sqr (t, s, UP (dir));
  mpfr_div_ui (t, t, 2 * d, UP (dir));
  mpfr_sub (s, s, t, DN (dir));
  norm_mgf (other, s, d, f, norm, dir);
  mpfr_set_d (s, C, MPFR_RNDN);
  norm_mgf (zero, s, d, f, norm, dir);
  mpfr_mul_ui (t, other, n - 1, UP (dir));
  mpfr_mul_ui (s, zero, z, UP (dir));
  mpfr_add (t, t, s, UP (dir));       /* E R_i */
  mpfr_mul_ui (t, t, n, UP (dir));
  r_max_eval (rmax, tau, eta, v, -dir);
  if (mpfr_sgn (rmax) <= 0)
    mpfr_set_inf (fail, 1);
  else
    mpfr_div (fail, t, rmax, UP (dir));
  mpfr_clears (s, t, (mpfr_ptr) 0);
}

int
varlb_sharp_eval (varlb_sharp_t *s, size_t n, size_t z, size_t d, double C,
                  double eps, double eta, varlb_jl_family f, varlb_jl_norm norm,
                  varlb_values values, double target)
{
  memset (s, 0, sizeof *s);
  if (n < 1 || d < 1 || !(C > 0.0) || !isfinite (C) || !(eps > 0.0 && eps < 0.5)
      || !(eta >= 0.0 && eta < 1.0) || !(target > 0.0))
    return VARLB_EINVAL;
  s->n = n;
  s->z = z;
  s->d = d;
  s->C = C;
  s->eps = eps;
  s->eta = eta;
  s->target = target;
  s->threshold = instance_threshold (n - 1 + z, C, eps, eta, values);
  /* Unit-normalised Achlioptas keys have a data-dependent norm in the
     denominator; the MGF step does not cover them. */
  s->covered = !(f == VARLB_JL_ACHLIOPTAS && norm == VARLB_JL_UNIT);
  s->holds = VARLB_TRI_UNKNOWN;
  if (!s->covered)
    {
      s->fail_lo = s->fail_hi = NAN;
      return VARLB_OK;
    }
  for (mpfr_prec_t prec = PREC_START; prec <= PREC_MAX; prec *= 2)
    {
      mpfr_t fu, fl, ou, zu, rl, tmp1, tmp2;
      mpfr_inits2 (prec, fu, fl, ou, zu, rl, tmp1, tmp2, (mpfr_ptr) 0);
      fail_eval (fu, ou, zu, rl, n, z, d, C, s->threshold, eta, f, norm, values, +1);
      fail_eval (fl, tmp1, tmp2, tmp1, n, z, d, C, s->threshold, eta, f, norm, values, -1);
      s->fail_hi = mpfr_get_d (fu, MPFR_RNDU);
      s->fail_lo = mpfr_get_d (fl, MPFR_RNDD);
      s->other_hi = mpfr_get_d (ou, MPFR_RNDU);
      s->zero_hi = mpfr_get_d (zu, MPFR_RNDU);
      mpfr_mul_ui (ou, ou, n - 1, MPFR_RNDU);
      mpfr_mul_ui (zu, zu, z, MPFR_RNDU);
      mpfr_add (ou, ou, zu, MPFR_RNDU);
      s->row_hi = mpfr_get_d (ou, MPFR_RNDU);
      s->r_max_lo = mpfr_get_d (rl, MPFR_RNDD);
      s->prec = (unsigned long) prec;
      int up_ok = mpfr_cmp_d (fu, target) <= 0;
      int lo_bad = mpfr_cmp_d (fl, target) > 0;
      mpfr_clears (fu, fl, ou, zu, rl, tmp1, tmp2, (mpfr_ptr) 0);
      if (up_ok)
        {
          s->holds = VARLB_TRI_TRUE;
          break;
        }
      if (lo_bad)
        {
          s->holds = VARLB_TRI_FALSE;
          break;
        }
    }
  mpfr_free_cache ();
  return VARLB_OK;
}

/* Floating-point value of the bound, for the search only. */
static double
bound_double (size_t n, size_t z, size_t d, double C, double eps, double eta,
              varlb_jl_family f, varlb_jl_norm norm, varlb_values v)
{
  varlb_sharp_t s;
  if (varlb_sharp_eval (&s, n, z, d, C, eps, eta, f, norm, v, 1e300) != VARLB_OK)
    return INFINITY;
  return s.fail_hi;
}

double
varlb_sharp_best_C (size_t n, size_t z, size_t d, double eps, double eta,
                    varlb_jl_family f, varlb_jl_norm norm, varlb_values values,
                    double c_max)
{
  /* A log-spaced scan, then golden-section refinement around the best
     point; the bound is unimodal in C for these families in practice, and
     whatever C comes out, its bound is certified separately. */
  double best = c_max, bv = INFINITY;
  const int steps = 200;
  for (int i = 0; i <= steps; i++)
    {
      double C = c_max * pow (1e-3, 1.0 - (double) i / steps);
      double b = bound_double (n, z, d, C, eps, eta, f, norm, values);
      if (b < bv)
        {
          bv = b;
          best = C;
        }
    }
  double step = pow (1e3, 1.0 / steps), lo = best / step, hi = best * step;
  if (hi > c_max)
    hi = c_max;
  const double g = 0.5 * (sqrt (5.0) - 1.0);
  for (int it = 0; it < 60; it++)
    {
      double a = hi - g * (hi - lo), b = lo + g * (hi - lo);
      if (bound_double (n, z, d, a, eps, eta, f, norm, values)
          < bound_double (n, z, d, b, eps, eta, f, norm, values))
        hi = b;
      else
        lo = a;
    }
  double c = 0.5 * (lo + hi);
  return bound_double (n, z, d, c, eps, eta, f, norm, values) <= bv ? c : best;
}

varlb_tri
varlb_sharp_mgf_series_check (varlb_jl_family f, varlb_jl_norm norm, size_t d,
                              unsigned terms)
{
  /* Coefficients of x^{2m} (exact rationals compared by cross-multiplying):
     Gaussian: equality, nothing to check.
     Rademacher: 1/(2m)! <= 1/(2^m m!).
     Achlioptas: 2/3 + cosh(sqrt3 x)/3 has 3^{m-1}/(2m)! (m >= 1) <= 1/(2^m m!).
     Unit sphere, u = <k_i,k_t> uniform: E e^{lambda u} = 0F1(; d/2; lambda^2/4)
     has (1/4)^m / (m! (d/2)_m) <= (1/(2d))^m / m!, i.e. (d/2)_m >= (d/2)^m,
     checked as prod_{j<m} (d + 2j) >= d^m. */
  if (f == VARLB_JL_ACHLIOPTAS && norm == VARLB_JL_UNIT)
    return VARLB_TRI_UNKNOWN;
  if (f == VARLB_JL_GAUSSIAN && norm == VARLB_JL_SCALED)
    return VARLB_TRI_TRUE;
  mpz_t lhs, rhs, fact2m, factm, p2, p3, poch, dm;
  mpz_inits (lhs, rhs, fact2m, factm, p2, p3, poch, dm, NULL);
  varlb_tri ok = VARLB_TRI_TRUE;
  for (unsigned m = 1; m <= terms && ok == VARLB_TRI_TRUE; m++)
    {
      mpz_fac_ui (fact2m, 2 * m);
      mpz_fac_ui (factm, m);
      mpz_ui_pow_ui (p2, 2, m);
      if (f == VARLB_JL_GAUSSIAN) /* unit Gaussian keys: uniform on the sphere */
        {
          mpz_set_ui (poch, 1);
          for (unsigned j = 0; j < m; j++)
            mpz_mul_ui (poch, poch, d + 2 * j);
          mpz_ui_pow_ui (dm, d, m);
          if (mpz_cmp (poch, dm) < 0)
            ok = VARLB_TRI_FALSE;
        }
      else
        {
          /* coefficient a/(2m)! <= 1/(2^m m!)  <=>  a 2^m m! <= (2m)! */
          if (f == VARLB_JL_ACHLIOPTAS)
            mpz_ui_pow_ui (p3, 3, m - 1);
          else
            mpz_set_ui (p3, 1);
          mpz_mul (lhs, p3, p2);
          mpz_mul (lhs, lhs, factm);
          if (mpz_cmp (lhs, fact2m) > 0)
            ok = VARLB_TRI_FALSE;
        }
    }
  mpz_clears (lhs, rhs, fact2m, factm, p2, p3, poch, dm, NULL);
  return ok;
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
          if (dir > 0)
            c->d_needed_hi = mpfr_get_d (a, MPFR_RNDU);
          else
            c->d_needed_lo = mpfr_get_d (a, MPFR_RNDD);
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
          if (dir > 0)
            c->margin_hi = mpfr_get_d (a, MPFR_RNDU);
          else
            c->margin_lo = mpfr_get_d (a, MPFR_RNDD);
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
