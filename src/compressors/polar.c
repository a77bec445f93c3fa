/* polar.c -- polar codes for lossy source coding (Korada-Urbanke 2010):
 * the code design, the transform, and successive-cancellation list
 * encoding with index-based path management and lazy copying (Tal-Vardy,
 * "List decoding of polar codes", IEEE Trans. IT 61(5), 2015), in the LLR
 * domain: O(L n log n) time, O(L n) memory.  See polar.h. */
#include <config.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "varlb.h"
#include "polar.h"
#include "common.h"

/* ---------------------------------------------------------------- design */

static size_t
bit_reverse (size_t i, unsigned m)
{
  size_t r = 0;
  for (unsigned b = 0; b < m; b++)
    r |= ((i >> b) & 1u) << (m - 1 - b);
  return r;
}

/* log(a + b - ab) from la = log a, lb = log b (a, b in (0, 1]): with a the
   larger, a + b(1 - a) = a (1 + (b/a)(1 - a)), every term in range. */
static double
log_z_minus (double la, double lb)
{
  if (la < lb)
    {
      double t = la;
      la = lb;
      lb = t;
    }
  if (la >= 0.0)
    return 0.0;
  return la + log1p (exp (lb - la) * -expm1 (la));
}

void
cc_polar_code_clear (cc_polar_code_t *c)
{
  free (c->frozen);
  free (c->dontcare);
  free (c->pos);
  memset (c, 0, sizeof *c);
}

int
cc_polar_code_init (cc_polar_code_t *c, unsigned m, size_t used, size_t k,
                    double design_d, enum cc_polar_puncture p)
{
  memset (c, 0, sizeof *c);
  if (m > 30 || used > ((size_t) 1 << m) || k > used || !(design_d > 0.0 && design_d < 0.5))
    return VARLB_EINVAL;
  size_t n = (size_t) 1 << m;
  c->m = m, c->n = n, c->used = used, c->k = k;
  c->frozen = malloc (n);
  c->dontcare = calloc (n, 1);
  c->pos = malloc ((used ? used : 1) * sizeof *c->pos);
  double *z = malloc (n * sizeof *z), *w = malloc (n * sizeof *w);
  cc_scored_t *r = malloc (n * sizeof *r);
  if (!c->frozen || !c->dontcare || !c->pos || !z || !w || !r)
    {
      free (z), free (w), free (r);
      cc_polar_code_clear (c);
      return VARLB_ENOMEM;
    }
  for (size_t i = 0; i < n - used; i++)
    c->dontcare[p == CC_POLAR_PUNCTURE_TAIL ? used + i : bit_reverse (i, m)] = 1;
  for (size_t i = 0, j = 0; i < n; i++)
    if (!c->dontcare[i])
      c->pos[j++] = i;
  /* Layer 0 (one phase, n branches): Z of BSC(D) is 2 sqrt(D(1 - D)); a
     don't-care position is a useless channel, Z = 1. */
  double lz0 = log (2.0) + 0.5 * (log (design_d) + log1p (-design_d));
  for (size_t i = 0; i < n; i++)
    z[i] = c->dontcare[i] ? 0.0 : lz0;
  /* Layer lambda has 2^lambda phases of s = 2^(m - lambda) branches, at
     index phase * s + branch; phases 2psi and 2psi + 1 at branch b combine
     branches 2b and 2b + 1 of phase psi one layer down (as in the encoder). */
  for (unsigned lam = 1; lam <= m; lam++)
    {
      size_t s = n >> lam;
      for (size_t psi = 0; psi < ((size_t) 1 << (lam - 1)); psi++)
        for (size_t b = 0; b < s; b++)
          {
            double la = z[psi * 2 * s + 2 * b], lb = z[psi * 2 * s + 2 * b + 1];
            w[2 * psi * s + b] = log_z_minus (la, lb);
            w[(2 * psi + 1) * s + b] = la + lb;
          }
      double *t = z;
      z = w;
      w = t;
    }
  for (size_t i = 0; i < n; i++)
    r[i] = (cc_scored_t) { z[i], i };
  qsort (r, n, sizeof *r, cc_by_score_asc);
  memset (c->frozen, 1, n);
  for (size_t i = 0; i < k; i++)
    c->frozen[r[i].i] = 0;
  free (z), free (w), free (r);
  return VARLB_OK;
}

