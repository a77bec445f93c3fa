/* test_thirdparty.c -- the built-ins backed by other projects' libraries
 * (zfp, fpzip, faiss_pq, faiss_sq; each only when configure found it):
 * the budget picks exactly the largest setting that fits, zfp's guarded
 * rates are refused, headers that lie about sizes are refused before any
 * allocation depends on them, public codebooks are free and rebuilt by
 * answer, and provenance names the library.  The generic zoo properties
 * are in test_compressors.c. */
#include <config.h>
#include "testutil.h"
#include <math.h>
#include <string.h>
#include <sys/resource.h>
#ifdef HAVE_ZFP
#include <zfp.h>
#endif
#ifdef HAVE_FPZIP
#include <fpzip.h>
#endif

static const uint64_t SEED = 20261123;

/* The default instance drawn from SEED, afresh for each test. */
TEST_FIXTURE_INSTANCE (in, SEED)

/* IN compressed with C and KNOB_TEXT (not checked against C's table: the
   tests hand compress bad knobs on purpose) at BUDGET: test_compress's
   status, the blob in B. */
static int
compress_with (varlb_blob_t *b, const varlb_compressor_t *c, const varlb_instance_t *in,
               double budget, const char *knob_text)
{
  return test_compress (b, c, in, in->K, in->V, budget, knob_text, 0);
}

/* Answer M queries for the first Alice tokens from BLOB (an exact-size
   copy); the status is returned and the accuracy over those rows' bits
   goes to *ACC. */
static int
answer_with (double *acc, const varlb_compressor_t *c, const varlb_instance_t *in,
             const unsigned char *blob, size_t len, const char *knob_text, size_t m)
{
  varlb_knobs_t k;
  test_knobs (&k, c, knob_text, 0);
  size_t *idx = malloc (m * sizeof *idx);
  double *Q = malloc (m * in->d * sizeof *Q), *O = malloc (m * in->d * sizeof *O);
  unsigned char *copy = malloc (len ? len : 1);
  ck_assert (idx && Q && O && copy);
  memcpy (copy, blob, len);
  for (size_t i = 0; i < m; i++)
    idx[i] = i * (in->alice_tokens / m);
  ck_assert_int_eq (varlb_instance_queries (Q, in, idx, m), VARLB_OK);
  int st = c->answer (O, copy, len, in->public_seed, Q, m, in->d, in->d, &k, &in->par.pyramid);
  if (st == VARLB_OK)
    {
      varlb_decode_report_t r;
      varlb_decode_report_init (&r);
      ck_assert_int_eq (varlb_instance_score (&r, in, idx, m, O, NULL, NULL), VARLB_OK);
      *acc = (double) r.correct / (double) r.bits;
    }
  free (idx), free (Q), free (O), free (copy);
  varlb_knobs_clear (&k);
  return st;
}

static void
set_le32 (unsigned char *p, uint32_t v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (unsigned char) (v >> (8 * i));
}

/* A lying blob must be refused before an allocation could depend on it:
   with the address space capped near its current use, a huge malloc would
   come back NULL and show as VARLB_ENOMEM instead of VARLB_EFORMAT. */
static void
cap_address_space (void)
{
  struct rlimit rl = { (rlim_t) 2 << 30, (rlim_t) 2 << 30 };
  ck_assert_int_eq (setrlimit (RLIMIT_AS, &rl), 0);
}

START_TEST (provenance_names_the_library_and_nothing_for_own_builtins)
{
  ck_assert_ptr_null (varlb_compressor_provenance (test_compressor ("kivi")));
  ck_assert_ptr_null (varlb_compressor_provenance (test_compressor ("pq")));
#ifdef HAVE_ZFP
  ck_assert_str_eq (varlb_compressor_provenance (test_compressor ("zfp")), "zfp " ZFP_VERSION_STRING);
#endif
#ifdef HAVE_FPZIP
  ck_assert_str_eq (varlb_compressor_provenance (test_compressor ("fpzip")), "fpzip " FPZIP_VERSION_STRING);
#endif
#ifdef HAVE_FAISS
  const char *f = varlb_compressor_provenance (test_compressor ("faiss_pq"));
  ck_assert (f != NULL && strncmp (f, "faiss 1.", 8) == 0);
  ck_assert_str_eq (varlb_compressor_provenance (test_compressor ("faiss_sq")), f);
#endif
}
END_TEST

