/* index_var.c -- the main reduction: Index -> VAR KV cache (proofs/reduction.md sec. 3,
 * following Haris-Onak Theorem 6, sec. 2.4, on the VAR pyramid).
 * Alice's tokens are scales 1..K-1: keys are JL vectors, values her bits.
 * Bob fills the last scale's query block with rows C k_i; that scale's keys
 * and values are zero and stay visible (block-causal).  Bit = [output > tau],
 * tau = (1 - eta^2)/2 (1/2 for exact answers). */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include "varlb.h"
#include "progress.h"

int
varlb_params_init (varlb_params_t *p)
{
  memset (p, 0, sizeof *p);
  p->d = 64;
  p->eps = 0.1;
  p->C = 0.0;
  p->eta = 0.0;
  p->jl = VARLB_JL_GAUSSIAN;
  p->norm = VARLB_JL_UNIT;
  p->values = VARLB_VALUES_01;
  p->seed = 1;
  return varlb_pyramid_init_preset (&p->pyramid, 256);
}

void
varlb_params_clear (varlb_params_t *p)
{
  varlb_pyramid_clear (&p->pyramid);
}

int
varlb_params_copy (varlb_params_t *dst, const varlb_params_t *src)
{
  *dst = *src;
  return varlb_pyramid_init_copy (&dst->pyramid, &src->pyramid);
}

int
varlb_params_check (const varlb_params_t *p, char *why, size_t len)
{
#define FAIL(...) do { if (why && len) snprintf (why, len, __VA_ARGS__); return VARLB_EINVAL; } while (0)
  if (p->pyramid.scales < 2)
    FAIL ("the schedule needs at least 2 scales (Alice's scales and Bob's last one)");
  if (p->d < 1 || p->d > VARLB_D_MAX)
    FAIL ("d must be between 1 and %u, got %zu", VARLB_D_MAX, p->d);
  if (!(p->eps > 0.0 && p->eps < 0.5))
    FAIL ("eps must lie in (0, 0.5), got %g", p->eps);
  if (!(p->eta >= 0.0 && p->eta < 1.0))
    FAIL ("eta must lie in [0, 1), got %g", p->eta);
  if (!isfinite (p->C) || p->C < 0.0)
    FAIL ("the query scale C must be a positive finite number, got %g", p->C);
  if (p->norm == VARLB_JL_UNIT && p->C > VARLB_VAR_TEMPERATURE_CAP)
    FAIL ("the query scale C must lie in (0, 100] for VAR-realizable (unit) keys, got %g", p->C);
  if ((unsigned) p->jl > VARLB_JL_ACHLIOPTAS)
    FAIL ("unknown JL family");
  size_t T = varlb_pyramid_token_count (&p->pyramid);
  if (T > (size_t) INT_MAX / p->d)
    FAIL ("T x d = %zu x %zu is too large for BLAS", T, p->d);
  return VARLB_OK;
#undef FAIL
}

double
varlb_params_default_C (const varlb_params_t *p)
{
  size_t T = varlb_pyramid_token_count (&p->pyramid);
  return varlb_params_default_C_M (p, T > 1 ? T - 1 : 1);
}

/* The same for M non-target keys per row (the sequence case has no pyramid). */
double
varlb_params_default_C_M (const varlb_params_t *p, size_t Mtok)
{
  double M = (double) (Mtok > 1 ? Mtok : 1);
  double C = 2.0 * (log (M) + log ((1.0 + p->eta) / (1.0 - p->eta))) / (1.0 - 2.0 * p->eps);
  if (p->norm == VARLB_JL_UNIT && C > VARLB_VAR_TEMPERATURE_CAP)
    C = VARLB_VAR_TEMPERATURE_CAP;
  return C;
}

int
varlb_instance_init (varlb_instance_t *in, const varlb_params_t *p)
{
  return varlb_instance_init_public (in, p, varlb_seed_public (p->seed));
}

/* Any token layout: ALICE tokens with JL keys and bit values followed by
   ZERO tokens with zero keys and values (the sequence case of index_seq.c
   uses alice = n, zero = 1; the pyramid ignores the layout then). */
static int init_layout (varlb_instance_t *in, const varlb_params_t *p, size_t alice,
                        size_t zero, uint64_t public_seed);

int
varlb_instance_init_layout (varlb_instance_t *in, const varlb_params_t *p,
                            size_t alice, size_t zero)
{
  return init_layout (in, p, alice, zero, varlb_seed_public (p->seed));
}

