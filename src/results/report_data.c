/* report_data.c -- the data behind a varlb report page: each input's
 * SHA-256, and its bytes as a download: inlined in the page (a data: URL,
 * gzip'ed when large and zlib is built in), or, past the page's limits,
 * copied into a directory beside the page and linked by a relative path. */
#define _GNU_SOURCE 1 /* asprintf */
#include <config.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sodium.h>
#ifdef HAVE_ZLIB
#include <zlib.h>
#endif
#include "report.h"

int
report_sha256 (char hex[65], long long *bytes, const char *path)
{
  FILE *f = fopen (path, "rbe");
  if (f == NULL)
    return -1;
  crypto_hash_sha256_state st;
  unsigned char buf[65536], h[crypto_hash_sha256_BYTES];
  size_t n;
  *bytes = 0;
  crypto_hash_sha256_init (&st);
  while ((n = fread (buf, 1, sizeof buf, f)) > 0)
    crypto_hash_sha256_update (&st, buf, n), *bytes += (long long) n;
  int bad = ferror (f);
  fclose (f);
  crypto_hash_sha256_final (&st, h);
  sodium_bin2hex (hex, 65, h, sizeof h);
  if (bad)
    errno = EIO;
  return bad ? -1 : 0;
}

/* The whole of PATH (at most LIMIT bytes: NULL past it), *LEN its size. */
static unsigned char *
slurp (const char *path, size_t limit, size_t *len)
{
  FILE *f = fopen (path, "rbe");
  unsigned char *buf = NULL;
  size_t n = 0, cap = 0, got;
  if (!f)
    return NULL;
  do
    {
      if (n == cap)
        {
          unsigned char *g = cap < limit ? realloc (buf, cap = cap ? 2 * cap : 65536) : NULL;
          if (!g)
            {
              free (buf);
              fclose (f);
              return NULL;
            }
          buf = g;
        }
      n += got = fread (buf + n, 1, cap - n, f);
    }
  while (got > 0 && n <= limit);
  int bad = ferror (f) || n > limit;
  fclose (f);
  if (bad)
    {
      free (buf);
      return NULL;
    }
  *len = n;
  return buf;
}

