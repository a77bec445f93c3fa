/* test_ratedist.c -- the achievability compressor (src/compressors/
 * ratedist.c) and its polar code (polar.c): the transform against its
 * matrix definition, the list encoder's codeword against the decoder's
 * reconstruction, the issue's accuracy targets on the default instance,
 * the blob's exact layout, and an answer half that needs nothing but the
 * blob, the public seed, the queries and the pyramid. */
#include "testutil.h"
#include <math.h>
#include <string.h>
#include "compressors/polar.h"

static const varlb_compressor_t *
ratedist (void)
{
  const varlb_compressor_t *c = varlb_compressor_find ("ratedist");
  ck_assert (c != NULL);
  return c;
}

static void
instance_with (varlb_instance_t *in, uint64_t seed, varlb_jl_family f, varlb_jl_norm norm,
               varlb_values values)
{
  varlb_params_t p;
  ck_assert_int_eq (varlb_params_init (&p), VARLB_OK);
  p.seed = seed, p.jl = f, p.norm = norm, p.values = values;
  ck_assert_int_eq (varlb_instance_init (in, &p), VARLB_OK);
  varlb_params_clear (&p);
}

static void
instance (varlb_instance_t *in, uint64_t seed)
{
  instance_with (in, seed, VARLB_JL_GAUSSIAN, VARLB_JL_UNIT, VARLB_VALUES_01);
}

/* Bob's queries for the first M Alice tokens (IDX[r] = r). */
static double *
queries (size_t **idx, const varlb_instance_t *in, size_t m)
{
  double *Q = malloc (m * in->d * sizeof *Q);
  *idx = malloc (m * sizeof **idx);
  ck_assert (Q && *idx);
  for (size_t i = 0; i < m; i++)
    (*idx)[i] = i;
  ck_assert_int_eq (varlb_instance_queries (Q, in, *idx, m), VARLB_OK);
  return Q;
}

static void
compress (varlb_blob_t *b, const varlb_instance_t *in, double budget, const char *knob_text)
{
  ck_assert_int_eq (test_compress (b, ratedist (), in, in->K, in->V, budget, knob_text, 0),
                    VARLB_OK);
}

/* Correct bits over every Alice token of the answer to BLOB. */
static size_t
correct_bits (const varlb_instance_t *in, const varlb_blob_t *b, const char *knob_text)
{
  varlb_knobs_t k;
  test_knobs (&k, ratedist (), knob_text, 0);
  size_t *idx, m = in->alice_tokens;
  double *Q = queries (&idx, in, m), *O = malloc (m * in->d * sizeof *O);
  ck_assert (O != NULL);
  ck_assert_int_eq (ratedist ()->answer (O, b->data, b->len, in->public_seed, Q, m, in->d,
                                         in->d, &k, &in->par.pyramid), VARLB_OK);
  varlb_decode_report_t r;
  varlb_decode_report_init (&r);
  ck_assert_int_eq (varlb_instance_score (&r, in, idx, m, O, NULL, NULL), VARLB_OK);
  free (Q), free (O), free (idx);
  varlb_knobs_clear (&k);
  return r.correct;
}

/* ------------------------------------------------------------ polar code */

static size_t
bit_reverse (size_t i, unsigned m)
{
  size_t r = 0;
  for (unsigned b = 0; b < m; b++)
    r |= ((i >> b) & 1u) << (m - 1 - b);
  return r;
}

START_TEST (polar_transform_is_u_times_kronecker_power_bit_reversed_and_an_involution)
{
  /* x = u F^{(x)m} B with F = [1 0; 1 1] and B the bit reversal: x_j is
     the sum of u_i over the i whose bits include those of rev(j). */
  gsl_rng *r = varlb_rng_new (7, VARLB_STREAM_USER);
  for (unsigned m = 1; m <= 9; m++)
    {
      size_t n = (size_t) 1 << m;
      unsigned char *u = malloc (n), *x = malloc (n);
      for (int trial = 0; trial < 4; trial++)
        {
          for (size_t i = 0; i < n; i++)
            x[i] = u[i] = (unsigned char) gsl_rng_uniform_int (r, 2);
          ck_assert_int_eq (cc_polar_transform (x, m), VARLB_OK);
          for (size_t j = 0; j < n; j++)
            {
              unsigned char s = 0;
              for (size_t i = 0; i < n; i++)
                s ^= (bit_reverse (j, m) & ~i) == 0 ? u[i] : 0;
              ck_assert_msg (x[j] == s, "m = %u, x_%zu", m, j);
            }
          ck_assert_int_eq (cc_polar_transform (x, m), VARLB_OK);
          ck_assert (memcmp (x, u, n) == 0);
        }
      free (u), free (x);
    }
  gsl_rng_free (r);
}
END_TEST

