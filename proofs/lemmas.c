/* lemmas.c -- the sharpened chain of proofs/sharpened.md evaluated with
 * certified arithmetic (MPFR, directed rounding): sub-Gaussian MGF, or an
 * exact sum for unit Achlioptas keys; Markov + union bound; it covers d = 64.
 * The paper's chain is paper_chain.c's, the exact series checks series.c's. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <mpfr.h>
#include "varlb.h"
#include "rounding.h"

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

/* Unit-normalised Achlioptas keys (src/jl.c): k = sigma/sqrt(b) on a
   support S of size b >= 1 (each coordinate in S w.p. 1/3, an empty S
   redrawn), with independent uniform signs sigma.  Given b = |S_i|,
   x = |S_i n S_t| and y = |S_t \ S_i|, <k_i,k_t> is a sum of x independent
   signs over sqrt(b(x+y)), so E[e^{C<k_i,k_t>} | b,x,y] = cosh(C/sqrt(b(x+y)))^x
   and, the three support sizes being binomial (renormalised for redraws),
     E e^{C<k_i,k_t>} = sum_{b>=1, x+y>=1} W(b,x,y) cosh(C/sqrt(b(x+y)))^x / (3^d - 2^d)^2,
     W = binom(d,b) 2^{d-b} binom(b,x) 2^{b-x} binom(d-b,y) 2^{d-b-y}.
   An exact expectation, not a bound (proofs/sharpened.md, S2').  OUT gets
   e^{-C} times it, i.e. E e^{C(<k_i,k_t> - |k_i|^2)}; every term is
   positive, so rounding each operation in direction DIR rounds the sum so.
   O(d^3) terms. */
static void
unit_achlioptas_other (mpfr_t out, double C, size_t d, int dir)
{
  mpfr_prec_t prec = mpfr_get_prec (out);
  mpfr_t *ch = malloc ((d + 1) * sizeof *ch), *u = malloc ((d + 1) * sizeof *u),
         *v = malloc ((d + 1) * sizeof *v);
  if (!ch || !u || !v) /* out of memory: the trivial enclosure [0, inf] */
    {
      if (dir > 0)
        mpfr_set_inf (out, 1);
      else
        mpfr_set_zero (out, 1);
      free (ch), free (u), free (v);
      return;
    }
  mpz_t wb, w, ints, t;
  mpfr_t acc, inner, pw, term;
  mpz_inits (wb, w, ints, t, NULL);
  mpfr_inits2 (prec, acc, inner, pw, term, (mpfr_ptr) 0);
  for (size_t j = 0; j <= d; j++)
    mpfr_inits2 (prec, ch[j], u[j], v[j], (mpfr_ptr) 0);
  mpfr_set_zero (acc, 1);
  for (size_t b = 1; b <= d; b++)
    {
      size_t r = d - b;
      mpz_bin_uiui (wb, d, b);
      mpz_mul_2exp (wb, wb, r);
      for (size_t x = 1; x <= b; x++) /* binom(b,x) 2^{b-x} */
        {
          mpz_bin_uiui (w, b, x);
          mpz_mul_2exp (w, w, b - x);
          mpfr_set_z (u[x], w, UP (dir));
        }
      for (size_t y = 0; y <= r; y++) /* binom(r,y) 2^{r-y} */
        {
          mpz_bin_uiui (w, r, y);
          mpz_mul_2exp (w, w, r - y);
          mpfr_set_z (v[y], w, UP (dir));
        }
      /* x = 0: the factor is 1, and sum_{y>=1} v_y = 3^r - 2^r, exactly. */
      mpz_ui_pow_ui (w, 3, r);
      mpz_ui_pow_ui (t, 2, r);
      mpz_sub (w, w, t);
      mpz_mul_2exp (w, w, b);
      mpz_addmul (ints, w, wb);
      mpfr_set_zero (inner, 1);
      for (size_t sz = 1; sz <= d; sz++) /* |S_t| = x + y */
        {
          mpfr_set_ui (term, b * sz, MPFR_RNDN); /* exact below 2^prec */
          mpfr_sqrt (term, term, DN (dir));
          mpfr_d_div (term, C, term, UP (dir));
          mpfr_cosh (ch[sz], term, UP (dir));
          mpfr_set_ui (pw, 1, MPFR_RNDN);
          size_t xmax = sz < b ? sz : b;
          for (size_t x = 1; x <= xmax; x++)
            {
              mpfr_mul (pw, pw, ch[sz], UP (dir)); /* cosh(...)^x */
              if (sz - x > r)
                continue;
              mpfr_mul (term, u[x], v[sz - x], UP (dir));
              mpfr_mul (term, term, pw, UP (dir));
              mpfr_add (inner, inner, term, UP (dir));
            }
        }
      mpfr_mul_z (inner, inner, wb, UP (dir));
      mpfr_add (acc, acc, inner, UP (dir));
    }
  mpfr_add_z (acc, acc, ints, UP (dir));
  mpz_ui_pow_ui (w, 3, d);
  mpz_ui_pow_ui (t, 2, d);
  mpz_sub (w, w, t);
  mpz_mul (w, w, w);
  mpfr_div_z (acc, acc, w, UP (dir));
  mpfr_set_d (term, -C, MPFR_RNDN);
  mpfr_exp (term, term, UP (dir));
  mpfr_mul (out, acc, term, UP (dir));
  for (size_t j = 0; j <= d; j++)
    mpfr_clears (ch[j], u[j], v[j], (mpfr_ptr) 0);
  free (ch);
  free (u);
  free (v);
  mpz_clears (wb, w, ints, t, NULL);
  mpfr_clears (acc, inner, pw, term, (mpfr_ptr) 0);
}

