/* test_channel.c -- the one-way channel (channel.c, trial.c): compressor
 * specs, the built-in registry, bits charged = 8 x the blob file's bytes
 * for every built-in, identity decodes every bit, over-budget blobs are charged in full, sampling, the timing grid Bob
 * starts on, and the result-row writers (CSV header names equal the JSON
 * keys).  Runs the real channel, so Bob's half re-executes the varlb binary
 * of this build (VARLB_BINARY). */
#include "testutil.h"
#include <limits.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "trial.h"

#ifndef VARLB_BINARY
#error "VARLB_BINARY must name the varlb binary of this build"
#endif

/* A small instance (T = 1+4+9+16 = 30 Alice tokens, d = 16) keeps the
   per-compressor loop fast; the default 256px one is used for identity
   (test_instance_keyed with a key where a test needs one). */
static void
instance (varlb_instance_t *in, const char *schedule, size_t d, uint64_t seed)
{
  test_instance_keyed (in, schedule, d, seed, NULL);
}

static void
opts (varlb_channel_opts_t *o)
{
  varlb_channel_opts_init (o);
  o->half_exe = VARLB_BINARY;
  o->timeout_s = 120; /* the CI has 2 slow cores */
  /* Where no sandbox can be made, the channel's accounting is still
     tested, without isolation (tests/cli_hostile.sh then skips). */
  char why[256];
  if (!varlb_sandbox_available (why, sizeof why))
    o->isolation = VARLB_ISOLATION_NONE;
}

static void
trial (varlb_trial_t *t, const varlb_instance_t *in, const char *spec, double budget,
       const varlb_channel_opts_t *o)
{
  varlb_spec_t s;
  char why[512] = "";
  ck_assert_msg (varlb_spec_init (&s, spec, why, sizeof why) == VARLB_OK, "%s: %s", spec, why);
  ck_assert_int_eq (varlb_trial_run (t, in, &s, budget, o), VARLB_OK);
  varlb_spec_clear (&s);
}

/* One channel test's setting: an instance (see instance above), the test
   channel options, and the last trial run on them. */
typedef struct
{
  varlb_instance_t in;
  varlb_channel_opts_t o;
  varlb_trial_t t;
} chan_t;

static void
chan_init (chan_t *c, const char *schedule, size_t d, uint64_t seed)
{
  instance (&c->in, schedule, d, seed);
  opts (&c->o);
}

/* SPEC at BUDGET through the channel on C's instance: the trial in C's T
   (returned), asserted to run; where OK, asserted to succeed too. */
static const varlb_trial_t *
chan_trial (chan_t *c, const char *spec, double budget, int ok)
{
  trial (&c->t, &c->in, spec, budget, &c->o);
  if (ok)
    ck_assert_msg (c->t.status == VARLB_OK, "%s at %g bits: %s", spec, budget, c->t.error);
  return &c->t;
}

START_TEST (registry_names_are_unique_findable_and_complete)
{
  size_t n = varlb_compressor_count ();
  ck_assert_uint_ge (n, 1);
  ck_assert_ptr_null (varlb_compressor_at (n));
  for (size_t i = 0; i < n; i++)
    {
      const varlb_compressor_t *c = varlb_compressor_at (i);
      ck_assert_int_eq (c->abi, VARLB_COMPRESSOR_ABI);
      ck_assert_ptr_nonnull (c->compress);
      ck_assert_ptr_nonnull (c->answer);
      ck_assert_ptr_nonnull (c->description);
      ck_assert_ptr_eq (varlb_compressor_find (c->name), c);
      for (size_t j = 0; j < i; j++)
        ck_assert_str_ne (varlb_compressor_at (j)->name, c->name);
      /* Every knob's default passes the knob check itself. */
      for (size_t k = 0; k < c->n_knobs; k++)
        {
          char text[256], why[256];
          varlb_knobs_t kn;
          snprintf (text, sizeof text, "%s=%s", c->knobs[k].name, c->knobs[k].def);
          varlb_knobs_init (&kn);
          ck_assert_int_eq (varlb_knobs_parse (&kn, text), VARLB_OK);
          ck_assert_msg (varlb_knobs_check (c, &kn, why, sizeof why) == VARLB_OK, "%s: %s",
                         c->name, why);
          varlb_knobs_clear (&kn);
        }
    }
  ck_assert_ptr_nonnull (varlb_compressor_find ("identity"));
  ck_assert_ptr_null (varlb_compressor_find ("no-such-compressor"));
}
END_TEST

