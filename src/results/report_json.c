/* report_json.c -- the JSON varlb report reads: attack --json (and sweep's
 * FILE.jsonl) rows, one flat object per line, turned into the table a CSV
 * of the same rows gives, and the manifest sweep writes beside its CSV.
 * A small reader for varlb's own output, not a general JSON library. */
#define _GNU_SOURCE 1 /* getline */
#include <config.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"

/* A growing string. */
typedef struct sbuf {
  char *s;
  size_t len, cap;
} sbuf_t;

static int
sb_putn (sbuf_t *b, const char *s, size_t n)
{
  if (b->len + n + 1 > b->cap)
    {
      size_t cap = b->cap ? 2 * b->cap : 64;
      while (cap < b->len + n + 1)
        cap *= 2;
      char *g = realloc (b->s, cap);
      if (!g)
        return -1;
      b->s = g, b->cap = cap;
    }
  memcpy (b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = '\0';
  return 0;
}

static void
skip_ws (const char **p)
{
  while (isspace ((unsigned char) **p))
    (*p)++;
}

/* The code point of \uXXXX at P (after the u), or -1. */
static long
hex4 (const char *p)
{
  long v = 0;
  for (int i = 0; i < 4; i++)
    {
      int c = (unsigned char) p[i];
      v = v * 16 + (isdigit (c) ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1000000);
    }
  return v < 0 ? -1 : v;
}

/* A JSON string at *P (on its opening quote), unescaped into B as UTF-8. */
static int
json_string (const char **p, sbuf_t *b)
{
  const char *s = *p + 1;
  char u[4];
  for (;;)
    {
      const char *run = s;
      while (*s && *s != '"' && *s != '\\')
        s++;
      if (sb_putn (b, run, (size_t) (s - run)) != 0 || *s == '\0')
        return -1;
      if (*s == '"')
        break;
      char c = s[1], out = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r'
                          : c == 'b' ? '\b' : c == 'f' ? '\f' : c;
      if (c == 'u')
        {
          long cp = hex4 (s + 2);
          s += 6;
          if (cp >= 0xd800 && cp < 0xdc00 && s[0] == '\\' && s[1] == 'u')
            {
              long lo = hex4 (s + 2);
              if (lo >= 0xdc00 && lo < 0xe000)
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00), s += 6;
            }
          if (cp < 0)
            return -1;
          size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
          if (n == 1)
            u[0] = (char) cp;
          else
            {
              for (size_t i = n - 1; i > 0; i--, cp >>= 6)
                u[i] = (char) (0x80 | (cp & 0x3f));
              u[0] = (char) ((n == 2 ? 0xc0 : n == 3 ? 0xe0 : 0xf0) | cp);
            }
          if (sb_putn (b, u, n) != 0)
            return -1;
          continue;
        }
      if (!strchr ("\"\\/bfnrt", c) || sb_putn (b, &out, 1) != 0)
        return -1;
      s += 2;
    }
  *p = s + 1;
  return 0;
}

/* Any JSON value at *P into B: a string unescaped, a number, true or false
   as written, null as nothing, an array or object as its raw text. */
static int
json_value (const char **p, sbuf_t *b)
{
  skip_ws (p);
  const char *s = *p;
  if (*s == '"')
    return json_string (p, b);
  if (*s == '[' || *s == '{')
    {
      int depth = 0;
      sbuf_t skip = { 0 };
      for (; *s; s++)
        if (*s == '"')
          {
            const char *q = s;
            if (json_string (&q, &skip) != 0)
              break;
            s = q - 1;
          }
        else if (*s == '[' || *s == '{')
          depth++;
        else if ((*s == ']' || *s == '}') && --depth == 0)
          break;
      free (skip.s);
      if (*s == '\0')
        return -1;
      s++;
      int rc = sb_putn (b, *p, (size_t) (s - *p));
      *p = s;
      return rc;
    }
  while (*s && (isalnum ((unsigned char) *s) || strchr ("+-.", *s)))
    s++;
  if (s == *p)
    return -1;
  size_t n = (size_t) (s - *p);
  int rc = n == 4 && strncmp (*p, "null", 4) == 0 ? sb_putn (b, "", 0) : sb_putn (b, *p, n);
  *p = s;
  return rc;
}