/* The same sum in double precision, for the search over C only: the
   binomial laws by their ratio recurrences (no overflow: d is at most
   VARLB_SHARP_EXACT_D_MAX, and (1/3)^d stays a normal double), the powers
   of cosh by repeated products. */
static double
unit_achlioptas_other_double (double C, size_t d)
{
  double *pb = malloc ((d + 1) * 3 * sizeof *pb);
  if (pb == NULL)
    return INFINITY;
  double *px = pb + d + 1, *py = px + d + 1;
  double sum = 0.0, z = 1.0 - pow (2.0 / 3.0, (double) d);
  /* P[k] for k ~ Bin(m, 1/3): P[0] = (2/3)^m, P[k+1] = P[k] (m-k)/(2(k+1)) */
#define BINOMIAL_THIRD(P, m)                                         \
  do                                                                 \
    {                                                                \
      (P)[0] = pow (2.0 / 3.0, (double) (m));                        \
      for (size_t k_ = 0; k_ < (m); k_++)                            \
        (P)[k_ + 1] = (P)[k_] * (double) ((m) - k_) / (2.0 * (k_ + 1)); \
    }                                                                \
  while (0)
  BINOMIAL_THIRD (pb, d);
  for (size_t b = 1; b <= d; b++)
    {
      size_t r = d - b;
      BINOMIAL_THIRD (px, b);
      BINOMIAL_THIRD (py, r);
      double inner = px[0] * (1.0 - py[0]); /* x = 0, y >= 1: factor 1 */
      for (size_t sz = 1; sz <= d; sz++)
        {
          double c = cosh (C / sqrt ((double) (b * sz))), pw = 1.0;
          size_t xmax = sz < b ? sz : b;
          for (size_t x = 1; x <= xmax; x++)
            {
              pw *= c;
              if (sz - x <= r)
                inner += px[x] * py[sz - x] * pw;
            }
        }
      sum += pb[b] * inner;
    }
#undef BINOMIAL_THIRD
  free (pb);
  return sum / (z * z) * exp (-C);
}

