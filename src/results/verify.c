/* verify.c -- result rows read back and checked: each row's counts, the
 * verdict they give, and, under the judge key that signed it, its MAC and
 * every figure it states; its JSON line against its CSV row.  A row signed
 * under another key, or before MACs, is read unverified and re-judged from
 * its counts (README "How to read verdicts"). */
#define _GNU_SOURCE 1 /* open_memstream */
#include <config.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "verify.h"

/* ------------------------------------------------------------ the key */

void
varlb__verify_key_set (varlb__verify_key_t *k, const unsigned char *key)
{
  memcpy (k->key, key, VARLB_JUDGE_KEY_BYTES);
  varlb_judge_key_fingerprint (k->fingerprint, key);
  k->have = !varlb_judge_key_is_open (key);
}

int
varlb__verify_key_load (varlb__verify_key_t *k, const char *file, char *why, size_t wlen)
{
  char path[4096];
  memset (k, 0, sizeof *k);
  int given = file != NULL;
  if (given)
    snprintf (path, sizeof path, "%s", file);
  else if (varlb_judge_key_default_path (path, sizeof path) != VARLB_OK)
    return 0; /* no key: every row unverified */
  /* Reading results never makes a key: without one, nothing verifies. */
  if (!given && access (path, F_OK) != 0 && errno == ENOENT)
    return 0;
  unsigned char key[VARLB_JUDGE_KEY_BYTES];
  int st = varlb_judge_key_load (key, path, 0);
  if (st != VARLB_OK)
    {
      snprintf (why, wlen, "judge key %s: %s", path,
                st == VARLB_EFORMAT ? "not 64 hex digits in a file only its owner can read"
                                    : strerror (errno ? errno : EIO));
      return -1;
    }
  varlb__verify_key_set (k, key);
  memset (key, 0, sizeof key);
  return 0;
}

/* ---------------------------------------------------------- the counts */

/* A whole, non-negative count in column COL of row R, or -1. */
static int
row_count (const varlb__csv_t *t, size_t r, long col, size_t *out)
{
  double v = varlb__csv_num (t, r, col);
  if (col < 0 || !(v >= 0.0 && v < 9007199254740992.0) || v != floor (v))
    return -1;
  *out = (size_t) v;
  return 0;
}

/* An optional number of bits >= 0 in column NAME (DEFAULT when the file
   has no such column or the cell is empty), or NaN. */
static double
row_bits (const varlb__csv_t *t, size_t r, const char *name, double dflt)
{
  long c = varlb__csv_col (t, name);
  if (c < 0 || !varlb__csv_get (t, r, c)[0])
    return dflt;
  double v = varlb__csv_num (t, r, c);
  return v >= 0.0 && isfinite (v) ? v : NAN;
}

int
varlb__row_counts (varlb_counts_t *c, const varlb__csv_t *t, size_t r)
{
  size_t tested, N, layers = 1, heads = 1;
  long cb = varlb__csv_col (t, "bits_charged");
  double charged = varlb__csv_num (t, r, cb), side = row_bits (t, r, "side_channel_bits", 0.0);
  double budget = varlb__csv_num (t, r, varlb__csv_col (t, "budget_bits"));
  /* A file from before the length was counted: no blob is 2^64 bytes. */
  double length = row_bits (t, r, "length_bits", 64.0);
  long cl = varlb__csv_col (t, "layers"), ch = varlb__csv_col (t, "heads");
  memset (c, 0, sizeof *c);
  if (row_count (t, r, varlb__csv_col (t, "bits_tested"), &tested) != 0
      || row_count (t, r, varlb__csv_col (t, "correct"), &c->correct) != 0
      || row_count (t, r, varlb__csv_col (t, "d"), &c->d) != 0
      || row_count (t, r, varlb__csv_col (t, "N"), &N) != 0 || c->d == 0 || tested == 0
      || c->correct > tested || cb < 0 || !(charged >= 0.0) || !isfinite (charged)
      || !(budget >= 0.0)
      || isnan (side) || isnan (length) || N % c->d != 0 || tested % c->d != 0 || tested > N
      || (cl >= 0 && row_count (t, r, cl, &layers) != 0)
      || (ch >= 0 && row_count (t, r, ch, &heads) != 0))
    return -1;
  /* The sampling unit is the token: m = bits_tested / d of n = N / d; a
     whole model's row (layers and heads columns) has one stratum per head,
     as its trial was judged (model_trial.c). */
  size_t s = layers * heads, m = tested / c->d, n = N / c->d;
  if (s == 0 || (heads && layers > SIZE_MAX / heads) || m % s != 0 || n % s != 0)
    return -1;
  c->strata = s, c->r = m / s, c->a = n / s;
  c->bits_charged = charged;
  c->bits_judged = varlb_bits_judged (charged, budget, side, length);
  return 0;
}

