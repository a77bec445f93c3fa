/* approx.c -- (1 +- eta)-approximate attention (proofs/variants.md sec. 1;
 * sec. 2.5, Haris-Onak Theorem 8): the margin condition
 * C(1-2eps) > ln M + ln((1+eta)/(1-eta)), the worst-case perturbation (0-bits
 * pushed up, 1-bits down) and the rule a channel judges an approximate
 * compressor by. */
#include <config.h>
#include <math.h>
#include "varlb.h"

double
varlb_approx_eta_max (const varlb_instance_t *in)
{
  /* (1+eta)/(1-eta) < e^a  <=>  eta < tanh(a/2), a = C(1-2eps) - ln M. */
  double a = in->C * (1.0 - 2.0 * in->par.eps) - log ((double) in->M);
  return a > 0.0 ? tanh (0.5 * a) : 0.0;
}

int
varlb_approx_perturb (double *O, const varlb_instance_t *in, const size_t *idx,
                      size_t m, double eta)
{
  if (!(eta >= 0.0 && eta < 1.0))
    return VARLB_EINVAL;
  for (size_t r = 0; r < m; r++)
    {
      if (idx[r] >= in->alice_tokens)
        return VARLB_EINVAL;
      for (size_t j = 0; j < in->d; j++)
        {
          double *o = O + r * in->d + j;
          int bit = varlb_bits_get (&in->x, idx[r], j);
          *o += bit ? -eta * fabs (*o) : eta * fabs (*o);
        }
    }
  return VARLB_OK;
}

size_t
varlb_approx_violations (const double *exact, const double *est, size_t count,
                         double eta)
{
  size_t bad = 0;
  for (size_t k = 0; k < count; k++)
    {
      double o = exact[k], a = fabs (o);
      double slack = 1e-12 * a + 1e-300;
      if (!isfinite (est[k]) || est[k] < o - eta * a - slack
          || est[k] > o + eta * a + slack)
        bad++;
    }
  return bad;
}

double
varlb_approx_edge (const varlb_instance_t *in, const size_t *idx, size_t m,
                   const double *O)
{
  /* A 1-bit with output o > tau survives (1 - eta) o > tau iff
     eta < 1 - tau/o; a 0-bit with o <= tau survives (1 + eta) o <= tau iff
     eta <= tau/o - 1 (any eta when o <= 0 and tau >= 0). */
  double tau = in->threshold, edge = INFINITY;
  for (size_t r = 0; r < m; r++)
    for (size_t j = 0; j < in->d; j++)
      {
        double o = O[r * in->d + j], e;
        int bit = varlb_bits_get (&in->x, idx[r], j);
        if (bit != varlb_instance_decode_value (in, o))
          return 0.0;
        if (bit)
          e = o > 0.0 ? 1.0 - tau / o : INFINITY;
        else
          e = o > 0.0 ? tau / o - 1.0 : o < 0.0 && tau < 0.0 ? 1.0 - tau / o : INFINITY;
        if (e < edge)
          edge = e;
      }
  return edge;
}