#ifdef HAVE_ZFP
/* At 256px (T = 424, d = 64) every 4 x 4 block is whole and T d 16 r bits
   fill whole 64-bit words: a stream is 3392 r bytes, the blob 16 + 6784 r. */
START_TEST (zfp_rate_is_the_largest_whole_rate_that_fits)
{
  const varlb_compressor_t *c = test_compressor ("zfp");
  ck_assert_uint_eq (in.alice_tokens, 424);
  const double budgets[] = { 8.0 * (16 + 6784 * 2), 8.0 * (16 + 6784 * 2) - 1,
                             8.0 * (16 + 6784 * 5) + 7, 8.0 * (16 + 6784 * 5),
                             54272.0 * 9.99, 1e9 };
  for (size_t i = 0; i < sizeof budgets / sizeof *budgets; i++)
    {
      varlb_blob_t b;
      ck_assert_int_eq (compress_with (&b, c, &in, budgets[i], ""), VARLB_OK);
      double room = floor ((budgets[i] / 8.0 - 16.0) / 6784.0);
      unsigned want = room > 64 ? 64 : (unsigned) room;
      if (want >= 2)
        {
          ck_assert_msg (test_le32 (b.data + 4) == want, "budget %g: rate %u, want %u", budgets[i],
                         test_le32 (b.data + 4), want);
          ck_assert_uint_eq (test_le32 (b.data), 424);
          ck_assert_uint_eq (b.len, 16 + 6784 * (size_t) want);
        }
      else
        {
          /* Below the guard: rate 2 on a prefix. */
          ck_assert_uint_eq (test_le32 (b.data + 4), 2);
          ck_assert_uint_lt (test_le32 (b.data), 424);
        }
      ck_assert_double_le (8.0 * (double) b.len, budgets[i]);
      varlb_blob_clear (&b);
    }
}
END_TEST

START_TEST (zfp_refuses_rates_below_the_guard_and_clamps_small_budgets)
{
  const varlb_compressor_t *c = test_compressor ("zfp");
  varlb_blob_t b;
  /* A block must hold its exponent header and one bit per value. */
  ck_assert_int_eq (compress_with (&b, c, &in, 1e9, "dims=1,rate=3"), VARLB_EINVAL);
  varlb_blob_clear (&b);
  ck_assert_int_eq (compress_with (&b, c, &in, 1e9, "dims=2,rate=1"), VARLB_EINVAL);
  varlb_blob_clear (&b);
  ck_assert_int_eq (compress_with (&b, c, &in, 1e9, "dims=1,rate=4"), VARLB_OK);
  ck_assert_uint_eq (test_le32 (b.data + 4), 4);
  varlb_blob_clear (&b);
  ck_assert_int_eq (compress_with (&b, c, &in, 1e9, "dims=1,type=float,rate=3"), VARLB_EINVAL);
  varlb_blob_clear (&b);
  /* N/8 bits is 0.5 bit per value: clamped to the guard, on a prefix
     that still decodes its own tokens. */
  double budget = (double) in.N / 8.0;
  ck_assert_int_eq (compress_with (&b, c, &in, budget, "dims=1"), VARLB_OK);
  size_t n = test_le32 (b.data);
  ck_assert_uint_eq (test_le32 (b.data + 4), 4);
  ck_assert_uint_gt (n, 0);
  ck_assert_uint_lt (n, in.alice_tokens);
  ck_assert_double_le (8.0 * (double) b.len, budget);
  varlb_blob_clear (&b);
}
END_TEST

START_TEST (zfp_lying_headers_are_refused)
{
  const varlb_compressor_t *c = test_compressor ("zfp");
  varlb_blob_t b;
  ck_assert_int_eq (compress_with (&b, c, &in, 8.0 * (16 + 6784 * 8), ""), VARLB_OK);
  cap_address_space ();
  double acc;
  ck_assert_int_eq (answer_with (&acc, c, &in, b.data, b.len, "", 8), VARLB_OK);
  /* n = T + 4 with the extra blocks appended: sizes agree, n does not. */
  size_t extra = 2 * 16 * 16 * 8 / 8; /* a row of 16 more blocks per stream at rate 8 */
  unsigned char *big = calloc (b.len + extra, 1);
  ck_assert (big != NULL);
  memcpy (big, b.data, b.len);
  set_le32 (big, 428);
  ck_assert_int_eq (answer_with (&acc, c, &in, big, b.len + extra, "", 8), VARLB_EFORMAT);
  const uint32_t lies[][2] = { { 0, 0xffffffffu }, { 4, 0 }, { 4, 65 }, { 4, 1 },
                               { 8, 2 }, { 12, 0 }, { 12, 3 } };
  for (size_t i = 0; i < sizeof lies / sizeof *lies; i++)
    {
      memcpy (big, b.data, b.len);
      set_le32 (big + lies[i][0], lies[i][1]);
      ck_assert_msg (answer_with (&acc, c, &in, big, b.len, "", 8) == VARLB_EFORMAT,
                     "field %u = %u accepted", lies[i][0], lies[i][1]);
    }
  free (big);
  varlb_blob_clear (&b);
}
END_TEST
#endif

