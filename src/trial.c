/* trial.c -- one trial of the one-way channel (doc/ARCHITECTURE.md, the path of one trial) on one
 * head or a whole model (a head is a model of 1 x 1), as a short sequence of
 * named steps: Bob's queries are chosen head by head (each head's secret
 * stream), Alice's half compresses the whole cache in its sandbox, the
 * blob's bytes are taken and charged 8 bits each, the compress time is
 * padded to a grid, Bob's half answers in a fresh sandbox from a copy of
 * those bytes alone, and the answers are decoded head by head and judged
 * against the Fano ceiling.  The halves' commands are trial_half.c's; the
 * rows are rows.c's. */
#include <config.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "trial.h"

void
varlb__trial_fail (varlb_trial_t *t, int status, const char *why)
{
  t->status = status;
  snprintf (t->error, sizeof t->error, "%s", why);
  t->verdict = VARLB_VERDICT_ERROR;
}

/* The row's fields from the instance, spec, budget and options. */
static void
trial_begin (varlb_trial_t *t, const varlb_instance_t *in, const varlb_spec_t *s,
             double budget_bits, const varlb_channel_opts_t *o)
{
  memset (t, 0, sizeof *t);
  snprintf (t->compressor, sizeof t->compressor, "%s", s->text);
  t->budget_bits = budget_bits;
  t->N = in->N;
  t->seed = in->par.seed;
  t->public_seed = in->public_seed;
  varlb_judge_key_fingerprint (t->judge_key, in->par.judge_key);
  t->isolation = o->isolation == VARLB_ISOLATION_SANDBOX ? "sandbox" : "none";
  t->side_channel_bits = varlb_trial_timing_bits (o->timeout_s);
  t->accuracy = t->ci_low = t->ci_high = NAN;
  t->fano_ceiling = t->trivial = t->bits_charged = NAN;
  t->length_bits = t->bits_judged = t->p_value = NAN;
  t->witness_true = t->witness_returned = NAN;
  t->verdict = VARLB_VERDICT_ERROR;
  snprintf (t->calibration, sizeof t->calibration, "%s", s->calibration ? s->calibration : "");
  snprintf (t->provenance, sizeof t->provenance, "%s", s->provenance ? s->provenance : "");
  t->efficiency = NAN;
}

/* Bob's query tokens: every Alice token, or a uniform sample drawn from his
   secret stream (Alice cannot predict which), and his queries C k_i. */
static int
bob_queries (size_t *idx, double *Q, size_t m, const varlb_instance_t *in)
{
  if (m == in->alice_tokens)
    for (size_t i = 0; i < m; i++)
      idx[i] = i;
  else
    {
      gsl_rng *r = varlb_rng_secret (in->par.judge_key, in->par.seed, VARLB_STREAM_BOB);
      if (r == NULL)
        return VARLB_ENOMEM;
      int st = varlb_multi_index_draw (idx, m, in->alice_tokens, r);
      gsl_rng_free (r);
      if (st != VARLB_OK)
        return st;
    }
  return varlb_instance_queries (Q, in, idx, m);
}

/* ---------------------------------------------------- the whole arrays */

/* What a trial runs on: one head (an instance of any reduction, held by
   the caller) or a whole model's heads, each drawn when it is needed and
   freed after (never all at once). */
static int
head_draw (const varlb_instance_t **in, varlb_instance_t *buf, const varlb__trial_geom_t *g,
           size_t i)
{
  if (!g->m)
    {
      *in = g->h0;
      return VARLB_OK;
    }
  *in = buf;
  return varlb_model_head_init (buf, g->m, i / g->heads, i % g->heads);
}

static void
head_done (varlb_instance_t *buf, const varlb__trial_geom_t *g)
{
  if (g->m)
    varlb_instance_clear (buf);
}

/* A .npy image filled head by head: (rows, cols) for one head, (L, H,
   rows, cols) for a model. */
