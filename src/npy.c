/* npy.c -- a small, strict reader and writer for NumPy .npy files: float64,
 * little-endian, C order, 1-D or 2-D.  This is the file protocol of external
 * compressors, so the parser trusts nothing: every field is checked, sizes
 * are overflow-checked, and trailing or missing bytes are errors. */
#include <config.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "varlb.h"

#define NPY_MAX_HEADER 65536u

/* The reason for a VARLB_EFORMAT, when the caller wants one. */
static int
bad (char *why, size_t len, const char *fmt, ...)
  __attribute__ ((format (printf, 3, 4)));
static int
bad (char *why, size_t len, const char *fmt, ...)
{
  if (why && len)
    {
      va_list ap;
      va_start (ap, fmt);
      vsnprintf (why, len, fmt, ap);
      va_end (ap);
    }
  return VARLB_EFORMAT;
}

static const char *
skip_space (const char *s, const char *end)
{
  while (s < end && (*s == ' ' || *s == '\t'))
    s++;
  return s;
}

/* Parse a Python tuple of non-negative integers: "(3, 4)", "(5,)", "()";
   at most 8 dimensions are read (NDIM counts them all up to 9). */
static int
parse_shape (const char **ps, const char *end, size_t *dims, int *ndim, char *why, size_t wl)
{
  const char *s = skip_space (*ps, end);
  if (s >= end || *s != '(')
    return bad (why, wl, "malformed header: 'shape' is not a tuple");
  s++;
  *ndim = 0;
  for (;;)
    {
      s = skip_space (s, end);
      if (s < end && *s == ')')
        break;
      if (s >= end || !isdigit ((unsigned char) *s) || *ndim == 9)
        return bad (why, wl, "malformed header: 'shape' is not a tuple of sizes");
      size_t v = 0;
      while (s < end && isdigit ((unsigned char) *s))
        {
          unsigned dgt = (unsigned) (*s - '0');
          if (v > (SIZE_MAX - dgt) / 10)
            return bad (why, wl, "shape too large (a size overflows)");
          v = v * 10 + dgt;
          s++;
        }
      if (*ndim < 8)
        dims[*ndim] = v;
      (*ndim)++;
      s = skip_space (s, end);
      if (s < end && *s == ',')
        s++;
      else if (s < end && *s == ')')
        break;
      else
        return bad (why, wl, "malformed header: 'shape' is not a tuple of sizes");
    }
  *ps = s + 1;
  return VARLB_OK;
}

/* What a NumPy dtype string is, for the error message. */
static const char *
dtype_name (const char *t)
{
  static const struct { const char *code, *name; } known[] = {
    { "f4", "float32" }, { "f2", "float16" }, { "f16", "float128" }, { "i8", "int64" },
    { "i4", "int32" }, { "i2", "int16" }, { "i1", "int8" }, { "u8", "uint64" },
    { "u4", "uint32" }, { "u2", "uint16" }, { "u1", "uint8" }, { "b1", "bool" },
    { "c8", "complex64" }, { "c16", "complex128" }, { "f8", "float64" } };
  if (*t == '<' || *t == '>' || *t == '|' || *t == '=')
    t++;
  for (size_t i = 0; i < sizeof known / sizeof *known; i++)
    if (strcmp (t, known[i].code) == 0)
      return known[i].name;
  return NULL;
}

/* The 'descr' value at *PS: only '<f8' (float64, little-endian) is read. */
static int
parse_descr (const char **ps, const char *end, char *why, size_t wl)
{
  const char *s = *ps;
  if (s < end && *s == '[')
    return bad (why, wl, "a structured dtype (record array), expected plain float64 ('<f8')");
  if (s >= end || (*s != '\'' && *s != '"'))
    return bad (why, wl, "malformed header: 'descr' is not a string");
  char q = *s++, t[32];
  size_t k = 0;
  while (s < end && *s != q && k < sizeof t - 1)
    t[k++] = *s++;
  t[k] = '\0';
  if (s >= end || *s != q)
    return bad (why, wl, "malformed header: 'descr' is not a string");
  *ps = s + 1;
  if (strcmp (t, "<f8") == 0)
    return VARLB_OK;
  const char *name = dtype_name (t);
  if (name)
    return bad (why, wl, "%s%s ('%s'), expected float64 ('<f8') (NumPy: a.astype(np.float64))",
                t[0] == '>' ? "big-endian " : "", name, t);
  return bad (why, wl, "dtype '%s', expected float64 ('<f8') (NumPy: a.astype(np.float64))", t);
}