START_TEST (polar_design_has_k_information_bits_and_the_asked_dont_care_positions)
{
  cc_polar_code_t c;
  ck_assert_int_eq (cc_polar_code_init (&c, 10, 700, 300, 0.2, CC_POLAR_PUNCTURE_TAIL), VARLB_OK);
  size_t info = 0, dc = 0;
  for (size_t i = 0; i < c.n; i++)
    info += !c.frozen[i], dc += c.dontcare[i];
  ck_assert_uint_eq (info, 300);
  ck_assert_uint_eq (dc, 1024 - 700);
  for (size_t j = 0; j < 700; j++)
    ck_assert_uint_eq (c.pos[j], j); /* tail: the first 700 positions carry bits */
  cc_polar_code_clear (&c);
  ck_assert_int_eq (cc_polar_code_init (&c, 10, 700, 300, 0.2, CC_POLAR_PUNCTURE_REVERSED),
                    VARLB_OK);
  for (size_t i = 0; i < c.n; i++)
    ck_assert_int_eq (c.dontcare[i], bit_reverse (i, 10) < 1024 - 700);
  /* A don't-care position x_j makes u_j's channel useless whenever only
     don't-care positions follow it in the butterfly: with the first
     quarter (bit-reversed) missing, u_0 is frozen. */
  ck_assert_int_eq (c.frozen[0], 1);
  cc_polar_code_clear (&c);
  /* Half the positions don't-care (the even ones, bit-reversed first
     half): every u_i with i < n/2 only sees pairs (don't-care, bit) through
     its check node, a useless channel; the K information bits must all sit
     in the upper half, which is a full code of length n/2. */
  ck_assert_int_eq (cc_polar_code_init (&c, 10, 512, 256, 0.11, CC_POLAR_PUNCTURE_REVERSED),
                    VARLB_OK);
  for (size_t i = 0; i < 512; i++)
    {
      ck_assert_int_eq (c.dontcare[2 * i], 1);
      ck_assert_msg (c.frozen[i], "u_%zu (a useless channel) carries information", i);
    }
  cc_polar_code_clear (&c);
  ck_assert_int_eq (cc_polar_code_init (&c, 4, 17, 3, 0.2, 0), VARLB_EINVAL);
  ck_assert_int_eq (cc_polar_code_init (&c, 4, 16, 17, 0.2, 0), VARLB_EINVAL);
  ck_assert_int_eq (cc_polar_code_init (&c, 4, 16, 3, 0.5, 0), VARLB_EINVAL);
}
END_TEST

START_TEST (list_encoder_codeword_is_the_reconstruction_and_lists_help)
{
  /* The distortion the encoder reports is the Hamming distance of what the
     decoder rebuilds from the stored bits (so frozen bits really are 0 and
     the layer-0 partial sums are u G); a list of 8 beats SC on 4 sources
     at rate 1/2, n = 2^12, and both stay within 0.03 of D(1/2) = 0.110. */
  gsl_rng *r = varlb_rng_new (11, VARLB_STREAM_USER);
  cc_polar_code_t c;
  size_t n = 4096, used = 3500, k = used / 2;
  ck_assert_int_eq (cc_polar_code_init (&c, 12, used, k, 0.11, CC_POLAR_PUNCTURE_REVERSED),
                    VARLB_OK);
  unsigned char *y = malloc (n), *info = malloc (k), *xhat = malloc (n);
  size_t total[2] = { 0, 0 };
  for (int trial = 0; trial < 4; trial++)
    {
      for (size_t j = 0; j < used; j++)
        y[j] = (unsigned char) gsl_rng_uniform_int (r, 2);
      for (int l = 0; l < 2; l++)
        {
          size_t dist, check = 0;
          ck_assert_int_eq (cc_polar_encode (info, &dist, &c, y, 0.11, l ? 8 : 1), VARLB_OK);
          ck_assert_int_eq (cc_polar_reconstruct (xhat, &c, info), VARLB_OK);
          for (size_t j = 0; j < used; j++)
            check += xhat[j] != y[j];
          ck_assert_uint_eq (dist, check);
          ck_assert_msg ((double) dist / used < 0.14, "list %d: distortion %g", l ? 8 : 1,
                         (double) dist / used);
          total[l] += dist;
        }
    }
  ck_assert_msg (total[1] < total[0], "list 8: %zu wrong bits, SC: %zu", total[1], total[0]);
  free (y), free (info), free (xhat);
  cc_polar_code_clear (&c);
  gsl_rng_free (r);
  ck_assert_int_eq (cc_polar_encode (NULL, NULL, &c, NULL, 0.11, 0), VARLB_EINVAL);
}
END_TEST