#ifdef HAVE_FPZIP
START_TEST (fpzip_precision_is_the_largest_that_fits)
{
  const varlb_compressor_t *c = test_compressor ("fpzip");
  const double budgets[] = { 8.0 * (double) in.N, 16.0 * (double) in.N, 40.0 * (double) in.N };
  for (size_t i = 0; i < sizeof budgets / sizeof *budgets; i++)
    {
      varlb_blob_t b, up;
      ck_assert_int_eq (compress_with (&b, c, &in, budgets[i], ""), VARLB_OK);
      ck_assert_double_le (8.0 * (double) b.len, budgets[i]);
      ck_assert_uint_eq (test_le32 (b.data), in.alice_tokens);
      unsigned prec = test_le32 (b.data + 8);
      ck_assert_uint_lt (prec, 64);
      /* The next precision, unconstrained, is over this budget. */
      char knob[32];
      snprintf (knob, sizeof knob, "prec=%u", prec + 2);
      ck_assert_int_eq (compress_with (&up, c, &in, 1e12, knob), VARLB_OK);
      ck_assert_uint_eq (test_le32 (up.data + 8), prec + 2);
      ck_assert_msg (8.0 * (double) up.len > budgets[i], "budget %g: prec %u, but %u fits (%zu bits)",
                     budgets[i], prec, prec + 2, 8 * up.len);
      varlb_blob_clear (&b);
      varlb_blob_clear (&up);
    }
}
END_TEST

START_TEST (fpzip_lying_or_corrupted_streams_are_refused)
{
  const varlb_compressor_t *c = test_compressor ("fpzip");
  varlb_blob_t b;
  ck_assert_int_eq (compress_with (&b, c, &in, 40.0 * (double) in.N, ""), VARLB_OK);
  cap_address_space ();
  double acc;
  ck_assert_int_eq (answer_with (&acc, c, &in, b.data, b.len, "", 8), VARLB_OK);
  ck_assert_double_eq (acc, 1.0);
  unsigned char *lie = malloc (b.len);
  ck_assert (lie != NULL);
  const uint32_t lies[][2] = { { 0, 425 }, { 0, 0xffffffffu }, { 4, 2 }, { 8, 5 },
                               { 8, 66 }, { 12, 0xfffffff0u }, { 16, 0 } };
  for (size_t i = 0; i < sizeof lies / sizeof *lies; i++)
    {
      memcpy (lie, b.data, b.len);
      set_le32 (lie + lies[i][0], lies[i][1]);
      ck_assert_msg (answer_with (&acc, c, &in, lie, b.len, "", 8) == VARLB_EFORMAT,
                     "field %u = %u accepted", lies[i][0], lies[i][1]);
    }
  /* One byte of the stream changed: the checksum refuses it before fpzip
     decodes it. */
  for (size_t at = 24; at < b.len; at += b.len / 7)
    {
      memcpy (lie, b.data, b.len);
      lie[at] ^= 0x40;
      ck_assert_msg (answer_with (&acc, c, &in, lie, b.len, "", 8) == VARLB_EFORMAT,
                     "a change at byte %zu accepted", at);
    }
  free (lie);
  varlb_blob_clear (&b);
}
END_TEST
#endif

#ifdef HAVE_FAISS
/* faiss_pq's blob at 256px, d = dv = 64: 12 header bytes, the charged
   codebooks (2^nbits x 128 floats), 424 tokens x 2 codes of
   ceil(M nbits / 8) bytes. */
static size_t
pq_len (size_t M, size_t nbits, int public)
{
  return 12 + (public ? 0 : 4 * ((size_t) 1 << nbits) * 128) + 424 * 2 * ((M * nbits + 7) / 8);
}

