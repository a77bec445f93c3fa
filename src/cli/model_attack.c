/* model_attack.c -- `varlb attack --model`: trials of the one-way channel
 * on a whole model's cache (every layer and head) under one global budget,
 * judged at the whole model's Fano ceiling, with per-layer accuracy in the
 * rows and per-head accuracy in a side file (--head-rows, the layer x head
 * heat map of `varlb plot`); what `varlb sweep --model` (model_sweep.c)
 * shares with it: the cache's size check, head rows, the specs resolved. */
#define _GNU_SOURCE 1 /* open_memstream */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"
#include "sandbox/sandbox.h"
#include "model.h"
#include "sweep.h"
#include "verify.h"

enum { O_COMP = CLI_OPT_MODEL_FIRST_FREE + 10, O_BUDGET, O_RATIO, O_KEEP };

/* The whole cache at fp64 (K and V) is within MAX, else one line naming
   it and -1. */
int
cli_model_cache_fits (const char *cmd, const varlb_model_t *m, unsigned long long max)
{
  const varlb_pyramid_t *py = &m->par.pyramid;
  double bytes = 16.0 * (double) (m->layers * m->heads)
                 * (double) varlb_pyramid_prefix (py, py->scales - 1) * (double) m->par.d;
  if (max == 0)
    max = VARLB_MODEL_MAX_CACHE_DEFAULT;
  if (bytes <= (double) max)
    return 0;
  char label[96];
  cli_model_label (label, sizeof label, m);
  cli_error (cmd, "%s: the whole cache is %.0f bytes at fp64 (K and V), above "
             "--max-cache-bytes %llu: raise it or take a smaller preset", label, bytes, max);
  return -1;
}

/* Each head's accuracy, one CSV row per head. */
char *
cli_model_head_rows (size_t *len, const varlb_model_trial_t *mt, const varlb_model_t *m,
                     double budget)
{
  char *text = NULL;
  FILE *f = open_memstream (&text, len);
  if (f == NULL)
    return NULL;
  for (size_t i = 0; mt->head_tested && i < mt->layers * mt->heads; i++)
    {
      fputc ('"', f);
      for (const char *p = mt->t.compressor; *p; p++)
        fprintf (f, *p == '"' ? "\"\"" : "%c", *p);
      fprintf (f, "\",%.0f,%llu,%s,%zu,%zu,%zu,%zu,%zu,%zu,%.6f\n", budget,
               (unsigned long long) mt->t.seed, mt->model, mt->layers, mt->heads,
               i / mt->heads, i % mt->heads, mt->head_tested[i], mt->head_correct[i],
               mt->head_tested[i] ? (double) mt->head_correct[i] / (double) mt->head_tested[i]
                                  : 0.0);
    }
  if (fclose (f) != 0 || cli_sign_rows (&text, len, CLI_HEAD_ROWS_HEADER, m->par.judge_key) != 0)
    {
      free (text);
      return NULL;
    }
  return text;
}

static const char *
abi_text (const varlb_model_spec_t *s)
{
  return s->abi == VARLB_COMPRESSOR_ABI_MODEL ? "whole model (one global budget)"
         : s->abi == 1 ? "per head, the budget split evenly (a 32-bit length per head charged)"
                       : s->s.kind == VARLB_SPEC_SERVE
                       ? "whole model through a serve: worker (4-D .npy)"
                       : "whole model through the file protocol (4-D .npy)";
}