/* A head of a whole model (src/model.c): its public coins come from its own
   public seed, derived from the model's, not from varlb_seed_public. */
int
varlb_instance_init_public (varlb_instance_t *in, const varlb_params_t *p,
                            uint64_t public_seed)
{
  size_t T = varlb_pyramid_token_count (&p->pyramid);
  size_t alice = p->pyramid.scales ? varlb_pyramid_prefix (&p->pyramid, p->pyramid.scales - 1) : 0;
  return init_layout (in, p, alice, T - alice, public_seed);
}

static int
init_layout (varlb_instance_t *in, const varlb_params_t *p, size_t alice, size_t zero,
             uint64_t public_seed)
{
  memset (in, 0, sizeof *in);
  int st = varlb_params_check (p, NULL, 0);
  if (st != VARLB_OK)
    return st;
  if (alice < 1 || alice + zero < 2 || alice + zero > (size_t) INT_MAX / p->d)
    return VARLB_EINVAL;
  st = varlb_params_copy (&in->par, p);
  if (st != VARLB_OK)
    return st;
  in->T = alice + zero;
  in->alice_tokens = alice;
  in->bob_rows = zero;
  in->d = p->d;
  in->N = in->alice_tokens * in->d;
  in->M = in->T - 1;
  in->C = p->C > 0.0 ? p->C : varlb_params_default_C_M (p, in->M);
  /* delta = M e^{C eps} / (M e^{C eps} + e^{C(1-eps)}) = 1 / (1 + e^{C(1-2eps)} / M),
     Delta = 1 - delta (same denominator). */
  double a = in->C * (1.0 - 2.0 * p->eps) - log ((double) in->M);
  in->delta = 1.0 / (1.0 + exp (a));
  in->Delta = 1.0 / (1.0 + exp (-a));
  in->threshold = varlb_decode_threshold (p->values, p->eta);
  varlb_bits_init (&in->x, in->alice_tokens, in->d);
  in->K = calloc (in->T * in->d, sizeof *in->K);
  in->V = calloc (in->T * in->d, sizeof *in->V);
  if (in->K == NULL || in->V == NULL)
    {
      varlb_instance_clear (in);
      return VARLB_ENOMEM;
    }
  in->public_seed = public_seed;
  st = varlb_public_keys (in->K, in->alice_tokens, in->d, p->jl, p->norm, in->public_seed);
  if (st == VARLB_OK)
    st = varlb_bits_random (&in->x, varlb_seed_secret (p->judge_key, p->seed,
                                                       VARLB_STREAM_BITS));
  if (st != VARLB_OK)
    {
      varlb_instance_clear (in);
      return st;
    }
  for (size_t l = 0; l < in->alice_tokens; l++)
    for (size_t j = 0; j < in->d; j++)
      {
        int b = varlb_bits_get (&in->x, l, j);
        in->V[l * in->d + j] = p->values == VARLB_VALUES_PM1 ? (b ? 1.0 : -1.0) : (double) b;
      }
  return VARLB_OK;
}

void
varlb_instance_clear (varlb_instance_t *in)
{
  free (in->K);
  free (in->V);
  in->K = in->V = NULL;
  if (in->x.rows || in->x.cols || in->N)
    varlb_bits_clear (&in->x);
  varlb_params_clear (&in->par);
  in->N = 0;
}

int
varlb_instance_queries (double *Q, const varlb_instance_t *in,
                        const size_t *idx, size_t m)
{
  for (size_t r = 0; r < m; r++)
    {
      if (idx[r] >= in->alice_tokens)
        return VARLB_EINVAL;
      const double *k = in->K + idx[r] * in->d;
      for (size_t j = 0; j < in->d; j++)
        Q[r * in->d + j] = in->C * k[j];
    }
  return VARLB_OK;
}

/* tau* = (1 - eta^2)/2 is the threshold every (1 +- eta) answer survives
   whenever any threshold works: with R the off-target mass ratio of a row
   (w = 1/(1+R)), a 1-bit's answer is >= (1-eta)/(1+R) and a 0-bit's <=
   (1+eta) R/(1+R), which tau separates iff R < (1-eta-tau)/tau and
   R <= tau/(1+eta-tau); both equal (1-eta)/(1+eta) at tau*, the largest R
   any tau allows.  So the gap criterion C g > ln M + ln((1+eta)/(1-eta))
   (varlb_instance_criteria) and the margin (1+eta) delta < (1-eta) Delta
   (the same condition with R = M e^{-C(1-2eps)}) both guarantee decoding
   at tau*, and at eta = 0 it is the paper's 1/2. */
