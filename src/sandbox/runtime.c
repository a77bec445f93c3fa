/* runtime.c -- what of the host a half is shown (runtime.h): the system's
 * runtime and nothing else of the host but the paths the command names
 * (README, "Threat model": the view).  Before, a half saw the whole host
 * read-only, and a named file its whole top-level folder: an instance that
 * `varlb decode --dump` wrote beside the compressor was in reach. */
#define _GNU_SOURCE 1
#include <config.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "runtime.h"

void
varlb__fds_init (varlb__fds_t *f, int base)
{
  f->n = 0;
  f->base = base;
}

int
varlb__fds_take (varlb__fds_t *f, int fd)
{
  if (f->n == VARLB__FDS_MAX)
    {
      close (fd);
      return -1;
    }
  f->fd[f->n] = fd;
  return f->base + (int) f->n++;
}

void
varlb__fds_close (varlb__fds_t *f)
{
  for (size_t i = 0; i < f->n; i++)
    close (f->fd[i]);
  f->n = 0;
}

/* The system's runtime: programs and their libraries. */
static const char *const runtime[] = {
  "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", NULL
};

/* What of /etc ordinary programs read: the dynamic loader's files,
   alternatives (NumPy's OpenBLAS resolves libblas through it), users and
   groups, time zone, name service switch, TLS roots, MIME types, Python's
   site files.  Patterns for fnmatch. */
static const char *const etc_allowed[] = {
  "alternatives", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "ld.so.preload",
  "localtime", "timezone", "nsswitch.conf", "passwd", "group", "host.conf", "hosts",
  "gai.conf", "os-release", "debian_version", "lsb-release", "mime.types", "protocols",
  "services", "locale.alias", "locale.conf", "ssl", "ca-certificates",
  "ca-certificates.conf", "pki", "python3", "python3.*", "matplotlibrc", "fonts", "magic",
  "magic.mime", NULL
};

/* PATH as it is on the host: a symbolic link again, or a read-only bind. */
static int
mirror (varlb__strv_t *a, const char *path)
{
  struct stat sb;
  if (lstat (path, &sb) != 0)
    return 0;
  if (S_ISLNK (sb.st_mode))
    {
      char target[4096];
      ssize_t n = readlink (path, target, sizeof target - 1);
      if (n <= 0)
        return 0;
      target[n] = '\0';
      return varlb__strv_push (a, "--symlink", target, path, NULL);
    }
  return varlb__strv_push (a, "--ro-bind", path, path, NULL);
}

/* SRC (a file, a symbolic link or a folder, what others may read of it)
   copied to DST; at most *BUDGET more entries.  0, or -1. */
static int
copy_entry (const char *src, const char *dst, int *budget)
{
  struct stat sb;
  char target[4096];
  if (--*budget < 0 || lstat (src, &sb) != 0)
    return -1;
  if (S_ISLNK (sb.st_mode))
    {
      ssize_t n = readlink (src, target, sizeof target - 1);
      return n > 0 && (target[n] = '\0', symlink (target, dst) == 0) ? 0 : -1;
    }
  if (S_ISREG (sb.st_mode))
    {
      if (!(sb.st_mode & S_IROTH))
        return 0; /* a secret of the host's (a TLS key): not for a half */
      int in = open (src, O_RDONLY | O_CLOEXEC);
      size_t n = 0;
      unsigned char *data = in >= 0 ? varlb__read_fd (in, &n, 16 << 20) : NULL;
      int out = data ? open (dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644) : -1;
      int bad = out < 0 || varlb__write_all (out, data, n) != 0;
      if (in >= 0)
        close (in);
      if (out >= 0 && close (out) != 0)
        bad = 1;
      free (data);
      return bad ? -1 : 0;
    }
  if (!S_ISDIR (sb.st_mode) || !(sb.st_mode & S_IROTH) || !(sb.st_mode & S_IXOTH))
    return 0;
  if (mkdir (dst, 0755) != 0)
    return -1;
  DIR *d = opendir (src);
  struct dirent *e;
  int st = d ? 0 : -1;
  while (st == 0 && d && (e = readdir (d)) != NULL)
    {
      if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      char s2[4096], d2[4096];
      if (snprintf (s2, sizeof s2, "%s/%s", src, e->d_name) >= (int) sizeof s2
          || snprintf (d2, sizeof d2, "%s/%s", dst, e->d_name) >= (int) sizeof d2)
        st = -1;
      else
        st = copy_entry (s2, d2, budget);
    }
  if (d)
    closedir (d);
  return st;
}