START_TEST (exhaustive_list_encoder_finds_the_closest_codeword)
{
  /* With a list as large as the codebook (2^K paths) nothing is pruned, so
     the encoder is the minimum-distance quantizer: its distortion equals
     the brute-force minimum over all 2^K information vectors, for a full
     code (16 of 16 positions) and a shortened one (13 of 16). */
  gsl_rng *r = varlb_rng_new (13, VARLB_STREAM_USER);
  const size_t used[] = { 16, 13 };
  for (int u = 0; u < 2; u++)
    {
      cc_polar_code_t c;
      size_t K = 4;
      ck_assert_int_eq (cc_polar_code_init (&c, 4, used[u], K, 0.2, CC_POLAR_PUNCTURE_REVERSED),
                        VARLB_OK);
      unsigned char y[16], info[4], xhat[16];
      for (int trial = 0; trial < 20; trial++)
        {
          for (size_t j = 0; j < used[u]; j++)
            y[j] = (unsigned char) gsl_rng_uniform_int (r, 2);
          size_t best = SIZE_MAX, got;
          for (unsigned v = 0; v < (1u << K); v++)
            {
              for (size_t i = 0; i < K; i++)
                info[i] = (v >> i) & 1u;
              ck_assert_int_eq (cc_polar_reconstruct (xhat, &c, info), VARLB_OK);
              size_t dist = 0;
              for (size_t j = 0; j < used[u]; j++)
                dist += xhat[j] != y[j];
              best = dist < best ? dist : best;
            }
          ck_assert_int_eq (cc_polar_encode (info, &got, &c, y, 0.2, 1u << K), VARLB_OK);
          ck_assert_msg (got == best, "used %zu, trial %d: distortion %zu, closest codeword %zu",
                         used[u], trial, got, best);
        }
      cc_polar_code_clear (&c);
    }
  gsl_rng_free (r);
}
END_TEST

/* ----------------------------------------------------- the compressor */

START_TEST (ratedist_meets_the_issue_targets_on_the_default_instance)
{
  /* Issue 11's table (256px, d = 64, N = 27136), seeds 1 (the CLI's
     default) and 20261123: accuracy at least the target, at most the Fano
     ceiling of the bits charged, and at B = N/2 an efficiency >= 0.9. */
  const double ratio[] = { 0.10, 0.25, 0.50, 0.75 };
  const double target[] = { 0.660, 0.765, 0.870, 0.945 };
  const uint64_t seeds[] = { 1, 20261123 };
  for (int s = 0; s < 2; s++)
    {
      varlb_instance_t in;
      instance (&in, seeds[s]);
      ck_assert_uint_eq (in.N, 27136);
      for (int i = 0; i < 4; i++)
        {
          varlb_blob_t b;
          double budget = ratio[i] * (double) in.N;
          compress (&b, &in, budget, "");
          double charged = 8.0 * (double) b.len;
          size_t ok = correct_bits (&in, &b, "");
          double acc = (double) ok / (double) in.N;
          double ceil = varlb_fano_ceiling (charged, (double) in.N);
          ck_assert_msg (acc >= target[i], "seed %llu, B/N = %g: accuracy %.4f below %.3f",
                         (unsigned long long) seeds[s], ratio[i], acc, target[i]);
          ck_assert_msg (acc <= ceil, "seed %llu, B/N = %g: accuracy %.4f above the ceiling %.4f",
                         (unsigned long long) seeds[s], ratio[i], acc, ceil);
          ck_assert_str_eq (varlb_verdict (ok, in.N, charged, (double) in.N), VARLB_VERDICT_FAILS);
          if (ratio[i] == 0.5)
            {
              double eff = varlb_efficiency (acc, charged, (double) in.N);
              ck_assert_msg (eff >= 0.9, "efficiency %.4f at B = N/2", eff);
            }
          varlb_blob_clear (&b);
        }
      varlb_instance_clear (&in);
    }
}
END_TEST