int
varlb__row_judge (varlb_judgement_t *j, const varlb__csv_t *t, size_t r)
{
  varlb_counts_t c;
  if (varlb__row_counts (&c, t, r) != 0)
    return -1;
  return varlb_judge_strata (j, c.correct, c.strata, c.r, c.a, c.d, c.bits_charged,
                             c.bits_judged) == VARLB_OK ? 0 : -1;
}

static int
row_ok (const varlb__csv_t *t, size_t r)
{
  long cst = varlb__csv_col (t, "status");
  return cst >= 0 && strcmp (varlb__csv_get (t, r, cst), "ok") == 0;
}

/* The verdict row R's numbers give (an error row's is the error's). */
static const char *
row_verdict (const varlb__csv_t *t, size_t r)
{
  varlb_judgement_t j;
  if (!row_ok (t, r))
    return VARLB_VERDICT_ERROR;
  return varlb__row_judge (&j, t, r) == 0 ? j.verdict
         : "(no verdict: the row's counts do not hold together)";
}

size_t
varlb__rows_disagreeing (const varlb__csv_t *t, size_t *first, size_t nfirst)
{
  long cv = varlb__csv_col (t, "verdict"), cst = varlb__csv_col (t, "status");
  size_t bad = 0;
  if (cv < 0 || cst < 0)
    return 0;
  for (size_t r = 0; r < t->rows; r++)
    if (strcmp (varlb__csv_get (t, r, cv), row_verdict (t, r)) != 0)
      {
        if (bad < nfirst)
          first[bad] = r;
        bad++;
      }
  return bad;
}

/* --------------------------------------------------------- one row */

const char *
varlb__row_status_name (int status)
{
  switch (status)
    {
    case VARLB__ROW_VERIFIED: return "verified";
    case VARLB__ROW_UNSIGNED: return "unverified (no MAC)";
    case VARLB__ROW_OTHER_KEY: return "unverified (another judge key)";
    default: return "refused";
    }
}

/* Row R's MAC cell, when the file has a last column "mac" and R fills it. */
static const char *
row_mac_cell (const varlb__csv_t *t, size_t r)
{
  if (t->cols == 0 || strcmp (t->head[t->cols - 1], "mac") != 0)
    return NULL;
  const char *m = varlb__csv_get (t, r, (long) t->cols - 1);
  return m[0] ? m : NULL;
}

/* 1 when the MAC of row R's text under K is the one it carries. */
static int
row_mac_matches (const varlb__csv_t *t, size_t r, const varlb__verify_key_t *k)
{
  const char *line = t->line ? t->line[r] : NULL, *hl = t->header_line;
  const char *cut = line ? strrchr (line, ',') : NULL;
  size_t hn = hl ? strlen (hl) : 0;
  if (!cut || hn < 4 || strcmp (hl + hn - 4, ",mac") != 0)
    return 0;
  char want[VARLB_ROW_MAC_HEX + 1], cell[VARLB_ROW_MAC_HEX + 3];
  varlb_row_mac (want, k->key, hl, hn - 4, line, (size_t) (cut - line));
  snprintf (cell, sizeof cell, "\"%s\"", want);
  return strcmp (cut + 1, cell) == 0;
}

