/* model.c -- whole VAR models (README "Whole models"): every layer and head
 * an independent Index -> VAR instance with its own secret bits, the lower
 * bound for the whole cache, and decoding or certifying it head by head so
 * that memory stays that of one head per thread (OpenMP over heads). */
#include <config.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "varlb.h"

/* VAR's released models (FoundationVision/VAR: the README's zoo, and
   models/__init__.py build_vae_var): depth L blocks, L heads, width 64 L, so
   head dim 64; d16-d30 released at 256px, d36 at 512px with shared AdaLN
   (README: "--depth=36 --saln=1 --pn=512"). */
static const struct { const char *name; size_t depth; int px, shared_adaln; } named[] = {
  { "var-d16", 16, 256, 0 }, { "var-d20", 20, 256, 0 }, { "var-d24", 24, 256, 0 },
  { "var-d30", 30, 256, 0 }, { "var-d36", 36, 512, 1 }
};
#define N_NAMED (sizeof named / sizeof *named)

const char *
varlb_model_name_at (size_t i)
{
  return i < N_NAMED ? named[i].name : NULL;
}

int
varlb_model_named_info (size_t *depth, int *released_px, int *shared_adaln, const char *name)
{
  for (size_t i = 0; name && i < N_NAMED; i++)
    if (strcmp (name, named[i].name) == 0)
      {
        if (depth)
          *depth = named[i].depth;
        if (released_px)
          *released_px = named[i].px;
        if (shared_adaln)
          *shared_adaln = named[i].shared_adaln;
        return VARLB_OK;
      }
  return VARLB_EINVAL;
}

int
varlb_model_init (varlb_model_t *m, const varlb_params_t *p, size_t layers, size_t heads)
{
  memset (m, 0, sizeof *m);
  if (layers < 1 || layers > VARLB_MODEL_MAX_LAYERS || heads < 1
      || heads > VARLB_MODEL_MAX_HEADS)
    return VARLB_EINVAL;
  int st = varlb_params_check (p, NULL, 0);
  if (st != VARLB_OK)
    return st;
  snprintf (m->name, sizeof m->name, "custom");
  m->layers = layers;
  m->heads = heads;
  return varlb_params_copy (&m->par, p);
}

int
varlb_model_init_named (varlb_model_t *m, const varlb_params_t *p, const char *name)
{
  memset (m, 0, sizeof *m);
  for (size_t i = 0; i < N_NAMED; i++)
    if (strcmp (name, named[i].name) == 0)
      {
        if (p->d != 64)
          return VARLB_EINVAL;
        int st = varlb_model_init (m, p, named[i].depth, named[i].depth);
        if (st == VARLB_OK)
          snprintf (m->name, sizeof m->name, "%s", name);
        return st;
      }
  return VARLB_EINVAL;
}

void
varlb_model_clear (varlb_model_t *m)
{
  if (m->layers)
    varlb_params_clear (&m->par);
  memset (m, 0, sizeof *m);
}

size_t
varlb_model_hidden_bits (const varlb_model_t *m)
{
  const varlb_pyramid_t *py = &m->par.pyramid;
  size_t alice = varlb_pyramid_prefix (py, py->scales - 1), heads = m->layers * m->heads;
  if (alice && m->par.d > SIZE_MAX / alice)
    return 0;
  size_t n = alice * m->par.d;
  return n && heads > SIZE_MAX / n ? 0 : heads * n;
}

int
varlb_model_head_init (varlb_instance_t *in, const varlb_model_t *m, size_t layer, size_t head)
{
  if (layer >= m->layers || head >= m->heads)
    return VARLB_EINVAL;
  varlb_params_t p = m->par; /* shallow: the pyramid is only read */
  p.seed = varlb_seed_head (m->par.seed, layer, head);
  return varlb_instance_init_public (in, &p, varlb_seed_head_public (varlb_seed_public (m->par.seed),
                                                                      layer, head));
}