/* The allow-list of /etc, copied once per varlb into a folder of its own
   that every half is shown at /etc with one mount, not one per entry (what
   others may not read is left out); "" when it cannot be made (each entry
   is then bound by itself). */
static char etc_dir[4096];
static pid_t etc_owner;

/* At exit, by the process that made it (not a forked child). */
static void
etc_remove (void)
{
  if (etc_dir[0] && getpid () == etc_owner)
    varlb__remove_tree (etc_dir);
}

/* Where the copy goes: a memory file system (a symbolic link there costs
   microseconds, on a disk's journal close to a millisecond: /etc's
   alternatives are hundreds of them), reachable by the halves' own uids. */
static const char *
etc_base (void)
{
  struct stat sb;
  if (stat ("/dev/shm", &sb) == 0 && S_ISDIR (sb.st_mode) && (sb.st_mode & S_IWOTH)
      && (sb.st_mode & S_ISVTX))
    return "/dev/shm";
  return varlb__tmp_root ();
}

/* Copies left by varlb processes that died without their atexit (locked
   while their owner lives), older than a minute. */
static void
etc_remove_stale (const char *base)
{
  DIR *d = opendir (base);
  struct dirent *e;
  time_t now = time (NULL);
  while (d && (e = readdir (d)) != NULL)
    {
      if (strncmp (e->d_name, "varlb-etc.", 10) != 0)
        continue;
      char p[4096];
      struct stat sb;
      snprintf (p, sizeof p, "%s/%s", base, e->d_name);
      int fd = open (p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd >= 0 && fstat (fd, &sb) == 0 && sb.st_uid == geteuid () && now - sb.st_mtime > 60
          && flock (fd, LOCK_EX | LOCK_NB) == 0)
        varlb__remove_tree (p);
      if (fd >= 0)
        close (fd);
    }
  if (d)
    closedir (d);
}