/* ------------------------------------------------------------- transform */

/* Layer by layer from u (layer m) to x (layer 0), the partial-sum rule of
   the encoder: at layer lambda (s = 2^(m - lambda) branches per phase),
   phases 2psi (a) and 2psi + 1 (b) give phase psi of the layer below as
   the interleave (a ^ b, b). */
int
cc_polar_transform (unsigned char *x, unsigned m)
{
  size_t n = (size_t) 1 << m;
  unsigned char *t = malloc (n);
  if (t == NULL)
    return VARLB_ENOMEM;
  for (unsigned lam = m; lam >= 1; lam--)
    {
      size_t s = n >> lam;
      for (size_t g = 0; g < n; g += 2 * s)
        for (size_t b = 0; b < s; b++)
          {
            t[g + 2 * b] = x[g + b] ^ x[g + s + b];
            t[g + 2 * b + 1] = x[g + s + b];
          }
      memcpy (x, t, n);
    }
  free (t);
  return VARLB_OK;
}

int
cc_polar_reconstruct (unsigned char *xhat, const cc_polar_code_t *c,
                      const unsigned char *info)
{
  unsigned char *u = malloc (c->n ? c->n : 1);
  if (u == NULL)
    return VARLB_ENOMEM;
  for (size_t i = 0, j = 0; i < c->n; i++)
    u[i] = c->frozen[i] ? 0 : info[j++] & 1u;
  int st = cc_polar_transform (u, c->m);
  for (size_t j = 0; st == VARLB_OK && j < c->used; j++)
    xhat[j] = u[c->pos[j]];
  free (u);
  return st;
}

/* -------------------------------------------------------- list encoding */

#define CORR_STEP 32 /* the table of llr_check's correction term */
#define CORR_END 24

/* The list state.  Layer lambda (0..m) holds arrays of 2^(m - lambda)
   branches: LLRs P (layer 0: the channel, shared and read only) and
   partial sums C (two bits per branch: the even and the odd phase).  Each
   of the L paths points at one slot per layer; slots are shared with a
   reference count and copied only when a path writes to a shared one. */
typedef struct scl {
  unsigned m;
  size_t n, L;
  double *p0;
  double *P[32];
  unsigned char *C[32];
  size_t *slot[32];    /* [layer][path] */
  size_t *ref[32];     /* [layer][slot] */
  size_t *free_slots[32];
  size_t n_free[32];
  double *pm;          /* path metrics: -log of the path's probability */
  unsigned char *active;
  size_t *free_paths, n_free_paths;
  double corr[CORR_END * CORR_STEP + 1]; /* log1p(e^-x) at x = i / CORR_STEP */
} scl_t;

static void
scl_clear (scl_t *s)
{
  for (unsigned l = 0; l <= s->m; l++)
    {
      free (s->P[l]), free (s->C[l]), free (s->slot[l]), free (s->ref[l]);
      free (s->free_slots[l]);
    }
  free (s->p0), free (s->pm), free (s->active), free (s->free_paths);
}

