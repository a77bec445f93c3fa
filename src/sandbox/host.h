/* host.h -- the host side of a half (src/sandbox/host.c): what
 * the serve: workers (worker.c) share with one-shot halves.  Private to
 * src/sandbox/; it imports io and limit, and no room above it (worker.c)
 * may be imported by the host. */
#ifndef VARLB_SANDBOX_HOST_H
#define VARLB_SANDBOX_HOST_H

#include <sys/types.h>
#include "io.h"
#include "limit.h"

/* The wrapper's command line, `varlb __half [--serve] --frames 3 --limit L
   [--collect NAME]... -- COMMAND` (SERVE: a worker's agent, told what to
   collect with each request), into W.  0, or -1 when out of memory. */
int varlb__wrapper_args (varlb__strv_t *w, const varlb_half_spec_t *h,
                         const varlb_channel_opts_t *o, int serve);
/* Who a half's processes are, set in the spawned child before it execs
   bubblewrap (README, "Threat model"). */
typedef struct varlb__as {
  long uid;     /* > 0: the reserved uid the half drops to (uid.c); 0: varlb's */
  int join_fd;  /* >= 0: the cgroup.procs of a worker's freezer group */
  int keyring;  /* a session keyring of its own (a sandboxed half) */
} varlb__as_t;
#define VARLB__AS_VARLB { 0, -1, 0 }

/* Fork and exec ARGV with the descriptors and limits L of a half: 0 from
   /dev/null, 1 and 2 to ERRFD, 3 FRAMEFD, FD_FIRST_IN.. the N_IN inputs
   INFD (its files, then the view's descriptors); no other descriptor; its
   own process group and session keyring; AS's group and uid; working
   directory DIR (or none).  The child's pid, or -1. */
pid_t varlb__spawn (char *const *argv, char *const *envp, const char *dir, int errfd,
                    int framefd, const int *infd, size_t n_in, int fd_first_in,
                    const varlb__limits_t *l, const varlb__as_t *as);
/* The uid a sandboxed half of LABEL runs under when varlb is root (a
   reserved one: Bob's "answer" and everyone else's differ), 0 when halves
   keep varlb's uid, -1 with WHY when none can be had. */
long varlb__half_uid_of (const char *label, int sandbox, char *why, size_t len);
/* The half whose process group a signal to the judge kills (0: none). */
void varlb__half_watch (pid_t pid);
/* A fresh host directory $TMPDIR/varlb-WHAT.XXXXXX (mode 0700) into BUF,
   locked (*LOCK, or -1) while in use; stale ones of dead judges removed
   first.  VARLB_EIO (BUF "") when it cannot be made. */
int varlb__host_dir (char *buf, size_t len, const char *what, int *lock);

#endif
