/* model_report.c -- a whole model's trial as attack and sweep --model
 * report it: the cache's size check, the signed head rows (--head-rows,
 * the layer x head heat map of `varlb plot`) and attack's text report with
 * the best and worst layer and head.  Runs no trial (attack.c does). */
#define _GNU_SOURCE 1 /* open_memstream */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"
#include "model.h"
#include "results/verify.h"

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
  char *text = NULL, sched[512];
  FILE *f = open_memstream (&text, len);
  if (f == NULL)
    return NULL;
  varlb_pyramid_format (&m->par.pyramid, sched, sizeof sched);
  for (size_t i = 0; mt->head_tested && i < mt->layers * mt->heads; i++)
    {
      fputc ('"', f);
      for (const char *p = mt->t.compressor; *p; p++)
        fprintf (f, *p == '"' ? "\"\"" : "%c", *p);
      /* The trial's key columns (resume.c) before the head's own. */
      fprintf (f, "\",%.0f,%llu,\"%s\",%zu,%s,%s,%zu,%zu,%zu,%zu,%zu,%zu,%.6f\n", budget,
               (unsigned long long) mt->t.seed, sched, m->par.d, varlb_jl_family_name (m->par.jl),
               mt->model, mt->layers, mt->heads,
               i / mt->heads, i % mt->heads, mt->head_tested[i], mt->head_correct[i],
               mt->head_tested[i] ? (double) mt->head_correct[i] / (double) mt->head_tested[i]
                                  : 0.0);
    }
  if (fclose (f) != 0 || varlb__sign_rows (&text, len, CLI_HEAD_ROWS_HEADER, m->par.judge_key) != 0)
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

void
cli_print_model_trial (FILE *o, const varlb_model_trial_t *mt, const varlb_model_t *m,
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