static void
print_model_trial (FILE *o, const varlb_model_trial_t *mt, const varlb_model_t *m,
                   const varlb_model_spec_t *s, const char *typed)
{
  const varlb_trial_t *t = &mt->t;
  char label[96];
  cli_model_label (label, sizeof label, m);
  fprintf (o, "compressor    %s: %s\n", t->compressor, abi_text (s));
  fprintf (o, "  model       %s, N_total = %zu hidden bits\n", label, t->N);
  if (t->status != VARLB_OK)
    {
      fprintf (o, "  FAILED      %s\n", t->error);
      cli_print_stderr (o, t);
      return;
    }
  cli_print_judged (o, t, typed, "N_total");
  /* Where the bits went: the best and worst layer and head. */
  size_t n = mt->layers * mt->heads, bl = 0, wl = 0, bh = 0, wh = 0;
  double lb = -1, lw = 2, hb = -1, hw = 2;
  for (size_t l = 0; l < mt->layers; l++)
    {
      size_t c = 0, k = 0;
      for (size_t h = 0; h < mt->heads; h++)
        c += mt->head_correct[l * mt->heads + h], k += mt->head_tested[l * mt->heads + h];
      double a = k ? (double) c / (double) k : 0;
      if (a > lb)
        lb = a, bl = l;
      if (a < lw)
        lw = a, wl = l;
    }
  for (size_t i = 0; i < n; i++)
    {
      double a = mt->head_tested[i] ? (double) mt->head_correct[i] / mt->head_tested[i] : 0;
      if (a > hb)
        hb = a, bh = i;
      if (a < hw)
        hw = a, wh = i;
    }
  fprintf (o, "  layers      best layer %zu %.3f%%, worst layer %zu %.3f%%\n", bl, 100 * lb, wl,
           100 * lw);
  fprintf (o, "  heads       best (%zu, %zu) %.3f%%, worst (%zu, %zu) %.3f%% (--head-rows: "
           "every head)\n", bh / mt->heads, bh % mt->heads, 100 * hb, wh / mt->heads,
           wh % mt->heads, 100 * hw);
  if (t->has_witness)
    fprintf (o, "  witness     seed %llu, layer %zu, head %zu, token %zu, coordinate %zu: full "
             "cache %.6g, compressor %.6g\n", (unsigned long long) t->seed, mt->witness_layer,
             mt->witness_head, t->witness_token, t->witness_coord, t->witness_true,
             t->witness_returned);
  cli_print_trial_end (o, t);
}

void
cli_list_models (void)
{
  static const char *const type[] = { "int", "number", "text" };
  for (size_t i = 0; i < varlb_model_compressor_count (); i++)
    {
      const varlb_compressor_t *c = &varlb_model_compressor_at (i)->base;
      printf ("%s (whole models only: --model or --layers/--heads)\n    %s\n", c->name,
              c->description);
      for (size_t k = 0; k < c->n_knobs; k++)
        {
          const varlb_knob_t *kn = &c->knobs[k];
          printf ("    %-12s %-6s default %-8s ", kn->name, type[kn->type], kn->def);
          if (kn->type != VARLB_KNOB_STRING)
            printf ("[%g, %g] ", kn->min, kn->max);
          printf ("%s\n", kn->help);
        }
    }
}

/* Resolve SPECS (N); -1 after one line. */
int
cli_model_resolve (const char *cmd, varlb_model_spec_t *sp, char *const *specs, size_t n,
                   const varlb_channel_opts_t *o, uint64_t seed)
{
  char why[512];
  for (size_t i = 0; i < n; i++)
    {
      why[0] = '\0';
      int bad = varlb_model_spec_init_opts (&sp[i], specs[i], o, why, sizeof why) != VARLB_OK;
      if (!bad)
        cli_spec_note (cmd, &sp[i].s);
      if (bad)
        cli_spec_error (cmd, "--compressor", specs[i], why[0] ? why : specs[i], 1);
      /* --calibrate: exec: and serve: programs calibrate as on one head
         (their halves find the directory at VARLB_CALIBRATION or in the
         request); a plug-in's hook is a single-head one. */
      else if (cli_calibrate_asked && sp[i].s.kind == VARLB_SPEC_PLUGIN)
        {
          cli_error (cmd, "--calibrate: %s: plug-ins are not calibrated on whole models",
                     specs[i]);
          bad = 1;
        }
      else if (sp[i].s.kind == VARLB_SPEC_EXEC || sp[i].s.kind == VARLB_SPEC_SERVE)
        bad = cli_calibrate_specs (cmd, &sp[i].s, 1, seed, o) != 0;
      if (bad)
        {
          for (size_t j = 0; j <= i; j++)
            varlb_model_spec_clear (&sp[j]);
          return -1;
        }
    }
  return 0;
}

