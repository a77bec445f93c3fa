/* archive.c -- a directory as one byte string and back (src/sandbox/
 * archive.h): "path\nsize\n<bytes>" per regular file, sorted, recursive.
 * A half's collected directory (the --calibrate output) travels to the
 * judge this way inside the frames; the judge unpacks it into a private
 * host directory.  Pure data: no process, limit or view here. */
#define _GNU_SOURCE 1
#include <config.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "archive.h"
#include "io.h"

int
varlb__archive_dir (FILE *m, const char *dir, const char *rel, unsigned long long limit,
                    unsigned long long *total)
{
  struct dirent **e;
  int n = scandir (dir, &e, NULL, alphasort), rc = 0;
  if (n < 0)
    return -1;
  for (int i = 0; i < n; i++)
    {
      const char *nm = e[i]->d_name;
      char path[4096], r[4096];
      if (rc || strcmp (nm, ".") == 0 || strcmp (nm, "..") == 0)
        {
          free (e[i]);
          continue;
        }
      snprintf (path, sizeof path, "%s/%s", dir, nm);
      snprintf (r, sizeof r, "%s%s%s", rel, rel[0] ? "/" : "", nm);
      struct stat sb;
      if (lstat (path, &sb) != 0)
        rc = -1;
      else if (S_ISDIR (sb.st_mode))
        rc = varlb__archive_dir (m, path, r, limit, total);
      else if (S_ISREG (sb.st_mode))
        {
          size_t len = 0;
          int f = open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
          unsigned char *d = f >= 0 ? varlb__read_fd (f, &len, (size_t) limit) : NULL;
          if (f >= 0)
            close (f);
          *total += len + strlen (r) + 32;
          if (d == NULL || *total > limit)
            rc = -1;
          else
            {
              fprintf (m, "%s\n%zu\n", r, len);
              fwrite (d, 1, len, m);
            }
          free (d);
        }
      free (e[i]);
    }
  free (e);
  return rc;
}

int
varlb__unpack_dir (const char *dest, const unsigned char *a, size_t n)
{
  size_t pos = 0;
  while (pos < n)
    {
      char rel[4096], num[32];
      if (varlb__next_line (a, n, &pos, rel, sizeof rel) == NULL
          || varlb__next_line (a, n, &pos, num, sizeof num) == NULL)
        return VARLB_EFORMAT;
      char *end;
      unsigned long long size = strtoull (num, &end, 10);
      if (*end || size > n - pos || rel[0] == '/' || strstr (rel, "..") || rel[0] == '\0')
        return VARLB_EFORMAT;
      char path[8192];
      snprintf (path, sizeof path, "%s/%s", dest, rel);
      /* Parent directories first. */
      for (char *s = strchr (path + strlen (dest) + 1, '/'); s; s = strchr (s + 1, '/'))
        {
          *s = '\0';
          mkdir (path, 0755);
          *s = '/';
        }
      int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
      if (fd < 0 || varlb__write_all (fd, a + pos, (size_t) size) != 0)
        {
          if (fd >= 0)
            close (fd);
          return VARLB_EFORMAT;
        }
      close (fd);
      pos += (size_t) size;
    }
  return VARLB_OK;
}
