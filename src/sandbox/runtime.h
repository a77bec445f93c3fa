/* runtime.h -- what of the host a half is shown (src/sandbox/runtime.c):
 * the system's read-only runtime, an allow-list of /etc, /sys's CPU
 * topology, and single host paths (a file the half's own uid could not
 * reach copied in); and whether a folder holds varlb's own outputs.
 * Private to src/sandbox/; it imports io only. */
#ifndef VARLB_SANDBOX_RUNTIME_H
#define VARLB_SANDBOX_RUNTIME_H

#include <stddef.h>
#include "io.h"

/* Descriptors the view hands bubblewrap (copies of files, the filter): the
   host passes FD[i] down as descriptor BASE + i and closes them after the
   half started. */
#define VARLB__FDS_MAX 48
typedef struct varlb__fds {
  int fd[VARLB__FDS_MAX];
  size_t n;
  int base;
} varlb__fds_t;

void varlb__fds_init (varlb__fds_t *f, int base);
/* Take FD (closed by varlb__fds_close); its number in the half's bwrap,
   or -1 when the list is full (FD then closed). */
int varlb__fds_take (varlb__fds_t *f, int fd);
void varlb__fds_close (varlb__fds_t *f);

/* bwrap's arguments showing the runtime read-only into A: /usr, /bin,
   /sbin and /lib* (symbolic links where the host has them: merged /usr),
   the /etc allow-list (its files copied once per varlb into a folder
   bound at /etc), and /sys's lists of CPUs.  0, or -1 when out of
   memory. */
int varlb__runtime_args (varlb__strv_t *a);

/* Show the host path PATH read-only at DEST (PATH when NULL), in parent
   folders the sandbox makes; where UID (> 0: the half's own, which owns
   nothing) could not reach or read it, a regular file is copied in (at most
   256 MiB, the same executable bit) and a folder refused.  0; 1 when PATH
   is not there (nothing shown); -1 with WHY. */
int varlb__show_path (varlb__strv_t *a, varlb__fds_t *fds, const char *path, const char *dest,
                      long uid, char *why, size_t len);

/* Whether a half can be shown PATH: 1 unless varlb runs as root (halves
   then run under uids of their own) and PATH is a folder such a uid cannot
   reach (a file is copied in); else 0 with a one-line reason in WHY. */
int varlb__halves_reach (const char *path, char *why, size_t len);

/* Whether DIR, or a folder right below it, holds what varlb writes: a
   `varlb decode --dump` (decoded.npy beside threshold.txt), result rows
   (CSV or JSON Lines of attack and sweep), a judge key, or varlb-demo/.
   1 with the one found in WHAT; 0 when none. */
int varlb__holds_outputs (const char *dir, char *what, size_t len);

#endif