START_TEST (specs_resolve_builtins_and_refuse_bad_ones_with_one_line)
{
  varlb_spec_t s;
  char why[512];
  ck_assert_int_eq (varlb_spec_init (&s, "identity:precision=fp32", why, sizeof why), VARLB_OK);
  ck_assert_int_eq (s.kind, VARLB_SPEC_BUILTIN);
  ck_assert_ptr_eq (s.c, varlb_compressor_find ("identity"));
  ck_assert_str_eq (varlb_knobs_get (&s.knobs, "precision"), "fp32");
  varlb_spec_clear (&s);
  ck_assert_int_eq (varlb_spec_init (&s, "exec:/bin/true", why, sizeof why), VARLB_OK);
  ck_assert_int_eq (s.kind, VARLB_SPEC_EXEC);
  varlb_spec_clear (&s);
  const char *bad[] = { "nosuch", "identity:colour=red", "identity:precision",
                        "exec:", "plugin:/nonexistent/x.so", "plugin:" };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    {
      why[0] = '\0';
      ck_assert_msg (varlb_spec_init (&s, bad[i], why, sizeof why) == VARLB_EINVAL,
                     "accepted '%s'", bad[i]);
      ck_assert_msg (why[0] != '\0' && strchr (why, '\n') == NULL, "'%s': no one-line reason", bad[i]);
      varlb_spec_clear (&s);
    }
}
END_TEST

/* Loop over the registry, so compressors added later are covered too. */
START_TEST (bits_charged_equal_eight_times_blob_bytes_every_builtin)
{
  if ((size_t) _i >= varlb_compressor_count ())
    return;
  const char *name = varlb_compressor_at ((size_t) _i)->name;
  chan_t c;
  chan_init (&c, "1,2,3,4,5", 16, 11);
  char blob[] = "/tmp/varlb-test-blob.XXXXXX";
  int fd = mkstemp (blob);
  ck_assert_int_ge (fd, 0);
  close (fd);
  c.o.keep_blob = blob;
  const double budgets[] = { floor (c.in.N / 4.0), (double) c.in.N, 1e9 };
  for (size_t b = 0; b < 3; b++)
    {
      const varlb_trial_t *t = chan_trial (&c, name, budgets[b], 1);
      struct stat sb;
      ck_assert_int_eq (stat (blob, &sb), 0);
      ck_assert_msg (t->bits_charged == 8.0 * (double) sb.st_size, "%s: charged %g, blob %lld bytes",
                     name, t->bits_charged, (long long) sb.st_size);
      ck_assert_int_eq (t->over_budget, t->bits_charged > budgets[b]);
      ck_assert_uint_eq (t->bits_tested, c.in.N);
      ck_assert_double_le (t->accuracy, 1.0);
      ck_assert_double_le (t->ci_low, t->accuracy);
      ck_assert_double_ge (t->ci_high, t->accuracy);
    }
  unlink (blob);
  varlb_instance_clear (&c.in);
}
END_TEST

START_TEST (identity_decodes_every_bit_at_each_precision_default_instance)
{
  const char *spec[] = { "identity:precision=fp64", "identity:precision=fp32",
                         "identity:precision=fp16" };
  const double bytes_per_number[] = { 8, 4, 2 };
  chan_t c;
  chan_init (&c, NULL, 64, 1);
  const varlb_trial_t *t = chan_trial (&c, spec[_i], floor (c.in.N / 4.0), 1);
  ck_assert_uint_eq (t->N, 424 * 64);
  ck_assert_uint_eq (t->bits_tested, t->N);
  ck_assert_uint_eq (t->correct, t->N);
  ck_assert_double_eq (t->accuracy, 1.0);
  ck_assert_str_eq (t->verdict, VARLB_VERDICT_SUCCEEDS);
  /* The whole cache is kept: at least T x 2d numbers at this precision. */
  ck_assert_double_ge (t->bits_charged, 8 * bytes_per_number[_i] * c.in.alice_tokens * 2 * c.in.d);
  ck_assert_int_eq (t->over_budget, 1);
  ck_assert_int_eq (t->has_witness, 0);
  varlb_instance_clear (&c.in);
}
END_TEST