static size_t
read_bits (const unsigned char *p, size_t at, unsigned n)
{
  size_t v = 0;
  for (unsigned i = 0; i < n; i++)
    v |= (size_t) ((p[(at + i) / 8] >> ((at + i) % 8)) & 1u) << i;
  return v;
}

START_TEST (blob_is_the_header_then_k_information_bits_filling_the_budget)
{
  /* Default instance: values {0,1} (code 0), Gaussian (0) unit (1) keys,
     T from the pyramid (flag 0), then K in bitlength(27136) = 15 bits:
     21 header bits.  K = every bit of the whole bytes the budget holds. */
  varlb_instance_t in;
  instance (&in, 1);
  const double budgets[] = { 2713.6, 6784, 13571, 20352.9, 27136 + 21 - 1, 27136 + 21 + 500 };
  for (int i = 0; i < 6; i++)
    {
      varlb_blob_t b;
      compress (&b, &in, budgets[i], "list=1");
      ck_assert_double_le (8.0 * (double) b.len, budgets[i]);
      ck_assert_uint_eq (read_bits (b.data, 0, 2), 0);
      ck_assert_uint_eq (read_bits (b.data, 2, 2), VARLB_JL_GAUSSIAN);
      ck_assert_uint_eq (read_bits (b.data, 4, 1), VARLB_JL_UNIT);
      ck_assert_uint_eq (read_bits (b.data, 5, 1), 0);
      size_t k = read_bits (b.data, 6, 15);
      if (budgets[i] < 27136 + 21)
        {
          ck_assert_uint_eq (b.len, (size_t) floor (budgets[i] / 8));
          ck_assert_uint_eq (k, 8 * b.len - 21);
        }
      else
        {
          /* Lossless: the N bits raw, then nothing (no byte past them). */
          ck_assert_uint_eq (k, 27136);
          ck_assert_uint_eq (b.len, (27136 + 21 + 7) / 8);
          ck_assert_uint_eq (correct_bits (&in, &b, "list=1"), in.N);
        }
      varlb_blob_clear (&b);
    }
  /* A K field that does not fill the bytes exactly (one bit short) is
     refused, though its bits would fit. */
  varlb_blob_t c;
  compress (&c, &in, 6784, "list=1");
  size_t k6 = read_bits (c.data, 6, 15) - 1;
  for (unsigned i = 0; i < 15; i++)
    c.data[(6 + i) / 8] = (unsigned char) ((c.data[(6 + i) / 8] & ~(1u << ((6 + i) % 8)))
                                           | ((k6 >> i) & 1u) << ((6 + i) % 8));
  size_t *idx;
  double *Q = queries (&idx, &in, 4), O[4 * 64];
  varlb_knobs_t kn;
  varlb_knobs_init (&kn);
  ck_assert_int_eq (ratedist ()->answer (O, c.data, c.len, in.public_seed, Q, 4, in.d, in.d, &kn,
                                         &in.par.pyramid), VARLB_EFORMAT);
  varlb_knobs_clear (&kn);
  free (Q), free (idx);
  varlb_blob_clear (&c);
  /* Under the header: refused rather than over budget. */
  varlb_knobs_t k;
  varlb_knobs_init (&k);
  varlb_blob_t b;
  varlb_blob_init (&b);
  ck_assert_int_eq (ratedist ()->compress (&b, in.K, in.V, in.alice_tokens, in.d, in.d, 16,
                                           in.public_seed, &k, &in.par.pyramid), VARLB_EINVAL);
  ck_assert_int_eq (ratedist ()->compress (&b, in.K, in.V, in.alice_tokens, in.d, in.d, 24,
                                           in.public_seed, &k, &in.par.pyramid), VARLB_OK);
  ck_assert_uint_eq (b.len, 3);
  varlb_blob_clear (&b);
  varlb_knobs_clear (&k);
  varlb_instance_clear (&in);
}
END_TEST

