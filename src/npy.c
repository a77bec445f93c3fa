/* npy.c -- a small, strict reader and writer for NumPy .npy files: float64,
 * little-endian, C order, 1-D or 2-D.  This is the file protocol of external
 * compressors, so the parser trusts nothing: every field is checked, sizes
 * are overflow-checked, and trailing or missing bytes are errors. */
#include <config.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "varlb.h"

#define NPY_MAX_HEADER 65536u

static const char *
skip_space (const char *s, const char *end)
{
  while (s < end && (*s == ' ' || *s == '\t'))
    s++;
  return s;
}

/* Parse a Python tuple of 1 or 2 non-negative integers: "(3, 4)", "(5,)". */
static int
parse_shape (const char **ps, const char *end, size_t *dims, int *ndim)
{
  const char *s = skip_space (*ps, end);
  if (s >= end || *s != '(')
    return VARLB_EFORMAT;
  s++;
  *ndim = 0;
  for (;;)
    {
      s = skip_space (s, end);
      if (s < end && *s == ')')
        break;
      if (s >= end || !isdigit ((unsigned char) *s) || *ndim == 2)
        return VARLB_EFORMAT;
      size_t v = 0;
      while (s < end && isdigit ((unsigned char) *s))
        {
          unsigned dgt = (unsigned) (*s - '0');
          if (v > (SIZE_MAX - dgt) / 10)
            return VARLB_EFORMAT;
          v = v * 10 + dgt;
          s++;
        }
      dims[(*ndim)++] = v;
      s = skip_space (s, end);
      if (s < end && *s == ',')
        s++;
      else if (s < end && *s == ')')
        break;
      else
        return VARLB_EFORMAT;
    }
  *ps = s + 1;
  return *ndim >= 1 ? VARLB_OK : VARLB_EFORMAT;
}

static int
parse_header (const char *h, size_t len, size_t *rows, size_t *cols)
{
  const char *s = h, *end = h + len;
  int seen_descr = 0, seen_order = 0, seen_shape = 0;
  size_t dims[2] = { 0, 0 };
  int ndim = 0;
  s = skip_space (s, end);
  if (s >= end || *s != '{')
    return VARLB_EFORMAT;
  s++;
  for (;;)
    {
      s = skip_space (s, end);
      if (s < end && *s == '}')
        {
          s++;
          break;
        }
      if (s >= end || *s != '\'')
        return VARLB_EFORMAT;
      const char *key = ++s;
      while (s < end && *s != '\'')
        s++;
      if (s >= end)
        return VARLB_EFORMAT;
      size_t klen = (size_t) (s - key);
      s = skip_space (s + 1, end);
      if (s >= end || *s != ':')
        return VARLB_EFORMAT;
      s = skip_space (s + 1, end);
      if (klen == 5 && memcmp (key, "descr", 5) == 0 && !seen_descr)
        {
          if ((size_t) (end - s) < 5 || memcmp (s, "'<f8'", 5) != 0)
            return VARLB_EFORMAT;
          s += 5;
          seen_descr = 1;
        }
      else if (klen == 13 && memcmp (key, "fortran_order", 13) == 0 && !seen_order)
        {
          if ((size_t) (end - s) < 5 || memcmp (s, "False", 5) != 0)
            return VARLB_EFORMAT;
          s += 5;
          seen_order = 1;
        }
      else if (klen == 5 && memcmp (key, "shape", 5) == 0 && !seen_shape)
        {
          if (parse_shape (&s, end, dims, &ndim) != VARLB_OK)
            return VARLB_EFORMAT;
          seen_shape = 1;
        }
      else
        return VARLB_EFORMAT;
      s = skip_space (s, end);
      if (s < end && *s == ',')
        s++;
      else if (s < end && *s == '}')
        {
          s++;
          break;
        }
      else
        return VARLB_EFORMAT;
    }
  /* Only padding spaces and the final newline may follow the dict. */
  while (s < end && *s == ' ')
    s++;
  if (s != end - 1 || *s != '\n')
    return VARLB_EFORMAT;
  if (!seen_descr || !seen_order || !seen_shape)
    return VARLB_EFORMAT;
  if (ndim == 1)
    {
      *rows = 1;
      *cols = dims[0];
    }
  else
    {
      *rows = dims[0];
      *cols = dims[1];
    }
  return VARLB_OK;
}