typedef struct image {
  unsigned char *buf;
  size_t len, hlen, head_bytes;
} image_t;

static int
image_init (image_t *a, const varlb__trial_geom_t *g, size_t rows)
{
  size_t dims[4] = { g->layers, g->heads, rows, g->d };
  int nd = g->m ? 4 : 2;
  unsigned char hdr[VARLB_NPY_HEADER_MAX];
  memset (a, 0, sizeof *a);
  int st = varlb_npy_header (hdr, sizeof hdr, &a->hlen, dims + 4 - nd, nd);
  if (st != VARLB_OK)
    return st;
  a->head_bytes = 8 * rows * g->d;
  a->len = a->hlen + g->n * a->head_bytes;
  if ((a->buf = malloc (a->len)) == NULL)
    return VARLB_ENOMEM;
  memcpy (a->buf, hdr, a->hlen);
  return VARLB_OK;
}

static void
image_put (image_t *a, size_t head, const double *x)
{
  varlb_npy_put (a->buf + a->hlen + head * a->head_bytes, x, a->head_bytes / 8);
}

static void
image_clear (image_t *a)
{
  free (a->buf);
  memset (a, 0, sizeof *a);
}

/* -------------------------------------------------------- the halves */

/* Half HALF's first output file NAME (*N bytes) once the half ran (status
   ST): NULL when the half failed, or, T failed with the reason, when the
   file is missing or unusable. */
static const unsigned char *
first_output (size_t *n, varlb_trial_t *t, const varlb_half_result_t *r, int st, const char *half,
              const char *name)
{
  char why[512];
  if (st != VARLB_OK || t->status != VARLB_OK)
    return NULL;
  const unsigned char *d = varlb__trial_collected (r, 0, n, half, name, why, sizeof why);
  if (d == NULL)
    varlb__trial_fail (t, VARLB_ECOMPRESSOR, why);
  return d;
}

/* Alice: compress K and V in her sandbox; the blob's bytes come back in
   *BLOB. */
static int
alice_compress (varlb_trial_t *t, unsigned char **blob, size_t *blen, const varlb__trial_geom_t *g,
                const varlb_spec_t *s, const image_t *K, const image_t *V, double budget_bits,
                const varlb_channel_opts_t *o)
{
  char budget[64], seed[32], fields[256], why[512];
  snprintf (budget, sizeof budget, "%.0f", budget_bits);
  snprintf (seed, sizeof seed, "%llu", g->public_seed);
  char *proto[] = { "--keys", "K.npy", "--values", "V.npy", "--budget-bits", budget,
                    "--seed", seed, "--out", "BLOB", NULL };
  varlb_half_file_t in[2] = { { "K.npy", K->buf, K->len }, { "V.npy", V->buf, V->len } };
  const char *out[2] = { "BLOB", "CALIBRATION" };
  snprintf (fields, sizeof fields, "\"keys\": \"K.npy\", \"values\": \"V.npy\", "
            "\"budget_bits\": %s, \"seed\": %s, \"out\": \"BLOB\"", budget, seed);
  varlb_half_result_t r;
  int st = varlb__trial_half (&r, t, s, g, o, "compress", proto, fields, in, 2, out, 2);
  size_t n;
  const unsigned char *d = first_output (&n, t, &r, st, "compress", "BLOB");
  if (d != NULL && (*blob = malloc (n ? n : 1)) == NULL)
    st = VARLB_ENOMEM;
  else if (d != NULL)
    {
      memcpy (*blob, d, n);
      *blen = n;
      const unsigned char *cal = varlb__trial_collected (&r, 1, &n, "compress", "CALIBRATION",
                                                         why, sizeof why);
      if (cal && (s->kind == VARLB_SPEC_EXEC || s->kind == VARLB_SPEC_SERVE))
        varlb__trial_declared_calibration (t, cal, n);
    }
  varlb__half_result_clear (&r);
  return st;
}