START_TEST (over_budget_blob_is_charged_in_full_and_flagged)
{
  chan_t c;
  chan_init (&c, "1,2,3,4", 16, 5);
  const varlb_trial_t *t = chan_trial (&c, "identity:precision=fp64", 1, 0);
  double full = t->bits_charged;
  ck_assert_int_eq (t->over_budget, 1);
  chan_trial (&c, "identity:precision=fp64", full, 0);
  ck_assert_double_eq (t->bits_charged, full);
  ck_assert_int_eq (t->over_budget, 0);
  chan_trial (&c, "identity:precision=fp64", full - 1, 0);
  ck_assert_double_eq (t->bits_charged, full); /* never truncated */
  ck_assert_int_eq (t->over_budget, 1);
  ck_assert_uint_eq (t->correct, c.in.N);
  varlb_instance_clear (&c.in);
}
END_TEST

/* The ceiling a row reports is the one at the bits judged (over its
   budget: charged, the length's bits and 6, plus the side channels), never
   at the budget: an over-budget identity trial keeps everything and its
   ceiling is 1. */
START_TEST (ceiling_is_taken_at_the_bits_judged_not_the_budget)
{
  chan_t c;
  chan_init (&c, "1,2,3,4", 16, 5);
  const varlb_trial_t *t = chan_trial (&c, "identity:precision=fp64", 64, 1);
  /* The grid's levels below the 120 s timeout, counted here: 0.01 2^(k/2)
     < 120 for k = 0..27, plus the level at or past it: 29 levels, 5 bits. */
  ck_assert_double_eq (c.o.timeout_s, 120);
  ck_assert_double_eq (t->side_channel_bits, 5);
  ck_assert_double_eq (t->side_channel_bits, varlb_trial_timing_bits (c.o.timeout_s));
  /* Over its budget the blob is judged at its bits, its length's and 6,
     plus the side channels (varlb_bits_judged). */
  ck_assert_double_eq (t->bits_judged, t->bits_charged + t->length_bits + 6 + t->side_channel_bits);
  ck_assert_double_eq (t->fano_ceiling, varlb_fano_ceiling (t->bits_judged, (double) c.in.N));
  ck_assert_double_eq (t->fano_ceiling, 1.0);
  ck_assert_double_lt (varlb_fano_ceiling (64, (double) c.in.N), 1.0);
  varlb_instance_clear (&c.in);
}
END_TEST

/* A half that hangs is killed at the timeout and fails its trial (a
   mutant that ignores the timeout would hang this test until its limit). */
START_TEST (a_hanging_half_is_killed_at_the_timeout)
{
  chan_t c;
  chan_init (&c, "1,2,3", 8, 3);
  c.o.timeout_s = 1;
  const varlb_trial_t *t = chan_trial (&c, "exec:/bin/sh -c 'sleep 30'", 64, 0);
  ck_assert_int_eq (t->status, VARLB_ETIMEOUT);
  ck_assert_msg (strstr (t->error, "compress: timed out after 1 s") != NULL, "%s", t->error);
  ck_assert_double_lt (t->wall_s, 10.0);
  varlb_instance_clear (&c.in);
}
END_TEST

/* Under --sample the verdict and interval are the token-level ones of
   varlb_judge, at the bits judged. */
START_TEST (a_sampled_trial_is_judged_per_token)
{
  chan_t c;
  chan_init (&c, "1,2,3,4,5", 16, 9);
  c.o.sample = 6;
  const varlb_trial_t *t = chan_trial (&c, "kivi", 200, 1);
  varlb_judgement_t j;
  ck_assert_double_eq (t->bits_judged, varlb_bits_judged (t->bits_charged, 200, t->side_channel_bits,
                                                         t->length_bits));
  ck_assert_int_eq (varlb_judge (&j, t->correct, 6, c.in.alice_tokens, c.in.d, t->bits_charged,
                                 t->bits_judged), VARLB_OK);
  ck_assert (j.sampled);
  ck_assert_str_eq (t->verdict, j.verdict);
  ck_assert_double_eq (t->ci_low, j.ci_low);
  ck_assert_double_eq (t->ci_high, j.ci_high);
  varlb_instance_clear (&c.in);
}
END_TEST