START_TEST (faiss_pq_takes_the_richest_codes_that_fit)
{
  const varlb_compressor_t *c = test_compressor ("faiss_pq");
  const double budgets[] = { 3.0 * (double) in.N, 9.0 * (double) in.N };
  for (int public = 0; public < 2; public++)
    for (size_t i = 0; i < 2; i++)
      {
        varlb_blob_t b;
        const char *knob = public ? "codebooks=public" : "";
        ck_assert_int_eq (compress_with (&b, c, &in, budgets[i], knob), VARLB_OK);
        size_t M = test_le32 (b.data + 4), nbits = test_le32 (b.data + 8);
        ck_assert_uint_eq (test_le32 (b.data), 424);
        ck_assert_uint_eq (b.len, pq_len (M, nbits, public));
        ck_assert_double_le (8.0 * (double) b.len, budgets[i]);
        /* No other (M | 64, nbits <= 8) with more code bits fits. */
        for (size_t m = 1; m <= 64; m *= 2)
          for (size_t nb = 1; nb <= 8; nb++)
            if (m * nb > M * nbits)
              ck_assert_msg (8.0 * (double) pq_len (m, nb, public) > budgets[i],
                             "budget %g: M=%zu nbits=%zu chosen, M=%zu nbits=%zu fits",
                             budgets[i], M, nbits, m, nb);
        varlb_blob_clear (&b);
      }
}
END_TEST

START_TEST (faiss_public_codebooks_are_free_and_rebuilt_by_answer)
{
  /* Same knobs, codebooks public: the blob loses exactly the codebooks and
     only that setting names a calibration; answer retrains the same
     codebooks from the public seed, so with one centroid set per column
     (M = d) every bit of the sampled rows decodes (a codebook trained
     otherwise permutes the centroids, and the codes point at the wrong
     ones). */
  const varlb_compressor_t *c = test_compressor ("faiss_pq");
  varlb_knobs_t ki, kp;
  varlb_knobs_init (&ki);
  varlb_knobs_init (&kp);
  ck_assert_int_eq (varlb_knobs_parse (&ki, "M=64,nbits=8"), VARLB_OK);
  ck_assert_int_eq (varlb_knobs_parse (&kp, "M=64,nbits=8,codebooks=public"), VARLB_OK);
  ck_assert_ptr_null (c->calibration (&ki));
  const char *note = c->calibration (&kp);
  ck_assert (note != NULL && strstr (note, "codebooks=public") != NULL);
  varlb_blob_t a, b;
  ck_assert_int_eq (compress_with (&a, c, &in, 1e9, "M=64,nbits=8"), VARLB_OK);
  ck_assert_int_eq (compress_with (&b, c, &in, 1e9, "M=64,nbits=8,codebooks=public"), VARLB_OK);
  ck_assert_uint_eq (a.len - b.len, 4 * 256 * 128);
  ck_assert_uint_eq (b.len, pq_len (64, 8, 1));
  double acc;
  ck_assert_int_eq (answer_with (&acc, c, &in, b.data, b.len, "M=64,nbits=8,codebooks=public", 32),
                    VARLB_OK);
  ck_assert_msg (acc == 1.0, "public codebooks: accuracy %.4f", acc);
  /* faiss_sq: the ranges (2 x 64 floats per matrix) likewise. */
  const varlb_compressor_t *s = test_compressor ("faiss_sq");
  varlb_blob_t sa, sb;
  ck_assert_int_eq (compress_with (&sa, s, &in, 1e9, "qtype=8bit"), VARLB_OK);
  ck_assert_int_eq (compress_with (&sb, s, &in, 1e9, "qtype=8bit,ranges=public"), VARLB_OK);
  ck_assert_uint_eq (sa.len - sb.len, 4 * 2 * 128);
  ck_assert_uint_eq (sb.len, 8 + 424 * 128);
  ck_assert_int_eq (answer_with (&acc, s, &in, sb.data, sb.len, "qtype=8bit,ranges=public", 32),
                    VARLB_OK);
  ck_assert_msg (acc == 1.0, "public ranges: accuracy %.4f", acc);
  varlb_blob_clear (&a), varlb_blob_clear (&b), varlb_blob_clear (&sa), varlb_blob_clear (&sb);
  varlb_knobs_clear (&ki);
  varlb_knobs_clear (&kp);
}
END_TEST

