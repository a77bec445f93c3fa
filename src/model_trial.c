/* model_trial.c -- one trial of the one-way channel on a whole model: the
 * steps of trial.c with the whole cache.  Bob's queries are chosen head by
 * head (each head's secret stream), Alice's half compresses the whole cache
 * (L, H, T, d) under one global budget, the blob is charged 8 bits a byte,
 * Bob's half answers every head's queries from a copy of it, and the judge
 * decodes head by head (drawing each head again, never all at once) and
 * judges the whole model against its Fano ceiling. */
#define _GNU_SOURCE 1 /* asprintf, open_memstream */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "trial.h"

static double
now_s (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

void
varlb_model_trial_clear (varlb_model_trial_t *mt)
{
  free (mt->head_tested);
  free (mt->head_correct);
  mt->head_tested = mt->head_correct = NULL;
}

/* ---------------------------------------------------- the whole arrays */

/* A .npy image of shape (L, H, rows, cols) filled head by head. */
typedef struct npy4 {
  unsigned char *buf;
  size_t len, hlen, head_bytes;
} npy4_t;

static int
npy4_init (npy4_t *a, size_t L, size_t H, size_t rows, size_t cols)
{
  size_t dims[4] = { L, H, rows, cols };
  unsigned char hdr[VARLB_NPY_HEADER_MAX];
  memset (a, 0, sizeof *a);
  int st = varlb_npy_header (hdr, sizeof hdr, &a->hlen, dims, 4);
  if (st != VARLB_OK)
    return st;
  a->head_bytes = 8 * rows * cols;
  a->len = a->hlen + L * H * a->head_bytes;
  if ((a->buf = malloc (a->len)) == NULL)
    return VARLB_ENOMEM;
  memcpy (a->buf, hdr, a->hlen);
  return VARLB_OK;
}

static void
npy4_put (npy4_t *a, size_t head, const double *x)
{
  varlb_npy_put (a->buf + a->hlen + head * a->head_bytes, x, a->head_bytes / 8);
}

static void
npy4_clear (npy4_t *a)
{
  free (a->buf);
  memset (a, 0, sizeof *a);
}

/* -------------------------------------------------------- the halves */

typedef struct model_cmd {
  char *argv[32];
  char *owned[4];
  char *expose[16];
  char env_buf[VARLB__TRIAL_PUBLIC_ENV + 2][1200];
  char *env[VARLB__TRIAL_PUBLIC_ENV + 3];
} model_cmd_t;

static void
model_cmd_clear (model_cmd_t *c)
{
  for (size_t i = 0; i < 4; i++)
    free (c->owned[i]);
  for (size_t i = 0; i < 16; i++)
    free (c->expose[i]);
}

/* The command of a half: an exec program under /bin/sh (the file protocol
   with 4-D arrays), a serve: worker (started once for the whole run, so
   the model's shape travels in each request, not in its environment), or
   varlb's own whole-model half; the environment of a single head's plus the
   model's shape and its public seed. */
static int
model_cmd (model_cmd_t *c, const varlb_model_spec_t *s, const varlb_model_t *m,
           const varlb_instance_t *h0, const varlb_channel_opts_t *o, const char *half,
           char *const *proto)
{
  memset (c, 0, sizeof *c);
  varlb__trial_public_env (c->env_buf, h0);
  snprintf (c->env_buf[8], 1200, "VARLB_PUBLIC_SEED=%llu",
            (unsigned long long) varlb_seed_public (m->par.seed));
  snprintf (c->env_buf[VARLB__TRIAL_PUBLIC_ENV], 1200, "VARLB_LAYERS=%zu", m->layers);
  snprintf (c->env_buf[VARLB__TRIAL_PUBLIC_ENV + 1], 1200, "VARLB_HEADS=%zu", m->heads);
  for (size_t i = 0; i < VARLB__TRIAL_PUBLIC_ENV + 2; i++)
    c->env[i] = c->env_buf[i];
  size_t n = 0;
  const varlb_spec_t *v = &s->s;
  if (v->kind == VARLB_SPEC_EXEC || v->kind == VARLB_SPEC_SERVE)
    {
      if ((n = varlb__trial_program_argv (c->argv, &c->owned[0], c->expose, v, half)) == 0)
        return VARLB_ENOMEM;
      if (v->kind == VARLB_SPEC_SERVE)
        {
          c->env[0] = NULL;
          c->argv[n] = NULL;
          return VARLB_OK;
        }
    }
  else if ((n = varlb__trial_own_argv (c->argv, c->owned, c->expose, v, &m->par.pyramid,
                                       m->par.d, o, strcmp (half, "compress") == 0
                                       ? "__compress_model" : "__answer_model")) == 0)
    return VARLB_ENOMEM;
  for (size_t i = 0; proto[i] && n < 31; i++)
    c->argv[n++] = proto[i];
  c->argv[n] = NULL;
  return VARLB_OK;
}

/* Run one half with input files IN (a serve: worker gets FIELDS as its
   request); R receives the outcome, T any failure. */
static int
run_half (varlb_half_result_t *r, varlb_trial_t *t, const varlb_model_spec_t *s,
          const varlb_model_t *m, const varlb_instance_t *h0, const varlb_channel_opts_t *o,
          const char *half, char *const *proto, const char *fields,
          const varlb_half_file_t *in, size_t n_in, const char *const *out, size_t n_out)
{
  model_cmd_t c;
  memset (r, 0, sizeof *r);
  int st = model_cmd (&c, s, m, h0, o, half, proto);
  if (st == VARLB_OK)
    {
      varlb_half_spec_t h = { .label = half, .argv = c.argv, .n_in = n_in, .n_out = n_out,
                              .env = c.env, .expose = (const char *const *) c.expose,
                              .calibration = varlb__trial_calibration (&s->s) };
      for (size_t i = 0; i < n_in; i++)
        h.in[i] = in[i];
      for (size_t i = 0; i < n_out; i++)
        h.out[i] = out[i];
      char shape[96];
      snprintf (shape, sizeof shape, ", \"layers\": %zu, \"heads\": %zu", m->layers, m->heads);
      st = s->s.kind == VARLB_SPEC_SERVE
           ? varlb__trial_serve (r, &s->s, &h, h0, shape, fields, o)
           : varlb__half_run (r, &h, o);
    }
  model_cmd_clear (&c);
  char *tail = strcmp (half, "compress") == 0 ? t->stderr_compress : t->stderr_answer;
  snprintf (tail, 512, "%s", r->stderr_tail);
  if (st == VARLB_EUNSUPPORTED || (st != VARLB_OK && r->why[0]))
    varlb__trial_fail (t, st, r->why);
  else if (st == VARLB_OK && r->status != VARLB_OK)
    varlb__trial_fail_half (t, r);
  return st;
}

/* ------------------------------------------------------------- judging */

/* Every head drawn again and scored on its rows of O (m rows each); the
   row's statistics at the whole model's Fano ceiling. */
static int
judge (varlb_model_trial_t *mt, const varlb_model_t *m, const size_t *idx, size_t rows,
       const double *O)
{
  varlb_trial_t *t = &mt->t;
  size_t n = m->layers * m->heads, d = m->par.d, correct = 0, tested = 0;
  double *exact = malloc (rows * d * sizeof *exact), *Q = malloc (rows * d * sizeof *Q);
  int st = exact && Q ? VARLB_OK : VARLB_ENOMEM;
  t->has_approx = 1;
  t->eta = m->par.eta;
  t->approx_eta = 0.0;
  for (size_t i = 0; st == VARLB_OK && i < n; i++)
    {
      varlb_instance_t in;
      varlb_decode_report_t rep;
      varlb_decode_report_init (&rep);
      if ((st = varlb_model_head_init (&in, m, i / m->heads, i % m->heads)) != VARLB_OK)
        break;
      const double *Oi = O + i * rows * d;
      const size_t *ii = idx + i * rows;
      st = varlb_instance_queries (Q, &in, ii, rows);
      if (st == VARLB_OK)
        st = varlb_instance_score (&rep, &in, ii, rows, Oi, NULL, NULL);
      /* The (1 +- eta) rule against exact attention over the head's cache. */
      if (st == VARLB_OK)
        st = varlb_attention (exact, Q, rows, in.K, in.V, in.alice_tokens, d, d, NULL, NULL,
                              NULL);
      if (st == VARLB_OK)
        {
          mt->head_tested[i] = rep.bits;
          mt->head_correct[i] = rep.correct;
          tested += rep.bits;
          correct += rep.correct;
          t->eta_violations += varlb_approx_violations (exact, Oi, rows * d, m->par.eta);
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
          double *ofull = malloc (d * sizeof *ofull);
          if (ofull && varlb_attention_zero (ofull, Q + r * d, 1, in.K, in.V, in.alice_tokens,
                                             in.bob_rows, d, d, NULL, NULL, NULL) == VARLB_OK)
            {
              t->has_witness = 1;
              mt->witness_layer = i / m->heads;
              mt->witness_head = i % m->heads;
              t->witness_token = rep.first_wrong_token;
              t->witness_coord = rep.first_wrong_col;
              t->witness_true = ofull[rep.first_wrong_col];
              t->witness_returned = Oi[r * d + rep.first_wrong_col];
            }
          free (ofull);
        }
      varlb_instance_clear (&in);
    }
  free (exact);
  free (Q);
  if (st != VARLB_OK)
    return st;
  double N = (double) t->N, judged = t->bits_charged + t->side_channel_bits;
  t->bits_tested = tested;
  t->correct = correct;
  t->accuracy = (double) correct / (double) tested;
  /* Judged as one head's trial is, at the token: each head is a stratum
     of its Alice tokens, ROWS of them asked (varlb_judge_strata). */
  varlb_judgement_t j;
  st = varlb_judge_strata (&j, correct, n, rows, t->N / n / d, d, t->bits_charged, judged);
  if (st != VARLB_OK)
    return st;
  t->ci_low = j.ci_low;
  t->ci_high = j.ci_high;
  t->fano_ceiling = j.fano_judged;
  t->trivial = varlb_trivial_accuracy (t->bits_charged, N);
  t->efficiency = varlb_efficiency (t->accuracy, t->bits_charged, N);
  t->verdict = j.verdict;
  return VARLB_OK;
}

/* -------------------------------------------------------------- the trial */

int
varlb_model_trial_run (varlb_model_trial_t *mt, const varlb_model_t *m,
                       const varlb_model_spec_t *s, double budget_bits,
                       const varlb_channel_opts_t *opts, unsigned long long max_cache_bytes)
{
  memset (mt, 0, sizeof *mt);
  size_t n = m->layers * m->heads, d = m->par.d;
  varlb_instance_t h0;
  int st = varlb_model_head_init (&h0, m, 0, 0);
  if (st != VARLB_OK)
    return st;
  varlb_trial_t *t = &mt->t;
  varlb__trial_begin (t, &h0, &s->s, budget_bits, opts);
  snprintf (mt->model, sizeof mt->model, "%s", m->name);
  mt->layers = m->layers;
  mt->heads = m->heads;
  t->N = varlb_model_hidden_bits (m);
  t->seed = m->par.seed;
  t->public_seed = varlb_seed_public (m->par.seed);
  mt->head_tested = calloc (n, sizeof *mt->head_tested);
  mt->head_correct = calloc (n, sizeof *mt->head_correct);
  size_t alice = h0.alice_tokens;
  if (!mt->head_tested || !mt->head_correct)
    st = VARLB_ENOMEM;
  else if (!(budget_bits >= 0 && budget_bits == floor (budget_bits) && budget_bits < 0x1p53))
    st = VARLB_EINVAL; /* budgets are whole bits */
  /* The whole cache at fp64, K and V, as the halves and the judge hold it. */
  double cache = 8.0 * (double) n * (double) alice * 2.0 * (double) d;
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
  if (st != VARLB_OK)
    {
      varlb_instance_clear (&h0);
      return st;
    }
  double t0 = now_s ();
  varlb_channel_opts_t o = *opts;
  if (o.max_file_bytes == 0)
    o.max_file_bytes = 16 * cache > (double) (64ULL << 20) ? (unsigned long long) (16 * cache)
                                                           : 64ULL << 20;
  size_t rows = o.sample && o.sample < alice ? o.sample : alice;
  size_t *idx = malloc (n * rows * sizeof *idx);
  double *Qi = malloc (rows * d * sizeof *Qi), *O = NULL;
  npy4_t Kf, Vf, Qf;
  memset (&Kf, 0, sizeof Kf), memset (&Vf, 0, sizeof Vf), memset (&Qf, 0, sizeof Qf);
  st = idx && Qi ? VARLB_OK : VARLB_ENOMEM;
  if (st == VARLB_OK)
    st = npy4_init (&Kf, m->layers, m->heads, alice, d);
  if (st == VARLB_OK)
    st = npy4_init (&Vf, m->layers, m->heads, alice, d);
  if (st == VARLB_OK)
    st = npy4_init (&Qf, m->layers, m->heads, rows, d);
  /* Head by head: its cache, and Bob's queries from its secret stream. */
  for (size_t i = 0; st == VARLB_OK && i < n; i++)
    {
      varlb_instance_t in;
      if ((st = varlb_model_head_init (&in, m, i / m->heads, i % m->heads)) != VARLB_OK)
        break;
      npy4_put (&Kf, i, in.K);
      npy4_put (&Vf, i, in.V);
      st = varlb__trial_bob_queries (idx + i * rows, Qi, rows, &in);
      if (st == VARLB_OK)
        npy4_put (&Qf, i, Qi);
      varlb_instance_clear (&in);
    }
  unsigned char *blob = NULL;
  size_t blen = 0;
  char budget[64], seed[32], why[512];
  snprintf (budget, sizeof budget, "%.0f", budget_bits);
  snprintf (seed, sizeof seed, "%llu", (unsigned long long) t->public_seed);
  int cold = st == VARLB_OK && varlb__trial_cold_begin (t, &o) == 0 && o.cold_cache;
  double alice_start = now_s ();
  varlb_half_result_t r;
  memset (&r, 0, sizeof r);
  if (st == VARLB_OK && t->status == VARLB_OK)
    {
      char *proto[] = { "--keys", "K.npy", "--values", "V.npy", "--budget-bits", budget,
                        "--seed", seed, "--out", "BLOB", NULL };
      varlb_half_file_t in[2] = { { "K.npy", Kf.buf, Kf.len }, { "V.npy", Vf.buf, Vf.len } };
      const char *out[2] = { "BLOB", "CALIBRATION" };
      char fields[256];
      snprintf (fields, sizeof fields, "\"keys\": \"K.npy\", \"values\": \"V.npy\", "
                "\"budget_bits\": %s, \"seed\": %s, \"out\": \"BLOB\"", budget, seed);
      st = run_half (&r, t, s, m, &h0, &o, "compress", proto, fields, in, 2, out, 2);
    }
  npy4_clear (&Kf);
  npy4_clear (&Vf);
  if (st == VARLB_OK && t->status == VARLB_OK)
    {
      size_t len;
      const unsigned char *b = varlb__trial_collected (&r, 0, &len, "compress", "BLOB", why,
                                                       sizeof why);
      if (b == NULL)
        varlb__trial_fail (t, VARLB_ECOMPRESSOR, why);
      else if ((blob = malloc (len ? len : 1)) == NULL)
        st = VARLB_ENOMEM;
      else
        {
          memcpy (blob, b, len);
          blen = len;
          const unsigned char *cal = varlb__trial_collected (&r, 1, &len, "compress",
                                                             "CALIBRATION", why, sizeof why);
          if (cal && (s->s.kind == VARLB_SPEC_EXEC || s->s.kind == VARLB_SPEC_SERVE))
            varlb__trial_declared_calibration (t, cal, len);
        }
    }
  varlb__half_result_clear (&r);
  if (st == VARLB_OK && t->status == VARLB_OK)
    {
      /* The charge: 8 bits per byte of the blob, whatever the compressor says. */
      t->bits_charged = 8.0 * (double) blen;
      t->over_budget = t->bits_charged > budget_bits;
      if (o.keep_blob)
        st = varlb__trial_keep_blob (o.keep_blob, blob, blen);
      varlb__trial_cold_between (t, (varlb_spec_t *) &s->s, &o);
      varlb__trial_pad_to_grid (alice_start, o.timeout_s);
    }
  if (st == VARLB_OK && t->status == VARLB_OK)
    {
      char *proto[] = { "--blob", "BLOB", "--queries", "Q.npy", "--seed", seed, "--out",
                        "O.npy", NULL };
      varlb_half_file_t in[2] = { { "BLOB", blob, blen }, { "Q.npy", Qf.buf, Qf.len } };
      const char *out[1] = { "O.npy" };
      char fields[256];
      snprintf (fields, sizeof fields, "\"blob\": \"BLOB\", \"queries\": \"Q.npy\", "
                "\"seed\": %s, \"out\": \"O.npy\"", seed);
      st = run_half (&r, t, s, m, &h0, &o, "answer", proto, fields, in, 2, out, 1);
    }
  npy4_clear (&Qf);
  if (st == VARLB_OK && t->status == VARLB_OK)
    {
      size_t len, dims[VARLB_NPY_MAX_DIMS];
      int nd = 0;
      const unsigned char *b = varlb__trial_collected (&r, 0, &len, "answer", "O.npy", why,
                                                       sizeof why);
      if (b == NULL)
        varlb__trial_fail (t, VARLB_ECOMPRESSOR, why);
      else if (varlb_npy_parse_nd (b, len, &O, dims, &nd) != VARLB_OK)
        varlb__trial_fail (t, VARLB_ECOMPRESSOR,
                           "answer: O.npy is not a float64 little-endian C-order .npy");
      else if (nd != 4 || dims[0] != m->layers || dims[1] != m->heads || dims[2] != rows
               || dims[3] != d)
        {
          snprintf (why, sizeof why, "answer: O.npy is not of shape (%zu, %zu, %zu, %zu)",
                    m->layers, m->heads, rows, d);
          varlb__trial_fail (t, VARLB_ECOMPRESSOR, why);
        }
      else
        for (size_t k = 0; k < n * rows * d; k++)
          if (!isfinite (O[k]))
            {
              size_t per = rows * d;
              snprintf (why, sizeof why, "answer: O.npy holds %s at layer %zu, head %zu, row "
                        "%zu, column %zu", isnan (O[k]) ? "NaN" : "Inf", k / per / m->heads,
                        k / per % m->heads, k % per / d, k % d);
              varlb__trial_fail (t, VARLB_ENUMERIC, why);
              break;
            }
    }
  varlb__half_result_clear (&r);
  if (cold)
    varlb__trial_cold_end (&o);
  if (st == VARLB_OK && t->status == VARLB_OK)
    st = judge (mt, m, idx, rows, O);
  t->wall_s = now_s () - t0;
  varlb_instance_clear (&h0);
  free (idx);
  free (Qi);
  free (O);
  free (blob);
  return st;
}

/* ----------------------------------------------------------------- rows */

/* The instance columns of a model's rows (schedule, d, JL family, keys,
   values, C, eta): every head shares them. */
static void
row_instance (varlb_instance_t *in, const varlb_model_t *m)
{
  memset (in, 0, sizeof *in);
  in->par = m->par;
  in->d = m->par.d;
  in->C = m->par.C > 0 ? m->par.C : varlb_params_default_C (&m->par);
}

/* "a;b;..." each layer's accuracy over its heads' tested bits. */
static void
layer_accuracy (FILE *f, const varlb_model_trial_t *mt)
{
  for (size_t l = 0; l < mt->layers && mt->head_tested; l++)
    {
      size_t c = 0, n = 0;
      for (size_t h = 0; h < mt->heads; h++)
        c += mt->head_correct[l * mt->heads + h], n += mt->head_tested[l * mt->heads + h];
      if (n)
        fprintf (f, "%s%.6f", l ? ";" : "", (double) c / (double) n);
    }
}

/* The trial's own row, then the model's columns in place of its end. */
static void
model_row (FILE *f, const varlb_model_trial_t *mt, const varlb_model_t *m, int json)
{
  varlb_instance_t in;
  row_instance (&in, m);
  char *text = NULL;
  size_t len = 0;
  FILE *mem = open_memstream (&text, &len);
  if (mem == NULL)
    return;
  (json ? varlb_trial_write_json : varlb_trial_write_csv) (mem, &mt->t, &in);
  fclose (mem);
  size_t cut = len >= 2 && json ? len - 2 : len >= 1 ? len - 1 : 0; /* "}\n" or "\n" */
  fwrite (text, 1, cut, f);
  free (text);
  int ok = mt->t.status == VARLB_OK && mt->t.has_witness;
  if (json)
    {
      fprintf (f, ",\"model\":\"%s\",\"layers\":%zu,\"heads\":%zu,\"witness_layer\":", mt->model,
               mt->layers, mt->heads);
      ok ? fprintf (f, "%zu", mt->witness_layer) : fputs ("null", f);
      fputs (",\"witness_head\":", f);
      ok ? fprintf (f, "%zu", mt->witness_head) : fputs ("null", f);
      fputs (",\"layer_accuracy\":\"", f);
      layer_accuracy (f, mt);
      fputs ("\"}\n", f);
    }
  else
    {
      fprintf (f, ",\"%s\",%zu,%zu,", mt->model, mt->layers, mt->heads);
      if (ok)
        fprintf (f, "%zu", mt->witness_layer);
      fputc (',', f);
      if (ok)
        fprintf (f, "%zu", mt->witness_head);
      fputs (",\"", f);
      layer_accuracy (f, mt);
      fputs ("\"\n", f);
    }
}

void
varlb_model_trial_write_json (FILE *f, const varlb_model_trial_t *mt, const varlb_model_t *m)
{
  model_row (f, mt, m, 1);
}

void
varlb_model_trial_write_csv (FILE *f, const varlb_model_trial_t *mt, const varlb_model_t *m)
{
  model_row (f, mt, m, 0);
}

void
varlb_model_trial_write_csv_header (FILE *f)
{
  for (size_t i = 0; i < varlb_trial_column_count (); i++)
    fprintf (f, "%s%s", i ? "," : "", varlb_trial_column_name (i));
  fputs (",model,layers,heads,witness_layer,witness_head,layer_accuracy\n", f);
}