/* Unit Gaussian keys are uniform on the sphere: <k_i,k_t> has the law of
   one coordinate u of a uniform unit vector, whatever k_i, and
   E e^{C u} = 0F1(; d/2; C^2/4) = sum_m a_m, a_m = (C^2/4)^m / (m! (d/2)_m)
   (E u^{2m} = (1/2)_m / (d/2)_m, (2m)! = 4^m m! (1/2)_m).  An exact
   expectation (proofs/sharpened.md, S2''), enclosed here in MPFR: the terms
   are positive, so the partial sum rounded down is a lower bound; after the
   last term a_M, the ratio a_{m+1}/a_m = (C^2/4)/((m+1)(d/2+m)) is at most
   rho = that ratio at m = M < 1 and falls with m, so the tail is at most
   a_{M+1}/(1 - rho), added rounded up.  OUT gets e^{-C} times the sum.
   Returns 0, or -1 when the series would need more than UNIT_GAUSS_TERMS
   terms (huge C; the caller falls back to the sub-Gaussian bound). */
#define UNIT_GAUSS_TERMS 200000
static int
unit_gaussian_other (mpfr_t out, double C, size_t d, int dir)
{
  mpfr_prec_t prec = mpfr_get_prec (out);
  mpfr_t q, a, sum, r, den;
  mpfr_inits2 (prec, q, a, sum, r, den, (mpfr_ptr) 0);
  int ok = -1;
  /* q = C^2/4 in direction DIR (every term increases with q). */
  mpfr_set_d (q, C, MPFR_RNDN);
  mpfr_sqr (q, q, UP (dir));
  mpfr_div_2ui (q, q, 2, UP (dir));
  mpfr_set_ui (a, 1, MPFR_RNDN);
  mpfr_set_ui (sum, 1, MPFR_RNDN);
  for (unsigned long m = 0; m < UNIT_GAUSS_TERMS; m++)
    {
      /* den = (m+1)(d/2 + m) = (m+1)(d + 2m)/2, exact at prec >= 64 for
         these sizes; a_{m+1} = a_m q / den in direction DIR. */
      mpfr_set_ui (den, m + 1, MPFR_RNDN);
      mpfr_mul_ui (den, den, (unsigned long) d + 2 * m, DN (dir));
      mpfr_div_2ui (den, den, 1, DN (dir));
      mpfr_mul (a, a, q, UP (dir));
      mpfr_div (a, a, den, UP (dir));
      /* rho = q / den at m + 1 on: the next ratio, an upper bound on all
         later ones (computed rounded up whatever DIR: it bounds the tail). */
      mpfr_set_ui (r, m + 2, MPFR_RNDN);
      mpfr_mul_ui (r, r, (unsigned long) d + 2 * m + 2, MPFR_RNDD);
      mpfr_div_2ui (r, r, 1, MPFR_RNDD);
      mpfr_div (r, q, r, MPFR_RNDU);
      mpfr_add (sum, sum, a, UP (dir));
      /* Stop once a_{m+1} is below 2^-(prec+8) of the sum and rho <= 1/2. */
      if (mpfr_cmp_ui_2exp (r, 1, -1) <= 0
          && mpfr_get_exp (a) < mpfr_get_exp (sum) - (mpfr_exp_t) prec - 8)
        {
          if (dir > 0)
            {
              /* tail <= a_{m+1} rho / (1 - rho) <= 2 a_{m+1} (rho <= 1/2) */
              mpfr_mul_2ui (r, a, 1, MPFR_RNDU);
              mpfr_add (sum, sum, r, MPFR_RNDU);
            }
          ok = 0;
          break;
        }
    }
  if (ok == 0)
    {
      mpfr_set_d (r, -C, MPFR_RNDN);
      mpfr_exp (r, r, UP (dir));
      mpfr_mul (out, sum, r, UP (dir));
    }
  mpfr_clears (q, a, sum, r, den, (mpfr_ptr) 0);
  return ok;
}

