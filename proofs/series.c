/* series.c -- the exact (GMP) checks behind proofs/sharpened.md: that each
 * key family's MGF series is dominated term by term by the sub-Gaussian one,
 * and that the unit Achlioptas weights of lemmas.c form a probability law.
 * Integers and rationals only: no rounding, nothing floating point. */
#include <config.h>
#include <stdlib.h>
#include "varlb.h"

/* The weights of unit_achlioptas_other form a probability law: their sum
   over b >= 1, x + y >= 1 is (3^d - 2^d)^2, checked in exact integers. */
static varlb_tri
unit_achlioptas_weights_check (size_t d)
{
  mpz_t sum, w, wb, want;
  mpz_t *u = malloc ((d + 1) * sizeof *u), *v = malloc ((d + 1) * sizeof *v);
  if (!u || !v)
    {
      free (u), free (v);
      return VARLB_TRI_UNKNOWN;
    }
  mpz_inits (sum, w, wb, want, NULL);
  for (size_t j = 0; j <= d; j++)
    mpz_inits (u[j], v[j], NULL);
  for (size_t b = 1; b <= d; b++)
    {
      size_t r = d - b;
      for (size_t x = 0; x <= b; x++)
        {
          mpz_bin_uiui (u[x], b, x);
          mpz_mul_2exp (u[x], u[x], b - x);
        }
      for (size_t y = 0; y <= r; y++)
        {
          mpz_bin_uiui (v[y], r, y);
          mpz_mul_2exp (v[y], v[y], r - y);
        }
      mpz_set_ui (wb, 0);
      for (size_t x = 0; x <= b; x++)
        for (size_t y = x == 0; y <= r; y++)
          mpz_addmul (wb, u[x], v[y]);
      mpz_bin_uiui (w, d, b);
      mpz_mul_2exp (w, w, r);
      mpz_addmul (sum, wb, w);
    }
  mpz_ui_pow_ui (want, 3, d);
  mpz_ui_pow_ui (w, 2, d);
  mpz_sub (want, want, w);
  mpz_mul (want, want, want);
  varlb_tri ok = mpz_cmp (sum, want) == 0 ? VARLB_TRI_TRUE : VARLB_TRI_FALSE;
  for (size_t j = 0; j <= d; j++)
    mpz_clears (u[j], v[j], NULL);
  free (u);
  free (v);
  mpz_clears (sum, w, wb, want, NULL);
  return ok;
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
    return unit_achlioptas_weights_check (d);
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
