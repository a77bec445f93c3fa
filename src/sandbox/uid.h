/* uid.h -- the kernel uid a half runs under (internal).  When varlb runs
 * as root, Alice and Bob each run under a uid of their own, neither varlb's
 * nor each other's, from a range reserved for halves (as IOI's isolate
 * takes first_uid); a non-root varlb's halves keep its uid. */
#ifndef VARLB_SANDBOX_UID_H
#define VARLB_SANDBOX_UID_H

#include <stddef.h>
#include <sys/types.h>

/* The reserved range: VARLB_HALF_UID_COUNT uids from VARLB_HALF_UID_FIRST
   (configure --with-half-uids=FIRST,COUNT), in pairs, one pair per varlb
   process at a time.  Below 2^31 (tools that read a uid as an int) and
   above the ranges systemd hands out (containers end at 1879048191). */
#ifndef VARLB_HALF_UID_FIRST
#define VARLB_HALF_UID_FIRST 2000000000U
#endif
#ifndef VARLB_HALF_UID_COUNT
#define VARLB_HALF_UID_COUNT 4096U
#endif
/* Where varlb processes on one host agree on who holds what (root only). */
#ifndef VARLB_LOCK_DIR
#define VARLB_LOCK_DIR "/run/varlb"
#endif

/* The uid of this process's half SIDE (0 compress and every half before an
   instance, 1 answer): a uid of the reserved range when varlb runs as root
   (the pair is reserved on first use, host-wide, until this process ends),
   or 0 when halves keep varlb's own uid.  -1 with a one-line reason in WHY
   when no pair is free or the lock directory cannot be made. */
long varlb__half_uid (int side, char *why, size_t len);

/* In a forked child before it execs bubblewrap: no supplementary groups,
   gid and uid UID (real, effective and saved), no way back.  Only system
   calls (async-signal-safe).  0, or -1 with errno. */
int varlb__uid_become (uid_t uid);

/* Open (creating, root only) the lock file NAME in VARLB_LOCK_DIR, close-
   on-exec, for flock.  -1 with WHY. */
int varlb__lock_file (const char *name, char *why, size_t len);

#endif
