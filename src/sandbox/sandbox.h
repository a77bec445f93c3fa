/* sandbox.h -- the front door of src/sandbox/: running one compressor half
 * in isolation (internal to libvarlb and the varlb binary; not installed).
 * The rest of varlb includes only this header; the rooms behind it include
 * it for their own entry points and the private headers of rooms below
 * them, never of a room above.
 *
 * A half is a command run inside a fresh sandbox (bubblewrap: new user,
 * PID, network, IPC, UTS and mount namespaces; host filesystem read-only;
 * private empty /tmp, /var/tmp, /dev/shm, /run and $HOME; its own /proc;
 * no capabilities; every process dies with it or with varlb).  Its working
 * directory lives in its private /run and starts with the input files the
 * judge copies in; the output files it names are collected, after the
 * command exits, by varlb's own wrapper (`varlb __half`) running inside the
 * sandbox, and come back to the judge through a descriptor.  Nothing of the
 * half touches the host's filesystem.  Without isolation, the same wrapper
 * runs in a private host directory instead.
 *
 * The rooms, lowest first (doc/ARCHITECTURE.md):
 *   io.c       bytes, descriptors, directories, argument lists
 *   limit.c    what a half may use: option defaults, resource limits
 *   view.c     what a half sees: bubblewrap's arguments, its environment
 *   archive.c  a directory as one byte string (a collected CALIB/)
 *   frames.c   the report a half sends back, read on the host side
 *   host.c     starting, limiting, waiting on a one-shot half
 *   worker.c   serve: workers on the host side
 *   inside.c   the wrapper and the agent: runs inside a sandbox, only there
 * Still to come with the kernel-isolation issue (18): filter.c (the
 * system-call filter, joined in view.c as --seccomp FD), uid.c (a half's
 * own uid, dropped to in host.c's varlb__spawn), and freezing the idle
 * serve: worker (worker.c). */
#ifndef VARLB_SANDBOX_H
#define VARLB_SANDBOX_H

#include <stddef.h>
#include <sys/types.h>
#include "varlb.h"

/* Where a half's working directory is inside its sandbox: in its private
   /run, whose only other content could be an exposed path (see view.c),
   so that ".." shows nothing but the half's own directory. */
#define VARLB_HALF_DIR "/run/varlb-half"
#define VARLB_HALF_MAX_FILES 8

typedef struct varlb_half_file {
  const char *name;           /* a plain name, no '/' */
  const unsigned char *data;  /* inputs only */
  size_t len;
} varlb_half_file_t;

typedef struct varlb_half_spec {
  const char *label;                 /* "compress", "answer", "probe" */
  char *const *argv;                 /* the command (argv[0] a path, or a
                                        name searched in PATH) */
  varlb_half_file_t in[VARLB_HALF_MAX_FILES];
  size_t n_in;
  const char *out[VARLB_HALF_MAX_FILES]; /* names collected after the run;
                                            "NAME/" collects a directory */
  size_t n_out;
  char *const *env;                  /* extra NAME=VALUE entries, or NULL */
  const char *const *expose;         /* host paths to see again read-only at
                                        the same place, or NULL */
  const char *calibration;           /* host directory of the compressor's free
                                        calibration, seen read-only at
                                        VARLB_CALIBRATION_DIR, or NULL */
} varlb_half_spec_t;

/* Where a half sees its compressor's calibration (read-only). */
#define VARLB_CALIBRATION_DIR "/run/varlb-calibration"

typedef struct varlb_half_result {
  int status;             /* VARLB_OK, VARLB_ECOMPRESSOR, VARLB_ETIMEOUT; or
                             VARLB_EUNSUPPORTED / VARLB_EIO when the sandbox
                             itself could not be made */
  char why[512];          /* one line when status != VARLB_OK */
  unsigned char *out[VARLB_HALF_MAX_FILES]; /* malloc'd contents, or NULL */
  size_t out_len[VARLB_HALF_MAX_FILES];
  int out_state[VARLB_HALF_MAX_FILES];    /* VARLB_HALF_FILE_* */
  char stderr_tail[512];  /* the end of stdout+stderr, one line, UTF-8 */
  char *reply;            /* a persistent worker's reply line (malloc'd), or NULL */
  size_t reply_len;
  double seconds;         /* wall time of the whole half */
} varlb_half_result_t;