START_TEST (sample_queries_m_tokens_and_is_a_function_of_the_seed)
{
  chan_t c;
  chan_init (&c, "1,2,3,4,5", 16, 9);
  c.o.sample = 7;
  varlb_trial_t a = *chan_trial (&c, "identity:precision=fp16", 1, 0);
  const varlb_trial_t b = *chan_trial (&c, "identity:precision=fp16", 1, 0);
  ck_assert_msg (a.status == VARLB_OK, "%s", a.error);
  ck_assert_uint_eq (a.bits_tested, 7 * c.in.d);
  ck_assert_uint_eq (a.correct, a.bits_tested);
  ck_assert_uint_eq (b.bits_tested, a.bits_tested);
  ck_assert_uint_eq (b.correct, a.correct);
  varlb_instance_clear (&c.in);
}
END_TEST

/* Bob's sample is spread over the whole instance and drawn from the judge
   key's secret stream: 7 of the 30 Alice tokens per trial (seen through
   token_correct, UINT_MAX where not asked), over 40 seeds.  Property:
   each trial asks 7 distinct tokens; every token is asked in some trial
   and none in more than 22 (expected 9.3 of 40, binomial: a correct
   draw misses a token with probability 7e-4, and 22 is 4.7 standard
   deviations up), so a sample stuck on the first 7 tokens, or on any
   subset, fails; and another judge key draws another sample on every
   seed (the same 7 of 30 by chance: 5e-7), where a sample from a public
   stream would not change: Alice could predict it. */
START_TEST (sample_is_uniform_over_the_tokens_and_secret)
{
  static const unsigned char key_a[VARLB_JUDGE_KEY_BYTES] = { 1, 2, 3 },
                             key_b[VARLB_JUDGE_KEY_BYTES] = { 3, 2, 1 };
  varlb_channel_opts_t o;
  opts (&o);
  o.sample = 7;
  unsigned asked[30] = { 0 }, tok[31];
  size_t differ = 0;
  for (uint64_t seed = 1; seed <= 40; seed++)
    {
      unsigned char set[2][30];
      for (int k = 0; k < 2; k++)
        {
          varlb_instance_t in;
          test_instance_keyed (&in, "1,2,3,4,5", 8, seed, k ? key_b : key_a);
          ck_assert_uint_eq (in.alice_tokens, 30);
          o.token_correct = tok;
          varlb_trial_t t;
          trial (&t, &in, "identity:precision=fp16", 1, &o);
          ck_assert_msg (t.status == VARLB_OK, "%s", t.error);
          size_t n = 0;
          for (size_t i = 0; i < 30; i++)
            {
              set[k][i] = tok[i] != UINT_MAX;
              n += set[k][i];
              asked[i] += k == 0 && set[k][i];
            }
          ck_assert_msg (n == 7, "seed %llu: %zu tokens asked", (unsigned long long) seed, n);
          varlb_instance_clear (&in);
        }
      differ += memcmp (set[0], set[1], sizeof set[0]) != 0;
    }
  for (size_t i = 0; i < 30; i++)
    ck_assert_msg (asked[i] >= 1 && asked[i] <= 22, "token %zu asked in %u of 40 trials", i,
                   asked[i]);
  ck_assert_msg (differ == 40, "another judge key drew the same sample on %zu of 40 seeds",
                 40 - differ);
}
END_TEST

/* Keys of a one-line JSON object, in order, joined with commas. */
static void
json_keys (const char *j, char *out, size_t len)
{
  size_t k = 0;
  int in_str = 0, depth = 0;
  const char *start = NULL;
  out[0] = '\0';
  for (const char *p = j; *p; p++)
    {
      if (in_str)
        {
          if (*p == '\\')
            p++;
          else if (*p == '"')
            {
              in_str = 0;
              if (depth == 1 && p[1] == ':')
                k += (size_t) snprintf (out + k, len - k, "%s%.*s", k ? "," : "",
                                        (int) (p - start), start);
            }
          continue;
        }
      if (*p == '"')
        {
          in_str = 1;
          start = p + 1;
        }
      else if (*p == '{' || *p == '[')
        depth++;
      else if (*p == '}' || *p == ']')
        depth--;
    }
}