/* Bob's O.npy: parsed into *O, of the shape asked ((rows, d) for one head,
   (L, H, rows, d) for a model), every entry finite; T failed otherwise. */
static void
answer_check (varlb_trial_t *t, double **O, const unsigned char *b, size_t len,
              const varlb__trial_geom_t *g, size_t rows)
{
  char why[512], nwhy[200];
  size_t d = g->d, dims[VARLB_NPY_MAX_DIMS], r = 0, c = 0, per = rows * d;
  int nd = 0;
  if (!g->m && varlb_npy_parse_why (b, len, O, &r, &c, nwhy, sizeof nwhy) != VARLB_OK)
    {
      snprintf (why, sizeof why, "answer: O.npy: %s", nwhy);
      varlb__trial_fail (t, VARLB_ECOMPRESSOR, why);
      return;
    }
  if (!g->m && (r != rows || c != d))
    {
      snprintf (why, sizeof why, "answer: O.npy has shape (%zu, %zu), expected (%zu, %zu)",
                r, c, rows, d);
      varlb__trial_fail (t, VARLB_ECOMPRESSOR, why);
      return;
    }
  if (g->m && varlb_npy_parse_nd (b, len, O, dims, &nd) != VARLB_OK)
    {
      varlb__trial_fail (t, VARLB_ECOMPRESSOR,
                         "answer: O.npy is not a float64 little-endian C-order .npy");
      return;
    }
  if (g->m && (nd != 4 || dims[0] != g->layers || dims[1] != g->heads || dims[2] != rows
                   || dims[3] != d))
    {
      snprintf (why, sizeof why, "answer: O.npy is not of shape (%zu, %zu, %zu, %zu)",
                g->layers, g->heads, rows, d);
      varlb__trial_fail (t, VARLB_ECOMPRESSOR, why);
      return;
    }
  for (size_t k = 0; k < g->n * per; k++)
    if (!isfinite ((*O)[k]))
      {
        const char *what = isnan ((*O)[k]) ? "NaN" : "Inf";
        if (g->m)
          snprintf (why, sizeof why, "answer: O.npy holds %s at layer %zu, head %zu, row %zu, "
                    "column %zu", what, k / per / g->heads, k / per % g->heads, k % per / d,
                    k % d);
        else
          snprintf (why, sizeof why, "answer: O.npy holds %s at row %zu, column %zu", what,
                    k / d, k % d);
        varlb__trial_fail (t, VARLB_ENUMERIC, why);
        return;
      }
}

/* Bob: answer in a fresh sandbox holding a copy of the blob's bytes and his
   queries QF (ROWS a head); his outputs come back in *O. */
static int
bob_answer (varlb_trial_t *t, double **O, const unsigned char *blob, size_t blen,
            const image_t *Qf, size_t rows, const varlb__trial_geom_t *g, const varlb_spec_t *s,
            const varlb_channel_opts_t *o)
{
  char seed[32], fields[256];
  snprintf (seed, sizeof seed, "%llu", g->public_seed);
  char *proto[] = { "--blob", "BLOB", "--queries", "Q.npy", "--seed", seed, "--out", "O.npy",
                    NULL };
  varlb_half_file_t in[2] = { { "BLOB", blob, blen }, { "Q.npy", Qf->buf, Qf->len } };
  const char *out[1] = { "O.npy" };
  snprintf (fields, sizeof fields, "\"blob\": \"BLOB\", \"queries\": \"Q.npy\", "
            "\"seed\": %s, \"out\": \"O.npy\"", seed);
  varlb_half_result_t r;
  int st = varlb__trial_half (&r, t, s, g, o, "answer", proto, fields, in, 2, out, 1);
  size_t n;
  const unsigned char *d = first_output (&n, t, &r, st, "answer", "O.npy");
  if (d != NULL)
    answer_check (t, O, d, n, g, rows);
  varlb__half_result_clear (&r);
  return st;
}

/* ------------------------------------------------------------- judging */

