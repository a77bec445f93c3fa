/* test_variants.c -- the reduction's variants: (1 +- eta)-approximate
 * attention (the adversarial perturbation decodes up to the measured edge,
 * which is at least the margin's eta*, and fails just beyond it; the channel's
 * judge rule), the sequence case (n tokens + one zero-key Bob token: decoding
 * collapses for d = o(log n) and is exact at d = 64; Corollary 9's padded
 * instance hides e^{Theta(d)} keys, capped by the stream), and sparsity (a public
 * window is kept exactly with s d bits, a secret pattern with its indices
 * too, near the pigeonhole bound; the dense instance has sparse
 * attention yet keeping s tokens fails, Corollary 16). */
#include "testutil.h"
#include <math.h>
#include <string.h>

static void
params_schedule (varlb_params_t *p, const char *sched, size_t d)
{
  varlb_params_init (p);
  varlb_pyramid_clear (&p->pyramid);
  ck_assert_int_eq (varlb_pyramid_init_parse (&p->pyramid, sched), VARLB_OK);
  p->d = d;
}

/* Exact (floating) outputs of every Alice row, full cache. */
static double *
all_outputs (const varlb_instance_t *in, size_t **idx_out)
{
  size_t n = in->alice_tokens, d = in->d;
  double *O = malloc (n * d * sizeof *O), *Q = malloc (n * d * sizeof *Q);
  size_t *idx = malloc (n * sizeof *idx);
  ck_assert (O && Q && idx);
  for (size_t i = 0; i < n; i++)
    idx[i] = i;
  ck_assert_int_eq (varlb_instance_queries (Q, in, idx, n), VARLB_OK);
  ck_assert_int_eq (varlb_attention_zero (O, Q, n, in->K, in->V, in->alice_tokens,
                                          in->bob_rows, d, d, NULL, NULL, NULL), VARLB_OK);
  free (Q);
  *idx_out = idx;
  return O;
}

static size_t
count_correct (const varlb_instance_t *in, const size_t *idx, size_t m, const double *O)
{
  varlb_decode_report_t r;
  varlb_decode_report_init (&r);
  ck_assert_int_eq (varlb_instance_score (&r, in, idx, m, O, NULL, NULL), VARLB_OK);
  return r.correct;
}

/* An instance for the approximate-attention tests: P's parameters (set by
   the caller: params_schedule and more), every Alice row's exact output O
   (all_outputs, rows IDX), and P a perturbed copy of O. */
typedef struct approx {
  varlb_params_t p;
  varlb_instance_t in;
  size_t n, d, *idx;
  double *O, *P;
} approx_t;

static void
approx_init (approx_t *a)
{
  ck_assert_int_eq (varlb_instance_init (&a->in, &a->p), VARLB_OK);
  a->n = a->in.alice_tokens;
  a->d = a->in.d;
  a->O = all_outputs (&a->in, &a->idx);
  a->P = malloc (a->n * a->d * sizeof *a->P);
  ck_assert (a->P != NULL);
}

static void
approx_clear (approx_t *a)
{
  free (a->O);
  free (a->P);
  free (a->idx);
  varlb_instance_clear (&a->in);
  varlb_params_clear (&a->p);
}

/* The correct bits of the exact outputs moved adversarially by ETA (into
   A's P, varlb_approx_perturb asserted to succeed). */
static size_t
perturbed_correct (approx_t *a, double eta)
{
  memcpy (a->P, a->O, a->n * a->d * sizeof *a->P);
  ck_assert_int_eq (varlb_approx_perturb (a->P, &a->in, a->idx, a->n, eta), VARLB_OK);
  return count_correct (&a->in, a->idx, a->n, a->P);
}

