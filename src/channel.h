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

/* The sandboxed probe of PLUGIN_SPEC ("plugin:PATH[:knobs]"), as
   varlb_spec_probe; MODEL: `__probe --model` (a v2 plug-in, its folder
   shown to the half). */
int varlb__spec_probe (char **report, const char *plugin_spec, int model,
                       const varlb_channel_opts_t *o, char *why, size_t len);
/* One line of a probe's REPORT: "KEY\tVALUE" (VALUE into BUF), or NULL. */
const char *varlb__probe_value (const char *report, const char *key, char *buf, size_t len);
/* A probe REPORT's verdict ("check": ok, else WHY), name and calibration
   into S. */
int varlb__spec_from_probe (varlb_spec_t *s, const char *report, char *why, size_t len);
/* "PATH sha256:HEX" of a regular file, appended to *OUT ("; " between). */
void varlb__add_digest (char **out, const char *path);

#endif
