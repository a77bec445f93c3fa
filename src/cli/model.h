/* model.h -- the whole-model options shared by bound, decode, certify,
 * attack and sweep (--model, --layers, --heads, --threads), and the entry
 * points decode, certify, attack and sweep dispatch to when one is given.
 * Not installed. */
#ifndef VARLB_CLI_MODEL_H
#define VARLB_CLI_MODEL_H
#include "cli.h"

enum {
  CLI_OPT_MODEL = CLI_OPT_FIRST_FREE + 200, CLI_OPT_LAYERS, CLI_OPT_HEADS, CLI_OPT_THREADS,
  CLI_OPT_MODEL_FIRST_FREE
};

#define CLI_MODEL_LONGOPTS                                      \
  { "model", required_argument, NULL, CLI_OPT_MODEL },          \
  { "layers", required_argument, NULL, CLI_OPT_LAYERS },        \
  { "heads", required_argument, NULL, CLI_OPT_HEADS }

/* The options a whole model's trial adds (attack and sweep --model). */
enum { CLI_OPT_HEAD_ROWS = CLI_OPT_MODEL_FIRST_FREE + 8, CLI_OPT_MAX_CACHE, CLI_OPT_MODELS };

#define CLI_MODEL_HELP \
  "Model options (a whole model: one independent instance per layer and head):\n" \
  "  --model NAME         VAR's released models: var-d16, var-d20, var-d24, var-d30\n" \
  "                       (256px) and var-d36 (512px, shared AdaLN): L layers of L\n" \
  "                       heads, head dimension 64, on the schedule each was\n" \
  "                       released at unless --preset/--schedule/--n says\n" \
  "                       otherwise (then a note says whose shape on what it is;\n" \
  "                       1024px is a VAR-derived schedule, HART's)\n" \
  "  --layers L, --heads H  a model of L layers of H heads (the other default 1)\n"

/* 1 when ARGV asks for a whole model (--model, --layers or --heads). */
int cli_model_requested (int argc, char **argv);
/* 0 handled, 1 not a model option, -1 after one line. */
int cli_model_option (const char *cmd, int opt, const char *arg, cli_model_opts_t *mo);
/* After parsing (P checked): the model, or -1 after one line. */
int cli_model_finish (const char *cmd, const cli_model_opts_t *mo, const varlb_params_t *p,
                      varlb_model_t *m);
/* Named model NAME's parameters in P (model_released.c): without a
   schedule option (cli_schedule_given), the schedule it was released at;
   with another than that, one note on stderr (once per model and run)
   saying whose shape on what it is.  0, or -1 out of memory. */
int cli_model_named_params (const char *cmd, varlb_params_t *p, const char *name);
/* Whether NAME on SCHED is a released VAR model, in words for reports and
   bound's table; NULL for a name not in the table. */
const char *cli_model_release (char *buf, size_t len, const char *name,
                               const varlb_pyramid_t *sched);
/* "VAR-d30" / "2 x 2 custom" for reports. */
void cli_model_label (char *buf, size_t len, const varlb_model_t *m);

/* ------------------- a whole model's trials (model_report.c, attack.c) */

/* The whole cache at fp64 (K and V) is within MAX (0: the default), else one
   line naming it and -1. */
int cli_model_cache_fits (const char *cmd, const varlb_model_t *m, unsigned long long max);
/* Each head's accuracy of trial MT at BUDGET, one signed CSV row per head
   (CLI_HEAD_ROWS_HEADER): malloc'd text and its length, or NULL. */
char *cli_model_head_rows (size_t *len, const varlb_model_trial_t *mt, const varlb_model_t *m,
                           double budget);
/* Attack's text report of whole-model trial MT of compressor S on M (the
   budget option as TYPED). */
void cli_print_model_trial (FILE *o, const varlb_model_trial_t *mt, const varlb_model_t *m,
                            const varlb_model_spec_t *s, const char *typed);
/* Resolve SPECS (N) into SP (as whole-model compressors with
   CLI_SPECS_MODEL in FLAGS, else one head's), say their notes (unless
   CLI_SPECS_NOTED: said already) and calibrate with the public SEED the ones
   --calibrate asks for: 0, or the exit status after one line (SP then
   needs no clear). */
enum { CLI_SPECS_MODEL = 1, CLI_SPECS_NOTED = 2 };
int cli_specs_resolve (const char *cmd, varlb_model_spec_t *sp, const char *const *specs,
                       size_t n, const varlb_channel_opts_t *o, uint64_t seed, unsigned flags);

/* ---------------------- the head rows of attack and sweep --model (model_report.c) */

#define CLI_HEAD_ROWS_HEADER \
  "compressor,budget_bits,seed,schedule,d,jl,model,layers,heads,layer,head,bits,correct," \
  "accuracy,mac\n"

/* decode and certify --model once their options O are read (O cleared). */
int cli_decode_model (cli_options_t *o);
int cli_certify_model (cli_options_t *o);

#endif