/* A stored figure against the recomputed one: equal, both absent, or
   within 1e-9 relatively (intervals and sampled p-values are floating
   point, and another libm may round their last digits otherwise). */
static int
figure_matches (const varlb__csv_t *t, size_t r, const char *name, double want, int exact)
{
  long c = varlb__csv_col (t, name);
  if (c < 0)
    return 1; /* an older file's row has no such column */
  const char *cell = varlb__csv_get (t, r, c);
  if (!cell[0] || isnan (want))
    return !cell[0] && isnan (want);
  double got = varlb__csv_num (t, r, c);
  if (exact)
    return got == want;
  return fabs (got - want) <= 1e-9 * fmax (fabs (got), fabs (want));
}

/* The first figure of an ok row R that its counts do not give, or NULL. */
static const char *
row_figure_mismatch (const varlb__csv_t *t, size_t r, char *why, size_t wlen)
{
  varlb_counts_t c;
  varlb_judgement_t j;
  if (varlb__row_counts (&c, t, r) != 0 || varlb__row_judge (&j, t, r) != 0)
    return "its counts do not hold together";
  double N = (double) c.a * (double) c.strata * (double) c.d;
  const struct { const char *name; double want; int exact; } f[] = {
    { "accuracy", j.accuracy, 1 }, { "ci_low", j.ci_low, 0 }, { "ci_high", j.ci_high, 0 },
    { "bits_judged", c.bits_judged, 0 }, { "fano_ceiling", j.fano_judged, 0 },
    { "p_value", j.p_value, 0 }, { "trivial", varlb_trivial_accuracy (c.bits_charged, N), 0 },
    { "efficiency", varlb_efficiency (j.accuracy, c.bits_charged, N), 0 },
  };
  for (size_t i = 0; i < sizeof f / sizeof *f; i++)
    if (!figure_matches (t, r, f[i].name, f[i].want, f[i].exact))
      {
        snprintf (why, wlen, "its %s %s is not the %.17g its counts give", f[i].name,
                  varlb__csv_get (t, r, varlb__csv_col (t, f[i].name)), f[i].want);
        return why;
      }
  long cv = varlb__csv_col (t, "verdict");
  if (cv >= 0 && strcmp (varlb__csv_get (t, r, cv), j.verdict) != 0)
    {
      snprintf (why, wlen, "its verdict is not the '%s' its counts give", j.verdict);
      return why;
    }
  return NULL;
}

int
varlb__row_verify (const varlb__csv_t *t, size_t r, const varlb__verify_key_t *k, char *why,
                   size_t wlen)
{
  long ck = varlb__csv_col (t, "judge_key");
  if (!row_mac_cell (t, r))
    return VARLB__ROW_UNSIGNED;
  if (!k->have || ck < 0 || strcmp (varlb__csv_get (t, r, ck), k->fingerprint) != 0)
    return VARLB__ROW_OTHER_KEY;
  if (!row_mac_matches (t, r, k))
    {
      snprintf (why, wlen, "its MAC does not match its text (edited after it was signed)");
      return VARLB__ROW_REFUSED;
    }
  /* Signed here: every figure must be what the counts give (a faulty
     writer, or the key's holder editing and signing again). */
  if (row_ok (t, r))
    {
      char buf[512];
      const char *bad = row_figure_mismatch (t, r, buf, sizeof buf);
      if (bad)
        {
          snprintf (why, wlen, "%s", bad);
          return VARLB__ROW_REFUSED;
        }
    }
  else if (strcmp (varlb__csv_get (t, r, varlb__csv_col (t, "verdict")), VARLB_VERDICT_ERROR) != 0)
    {
      snprintf (why, wlen, "its status is '%s' but its verdict is not '%s'",
                varlb__csv_get (t, r, varlb__csv_col (t, "status")), VARLB_VERDICT_ERROR);
      return VARLB__ROW_REFUSED;
    }
  return VARLB__ROW_VERIFIED;
}

/* ---------------------------------------------------------- every row */