START_TEST (csv_header_names_equal_json_keys_and_rows_have_as_many_cells)
{
  chan_t c;
  chan_init (&c, "1,2,3", 8, 3);
  /* A compressor name with a quote and a comma: both writers must escape. */
  const varlb_trial_t *t = chan_trial (&c, "exec:/bin/sh -c 'exit 9' \"x,y\"", 64, 0);
  ck_assert_int_ne (t->status, VARLB_OK);
  char *json = NULL, *csv = NULL, *hdr = NULL;
  size_t jl = 0, cl = 0, hl = 0;
  FILE *f = open_memstream (&json, &jl);
  varlb_trial_write_json (f, t, &c.in);
  fclose (f);
  f = open_memstream (&hdr, &hl);
  varlb_trial_write_csv_header (f);
  fclose (f);
  f = open_memstream (&csv, &cl);
  varlb_trial_write_csv (f, t, &c.in);
  fclose (f);
  ck_assert_uint_gt (jl, 2);
  ck_assert_ptr_eq (strchr (json, '\n'), json + jl - 1); /* one line */
  char keys[4096];
  json_keys (json, keys, sizeof keys);
  hdr[strcspn (hdr, "\n")] = '\0';
  ck_assert_str_eq (hdr, keys);
  /* The keys the issue names must be among them. */
  const char *must[] = { "compressor", "budget_bits", "bits_charged", "N", "accuracy", "ci_low",
                         "ci_high", "fano_ceiling", "verdict", "seed", "over_budget", "status" };
  for (size_t i = 0; i < sizeof must / sizeof *must; i++)
    {
      char quoted[64];
      snprintf (quoted, sizeof quoted, "\"%s\":", must[i]);
      ck_assert_msg (strstr (json, quoted) != NULL, "JSON lacks %s", must[i]);
    }
  /* Count the CSV cells outside quotes: as many as header columns. */
  size_t cells = 1, cols = 1;
  int q = 0;
  for (const char *p = csv; *p && *p != '\n'; p++)
    if (*p == '"')
      q = !q;
    else if (*p == ',' && !q)
      cells++;
  for (const char *p = hdr; *p; p++)
    cols += *p == ',';
  ck_assert_uint_eq (cells, cols);
  ck_assert_int_eq (csv[cl - 1], '\n');
  free (json);
  free (csv);
  free (hdr);
  varlb_instance_clear (&c.in);
}
END_TEST

START_TEST (answers_within_one_plus_minus_eta_decode_every_bit)
{
  /* The (1 +- eta) rule of proofs/variants.md at eta = 0.2 (the default C
     covers it): an answer with no output outside (1 +- eta) of the exact one
     decodes every bit, so every trial that loses a bit must count some
     output outside.  Every built-in at three budgets; identity fp64 is exact. */
  if ((size_t) _i >= varlb_compressor_count ())
    return;
  const char *name = varlb_compressor_at ((size_t) _i)->name;
  varlb_params_t p;
  ck_assert_int_eq (varlb_params_init (&p), VARLB_OK);
  varlb_pyramid_clear (&p.pyramid);
  ck_assert_int_eq (varlb_pyramid_init_parse (&p.pyramid, "1,2,3,4,5"), VARLB_OK);
  p.d = 16;
  p.eta = 0.2;
  p.seed = 12;
  chan_t c;
  ck_assert_int_eq (varlb_instance_init (&c.in, &p), VARLB_OK);
  varlb_params_clear (&p);
  ck_assert_double_ge (varlb_approx_eta_max (&c.in), 0.2);
  opts (&c.o);
  const double budgets[] = { floor (c.in.N / 4.0), (double) c.in.N, 1e9 };
  for (size_t b = 0; b < 3; b++)
    {
      const varlb_trial_t *t = chan_trial (&c, name, budgets[b], 1);
      ck_assert_int_eq (t->has_approx, 1);
      ck_assert_double_eq (t->eta, 0.2);
      ck_assert_uint_le (t->eta_violations, t->bits_tested);
      if (t->eta_violations == 0)
        ck_assert_msg (t->correct == t->bits_tested, "%s at %g bits: within 1 +- 0.2 everywhere "
                       "(max relative error %g) yet %zu of %zu bits lost", name, budgets[b],
                       t->approx_eta, t->bits_tested - t->correct, t->bits_tested);
      if (t->correct < t->bits_tested)
        ck_assert_double_gt (t->approx_eta, 0.2);
    }
  const varlb_trial_t *t = chan_trial (&c, "identity:precision=fp64", 1e9, 0);
  ck_assert_double_le (t->approx_eta, 1e-12);
  ck_assert_uint_eq (t->eta_violations, 0);
  varlb_instance_clear (&c.in);
}
END_TEST