START_TEST (approx_adversary_decodes_inside_the_edge_and_fails_beyond)
{
  approx_t a;
  params_schedule (&a.p, "1,2,3,4", 2048);
  a.p.eps = 0.2;
  a.p.eta = 0.3;
  approx_init (&a);
  size_t nd = a.n * a.d;
  varlb_decode_report_t r;
  varlb_decode_report_init (&r);
  ck_assert_int_eq (varlb_instance_score (&r, &a.in, a.idx, a.n, a.O, NULL, NULL), VARLB_OK);
  /* Precondition of the paper's lemma: JL holds here, outputs in bounds. */
  ck_assert_uint_eq (r.outside_bounds, 0);
  double eta_star = varlb_approx_eta_max (&a.in);
  ck_assert (eta_star > a.p.eta);
  double edge = varlb_approx_edge (&a.in, a.idx, a.n, a.O);
  /* The lemma: outputs within [0,delta] U [Delta,1] survive any eta < eta*
     with the instance's threshold, so the measured edge is at least p.eta. */
  ck_assert_msg (edge >= a.p.eta, "edge %g below eta %g", edge, a.p.eta);
  double etas[] = { a.p.eta, edge * (1 - 1e-9) };
  for (int k = 0; k < 2; k++)
    {
      ck_assert_uint_eq (perturbed_correct (&a, etas[k]), nd);
      ck_assert_uint_eq (varlb_approx_violations (a.O, a.P, nd, etas[k]), 0);
    }
  ck_assert_uint_lt (perturbed_correct (&a, fmin (edge * (1 + 1e-6), 0.999)), nd);
  /* The judge: a perturbation of size eta is outside a tighter promise. */
  ck_assert_uint_gt (varlb_approx_violations (a.O, a.P, nd, 0.5 * edge), 0);
  approx_clear (&a);
}
END_TEST

START_TEST (approx_eta_max_matches_the_margin_condition)
{
  varlb_params_t p;
  varlb_instance_t in;
  params_schedule (&p, "1,2,3,4", 8);
  p.C = 10.0;
  ck_assert_int_eq (varlb_instance_init (&in, &p), VARLB_OK);
  double e = varlb_approx_eta_max (&in);
  double a = 10.0 * (1 - 2 * p.eps) - log ((double) in.M);
  /* (1+eta) delta < (1-eta) Delta  <=>  ln((1+eta)/(1-eta)) < a */
  ck_assert (fabs (log ((1 + e) / (1 - e)) - a) < 1e-12);
  in.C = 0.5 * log ((double) in.M);
  ck_assert (varlb_approx_eta_max (&in) == 0.0);
  varlb_instance_clear (&in);
  varlb_params_clear (&p);
}
END_TEST

START_TEST (gap_criterion_guarantees_decoding_of_every_eta_answer_at_its_edge)
{
  /* The edge: schedule 1,64 (one Alice key, 4096 zero keys, M =
     4096), eta = 0.1, C = 8.5285: C g - ln M - ln((1+eta)/(1-eta)) = 0.010 >
     0, so the gap criterion promises that every (1 +- eta) answer decodes.
     The worst admissible answer (1-bits moved down by eta, 0-bits up) must
     then decode all 64 bits: with the threshold (1 - eta^2)/2 it does (a
     midpoint or 1/2 would lose every 1-bit: (1 - eta) w = 0.497 < 1/2). */
  approx_t a;
  varlb_criteria_t c;
  params_schedule (&a.p, "1,64", 64);
  a.p.eta = 0.1;
  a.p.C = 8.5285;
  approx_init (&a);
  ck_assert_int_eq (varlb_instance_criteria (&c, &a.in), VARLB_OK);
  ck_assert (c.gap_holds);
  ck_assert (c.min_gap_margin < 0.011);
  size_t nd = a.n * a.d;
  ck_assert_uint_eq (count_correct (&a.in, a.idx, a.n, a.O), nd);
  ck_assert_uint_eq (perturbed_correct (&a, a.p.eta), nd);
  /* Just past the criterion's eta the 1-bits go. */
  ck_assert_uint_lt (perturbed_correct (&a, 0.12), nd);
  approx_clear (&a);
}
END_TEST