/* Bob's answers O (ROWS a head, to the queries IDX) decoded head by head
   (a model's heads drawn again, one at a time) and judged: accuracy,
   intervals, the Fano ceiling at the bits judged (charged + side
   channels), the verdict, the (1 +- eta) rule against exact attention over
   the cache each head was given (Alice's tokens) and the witness of the
   first wrong bit.  Q holds the last head's queries (redrawn for others). */
static int
judge (varlb_trial_t *t, varlb_model_trial_t *mt, const varlb__trial_geom_t *g,
       const size_t *idx, double *Q, size_t rows, const double *O,
       const varlb_channel_opts_t *o)
{
  size_t d = g->d, correct = 0;
  double *exact = malloc (rows * d * sizeof *exact);
  int st = exact ? VARLB_OK : VARLB_ENOMEM;
  t->has_approx = 1;
  t->eta = g->par->eta;
  t->approx_eta = 0.0;
  for (size_t i = 0; st == VARLB_OK && i < g->n; i++)
    {
      varlb_instance_t buf;
      const varlb_instance_t *in;
      varlb_decode_report_t rep;
      varlb_decode_report_init (&rep);
      if ((st = head_draw (&in, &buf, g, i)) != VARLB_OK)
        break;
      const double *Oi = O + i * rows * d;
      const size_t *ii = idx + i * rows;
      /* --tokens: each of one head's tokens' correct bits. */
      varlb_bits_t dec;
      int tokens = o->token_correct && !g->m;
      if (g->n > 1)
        st = varlb_instance_queries (Q, in, ii, rows);
      if (st == VARLB_OK && tokens)
        st = varlb_bits_init (&dec, g->alice, d);
      if (st == VARLB_OK)
        st = varlb_instance_score (&rep, in, ii, rows, Oi, NULL, tokens ? &dec : NULL);
      if (st == VARLB_OK && tokens)
        {
          for (size_t k = 0; k < g->alice; k++)
            o->token_correct[k] = UINT_MAX;
          for (size_t r = 0; r < rows; r++)
            {
              unsigned c = 0;
              for (size_t j = 0; j < d; j++)
                c += varlb_bits_get (&dec, ii[r], j) == varlb_bits_get (&in->x, ii[r], j);
              o->token_correct[ii[r]] = c;
            }
        }
      if (tokens)
        varlb_bits_clear (&dec);
      if (st == VARLB_OK)
        st = varlb_attention (exact, Q, rows, in->K, in->V, in->alice_tokens, d, d, NULL, NULL,
                              NULL);
      if (st == VARLB_OK)
        {
          if (mt)
            mt->head_tested[i] = rep.bits, mt->head_correct[i] = rep.correct;
          correct += rep.correct;
          t->eta_violations += varlb_approx_violations (exact, Oi, rows * d, g->par->eta);
          for (size_t k = 0; k < rows * d; k++)
            {
              double err = fabs (Oi[k] - exact[k]);
              if (err > 0.0)
                t->approx_eta = fmax (t->approx_eta,
                                      exact[k] != 0.0 ? err / fabs (exact[k]) : INFINITY);
            }
        }
      if (st == VARLB_OK && !t->has_witness && rep.first_wrong_token != (size_t) -1)
        {
          size_t r = 0;
          while (ii[r] != rep.first_wrong_token)
            r++;
          /* The witness's reference is the reduction's own: the full cache,
             Bob's zero block included. */
          double *ofull = malloc (d * sizeof *ofull);
          if (ofull && varlb_attention_zero (ofull, Q + r * d, 1, in->K, in->V, in->alice_tokens,
                                             in->bob_rows, d, d, NULL, NULL, NULL) == VARLB_OK)
            {
              t->has_witness = 1;
              if (mt)
                mt->witness_layer = i / g->heads, mt->witness_head = i % g->heads;
              t->witness_token = rep.first_wrong_token;
              t->witness_coord = rep.first_wrong_col;
              t->witness_true = ofull[rep.first_wrong_col];
              t->witness_returned = Oi[r * d + rep.first_wrong_col];
            }
          free (ofull);
        }
      head_done (&buf, g);
    }
  free (exact);
  if (st != VARLB_OK)
    return st;
  /* Judged at the unit Bob sampled: the bits when he asked every token,
     the tokens when he asked a sample; a model's heads as strata of their
     Alice tokens, ROWS of each asked; at the bits charged plus the side
     channels and the blob's length (varlb_trial_judge). */
  return varlb_trial_judge (t, correct, g->m ? g->n : 1, rows, g->m ? t->N / g->n / d : g->alice,
                            d, o->max_file_bytes);
}