/* The same in double precision (searches only): terms by their ratio
   recurrence scaled by e^{-C} from the start; NaN when C is too large for
   the series to be summed in double (the caller uses the bound). */
static double
unit_gaussian_other_double (double C, size_t d)
{
  if (!(C < 700.0))
    return NAN;
  double q = 0.25 * C * C, a = exp (-C), sum = a;
  for (unsigned long m = 0; m < UNIT_GAUSS_TERMS; m++)
    {
      double den = (double) (m + 1) * (0.5 * (double) d + (double) m);
      a *= q / den;
      sum += a;
      if (q / den < 0.5 && a < 1e-18 * sum)
        return sum;
    }
  return NAN;
}

/* One evaluation of n E R_i / r_max at precision PREC in direction DIR;
   FAST: the unit-Achlioptas sum in double precision (not certified). */
static void
fail_eval (mpfr_t fail, mpfr_t other, mpfr_t zero, mpfr_t rmax, size_t n,
           size_t z, size_t d, double C, double tau, double eta,
           varlb_jl_family f, varlb_jl_norm norm, varlb_values v, int dir, int fast)
{
  mpfr_prec_t prec = mpfr_get_prec (fail);
  mpfr_t s, t;
  mpfr_inits2 (prec, s, t, (mpfr_ptr) 0);
  int exact = 0;
  if (f == VARLB_JL_ACHLIOPTAS && norm == VARLB_JL_UNIT)
    {
      if (fast)
        mpfr_set_d (other, unit_achlioptas_other_double (C, d), MPFR_RNDN);
      else
        unit_achlioptas_other (other, C, d, dir);
      exact = 1;
    }
  else if (f == VARLB_JL_GAUSSIAN && norm == VARLB_JL_UNIT)
    {
      if (fast)
        {
          double o = unit_gaussian_other_double (C, d);
          exact = !isnan (o);
          if (exact)
            mpfr_set_d (other, o, MPFR_RNDN);
        }
      else
        exact = unit_gaussian_other (other, C, d, dir) == 0;
    }
  if (!exact)
    {
      /* Conditionally on k_i, E e^{C<k_i,k_t>} <= e^{C^2 |k_i|^2/(2d)}, so
         E e^{C(<k_i,k_t> - |k_i|^2)} <= E e^{-s|k_i|^2}, s = C - C^2/(2d). */
      mpfr_set_d (s, C, MPFR_RNDN);
      mpfr_sqr (t, s, UP (dir));
      mpfr_div_ui (t, t, 2 * d, UP (dir));
      mpfr_sub (s, s, t, DN (dir));
      norm_mgf (other, s, d, f, norm, dir);
    }
  mpfr_set_d (s, C, MPFR_RNDN);
  norm_mgf (zero, s, d, f, norm, dir);
  /* (n - 1) other + z zero; a count of 0 contributes 0 even when the
     bound is infinite (0 x Inf would be NaN). */
  if (n > 1)
    mpfr_mul_ui (t, other, n - 1, UP (dir));
  else
    mpfr_set_zero (t, 1);
  if (z > 0)
    {
      mpfr_mul_ui (s, zero, z, UP (dir));
      mpfr_add (t, t, s, UP (dir));   /* E R_i */
    }
  mpfr_mul_ui (t, t, n, UP (dir));
  r_max_eval (rmax, tau, eta, v, -dir);
  if (mpfr_sgn (rmax) <= 0)
    mpfr_set_inf (fail, 1);
  else
    mpfr_div (fail, t, rmax, UP (dir));
  mpfr_clears (s, t, (mpfr_ptr) 0);
}

