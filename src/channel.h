/* channel.h -- what a compressor spec keeps across trials (src/channel.c):
 * its serve: workers and its calibration directory.  Internal to libvarlb;
 * not installed.  The channel sits above the sandbox (it holds workers the
 * sandbox runs) and below the trials: nothing under src/sandbox/ may
 * include this header. */
#ifndef VARLB_CHANNEL_H
#define VARLB_CHANNEL_H

#include "sandbox/sandbox.h"

struct varlb_spec_private {
  varlb_worker_t half[2];      /* compress, answer */
  char calibration_dir[4096];  /* host directory, or "" */
  int calibration_lock;
};

/* S's private part, created on first use (NULL when out of memory). */
struct varlb_spec_private *varlb__spec_private (varlb_spec_t *s);
/* Stop its workers, remove its calibration directory, free it (NULL: nothing). */
void varlb__spec_private_free (struct varlb_spec_private *v);
/* The worker of a serve: spec's half (created on first use). */
varlb_worker_t *varlb__serve_worker (varlb_spec_t *s, int answer);

#endif
