/* resources.c -- how much and how far: the memory and work an instance
 * needs, estimated from its parameters before anything is allocated (so a
 * caller can refuse what the machine cannot hold), and the progress hook
 * the long loops report to.  Floating point estimates, never bounds. */
#include <config.h>
#include <math.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "varlb.h"
#include "progress.h"

/* Rows of the per-row-max attention's score slab (attention.c's default
   block) and the side of the self-attention's tiles. */
#define SLAB_ROWS 128.0
#define TILE 128.0

int
varlb_instance_resources (varlb_resources_t *r, const varlb_params_t *p)
{
  r->instance_bytes = r->decode_bytes = r->certify_bytes = 0.0;
  r->decode_work = r->certify_work = 0.0;
  r->threads = 1;
  if (p->pyramid.scales < 2 || p->d < 1)
    return VARLB_EINVAL;
#ifdef _OPENMP
  r->threads = (unsigned) omp_get_max_threads ();
#endif
  double P = (double) r->threads, d = (double) p->d;
  double T = (double) varlb_pyramid_token_count (&p->pyramid);
  double n = (double) varlb_pyramid_prefix (&p->pyramid, p->pyramid.scales - 1);
  double bob = T - n;
  /* K and V (T x d doubles each) and Alice's bits. */
  r->instance_bytes = 16.0 * T * d + n * d / 8.0;
  /* varlb_instance_decode_all: outputs, target weights and indices, then
     either the self-attention (a private n x d accumulator per thread) or,
     when key norms spread (scaled keys), a score slab of SLAB_ROWS x T per
     thread and Bob's queries; the coherence scan's Gram slab (about 32 MiB,
     or one row of n when n is larger). */
  double self = P * (8.0 * n * d + 8.0 * n + 8.0 * TILE * TILE);
  double slab = P * 8.0 * SLAB_ROWS * (T + 1.0) + 8.0 * bob * d;
  double gram = 8.0 * fmin (256.0, fmax (1.0, floor (4194304.0 / n))) * n;
  r->decode_bytes = 8.0 * n * d + 16.0 * n
                    + (p->norm == VARLB_JL_UNIT ? self : fmax (self, slab)) + gram;
  /* Work: the symmetric self-attention does n^2 / 2 score products of
     length d, n^2 exponentials and n^2 d value products; the coherence scan
     n^2 d more (multiply-adds, an exponential counted as one). */
  r->decode_work = n * n * (0.5 * d + 1.0 + d) + n * n * d;
  /* varlb_certify_instance: per thread, two MPFR numbers per cached token
     at up to 2048 bits (288 bytes each with the struct), a state byte per
     bit; work about n T d MPFR operations. */
  r->certify_bytes = P * 2.0 * T * 288.0 + n * d;
  r->certify_work = n * T * d;
  return VARLB_OK;
}

/* ------------------------------------------------------------ progress */

static varlb_progress_fn progress_fn;
static void *progress_arg;

void
varlb_progress_set (varlb_progress_fn fn, void *arg)
{
  progress_fn = fn;
  progress_arg = arg;
}

void
varlb_progress_note (const char *what, double done, double total)
{
  if (progress_fn)
    progress_fn (progress_arg, what, done, total);
}