static int
sharp_eval (varlb_sharp_t *s, size_t n, size_t z, size_t d, double C, double eps,
            double eta, varlb_jl_family f, varlb_jl_norm norm, varlb_values values,
            double target, int fast)
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
  s->threshold = varlb_decode_threshold (values, eta);
  /* Every family; unit Achlioptas through its exact sum, up to the d at
     which its O(d^3) terms stay affordable. */
  s->covered = !(f == VARLB_JL_ACHLIOPTAS && norm == VARLB_JL_UNIT && d > VARLB_SHARP_EXACT_D_MAX);
  s->holds = VARLB_TRI_UNKNOWN;
  if (!s->covered)
    {
      mpfr_t r;
      mpfr_init2 (r, PREC_START);
      r_max_eval (r, s->threshold, eta, values, -1);
      s->r_max_lo = mpfr_get_d (r, MPFR_RNDD);
      mpfr_clear (r);
      s->fail_lo = s->fail_hi = s->other_hi = s->row_hi = NAN;
      return VARLB_OK;
    }
  for (mpfr_prec_t prec = PREC_START; prec <= PREC_MAX; prec *= 2)
    {
      mpfr_t fu, fl, ou, zu, rl, tmp1, tmp2;
      mpfr_inits2 (prec, fu, fl, ou, zu, rl, tmp1, tmp2, (mpfr_ptr) 0);
      fail_eval (fu, ou, zu, rl, n, z, d, C, s->threshold, eta, f, norm, values, +1, fast);
      if (fast)
        mpfr_set (fl, fu, MPFR_RNDN);
      else
        fail_eval (fl, tmp1, tmp2, tmp1, n, z, d, C, s->threshold, eta, f, norm, values, -1, 0);
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
      /* A NaN enclosure decides nothing (mpfr_cmp_d would call it equal). */
      int up_ok = !mpfr_nan_p (fu) && mpfr_cmp_d (fu, target) <= 0;
      int lo_bad = !mpfr_nan_p (fl) && mpfr_cmp_d (fl, target) > 0;
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

int
varlb_sharp_eval (varlb_sharp_t *s, size_t n, size_t z, size_t d, double C,
                  double eps, double eta, varlb_jl_family f, varlb_jl_norm norm,
                  varlb_values values, double target)
{
  return sharp_eval (s, n, z, d, C, eps, eta, f, norm, values, target, 0);
}

double
varlb_sharp_bound_fast (size_t n, size_t z, size_t d, double C, double eps, double eta,
                        varlb_jl_family f, varlb_jl_norm norm, varlb_values v)
{
  varlb_sharp_t s;
  if (sharp_eval (&s, n, z, d, C, eps, eta, f, norm, v, 1e300, 1) != VARLB_OK || !s.covered)
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
  /* Unit Achlioptas bounds cost O(d^3) each: a coarser scan. */
  const int steps = f == VARLB_JL_ACHLIOPTAS && norm == VARLB_JL_UNIT ? 40 : 200;
  for (int i = 0; i <= steps; i++)
    {
      double C = c_max * pow (1e-3, 1.0 - (double) i / steps);
      double b = varlb_sharp_bound_fast (n, z, d, C, eps, eta, f, norm, values);
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
  double a = hi - g * (hi - lo), b = lo + g * (hi - lo);
  double fa = varlb_sharp_bound_fast (n, z, d, a, eps, eta, f, norm, values);
  double fb = varlb_sharp_bound_fast (n, z, d, b, eps, eta, f, norm, values);
  for (int it = 0; it < 60; it++) /* one new evaluation per step */
    if (fa < fb)
      {
        hi = b, b = a, fb = fa;
        a = hi - g * (hi - lo);
        fa = varlb_sharp_bound_fast (n, z, d, a, eps, eta, f, norm, values);
      }
    else
      {
        lo = a, a = b, fa = fb;
        b = lo + g * (hi - lo);
        fb = varlb_sharp_bound_fast (n, z, d, b, eps, eta, f, norm, values);
      }
  double c = 0.5 * (lo + hi);
  return varlb_sharp_bound_fast (n, z, d, c, eps, eta, f, norm, values) <= bv ? c : best;
}
