/* minicache.c -- MiniCache (arXiv 2405.14366) on a whole model: adjacent
 * layers (l, l+1) are merged token by token: the SLERP of their unit
 * vectors at t = 1/2 (the normalised midpoint) is kept once with both
 * layers' magnitudes, and the tokens whose two layers point furthest apart
 * are retained unmerged.  The budget decides: as few pairs as fit are
 * merged, deepest first (MiniCache merges from the middle of the depth
 * down); what is left retains the most distant tokens; when even merging
 * every pair does not fit, each cache keeps its press's top tokens.
 *
 * Blob: precision, pairs P (32 bits each); each unmerged head's kept count,
 * each merged (pair, head)'s kept count and retained count (32 bits each);
 * then each unmerged head's tokens (key, value); each merged unit's tokens
 * (key direction, both key norms, value direction, both value norms) and
 * its retained ones (slot, then key and value of both layers). */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "alloc.h"

static const varlb_knob_t knobs[] = {
  ALLOC_COMMON_KNOBS,
};

extern const varlb_model_compressor_t varlb_model_compressor_minicache;

/* The layout: P pairs merged, the deepest layers [L - 2P, L). */
typedef struct layout {
  size_t L, H, T, d, dv, P, u0, u1; /* u0 unmerged heads, u1 merged units */
  unsigned prec;
} layout_t;

static double
header_bits (const layout_t *y)
{
  return 64.0 + 32.0 * (double) y->u0 + 64.0 * (double) y->u1;
}

static double
tok0 (const layout_t *y)
{
  return (double) (y->d + y->dv) * y->prec;
}

static double
tok1 (const layout_t *y)
{
  return (double) (y->d + y->dv + 4) * y->prec;
}

static double
retained_bits (const layout_t *y)
{
  return 32.0 + 2.0 * (double) (y->d + y->dv) * y->prec;
}

static void
layout_set (layout_t *y, size_t P)
{
  y->P = P;
  y->u0 = (y->L - 2 * P) * y->H;
  y->u1 = P * y->H;
}

/* The normalised midpoint of A/|A| and B/|B| (SLERP at 1/2) into E, and
   both norms; a zero vector or opposite directions take the other's (A's). */
static void
merge (double *e, double *na, double *nb, const double *a, const double *b, size_t d)
{
  double sa = 0, sb = 0, se = 0;
  for (size_t j = 0; j < d; j++)
    sa += a[j] * a[j], sb += b[j] * b[j];
  *na = sqrt (sa);
  *nb = sqrt (sb);
  for (size_t j = 0; j < d; j++)
    {
      e[j] = (*na > 0 ? a[j] / *na : 0) + (*nb > 0 ? b[j] / *nb : 0);
      se += e[j] * e[j];
    }
  if (se < 1e-24 && *na > 0)
    for (size_t j = 0; j < d; j++)
      e[j] = a[j] / *na, se = 1.0;
  for (size_t j = 0; j < d && se > 0; j++)
    e[j] /= sqrt (se);
}

/* 1 - cos of A and B (0 when either is zero). */
static double
distance (const double *a, const double *b, size_t d)
{
  double ab = 0, aa = 0, bb = 0;
  for (size_t j = 0; j < d; j++)
    ab += a[j] * b[j], aa += a[j] * a[j], bb += b[j] * b[j];
  return aa > 0 && bb > 0 ? 1.0 - ab / sqrt (aa * bb) : 0.0;
}