enum { VARLB_HALF_FILE_OK = 0, VARLB_HALF_FILE_MISSING = 1, VARLB_HALF_FILE_NOTPLAIN = 2,
       VARLB_HALF_FILE_TOOBIG = 3,
       VARLB_HALF_FILE_NPZ = 4 /* missing, but NAME.npz is there (np.savez) */ };

/* Run H under the options O (isolation, limits, timeout, the varlb binary);
   R receives the outcome.  Returns VARLB_OK whenever the half ran (its own
   failures are in R->status), or an error when varlb could not run it. */
int varlb__half_run (varlb_half_result_t *r, const varlb_half_spec_t *h,
                     const varlb_channel_opts_t *o);
void varlb__half_result_clear (varlb_half_result_t *r);

/* The wrapper's side (`varlb __half`): run ARGV, then write the frames
   (status and collected files) to descriptor FD.  With INPROC, ARGV is one
   of varlb's own halves, called as INPROC (argc - 1, argv + 1) in a forked
   child instead of a second exec.  Returns the wrapper's exit status. */
int varlb__half_wrapper (int fd, unsigned long long limit, unsigned long long child_fsize,
                         const char *const *collect, size_t n_collect, char *const *argv,
                         int (*inproc) (int argc, char **argv));

/* A persistent worker (a `serve:` compressor's half): started on its first
   request, in its own sandbox, kept across trials, stopped when it fails. */
typedef struct varlb_worker {
  pid_t pid;          /* the sandbox's leader, 0 when not running */
  int sock;           /* the judge's end of the request socket */
  int err;            /* the worker's stdout/stderr (a memory file) */
  size_t err_seen;    /* bytes of it before the current request */
  char dir[4096];     /* --no-sandbox: its host directory */
  int dirfd;
  int starts;         /* times started (restarts after failures) */
  struct varlb_freezer *freezer; /* in a sandbox: frozen whenever it is not
                        handling a request (freezer.c), else NULL */
} varlb_worker_t;

void varlb__worker_init (varlb_worker_t *w);
void varlb__worker_stop (varlb_worker_t *w);
/* One request: start W with H's command if needed, place H's input files
   in its directory, send JSON, wait at most O->timeout_s for the reply line
   (R->reply) and H's output files.  A worker that dies, hangs or gives no
   reply line is stopped (R->status says why) and started afresh next time. */
int varlb__worker_request (varlb_worker_t *w, varlb_half_result_t *r, const varlb_half_spec_t *h,
                           const char *json, const varlb_channel_opts_t *o);
/* A private host directory under TMPDIR named varlb-WHAT.XXXXXX, locked
   (LOCK) while in use, removed by later runs when its owner is gone. */
int varlb__private_dir (char *buf, size_t len, const char *what, int *lock);
/* Remove such a directory (DIR "" for none) and release its LOCK (-1 for none). */
void varlb__private_dir_remove (const char *dir, int lock);

/* The agent inside a worker's sandbox (`varlb __half --serve`). */
int varlb__half_agent (int sock, unsigned long long limit, unsigned long long child_fsize,
                       char *const *argv);

/* Unpack an archive of collected directory DIR (what the wrapper sends for
   a directory: "path\nsize\n<bytes>" per regular file) into the empty host
   directory DEST.  VARLB_EFORMAT when it does not parse or names a path
   outside DEST. */
int varlb__unpack_dir (const char *dest, const unsigned char *a, size_t n);

/* The host paths an external COMMAND names (absolute words that exist): a
   sandbox shows these paths, not their folders.  At most CAP malloc'd
   paths in OUT. */
size_t varlb__named_paths (char **out, size_t cap, const char *command);
/* One line for attack's report: what a sandbox shows the halves of
   COMMAND (NULL for a built-in) under O beyond the system's runtime. */
void varlb__view_describe (char *out, size_t len, const char *command,
                           const varlb_channel_opts_t *o);
/* 1 with a one-line reason in WHY when a path COMMAND names lies in a
   folder (or is one) holding varlb outputs, or is a folder the halves' own
   uids cannot reach: a usage error (README, "Threat model": the view); 0
   when none does. */
int varlb__named_near_outputs (const char *command, char *why, size_t len);

#endif
