/* coldcache.c -- dropping the host's caches between the halves (coldcache.h)
 * and the host-wide lock that keeps every other half off the machine
 * meanwhile.  The page cache's timing residue is a full channel that no
 * system-call filter can close (README, "Threat model"): only this does. */
#define _GNU_SOURCE 1
#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include "sandbox/coldcache.h"
#include "sandbox/uid.h"

#define DROP_CACHES "/proc/sys/vm/drop_caches"

/* Root of the host, not of a user namespace: uid 0 maps to 0 over the
   whole range. */
static int
initial_namespace (void)
{
  FILE *f = fopen ("/proc/self/uid_map", "re");
  unsigned long long in = 1, out = 1, count = 0;
  int ok = f && fscanf (f, "%llu %llu %llu", &in, &out, &count) == 3;
  if (f)
    fclose (f);
  return ok && in == 0 && out == 0 && count == 4294967295ULL;
}

int
varlb__cold_cache_possible (char *why, size_t len)
{
  if (geteuid () != 0 || !initial_namespace ())
    {
      snprintf (why, len, "--cold-cache needs root in the host's user namespace (dropping "
                "the page cache is the host's)");
      return 0;
    }
  int fd = open (DROP_CACHES, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    {
      snprintf (why, len, "--cold-cache: cannot open %s for writing: %s", DROP_CACHES,
                strerror (errno));
      return 0;
    }
  close (fd); /* never written here */
  return 1;
}

int
varlb__cold_cache_drop (double *seconds, char *why, size_t len)
{
  struct timespec t0, t1;
  clock_gettime (CLOCK_MONOTONIC, &t0);
  int fd = open (DROP_CACHES, O_WRONLY | O_CLOEXEC);
  int ok = fd >= 0 && write (fd, "3", 1) == 1;
  int e = errno;
  if (fd >= 0 && close (fd) != 0)
    ok = 0;
  clock_gettime (CLOCK_MONOTONIC, &t1);
  *seconds = (double) (t1.tv_sec - t0.tv_sec) + 1e-9 * (double) (t1.tv_nsec - t0.tv_nsec);
  if (!ok)
    snprintf (why, len, "--cold-cache: cannot drop the caches (%s): %s", DROP_CACHES,
              strerror (e));
  return ok ? 0 : -1;
}

static int lock_fd = -2;   /* -2: not opened yet; -1: none on this host */
static int held_alone;

static int
lock (int how, char *why, size_t len)
{
  if (lock_fd == -2)
    {
      char ignored[256];
      int root = geteuid () == 0;
      lock_fd = varlb__lock_file ("halves", root ? why : ignored, root ? len : sizeof ignored);
      if (lock_fd < 0 && root)
        {
          lock_fd = -2;
          return -1;
        }
    }
  if (lock_fd < 0)
    return 0; /* not root, and root never made it: no one to keep off */
  while (flock (lock_fd, how) != 0)
    if (errno != EINTR)
      {
        snprintf (why, len, "cannot lock %s/halves: %s", VARLB_LOCK_DIR, strerror (errno));
        return -1;
      }
  return 0;
}

int
varlb__halves_enter (char *why, size_t len)
{
  return held_alone ? 0 : lock (LOCK_SH, why, len);
}

void
varlb__halves_leave (void)
{
  char why[256];
  if (!held_alone)
    lock (LOCK_UN, why, sizeof why);
}

int
varlb__cold_trial_begin (char *why, size_t len)
{
  if (lock (LOCK_EX, why, len) != 0)
    return -1;
  held_alone = 1;
  return 0;
}

void
varlb__cold_trial_end (void)
{
  char why[256];
  held_alone = 0;
  lock (LOCK_UN, why, sizeof why);
}