static int
compress (ALLOC_COMPRESS_PARAMS)
{
  const varlb_compressor_t *self = &varlb_model_compressor_minicache.base;
  layout_t y = { L, H, T, d, dv, 0, 0, 0, 0 };
  if (alloc_check_knobs (&y.prec, self, kn) != VARLB_OK)
    return VARLB_EINVAL;
  alloc_ctx_t c = { K, V, L, H, T, d, dv, L * H, seed, kn, py, self, y.prec };
  /* The fewest pairs whose caches fit whole. */
  size_t P = 0;
  int whole = 0;
  for (; P <= L / 2; P++)
    {
      layout_set (&y, P);
      if (header_bits (&y) + (double) T * ((double) y.u0 * tok0 (&y) + (double) y.u1 * tok1 (&y))
          <= budget_bits)
        {
          whole = 1;
          break;
        }
    }
  if (!whole)
    layout_set (&y, L / 2);
  if (budget_bits < header_bits (&y))
    return VARLB_OK; /* not even the tables: an empty blob, answered 0 */
  size_t units = y.u0 + y.u1;
  size_t *count = malloc ((units + 1) * sizeof *count), *ret = calloc (y.u1 + 1, sizeof *ret);
  size_t *keep = malloc ((units * T + 1) * sizeof *keep);
  double *s = malloc ((2 * T + 1) * sizeof *s), *dist = malloc ((T + 1) * sizeof *dist);
  size_t *order = malloc ((T + 1) * sizeof *order);
  int st = count && ret && keep && s && dist && order ? VARLB_OK : VARLB_ENOMEM;
  double room = budget_bits - header_bits (&y);
  if (st == VARLB_OK && whole)
    {
      /* Every token; the rest retains the most distant ones. */
      for (size_t u = 0; u < units; u++)
        count[u] = T;
      room -= (double) T * ((double) y.u0 * tok0 (&y) + (double) y.u1 * tok1 (&y));
      alloc_split (ret, y.u1, (size_t) floor (room / retained_bits (&y)), NULL, T);
    }
  else if (st == VARLB_OK)
    {
      /* Every pair merged and still too much: as many tokens in every
         cache as fit, then one more in the first ones while it fits. */
      double per = (double) y.u0 * tok0 (&y) + (double) y.u1 * tok1 (&y);
      size_t k = per > 0 ? (size_t) floor (room / per) : 0;
      k = k < T ? k : T;
      room -= (double) k * per;
      for (size_t u = 0; u < units; u++)
        {
          double one = u < y.u0 ? tok0 (&y) : tok1 (&y);
          count[u] = k;
          if (k < T && room >= one)
            count[u]++, room -= one;
        }
    }
  /* Kept tokens: the press's top (both layers' scores for a merged unit). */
  for (size_t u = 0; st == VARLB_OK && u < units; u++)
    {
      size_t a = u < y.u0 ? u : y.u0 + 2 * ((u - y.u0) / H) * H + (u - y.u0) % H;
      if (u < y.u0 || count[u] >= T)
        st = alloc_keep_top (keep + u * T, count[u], &c, a);
      else if ((st = alloc_press_scores (s, &c, a, count[u])) == VARLB_OK
               && (st = alloc_press_scores (s + T, &c, a + H, count[u])) == VARLB_OK)
        {
          for (size_t t = 0; t < T; t++)
            s[t] += s[T + t];
          cc_top_k (keep + u * T, count[u], s, T);
        }
    }
  if (st == VARLB_OK)
    st = cc_put_u32 (blob, y.prec);
  if (st == VARLB_OK)
    st = cc_put_u32 (blob, (uint32_t) y.P);
  for (size_t u = 0; st == VARLB_OK && u < units; u++)
    {
      st = cc_put_u32 (blob, (uint32_t) count[u]);
      if (st == VARLB_OK && u >= y.u0)
        st = cc_put_u32 (blob, (uint32_t) ret[u - y.u0]);
    }
  double *e = malloc ((d > dv ? d : dv) * sizeof *e + 1);
  if (e == NULL)
    st = VARLB_ENOMEM;
  for (size_t u = 0; st == VARLB_OK && u < units; u++)
    {
      const size_t *ku = keep + u * T;
      if (u < y.u0)
        {
          const double *Ki = alloc_head_K (&c, u), *Vi = alloc_head_V (&c, u);
          for (size_t r = 0; st == VARLB_OK && r < count[u]; r++)
            {
              for (size_t j = 0; st == VARLB_OK && j < d; j++)
                st = cc_put_real (blob, Ki[ku[r] * d + j], y.prec);
              for (size_t j = 0; st == VARLB_OK && j < dv; j++)
                st = cc_put_real (blob, Vi[ku[r] * dv + j], y.prec);
            }
          continue;
        }
      size_t a = y.u0 + 2 * ((u - y.u0) / H) * H + (u - y.u0) % H, b = a + H;
      const double *Ka = alloc_head_K (&c, a), *Kb = alloc_head_K (&c, b);
      const double *Va = alloc_head_V (&c, a), *Vb = alloc_head_V (&c, b);
      for (size_t r = 0; st == VARLB_OK && r < count[u]; r++)
        {
          size_t t = ku[r];
          double na, nb;
          merge (e, &na, &nb, Ka + t * d, Kb + t * d, d);
          for (size_t j = 0; st == VARLB_OK && j < d; j++)
            st = cc_put_real (blob, e[j], y.prec);
          if (st == VARLB_OK && (st = cc_put_real (blob, na, y.prec)) == VARLB_OK)
            st = cc_put_real (blob, nb, y.prec);
          merge (e, &na, &nb, Va + t * dv, Vb + t * dv, dv);
          for (size_t j = 0; st == VARLB_OK && j < dv; j++)
            st = cc_put_real (blob, e[j], y.prec);
          if (st == VARLB_OK && (st = cc_put_real (blob, na, y.prec)) == VARLB_OK)
            st = cc_put_real (blob, nb, y.prec);
          dist[r] = distance (Ka + t * d, Kb + t * d, d) + distance (Va + t * dv, Vb + t * dv, dv);
        }
      /* Retained: the slots whose two layers are furthest apart. */
      size_t nr = ret[u - y.u0] < count[u] ? ret[u - y.u0] : count[u];
      if (st == VARLB_OK && nr)
        st = cc_rank_desc (order, dist, count[u]);
      for (size_t q = 0; st == VARLB_OK && q < nr; q++)
        {
          size_t slot = order[q], t = ku[slot];
          st = cc_put_u32 (blob, (uint32_t) slot);
          for (size_t j = 0; st == VARLB_OK && j < d; j++)
            st = cc_put_real (blob, Ka[t * d + j], y.prec);
          for (size_t j = 0; st == VARLB_OK && j < dv; j++)
            st = cc_put_real (blob, Va[t * dv + j], y.prec);
          for (size_t j = 0; st == VARLB_OK && j < d; j++)
            st = cc_put_real (blob, Kb[t * d + j], y.prec);
          for (size_t j = 0; st == VARLB_OK && j < dv; j++)
            st = cc_put_real (blob, Vb[t * dv + j], y.prec);
        }
    }
  free (e), free (count), free (ret), free (keep), free (s), free (dist), free (order);
  return st;
}