double
varlb_decode_threshold (varlb_values values, double eta)
{
  return values == VARLB_VALUES_PM1 ? 0.0 : 0.5 * (1.0 - eta * eta);
}

int
varlb_instance_decode_value (const varlb_instance_t *in, double o)
{
  return o > in->threshold;
}

void
varlb_decode_report_init (varlb_decode_report_t *r)
{
  memset (r, 0, sizeof *r);
  r->first_wrong_token = (size_t) -1;
  r->min_target_weight = INFINITY;
  r->max_out_zero = -INFINITY;
  r->min_out_one = INFINITY;
}

int
varlb_instance_score (varlb_decode_report_t *r, const varlb_instance_t *in,
                      const size_t *idx, size_t m, const double *O,
                      const double *target_weight, varlb_bits_t *decoded)
{
  const int pm1 = in->par.values == VARLB_VALUES_PM1;
  /* Outputs a correct attention must produce: [lo0, hi0] for a 0 bit,
     [lo1, hi1] for a 1 bit (proofs/reduction.md sec. 3, step 4). */
  const double band = pm1 ? 2.0 * in->Delta - 1.0 : 0.0;
  for (size_t row = 0; row < m; row++)
    {
      if (idx[row] >= in->alice_tokens)
        return VARLB_EINVAL;
      if (target_weight && target_weight[row] < r->min_target_weight)
        r->min_target_weight = target_weight[row];
      for (size_t j = 0; j < in->d; j++)
        {
          double o = O[row * in->d + j];
          int truth = varlb_bits_get (&in->x, idx[row], j);
          int got = isfinite (o) ? varlb_instance_decode_value (in, o) : !truth;
          r->bits++;
          if (decoded)
            varlb_bits_set (decoded, idx[row], j, got);
          if (got == truth)
            r->correct++;
          else if (r->first_wrong_token == (size_t) -1)
            {
              r->first_wrong_token = idx[row];
              r->first_wrong_col = j;
            }
          if (truth)
            {
              if (o < r->min_out_one)
                r->min_out_one = o;
            }
          else if (o > r->max_out_zero)
            r->max_out_zero = o;
          int inside = pm1 ? fabs (o) >= band
                           : (o <= in->delta || o >= in->Delta);
          if (!inside || !isfinite (o))
            r->outside_bounds++;
        }
    }
  return VARLB_OK;
}

/* The criteria from the keys' coherence report C (filled in already). */
static void
criteria_finish (varlb_criteria_t *c, const varlb_instance_t *in)
{
  double e = in->par.eps;
  c->formal_d_needed = 12.0 * log ((double) in->alice_tokens) / (e * e - e * e * e);
  c->formal_holds = (double) in->d >= c->formal_d_needed;
  c->eps_holds = c->coh.eps_emp <= e;
  double eta = in->par.eta;
  c->min_gap_margin = in->C * c->coh.min_gap - log ((double) in->M)
                      - log ((1.0 + eta) / (1.0 - eta));
  c->gap_holds = c->min_gap_margin > 0.0;
  c->delta_below_Delta = (1.0 + eta) * in->delta < (1.0 - eta) * in->Delta;
}

/* The coherence report from the scores C<k_s,k_t> the decode's tiles held
   (varlb_attention_self_stats): the same quantities as varlb_jl_coherence,
   each inner product one rounding further (times C, then divided by C). */
static void
coherence_from_gram (varlb_coherence_t *c, const varlb_gram_stats_t *g,
                     const varlb_instance_t *in)
{
  const size_t n = in->alice_tokens;
  const double C = in->C;
  memset (c, 0, sizeof *c);
  c->min_gap = INFINITY;
  double max_sq = 0.0;
  for (size_t s = 0; s < n; s++)
    {
      double self = g->self[s] / C, best = g->row_max[s] / C;
      if (in->bob_rows > 0 && best < 0.0)
        best = 0.0;
      max_sq = self > max_sq ? self : max_sq;
      double dev = fabs (self - 1.0);
      if (dev > c->max_norm_dev)
        c->max_norm_dev = dev;
      double ab = g->row_absmax[s] / C;
      if (ab > c->max_offdiag)
        {
          c->max_offdiag = ab;
          c->arg_s = s;
          c->arg_t = g->row_absarg[s];
        }
      if (self - best < c->min_gap)
        {
          c->min_gap = self - best;
          c->arg_gap = s;
        }
    }
  c->eps_emp = c->max_offdiag > c->max_norm_dev ? c->max_offdiag : c->max_norm_dev;
  double u = 0x1p-53, k = (double) (in->d + 2);
  c->gram_error = k * u * max_sq / (1.0 - k * u);
}

