/* uid.c -- halves under uids of their own (uid.h): a host-wide reservation
 * of a pair from the reserved range (a byte-range lock per pair, released by
 * the kernel when its varlb ends), and the drop to it before bubblewrap,
 * which then needs unprivileged user namespaces (README, "Threat model"). */
#define _GNU_SOURCE 1
#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "sandbox/uid.h"

int
varlb__lock_file (const char *name, char *why, size_t len)
{
  char path[4096];
  if (geteuid () == 0 && mkdir (VARLB_LOCK_DIR, 0755) != 0 && errno != EEXIST)
    {
      snprintf (why, len, "cannot make %s: %s", VARLB_LOCK_DIR, strerror (errno));
      return -1;
    }
  snprintf (path, sizeof path, "%s/%s", VARLB_LOCK_DIR, name);
  int fd = open (path, (geteuid () == 0 ? O_RDWR | O_CREAT : O_RDONLY) | O_CLOEXEC | O_NOFOLLOW,
                 0644);
  if (fd < 0)
    snprintf (why, len, "cannot open %s: %s", path, strerror (errno));
  return fd;
}

/* A pair none of whose uids belongs to a user of this host. */
static int
pair_unowned (unsigned first)
{
  return getpwuid (first) == NULL && getpwuid (first + 1) == NULL && getgrgid (first) == NULL
         && getgrgid (first + 1) == NULL;
}

long
varlb__half_uid (int side, char *why, size_t len)
{
  static long pair = -1; /* the first uid of this process's pair */
  static int lock = -1;
  if (geteuid () != 0)
    return 0;
  if (pair < 0)
    {
      if (lock < 0 && (lock = varlb__lock_file ("half-uids", why, len)) < 0)
        return -1;
      /* One byte per pair, locked for this open file description: the
         kernel lets it go when this process ends, however it ends. */
      for (unsigned k = 0; pair < 0 && k < VARLB_HALF_UID_COUNT / 2; k++)
        {
          struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = k, .l_len = 1 };
          unsigned first = VARLB_HALF_UID_FIRST + 2 * k;
          if (pair_unowned (first) && fcntl (lock, F_OFD_SETLK, &fl) == 0)
            pair = first;
        }
      if (pair < 0)
        {
          snprintf (why, len, "no pair of half uids is free in %u..%u (%u varlb processes "
                    "running?)", VARLB_HALF_UID_FIRST,
                    VARLB_HALF_UID_FIRST + VARLB_HALF_UID_COUNT - 1, VARLB_HALF_UID_COUNT / 2);
          return -1;
        }
    }
  return pair + (side != 0);
}

int
varlb__uid_become (uid_t uid)
{
  if (setgroups (0, NULL) != 0 || setresgid (uid, uid, uid) != 0 || setresuid (uid, uid, uid) != 0)
    return -1;
  /* No way back: a half that found a setuid helper could not regain 0. */
  if (setuid (0) == 0)
    {
      errno = EPERM;
      return -1;
    }
  return 0;
}