int
varlb__verify_rows (const char *what, const varlb__csv_t *t, const char *path, const char *jsonl,
                    const varlb__verify_key_t *k, unsigned char *status, size_t *unverified,
                    size_t *json_bad, int json_missing_ok, char *err, size_t elen)
{
  char why[768];
  unsigned char *jbad = calloc (t->rows + 1, 1);
  long nj = jbad && jsonl ? varlb__jsonl_compare (t, jsonl, jbad, why, sizeof why) : 0;
  int rc = 0;
  *unverified = *json_bad = 0;
  if (!jbad || nj < 0)
    {
      snprintf (err, elen, "%s", jbad ? why : "out of memory");
      free (jbad);
      return -1;
    }
  for (size_t r = 0; r < t->rows && rc == 0; r++)
    {
      int st = varlb__row_verify (t, r, k, why, sizeof why);
      if (st == VARLB__ROW_VERIFIED && (jbad[r] == 1 || (jbad[r] == 2 && !json_missing_ok)))
        {
          snprintf (why, sizeof why, jbad[r] == 1 ? "its JSON line in %s does not say what "
                    "its CSV row says" : "%s has no JSON line for it", jsonl);
          st = VARLB__ROW_REFUSED;
        }
      if (status)
        status[r] = (unsigned char) st;
      if (st == VARLB__ROW_REFUSED)
        {
          snprintf (err, elen, "%s%s: row %zu: refused: %s", what, path, r + 1, why);
          rc = -1;
        }
      else if (st != VARLB__ROW_VERIFIED)
        {
          ++*unverified;
          *json_bad += jbad[r] != 0;
        }
    }
  free (jbad);
  return rc;
}

/* ------------------------------------------------------ side rows */

/* HEADER (one line ending ",mac\n") less its mac column and newline. */
static size_t
unsigned_header_len (const char *header)
{
  size_t n = strlen (header);
  return n >= 5 && strcmp (header + n - 5, ",mac\n") == 0 ? n - 5 : n;
}

int
varlb__sign_rows (char **text, size_t *len, const char *header, const unsigned char *key)
{
  char *out = NULL;
  size_t olen = 0;
  FILE *f = open_memstream (&out, &olen);
  if (f == NULL)
    return -1;
  size_t hl = unsigned_header_len (header);
  for (const char *s = *text, *end = *text + *len; s < end;)
    {
      const char *nl = memchr (s, '\n', (size_t) (end - s));
      size_t n = nl ? (size_t) (nl - s) : (size_t) (end - s);
      varlb_row_write_signed (f, key, header, hl, s, n, NULL, 0);
      s += n + 1;
    }
  if (fclose (f) != 0)
    {
      free (out);
      return -1;
    }
  free (*text);
  *text = out, *len = olen;
  return 0;
}

int
varlb__side_rows_verify (const char *path, const char *header, const unsigned char *key,
                         char *why, size_t wlen)
{
  FILE *f = fopen (path, "re");
  if (!f)
    return errno == ENOENT ? 0 : (snprintf (why, wlen, "--resume: %s: %s", path,
                                            strerror (errno)), -1);
  char *line = NULL, want[VARLB_ROW_MAC_HEX + 1];
  size_t cap = 0, hl = unsigned_header_len (header), lineno = 0;
  ssize_t got;
  int rc = 0;
  while (rc == 0 && (got = getline (&line, &cap, f)) > 0 && line[got - 1] == '\n')
    {
      line[--got] = '\0';
      if (lineno++ == 0)
        continue; /* the header: the caller checks it */
      const char *cut = strrchr (line, ',');
      if (cut)
        varlb_row_mac (want, key, header, hl, line, (size_t) (cut - line));
      if (!cut || strlen (cut) != VARLB_ROW_MAC_HEX + 3 || cut[1] != '"'
          || memcmp (cut + 2, want, VARLB_ROW_MAC_HEX) != 0)
        {
          snprintf (why, wlen, "--resume: %s: line %zu: refused: its MAC does not match its "
                    "text under this judge key (edited, or signed under another key)", path,
                    lineno);
          rc = -1;
        }
    }
  free (line);
  fclose (f);
  return rc;
}
