/* io.c -- the bytes, descriptors, directories and argument lists every
 * room of the sandbox uses (src/sandbox/io.h).  The folder's lowest room:
 * it imports no other room and knows nothing of halves, limits or views;
 * it must not grow a policy (what a half sees or may do lives above). */
#define _GNU_SOURCE 1 /* vasprintf, memfd_create */
#include <config.h>
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "io.h"

double
varlb__now_s (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

int
varlb__write_all (int fd, const void *p, size_t n)
{
  const unsigned char *c = p;
  while (n > 0)
    {
      ssize_t w = write (fd, c, n);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return -1;
      c += w;
      n -= (size_t) w;
    }
  return 0;
}

/* Wait until FD is readable, at most until END (monotonic seconds). */
static int
readable_by (int fd, double end)
{
  for (;;)
    {
      double left = end - varlb__now_s ();
      if (left <= 0)
        return 0;
      struct pollfd p = { fd, POLLIN, 0 };
      int r = poll (&p, 1, (int) (left * 1000) + 1);
      if (r > 0)
        return 1;
      if (r < 0 && errno != EINTR)
        return -1;
    }
}

int
varlb__read_exact (int fd, void *p, size_t n, double end)
{
  unsigned char *c = p;
  while (n > 0)
    {
      if (end >= 0)
        {
          int ok = readable_by (fd, end);
          if (ok <= 0)
            return ok == 0 ? 1 : -1;
        }
      ssize_t r = read (fd, c, n);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        return -1;
      c += r;
      n -= (size_t) r;
    }
  return 0;
}

/* The whole content of descriptor FD from offset 0, at most MAX bytes. */
unsigned char *
varlb__read_fd (int fd, size_t *n, size_t max)
{
  struct stat sb;
  *n = 0;
  if (fstat (fd, &sb) != 0 || sb.st_size < 0)
    return NULL;
  size_t size = (size_t) sb.st_size > max ? max : (size_t) sb.st_size;
  unsigned char *d = malloc (size + 1);
  if (d == NULL)
    return NULL;
  size_t got = 0;
  while (got < size)
    {
      ssize_t r = pread (fd, d + got, size - got, (off_t) got);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        break;
      got += (size_t) r;
    }
  d[got] = '\0';
  *n = got;
  return d;
}

int
varlb__memfd_with (const char *name, const unsigned char *data, size_t len)
{
  int fd = memfd_create (name, MFD_CLOEXEC);
  if (fd < 0)
    return -1;
  if (len && varlb__write_all (fd, data, len) != 0)
    {
      close (fd);
      return -1;
    }
  lseek (fd, 0, SEEK_SET);
  return fd;
}

void
varlb__remove_tree (const char *dir)
{
  DIR *d = opendir (dir);
  if (d)
    {
      struct dirent *e;
      char p[4096];
      while ((e = readdir (d)) != NULL)
        {
          if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
            continue;
          snprintf (p, sizeof p, "%s/%s", dir, e->d_name);
          struct stat sb;
          if (lstat (p, &sb) == 0 && S_ISDIR (sb.st_mode))
            {
              chmod (p, 0700);
              varlb__remove_tree (p);
            }
          else
            unlink (p);
        }
      closedir (d);
    }
  rmdir (dir);
}

const char *
varlb__tmp_root (void)
{
  const char *t = getenv ("TMPDIR");
  return t && t[0] == '/' ? t : "/tmp";
}

const char *
varlb__next_line (const unsigned char *d, size_t n, size_t *pos, char *buf, size_t len)
{
  size_t k = 0;
  while (*pos < n && d[*pos] != '\n')
    {
      if (k + 1 < len)
        buf[k++] = (char) d[*pos];
      (*pos)++;
    }
  if (*pos >= n)
    return NULL;
  (*pos)++;
  buf[k] = '\0';
  return buf;
}

int
varlb__strv_add (varlb__strv_t *s, const char *a)
{
  if (s->n + 2 > s->cap)
    {
      size_t cap = s->cap ? 2 * s->cap : 64;
      char **v = realloc (s->v, cap * sizeof *v);
      if (v == NULL)
        return -1;
      s->v = v;
      s->cap = cap;
    }
  if ((s->v[s->n] = strdup (a)) == NULL)
    return -1;
  s->n++;
  s->v[s->n] = NULL;
  return 0;
}

int
varlb__strv_addf (varlb__strv_t *s, const char *fmt, ...)
{
  char *t;
  va_list ap;
  va_start (ap, fmt);
  int n = vasprintf (&t, fmt, ap);
  va_end (ap);
  if (n < 0)
    return -1;
  int r = varlb__strv_add (s, t);
  free (t);
  return r;
}

void
varlb__strv_free (varlb__strv_t *s)
{
  for (size_t i = 0; i < s->n; i++)
    free (s->v[i]);
  free (s->v);
  memset (s, 0, sizeof *s);
}

int
varlb__strv_extend (varlb__strv_t *s, const varlb__strv_t *more)
{
  for (size_t i = 0; i < more->n; i++)
    if (varlb__strv_add (s, more->v[i]) != 0)
      return -1;
  return 0;
}

int
varlb__strv_push (varlb__strv_t *s, ...)
{
  va_list ap;
  va_start (ap, s);
  int r = 0;
  for (const char *a = va_arg (ap, const char *); a && r == 0; a = va_arg (ap, const char *))
    r = varlb__strv_add (s, a);
  va_end (ap);
  return r;
}