START_TEST (faiss_lying_headers_are_refused)
{
  cap_address_space ();
  const char *names[] = { "faiss_pq", "faiss_sq" };
  for (int which = 0; which < 2; which++)
    {
      const varlb_compressor_t *c = test_compressor (names[which]);
      varlb_blob_t b;
      ck_assert_int_eq (compress_with (&b, c, &in, 4.0 * (double) in.N, ""), VARLB_OK);
      double acc;
      ck_assert_int_eq (answer_with (&acc, c, &in, b.data, b.len, "", 8), VARLB_OK);
      unsigned char *lie = malloc (b.len);
      ck_assert (lie != NULL);
      const uint32_t pq_lies[][2] = { { 0, 425 }, { 0, 0xffffffffu }, { 4, 0 }, { 4, 3 },
                                      { 4, 128 }, { 8, 0 }, { 8, 9 }, { 8, 0xffffffffu } };
      const uint32_t sq_lies[][2] = { { 0, 425 }, { 0, 0xffffffffu }, { 4, 6 },
                                      { 4, 0xffffffffu } };
      size_t count = which ? sizeof sq_lies / sizeof *sq_lies : sizeof pq_lies / sizeof *pq_lies;
      for (size_t i = 0; i < count; i++)
        {
          const uint32_t *l = which ? sq_lies[i] : pq_lies[i];
          memcpy (lie, b.data, b.len);
          set_le32 (lie + l[0], l[1]);
          ck_assert_msg (answer_with (&acc, c, &in, lie, b.len, "", 8) == VARLB_EFORMAT,
                         "%s: field %u = %u accepted", c->name, l[0], l[1]);
        }
      free (lie);
      varlb_blob_clear (&b);
    }
}
END_TEST

START_TEST (faiss_more_tokens_than_the_instance_are_refused)
{
  /* A header claiming T + 1 tokens, with that token's codes appended so
     every size agrees: only the bound by the instance refuses it. */
  const char *names[] = { "faiss_pq", "faiss_sq" };
  for (int which = 0; which < 2; which++)
    {
      const varlb_compressor_t *c = test_compressor (names[which]);
      varlb_blob_t b;
      ck_assert_int_eq (compress_with (&b, c, &in, 16.0 * (double) in.N,
                                       which ? "ranges=public" : "codebooks=public"), VARLB_OK);
      size_t hdr = which ? 8 : 12, n = test_le32 (b.data), per = (b.len - hdr) / n;
      ck_assert_uint_eq (n, in.alice_tokens);
      ck_assert_uint_eq ((b.len - hdr) % n, 0);
      unsigned char *lie = calloc (b.len + per, 1);
      ck_assert (lie != NULL);
      memcpy (lie, b.data, b.len);
      set_le32 (lie, (uint32_t) n + 1);
      double acc;
      ck_assert_int_eq (answer_with (&acc, c, &in, lie, b.len + per,
                                     which ? "ranges=public" : "codebooks=public", 8),
                        VARLB_EFORMAT);
      free (lie);
      varlb_blob_clear (&b);
    }
}
END_TEST
#endif

TEST_MAIN ("thirdparty", s)
{
  TCase *tc = test_case_drawn (s, "libraries", 300);
  tcase_add_test (tc, provenance_names_the_library_and_nothing_for_own_builtins);
  /* A library this build lacks is a skip, said so, never a pass. */
#ifdef HAVE_ZFP
  tcase_add_test (tc, zfp_rate_is_the_largest_whole_rate_that_fits);
  tcase_add_test (tc, zfp_refuses_rates_below_the_guard_and_clamps_small_budgets);
  tcase_add_test (tc, zfp_lying_headers_are_refused);
#else
  test_skip ("zfp", "built without libzfp (configure found no zfp.h)");
#endif
#ifdef HAVE_FPZIP
  tcase_add_test (tc, fpzip_precision_is_the_largest_that_fits);
  tcase_add_test (tc, fpzip_lying_or_corrupted_streams_are_refused);
#else
  test_skip ("fpzip", "built without libfpzip (configure found no fpzip.h)");
#endif
#ifdef HAVE_FAISS
  tcase_add_test (tc, faiss_pq_takes_the_richest_codes_that_fit);
  tcase_add_test (tc, faiss_public_codebooks_are_free_and_rebuilt_by_answer);
  tcase_add_test (tc, faiss_lying_headers_are_refused);
  tcase_add_test (tc, faiss_more_tokens_than_the_instance_are_refused);
#else
  test_skip ("faiss", "built without libfaiss (configure did not find it)");
#endif
}