int
varlb_model_bound (varlb_model_bound_t *b, const varlb_model_t *m, double accuracy)
{
  memset (b, 0, sizeof *b);
  if (!(accuracy >= 0.5 && accuracy <= 1.0))
    return VARLB_EINVAL;
  b->N_total = varlb_model_hidden_bits (m);
  if (b->N_total == 0 || (double) b->N_total >= 0x1p53)
    return VARLB_EINVAL;
  b->T = varlb_pyramid_token_count (&m->par.pyramid);
  b->accuracy = accuracy;
  /* Rounded down (varlb_fano_bits_needed, then to whole bits): never
     overstated. */
  b->bits = accuracy == 1.0 ? (double) b->N_total
                            : floor (varlb_fano_bits_needed (accuracy, (double) b->N_total));
  b->bytes = ceil (b->bits / 8.0);
  /* Exact below 2^53: 4 L H d T bytes. */
  b->cache_fp16_bytes = 4.0 * (double) m->layers * (double) m->heads * (double) m->par.d
                        * (double) b->T;
  b->ratio = b->bits > 0 ? nextafter (8.0 * b->cache_fp16_bytes / b->bits, INFINITY) : INFINITY;
  return VARLB_OK;
}

/* ------------------------------------------------- head by head, threaded */

#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
void openblas_set_num_threads (int);
int openblas_get_num_threads (void);
#endif

/* Threads for a loop over HEADS heads; while more than one runs, BLAS is
   kept to one thread each (restored by blas_restore). */
static unsigned
head_threads (unsigned want, size_t heads, int *blas_saved)
{
  unsigned n = 1;
#ifdef _OPENMP
  n = want ? want : (unsigned) omp_get_max_threads ();
#else
  (void) want;
#endif
  if (n > heads)
    n = (unsigned) heads;
  if (n < 1)
    n = 1;
  *blas_saved = 0;
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
  if (n > 1)
    {
      *blas_saved = openblas_get_num_threads ();
      openblas_set_num_threads (1);
    }
#endif
  return n;
}

static void
blas_restore (int saved)
{
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
  if (saved > 0)
    openblas_set_num_threads (saved);
#else
  (void) saved;
#endif
}

/* Run RUN on every head (drawn, then freed) over THREADS threads; MERGE
   folds each head's result OUT (OUT_SIZE bytes) into ACC under a lock,
   while the head is still drawn.  The first failure stops the rest. */
typedef int (*head_run_fn) (void *out, const varlb_instance_t *in);
typedef void (*head_merge_fn) (void *acc, size_t i, void *out, const varlb_instance_t *in);

static int
each_head (const varlb_model_t *m, unsigned threads, unsigned *used, size_t out_size,
           head_run_fn run, head_merge_fn merge, void *acc)
{
  size_t total = m->layers * m->heads;
  int saved, st = VARLB_OK;
  *used = head_threads (threads, total, &saved);
  long n = (long) total;
#pragma omp parallel for schedule(dynamic) num_threads(*used)
  for (long i = 0; i < n; i++)
    {
      int failed;
#pragma omp atomic read
      failed = st;
      if (failed != VARLB_OK)
        continue;
      varlb_instance_t in;
      _Alignas (max_align_t) unsigned char out[256];
      int hst = out_size <= sizeof out
                ? varlb_model_head_init (&in, m, (size_t) i / m->heads, (size_t) i % m->heads)
                : VARLB_EINVAL;
      if (hst == VARLB_OK)
        {
          if ((hst = run (out, &in)) == VARLB_OK)
#pragma omp critical (varlb_model_each_head)
            merge (acc, (size_t) i, out, &in);
          varlb_instance_clear (&in);
        }
      if (hst != VARLB_OK)
#pragma omp atomic write
        st = hst;
    }
  blas_restore (saved);
  return st;
}

typedef struct decode_acc {
  varlb_model_decode_report_t *r;
  size_t *head_correct, heads, first_wrong;
} decode_acc_t;

static int
decode_run (void *out, const varlb_instance_t *in)
{
  return varlb_instance_decode_all (out, in, NULL);
}

