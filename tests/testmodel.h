/* testmodel.h -- what the whole-model suites share (test_model.c,
 * test_alloc.c): a model of the 256px preset under a fixed judge key, and
 * a model's whole cache with its queries, knobs, pyramid and blob, run
 * through a whole-model compressor and scored head by head. */
#ifndef VARLB_TESTMODEL_H
#define VARLB_TESTMODEL_H
#include "testutil.h"
#include <math.h>
#include <string.h>
#include "compressors/alloc.h"

static const unsigned char KEY[VARLB_JUDGE_KEY_BYTES] = { 7, 1, 8, 2, 8, 1, 8, 2, 8, 4, 5, 9 };

/* A LAYERS x HEADS model of the 256px preset (d = 64) under KEY. */
static inline void
model (varlb_model_t *m, size_t layers, size_t heads, uint64_t seed)
{
  varlb_params_t p;
  ck_assert_int_eq (varlb_params_init (&p), VARLB_OK);
  p.seed = seed;
  memcpy (p.judge_key, KEY, sizeof KEY);
  ck_assert_int_eq (varlb_model_init (m, &p, layers, heads), VARLB_OK);
  varlb_params_clear (&p);
}

/* ------------------------------------------------- whole-model caches */

/* A model drawn from a seed with its whole cache (L, H, T, d), every
   head's queries for every Alice token (L, H, T, d) and its heads'
   instances, and what a compressor runs with: knobs parsed from a text,
   the 256px pyramid and the blob it writes. */
typedef struct cache {
  varlb_model_t m;
  varlb_instance_t in[8];
  size_t n, T, d;
  double *K, *V, *Q;
  uint64_t P;
  varlb_knobs_t k;
  varlb_pyramid_t py;
  varlb_blob_t b;
} cache_t;

/* The model part of C (model above), KNOBS (NULL: none), the pyramid and
   an empty blob; cache_heads draws the heads. */
static inline void
cache_model (cache_t *c, size_t layers, size_t heads, uint64_t seed, const char *knobs)
{
  model (&c->m, layers, heads, seed);
  ck_assert_int_eq (varlb_knobs_parse (&c->k, knobs), VARLB_OK);
  ck_assert_int_eq (varlb_pyramid_init_preset (&c->py, 256), VARLB_OK);
  varlb_blob_init (&c->b);
}

static inline void
cache_heads (cache_t *c)
{
  const varlb_model_t *m = &c->m;
  c->n = m->layers * m->heads;
  ck_assert_uint_le (c->n, 8);
  c->d = m->par.d;
  c->P = varlb_seed_public (m->par.seed);
  for (size_t i = 0; i < c->n; i++)
    ck_assert_int_eq (varlb_model_head_init (&c->in[i], m, i / m->heads, i % m->heads), VARLB_OK);
  c->T = c->in[0].alice_tokens;
  size_t per = c->T * c->d, *idx = malloc (c->T * sizeof *idx);
  c->K = malloc (c->n * per * sizeof *c->K);
  c->V = malloc (c->n * per * sizeof *c->V);
  c->Q = malloc (c->n * per * sizeof *c->Q);
  for (size_t t = 0; t < c->T; t++)
    idx[t] = t;
  for (size_t i = 0; i < c->n; i++)
    {
      memcpy (c->K + i * per, c->in[i].K, per * sizeof *c->K);
      memcpy (c->V + i * per, c->in[i].V, per * sizeof *c->V);
      ck_assert_int_eq (varlb_instance_queries (c->Q + i * per, &c->in[i], idx, c->T), VARLB_OK);
    }
  free (idx);
}

/* A LAYERS x HEADS model from SEED, its cache, KNOBS (NULL: none). */
static inline void
cache_init (cache_t *c, size_t layers, size_t heads, uint64_t seed, const char *knobs)
{
  cache_model (c, layers, heads, seed, knobs);
  cache_heads (c);
}

static inline void
cache_clear (cache_t *c)
{
  for (size_t i = 0; i < c->n; i++)
    varlb_instance_clear (&c->in[i]);
  free (c->K), free (c->V), free (c->Q);
  varlb_blob_clear (&c->b);
  varlb_knobs_clear (&c->k);
  varlb_pyramid_clear (&c->py);
  varlb_model_clear (&c->m);
}

/* Correct bits of O (every head's answers) against the heads' bits. */
static inline size_t
score (const cache_t *c, const double *O)
{
  size_t *idx = malloc (c->T * sizeof *idx);
  for (size_t t = 0; t < c->T; t++)
    idx[t] = t;
  size_t correct = 0;
  for (size_t i = 0; i < c->n; i++)
    {
      varlb_decode_report_t r;
      varlb_decode_report_init (&r);
      ck_assert_int_eq (varlb_instance_score (&r, &c->in[i], idx, c->T, O + i * c->T * c->d,
                                              NULL, NULL), VARLB_OK);
      correct += r.correct;
    }
  free (idx);
  return correct;
}

static inline const varlb_model_compressor_t *
allocator (const char *name)
{
  const varlb_model_compressor_t *mc = varlb_model_compressor_find (name);
  ck_assert_msg (mc != NULL, "no whole-model compressor %s", name);
  ck_assert_int_eq (mc->base.abi, VARLB_COMPRESSOR_ABI_MODEL);
  return mc;
}

/* MC's compress of C's whole cache at BUDGET into C's blob; its status. */
static inline int
compress (cache_t *c, const varlb_model_compressor_t *mc, double budget)
{
  return mc->compress (&c->b, c->K, c->V, c->m.layers, c->m.heads, c->T, c->d, c->d, budget,
                       c->P, &c->k, &c->py);
}

/* MC's answers into O from the blob DATA (LEN bytes) for the ROWS queries
   Q of each of C's heads; its status. */
static inline int
answer (double *O, const cache_t *c, const varlb_model_compressor_t *mc,
        const unsigned char *data, size_t len, const double *Q, size_t rows)
{
  return mc->answer (O, data, len, c->P, Q, c->m.layers, c->m.heads, rows, c->d, c->d, &c->k,
                     &c->py);
}

/* Compress C's cache with MC at BUDGET; answer every Alice token; correct
   bits. */
static inline size_t
run (cache_t *c, const varlb_model_compressor_t *mc, double budget)
{
  ck_assert_int_eq (compress (c, mc, budget), VARLB_OK);
  double *O = malloc (c->n * c->T * c->d * sizeof *O);
  ck_assert_int_eq (answer (O, c, mc, c->b.data, c->b.len, c->Q, c->T), VARLB_OK);
  size_t correct = score (c, O);
  free (O);
  return correct;
}

#endif
