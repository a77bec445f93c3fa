/* rows.c -- result rows of trials, one head's or a whole model's (the
 * trial's columns, then the model's): one JSON object per line, or CSV whose
 * header names equal the JSON keys, each signed with its MAC (src/mac.c).
 * Text a compressor influences (its stderr, an exec spec) is written as
 * valid UTF-8 whatever it held. */
#include <config.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "trial.h"
#include "text.h"

/* Columns shared by JSON and CSV, in order. */
static const char *const columns[] = {
  "compressor", "budget_bits", "bits_charged", "N", "bits_tested", "correct",
  "accuracy", "ci_low", "ci_high", "fano_ceiling", "trivial", "efficiency", "verdict",
  "over_budget", "status", "error", "seed", "schedule", "d", "jl", "keys", "values",
  "C", "calibration", "witness_token", "witness_coord", "witness_true",
  "witness_returned", "eta", "approx_eta", "eta_violations", "public_seed", "judge_key",
  "isolation", "side_channel_bits", "provenance", "wall_s", "stderr_compress", "stderr_answer",
  "length_bits", "bits_judged", "p_value"
};
#define NCOLUMNS (sizeof columns / sizeof *columns)

size_t
varlb_trial_column_count (void)
{
  return NCOLUMNS;
}

const char *
varlb_trial_column_name (size_t i)
{
  return i < NCOLUMNS ? columns[i] : NULL;
}

enum { CELL_STR, CELL_NUM, CELL_INT, CELL_BOOL, CELL_NULL };

/* Column I of a row, as a kind and a value. */
static int
cell (const varlb_trial_t *t, const varlb_instance_t *in, size_t i, char *buf, size_t len)
{
  const varlb_params_t *p = &in->par;
  switch (i)
    {
    case 0: snprintf (buf, len, "%s", t->compressor); return CELL_STR;
    /* Budgets and charges are whole bits. */
    case 1: snprintf (buf, len, "%.0f", t->budget_bits); return CELL_INT;
    case 2: snprintf (buf, len, "%.0f", t->bits_charged); return isfinite (t->bits_charged) ? CELL_INT : CELL_NULL;
    case 3: snprintf (buf, len, "%zu", t->N); return CELL_INT;
    case 4: snprintf (buf, len, "%zu", t->bits_tested); return CELL_INT;
    case 5: snprintf (buf, len, "%zu", t->correct); return CELL_INT;
    case 6: snprintf (buf, len, "%.17g", t->accuracy); return isfinite (t->accuracy) ? CELL_NUM : CELL_NULL;
    case 7: snprintf (buf, len, "%.17g", t->ci_low); return isfinite (t->ci_low) ? CELL_NUM : CELL_NULL;
    case 8: snprintf (buf, len, "%.17g", t->ci_high); return isfinite (t->ci_high) ? CELL_NUM : CELL_NULL;
    case 9: snprintf (buf, len, "%.17g", t->fano_ceiling); return isfinite (t->fano_ceiling) ? CELL_NUM : CELL_NULL;
    case 10: snprintf (buf, len, "%.17g", t->trivial); return isfinite (t->trivial) ? CELL_NUM : CELL_NULL;
    case 11: snprintf (buf, len, "%.17g", t->efficiency); return isfinite (t->efficiency) ? CELL_NUM : CELL_NULL;
    case 12: snprintf (buf, len, "%s", t->verdict); return CELL_STR;
    case 13: snprintf (buf, len, "%s", t->over_budget ? "true" : "false"); return CELL_BOOL;
    case 14: snprintf (buf, len, "%s", t->status == VARLB_OK ? "ok" : varlb_strerror (t->status)); return CELL_STR;
    case 15: snprintf (buf, len, "%s", t->error); return CELL_STR;
    case 16: snprintf (buf, len, "%llu", (unsigned long long) t->seed); return CELL_INT;
    case 17: varlb_pyramid_format (&p->pyramid, buf, len); return CELL_STR;
    case 18: snprintf (buf, len, "%zu", in->d); return CELL_INT;
    case 19: snprintf (buf, len, "%s", varlb_jl_family_name (p->jl)); return CELL_STR;
    case 20: snprintf (buf, len, "%s", varlb_jl_norm_name (p->norm)); return CELL_STR;
    case 21: snprintf (buf, len, "%s", p->values == VARLB_VALUES_PM1 ? "pm1" : "01"); return CELL_STR;
    case 22: snprintf (buf, len, "%.17g", in->C); return CELL_NUM;
    case 23: snprintf (buf, len, "%s", t->calibration); return CELL_STR;
    case 24: snprintf (buf, len, "%zu", t->witness_token); return t->has_witness ? CELL_INT : CELL_NULL;
    case 25: snprintf (buf, len, "%zu", t->witness_coord); return t->has_witness ? CELL_INT : CELL_NULL;
    case 26: snprintf (buf, len, "%.17g", t->witness_true); return t->has_witness ? CELL_NUM : CELL_NULL;
    case 27: snprintf (buf, len, "%.17g", t->witness_returned); return t->has_witness ? CELL_NUM : CELL_NULL;
    case 28: snprintf (buf, len, "%.17g", p->eta); return CELL_NUM;
    case 29: snprintf (buf, len, "%.17g", t->approx_eta);
      return t->has_approx && isfinite (t->approx_eta) ? CELL_NUM : CELL_NULL;
    case 30: snprintf (buf, len, "%zu", t->eta_violations); return t->has_approx ? CELL_INT : CELL_NULL;
    case 31: snprintf (buf, len, "%llu", (unsigned long long) t->public_seed); return CELL_INT;
    case 32: snprintf (buf, len, "%s", t->judge_key); return CELL_STR;
    case 33: snprintf (buf, len, "%s", t->isolation ? t->isolation : ""); return CELL_STR;
    case 34: snprintf (buf, len, "%.17g", t->side_channel_bits);
      return isfinite (t->side_channel_bits) ? CELL_NUM : CELL_NULL;
    case 35: snprintf (buf, len, "%s", t->provenance); return CELL_STR;
    case 36: snprintf (buf, len, "%.6f", t->wall_s); return isfinite (t->wall_s) ? CELL_NUM : CELL_NULL;
    case 37: snprintf (buf, len, "%s", t->stderr_compress); return CELL_STR;
    case 38: snprintf (buf, len, "%s", t->stderr_answer); return CELL_STR;
    /* What the verdict was judged at, and its p-value (empty when the
       trial failed). */
    case 39: snprintf (buf, len, "%.17g", t->length_bits);
      return t->status == VARLB_OK && isfinite (t->length_bits) ? CELL_NUM : CELL_NULL;
    case 40: snprintf (buf, len, "%.17g", t->bits_judged);
      return t->status == VARLB_OK && isfinite (t->bits_judged) ? CELL_NUM : CELL_NULL;
    default: snprintf (buf, len, "%.17g", t->p_value);
      return t->status == VARLB_OK && isfinite (t->p_value) ? CELL_NUM : CELL_NULL;
    }
}