START_TEST (decode_threshold_is_one_minus_eta_squared_over_two)
{
  /* The rule stated in the README and proofs/sharpened.md S1: bit =
     [o > (1 - eta^2)/2] for {0,1} values (1/2 for exact answers), [o > 0]
     for +-1 values; the instance carries it whatever C and eps are. */
  const double etas[] = { 0.0, 0.1, 0.3, 0.9 };
  for (int k = 0; k < 4; k++)
    {
      ck_assert_double_eq (varlb_decode_threshold (VARLB_VALUES_01, etas[k]),
                           0.5 * (1.0 - etas[k] * etas[k]));
      ck_assert_double_eq (varlb_decode_threshold (VARLB_VALUES_PM1, etas[k]), 0.0);
      varlb_params_t p;
      varlb_instance_t in;
      params_schedule (&p, "1,2,3", 4);
      p.eta = etas[k];
      p.C = 3.0 + k;
      ck_assert_int_eq (varlb_instance_init (&in, &p), VARLB_OK);
      ck_assert_double_eq (in.threshold, 0.5 * (1.0 - etas[k] * etas[k]));
      ck_assert_int_eq (varlb_instance_decode_value (&in, in.threshold), 0);
      ck_assert_int_eq (varlb_instance_decode_value (&in, nextafter (in.threshold, 1.0)), 1);
      varlb_instance_clear (&in);
      varlb_params_clear (&p);
    }
  ck_assert_double_eq (varlb_decode_threshold (VARLB_VALUES_01, 0.0), 0.5);
}
END_TEST

static double
seq_accuracy (size_t n, size_t d, uint64_t seed)
{
  varlb_params_t p;
  varlb_instance_t in;
  varlb_decode_report_t r;
  varlb_params_init (&p);
  p.d = d;
  p.seed = seed;
  ck_assert_int_eq (varlb_seq_instance_init (&in, &p, n), VARLB_OK);
  ck_assert_uint_eq (in.T, n + 1);
  ck_assert_uint_eq (in.bob_rows, 1);
  ck_assert_uint_eq (in.M, n);
  ck_assert (fabs (in.C - 2 * log ((double) n) / 0.8) < 1e-9);
  for (size_t j = 0; j < d; j++)
    ck_assert (in.K[n * d + j] == 0.0 && in.V[n * d + j] == 0.0);
  ck_assert_int_eq (varlb_instance_decode_all (&r, &in, NULL), VARLB_OK);
  ck_assert_uint_eq (r.bits, n * d);
  varlb_instance_clear (&in);
  varlb_params_clear (&p);
  return (double) r.correct / (double) r.bits;
}

START_TEST (sequence_case_fails_below_log_n_and_decodes_at_64)
{
  const size_t n = 4096; /* ln n = 8.3 */
  double acc[7];
  size_t dims[7] = { 1, 2, 4, 8, 16, 32, 64 };
  for (int k = 0; k < 7; k++)
    acc[k] = seq_accuracy (n, dims[k], 7);
  ck_assert_msg (acc[0] < 0.75 && acc[1] < 0.9, "d = 1, 2 decode %g, %g", acc[0], acc[1]);
  ck_assert_msg (acc[6] == 1.0, "d = 64 decodes %g", acc[6]);
  for (int k = 1; k < 7; k++)
    ck_assert_msg (acc[k] >= acc[k - 1] - 0.01, "not a transition: d=%zu %g < d=%zu %g",
                   dims[k], acc[k], dims[k - 1], acc[k - 1]);
}
END_TEST

/* Corollary 9's instance: KEYS JL keys and bit values, zero padding to the
   stream, Bob's token; N = keys d, M = stream. */