int
varlb_npy_parse (const unsigned char *buf, size_t len, double **a,
                 size_t *rows, size_t *cols)
{
  *a = NULL;
  if (len < 10 || memcmp (buf, "\x93NUMPY", 6) != 0)
    return VARLB_EFORMAT;
  unsigned major = buf[6];
  size_t hlen, pre;
  if (major == 1)
    {
      hlen = (size_t) buf[8] | ((size_t) buf[9] << 8);
      pre = 10;
    }
  else if (major == 2 || major == 3)
    {
      if (len < 12)
        return VARLB_EFORMAT;
      hlen = (size_t) buf[8] | ((size_t) buf[9] << 8)
             | ((size_t) buf[10] << 16) | ((size_t) buf[11] << 24);
      pre = 12;
    }
  else
    return VARLB_EFORMAT;
  if (hlen == 0 || hlen > NPY_MAX_HEADER || hlen > len - pre)
    return VARLB_EFORMAT;
  size_t r, c;
  int st = parse_header ((const char *) buf + pre, hlen, &r, &c);
  if (st != VARLB_OK)
    return st;
  size_t off = pre + hlen;
  if (c != 0 && r > SIZE_MAX / c / sizeof (double))
    return VARLB_EFORMAT;
  size_t n = r * c;
  if (len - off != n * sizeof (double))
    return VARLB_EFORMAT;
  double *out = malloc (n ? n * sizeof *out : 1);
  if (out == NULL)
    return VARLB_ENOMEM;
  const unsigned char *p = buf + off;
  for (size_t i = 0; i < n; i++, p += 8)
    {
      uint64_t u = 0;
      for (int k = 7; k >= 0; k--)
        u = (u << 8) | p[k];
      memcpy (&out[i], &u, sizeof u);
    }
  *a = out;
  *rows = r;
  *cols = c;
  return VARLB_OK;
}

int
varlb_npy_read (const char *path, double **a, size_t *rows, size_t *cols)
{
  *a = NULL;
  FILE *f = fopen (path, "rb");
  if (f == NULL)
    return VARLB_EIO;
  unsigned char *buf = NULL;
  size_t len = 0, cap = 0;
  for (;;)
    {
      if (len == cap)
        {
          size_t ncap = cap ? cap * 2 : 65536;
          unsigned char *nb = realloc (buf, ncap);
          if (nb == NULL)
            {
              free (buf);
              fclose (f);
              return VARLB_ENOMEM;
            }
          buf = nb;
          cap = ncap;
        }
      size_t got = fread (buf + len, 1, cap - len, f);
      len += got;
      if (got == 0)
        break;
    }
  int err = ferror (f);
  fclose (f);
  if (err)
    {
      free (buf);
      return VARLB_EIO;
    }
  int st = varlb_npy_parse (buf, len, a, rows, cols);
  free (buf);
  return st;
}

int
varlb_npy_encode (unsigned char **buf, size_t *len, const double *a, size_t rows,
                  size_t cols)
{
  char header[128];
  *buf = NULL;
  *len = 0;
  int hl = snprintf (header, sizeof header,
                     "{'descr': '<f8', 'fortran_order': False, 'shape': (%zu, %zu), }",
                     rows, cols);
  if (hl < 0 || (size_t) hl >= sizeof header - 64 || (cols && rows > SIZE_MAX / 8 / cols))
    return VARLB_EINVAL;
  /* Pad so magic + length + header is a multiple of 64, ending in '\n'. */
  size_t total = 10 + (size_t) hl + 1;
  size_t pad = (64 - total % 64) % 64;
  size_t hlen = (size_t) hl + pad + 1, n = 10 + hlen + 8 * rows * cols;
  unsigned char *b = malloc (n);
  if (b == NULL)
    return VARLB_ENOMEM;
  unsigned char pre[10] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                            (unsigned char) (hlen & 0xff), (unsigned char) (hlen >> 8) };
  memcpy (b, pre, 10);
  memcpy (b + 10, header, (size_t) hl);
  memset (b + 10 + hl, ' ', pad);
  b[10 + hlen - 1] = '\n';
  unsigned char *p = b + 10 + hlen;
  for (size_t i = 0; i < rows * cols; i++, p += 8)
    {
      uint64_t u;
      memcpy (&u, &a[i], sizeof u);
      for (int k = 0; k < 8; k++)
        p[k] = (unsigned char) (u >> (8 * k));
    }
  *buf = b;
  *len = n;
  return VARLB_OK;
}

int
varlb_npy_write (const char *path, const double *a, size_t rows, size_t cols)
{
  unsigned char *b;
  size_t n;
  int st = varlb_npy_encode (&b, &n, a, rows, cols);
  if (st != VARLB_OK)
    return st;
  FILE *f = fopen (path, "wbe");
  if (f == NULL)
    {
      free (b);
      return VARLB_EIO;
    }
  int ok = fwrite (b, 1, n, f) == n;
  if (fclose (f) != 0)
    ok = 0;
  free (b);
  return ok ? VARLB_OK : VARLB_EIO;
}