static int
parse_header (const char *h, size_t len, size_t *dims, int *ndimp, char *why, size_t wl)
{
  const char *s = h, *end = h + len;
  int seen_descr = 0, seen_order = 0, seen_shape = 0, st;
  int ndim = 0;
  s = skip_space (s, end);
  if (s >= end || *s != '{')
    return bad (why, wl, "malformed header: not a dictionary");
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
        return bad (why, wl, "malformed header: a key is not a quoted string");
      const char *key = ++s;
      while (s < end && *s != '\'')
        s++;
      if (s >= end)
        return bad (why, wl, "malformed header: a key is not a quoted string");
      size_t klen = (size_t) (s - key);
      s = skip_space (s + 1, end);
      if (s >= end || *s != ':')
        return bad (why, wl, "malformed header: no ':' after a key");
      s = skip_space (s + 1, end);
      if (klen == 5 && memcmp (key, "descr", 5) == 0 && !seen_descr)
        {
          if ((st = parse_descr (&s, end, why, wl)) != VARLB_OK)
            return st;
          seen_descr = 1;
        }
      else if (klen == 13 && memcmp (key, "fortran_order", 13) == 0 && !seen_order)
        {
          if ((size_t) (end - s) >= 4 && memcmp (s, "True", 4) == 0)
            return bad (why, wl, "Fortran (column-major) order, expected C order "
                        "(NumPy: np.ascontiguousarray(a))");
          if ((size_t) (end - s) < 5 || memcmp (s, "False", 5) != 0)
            return bad (why, wl, "malformed header: 'fortran_order' is not True or False");
          s += 5;
          seen_order = 1;
        }
      else if (klen == 5 && memcmp (key, "shape", 5) == 0 && !seen_shape)
        {
          if ((st = parse_shape (&s, end, dims, &ndim, why, wl)) != VARLB_OK)
            return st;
          seen_shape = 1;
        }
      else
        return bad (why, wl, "malformed header: %s key '%.*s'",
                    (klen == 5 && memcmp (key, "descr", 5) == 0)
                    || (klen == 13 && memcmp (key, "fortran_order", 13) == 0)
                    || (klen == 5 && memcmp (key, "shape", 5) == 0) ? "repeated" : "unexpected",
                    (int) (klen < 40 ? klen : 40), key);
      s = skip_space (s, end);
      if (s < end && *s == ',')
        s++;
      else if (s < end && *s == '}')
        {
          s++;
          break;
        }
      else
        return bad (why, wl, "malformed header: no ',' or '}' after a value");
    }
  /* Only padding spaces and the final newline may follow the dict. */
  while (s < end && *s == ' ')
    s++;
  if (s != end - 1 || *s != '\n')
    return bad (why, wl, "malformed header: text after the dictionary or no final newline");
  if (!seen_descr || !seen_order || !seen_shape)
    return bad (why, wl, "malformed header: no '%s' key",
                !seen_descr ? "descr" : !seen_order ? "fortran_order" : "shape");
  if (ndim == 0 || ndim > (int) VARLB_NPY_MAX_DIMS)
    return bad (why, wl, "a %d-D array, expected 1 to %u dimensions", ndim, VARLB_NPY_MAX_DIMS);
  *ndimp = ndim;
  return VARLB_OK;
}

/* The array of an in-memory .npy image, any shape (1 to 8 dimensions). */
static int
parse_image (const unsigned char *buf, size_t len, double **a, size_t *dims, int *ndim,
             char *why, size_t wl)
{
  *a = NULL;
  if (why && wl)
    why[0] = '\0';
  if (len >= 4 && memcmp (buf, "PK\x03\x04", 4) == 0)
    return bad (why, wl, "a .npz (zip) archive, not a .npy: write it with np.save, not np.savez");
  if (len < 10 || memcmp (buf, "\x93NUMPY", 6) != 0)
    return bad (why, wl, len < 6 || memcmp (buf, "\x93NUMPY", 6) != 0
                ? "not a .npy file (no \\x93NUMPY magic)" : "truncated header");
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
        return bad (why, wl, "truncated header");
      hlen = (size_t) buf[8] | ((size_t) buf[9] << 8)
             | ((size_t) buf[10] << 16) | ((size_t) buf[11] << 24);
      pre = 12;
    }
  else
    return bad (why, wl, "unsupported .npy format version %u.%u (1, 2 and 3 are read)", major,
                buf[7]);
  if (hlen == 0 || hlen > NPY_MAX_HEADER)
    return bad (why, wl, "header length %zu outside 1..%u", hlen, NPY_MAX_HEADER);
  if (hlen > len - pre)
    return bad (why, wl, "truncated header (%zu of %zu bytes)", len - pre, hlen);
  int st = parse_header ((const char *) buf + pre, hlen, dims, ndim, why, wl);
  if (st != VARLB_OK)
    return st;
  char shape[160] = "";
  size_t used = 0, off = pre + hlen, n = 1;
  for (int i = 0; i < *ndim; i++)
    {
      if (used < sizeof shape - 24)
        used += (size_t) snprintf (shape + used, sizeof shape - used, "%s%zu", i ? ", " : "",
                                   dims[i]);
      if (dims[i] != 0 && n > SIZE_MAX / dims[i] / sizeof (double))
        return bad (why, wl, "shape too large (%s)", shape);
      n *= dims[i];
    }
  if (*ndim == 1)
    snprintf (shape + used, sizeof shape - used, ",");
  if (len - off < n * sizeof (double))
    return bad (why, wl, "truncated data: %zu of the %zu bytes a (%s) float64 array needs",
                len - off, n * sizeof (double), shape);
  if (len - off > n * sizeof (double))
    return bad (why, wl, "%zu bytes after the data of a (%s) float64 array",
                len - off - n * sizeof (double), shape);
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

