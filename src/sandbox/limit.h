/* limit.h -- what a half may use (src/sandbox/limit.c; named so as not to
 * shadow <limits.h>).  Private to src/sandbox/; it imports only the front
 * door's types (sandbox.h) and must not reach the rooms above it (view,
 * host, worker). */
#ifndef VARLB_SANDBOX_LIMIT_H
#define VARLB_SANDBOX_LIMIT_H

#include <sys/resource.h>
#include "sandbox.h"

/* The limits of each process of a half, for setrlimit. */
typedef struct varlb__limits {
  struct rlimit as, cpu, fsize, nofile, nproc, core;
  int set_nproc;  /* RLIMIT_NPROC only for a half whose uid is not root (the
                     kernel ignores it for root) */
} varlb__limits_t;

/* The largest file a half may write (O->max_file_bytes, default 64 MiB). */
unsigned long long varlb__file_limit (const varlb_channel_opts_t *o);
/* L for a half under O that collects N_OUT output files. */
void varlb__limits_for (varlb__limits_t *l, const varlb_channel_opts_t *o, size_t n_out);
/* L for a half that runs under UID (> 0: a reserved uid of its own, whose
   processes RLIMIT_NPROC counts; 0: L unchanged). */
void varlb__limits_as (varlb__limits_t *l, const varlb_channel_opts_t *o, long uid);

#endif