START_TEST (lowdim_instance_pads_the_stream_with_zero_tokens)
{
  varlb_params_t p;
  varlb_instance_t in;
  varlb_params_init (&p);
  p.d = 6;
  ck_assert_int_eq (varlb_lowdim_instance_init (&in, &p, 1000, 40), VARLB_OK);
  ck_assert_uint_eq (in.T, 1001);
  ck_assert_uint_eq (in.alice_tokens, 40);
  ck_assert_uint_eq (in.N, 240);
  ck_assert_uint_eq (in.M, 1000);
  for (size_t t = 40; t < in.T; t++)
    for (size_t j = 0; j < p.d; j++)
      ck_assert (in.K[t * p.d + j] == 0.0 && in.V[t * p.d + j] == 0.0);
  varlb_instance_clear (&in);
  ck_assert_int_eq (varlb_lowdim_instance_init (&in, &p, 1000, 1001), VARLB_EINVAL);
  ck_assert_int_eq (varlb_lowdim_instance_init (&in, &p, 1000, 0), VARLB_EINVAL);
  varlb_params_clear (&p);
}
END_TEST

static size_t
lowdim_median_capacity (size_t stream, size_t d, size_t caps[3])
{
  varlb_params_t p;
  varlb_params_init (&p);
  p.d = d;
  for (uint64_t seed = 1; seed <= 3; seed++)
    {
      p.seed = seed;
      ck_assert_int_eq (varlb_lowdim_capacity (&caps[seed - 1], &p, stream), VARLB_OK);
    }
  varlb_params_clear (&p);
  size_t a = caps[0], b = caps[1], c = caps[2];
  return a > b ? (b > c ? b : a > c ? c : a) : (a > c ? a : b > c ? c : b);
}

START_TEST (lowdim_capacity_grows_exponentially_then_saturates)
{
  /* Below log n (ln 4096 = 8.3) dimension d hides only e^{Theta(d)} keys:
     the median capacity (3 seeds) at least doubles with every 2 more
     dimensions from d = 2 to 8, stays far below the stream at d = 2 and 4,
     and equals the stream at d = 16 for every seed (min(n, e^{Theta(d)})). */
  const size_t stream = 4096;
  size_t caps[3], prev = 0;
  for (size_t d = 2; d <= 8; d += 2)
    {
      size_t m = lowdim_median_capacity (stream, d, caps);
      ck_assert_msg (m >= 1 && m >= 2 * prev, "d = %zu: median capacity %zu after %zu", d, m,
                     prev);
      if (d <= 4)
        ck_assert_msg (m < 64, "d = %zu: capacity %zu is not small", d, m);
      prev = m;
    }
  lowdim_median_capacity (stream, 16, caps);
  for (int s = 0; s < 3; s++)
    ck_assert_uint_eq (caps[s], stream);
  /* Four times the capacity no longer decodes every bit (d = 4, seed 1). */
  varlb_params_t p;
  varlb_instance_t in;
  varlb_decode_report_t r;
  varlb_params_init (&p);
  p.d = 4;
  size_t cap;
  ck_assert_int_eq (varlb_lowdim_capacity (&cap, &p, stream), VARLB_OK);
  ck_assert_int_eq (varlb_lowdim_instance_init (&in, &p, stream, 4 * cap), VARLB_OK);
  ck_assert_int_eq (varlb_instance_decode_all (&r, &in, NULL), VARLB_OK);
  ck_assert_msg (r.correct < r.bits, "4 x capacity %zu decodes every bit", cap);
  varlb_instance_clear (&in);
  varlb_params_clear (&p);
}
END_TEST

/* The default instance (default parameters), an empty blob and a report
   for the sparsity tests. */
typedef struct sparse {
  varlb_params_t p;
  varlb_instance_t in;
  varlb_decode_report_t r;
  varlb_blob_t b;
} sparse_t;

static void
sparse_init (sparse_t *x)
{
  varlb_params_init (&x->p);
  ck_assert_int_eq (varlb_instance_init (&x->in, &x->p), VARLB_OK);
  varlb_blob_init (&x->b);
}

static void
sparse_clear (sparse_t *x)
{
  varlb_blob_clear (&x->b);
  varlb_instance_clear (&x->in);
  varlb_params_clear (&x->p);
}

