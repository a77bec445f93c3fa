/* model_channel.c -- what a whole model adds to channel.c's specs:
 * version-1 compressors applied per head with the budget split evenly and
 * a charged length table, and specs naming a whole-model built-in (budget
 * allocators, compressors/registry.c) or a v2 plug-in (probed in a
 * sandboxed half by channel.c's probe, `__probe --model`). */
#define _GNU_SOURCE 1 /* asprintf */
#include <config.h>
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "channel.h"
#include "text.h"
#include "compressors/common.h"

/* ------------------------------------------- version 1, head by head */

double
varlb_model_split_budget (double budget_bits, size_t heads_total, size_t i)
{
  /* Whole bits below 2^53: every step is exact. */
  double n = (double) heads_total, table = VARLB_MODEL_SPLIT_TABLE_BITS * n;
  double rest = budget_bits > table ? budget_bits - table : 0.0;
  double each = floor (rest / n), extra = rest - each * n;
  return each + ((double) i < extra ? 1.0 : 0.0);
}

int
varlb_model_split_compress (varlb_blob_t *blob, const varlb_compressor_t *c, const double *K,
                            const double *V, size_t layers, size_t heads, size_t T, size_t d,
                            size_t dv, double budget_bits, uint64_t seed,
                            const varlb_knobs_t *knobs, const varlb_pyramid_t *pyramid)
{
  size_t n = layers * heads;
  varlb_blob_t *part = calloc (n ? n : 1, sizeof *part);
  if (part == NULL)
    return VARLB_ENOMEM;
  int st = VARLB_OK;
  for (size_t i = 0; st == VARLB_OK && i < n; i++)
    {
      varlb_blob_init (&part[i]);
      st = c->compress (&part[i], K + i * T * d, V + i * T * dv, T, d, dv,
                        varlb_model_split_budget (budget_bits, n, i),
                        varlb_seed_head_public (seed, i / heads, i % heads), knobs, pyramid);
      if (st == VARLB_OK && part[i].len > UINT32_MAX)
        st = VARLB_EINVAL;
    }
  for (size_t i = 0; st == VARLB_OK && i < n; i++)
    st = cc_put_u32 (blob, (uint32_t) part[i].len);
  for (size_t i = 0; st == VARLB_OK && i < n; i++)
    st = varlb_blob_append (blob, part[i].data, part[i].len);
  for (size_t i = 0; i < n; i++)
    varlb_blob_clear (&part[i]);
  free (part);
  return st;
}

int
varlb_model_split_answer (double *O, const varlb_compressor_t *c, const unsigned char *blob,
                          size_t len, uint64_t seed, const double *Q, size_t layers,
                          size_t heads, size_t m, size_t d, size_t dv,
                          const varlb_knobs_t *knobs, const varlb_pyramid_t *pyramid)
{
  size_t n = layers * heads;
  if (n == 0 || len / 4 < n)
    return VARLB_EFORMAT;
  cc_reader_t r;
  cc_reader_init (&r, blob, len);
  size_t sum = 0;
  for (size_t i = 0; i < n; i++)
    sum += cc_get_u32 (&r); /* at most n 2^32 - n: no overflow on 64 bits */
  if (r.bad || sum != r.left)
    return VARLB_EFORMAT;
  const unsigned char *p = blob + 4 * n;
  for (size_t i = 0; i < n; i++)
    {
      size_t li = (size_t) blob[4 * i] | (size_t) blob[4 * i + 1] << 8
                  | (size_t) blob[4 * i + 2] << 16 | (size_t) blob[4 * i + 3] << 24;
      int st = c->answer (O + i * m * dv, p, li,
                          varlb_seed_head_public (seed, i / heads, i % heads),
                          Q + i * m * d, m, d, dv, knobs, pyramid);
      if (st != VARLB_OK)
        return st;
      p += li;
    }
  return VARLB_OK;
}

/* --------------------------------------------------------------- specs */

/* A whole-model compressor MC into S (TEXT as given, KNOBS its "k=v,..."). */
static int
spec_v2 (varlb_model_spec_t *s, const char *text, const char *knobs,
         const varlb_model_compressor_t *mc, char *why, size_t len)
{
  varlb_spec_t *v = &s->s;
  if (mc->base.abi != VARLB_COMPRESSOR_ABI_MODEL || mc->base.name == NULL
      || mc->compress == NULL || mc->answer == NULL)
    {
      snprintf (why, len, "%s: interface version %d, whole models need %d (or a half is "
                "missing)", text, mc->base.abi, VARLB_COMPRESSOR_ABI_MODEL);
      return VARLB_EINVAL;
    }
  s->mc = mc;
  s->abi = VARLB_COMPRESSOR_ABI_MODEL;
  v->c = &mc->base;
  if ((v->name = strdup (mc->base.name)) == NULL || (v->knob_text = strdup (knobs)) == NULL)
    return VARLB_ENOMEM;
  if (varlb_knobs_parse (&v->knobs, knobs) != VARLB_OK)
    {
      snprintf (why, len, "%s: knobs must read k=v,k=v, got '%s'", v->name, knobs);
      return VARLB_EINVAL;
    }
  int st = varlb_knobs_check (&mc->base, &v->knobs, why, len);
  const char *note = st != VARLB_OK ? NULL
                     : mc->base.calibration ? mc->base.calibration (&v->knobs)
                     : mc->base.free_calibration;
  if (note && (v->calibration = strdup (note)) == NULL)
    return VARLB_ENOMEM;
  return st;
}