START_TEST (answer_needs_only_the_blob_public_seed_queries_and_pyramid)
{
  /* Everything Alice had (bits, keys, values, the instance's seed) is
     freed before Bob answers; he gets the blob, the public seed, Q and a
     copy of the public schedule, and decodes exactly what he decodes with
     the instance alive.  With a wrong public seed his keys are wrong, his
     targets random: chance. */
  varlb_instance_t in;
  instance (&in, 5);
  size_t m = in.alice_tokens, d = in.d, N = in.N;
  varlb_blob_t b;
  compress (&b, &in, 0.5 * (double) N, "");
  size_t expect = correct_bits (&in, &b, "");
  size_t *idx;
  double *Q = queries (&idx, &in, m), *O = malloc (m * d * sizeof *O);
  unsigned char *truth = malloc (N), *blob = malloc (b.len);
  ck_assert (O && truth && blob);
  for (size_t t = 0; t < m; t++)
    for (size_t j = 0; j < d; j++)
      truth[t * d + j] = (unsigned char) varlb_bits_get (&in.x, t, j);
  size_t len = b.len;
  memcpy (blob, b.data, len);
  uint64_t public_seed = in.public_seed;
  double threshold = in.threshold;
  varlb_pyramid_t pyr;
  ck_assert_int_eq (varlb_pyramid_init_copy (&pyr, &in.par.pyramid), VARLB_OK);
  varlb_blob_clear (&b);
  varlb_instance_clear (&in);
  varlb_knobs_t k;
  varlb_knobs_init (&k);
  for (int wrong = 0; wrong < 2; wrong++)
    {
      ck_assert_int_eq (ratedist ()->answer (O, blob, len, public_seed + (uint64_t) wrong, Q, m, d,
                                             d, &k, &pyr), VARLB_OK);
      size_t ok = 0;
      for (size_t i = 0; i < N; i++)
        ok += (O[i] > threshold) == truth[i];
      if (!wrong)
        ck_assert_uint_eq (ok, expect);
      else
        ck_assert_msg (fabs ((double) ok / N - 0.5) < 0.02, "wrong seed: accuracy %g",
                       (double) ok / N);
    }
  varlb_knobs_clear (&k);
  varlb_pyramid_clear (&pyr);
  free (Q), free (O), free (idx), free (truth), free (blob);
}
END_TEST

START_TEST (pm1_values_and_other_key_families_decode_as_well)
{
  /* The same bits as {-1,+1} values give the same code, so the same
     accuracy; Rademacher and scaled Achlioptas keys are recognised,
     rebuilt by Bob, and decode every bit at a lossless budget. */
  varlb_instance_t a, p;
  instance_with (&a, 3, VARLB_JL_GAUSSIAN, VARLB_JL_UNIT, VARLB_VALUES_01);
  instance_with (&p, 3, VARLB_JL_GAUSSIAN, VARLB_JL_UNIT, VARLB_VALUES_PM1);
  varlb_blob_t ba, bp;
  compress (&ba, &a, 0.25 * (double) a.N, "list=4");
  compress (&bp, &p, 0.25 * (double) p.N, "list=4");
  ck_assert_uint_eq (read_bits (bp.data, 0, 2), 1);
  ck_assert_uint_eq (ba.len, bp.len);
  ck_assert ((ba.data[0] & ~3u) == (bp.data[0] & ~3u)); /* only the values code differs */
  ck_assert (memcmp (ba.data + 1, bp.data + 1, ba.len - 1) == 0);
  size_t oka = correct_bits (&a, &ba, "list=4"), okp = correct_bits (&p, &bp, "list=4");
  ck_assert_uint_eq (oka, okp);
  ck_assert_double_ge ((double) oka / a.N, 0.765);
  varlb_blob_clear (&ba), varlb_blob_clear (&bp);
  varlb_instance_clear (&a), varlb_instance_clear (&p);
  /* Rademacher keys have unit length either way: the first norm matches. */
  const varlb_jl_family fam[] = { VARLB_JL_ACHLIOPTAS, VARLB_JL_GAUSSIAN, VARLB_JL_RADEMACHER };
  const varlb_jl_norm nrm[] = { VARLB_JL_UNIT, VARLB_JL_SCALED, VARLB_JL_UNIT };
  for (int i = 0; i < 3; i++)
    {
      instance_with (&a, 4, fam[i], nrm[i], VARLB_VALUES_01);
      compress (&ba, &a, 2.0 * (double) a.N, "");
      ck_assert_uint_eq (read_bits (ba.data, 2, 2), fam[i]);
      ck_assert_uint_eq (read_bits (ba.data, 4, 1), fam[i] == VARLB_JL_RADEMACHER ? 0 : nrm[i]);
      ck_assert_uint_eq (correct_bits (&a, &ba, ""), a.N);
      varlb_blob_clear (&ba);
      varlb_instance_clear (&a);
    }
}
END_TEST

