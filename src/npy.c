/* npy.c -- a small, strict reader and writer for NumPy .npy files: float64,
 * little-endian, C order, 1-D or 2-D (the _nd functions: up to 8-D, the
 * whole-model cache (L, H, T, d)).  This is the file protocol of external
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

/* Parse a Python tuple of 1 to VARLB_NPY_MAX_DIMS non-negative integers:
   "(3, 4)", "(5,)", "(2, 2, 680, 64)". */
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
      if (s >= end || !isdigit ((unsigned char) *s) || *ndim == VARLB_NPY_MAX_DIMS)
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
parse_header (const char *h, size_t len, size_t *dims, int *ndimp)
{
  const char *s = h, *end = h + len;
  int seen_descr = 0, seen_order = 0, seen_shape = 0;
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
  *ndimp = ndim;
  return VARLB_OK;
}

int
varlb_npy_parse (const unsigned char *buf, size_t len, double **a,
                 size_t *rows, size_t *cols)
{
  size_t dims[VARLB_NPY_MAX_DIMS];
  int ndim;
  int st = varlb_npy_parse_nd (buf, len, a, dims, &ndim);
  if (st == VARLB_OK && ndim > 2)
    {
      free (*a);
      *a = NULL;
      return VARLB_EFORMAT;
    }
  if (st == VARLB_OK)
    {
      *rows = ndim == 1 ? 1 : dims[0];
      *cols = ndim == 1 ? dims[0] : dims[1];
    }
  return st;
}

int
varlb_npy_parse_nd (const unsigned char *buf, size_t len, double **a, size_t *dims,
                    int *ndim)
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
  int st = parse_header ((const char *) buf + pre, hlen, dims, ndim);
  if (st != VARLB_OK)
    return st;
  size_t off = pre + hlen, n = 1;
  for (int i = 0; i < *ndim; i++)
    {
      if (dims[i] != 0 && n > SIZE_MAX / dims[i] / sizeof (double))
        return VARLB_EFORMAT;
      n *= dims[i];
    }
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
  return VARLB_OK;
}

/* The whole file at PATH in *BUF (malloc'd). */
static int
slurp (const char *path, unsigned char **bufp, size_t *lenp)
{
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
  *bufp = buf;
  *lenp = len;
  return VARLB_OK;
}

int
varlb_npy_read (const char *path, double **a, size_t *rows, size_t *cols)
{
  *a = NULL;
  unsigned char *buf;
  size_t len;
  int st = slurp (path, &buf, &len);
  if (st != VARLB_OK)
    return st;
  st = varlb_npy_parse (buf, len, a, rows, cols);
  free (buf);
  return st;
}

int
varlb_npy_read_nd (const char *path, double **a, size_t *dims, int *ndim)
{
  *a = NULL;
  unsigned char *buf;
  size_t len;
  int st = slurp (path, &buf, &len);
  if (st != VARLB_OK)
    return st;
  st = varlb_npy_parse_nd (buf, len, a, dims, ndim);
  free (buf);
  return st;
}

int
varlb_npy_header (unsigned char *hdr, size_t cap, size_t *hlen, const size_t *dims, int ndim)
{
  char header[VARLB_NPY_HEADER_MAX];
  size_t n = 1;
  int hl = snprintf (header, sizeof header, "{'descr': '<f8', 'fortran_order': False, 'shape': (");
  if (ndim < 1 || ndim > (int) VARLB_NPY_MAX_DIMS)
    return VARLB_EINVAL;
  for (int i = 0; i < ndim; i++)
    {
      if (dims[i] && n > SIZE_MAX / 8 / dims[i])
        return VARLB_EINVAL;
      n *= dims[i];
      hl += snprintf (header + hl, sizeof header - (size_t) hl, "%s%zu%s", i ? ", " : "",
                      dims[i], ndim == 1 ? "," : "");
    }
  hl += snprintf (header + hl, sizeof header - (size_t) hl, "), }");
  /* Pad so magic + length + header is a multiple of 64, ending in '\n'. */
  size_t total = 10 + (size_t) hl + 1;
  size_t pad = (64 - total % 64) % 64;
  size_t h = (size_t) hl + pad + 1;
  if (10 + h > cap)
    return VARLB_EINVAL;
  unsigned char pre[10] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                            (unsigned char) (h & 0xff), (unsigned char) (h >> 8) };
  memcpy (hdr, pre, 10);
  memcpy (hdr + 10, header, (size_t) hl);
  memset (hdr + 10 + hl, ' ', pad);
  hdr[10 + h - 1] = '\n';
  *hlen = 10 + h;
  return VARLB_OK;
}

void
varlb_npy_put (unsigned char *dst, const double *a, size_t n)
{
  for (size_t i = 0; i < n; i++, dst += 8)
    {
      uint64_t u;
      memcpy (&u, &a[i], sizeof u);
      for (int k = 0; k < 8; k++)
        dst[k] = (unsigned char) (u >> (8 * k));
    }
}

int
varlb_npy_encode_nd (unsigned char **buf, size_t *len, const double *a, const size_t *dims,
                     int ndim)
{
  unsigned char hdr[VARLB_NPY_HEADER_MAX];
  size_t hl, n = 1;
  *buf = NULL;
  *len = 0;
  int st = varlb_npy_header (hdr, sizeof hdr, &hl, dims, ndim);
  if (st != VARLB_OK)
    return st;
  for (int i = 0; i < ndim; i++)
    n *= dims[i];
  unsigned char *b = malloc (hl + 8 * n);
  if (b == NULL)
    return VARLB_ENOMEM;
  memcpy (b, hdr, hl);
  varlb_npy_put (b + hl, a, n);
  *buf = b;
  *len = hl + 8 * n;
  return VARLB_OK;
}

int
varlb_npy_encode (unsigned char **buf, size_t *len, const double *a, size_t rows,
                  size_t cols)
{
  size_t dims[2] = { rows, cols };
  return varlb_npy_encode_nd (buf, len, a, dims, 2);
}

int
varlb_npy_write (const char *path, const double *a, size_t rows, size_t cols)
{
  size_t dims[2] = { rows, cols };
  return varlb_npy_write_nd (path, a, dims, 2);
}

int
varlb_npy_write_nd (const char *path, const double *a, const size_t *dims, int ndim)
{
  unsigned char *b;
  size_t n;
  int st = varlb_npy_encode_nd (&b, &n, a, dims, ndim);
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
