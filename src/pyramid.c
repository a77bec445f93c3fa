/* pyramid.c -- VAR scale schedules (patch_nums), token indexing and the
 * block-causal visibility rule (VAR, arXiv 2404.02905: a token of scale k sees
 * scales 1..k). */
#include <config.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "varlb.h"

static const unsigned preset_256[] = { 1, 2, 3, 4, 5, 6, 8, 10, 13, 16 };
static const unsigned preset_512[] = { 1, 2, 3, 4, 6, 9, 13, 18, 24, 32 };
static const unsigned preset_1024[] = { 1, 2, 3, 4, 5, 7, 9, 12, 16, 21, 27, 36, 48, 64 };

int
varlb_pyramid_init_list (varlb_pyramid_t *p, const unsigned *pn, size_t scales)
{
  p->scales = 0;
  p->pn = NULL;
  p->offset = NULL;
  if (scales == 0 || scales > VARLB_PYRAMID_MAX_SCALES)
    return VARLB_EINVAL;
  for (size_t k = 0; k < scales; k++)
    if (pn[k] == 0 || pn[k] > VARLB_PYRAMID_MAX_SIDE
        || (k > 0 && pn[k] <= pn[k - 1]))
      return VARLB_EINVAL;
  p->pn = malloc (scales * sizeof *p->pn);
  p->offset = malloc ((scales + 1) * sizeof *p->offset);
  if (p->pn == NULL || p->offset == NULL)
    {
      varlb_pyramid_clear (p);
      return VARLB_ENOMEM;
    }
  p->scales = scales;
  p->offset[0] = 0;
  for (size_t k = 0; k < scales; k++)
    {
      p->pn[k] = pn[k];
      p->offset[k + 1] = p->offset[k] + (size_t) pn[k] * pn[k];
    }
  return VARLB_OK;
}

int
varlb_pyramid_init_preset (varlb_pyramid_t *p, int px)
{
  switch (px)
    {
    case 256: return varlb_pyramid_init_list (p, preset_256, 10);
    case 512: return varlb_pyramid_init_list (p, preset_512, 10);
    case 1024: return varlb_pyramid_init_list (p, preset_1024, 14);
    default:
      p->scales = 0; p->pn = NULL; p->offset = NULL;
      return VARLB_EINVAL;
    }
}

int
varlb_pyramid_init_geometric (varlb_pyramid_t *p, unsigned n)
{
  unsigned pn[VARLB_PYRAMID_MAX_SCALES];
  size_t k = 0;
  if (n == 0 || n > VARLB_PYRAMID_MAX_SIDE)
    {
      p->scales = 0; p->pn = NULL; p->offset = NULL;
      return VARLB_EINVAL;
    }
  /* Sides from the top down, halving (rounding up) until 1. */
  for (unsigned side = n;; side = (side + 1) / 2)
    {
      pn[k++] = side;
      if (side == 1)
        break;
    }
  for (size_t i = 0; i < k / 2; i++)
    {
      unsigned t = pn[i];
      pn[i] = pn[k - 1 - i];
      pn[k - 1 - i] = t;
    }
  return varlb_pyramid_init_list (p, pn, k);
}

int
varlb_pyramid_init_parse (varlb_pyramid_t *p, const char *text)
{
  unsigned pn[VARLB_PYRAMID_MAX_SCALES];
  size_t n = 0;
  const char *s = text;
  p->scales = 0; p->pn = NULL; p->offset = NULL;
  if (text == NULL)
    return VARLB_EINVAL;
  for (;;)
    {
      while (isspace ((unsigned char) *s))
        s++;
      if (!isdigit ((unsigned char) *s) || n == VARLB_PYRAMID_MAX_SCALES)
        return VARLB_EINVAL;
      errno = 0;
      char *end;
      unsigned long v = strtoul (s, &end, 10);
      if (errno != 0 || v > VARLB_PYRAMID_MAX_SIDE)
        return VARLB_EINVAL;
      pn[n++] = (unsigned) v;
      s = end;
      while (isspace ((unsigned char) *s))
        s++;
      if (*s == '\0')
        break;
      if (*s != ',')
        return VARLB_EINVAL;
      s++;
    }
  return varlb_pyramid_init_list (p, pn, n);
}

int
varlb_pyramid_init_copy (varlb_pyramid_t *dst, const varlb_pyramid_t *src)
{
  return varlb_pyramid_init_list (dst, src->pn, src->scales);
}

void
varlb_pyramid_clear (varlb_pyramid_t *p)
{
  free (p->pn);
  free (p->offset);
  p->pn = NULL;
  p->offset = NULL;
  p->scales = 0;
}

size_t
varlb_pyramid_token_count (const varlb_pyramid_t *p)
{
  return p->offset ? p->offset[p->scales] : 0;
}

size_t
varlb_pyramid_prefix (const varlb_pyramid_t *p, size_t k)
{
  return k <= p->scales ? p->offset[k] : p->offset[p->scales];
}

size_t
varlb_pyramid_token_index (const varlb_pyramid_t *p, size_t scale,
                           unsigned row, unsigned col)
{
  if (scale >= p->scales || row >= p->pn[scale] || col >= p->pn[scale])
    return (size_t) -1;
  return p->offset[scale] + (size_t) row * p->pn[scale] + col;
}

/* Scale of token t by binary search over the offsets. */
static size_t
scale_of (const varlb_pyramid_t *p, size_t t)
{
  size_t lo = 0, hi = p->scales - 1;
  while (lo < hi)
    {
      size_t mid = (lo + hi + 1) / 2;
      if (p->offset[mid] <= t)
        lo = mid;
      else
        hi = mid - 1;
    }
  return lo;
}

int
varlb_pyramid_token_position (const varlb_pyramid_t *p, size_t t,
                              size_t *scale, unsigned *row, unsigned *col)
{
  if (t >= varlb_pyramid_token_count (p))
    return VARLB_EINVAL;
  size_t k = scale_of (p, t);
  size_t within = t - p->offset[k];
  *scale = k;
  *row = (unsigned) (within / p->pn[k]);
  *col = (unsigned) (within % p->pn[k]);
  return VARLB_OK;
}

int
varlb_pyramid_visible (const varlb_pyramid_t *p, size_t a, size_t b)
{
  size_t T = varlb_pyramid_token_count (p);
  if (a >= T || b >= T)
    return 0;
  return scale_of (p, b) <= scale_of (p, a);
}

void
varlb_pyramid_format (const varlb_pyramid_t *p, char *buf, size_t len)
{
  size_t used = 0;
  if (len == 0)
    return;
  buf[0] = '\0';
  for (size_t k = 0; k < p->scales && used < len; k++)
    {
      int w = snprintf (buf + used, len - used, k ? ",%u" : "%u", p->pn[k]);
      if (w < 0)
        break;
      used += (size_t) w;
    }
}