/* -------------------------------------------------------------- the trial */

/* The trial on G, its row T already begun (MT: a model's, or NULL). */
static int
trial_core (varlb_trial_t *t, varlb_model_trial_t *mt, const varlb__trial_geom_t *g,
            const varlb_spec_t *s, double budget_bits, const varlb_channel_opts_t *opts)
{
  double t0 = varlb__trial_now ();
  varlb_channel_opts_t o = *opts;
  /* Auto: 16 times the cache at fp64, K and V (no honest blob needs more),
     at least 64 MiB. */
  double cache = 8.0 * (double) g->n * (double) g->alice * 2.0 * (double) g->d;
  if (o.max_file_bytes == 0)
    o.max_file_bytes = 16 * cache > (double) (64ULL << 20) ? (unsigned long long) (16 * cache)
                                                           : 64ULL << 20;
  size_t rows = o.sample && o.sample < g->alice ? o.sample : g->alice;
  size_t *idx = malloc (g->n * rows * sizeof *idx);
  double *Q = malloc (rows * g->d * sizeof *Q), *O = NULL;
  unsigned char *blob = NULL;
  size_t blen = 0;
  image_t K, V, Qf;
  memset (&K, 0, sizeof K), memset (&V, 0, sizeof V), memset (&Qf, 0, sizeof Qf);
  int st = idx && Q ? VARLB_OK : VARLB_ENOMEM;
  if (st == VARLB_OK)
    st = image_init (&K, g, g->alice);
  if (st == VARLB_OK)
    st = image_init (&V, g, g->alice);
  if (st == VARLB_OK)
    st = image_init (&Qf, g, rows);
  /* Head by head: its cache, and Bob's queries from its secret stream. */
  for (size_t i = 0; st == VARLB_OK && i < g->n; i++)
    {
      varlb_instance_t buf;
      const varlb_instance_t *in;
      if ((st = head_draw (&in, &buf, g, i)) != VARLB_OK)
        break;
      image_put (&K, i, in->K);
      image_put (&V, i, in->V);
      st = bob_queries (idx + i * rows, Q, rows, in);
      if (st == VARLB_OK)
        image_put (&Qf, i, Q);
      head_done (&buf, g);
    }
  /* --cold-cache: no other half on the host from here to Bob's end. */
  int cold = st == VARLB_OK && varlb__trial_cold_begin (t, &o) == 0 && o.cold_cache;
  double alice_start = varlb__trial_now ();
  if (st == VARLB_OK && t->status == VARLB_OK)
    st = alice_compress (t, &blob, &blen, g, s, &K, &V, budget_bits, &o);
  image_clear (&K);
  image_clear (&V);
  if (st == VARLB_OK && t->status == VARLB_OK)
    {
      /* The charge: 8 bits per byte of the blob, whatever the compressor
         says. */
      t->bits_charged = 8.0 * (double) blen;
      t->over_budget = t->bits_charged > budget_bits;
      if (o.keep_blob)
        st = varlb__trial_keep_blob (o.keep_blob, blob, blen);
      varlb__trial_cold_between (t, (varlb_spec_t *) s, &o);
      varlb__trial_pad_to_grid (alice_start, o.timeout_s);
    }
  if (st == VARLB_OK && t->status == VARLB_OK)
    st = bob_answer (t, &O, blob, blen, &Qf, rows, g, s, &o);
  image_clear (&Qf);
  if (cold)
    varlb__trial_cold_end (&o);
  if (st == VARLB_OK && t->status == VARLB_OK)
    st = judge (t, mt, g, idx, Q, rows, O, &o);
  t->wall_s = varlb__trial_now () - t0;
  free (idx);
  free (Q);
  free (O);
  free (blob);
  return st;
}