/* Decode every bit; with C (optional) the criteria too, from the decode's
   own Gram when the symmetric path runs. */
static int
decode_all (varlb_decode_report_t *r, varlb_criteria_t *crit, const varlb_instance_t *in,
            varlb_bits_t *decoded)
{
  varlb_decode_report_init (r);
  size_t n = in->alice_tokens, d = in->d, rows = in->bob_rows;
  double *O = malloc (n * d * sizeof *O);
  double *tw = malloc (n * sizeof *tw);
  size_t *idx = malloc (n * sizeof *idx);
  double *gbuf = crit ? malloc (3 * n * sizeof *gbuf) : NULL;
  size_t *garg = crit ? malloc (n * sizeof *garg) : NULL;
  varlb_gram_stats_t g = { gbuf, gbuf ? gbuf + n : NULL, gbuf ? gbuf + 2 * n : NULL, garg };
  int st = (O && tw && idx && (!crit || (gbuf && garg))) ? VARLB_OK : VARLB_ENOMEM;
  int have_gram = 0;
  for (size_t i = 0; st == VARLB_OK && i < n; i++)
    idx[i] = i;
  /* Bob queries every Alice token, in Multi-Index rounds of bob_rows rows;
     each row attends to all T tokens, Bob's own zero scale included (handled
     exactly without being stored).  All rounds together are the symmetric
     self-attention of C k_s over Alice's keys, computed tile-wise once;
     when the key norms spread too far for its single shift, fall back to
     the per-row-max blocked attention. */
  if (st == VARLB_OK)
    {
      st = varlb_attention_self_stats (O, in->K, in->V, n, rows, d, d, in->C, tw,
                                       crit ? &g : NULL);
      have_gram = st == VARLB_OK && crit != NULL;
      if (st == VARLB_ENUMERIC)
        {
          double *Q = malloc (rows * d * sizeof *Q);
          st = Q ? VARLB_OK : VARLB_ENOMEM;
          for (size_t t0 = 0; st == VARLB_OK && t0 < n; t0 += rows)
            {
              size_t m = n - t0 < rows ? n - t0 : rows;
              varlb_progress_note ("decoding every bit", (double) t0, (double) n);
              st = varlb_instance_queries (Q, in, idx + t0, m);
              if (st == VARLB_OK)
                st = varlb_attention_zero (O + t0 * d, Q, m, in->K, in->V, n,
                                           rows, d, d, idx + t0, tw + t0, NULL);
            }
          free (Q);
        }
    }
  for (size_t t0 = 0; st == VARLB_OK && t0 < n; t0 += rows)
    {
      size_t m = n - t0 < rows ? n - t0 : rows;
      st = varlb_instance_score (r, in, idx + t0, m, O + t0 * d, tw + t0, decoded);
      r->blocks++;
    }
  if (st == VARLB_OK && crit)
    {
      if (have_gram)
        {
          coherence_from_gram (&crit->coh, &g, in);
          criteria_finish (crit, in);
        }
      else
        st = varlb_instance_criteria (crit, in);
    }
  free (O);
  free (tw);
  free (idx);
  free (gbuf);
  free (garg);
  return st;
}

int
varlb_instance_decode_all (varlb_decode_report_t *r, const varlb_instance_t *in,
                           varlb_bits_t *decoded)
{
  return decode_all (r, NULL, in, decoded);
}

int
varlb_instance_decode_criteria (varlb_decode_report_t *r, varlb_criteria_t *c,
                                const varlb_instance_t *in, varlb_bits_t *decoded)
{
  return decode_all (r, c, in, decoded);
}

int
varlb_instance_criteria (varlb_criteria_t *c, const varlb_instance_t *in)
{
  int st = varlb_jl_coherence (&c->coh, NULL, in->K, in->alice_tokens, in->d,
                               in->bob_rows > 0);
  if (st != VARLB_OK)
    return st;
  criteria_finish (c, in);
  return VARLB_OK;
}
