/* freezer.h -- one half at a time under serve: (internal): each worker in a
 * control group of its own, frozen while the other handles a request.  A
 * frozen process runs nothing, so it cannot time, contend or watch; what it
 * holds (a lock, a mapping) the filter and --cold-cache deal with. */
#ifndef VARLB_SANDBOX_FREEZER_H
#define VARLB_SANDBOX_FREEZER_H

#include <stddef.h>
#include <sys/types.h>

typedef struct varlb_freezer {
  char dir[4096];  /* the group's directory, "" when none */
  int v2;          /* cgroup v2 (cgroup.freeze) or v1 (freezer.state) */
  int frozen;
  pid_t root;      /* without a group: the tree under this process is
                      stopped process by process (SIGSTOP), 0 when none */
  pid_t *stopped;  /* what that stopped, to continue */
  size_t n_stopped, cap_stopped;
} varlb_freezer_t;

void varlb__freezer_init (varlb_freezer_t *f);
/* Make an empty group for a worker of this process (NAME: "compress",
   "answer"), under this process's own group of the v2 hierarchy, else of
   v1's freezer.  -1 with a one-line reason in WHY where neither can be made
   (no cgroup mounted, or not allowed: a non-root varlb without a delegated
   v2 group); the caller may then freeze by process instead
   (varlb__freezer_tree). */
int varlb__freezer_make (varlb_freezer_t *f, const char *name, char *why, size_t len);
/* No group: freeze the process tree under ROOT (the worker's sandbox) one
   process at a time, each stopped before its children are read, so none
   forks past the walk. */
void varlb__freezer_tree (varlb_freezer_t *f, pid_t root);
/* A descriptor on which a forked child writes "0" to enter F's group
   (before it drops its uid): close-on-exec; -1 with WHY. */
int varlb__freezer_join_fd (const varlb_freezer_t *f, char *why, size_t len);
/* Freeze (ON) or thaw F's group and wait until the kernel says it is done,
   at most TIMEOUT seconds.  0, or -1 with WHY. */
int varlb__freezer_set (varlb_freezer_t *f, int on, double timeout, char *why, size_t len);
/* Thaw, kill what is left in it, and remove the group. */
void varlb__freezer_remove (varlb_freezer_t *f);

#endif