START_TEST (sparse_public_window_kept_exactly_with_s_d_bits)
{
  sparse_t x;
  const size_t s = 16;
  size_t pos[16];
  /* positions first from a throwaway instance (same pyramid) */
  sparse_init (&x);
  ck_assert_int_eq (varlb_sparse_window (pos, &x.in, s), VARLB_OK);
  varlb_instance_clear (&x.in);
  ck_assert_int_eq (varlb_sparse_instance_init (&x.in, &x.p, pos, s), VARLB_OK);
  ck_assert_int_eq (varlb_sparse_keep (&x.b, &x.in, pos, s), VARLB_OK);
  ck_assert_uint_eq (8 * x.b.len, s * x.in.d);
  ck_assert (8.0 * x.b.len < 0.1 * (double) x.in.N);
  ck_assert_int_eq (varlb_sparse_decode (&x.r, &x.in, pos, s, x.b.data, x.b.len), VARLB_OK);
  ck_assert_uint_eq (x.r.correct, x.in.N);
  /* A truncated blob is refused, not misread. */
  ck_assert_int_eq (varlb_sparse_decode (&x.r, &x.in, pos, s, x.b.data, x.b.len - 1),
                    VARLB_EFORMAT);
  sparse_clear (&x);
}
END_TEST

START_TEST (sparse_secret_pattern_kept_with_its_indices)
{
  /* Secret positions: distinct, increasing, in range, from Alice's own
     stream (not the public window); the index-keeping compressor charges
     32 + s (ceil(log2 n) + d) bits, at least the pigeonhole bound and at
     most 32 + s log2(e s) above it, and decodes every bit; the window's
     s d bits lose some; malformed blobs are refused. */
  sparse_t x;
  const size_t s = 16;
  size_t pos[16], win[16];
  sparse_init (&x);
  const size_t n = x.in.alice_tokens, d = x.in.d;
  ck_assert_int_eq (varlb_sparse_secret_positions (pos, &x.in, s), VARLB_OK);
  ck_assert_int_eq (varlb_sparse_window (win, &x.in, s), VARLB_OK);
  ck_assert_int_eq (varlb_sparse_secret_positions (pos, &x.in, n + 1), VARLB_EINVAL);
  varlb_instance_clear (&x.in);
  for (size_t k = 0; k < s; k++)
    ck_assert (pos[k] < n && (k == 0 || pos[k] > pos[k - 1]));
  ck_assert (pos[0] != win[0]);
  ck_assert_int_eq (varlb_sparse_instance_init (&x.in, &x.p, pos, s), VARLB_OK);
  ck_assert_int_eq (varlb_sparse_secret_keep (&x.b, &x.in), VARLB_OK);
  ck_assert_uint_eq (x.b.len, (32 + s * (9 + d) + 7) / 8); /* 2^9 >= n = 424 */
  double H = varlb_sparse_secret_lower_bound (n, s, d);
  ck_assert (8.0 * x.b.len >= H);
  ck_assert (8.0 * x.b.len <= H + 32 + s * log2 (M_E * s) + 8);
  ck_assert_int_eq (varlb_sparse_secret_decode (&x.r, &x.in, x.b.data, x.b.len), VARLB_OK);
  ck_assert_uint_eq (x.r.correct, x.in.N);
  /* Malformed: short, a count above what the length holds, an index out of
     range, indices out of order. */
  ck_assert_int_eq (varlb_sparse_secret_decode (&x.r, &x.in, x.b.data, x.b.len - 1),
                    VARLB_EFORMAT);
  unsigned char *bad = malloc (x.b.len);
  memcpy (bad, x.b.data, x.b.len);
  bad[0] = (unsigned char) (s + 1);
  ck_assert_int_eq (varlb_sparse_secret_decode (&x.r, &x.in, bad, x.b.len), VARLB_EFORMAT);
  memcpy (bad, x.b.data, x.b.len);
  bad[4] |= 0xff, bad[5] |= 0x01; /* first index = 511 >= n */
  ck_assert_int_eq (varlb_sparse_secret_decode (&x.r, &x.in, bad, x.b.len), VARLB_EFORMAT);
  free (bad);
  /* Two entries, indices 5 then 3 (bit-packed, LSB first: count, then 9
     index bits and 64 value bits each). */
  unsigned char two[(32 + 2 * (9 + 64) + 7) / 8] = { 2 };
  two[4] = 5;                      /* bits 32..40: first index 5 */
  two[(32 + 73) / 8] |= (unsigned char) (3u << ((32 + 73) % 8)); /* second index 3 */
  ck_assert_int_eq (varlb_sparse_secret_decode (&x.r, &x.in, two, sizeof two), VARLB_EFORMAT);
  two[(32 + 73) / 8] |= (unsigned char) (6u << ((32 + 73) % 8)); /* 3 | 6 = 7 > 5 */
  ck_assert_int_eq (varlb_sparse_secret_decode (&x.r, &x.in, two, sizeof two), VARLB_OK);
  varlb_blob_clear (&x.b);
  /* The public window's s d bits do not say where the pattern is. */
  varlb_blob_init (&x.b);
  ck_assert_int_eq (varlb_sparse_keep (&x.b, &x.in, win, s), VARLB_OK);
  ck_assert (8.0 * x.b.len < H);
  ck_assert_int_eq (varlb_sparse_decode (&x.r, &x.in, win, s, x.b.data, x.b.len), VARLB_OK);
  ck_assert_uint_lt (x.r.correct, x.r.bits);
  sparse_clear (&x);
}
END_TEST