/* Budgets are whole bits. */
static int
whole_bits (double b)
{
  return b >= 0 && b == floor (b) && b < 0x1p53;
}

int
varlb_trial_run (varlb_trial_t *t, const varlb_instance_t *in, const varlb_spec_t *s,
                 double budget_bits, const varlb_channel_opts_t *opts)
{
  trial_begin (t, in, s, budget_bits, opts);
  if (!whole_bits (budget_bits))
    return VARLB_EINVAL;
  varlb__trial_geom_t g = { .h0 = in, .par = &in->par, .layers = 1, .heads = 1, .n = 1,
                            .d = in->d, .alice = in->alice_tokens,
                            .public_seed = (unsigned long long) in->public_seed };
  return trial_core (t, NULL, &g, s, budget_bits, opts);
}

void
varlb_model_trial_clear (varlb_model_trial_t *mt)
{
  free (mt->head_tested);
  free (mt->head_correct);
  mt->head_tested = mt->head_correct = NULL;
}

/* A model is the trial above on its L x H heads at once: one compress half
   sees the whole cache (L, H, T, d) under one budget. */
int
varlb_model_trial_run (varlb_model_trial_t *mt, const varlb_model_t *m,
                       const varlb_model_spec_t *s, double budget_bits,
                       const varlb_channel_opts_t *opts, unsigned long long max_cache_bytes)
{
  memset (mt, 0, sizeof *mt);
  size_t n = m->layers * m->heads;
  varlb_instance_t h0;
  int st = varlb_model_head_init (&h0, m, 0, 0);
  if (st != VARLB_OK)
    return st;
  varlb_trial_t *t = &mt->t;
  trial_begin (t, &h0, &s->s, budget_bits, opts);
  snprintf (mt->model, sizeof mt->model, "%s", m->name);
  mt->layers = m->layers;
  mt->heads = m->heads;
  t->N = varlb_model_hidden_bits (m);
  t->seed = m->par.seed;
  t->public_seed = varlb_seed_public (m->par.seed);
  mt->head_tested = calloc (n, sizeof *mt->head_tested);
  mt->head_correct = calloc (n, sizeof *mt->head_correct);
  if (!mt->head_tested || !mt->head_correct)
    st = VARLB_ENOMEM;
  else if (!whole_bits (budget_bits))
    st = VARLB_EINVAL;
  /* The whole cache at fp64, K and V, as the halves and the judge hold it. */
  double cache = 8.0 * (double) n * (double) h0.alice_tokens * 2.0 * (double) m->par.d;
  if (max_cache_bytes == 0)
    max_cache_bytes = VARLB_MODEL_MAX_CACHE_DEFAULT;
  if (st == VARLB_OK && cache > (double) max_cache_bytes)
    {
      char why[256];
      snprintf (why, sizeof why, "the whole cache is %.0f bytes at fp64 (K and V), above "
                "--max-cache-bytes %llu", cache, max_cache_bytes);
      varlb__trial_fail (t, VARLB_EINVAL, why);
      st = VARLB_EINVAL;
    }
  varlb__trial_geom_t g = { .h0 = &h0, .m = m, .par = &m->par, .layers = m->layers,
                            .heads = m->heads, .n = n, .d = m->par.d,
                            .alice = h0.alice_tokens,
                            .public_seed = (unsigned long long) t->public_seed };
  if (st == VARLB_OK)
    st = trial_core (t, mt, &g, &s->s, budget_bits, opts);
  varlb_instance_clear (&h0);
  return st;
}
