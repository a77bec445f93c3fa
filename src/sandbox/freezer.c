/* freezer.c -- freezing a serve: worker (freezer.h): cgroup v2's
 * cgroup.freeze where this process's v2 group can have children, else
 * cgroup v1's freezer (freezer.state), else SIGSTOP to every process of the
 * worker's tree, walked after each is stopped.  A stopped process group
 * would not do: a half leaves it with setsid. */
#define _GNU_SOURCE 1
#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "sandbox/freezer.h"

void
varlb__freezer_init (varlb_freezer_t *f)
{
  memset (f, 0, sizeof *f);
}

void
varlb__freezer_tree (varlb_freezer_t *f, pid_t root)
{
  f->root = root;
}

/* PID's state letter from /proc/PID/stat ('T' stopped), or 0 when gone. */
static char
proc_state (pid_t pid)
{
  char p[64], buf[512];
  snprintf (p, sizeof p, "/proc/%ld/stat", (long) pid);
  FILE *f = fopen (p, "re");
  size_t n = f ? fread (buf, 1, sizeof buf - 1, f) : 0;
  if (f)
    fclose (f);
  buf[n] = '\0';
  const char *close = strrchr (buf, ')');
  return close && close[1] == ' ' ? close[2] : 0;
}

static int
remember (varlb_freezer_t *f, pid_t pid)
{
  for (size_t i = 0; i < f->n_stopped; i++)
    if (f->stopped[i] == pid)
      return 0;
  if (f->n_stopped == f->cap_stopped)
    {
      size_t cap = f->cap_stopped ? 2 * f->cap_stopped : 64;
      pid_t *s = realloc (f->stopped, cap * sizeof *s);
      if (s == NULL)
        return -1;
      f->stopped = s;
      f->cap_stopped = cap;
    }
  f->stopped[f->n_stopped++] = pid;
  return 1;
}

/* Stop PID and, once it can fork no more, the children of each of its
   threads, recursively (breadth first through f->stopped). */
static int
stop_tree (varlb_freezer_t *f, double timeout)
{
  f->n_stopped = 0;
  if (remember (f, f->root) < 0)
    return -1;
  for (size_t i = 0; i < f->n_stopped; i++)
    {
      pid_t pid = f->stopped[i];
      if (kill (pid, SIGSTOP) != 0)
        continue; /* gone */
      struct timespec t0, t;
      clock_gettime (CLOCK_MONOTONIC, &t0);
      char st;
      while ((st = proc_state (pid)) != 0 && st != 'T' && st != 't' && st != 'Z' && st != 'X')
        {
          clock_gettime (CLOCK_MONOTONIC, &t);
          if ((double) (t.tv_sec - t0.tv_sec) + 1e-9 * (double) (t.tv_nsec - t0.tv_nsec) > timeout)
            return -1;
          struct timespec ts = { 0, 100000 };
          nanosleep (&ts, NULL);
        }
      char dir[64];
      snprintf (dir, sizeof dir, "/proc/%ld/task", (long) pid);
      DIR *d = opendir (dir);
      struct dirent *e;
      while (d && (e = readdir (d)) != NULL)
        {
          if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
          char p[320];
          snprintf (p, sizeof p, "/proc/%ld/task/%s/children", (long) pid, e->d_name);
          FILE *c = fopen (p, "re");
          long child;
          while (c && fscanf (c, "%ld", &child) == 1)
            if (remember (f, (pid_t) child) < 0)
              {
                fclose (c);
                closedir (d);
                return -1;
              }
          if (c)
            fclose (c);
        }
      if (d)
        closedir (d);
    }
  return 0;
}

/* Where hierarchy V2 (or v1's freezer) is mounted, into MNT. */
static int
mount_point (char *mnt, size_t len, int v2)
{
  FILE *m = fopen ("/proc/self/mountinfo", "re");
  char line[4096];
  int found = 0;
  while (!found && m && fgets (line, sizeof line, m))
    {
      /* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS... - FSTYPE SOURCE SUPEROPTS */
      char root[1024], point[1024], type[64], super[1024];
      const char *dash = strstr (line, " - ");
      if (dash == NULL || sscanf (line, "%*s %*s %*s %1023s %1023s", root, point) != 2
          || sscanf (dash + 3, "%63s %*s %1023s", type, super) != 2 || strcmp (root, "/") != 0)
        continue;
      if (v2 ? strcmp (type, "cgroup2") == 0
          : strcmp (type, "cgroup") == 0 && strstr (super, "freezer") != NULL)
        {
          snprintf (mnt, len, "%s", point);
          found = 1;
        }
    }
  if (m)
    fclose (m);
  return found ? 0 : -1;
}

/* This process's group in hierarchy V2 (or v1's freezer), into PATH. */
static int
own_group (char *path, size_t len, int v2)
{
  FILE *c = fopen ("/proc/self/cgroup", "re");
  char line[4096];
  int found = 0;
  while (!found && c && fgets (line, sizeof line, c))
    {
      line[strcspn (line, "\n")] = '\0';
      char *a = strchr (line, ':'), *b = a ? strchr (a + 1, ':') : NULL;
      if (b == NULL)
        continue;
      *a = *b = '\0';
      const char *ctl = a + 1;
      int match = v2 ? strcmp (line, "0") == 0 && *ctl == '\0'
                  : strstr (ctl, "freezer") != NULL;
      if (match)
        {
          snprintf (path, len, "%s", strcmp (b + 1, "/") == 0 ? "" : b + 1);
          found = 1;
        }
    }
  if (c)
    fclose (c);
  return found ? 0 : -1;
}