START_TEST (sparse_attention_unstructured_keeping_s_tokens_fails)
{
  sparse_t x;
  const size_t s = 16;
  size_t pos[16];
  sparse_init (&x);
  double frac;
  ck_assert_int_eq (varlb_sparse_attention_fraction (&frac, &x.in, 1e-3), VARLB_OK);
  /* Corollary 16's premise: almost every attention weight is ~0. */
  ck_assert_msg (frac >= 0.99, "near-zero fraction %g", frac);
  ck_assert_int_eq (varlb_sparse_window (pos, &x.in, s), VARLB_OK);
  ck_assert_int_eq (varlb_sparse_keep (&x.b, &x.in, pos, s), VARLB_OK);
  ck_assert_int_eq (varlb_sparse_decode (&x.r, &x.in, pos, s, x.b.data, x.b.len), VARLB_OK);
  double acc = (double) x.r.correct / (double) x.r.bits;
  double kept = (double) (s * x.in.d) / (double) x.in.N;
  /* kept bits right, the rest a coin flip: about kept + (1 - kept)/2 */
  ck_assert_msg (fabs (acc - (kept + 0.5 * (1 - kept))) < 0.02, "accuracy %g", acc);
  sparse_clear (&x);
}
END_TEST

TEST_MAIN ("variants", s)
{
  TCase *tc = test_case (s, "variants", 600);
  ADD_TEST (tc, approx_adversary_decodes_inside_the_edge_and_fails_beyond);
  ADD_TEST (tc, approx_eta_max_matches_the_margin_condition);
  ADD_TEST (tc, gap_criterion_guarantees_decoding_of_every_eta_answer_at_its_edge);
  ADD_TEST (tc, decode_threshold_is_one_minus_eta_squared_over_two);
  ADD_TEST (tc, sequence_case_fails_below_log_n_and_decodes_at_64);
  ADD_TEST (tc, lowdim_instance_pads_the_stream_with_zero_tokens);
  ADD_TEST (tc, lowdim_capacity_grows_exponentially_then_saturates);
  ADD_TEST (tc, sparse_public_window_kept_exactly_with_s_d_bits);
  ADD_TEST (tc, sparse_secret_pattern_kept_with_its_indices);
  ADD_TEST (tc, sparse_attention_unstructured_keeping_s_tokens_fails);
}