/* The --head-rows file: its descriptor (-1: none) and its name. */
typedef struct attack_file {
  int fd;
  const char *path;
} attack_file_t;

/* Trial I of `varlb attack --model`: compressor SP on M at BITS, its
   report on stdout (text or JSON), its head rows appended to HF, its blob
   kept in KEEP/I.blob when asked.  0, or -1 when it failed. */
static int
attack_model_one (const char *cmd, const varlb_model_t *m, const varlb_model_spec_t *sp,
                  size_t i, double bits, varlb_channel_opts_t *opts, unsigned long long maxc,
                  const char *keep, int json, const char *typed, const attack_file_t *hf)
{
  varlb_model_trial_t mt;
  char blobpath[4096];
  int rc = 0;
  cli_keep_blob (blobpath, sizeof blobpath, keep, i, opts);
  int st = varlb_model_trial_run (&mt, m, sp, bits, opts, maxc);
  opts->keep_blob = NULL; /* BLOBPATH ends with this call */
  if (st != VARLB_OK)
    {
      cli_error (cmd, "%s: the trial could not run: %s", sp->s.text,
                 mt.t.error[0] ? mt.t.error : varlb_strerror (st));
      varlb_model_trial_clear (&mt);
      return -1;
    }
  if (mt.t.status != VARLB_OK)
    {
      rc = -1;
      cli_error (cmd, "%s: %s", mt.t.compressor, mt.t.error);
    }
  if (json)
    varlb_model_trial_write_json (stdout, &mt, m);
  else
    {
      if (i)
        putchar ('\n');
      print_model_trial (stdout, &mt, m, sp, typed);
      if (opts->isolation == VARLB_ISOLATION_SANDBOX)
        {
          char shown[2048];
          varlb__view_describe (shown, sizeof shown, sp->s.kind == VARLB_SPEC_BUILTIN
                                ? NULL : sp->s.path, opts);
          printf ("  shown       %s\n", shown);
        }
    }
  fflush (stdout);
  size_t len;
  char *text = hf->fd >= 0 && mt.t.status == VARLB_OK
               ? cli_model_head_rows (&len, &mt, m, bits) : NULL;
  if (text && cli_append_row (cmd, hf->fd, hf->path, text, len) != 0)
    rc = -1;
  free (text);
  varlb_model_trial_clear (&mt);
  return rc;
}