static int
write_text (const char *dir, const char *file, const char *text)
{
  char p[4200];
  snprintf (p, sizeof p, "%s/%s", dir, file);
  int fd = open (p, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  ssize_t n = write (fd, text, strlen (text));
  int e = errno;
  close (fd);
  errno = e;
  return n == (ssize_t) strlen (text) ? 0 : -1;
}

static int
read_text (const char *dir, const char *file, char *buf, size_t len)
{
  char p[4200];
  snprintf (p, sizeof p, "%s/%s", dir, file);
  int fd = open (p, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  ssize_t n = read (fd, buf, len - 1);
  close (fd);
  if (n < 0)
    return -1;
  buf[n] = '\0';
  return 0;
}

int
varlb__freezer_make (varlb_freezer_t *f, const char *name, char *why, size_t len)
{
  static unsigned serial;
  char mnt[1024], own[2048], tried[600] = "";
  varlb__freezer_init (f);
  for (int v2 = 1; v2 >= 0; v2--)
    {
      if (mount_point (mnt, sizeof mnt, v2) != 0 || own_group (own, sizeof own, v2) != 0)
        continue;
      snprintf (f->dir, sizeof f->dir, "%s%s/varlb-%ld-%u-%s", mnt, own, (long) getpid (),
                serial++, name);
      char probe[4200];
      snprintf (probe, sizeof probe, "%s/%s", f->dir, v2 ? "cgroup.freeze" : "freezer.state");
      if (mkdir (f->dir, 0700) == 0 && access (probe, W_OK) == 0)
        {
          f->v2 = v2;
          return 0;
        }
      int e = errno;
      size_t k = strlen (tried);
      snprintf (tried + k, sizeof tried - k, "%s%.250s: %s", k ? "; " : "", f->dir, strerror (e));
      rmdir (f->dir);
    }
  f->dir[0] = '\0';
  snprintf (why, len, "no cgroup freezer for a serve: worker (%s)",
            tried[0] ? tried : "neither cgroup v2 nor v1's freezer is mounted");
  return -1;
}

int
varlb__freezer_join_fd (const varlb_freezer_t *f, char *why, size_t len)
{
  char p[4200];
  snprintf (p, sizeof p, "%s/cgroup.procs", f->dir);
  int fd = open (p, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    snprintf (why, len, "cannot open %s: %s", p, strerror (errno));
  return fd;
}

int
varlb__freezer_set (varlb_freezer_t *f, int on, double timeout, char *why, size_t len)
{
  if (f->dir[0] == '\0' && f->root > 0)
    {
      if (on && stop_tree (f, timeout) != 0)
        {
          snprintf (why, len, "cannot stop the processes under %ld", (long) f->root);
          return -1;
        }
      if (!on)
        for (size_t i = 0; i < f->n_stopped; i++)
          kill (f->stopped[i], SIGCONT);
      f->frozen = on;
      return 0;
    }
  if (f->dir[0] == '\0')
    return 0;
  const char *file = f->v2 ? "cgroup.freeze" : "freezer.state";
  if (write_text (f->dir, file, f->v2 ? (on ? "1" : "0") : (on ? "FROZEN" : "THAWED")) != 0)
    {
      snprintf (why, len, "cannot %s %s: %s", on ? "freeze" : "thaw", f->dir, strerror (errno));
      return -1;
    }
  /* Freezing completes asynchronously: each task stops at its next return
     to user space.  Wait for the kernel's word. */
  struct timespec t0, t;
  clock_gettime (CLOCK_MONOTONIC, &t0);
  long nap = 20000;
  for (;;)
    {
      char buf[512];
      int done;
      if (read_text (f->dir, f->v2 ? "cgroup.events" : "freezer.state", buf, sizeof buf) != 0)
        done = -1;
      else if (f->v2)
        done = strstr (buf, on ? "frozen 1" : "frozen 0") != NULL;
      else
        done = strncmp (buf, on ? "FROZEN" : "THAWED", 6) == 0;
      if (done > 0)
        break;
      clock_gettime (CLOCK_MONOTONIC, &t);
      double spent = (double) (t.tv_sec - t0.tv_sec) + 1e-9 * (double) (t.tv_nsec - t0.tv_nsec);
      if (done < 0 || spent > timeout)
        {
          snprintf (why, len, "%s %s: %s", on ? "freezing" : "thawing", f->dir,
                    done < 0 ? strerror (errno) : "the kernel did not finish in time");
          return -1;
        }
      struct timespec ts = { 0, nap };
      nanosleep (&ts, NULL);
      if (nap < 2000000)
        nap *= 2;
    }
  f->frozen = on;
  return 0;
}

void
varlb__freezer_remove (varlb_freezer_t *f)
{
  if (f->dir[0] == '\0')
    {
      /* The tree is the caller's to kill; let what it stopped go on. */
      for (size_t i = 0; f->frozen && i < f->n_stopped; i++)
        kill (f->stopped[i], SIGCONT);
      free (f->stopped);
      varlb__freezer_init (f);
      return;
    }
  char why[256];
  /* Whatever is left: killed thawed, so that it can die. */
  char buf[8192];
  for (int round = 0; round < 50; round++)
    {
      if (read_text (f->dir, "cgroup.procs", buf, sizeof buf) != 0 || buf[0] == '\0')
        break;
      for (char *p = buf; *p;)
        {
          long pid = strtol (p, &p, 10);
          if (pid > 0)
            kill ((pid_t) pid, SIGKILL);
          while (*p == '\n')
            p++;
        }
      if (f->frozen)
        varlb__freezer_set (f, 0, 1.0, why, sizeof why);
      struct timespec ts = { 0, 10000000 };
      nanosleep (&ts, NULL);
    }
  if (f->frozen)
    varlb__freezer_set (f, 0, 1.0, why, sizeof why);
  rmdir (f->dir);
  free (f->stopped);
  varlb__freezer_init (f);
}