static int
scl_init (scl_t *s, unsigned m, size_t L)
{
  memset (s, 0, sizeof *s);
  s->m = m, s->n = (size_t) 1 << m, s->L = L;
  int ok = (s->p0 = malloc (s->n * sizeof *s->p0)) && (s->pm = calloc (L, sizeof *s->pm))
           && (s->active = calloc (L, 1)) && (s->free_paths = malloc (L * sizeof (size_t)));
  for (unsigned l = 0; ok && l <= m; l++)
    {
      size_t len = s->n >> l;
      ok = (l == 0 || (s->P[l] = malloc (L * len * sizeof (double))))
           && (s->C[l] = calloc (L * 2 * len, 1)) && (s->slot[l] = malloc (L * sizeof (size_t)))
           && (s->ref[l] = calloc (L, sizeof (size_t)))
           && (s->free_slots[l] = malloc (L * sizeof (size_t)));
      if (!ok)
        break;
      /* Path 0 holds slot 0; the others are free. */
      s->n_free[l] = 0;
      for (size_t i = L; i-- > 1;)
        s->free_slots[l][s->n_free[l]++] = i;
      s->slot[l][0] = 0;
      s->ref[l][0] = 1;
    }
  if (!ok)
    {
      scl_clear (s);
      return VARLB_ENOMEM;
    }
  s->active[0] = 1;
  for (size_t i = 0; i <= CORR_END * CORR_STEP; i++)
    s->corr[i] = log1p (exp (-(double) i / CORR_STEP));
  for (size_t i = L; i-- > 1;)
    s->free_paths[s->n_free_paths++] = i;
  return VARLB_OK;
}

/* The slot of PATH at layer L for writing: a private copy when shared.
   Only the partial sums are copied: a path writes a layer's LLRs whole, and
   the layers whose partial sums it writes after phase phi are exactly
   those the next phase recomputes before reading (unlike Tal-Vardy, who
   copy both; tests/test_ratedist.c checks the list against brute force). */
static size_t
scl_own (scl_t *s, unsigned l, size_t path)
{
  size_t sl = s->slot[l][path];
  if (s->ref[l][sl] == 1)
    return sl;
  size_t ns = s->free_slots[l][--s->n_free[l]], len = s->n >> l;
  memcpy (s->C[l] + ns * 2 * len, s->C[l] + sl * 2 * len, 2 * len);
  s->ref[l][sl]--;
  s->ref[l][ns] = 1;
  s->slot[l][path] = ns;
  return ns;
}

static void
scl_kill (scl_t *s, size_t path)
{
  for (unsigned l = 0; l <= s->m; l++)
    {
      size_t sl = s->slot[l][path];
      if (--s->ref[l][sl] == 0)
        s->free_slots[l][s->n_free[l]++] = sl;
    }
  s->active[path] = 0;
  s->free_paths[s->n_free_paths++] = path;
}

static size_t
scl_clone (scl_t *s, size_t path)
{
  size_t np = s->free_paths[--s->n_free_paths];
  for (unsigned l = 0; l <= s->m; l++)
    {
      s->slot[l][np] = s->slot[l][path];
      s->ref[l][s->slot[l][path]]++;
    }
  s->active[np] = 1;
  s->pm[np] = s->pm[path];
  return np;
}

/* The check-node rule 2 atanh(tanh(a/2) tanh(b/2)) in the form
   sign * (min|.| + c(|a|+|b|) - c(||a|-|b||)), c(x) = log1p(e^-x), which
   neither overflows nor cancels; c is tabulated (step 1/32 on [0, 24),
   linear interpolation: error below 3e-5, beyond 24 it is below 4e-11 and
   taken as 0).  Exact c costs two transcendental calls and doubles the
   encoder's time; min-sum (c = 0) loses about 0.002 of accuracy. */
static inline double
corr (const double *tab, double x)
{
  double t = x * CORR_STEP;
  if (t >= CORR_END * CORR_STEP)
    return 0.0;
  size_t i = (size_t) t;
  return tab[i] + (t - (double) i) * (tab[i + 1] - tab[i]);
}

static inline double
llr_check (const double *tab, double a, double b)
{
  double aa = fabs (a), ab = fabs (b);
  double v = fmin (aa, ab) + corr (tab, aa + ab) - corr (tab, fabs (aa - ab));
  return (a < 0) != (b < 0) ? -v : v;
}

