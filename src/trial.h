/* trial.h -- the steps of a trial (src/trial.c) that the whole-model trial
 * (src/model_trial.c) shares: real functions of trial.c, not wrappers of
 * its statics.  Internal to libvarlb; not installed.  It must not grow a
 * second copy of a step: one step, one function, used by both trials. */
#ifndef VARLB_TRIAL_H
#define VARLB_TRIAL_H
#include "channel.h"

/* The row's fields from the instance, spec, budget and options. */
void varlb__trial_begin (varlb_trial_t *t, const varlb_instance_t *in, const varlb_spec_t *s,
                         double budget_bits, const varlb_channel_opts_t *o);
/* The trial failed: STATUS and the one-line reason WHY in T. */
void varlb__trial_fail (varlb_trial_t *t, int status, const char *why);
/* A half that failed (command.c): its reason, then the last line it
   wrote (the exception) unless the reason holds it already. */
void varlb__trial_fail_half (varlb_trial_t *t, const varlb_half_result_t *r);
/* An exec:/serve: COMMAND as a half runs it (command.c): each word naming
   an existing file relative to the current directory made absolute (the
   program's first word and the module after -m only when they hold a
   slash: the shell looks those up on PATH); any other relative path
   (holding a slash) refused with a one-line WHY prefixed LABEL.  *OUT is
   malloc'd. */
int varlb__command_resolve (char **out, const char *command, const char *label, char *why,
                            size_t len);
/* Bob's M query tokens IDX (all, or a sample from his secret stream) and
   his queries Q (M x d). */
int varlb__trial_bob_queries (size_t *idx, double *Q, size_t m, const varlb_instance_t *in);
/* The instance's public parameters as VARLB_* environment entries. */
#define VARLB__TRIAL_PUBLIC_ENV 9
void varlb__trial_public_env (char env[][1200], const varlb_instance_t *in);
/* Collected output file I of a half, or NULL with a one-line reason. */
const unsigned char *varlb__trial_collected (const varlb_half_result_t *r, size_t i, size_t *len,
                                             const char *label, const char *name, char *why,
                                             size_t wlen);
/* An exec program's CALIBRATION line, recorded as its declaration. */
void varlb__trial_declared_calibration (varlb_trial_t *t, const unsigned char *d, size_t n);
/* An exec: or serve: program's command for HALF into ARGV: /bin/sh -c
   'PATH "$@"' (the script, owned, in *SCRIPT), then HALF (serve --half HALF
   for a worker); the paths it names go to EXPOSE (15 at most).  The number
   of entries written, 0 when out of memory. */
size_t varlb__trial_program_argv (char **argv, char **script, char **expose,
                                  const varlb_spec_t *s, const char *half);
/* varlb's own half COMMAND (__compress, __answer_model, ...) for a
   built-in or plug-in S into ARGV: --spec, --schedule of PY, --dv DV; the
   strings in OWNED (4), a plug-in's path in EXPOSE.  As above. */
size_t varlb__trial_own_argv (char **argv, char **owned, char **expose, const varlb_spec_t *s,
                              const varlb_pyramid_t *py, size_t dv,
                              const varlb_channel_opts_t *o, const char *command);
/* The host directory of S's calibration, or NULL. */
const char *varlb__trial_calibration (const varlb_spec_t *s);
/* Half H as a request to serve: spec S's worker: REQUEST_FIELDS, then the
   instance IN's public parameters with INSTANCE_EXTRA (", \"k\": v"
   pairs) added, and the calibration directory when there is one.  R's
   status says whether the worker refused or broke the protocol. */
int varlb__trial_serve (varlb_half_result_t *r, const varlb_spec_t *s, const varlb_half_spec_t *h,
                        const varlb_instance_t *in, const char *instance_extra,
                        const char *request_fields, const varlb_channel_opts_t *o);
/* --cold-cache (README, "Threat model"): the host's lock of halves held
   alone from before Alice to after Bob (begin: -1 and T failed when it
   cannot be had), and between them a serve: compress worker ended and the
   host's caches dropped (T failed when they cannot be).  Nothing without
   O->cold_cache. */
int varlb__trial_cold_begin (varlb_trial_t *t, const varlb_channel_opts_t *o);
void varlb__trial_cold_between (varlb_trial_t *t, varlb_spec_t *s, const varlb_channel_opts_t *o);
void varlb__trial_cold_end (const varlb_channel_opts_t *o);
/* Start Bob only at the next instant of the timing grid after START. */
void varlb__trial_pad_to_grid (double start, double timeout);
/* --keep-blobs: the blob's bytes, as charged, into PATH. */
int varlb__trial_keep_blob (const char *path, const unsigned char *data, size_t len);

#endif
