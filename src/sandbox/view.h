/* view.h -- what a half sees (src/sandbox/view.c): bubblewrap's arguments
 * and the half's environment.  Private to src/sandbox/; it imports io and
 * limit only, and must not reach the host or the workers above it. */
#ifndef VARLB_SANDBOX_VIEW_H
#define VARLB_SANDBOX_VIEW_H

#include "io.h"
#include "runtime.h"
#include "sandbox.h"

#ifndef BWRAP_PATH
#define BWRAP_PATH "/usr/bin/bwrap"  /* configure's, normally (config.h) */
#endif

/* The varlb binary that runs inside every half (O->half_exe, or the
   installed one). */
const char *varlb__half_exe (const varlb_channel_opts_t *o);
/* H's environment into ENV: the judge's variables a half may see (never
   VARLB_JUDGE_KEY), HOME, TMPDIR, VARLB_HALF, VARLB_CALIBRATION,
   VARLB_LIBRARY and H's own; SANDBOX says whether the half sees its own
   /tmp and the calibration at VARLB_CALIBRATION_DIR, or the host's paths.
   0, or -1 when out of memory. */
int varlb__view_env (varlb__strv_t *env, const varlb_half_spec_t *h, const char *home,
                     int sandbox);
/* bwrap's command line for H under O into A: the view, H's N_IN inputs
   from descriptors FD_FIRST_IN.., the system-call filter (a serve:
   WORKER's, or a one-shot half's), the environment ENV, then the command
   INNER (the wrapper around H's command).  UID is the half's own (> 0), or
   0.  FDS receives the descriptors bwrap must get, numbered from
   FD_FIRST_IN + N_IN (the caller passes them down and closes them).  0, or
   -1 (WHY says why when it is not memory). */
int varlb__view_args (varlb__strv_t *a, const varlb_half_spec_t *h,
                      const varlb_channel_opts_t *o, const char *home, int fd_first_in,
                      varlb__strv_t *env, varlb__strv_t *inner, int worker, long uid,
                      varlb__fds_t *fds, char *why, size_t len);

#endif