/* -log P(u | LLR) for the decision U: log(1 + e^-(1-2u) llr). */
static inline double
penalty (double llr, int u)
{
  double t = u ? -llr : llr;
  return t >= 0 ? log1p (exp (-t)) : -t + log1p (exp (t));
}

/* LLRs of phase PHI at layer m for PATH, recomputing the layers whose
   phase changed (Tal-Vardy's recursivelyCalcP, unrolled). */
static void
scl_calc (scl_t *s, size_t path, size_t phi)
{
  unsigned m = s->m, low = m;
  while (low > 1 && ((phi >> (m - low)) & 1u) == 0)
    low--;
  for (unsigned l = low; l <= m; l++)
    {
      size_t len = s->n >> l, ph = phi >> (m - l);
      size_t sl = scl_own (s, l, path);
      double *out = s->P[l] + sl * len;
      const double *in = l == 1 ? s->p0 : s->P[l - 1] + s->slot[l - 1][path] * 2 * len;
      const unsigned char *c = s->C[l] + sl * 2 * len;
      if ((ph & 1u) == 0)
        for (size_t b = 0; b < len; b++)
          out[b] = llr_check (s->corr, in[2 * b], in[2 * b + 1]);
      else
        for (size_t b = 0; b < len; b++)
          out[b] = (c[2 * b] ? -in[2 * b] : in[2 * b]) + in[2 * b + 1];
    }
}

/* Propagate the partial sums after the odd phase PHI (recursivelyUpdateC). */
static void
scl_update (scl_t *s, size_t path, size_t phi)
{
  unsigned m = s->m;
  for (unsigned l = m; l >= 1 && ((phi >> (m - l)) & 1u); l--)
    {
      size_t len = s->n >> l, psi = (phi >> (m - l)) >> 1;
      const unsigned char *src = s->C[l] + s->slot[l][path] * 2 * len;
      unsigned char *dst = s->C[l - 1] + scl_own (s, l - 1, path) * 4 * len;
      unsigned h = (unsigned) (psi & 1u);
      for (size_t b = 0; b < len; b++)
        {
          dst[4 * b + h] = src[2 * b] ^ src[2 * b + 1];
          dst[4 * b + 2 + h] = src[2 * b + 1];
        }
    }
}