static int
answer (ALLOC_ANSWER_PARAMS)
{
  if (len == 0)
    return alloc_evict_answer (O, blob, 0, seed, Q, L, H, m, d, dv, kn, py);
  cc_reader_t r;
  cc_reader_init (&r, blob, len);
  layout_t y = { L, H, 0, d, dv, 0, 0, 0, 0 };
  y.prec = cc_get_u32 (&r);
  size_t P = cc_get_u32 (&r);
  if (r.bad || !cc_prec_ok (y.prec) || P > L / 2)
    return VARLB_EFORMAT;
  layout_set (&y, P);
  size_t units = y.u0 + y.u1, pb = y.prec / 8;
  if (r.left / 4 < units + y.u1)
    return VARLB_EFORMAT;
  size_t *cnt = malloc ((units + 1) * sizeof *cnt), *ret = malloc ((units + 1) * sizeof *ret);
  size_t *off = malloc ((units + 1) * sizeof *off);
  if (!cnt || !ret || !off)
    {
      free (cnt), free (ret), free (off);
      return VARLB_ENOMEM;
    }
  /* Every unit's data where the counts say; the sizes must add up to the
     blob exactly (each step checked against what is left: no overflow). */
  size_t need = 0, most = 0, left = r.left - 4 * (units + y.u1);
  int st = VARLB_OK;
  for (size_t u = 0; u < units; u++)
    {
      cnt[u] = cc_get_u32 (&r);
      ret[u] = u >= y.u0 ? cc_get_u32 (&r) : 0;
      size_t per = u < y.u0 ? (d + dv) * pb : (d + dv + 4) * pb, rper = 4 + 2 * (d + dv) * pb;
      off[u] = need;
      if (ret[u] > cnt[u] || cnt[u] > (left - need) / per)
        {
          st = VARLB_EFORMAT;
          break;
        }
      need += cnt[u] * per;
      if (ret[u] > (left - need) / rper)
        {
          st = VARLB_EFORMAT;
          break;
        }
      need += ret[u] * rper;
      most = cnt[u] > most ? cnt[u] : most;
    }
  if (st == VARLB_OK && (r.bad || need != left))
    st = VARLB_EFORMAT;
  double *Kc = malloc ((most * d + 1) * sizeof *Kc), *Vc = malloc ((most * dv + 1) * sizeof *Vc);
  if (st == VARLB_OK && (!Kc || !Vc))
    st = VARLB_ENOMEM;
  const unsigned char *data = blob + 8 + 4 * (units + y.u1);
  for (size_t i = 0; st == VARLB_OK && i < L * H; i++)
    {
      size_t l = i / H, h = i % H, u, side = 0;
      if (l < L - 2 * P)
        u = i;
      else
        {
          size_t j = (l - (L - 2 * P)) / 2;
          side = (l - (L - 2 * P)) % 2;
          u = y.u0 + j * H + h;
        }
      cc_reader_t q;
      cc_reader_init (&q, data + off[u], left - off[u]);
      for (size_t t = 0; t < cnt[u]; t++)
        if (u < y.u0)
          {
            for (size_t k = 0; k < d; k++)
              Kc[t * d + k] = cc_get_real (&q, y.prec);
            for (size_t k = 0; k < dv; k++)
              Vc[t * dv + k] = cc_get_real (&q, y.prec);
          }
        else
          {
            for (size_t k = 0; k < d; k++)
              Kc[t * d + k] = cc_get_real (&q, y.prec);
            double na = cc_get_real (&q, y.prec), nb = cc_get_real (&q, y.prec);
            for (size_t k = 0; k < d; k++)
              Kc[t * d + k] *= side ? nb : na;
            for (size_t k = 0; k < dv; k++)
              Vc[t * dv + k] = cc_get_real (&q, y.prec);
            na = cc_get_real (&q, y.prec), nb = cc_get_real (&q, y.prec);
            for (size_t k = 0; k < dv; k++)
              Vc[t * dv + k] *= side ? nb : na;
          }
      for (size_t k = 0; k < ret[u]; k++)
        {
          size_t slot = cc_get_u32 (&q);
          if (slot >= cnt[u])
            {
              st = VARLB_EFORMAT;
              break;
            }
          /* Layer a's key and value, then layer b's: skip the other's. */
          if (side)
            cc_reader_skip (&q, (d + dv) * pb);
          for (size_t j = 0; j < d; j++)
            Kc[slot * d + j] = cc_get_real (&q, y.prec);
          for (size_t j = 0; j < dv; j++)
            Vc[slot * dv + j] = cc_get_real (&q, y.prec);
          if (!side)
            cc_reader_skip (&q, (d + dv) * pb);
        }
      if (st == VARLB_OK && (q.bad || cc_decoded_finite (Kc, NULL, cnt[u] * d) != VARLB_OK
                             || cc_decoded_finite (Vc, NULL, cnt[u] * dv) != VARLB_OK))
        st = VARLB_EFORMAT;
      if (st == VARLB_OK)
        st = cc_answer_cache (O + i * m * dv, Q + i * m * d, m, Kc, Vc, cnt[u], d, dv);
    }
  free (cnt), free (ret), free (off), free (Kc), free (Vc);
  return st;
}

const varlb_model_compressor_t varlb_model_compressor_minicache = {
  { VARLB_COMPRESSOR_ABI_MODEL, "minicache",
    "MiniCache: adjacent layers merged by SLERP (norms kept, distant tokens retained), as few pairs as fit, deepest first",
    knobs, sizeof knobs / sizeof *knobs, NULL, NULL, NULL, NULL },
  compress, answer
};
