/* trial.h -- the parts of a trial that live in more than one file of the
 * library: trial.c (the steps, one head or a whole model), trial_half.c (a
 * half's command, run or request, and the host between the halves) and
 * command.c (an exec:/serve: command's files, a failed half's last line).
 * Internal to libvarlb; not installed.  One step, one function: no second
 * copy of a step for whole models. */
#ifndef VARLB_TRIAL_H
#define VARLB_TRIAL_H
#include "channel.h"

/* What a trial runs on: one head (H0, M NULL), or a whole model M of
   LAYERS x HEADS = N heads (H0 its head (0, 0), for the public parameters
   every head shares); D, ALICE tokens a head; the public seed the halves
   get; PAR's schedule for varlb's own half. */
typedef struct varlb__trial_geom {
  const varlb_instance_t *h0;
  const varlb_model_t *m;
  const varlb_params_t *par;
  size_t layers, heads, n, d, alice;
  unsigned long long public_seed;
} varlb__trial_geom_t;

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

/* Half HALF ("compress" or "answer") of spec S on G with the arguments
   PROTO, input files IN and output files OUT: in a one-shot sandbox, or
   as a request of FIELDS to S's serve: worker.  R gets the outcome (clear
   it with varlb__half_result_clear), T its stderr and any failure. */
int varlb__trial_half (varlb_half_result_t *r, varlb_trial_t *t, const varlb_spec_t *s,
                       const varlb__trial_geom_t *g, const varlb_channel_opts_t *o,
                       const char *half, char *const *proto, const char *fields,
                       const varlb_half_file_t *in, size_t n_in, const char *const *out,
                       size_t n_out);
/* Collected output file I of a half, or NULL with a one-line reason. */
const unsigned char *varlb__trial_collected (const varlb_half_result_t *r, size_t i, size_t *len,
                                             const char *label, const char *name, char *why,
                                             size_t wlen);
/* An exec program's CALIBRATION line, recorded as its declaration. */
void varlb__trial_declared_calibration (varlb_trial_t *t, const unsigned char *d, size_t n);

/* The host between the halves (trial_half.c).  The monotonic clock, s. */
double varlb__trial_now (void);
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
/* A result row signed (src/rows.c, the one place rows get their MAC):
   HEADER (F, ARG, 0) writes the CSV header and ROW (F, ARG, JSON) the row,
   both without the mac column, the newline or (JSON) the closing brace;
   F gets the row of kind JSON with its MAC (varlb_row_write_signed). */
void varlb__row_write (FILE *f, const unsigned char *judge_key,
                       void (*header) (FILE *, const void *, int),
                       void (*row) (FILE *, const void *, int), const void *arg, int json);
/* --keep-blobs: the blob's bytes, as charged, into PATH. */
int varlb__trial_keep_blob (const char *path, const unsigned char *data, size_t len);

#endif