/* TEXT's name (before ':') and knobs (after it); *NAME malloc'd. */
static int
split_text (const char *text, char **name, const char **knobs)
{
  const char *colon = strchr (text, ':');
  *name = colon ? strndup (text, (size_t) (colon - text)) : strdup (text);
  *knobs = colon ? colon + 1 : "";
  return *name ? VARLB_OK : VARLB_ENOMEM;
}

int
varlb_model_spec_init_local (varlb_model_spec_t *s, const char *text, char *why, size_t len)
{
  memset (s, 0, sizeof *s);
  varlb_knobs_init (&s->s.knobs);
  char *name = NULL;
  const char *knobs;
  int st = VARLB_OK;
  if (strncmp (text, "plugin:", 7) == 0)
    {
      /* The v2 symbol first; a plug-in without it is a v1 one. */
      st = split_text (text + 7, &name, &knobs);
      char *path = st == VARLB_OK ? realpath (name, NULL) : NULL;
      void *dl = path ? dlopen (path, RTLD_NOW | RTLD_LOCAL) : NULL;
      const varlb_model_compressor_t *mc = dl ? dlsym (dl, VARLB_MODEL_COMPRESSOR_SYMBOL) : NULL;
      if (mc)
        {
          s->s.kind = VARLB_SPEC_PLUGIN;
          s->s.path = path;
          s->s.dl = dl;
          path = NULL;
          st = (s->s.text = strdup (text)) ? spec_v2 (s, text, knobs, mc, why, len) : VARLB_ENOMEM;
          free (name);
          return st;
        }
      free (path);
    }
  else if (strncmp (text, "exec:", 5) != 0)
    {
      st = split_text (text, &name, &knobs);
      const varlb_model_compressor_t *mc = st == VARLB_OK ? varlb_model_compressor_find (name) : NULL;
      if (mc)
        {
          s->s.kind = VARLB_SPEC_BUILTIN;
          st = (s->s.text = strdup (text)) ? spec_v2 (s, text, knobs, mc, why, len) : VARLB_ENOMEM;
          free (name);
          return st;
        }
    }
  free (name);
  if (st != VARLB_OK)
    return st;
  varlb_knobs_clear (&s->s.knobs);
  st = varlb_spec_init_local (&s->s, text, why, len);
  s->abi = s->s.kind == VARLB_SPEC_EXEC || s->s.kind == VARLB_SPEC_SERVE ? 0 : 1;
  return st;
}

/* A v2 plug-in, never loaded here: what a sandboxed `varlb __probe --model`
   reports of it (its name, calibration, and whether its knobs pass). */
static int
probe_v2 (varlb_model_spec_t *s, const char *text, const varlb_channel_opts_t *o, char *why,
          size_t len)
{
  char *name = NULL, *canon = NULL, *report = NULL, buf[64];
  const char *knobs;
  int st = split_text (text + 7, &name, &knobs);
  char *path = st == VARLB_OK ? realpath (name, NULL) : NULL;
  if (st == VARLB_OK && path == NULL)
    {
      snprintf (why, len, "plugin %s: %s", name, strerror (errno));
      st = VARLB_EINVAL;
    }
  if (st == VARLB_OK
      && asprintf (&canon, "plugin:%s%s%s", path, knobs[0] ? ":" : "", knobs) < 0)
    st = VARLB_ENOMEM;
  if (st == VARLB_OK)
    st = varlb__spec_probe (&report, canon, 1, o, why, len);
  if (st == VARLB_OK)
    {
      const char *abi = varlb__probe_value (report, "abi", buf, sizeof buf);
      s->abi = abi ? atoi (abi) : 1;
      s->s.kind = VARLB_SPEC_PLUGIN;
      s->s.path = path;
      path = NULL;
      if ((s->s.text = strdup (text)) == NULL || (s->s.knob_text = strdup (knobs)) == NULL
          || varlb_knobs_parse (&s->s.knobs, knobs) != VARLB_OK)
        st = VARLB_ENOMEM;
      if (st == VARLB_OK)
        st = varlb__spec_from_probe (&s->s, report, why, len);
      if (st == VARLB_OK)
        varlb__add_digest (&s->s.provenance, s->s.path);
    }
  free (report);
  free (canon);
  free (path);
  free (name);
  return st;
}

int
varlb_model_spec_init_opts (varlb_model_spec_t *s, const char *text,
                            const varlb_channel_opts_t *o, char *why, size_t len)
{
  memset (s, 0, sizeof *s);
  if (strncmp (text, "plugin:", 7) == 0)
    {
      varlb_knobs_init (&s->s.knobs);
      return probe_v2 (s, text, o, why, len);
    }
  char *name = NULL;
  const char *knobs;
  int st = strncmp (text, "exec:", 5) == 0 ? VARLB_OK : split_text (text, &name, &knobs);
  int v2 = name && varlb_model_compressor_find (name) != NULL;
  free (name);
  if (st != VARLB_OK)
    return st;
  if (!v2)
    {
      /* exec: and v1 built-ins: channel.c's spec, provenance included. */
      st = varlb_spec_init_opts (&s->s, text, o, why, len);
      s->abi = s->s.kind == VARLB_SPEC_EXEC || s->s.kind == VARLB_SPEC_SERVE ? 0 : 1;
      return st;
    }
  st = varlb_model_spec_init_local (s, text, why, len);
  if (st == VARLB_OK && asprintf (&s->s.provenance, "varlb %s", VARLB_VERSION_STRING) < 0)
    st = VARLB_ENOMEM;
  return st;
}

void
varlb_model_spec_clear (varlb_model_spec_t *s)
{
  varlb_spec_clear (&s->s);
  memset (s, 0, sizeof *s);
}
