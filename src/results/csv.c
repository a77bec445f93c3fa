/* csv.c -- the result files varlb reads back (plot, summary, report,
 * --resume): read whole, line by line (varlb__table_read: CSV here, JSON Lines
 * in report_json.c), RFC 4180 quoting, header line first, each row's own
 * CSV text kept for the MAC that signs it (verify.c); a torn last line,
 * from an interrupted sweep, is ignored. */
#include <config.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "plot.h"

void
varlb__csv_clear (varlb__csv_t *t)
{
  for (size_t i = 0; i < t->cols; i++)
    free (t->head[i]);
  for (size_t i = 0; i < t->rows * t->cols; i++)
    free (t->cell[i]);
  for (size_t i = 0; t->line && i < t->rows; i++)
    free (t->line[i]);
  free (t->head);
  free (t->cell);
  free (t->line);
  free (t->header_line);
  memset (t, 0, sizeof *t);
}

/* Split one CSV line (RFC 4180 quoting; no embedded newlines) into fields.
   Returns the field count, or -1 when out of memory or quoting is broken. */
static long
csv_split (const char *line, char ***out)
{
  size_t n = 0, cap = 8;
  char **f = malloc (cap * sizeof *f);
  size_t len = strlen (line);
  char *buf = malloc (len + 1);
  const char *p = line;
  if (!f || !buf)
    goto fail;
  for (;;)
    {
      size_t k = 0;
      if (*p == '"')
        {
          for (p++;; p++)
            {
              if (*p == '\0')
                goto fail;
              if (*p == '"')
                {
                  if (p[1] == '"')
                    p++;
                  else
                    {
                      p++;
                      break;
                    }
                }
              buf[k++] = *p;
            }
          if (*p != ',' && *p != '\0')
            goto fail;
        }
      else
        while (*p != ',' && *p != '\0')
          buf[k++] = *p++;
      buf[k] = '\0';
      if (n == cap)
        {
          char **g = realloc (f, 2 * cap * sizeof *f);
          if (!g)
            goto fail;
          f = g;
          cap *= 2;
        }
      if (!(f[n++] = strdup (buf)))
        goto fail;
      if (*p == '\0')
        break;
      p++;
    }
  free (buf);
  *out = f;
  return (long) n;
fail:
  for (size_t i = 0; f && i < n; i++)
    free (f[i]);
  free (f);
  free (buf);
  return -1;
}

int
varlb__csv_add_row (varlb__csv_t *t, char **fields, const char *text)
{
  /* Room for 64 rows, then doubled at each power of two. */
  if (t->rows == 0 || (t->rows >= 64 && (t->rows & (t->rows - 1)) == 0))
    {
      size_t cap = t->rows < 64 ? 64 : 2 * t->rows;
      char **g = realloc (t->cell, cap * (t->cols ? t->cols : 1) * sizeof *g);
      if (g)
        t->cell = g;
      char **l = g ? realloc (t->line, cap * sizeof *l) : NULL;
      if (l)
        t->line = l;
      if (!l)
        return -1;
    }
  char *copy = text ? strdup (text) : NULL;
  if (text && !copy)
    return -1;
  memcpy (t->cell + t->rows * t->cols, fields, t->cols * sizeof *fields);
  t->line[t->rows++] = copy;
  return 0;
}

int
varlb__table_read (varlb__csv_t *t, const char *path, varlb__table_line_fn fn, const char *empty,
                   char *why, size_t wlen)
{
  memset (t, 0, sizeof *t);
  FILE *f = fopen (path, "r");
  if (!f)
    {
      snprintf (why, wlen, "%s", strerror (errno));
      return -1;
    }
  char *line = NULL;
  size_t lcap = 0;
  ssize_t got;
  long lineno = 0;
  int rc = 0;
  while (rc == 0 && (got = getline (&line, &lcap, f)) > 0)
    {
      lineno++;
      if (line[got - 1] != '\n')
        break; /* torn last line */
      line[--got] = '\0';
      if (got > 0 && line[got - 1] == '\r')
        line[--got] = '\0';
      if (got > 0)
        rc = fn (t, line, lineno, why, wlen);
    }
  free (line);
  fclose (f);
  if (rc == 0 && t->head == NULL)
    {
      snprintf (why, wlen, "%s", empty);
      rc = -1;
    }
  if (rc != 0)
    varlb__csv_clear (t);
  return rc;
}

/* One line of a CSV file: the header, then rows of as many fields. */
static int
csv_line (varlb__csv_t *t, const char *line, long lineno, char *why, size_t wlen)
{
  char **fields;
  long n = csv_split (line, &fields);
  if (n < 0)
    {
      snprintf (why, wlen, "line %ld: malformed CSV", lineno);
      return -1;
    }
  if (t->head == NULL)
    {
      t->head = fields;
      t->cols = (size_t) n;
      if ((t->header_line = strdup (line)) != NULL)
        return 0;
      snprintf (why, wlen, "out of memory");
      return -1;
    }
  int bad = (size_t) n != t->cols;
  if (bad)
    snprintf (why, wlen, "line %ld: %ld fields where the header has %zu", lineno, n, t->cols);
  else if ((bad = varlb__csv_add_row (t, fields, line) != 0))
    snprintf (why, wlen, "out of memory");
  for (long i = 0; bad && i < n; i++)
    free (fields[i]);
  free (fields);
  return bad ? -1 : 0;
}

/* Read a CSV file whose first line is a header.  A torn last line (no
   newline, from an interrupted sweep) is ignored, like varlb sweep --resume
   does.  Returns 0 or -1 with a reason in WHY. */
int
varlb__csv_read (varlb__csv_t *t, const char *path, char *why, size_t wlen)
{
  return varlb__table_read (t, path, csv_line, "empty file (no header line)", why, wlen);
}

long
varlb__csv_col (const varlb__csv_t *t, const char *name)
{
  for (size_t i = 0; i < t->cols; i++)
    if (strcmp (t->head[i], name) == 0)
      return (long) i;
  return -1;
}

const char *
varlb__csv_get (const varlb__csv_t *t, size_t row, long col)
{
  return t->cell[row * t->cols + (size_t) col];
}

/* A numeric cell; NaN when empty or not a number. */
double
varlb__csv_num (const varlb__csv_t *t, size_t row, long col)
{
  if (col < 0)
    return NAN;
  const char *s = varlb__csv_get (t, row, col);
  char *end;
  double v = strtod (s, &end);
  return end == s || *end != '\0' ? NAN : v;
}