static void
decode_merge (void *accp, size_t h, void *out, const varlb_instance_t *in)
{
  decode_acc_t *a = accp;
  varlb_model_decode_report_t *r = a->r;
  const varlb_decode_report_t *rep = out;
  (void) in;
  r->bits += rep->bits;
  r->correct += rep->correct;
  r->heads_perfect += rep->correct == rep->bits;
  if (rep->min_target_weight < r->min_target_weight)
    r->min_target_weight = rep->min_target_weight;
  if (rep->correct < r->worst_correct
      || (rep->correct == r->worst_correct && h < r->worst_layer * a->heads + r->worst_head))
    {
      r->worst_correct = rep->correct;
      r->worst_layer = h / a->heads;
      r->worst_head = h % a->heads;
    }
  if (rep->first_wrong_token != (size_t) -1 && h < a->first_wrong)
    {
      a->first_wrong = h;
      r->first_wrong_layer = h / a->heads;
      r->first_wrong_head = h % a->heads;
      r->first_wrong_token = rep->first_wrong_token;
      r->first_wrong_col = rep->first_wrong_col;
    }
  if (a->head_correct)
    a->head_correct[h] = rep->correct;
}

int
varlb_model_decode_all (varlb_model_decode_report_t *r, const varlb_model_t *m,
                        size_t *head_correct, unsigned threads)
{
  memset (r, 0, sizeof *r);
  r->min_target_weight = INFINITY;
  r->worst_correct = (size_t) -1;
  r->first_wrong_layer = r->first_wrong_head = (size_t) -1;
  r->first_wrong_token = r->first_wrong_col = (size_t) -1;
  r->heads = m->layers * m->heads;
  decode_acc_t a = { r, head_correct, m->heads, (size_t) -1 };
  return each_head (m, threads, &r->threads, sizeof (varlb_decode_report_t), decode_run,
                    decode_merge, &a);
}

typedef struct certify_acc {
  varlb_model_certify_report_t *r;
  size_t *head_uncertified, (*first)[2], *nbad;
} certify_acc_t;

static int
certify_run (void *out, const varlb_instance_t *in)
{
  varlb_certify_report_init (out);
  int st = varlb_certify_instance (out, in, NULL, 0);
  if (st != VARLB_OK)
    varlb_certify_report_clear (out);
  return st;
}

static void
certify_merge (void *accp, size_t i, void *out, const varlb_instance_t *in)
{
  certify_acc_t *a = accp;
  varlb_model_certify_report_t *r = a->r;
  varlb_certify_report_t *rep = out;
  r->bits += rep->bits;
  r->certified += rep->certified;
  r->wrong += rep->wrong;
  r->undecided += rep->undecided;
  r->rows_refined += rep->rows_refined;
  if (rep->max_prec > r->max_prec)
    r->max_prec = rep->max_prec;
  r->n_bad += rep->n_bad;
  a->nbad[i] = rep->n_bad;
  if (rep->n_bad)
    {
      a->first[i][0] = rep->bad[0] / in->d;
      a->first[i][1] = rep->bad[0] % in->d;
    }
  if (a->head_uncertified)
    a->head_uncertified[i] = rep->n_bad;
  varlb_certify_report_clear (rep);
}

int
varlb_model_certify (varlb_model_certify_report_t *r, const varlb_model_t *m,
                     size_t *head_uncertified, unsigned threads)
{
  memset (r, 0, sizeof *r);
  size_t total = m->layers * m->heads;
  r->heads = total;
  /* The first bad bits in head order, whatever order the threads finish. */
  certify_acc_t a = { r, head_uncertified, calloc (total, sizeof *a.first),
                      calloc (total, sizeof *a.nbad) };
  int st = a.first && a.nbad ? each_head (m, threads, &r->threads,
                                          sizeof (varlb_certify_report_t), certify_run,
                                          certify_merge, &a)
                             : VARLB_ENOMEM;
  /* One example per head with bad bits (its first), in head order. */
  size_t k = 0;
  for (size_t i = 0; st == VARLB_OK && i < total && k < VARLB_MODEL_BAD_MAX; i++)
    if (a.nbad[i])
      {
        r->bad[k][0] = i / m->heads;
        r->bad[k][1] = i % m->heads;
        r->bad[k][2] = a.first[i][0];
        r->bad[k][3] = a.first[i][1];
        k++;
      }
  r->n_examples = k;
  free (a.first);
  free (a.nbad);
  return st;
}