static void
scl_set_bit (scl_t *s, size_t path, size_t phi, unsigned char u)
{
  size_t sl = scl_own (s, s->m, path);
  s->C[s->m][2 * sl + (phi & 1u)] = u;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

int
cc_polar_encode (unsigned char *info, size_t *distortion, const cc_polar_code_t *c,
                 const unsigned char *y, double channel_d, size_t list)
{
  if (list < 1 || !(channel_d > 0.0 && channel_d < 0.5) || c->m < 1)
    return VARLB_EINVAL;
  scl_t s;
  if (scl_init (&s, c->m, list) != VARLB_OK)
    return VARLB_ENOMEM;
  size_t L = list, n = c->n;
  double *cand = malloc (2 * L * sizeof *cand), *sorted = malloc (2 * L * sizeof *sorted);
  size_t *act = malloc (L * sizeof *act);
  unsigned char *x = malloc (n);
  if (!cand || !sorted || !act || !x)
    {
      free (cand), free (sorted), free (act), free (x);
      scl_clear (&s);
      return VARLB_ENOMEM;
    }
  /* The test channel BSC(D): source bit 0 is LLR +log((1-D)/D); a
     don't-care position has LLR 0. */
  double llr = log1p (-channel_d) - log (channel_d);
  for (size_t i = 0; i < n; i++)
    s.p0[i] = 0.0;
  for (size_t j = 0; j < c->used; j++)
    s.p0[c->pos[j]] = y[j] ? -llr : llr;
  for (size_t phi = 0; phi < n; phi++)
    {
      size_t na = 0;
      for (size_t p = 0; p < L; p++)
        if (s.active[p])
          act[na++] = p;
      for (size_t i = 0; i < na; i++)
        scl_calc (&s, act[i], phi);
      if (c->frozen[phi])
        for (size_t i = 0; i < na; i++)
          {
            size_t p = act[i];
            s.pm[p] += penalty (s.P[c->m][s.slot[c->m][p]], 0);
            scl_set_bit (&s, p, phi, 0);
          }
      else
        {
          for (size_t i = 0; i < na; i++)
            {
              double v = s.P[c->m][s.slot[c->m][act[i]]];
              cand[2 * i] = s.pm[act[i]] + penalty (v, 0);
              cand[2 * i + 1] = s.pm[act[i]] + penalty (v, 1);
            }
          /* Keep the L best of the 2 na forks: those below the L-th
             smallest metric, then ties in path order. */
          double thr = INFINITY;
          if (2 * na > L)
            {
              memcpy (sorted, cand, 2 * na * sizeof *cand);
              qsort (sorted, 2 * na, sizeof *sorted, cmp_double);
              thr = sorted[L - 1];
            }
          size_t room = L, below = 0;
          for (size_t i = 0; i < 2 * na; i++)
            below += cand[i] < thr;
          size_t ties = room - below;
          unsigned char keep[2];
          for (size_t i = 0; i < na; i++)
            {
              size_t p = act[i];
              for (int u = 0; u < 2; u++)
                {
                  double v = cand[2 * i + u];
                  keep[u] = v < thr || (v == thr && ties > 0 && (ties--, 1));
                }
              if (!keep[0] && !keep[1])
                scl_kill (&s, p);
              cand[2 * i] = keep[0] ? cand[2 * i] : INFINITY;
              cand[2 * i + 1] = keep[1] ? cand[2 * i + 1] : INFINITY;
            }
          for (size_t i = 0; i < na; i++)
            {
              size_t p = act[i];
              int k0 = cand[2 * i] < INFINITY, k1 = cand[2 * i + 1] < INFINITY;
              if (k0 && k1)
                {
                  size_t q = scl_clone (&s, p);
                  s.pm[q] = cand[2 * i + 1];
                  scl_set_bit (&s, q, phi, 1);
                }
              if (k0 || k1)
                {
                  s.pm[p] = k0 ? cand[2 * i] : cand[2 * i + 1];
                  scl_set_bit (&s, p, phi, k0 ? 0 : 1);
                }
            }
        }
      if (phi & 1u)
        for (size_t p = 0; p < L; p++)
          if (s.active[p])
            scl_update (&s, p, phi);
    }
  /* The codeword of each surviving path is its layer-0 partial sums; keep
     the closest to Y (the metric would do with exact arithmetic). */
  size_t best = SIZE_MAX, best_d = SIZE_MAX;
  for (size_t p = 0; p < L; p++)
    {
      if (!s.active[p])
        continue;
      const unsigned char *c0 = s.C[0] + s.slot[0][p] * 2 * n;
      size_t dist = 0;
      for (size_t j = 0; j < c->used; j++)
        dist += c0[2 * c->pos[j]] != y[j];
      if (dist < best_d)
        best_d = dist, best = p;
    }
  const unsigned char *c0 = s.C[0] + s.slot[0][best] * 2 * n;
  for (size_t i = 0; i < n; i++)
    x[i] = c0[2 * i];
  /* Back to u: the transform is an involution. */
  int st = cc_polar_transform (x, c->m);
  for (size_t i = 0, j = 0; st == VARLB_OK && i < n; i++)
    {
      if (c->frozen[i])
        st = x[i] ? VARLB_ENUMERIC : st; /* cannot happen: frozen bits are set to 0 */
      else
        info[j++] = x[i];
    }
  if (distortion)
    *distortion = best_d;
  free (cand), free (sorted), free (act), free (x);
  scl_clear (&s);
  return st;
}