int
varlb_npy_parse_why (const unsigned char *buf, size_t len, double **a, size_t *rows,
                     size_t *cols, char *why, size_t wl)
{
  size_t dims[VARLB_NPY_MAX_DIMS];
  int ndim = 0;
  int st = parse_image (buf, len, a, dims, &ndim, why, wl);
  if (st == VARLB_OK && ndim > 2)
    {
      free (*a);
      *a = NULL;
      char shape[160] = "";
      size_t used = 0;
      for (int i = 0; i < ndim && used < sizeof shape - 24; i++)
        used += (size_t) snprintf (shape + used, sizeof shape - used, "%s%zu", i ? ", " : "",
                                   dims[i]);
      return bad (why, wl, "a %d-D array of shape (%s), expected 1-D or 2-D", ndim, shape);
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
  return parse_image (buf, len, a, dims, ndim, NULL, 0);
}

int
varlb_npy_parse (const unsigned char *buf, size_t len, double **a,
                 size_t *rows, size_t *cols)
{
  return varlb_npy_parse_why (buf, len, a, rows, cols, NULL, 0);
}

/* The whole file at PATH in *BUFP (malloc'd); VARLB_EIO with the reason in
   WHY (optional). */
static int
slurp (const char *path, unsigned char **bufp, size_t *lenp, char *why, size_t wl)
{
  FILE *f = fopen (path, "rbe");
  if (f == NULL)
    {
      if (why && wl)
        snprintf (why, wl, "%s", strerror (errno));
      return VARLB_EIO;
    }
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
  int err = ferror (f) ? errno : 0;
  fclose (f);
  if (err)
    {
      free (buf);
      if (why && wl)
        snprintf (why, wl, "%s", strerror (err));
      return VARLB_EIO;
    }
  *bufp = buf;
  *lenp = len;
  return VARLB_OK;
}

int
varlb_npy_read_why (const char *path, double **a, size_t *rows, size_t *cols, char *why,
                    size_t wl)
{
  *a = NULL;
  if (why && wl)
    why[0] = '\0';
  unsigned char *buf;
  size_t len;
  int st = slurp (path, &buf, &len, why, wl);
  if (st != VARLB_OK)
    return st;
  st = varlb_npy_parse_why (buf, len, a, rows, cols, why, wl);
  free (buf);
  return st;
}

int
varlb_npy_read (const char *path, double **a, size_t *rows, size_t *cols)
{
  return varlb_npy_read_why (path, a, rows, cols, NULL, 0);
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
  varlb_npy_put (b + 10 + hlen, a, rows * cols);
  *buf = b;
  *len = n;
  return VARLB_OK;
}

/* Write the N bytes B (an encoded file, freed here) to PATH. */
static int
write_encoded (const char *path, unsigned char *b, size_t n)
{
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

int
varlb_npy_write (const char *path, const double *a, size_t rows, size_t cols)
{
  unsigned char *b;
  size_t n;
  int st = varlb_npy_encode (&b, &n, a, rows, cols);
  return st == VARLB_OK ? write_encoded (path, b, n) : st;
}

int
varlb_npy_read_nd (const char *path, double **a, size_t *dims, int *ndim)
{
  *a = NULL;
  unsigned char *buf;
  size_t len;
  int st = slurp (path, &buf, &len, NULL, 0);
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
varlb_npy_write_nd (const char *path, const double *a, const size_t *dims, int ndim)
{
  unsigned char *b;
  size_t n;
  int st = varlb_npy_encode_nd (&b, &n, a, dims, ndim);
  return st == VARLB_OK ? write_encoded (path, b, n) : st;
}