int
cli_attack_model (int argc, char **argv)
{
  static const struct option longopts[] = {
    CLI_REDUCTION_LONGOPTS,
    CLI_CHANNEL_LONGOPTS,
    CLI_MODEL_LONGOPTS,
    CLI_MODEL_TRIAL_LONGOPTS,
    { "json", no_argument, NULL, CLI_OPT_JSON },
    { "compressor", required_argument, NULL, O_COMP },
    { "budget", required_argument, NULL, O_BUDGET },
    { "ratio", required_argument, NULL, O_RATIO },
    { "keep-blobs", required_argument, NULL, O_KEEP },
    { NULL, 0, NULL, 0 }
  };
  const char *cmd = "attack", *keep = NULL, *hrows = NULL;
  char *specs[64];
  size_t nspecs = 0;
  double budget = NAN, ratio = NAN, maxc = 0;
  const char *typed_arg = NULL;
  int json = 0, c, rc = CLI_EXIT_USAGE, have_model = 0;
  varlb_params_t p;
  varlb_channel_opts_t opts;
  cli_model_opts_t mo = { 0 };
  varlb_model_t m;
  varlb_params_init (&p);
  varlb_channel_opts_init (&opts);
  opterr = 0;
  while ((c = getopt_long (argc, argv, "d:", longopts, NULL)) != -1)
    {
      int r = 0;
      switch (c)
        {
        case CLI_OPT_HELP:
          cli_print_help ("model", stdout);
          rc = 0;
          goto done;
        case CLI_OPT_JSON: json = 1; continue;
        case O_KEEP: keep = optarg; continue;
        case CLI_OPT_HEAD_ROWS: hrows = optarg; continue;
        case O_COMP:
          if (nspecs == 64)
            {
              cli_error (cmd, "--compressor: at most 64 per run");
              goto done;
            }
          specs[nspecs++] = optarg;
          continue;
        case O_BUDGET:
          r = cli_parse_budget (cmd, "--budget", optarg, 0, 1e18, &budget);
          typed_arg = optarg;
          break;
        case O_RATIO:
          r = cli_parse_double (cmd, "--ratio", optarg, 0, 1e6, &ratio);
          typed_arg = optarg;
          break;
        case CLI_OPT_MAX_CACHE:
          r = cli_parse_double (cmd, "--max-cache-bytes", optarg, 1, 1e18, &maxc);
          break;
        default:
          r = cli_channel_option (cmd, c, optarg, &opts);
          if (r == 1)
            r = cli_model_option (cmd, c, optarg, &mo);
          if (r == 1)
            r = cli_reduction_option (cmd, c, optarg, &p);
          if (r == 1)
            {
              rc = cli_bad_option (cmd, argc, argv);
              goto done;
            }
        }
      if (r != 0)
        goto done;
    }
  if (cli_no_arguments (cmd, argc, argv) != 0)
    goto done;
  if (cli_attack_given (cmd, nspecs, budget, ratio, " (of N_total)") != 0)
    goto done;
  if (cli_reduction_finish (cmd, &p) != 0 || cli_model_finish (cmd, &mo, &p, &m) != 0)
    goto done;
  have_model = 1;
  if (cli_model_cache_fits (cmd, &m, (unsigned long long) maxc) != 0)
    goto done;
  int fd = -1, *fdp = &fd;
  const char *head = CLI_HEAD_ROWS_HEADER;
  if (hrows && cli_open_outputs (cmd, 1, &hrows, &fdp, &head, 0) != 0)
    {
      if (fd >= 0)
        close (fd);
      goto done;
    }
  const char *outputs[] = { keep, hrows, NULL };
  varlb_model_spec_t *sp = calloc (nspecs, sizeof *sp);
  if (cli_channel_finish (cmd, &opts, outputs) != 0 || sp == NULL
      || cli_model_resolve (cmd, sp, specs, nspecs, &opts, p.seed) != 0)
    {
      free (sp);
      if (fd >= 0)
        close (fd);
      goto done;
    }
  if (keep && cli_make_dir (cmd, "--keep-blobs", keep) != 0)
    ;
  else
    {
      rc = 0;
      double bits = floor (isnan (budget) ? ratio * (double) varlb_model_hidden_bits (&m) : budget);
      char typed[128];
      cli_budget_typed (typed, sizeof typed, isnan (budget), typed_arg);
      for (size_t i = 0; i < nspecs; i++)
        {
          attack_file_t hf = { fd, hrows };
          if (attack_model_one (cmd, &m, &sp[i], i, bits, &opts, (unsigned long long) maxc,
                                keep, json, typed, &hf) != 0)
            rc = CLI_EXIT_FAIL;
        }
    }
  if (fd >= 0)
    close (fd);
  for (size_t j = 0; j < nspecs; j++)
    varlb_model_spec_clear (&sp[j]);
  free (sp);
done:
  if (have_model)
    varlb_model_clear (&m);
  cli_channel_clear (&opts);
  varlb_params_clear (&p);
  return rc;
}