/* The keys and values of the object in TEXT (malloc'd arrays of malloc'd
   strings); their count, or -1 when TEXT is not one object. */
static long
json_object (const char *text, char ***keys, char ***vals)
{
  const char *p = text;
  size_t n = 0, cap = 0;
  char **k = NULL, **v = NULL;
  skip_ws (&p);
  if (*p++ != '{')
    return -1;
  skip_ws (&p);
  while (*p != '}')
    {
      sbuf_t kb = { 0 }, vb = { 0 };
      if (n == cap)
        {
          cap = cap ? 2 * cap : 32;
          char **k2 = realloc (k, cap * sizeof *k), **v2 = k2 ? realloc (v, cap * sizeof *v) : NULL;
          k = k2 ? k2 : k, v = v2 ? v2 : v;
          if (!k2 || !v2)
            goto fail;
        }
      int bad = *p != '"' || json_string (&p, &kb) != 0;
      skip_ws (&p);
      bad = bad || *p++ != ':' || json_value (&p, &vb) != 0;
      k[n] = kb.s ? kb.s : strdup (""), v[n++] = vb.s ? vb.s : strdup ("");
      skip_ws (&p);
      if (bad || (*p != ',' && *p != '}'))
        goto fail;
      if (*p == ',')
        p++, skip_ws (&p);
    }
  p++;
  skip_ws (&p);
  if (*p)
    goto fail;
  *keys = k, *vals = v;
  return (long) n;
fail:
  for (size_t i = 0; i < n; i++)
    free (k[i]), free (v[i]);
  free (k), free (v);
  return -1;
}

static void
free_strings (char **s, size_t n)
{
  for (size_t i = 0; s && i < n; i++)
    free (s[i]);
  free (s);
}

/* One JSON Lines line: a flat object whose keys (the first line's make
   the header) give the row's cells in the header's order. */
static int
json_line (varlb__csv_t *t, const char *line, long lineno, char *why, size_t wlen)
{
  char **k, **v;
  long n = json_object (line, &k, &v);
  if (n <= 0)
    {
      if (n == 0)
        free (k), free (v);
      snprintf (why, wlen, "line %ld: not one flat JSON object", lineno);
      return -1;
    }
  /* The CSV text rows.c writes beside the line: what its MAC signs
     (varlb__row_verify), none when the line is not varlb's kind of object. */
  char *twin_head, *twin_row;
  varlb__json_csv_twin (&twin_head, &twin_row, line);
  if (t->head == NULL && (t->head = calloc ((size_t) n, sizeof *t->head)) != NULL)
    {
      for (t->cols = 0; t->cols < (size_t) n; t->cols++)
        t->head[t->cols] = strdup (k[t->cols]);
      t->header_line = twin_head, twin_head = NULL;
    }
  char **row = calloc ((size_t) n, sizeof *row);
  int bad = !row || (size_t) n != t->cols;
  for (size_t c = 0; !bad && c < t->cols; c++)
    {
      size_t i = strcmp (k[c], t->head[c]) == 0 ? c : 0;
      while (i < (size_t) n && strcmp (k[i], t->head[c]) != 0)
        i++;
      if (i == (size_t) n || !v[i])
        bad = 1;
      else
        row[c] = v[i], v[i] = NULL;
    }
  if (bad)
    snprintf (why, wlen, "line %ld: other keys than line 1's", lineno);
  else if ((bad = varlb__csv_add_row (t, row, twin_row) != 0))
    snprintf (why, wlen, "out of memory");
  free (twin_head), free (twin_row);
  if (bad && row)
    free_strings (row, (size_t) n);
  else
    free (row);
  free_strings (k, (size_t) n), free_strings (v, (size_t) n);
  return bad ? -1 : 0;
}