static const char *
etc_copy (void)
{
  char *dir = etc_dir;
  static int made, lock = -1;
  if (made)
    return dir;
  made = 1;
  etc_owner = getpid ();
  atexit (etc_remove);
  /* Locked while this varlb lives, so that a later one knows it is not
     stale. */
  const char *base = etc_base ();
  etc_remove_stale (base);
  snprintf (dir, sizeof etc_dir, "%s/varlb-etc.XXXXXX", base);
  if (mkdtemp (dir) == NULL || chmod (dir, 0755) != 0
      || (lock = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || flock (lock, LOCK_EX) != 0)
    {
      if (lock < 0)
        rmdir (dir);
      dir[0] = '\0';
      return dir;
    }
  DIR *d = opendir ("/etc");
  struct dirent *e;
  int bad = d == NULL, budget = 20000;
  while (!bad && (e = readdir (d)) != NULL)
    for (size_t i = 0; etc_allowed[i]; i++)
      if (fnmatch (etc_allowed[i], e->d_name, 0) == 0)
        {
          char src[300], dst[4400];
          snprintf (src, sizeof src, "/etc/%s", e->d_name);
          snprintf (dst, sizeof dst, "%s/%s", dir, e->d_name);
          bad = copy_entry (src, dst, &budget) != 0;
          break;
        }
  if (d)
    closedir (d);
  if (bad)
    {
      varlb__remove_tree (dir);
      close (lock);
      dir[0] = '\0';
    }
  return dir;
}

static int others_reach (const char *path, const struct stat *sb, char *where, size_t len);

static int
etc_args (varlb__strv_t *a)
{
  const char *copy = etc_copy ();
  struct stat sb;
  char where[4200];
  /* (Under a half's own uid, bubblewrap must reach it: a TMPDIR of 0700
     would not do.) */
  if (copy[0] && stat (copy, &sb) == 0
      && (geteuid () != 0 || others_reach (copy, &sb, where, sizeof where)))
    return varlb__strv_push (a, "--ro-bind", copy, "/etc", NULL);
  DIR *d = opendir ("/etc");
  struct dirent *e;
  int st = 0;
  while (st == 0 && d && (e = readdir (d)) != NULL)
    for (size_t i = 0; etc_allowed[i]; i++)
      if (fnmatch (etc_allowed[i], e->d_name, 0) == 0)
        {
          char p[300];
          snprintf (p, sizeof p, "/etc/%s", e->d_name);
          st = mirror (a, p);
          break;
        }
  if (d)
    closedir (d);
  return st;
}

/* /sys/devices/system/cpu's lists of CPUs, which glibc reads for the
   number of processors (the rest of the folder holds counters a half's
   load drives: idle states, frequencies). */
static const char *const cpu_shown[] = {
  "/sys/devices/system/cpu/online", "/sys/devices/system/cpu/possible",
  "/sys/devices/system/cpu/present", NULL
};

static int
cpu_args (varlb__strv_t *a)
{
  struct stat sb;
  for (size_t i = 0; cpu_shown[i]; i++)
    if (stat (cpu_shown[i], &sb) == 0
        && varlb__strv_push (a, "--ro-bind", cpu_shown[i], cpu_shown[i], NULL))
      return -1;
  return 0;
}

int
varlb__runtime_args (varlb__strv_t *a)
{
  for (size_t i = 0; runtime[i]; i++)
    if (mirror (a, runtime[i]) != 0)
      return -1;
  return etc_args (a) != 0 || cpu_args (a) != 0 ? -1 : 0;
}

/* May a uid that owns nothing and is in no group (a half's own) reach
   PATH and use it: every folder above it searchable, the file readable
   (and runnable, if it is a program), a folder readable and searchable?
   Into WHERE, the first place that stops it. */
static int
others_reach (const char *path, const struct stat *sb, char *where, size_t len)
{
  char p[4096];
  snprintf (p, sizeof p, "%s", path);
  for (char *s = strchr (p + 1, '/'); s; s = strchr (s + 1, '/'))
    {
      struct stat ds;
      *s = '\0';
      int ok = stat (p, &ds) == 0 && (ds.st_mode & S_IXOTH);
      if (!ok)
        snprintf (where, len, "%s is mode %04o", p, (unsigned) (ds.st_mode & 07777));
      *s = '/';
      if (!ok)
        return 0;
    }
  int ok = S_ISDIR (sb->st_mode) ? (sb->st_mode & S_IROTH) && (sb->st_mode & S_IXOTH)
           : (sb->st_mode & S_IROTH) && (!(sb->st_mode & S_IXUSR) || (sb->st_mode & S_IXOTH));
  if (!ok)
    snprintf (where, len, "%s is mode %04o", path, (unsigned) (sb->st_mode & 07777));
  return ok;
}

int
varlb__halves_reach (const char *path, char *why, size_t len)
{
  struct stat sb;
  char where[4200];
  if (geteuid () != 0 || stat (path, &sb) != 0 || others_reach (path, &sb, where, sizeof where)
      || S_ISREG (sb.st_mode))
    return 1;
  snprintf (why, len, "%s is out of reach of the halves' own uids (%s): make it and the "
            "folders above it readable to others, or put it elsewhere", path, where);
  return 0;
}

int
varlb__show_path (varlb__strv_t *a, varlb__fds_t *fds, const char *path, const char *dest,
                  long uid, char *why, size_t len)
{
  struct stat sb;
  char where[4200];
  if (dest == NULL)
    dest = path;
  if (stat (path, &sb) != 0)
    return 1;
  if (uid <= 0 || others_reach (path, &sb, where, sizeof where))
    return varlb__strv_push (a, "--ro-bind", path, dest, NULL);
  /* The half's own uid could not reach it (bubblewrap, which runs as that
     uid, neither): a file is copied in, readable; a folder cannot be. */
  if (!S_ISREG (sb.st_mode) || sb.st_size > (256LL << 20))
    {
      snprintf (why, len, "%s is out of reach of the halves' own uid (%s): make it and the "
                "folders above it readable to others, or put it elsewhere", path, where);
      return -1;
    }
  int src = open (path, O_RDONLY | O_CLOEXEC);
  size_t n = 0;
  unsigned char *d = src >= 0 ? varlb__read_fd (src, &n, (size_t) sb.st_size) : NULL;
  if (src >= 0)
    close (src);
  int mf = d ? varlb__memfd_with ("varlb-named", d, n) : -1;
  free (d);
  int num = mf >= 0 ? varlb__fds_take (fds, mf) : -1;
  if (num < 0)
    {
      snprintf (why, len, "cannot copy %s into the sandbox", path);
      return -1;
    }
  /* (bwrap makes no parent folders for a copy: --dir does.) */
  char parent[4096];
  snprintf (parent, sizeof parent, "%s", dest);
  char *slash = strrchr (parent, '/');
  if (slash && slash != parent)
    *slash = '\0';
  if (slash && slash != parent && varlb__strv_push (a, "--dir", parent, NULL))
    return -1;
  return varlb__strv_push (a, "--perms", sb.st_mode & S_IXUSR ? "0555" : "0444",
                           "--ro-bind-data", NULL)
         || varlb__strv_addf (a, "%d", num) || varlb__strv_add (a, dest) ? -1 : 0;
}

/* The first bytes of a file of DIR, NUL-terminated. */
static void
head_of (const char *dir, const char *name, char *buf, size_t len)
{
  char p[4096];
  snprintf (p, sizeof p, "%s/%s", dir, name);
  buf[0] = '\0';
  int fd = open (p, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return;
  ssize_t n = read (fd, buf, len - 1);
  close (fd);
  buf[n > 0 ? n : 0] = '\0';
}

/* One folder: 1 with WHAT when it holds an output. */
static int
outputs_here (const char *dir, char *what, size_t len, int depth)
{
  DIR *d = opendir (dir);
  if (d == NULL)
    return 0;
  struct dirent *e;
  int found = 0, dump = 0;
  size_t seen = 0;
  while (!found && (e = readdir (d)) != NULL && seen++ < 4096)
    {
      const char *n = e->d_name;
      size_t l = strlen (n);
      char head[64], p[4096];
      if (strcmp (n, "decoded.npy") == 0 || strcmp (n, "threshold.txt") == 0)
        dump++;
      if (strcmp (n, "judge.key") == 0 || strcmp (n, "varlb-demo") == 0)
        found = snprintf (what, len, "%s/%s", dir, n) > 0;
      else if ((l > 4 && strcmp (n + l - 4, ".csv") == 0)
               || (l > 6 && strcmp (n + l - 6, ".jsonl") == 0))
        {
          head_of (dir, n, head, sizeof head);
          if (strncmp (head, "compressor,", 11) == 0 || strncmp (head, "{\"compressor\":", 14) == 0)
            found = snprintf (what, len, "%s/%s (result rows)", dir, n) > 0;
        }
      else if (depth == 0 && n[0] != '.' && l < 256)
        {
          struct stat sb;
          snprintf (p, sizeof p, "%s/%s", dir, n);
          if (lstat (p, &sb) == 0 && S_ISDIR (sb.st_mode))
            found = outputs_here (p, what, len, 1);
        }
    }
  closedir (d);
  if (!found && dump == 2)
    found = snprintf (what, len, "%s (a varlb decode --dump)", dir) > 0;
  return found;
}

int
varlb__holds_outputs (const char *dir, char *what, size_t len)
{
  return outputs_here (dir, what, len, 0);
}
