/* blob.c -- the bytes a compressor keeps (bits charged = 8 x length, always
 * measured here) and compressor knobs given as text "k=v,k=v". */
#include <config.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "varlb.h"

void
varlb_blob_init (varlb_blob_t *b)
{
  b->data = NULL;
  b->len = b->cap = 0;
}

void
varlb_blob_clear (varlb_blob_t *b)
{
  free (b->data);
  varlb_blob_init (b);
}

int
varlb_blob_append (varlb_blob_t *b, const void *p, size_t n)
{
  if (n > SIZE_MAX - b->len)
    return VARLB_ENOMEM;
  if (b->len + n > b->cap)
    {
      size_t cap = b->cap ? b->cap : 256;
      while (cap < b->len + n)
        cap = cap > SIZE_MAX / 2 ? b->len + n : cap * 2;
      unsigned char *d = realloc (b->data, cap);
      if (d == NULL)
        return VARLB_ENOMEM;
      b->data = d;
      b->cap = cap;
    }
  if (n)
    memcpy (b->data + b->len, p, n);
  b->len += n;
  return VARLB_OK;
}

void
varlb_knobs_init (varlb_knobs_t *k)
{
  k->n = 0;
  k->names = k->values = NULL;
}

void
varlb_knobs_clear (varlb_knobs_t *k)
{
  for (size_t i = 0; i < k->n; i++)
    {
      free (k->names[i]);
      free (k->values[i]);
    }
  free (k->names);
  free (k->values);
  varlb_knobs_init (k);
}

int
varlb_knobs_parse (varlb_knobs_t *k, const char *text)
{
  varlb_knobs_init (k);
  if (text == NULL || *text == '\0')
    return VARLB_OK;
  const char *s = text;
  while (*s)
    {
      const char *end = strchr (s, ',');
      size_t len = end ? (size_t) (end - s) : strlen (s);
      const char *eq = memchr (s, '=', len);
      if (eq == NULL || eq == s || len == 0)
        {
          varlb_knobs_clear (k);
          return VARLB_EINVAL;
        }
      char **nn = realloc (k->names, (k->n + 1) * sizeof *nn);
      char **nv = nn ? realloc (k->values, (k->n + 1) * sizeof *nv) : NULL;
      if (nn)
        k->names = nn;
      if (nv)
        k->values = nv;
      if (nn == NULL || nv == NULL)
        {
          varlb_knobs_clear (k);
          return VARLB_ENOMEM;
        }
      k->names[k->n] = strndup (s, (size_t) (eq - s));
      k->values[k->n] = strndup (eq + 1, len - (size_t) (eq - s) - 1);
      k->n++;
      if (k->names[k->n - 1] == NULL || k->values[k->n - 1] == NULL)
        {
          varlb_knobs_clear (k);
          return VARLB_ENOMEM;
        }
      s += len;
      if (*s == ',')
        {
          s++;
          if (*s == '\0')
            {
              varlb_knobs_clear (k);
              return VARLB_EINVAL;
            }
        }
    }
  return VARLB_OK;
}

const char *
varlb_knobs_get (const varlb_knobs_t *k, const char *name)
{
  const char *v = NULL;
  for (size_t i = 0; k && i < k->n; i++)
    if (strcmp (k->names[i], name) == 0)
      v = k->values[i]; /* the last one given wins */
  return v;
}

int
varlb_knobs_check (const varlb_compressor_t *c, const varlb_knobs_t *k,
                   char *why, size_t len)
{
  for (size_t i = 0; i < k->n; i++)
    {
      const varlb_knob_t *kn = NULL;
      for (size_t j = 0; j < c->n_knobs; j++)
        if (strcmp (c->knobs[j].name, k->names[i]) == 0)
          kn = &c->knobs[j];
      if (kn == NULL)
        {
          snprintf (why, len, "%s has no knob '%s' (see 'varlb list')", c->name, k->names[i]);
          return VARLB_EINVAL;
        }
      const char *v = k->values[i];
      if (kn->type == VARLB_KNOB_STRING)
        {
          /* A string knob's range is its help's "a|b|c" list when min>max
             is not used; accept anything non-empty. */
          if (*v == '\0')
            {
              snprintf (why, len, "%s: knob %s needs a value", c->name, kn->name);
              return VARLB_EINVAL;
            }
          continue;
        }
      char *end;
      errno = 0;
      double x = strtod (v, &end);
      if (errno || end == v || *end != '\0' || !isfinite (x)
          || (kn->type == VARLB_KNOB_INT && x != floor (x)))
        {
          snprintf (why, len, "%s: knob %s expects %s, got '%s'", c->name, kn->name,
                    kn->type == VARLB_KNOB_INT ? "an integer" : "a number", v);
          return VARLB_EINVAL;
        }
      if (x < kn->min || x > kn->max)
        {
          snprintf (why, len, "%s: knob %s must lie in [%g, %g], got %s", c->name,
                    kn->name, kn->min, kn->max, v);
          return VARLB_EINVAL;
        }
    }
  return VARLB_OK;
}