int
report_jsonl_read (varlb__csv_t *t, const char *path, char *why, size_t wlen)
{
  return varlb__table_read (t, path, json_line, "empty file (no JSON object)", why, wlen);
}

/* S appended to B shell-quoted: as it is when every character is safe,
   else in single quotes. */
static void
sb_quote (sbuf_t *b, const char *s)
{
  int plain = *s != '\0';
  for (const char *p = s; *p; p++)
    plain &= isalnum ((unsigned char) *p) || strchr ("@%+=:,./_-", *p) != NULL;
  if (plain)
    {
      sb_putn (b, s, strlen (s));
      return;
    }
  sb_putn (b, "'", 1);
  for (const char *p = s; *p; p++)
    *p == '\'' ? sb_putn (b, "'\\''", 4) : sb_putn (b, p, 1);
  sb_putn (b, "'", 1);
}

void
report_shell_quote (char **buf, size_t *len, const char *s)
{
  sbuf_t b = { *buf, *len, *buf ? *len + 1 : 0 };
  if (b.len)
    sb_putn (&b, " ", 1);
  sb_quote (&b, s);
  *buf = b.s, *len = b.len;
}

/* The strings of a JSON array as one shell command line. */
static char *
json_command (const char *array)
{
  const char *p = array;
  sbuf_t out = { 0 };
  skip_ws (&p);
  if (*p++ != '[')
    return NULL;
  for (skip_ws (&p); *p == '"'; skip_ws (&p))
    {
      sbuf_t b = { 0 };
      int bad = json_string (&p, &b) != 0;
      if (!bad)
        {
          if (out.len)
            sb_putn (&out, " ", 1);
          sb_quote (&out, b.s ? b.s : "");
        }
      free (b.s);
      skip_ws (&p);
      if (bad || *p != ',')
        break;
      p++;
    }
  return out.s;
}

/* "name version, ..." of a JSON object of strings. */
static char *
json_pairs (const char *object)
{
  char **k, **v;
  long n = json_object (object, &k, &v);
  sbuf_t b = { 0 };
  for (long i = 0; i < n; i++)
    {
      if (i)
        sb_putn (&b, ", ", 2);
      sb_putn (&b, k[i], strlen (k[i]));
      sb_putn (&b, " ", 1);
      sb_putn (&b, v[i], strlen (v[i]));
    }
  if (n >= 0)
    free_strings (k, (size_t) n), free_strings (v, (size_t) n);
  return b.s;
}

void
report_manifest_read (report_file_t *f)
{
  const char *dot = strrchr (f->path, '.'), *slash = strrchr (f->path, '/');
  size_t stem = dot && (!slash || dot > slash) ? (size_t) (dot - f->path) : strlen (f->path);
  char *path = NULL, *text = NULL;
  size_t cap = 0;
  if (asprintf (&path, "%.*s.manifest.json", (int) stem, f->path) < 0)
    return;
  FILE *m = fopen (path, "re");
  free (path);
  if (!m)
    return;
  /* The whole file as one line: the reader skips newlines as space. */
  ssize_t got = getdelim (&text, &cap, '\0', m);
  fclose (m);
  char **k, **v;
  long n = got > 0 ? json_object (text, &k, &v) : -1;
  free (text);
  for (long i = 0; i < n; i++)
    {
      if (strcmp (k[i], "command_line") == 0)
        f->m_command = json_command (v[i]);
      else if (strcmp (k[i], "libraries") == 0)
        f->m_libraries = json_pairs (v[i]);
      else if (strcmp (k[i], "version") == 0)
        f->m_version = v[i], v[i] = NULL;
      else if (strcmp (k[i], "git_revision") == 0)
        f->m_revision = v[i], v[i] = NULL;
      else if (strcmp (k[i], "isolation") == 0)
        f->m_isolation = v[i], v[i] = NULL;
    }
  if (n >= 0)
    free_strings (k, (size_t) n), free_strings (v, (size_t) n);
}