static void
json_str (FILE *f, char *s)
{
  varlb__utf8_sanitize (s);
  fputc ('"', f);
  for (; *s; s++)
    {
      unsigned char c = (unsigned char) *s;
      if (c == '"' || c == '\\')
        fprintf (f, "\\%c", c);
      else if (c < 0x20 || c == 0x7f)
        fprintf (f, "\\u%04x", c);
      else
        fputc (c, f);
    }
  fputc ('"', f);
}

void
varlb_trial_write_json_unsigned (FILE *f, const varlb_trial_t *t, const varlb_instance_t *in)
{
  char buf[1024];
  fputc ('{', f);
  for (size_t i = 0; i < NCOLUMNS; i++)
    {
      int kind = cell (t, in, i, buf, sizeof buf);
      fprintf (f, "%s\"%s\":", i ? "," : "", columns[i]);
      if (kind == CELL_STR)
        json_str (f, buf);
      else if (kind == CELL_NULL)
        fputs ("null", f);
      else
        fputs (buf, f);
    }
}

/* The header without the mac column or the newline. */
static void
header_unsigned (FILE *f)
{
  for (size_t i = 0; i < NCOLUMNS; i++)
    fprintf (f, "%s%s", i ? "," : "", columns[i]);
}

void
varlb_trial_write_csv_header (FILE *f)
{
  header_unsigned (f);
  fputs (",mac\n", f);
}

void
varlb_trial_write_csv_unsigned (FILE *f, const varlb_trial_t *t, const varlb_instance_t *in)
{
  char buf[1024];
  for (size_t i = 0; i < NCOLUMNS; i++)
    {
      int kind = cell (t, in, i, buf, sizeof buf);
      if (i)
        fputc (',', f);
      if (kind == CELL_NULL)
        continue;
      if (kind == CELL_STR)
        {
          varlb__utf8_sanitize (buf);
          fputc ('"', f);
          for (const char *s = buf; *s; s++)
            {
              if (*s == '"')
                fputc ('"', f);
              fputc (*s == '\n' || *s == '\r' ? ' ' : *s, f);
            }
          fputc ('"', f);
        }
      else
        fputs (buf, f);
    }
}

/* The text WRITE (F, ARG, JSON) writes, in a string (NULL when out of memory). */
static char *
text_of (size_t *len, void (*write) (FILE *, const void *, int), const void *arg, int json)
{
  char *s = NULL;
  FILE *m = open_memstream (&s, len);
  if (m == NULL)
    return NULL;
  write (m, arg, json);
  if (fclose (m) != 0)
    {
      free (s);
      return NULL;
    }
  return s;
}

void
varlb__row_write (FILE *f, const unsigned char *judge_key, void (*header) (FILE *, const void *, int),
                  void (*row) (FILE *, const void *, int), const void *arg, int json)
{
  /* The one place result rows get their MAC: the CSV text signs both the
     CSV row and its JSON twin. */
  size_t hl = 0, cl = 0, jl = 0;
  char *h = text_of (&hl, header, arg, 0), *c = text_of (&cl, row, arg, 0);
  char *j = json ? text_of (&jl, row, arg, 1) : NULL;
  if (h && c && (j || !json))
    varlb_row_write_signed (f, judge_key, h, hl, c, cl, j, jl);
  free (h), free (c), free (j);
}

