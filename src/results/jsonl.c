/* jsonl.c -- a JSON line of varlb's rows as its CSV twin: the header and
 * row text rows.c writes beside it, what the row's MAC signs; so a JSON
 * Lines file reads (varlb report) and checks (summary, --resume, report)
 * as its CSV does. */
#define _GNU_SOURCE 1 /* open_memstream */
#include <config.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "verify.h"

static const char *
json_ws (const char *s)
{
  while (*s == ' ' || *s == '\t')
    s++;
  return s;
}

static int
hex4 (const char *s, unsigned *v)
{
  *v = 0;
  for (int i = 0; i < 4; i++)
    {
      int c = s[i], d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                      : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (d < 0)
        return -1;
      *v = *v * 16 + (unsigned) d;
    }
  return 0;
}

static void
put_utf8 (FILE *f, unsigned u)
{
  if (u < 0x80)
    fputc ((int) u, f);
  else if (u < 0x800)
    fputc (0xc0 | (int) (u >> 6), f), fputc (0x80 | (int) (u & 63), f);
  else if (u < 0x10000)
    fputc (0xe0 | (int) (u >> 12), f), fputc (0x80 | (int) ((u >> 6) & 63), f),
      fputc (0x80 | (int) (u & 63), f);
  else
    fputc (0xf0 | (int) (u >> 18), f), fputc (0x80 | (int) ((u >> 12) & 63), f),
      fputc (0x80 | (int) ((u >> 6) & 63), f), fputc (0x80 | (int) (u & 63), f);
}

/* A JSON string at S (past its opening quote) unescaped into F, as rows.c
   writes it in CSV when CSV: quotes doubled, line breaks as spaces.  The
   character after the closing quote, or NULL. */
static const char *
json_string (FILE *f, const char *s, int csv)
{
  for (; *s && *s != '"'; s++)
    {
      unsigned u = (unsigned char) *s;
      int code = 0; /* a backslash-u escape: U is a code point, not a byte */
      if (u == '\\')
        {
          char e = *++s;
          const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t", *p = e ? strchr (from, e) : NULL;
          if (p)
            u = (unsigned char) to[p - from];
          else if (e == 'u' && hex4 (s + 1, &u) == 0)
            {
              s += 4;
              code = 1;
              unsigned lo;
              if (u >= 0xd800 && u < 0xdc00 && s[1] == '\\' && s[2] == 'u' && hex4 (s + 3, &lo) == 0
                  && lo >= 0xdc00 && lo < 0xe000)
                u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00), s += 6;
            }
          else
            return NULL;
        }
      if (csv && u == '"')
        fputs ("\"\"", f);
      else if (csv && (u == '\n' || u == '\r'))
        fputc (' ', f);
      else if (code)
        put_utf8 (f, u);
      else
        fputc ((int) u, f);
    }
  return *s == '"' ? s + 1 : NULL;
}

/* One JSON line holding a flat object as its CSV twin: the keys joined by
   ',' into HEAD, the values as rows.c writes them in CSV into ROW (strings
   quoted, null empty, numbers and booleans as written).  -1 when it is
   not such an object. */
static int
json_to_csv (const char *s, FILE *head, FILE *row)
{
  s = json_ws (s);
  if (*s++ != '{')
    return -1;
  for (int first = 1;; first = 0)
    {
      s = json_ws (s);
      if (first && *s == '}')
        break;
      if (*s++ != '"')
        return -1;
      if (!first)
        fputc (',', head), fputc (',', row);
      if (!(s = json_string (head, s, 0)))
        return -1;
      s = json_ws (s);
      if (*s++ != ':')
        return -1;
      s = json_ws (s);
      if (*s == '"')
        {
          fputc ('"', row);
          if (!(s = json_string (row, s + 1, 1)))
            return -1;
          fputc ('"', row);
        }
      else if (strncmp (s, "null", 4) == 0)
        s += 4;
      else if (strncmp (s, "true", 4) == 0 || strncmp (s, "false", 5) == 0)
        {
          size_t n = *s == 't' ? 4 : 5;
          fwrite (s, 1, n, row), s += n;
        }
      else
        {
          size_t n = strspn (s, "-+0123456789.eE");
          if (n == 0)
            return -1;
          fwrite (s, 1, n, row), s += n;
        }
      s = json_ws (s);
      if (*s == '}')
        break;
      if (*s++ != ',')
        return -1;
    }
  return *json_ws (s + 1) == '\0' ? 0 : -1;
}

int
varlb__json_csv_twin (char **head, char **row, const char *line)
{
  size_t hl = 0, wl = 0;
  *head = *row = NULL;
  FILE *fh = open_memstream (head, &hl), *fw = open_memstream (row, &wl);
  int bad = !fh || !fw || json_to_csv (line, fh, fw) != 0;
  if (fh)
    bad |= fclose (fh) != 0;
  if (fw)
    bad |= fclose (fw) != 0;
  if (bad)
    {
      free (*head), free (*row);
      *head = *row = NULL;
      return -1;
    }
  return 0;
}

/* 1 when the JSON line LINE says what row R of T says. */
static int
json_agrees (const varlb__csv_t *t, size_t r, const char *line)
{
  char *h, *w;
  int same = varlb__json_csv_twin (&h, &w, line) == 0 && t->header_line && t->line && t->line[r]
             && strcmp (h, t->header_line) == 0 && strcmp (w, t->line[r]) == 0;
  free (h);
  free (w);
  return same;
}

long
varlb__jsonl_compare (const varlb__csv_t *t, const char *jsonl, unsigned char *bad, char *why,
                      size_t wlen)
{
  FILE *f = fopen (jsonl, "re");
  if (!f)
    {
      if (errno == ENOENT)
        return 0;
      snprintf (why, wlen, "%s: %s", jsonl, strerror (errno));
      return -1;
    }
  char *line = NULL;
  size_t cap = 0, r = 0;
  long n = 0;
  ssize_t got;
  while (r < t->rows && (got = getline (&line, &cap, f)) > 0)
    {
      if (line[got - 1] != '\n')
        break; /* a torn last line is no row */
      line[got - 1] = '\0';
      if (got == 1)
        continue;
      int ok = json_agrees (t, r, line);
      bad[r] = !ok;
      n += !ok;
      r++;
    }
  /* Rows with no JSON line: the JSON Lines file was cut. */
  for (; r < t->rows; r++)
    bad[r] = 2, n++;
  int err = ferror (f);
  free (line);
  fclose (f);
  if (err)
    {
      snprintf (why, wlen, "%s: read error", jsonl);
      return -1;
    }
  return n;
}

