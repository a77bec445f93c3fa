/* testzoo.h -- what the suites of the built-in zoo share (test_compressors.c,
 * test_pq.c): the zoo's names from zoo.def, the default instance's seed,
 * one compressor's run (instance, knobs, blob, every token's queries) with
 * its compress and answer, its accuracy at a budget, and a built-in
 * compressed by name. */
#ifndef VARLB_TESTZOO_H
#define VARLB_TESTZOO_H
#include <config.h>
#include "testutil.h"
#include <math.h>
#include <string.h>
#include "compressors/common.h"

/* zoo.def names each compressor by its symbol varlb_compressor_NAME. */
#define VARLB_BUILTIN(sym) #sym,
static const char *const zoo_symbols[] = {
#include "compressors/zoo.def"
};
#undef VARLB_BUILTIN
#define ZOO_N (sizeof zoo_symbols / sizeof *zoo_symbols)

static const uint64_t SEED = 20261123;

static inline const varlb_compressor_t *
zoo_at (size_t i)
{
  const char *prefix = "varlb_compressor_";
  const char *s = zoo_symbols[i];
  ck_assert_msg (strncmp (s, prefix, strlen (prefix)) == 0, "zoo.def symbol %s", s);
  const varlb_compressor_t *c = varlb_compressor_find (s + strlen (prefix));
  ck_assert_msg (c != NULL, "%s is in zoo.def but not in the registry", s);
  return c;
}

/* One compressor's blob of the default instance and what Bob needs to
   answer from it: the queries of every Alice token (IDX, Q) and room for
   their answers (O). */
typedef struct
{
  varlb_instance_t in;
  const varlb_compressor_t *c;
  varlb_knobs_t k;
  varlb_blob_t b;
  size_t *idx;
  double *Q, *O;
} zoo_run_t;

/* Z with C under KNOB_TEXT (where CHECK, asserted valid for C's table) on
   the instance drawn from SEED, its blob still empty. */
static inline void
zoo_run_init (zoo_run_t *z, const varlb_compressor_t *c, const char *knob_text, int check)
{
  test_instance (&z->in, SEED);
  z->c = c;
  test_knobs (&z->k, c, knob_text, check);
  varlb_blob_init (&z->b);
  size_t n = z->in.alice_tokens;
  z->Q = malloc (n * z->in.d * sizeof *z->Q);
  z->O = malloc (n * z->in.d * sizeof *z->O);
  z->idx = malloc (n * sizeof *z->idx);
  ck_assert (z->Q && z->O && z->idx);
  for (size_t i = 0; i < n; i++)
    z->idx[i] = i;
  ck_assert_int_eq (varlb_instance_queries (z->Q, &z->in, z->idx, n), VARLB_OK);
}

static inline void
zoo_run_clear (zoo_run_t *z)
{
  free (z->idx), free (z->Q), free (z->O);
  varlb_blob_clear (&z->b);
  varlb_knobs_clear (&z->k);
  varlb_instance_clear (&z->in);
}

/* Z's instance compressed at BUDGET into B (cleared and made again here):
   compress's status. */
static inline int
zoo_try_compress (varlb_blob_t *b, const zoo_run_t *z, double budget)
{
  varlb_blob_clear (b);
  varlb_blob_init (b);
  return z->c->compress (b, z->in.K, z->in.V, z->in.alice_tokens, z->in.d, z->in.d, budget,
                         z->in.public_seed, &z->k, &z->in.par.pyramid);
}

/* The same, asserted to succeed. */
static inline void
zoo_compress (varlb_blob_t *b, const zoo_run_t *z, double budget)
{
  int st = zoo_try_compress (b, z, budget);
  ck_assert_msg (st == VARLB_OK, "%s: compress at %g bits returned %d", z->c->name, budget, st);
}

/* Answer's status on the first M of Z's queries from the LEN bytes at
   BLOB, into OUT (m x d). */
static inline int
zoo_answer (double *out, const zoo_run_t *z, const unsigned char *blob, size_t len, size_t m)
{
  return z->c->answer (out, blob, len, z->in.public_seed, z->Q, m, z->in.d, z->in.d, &z->k,
                       &z->in.par.pyramid);
}

/* Accuracy over all N bits of Z's compressor at BUDGET (the blob in Z's
   B); the blob length goes to LEN, the decoded bits to DECODED (optional,
   initialised alice_tokens x d). */
static inline double
accuracy (zoo_run_t *z, double budget, size_t *len, varlb_bits_t *decoded)
{
  zoo_compress (&z->b, z, budget);
  size_t m = z->in.alice_tokens;
  /* Exactly the blob's bytes, so a read past the end is a real overrun. */
  unsigned char *copy = malloc (z->b.len + 1);
  ck_assert (copy != NULL);
  memcpy (copy, z->b.data, z->b.len);
  int st = zoo_answer (z->O, z, copy, z->b.len, m);
  ck_assert_msg (st == VARLB_OK, "%s: answer at %g bits returned %d", z->c->name, budget, st);
  for (size_t i = 0; i < m * z->in.d; i++)
    ck_assert_msg (isfinite (z->O[i]), "%s: non-finite output", z->c->name);
  varlb_decode_report_t r;
  varlb_decode_report_init (&r);
  ck_assert_int_eq (varlb_instance_score (&r, &z->in, z->idx, m, z->O, NULL, decoded), VARLB_OK);
  ck_assert_uint_eq (r.bits, z->in.N);
  *len = z->b.len;
  free (copy);
  return (double) r.correct / (double) r.bits;
}

/* Room for the whole cache at fp64, plus headers and codebooks. */
static inline double
lossless_budget (const varlb_instance_t *in)
{
  return 64.0 * 2.0 * (double) in->alice_tokens * (double) in->d + 65536.0;
}


/* IN's cache compressed with the built-in NAME under KNOB_TEXT (not checked
   against its table) at BUDGET into B (initialised here; asserted to
   succeed). */
static inline void
compress_named (varlb_blob_t *b, const char *name, const char *knob_text,
                const varlb_instance_t *in, double budget)
{
  int st = test_compress (b, test_compressor (name), in, in->K, in->V, budget, knob_text, 0);
  ck_assert_msg (st == VARLB_OK, "%s:%s: compress at %g bits returned %d", name, knob_text,
                 budget, st);
}

#endif