#ifdef HAVE_ZLIB
/* BUF gzip'ed (a .gz file's bytes), or NULL. */
static unsigned char *
gzip (const unsigned char *buf, size_t n, size_t *out_len)
{
  z_stream z;
  memset (&z, 0, sizeof z);
  /* windowBits 15 + 16: a gzip header and trailer, so it downloads as .gz. */
  if (deflateInit2 (&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return NULL;
  size_t cap = deflateBound (&z, (uLong) n) + 64;
  unsigned char *out = malloc (cap);
  z.next_in = (unsigned char *) buf, z.avail_in = (uInt) n;
  z.next_out = out, z.avail_out = (uInt) cap;
  int st = out ? deflate (&z, Z_FINISH) : Z_MEM_ERROR;
  *out_len = z.total_out;
  deflateEnd (&z);
  if (st != Z_STREAM_END)
    {
      free (out);
      return NULL;
    }
  return out;
}
#endif

/* "data:TYPE;base64,..." of BUF. */
static char *
data_url (const char *type, const unsigned char *buf, size_t n)
{
  size_t b64 = sodium_base64_encoded_len (n, sodium_base64_VARIANT_ORIGINAL);
  size_t head = strlen ("data:;base64,") + strlen (type);
  char *url = malloc (head + b64);
  if (url)
    {
      snprintf (url, head + 1, "data:%s;base64,", type);
      sodium_bin2base64 (url + head, b64, buf, n, sodium_base64_VARIANT_ORIGINAL);
    }
  return url;
}

/* The page's stem + "-data": the directory beside the page. */
static char *
data_dir (const char *out)
{
  const char *dot = strrchr (out, '.'), *slash = strrchr (out, '/');
  size_t stem = dot && (!slash || dot > slash) ? (size_t) (dot - out) : strlen (out);
  char *dir = NULL;
  return asprintf (&dir, "%.*s-data", (int) stem, out) < 0 ? NULL : dir;
}

/* A relative URL of a path: bytes outside [A-Za-z0-9._/-] percent-encoded. */
static char *
url_path (const char *p)
{
  char *u = malloc (3 * strlen (p) + 1), *q = u;
  for (; u && *p; p++)
    {
      unsigned char c = (unsigned char) *p;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || strchr ("._/-", c))
        *q++ = (char) c;
      else
        q += sprintf (q, "%%%02X", c);
    }
  if (u)
    *q = '\0';
  return u;
}

/* Copy F beside the page as DIR/K-NAME (K its place among the inputs, so
   two inputs of one name stay apart); its link relative to the page. */
static int
copy_beside (report_t *r, report_file_t *f, size_t k, char *why, size_t wlen)
{
  if (!r->data_dir && !(r->data_dir = data_dir (r->out)))
    return -1;
  if (mkdir (r->data_dir, 0777) != 0 && errno != EEXIST)
    {
      snprintf (why, wlen, "%s: %s", r->data_dir, strerror (errno));
      return -1;
    }
  char *to = NULL, *tmp = NULL, *rel = NULL;
  const char *slash = strrchr (r->data_dir, '/');
  int rc = -1;
  if (asprintf (&to, "%s/%zu-%s", r->data_dir, k + 1, f->name) < 0
      || asprintf (&tmp, "%s.tmp", to) < 0
      || asprintf (&rel, "%s/%zu-%s", slash ? slash + 1 : r->data_dir, k + 1, f->name) < 0)
    goto out;
  FILE *in = fopen (f->path, "rbe"), *o = in ? fopen (tmp, "wbe") : NULL;
  char buf[65536];
  size_t n;
  int bad = !in || !o;
  while (!bad && (n = fread (buf, 1, sizeof buf, in)) > 0)
    bad = fwrite (buf, 1, n, o) != n;
  bad |= in && ferror (in);
  bad |= o && fclose (o) != 0;
  if (in)
    fclose (in);
  if (bad || rename (tmp, to) != 0)
    {
      snprintf (why, wlen, "%s: %s", to, strerror (errno ? errno : EIO));
      unlink (tmp);
      goto out;
    }
  f->href = url_path (rel);
  f->download = strdup (f->name);
  f->place = REPORT_BESIDE;
  rc = f->href && f->download ? 0 : -1;
out:
  free (to), free (tmp), free (rel);
  return rc;
}

/* Inline F's bytes when they fit the page; 1 when they do not. */
static int
inline_data (report_file_t *f)
{
  size_t n, z = 0;
  unsigned char *buf = slurp (f->path, (size_t) 64 << 20, &n), *gz = NULL;
  const char *type = f->jsonl ? "application/x-ndjson" : "text/csv";
  if (!buf)
    return 1;
  if (n <= REPORT_INLINE_RAW)
    f->href = data_url (type, buf, n), f->place = REPORT_INLINE;
#ifdef HAVE_ZLIB
  else if ((gz = gzip (buf, n, &z)) != NULL && z <= REPORT_INLINE_GZ)
    f->href = data_url ("application/gzip", gz, z), f->place = REPORT_INLINE_GZIP;
#endif
  free (buf), free (gz);
  if (!f->href)
    return 1;
  if (asprintf (&f->download, "%s%s", f->name, f->place == REPORT_INLINE_GZIP ? ".gz" : "") < 0)
    f->download = NULL;
  return f->download ? 0 : 1;
}

int
varlb__report_place_data (report_t *r, char *why, size_t wlen)
{
  for (size_t k = 0; k < r->nfiles; k++)
    {
      report_file_t *f = &r->file[k];
      int beside = r->aggregate && f->kind == REPORT_TRIALS;
      if (!beside)
        beside = inline_data (f) != 0;
      if (beside)
        {
          free (f->href), free (f->download);
          f->href = f->download = NULL;
          if (copy_beside (r, f, k, why, wlen) != 0)
            return -1;
        }
    }
  return 0;
}