typedef struct { const varlb_trial_t *t; const varlb_instance_t *in; } trial_row_t;

static void
trial_header (FILE *f, const void *arg, int json)
{
  (void) arg, (void) json;
  header_unsigned (f);
}

static void
trial_row (FILE *f, const void *arg, int json)
{
  const trial_row_t *r = arg;
  (json ? varlb_trial_write_json_unsigned : varlb_trial_write_csv_unsigned) (f, r->t, r->in);
}

static void
write_signed (FILE *f, const varlb_trial_t *t, const varlb_instance_t *in, int json)
{
  trial_row_t r = { t, in };
  varlb__row_write (f, in->par.judge_key, trial_header, trial_row, &r, json);
}

void
varlb_trial_write_json (FILE *f, const varlb_trial_t *t, const varlb_instance_t *in)
{
  write_signed (f, t, in, 1);
}

void
varlb_trial_write_csv (FILE *f, const varlb_trial_t *t, const varlb_instance_t *in)
{
  write_signed (f, t, in, 0);
}

/* ------------------------------------------------- a whole model's rows */

/* The instance columns of a model's rows (schedule, d, JL family, keys,
   values, C, eta): every head shares them. */
static void
row_instance (varlb_instance_t *in, const varlb_model_t *m)
{
  memset (in, 0, sizeof *in);
  in->par = m->par;
  in->d = m->par.d;
  in->C = m->par.C > 0 ? m->par.C : varlb_params_default_C (&m->par);
}

/* "a;b;..." each layer's accuracy over its heads' tested bits. */
static void
layer_accuracy (FILE *f, const varlb_model_trial_t *mt)
{
  for (size_t l = 0; l < mt->layers && mt->head_tested; l++)
    {
      size_t c = 0, n = 0;
      for (size_t h = 0; h < mt->heads; h++)
        c += mt->head_correct[l * mt->heads + h], n += mt->head_tested[l * mt->heads + h];
      if (n)
        fprintf (f, "%s%.6f", l ? ";" : "", (double) c / (double) n);
    }
}

/* The header without the mac column or the newline: the trial's columns,
   then the model's. */
static void
model_header (FILE *f, const void *arg, int json)
{
  (void) arg, (void) json;
  for (size_t i = 0; i < varlb_trial_column_count (); i++)
    fprintf (f, "%s%s", i ? "," : "", varlb_trial_column_name (i));
  fputs (",model,layers,heads,witness_layer,witness_head,layer_accuracy", f);
}

typedef struct { const varlb_model_trial_t *mt; const varlb_instance_t *in; } model_row_t;

/* The trial's own row, then the model's columns, unsigned. */
static void
model_row_unsigned (FILE *f, const void *arg, int json)
{
  const varlb_model_trial_t *mt = ((const model_row_t *) arg)->mt;
  const varlb_instance_t *in = ((const model_row_t *) arg)->in;
  (json ? varlb_trial_write_json_unsigned : varlb_trial_write_csv_unsigned) (f, &mt->t, in);
  int ok = mt->t.status == VARLB_OK && mt->t.has_witness;
  if (json)
    {
      fprintf (f, ",\"model\":\"%s\",\"layers\":%zu,\"heads\":%zu,\"witness_layer\":", mt->model,
               mt->layers, mt->heads);
      ok ? fprintf (f, "%zu", mt->witness_layer) : fputs ("null", f);
      fputs (",\"witness_head\":", f);
      ok ? fprintf (f, "%zu", mt->witness_head) : fputs ("null", f);
      fputs (",\"layer_accuracy\":\"", f);
      layer_accuracy (f, mt);
      fputc ('"', f);
    }
  else
    {
      fprintf (f, ",\"%s\",%zu,%zu,", mt->model, mt->layers, mt->heads);
      if (ok)
        fprintf (f, "%zu", mt->witness_layer);
      fputc (',', f);
      if (ok)
        fprintf (f, "%zu", mt->witness_head);
      fputs (",\"", f);
      layer_accuracy (f, mt);
      fputc ('"', f);
    }
}

/* The row signed, as a head's is (varlb__row_write). */
static void
model_row (FILE *f, const varlb_model_trial_t *mt, const varlb_model_t *m, int json)
{
  varlb_instance_t in;
  row_instance (&in, m);
  model_row_t r = { mt, &in };
  varlb__row_write (f, m->par.judge_key, model_header, model_row_unsigned, &r, json);
}

void
varlb_model_trial_write_json (FILE *f, const varlb_model_trial_t *mt, const varlb_model_t *m)
{
  model_row (f, mt, m, 1);
}

void
varlb_model_trial_write_csv (FILE *f, const varlb_model_trial_t *mt, const varlb_model_t *m)
{
  model_row (f, mt, m, 0);
}

void
varlb_model_trial_write_csv_header (FILE *f)
{
  model_header (f, NULL, 0);
  fputs (",mac\n", f);
}