/* The timing grid (README, "Threat model"): Bob starts only at the first
   instant 0.01 * 2^(k/2) s after Alice's start that is not before the
   compress ended, so the compress time he can observe takes one of
   log2(levels) values.  Property: after the pad, the time since START is at
   least that level (nanosleep never wakes early) and below the next one
   (the cells chosen are 130 ms and more wide, room for a loaded machine's
   late wake-up); a compress past the timeout is not padded.  A removed pad,
   or a coarser grid (x2) fails. */
static double
monotonic_s (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

/* The bits the timing grid can carry: ceil log2 of its levels, the levels
   0.01 2^(k/2) s below the timeout and one more at or past it, counted
   by hand at each edge (a level equal to the timeout is past it). */
START_TEST (timing_bits_are_log2_of_the_grid_levels_rounded_up)
{
  static const struct { double timeout, bits; } t[] = {
    { 0.01, 0 },      /* no level below: 1 level */
    { 0.0100001, 1 }, /* 0.01 below: 2 levels */
    { 0.0142, 2 },    /* 0.01, 0.01414 below: 3 levels */
    { 0.02, 2 },      /* 0.01, 0.0141 below (0.02 is not): 3 levels */
    { 0.0201, 2 },    /* 0.01, 0.0141, 0.02 below: 4 levels */
    { 0.0283, 3 },    /* 4 below (0.02828): 5 levels */
    { 0.5, 4 },       /* k = 0..11 below (0.453): 13 levels */
    { 2, 5 },         /* k = 0..15 below (1.81): 17 levels */
    { 60, 5 },        /* k = 0..25 below (57.9): 27 levels */
    { 120, 5 },       /* k = 0..27 below (116): 29 levels */
    { 1000, 6 },      /* k = 0..33 below (0.01 2^16.5 = 927): 35 levels */
  };
  for (size_t i = 0; i < sizeof t / sizeof *t; i++)
    ck_assert_msg (varlb_trial_timing_bits (t[i].timeout) == t[i].bits,
                   "timeout %g s: %g bits, counted %g", t[i].timeout,
                   varlb_trial_timing_bits (t[i].timeout), t[i].bits);
}
END_TEST

START_TEST (bob_starts_on_the_timing_grid)
{
  static const double ran[] = { 0.23, 0.33 }; /* compress times, seconds */
  for (size_t i = 0; i < sizeof ran / sizeof ran[0]; i++)
    {
      double level = 0.01;
      while (level < ran[i])
        level *= M_SQRT2;
      double start = monotonic_s () - ran[i];
      varlb__trial_pad_to_grid (start, 60);
      double waited = monotonic_s () - start;
      ck_assert_msg (waited >= level && waited < level * M_SQRT2,
                     "compress of %.2f s: Bob started at %.4f s, not on the level %.4f s",
                     ran[i], waited, level);
    }
  /* Past the timeout: the pad adds nothing (the half was already over). */
  double start = monotonic_s () - 0.3;
  varlb__trial_pad_to_grid (start, 0.1);
  ck_assert_double_lt (monotonic_s () - start, 0.3 + 0.1);
}
END_TEST

TEST_MAIN ("channel", s)
{
  TCase *tc = test_case (s, "channel", 600);
  ADD_TESTS (tc, registry_names_are_unique_findable_and_complete,
             specs_resolve_builtins_and_refuse_bad_ones_with_one_line);
  tcase_add_loop_test (tc, bits_charged_equal_eight_times_blob_bytes_every_builtin, 0,
                       (int) varlb_compressor_count ());
  tcase_add_loop_test (tc, identity_decodes_every_bit_at_each_precision_default_instance, 0, 3);
  ADD_TESTS (tc, over_budget_blob_is_charged_in_full_and_flagged,
             sample_queries_m_tokens_and_is_a_function_of_the_seed,
             sample_is_uniform_over_the_tokens_and_secret,
             ceiling_is_taken_at_the_bits_judged_not_the_budget,
             a_hanging_half_is_killed_at_the_timeout,
             timing_bits_are_log2_of_the_grid_levels_rounded_up, bob_starts_on_the_timing_grid,
             a_sampled_trial_is_judged_per_token,
             csv_header_names_equal_json_keys_and_rows_have_as_many_cells);
  tcase_add_loop_test (tc, answers_within_one_plus_minus_eta_decode_every_bit, 0,
                       (int) varlb_compressor_count ());
}