START_TEST (general_values_keys_not_public_and_a_shorter_cache_are_handled)
{
  varlb_instance_t in;
  instance (&in, 6);
  size_t T = in.alice_tokens, d = in.d, dv = 3;
  const varlb_compressor_t *c = ratedist ();
  varlb_knobs_t k;
  varlb_knobs_init (&k);
  /* Values at two other levels (2 and 5, plus one 3.4 cut to 2): stored as
     fp64 in the header, answered as those levels. */
  double *V = malloc (T * dv * sizeof *V), *O = malloc (T * dv * sizeof *O);
  for (size_t t = 0; t < T; t++)
    for (size_t j = 0; j < dv; j++)
      V[t * dv + j] = varlb_bits_get (&in.x, t, j) ? 5.0 : 2.0;
  V[7] = 3.4;
  varlb_blob_t b;
  varlb_blob_init (&b);
  ck_assert_int_eq (c->compress (&b, in.K, V, T, d, dv, 1e6, in.public_seed, &k, &in.par.pyramid),
                    VARLB_OK);
  ck_assert_uint_eq (read_bits (b.data, 0, 2), 2);
  size_t *idx;
  double *Q = queries (&idx, &in, T);
  ck_assert_int_eq (c->answer (O, b.data, b.len, in.public_seed, Q, T, d, dv, &k, &in.par.pyramid),
                    VARLB_OK);
  for (size_t i = 0; i < T * dv; i++)
    ck_assert_double_eq (O[i], i == 7 ? 2.0 : V[i]);
  varlb_blob_clear (&b);
  /* A cache of the first T - 10 tokens only: T goes in the header. */
  varlb_blob_init (&b);
  ck_assert_int_eq (c->compress (&b, in.K, V, T - 10, d, dv, 1e6, in.public_seed, &k,
                                 &in.par.pyramid), VARLB_OK);
  ck_assert_uint_eq (read_bits (b.data, 5, 1), 1);
  ck_assert_uint_eq (read_bits (b.data, 6, 32), T - 10);
  ck_assert_int_eq (c->answer (O, b.data, b.len, in.public_seed, Q, T - 10, d, dv, &k,
                               &in.par.pyramid), VARLB_OK);
  for (size_t i = 0; i < (T - 10) * dv; i++)
    ck_assert_double_eq (O[i], i == 7 ? 2.0 : V[i]);
  varlb_blob_clear (&b);
  /* Keys Bob cannot rebuild from the public seed: refused. */
  in.K[5] += 1e-3;
  varlb_blob_init (&b);
  ck_assert_int_eq (c->compress (&b, in.K, in.V, T, d, d, 1e6, in.public_seed, &k,
                                 &in.par.pyramid), VARLB_EINVAL);
  in.K[5] -= 1e-3;
  ck_assert_int_eq (c->compress (&b, in.K, in.V, T, d, d, 1e6, in.public_seed + 1, &k,
                                 &in.par.pyramid), VARLB_EINVAL);
  varlb_blob_clear (&b);
  free (V), free (O), free (Q), free (idx);
  varlb_knobs_clear (&k);
  varlb_instance_clear (&in);
}
END_TEST

TEST_MAIN ("ratedist", s)
{
  TCase *tc = test_case (s, "polar", 60);
  ADD_TEST (tc, polar_transform_is_u_times_kronecker_power_bit_reversed_and_an_involution);
  ADD_TEST (tc, polar_design_has_k_information_bits_and_the_asked_dont_care_positions);
  ADD_TEST (tc, list_encoder_codeword_is_the_reconstruction_and_lists_help);
  ADD_TEST (tc, exhaustive_list_encoder_finds_the_closest_codeword);
  TCase *tr = test_case (s, "compressor", 120);
  ADD_TEST (tr, ratedist_meets_the_issue_targets_on_the_default_instance);
  ADD_TEST (tr, blob_is_the_header_then_k_information_bits_filling_the_budget);
  ADD_TEST (tr, answer_needs_only_the_blob_public_seed_queries_and_pyramid);
  ADD_TEST (tr, pm1_values_and_other_key_families_decode_as_well);
  ADD_TEST (tr, general_values_keys_not_public_and_a_shorter_cache_are_handled);
}
