/* worker.c -- serve: workers on the host side (sandbox.h): a persistent
 * half started in its own sandbox on its first request, given one request
 * per trial (the protocol: inside.c, whose agent answers it), stopped and
 * started afresh when it dies, hangs or breaks the protocol.  It runs
 * workers and knows no spec or trial: what a spec keeps is channel.c's.
 *
 * One half at a time (README, "Threat model"): a sandboxed worker runs only
 * while it handles a request; before and after, it is frozen (freezer.c),
 * so while one worker answers, the other runs nothing.  It runs under the
 * half's own uid and a worker's system-call filter (no locks). */
#define _GNU_SOURCE 1
#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "coldcache.h"
#include "frames.h"
#include "freezer.h"
#include "host.h"
#include "io.h"
#include "limit.h"
#include "view.h"
#include "text.h"

void
varlb__worker_init (varlb_worker_t *w)
{
  memset (w, 0, sizeof *w);
  w->sock = w->err = w->dirfd = -1;
}

void
varlb__worker_stop (varlb_worker_t *w)
{
  char why[256];
  if (w->pid > 0)
    {
      kill (-w->pid, SIGKILL);
      kill (w->pid, SIGKILL);
      /* A frozen task of cgroup v1 dies only once thawed. */
      if (w->freezer && w->freezer->dir[0])
        varlb__freezer_set (w->freezer, 0, 5.0, why, sizeof why);
      waitpid (w->pid, NULL, 0);
    }
  if (w->freezer)
    {
      varlb__freezer_remove (w->freezer);
      free (w->freezer);
    }
  if (w->sock >= 0)
    close (w->sock);
  if (w->err >= 0)
    close (w->err);
  if (w->dir[0])
    varlb__remove_tree (w->dir);
  if (w->dirfd >= 0)
    close (w->dirfd);
  int restarts = w->starts;
  varlb__worker_init (w);
  w->starts = restarts;
}

/* Start W's sandbox with the agent around H's command. */
static int
worker_start (varlb_worker_t *w, const varlb_half_spec_t *h, const varlb_channel_opts_t *o,
              char *why, size_t len)
{
  int sandbox = o->isolation == VARLB_ISOLATION_SANDBOX;
  if (sandbox && !varlb_sandbox_available (why, len))
    return VARLB_EUNSUPPORTED;
  varlb__strv_t inner = { 0 }, argv = { 0 }, env = { 0 };
  int sv[2] = { -1, -1 }, st = VARLB_OK;
  const char *home = getenv ("HOME");
  varlb__fds_t fds;
  varlb__fds_init (&fds, 10);
  varlb__as_t as = VARLB__AS_VARLB;
  w->err = memfd_create ("varlb-worker-stderr", MFD_CLOEXEC);
  if (w->err < 0 || socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    st = VARLB_EIO;
  if (st == VARLB_OK && varlb__wrapper_args (&inner, h, o, 1) != 0)
    st = VARLB_ENOMEM;
  if (st == VARLB_OK && varlb__view_env (&env, h, home, sandbox) != 0)
    st = VARLB_ENOMEM;
  if (st == VARLB_OK && sandbox)
    {
      varlb_half_spec_t bare = *h;
      bare.n_in = 0;
      as.keyring = 1;
      if ((as.uid = varlb__half_uid_of (h->label, sandbox, why, len)) < 0)
        st = VARLB_EIO;
      else if (varlb__view_args (&argv, &bare, o, home, 10, &env, &inner, 1, as.uid, &fds,
                                 why, len) != 0)
        st = why[0] ? VARLB_EIO : VARLB_ENOMEM;
      /* Its own freezer group where one can be made; else its processes
         are stopped one by one (varlb__freezer_tree, after the start). */
      char no[512];
      if (st == VARLB_OK && (w->freezer = calloc (1, sizeof *w->freezer)) == NULL)
        st = VARLB_ENOMEM;
      else if (st == VARLB_OK && varlb__freezer_make (w->freezer, h->label, no, sizeof no) == 0
               && (as.join_fd = varlb__freezer_join_fd (w->freezer, why, len)) < 0)
        st = VARLB_EIO;
    }
  else if (st == VARLB_OK)
    {
      st = varlb__host_dir (w->dir, sizeof w->dir, "half", &w->dirfd);
      if (st == VARLB_OK && varlb__strv_extend (&argv, &inner) != 0)
        st = VARLB_ENOMEM;
    }
  if (st == VARLB_OK)
    {
      varlb__limits_t l;
      varlb__limits_for (&l, o, h->n_out);
      varlb__limits_as (&l, o, as.uid);
      /* A worker serves a whole sweep: its CPU limit is not one trial's. */
      l.cpu.rlim_cur = l.cpu.rlim_max = RLIM_INFINITY;
      pid_t pid = varlb__spawn (argv.v, env.v, sandbox ? NULL : w->dir, w->err, sv[1], fds.fd,
                                fds.n, 10, &l, &as);
      if (pid > 0 && w->freezer && w->freezer->dir[0] == '\0')
        varlb__freezer_tree (w->freezer, pid);
      if (pid < 0)
        {
          st = VARLB_EIO;
          snprintf (why, len, "%s: cannot start the worker: %s", h->label, strerror (errno));
        }
      else
        {
          w->pid = pid;
          w->sock = sv[0];
          sv[0] = -1;
          w->starts++;
        }
    }
  if (sv[0] >= 0)
    close (sv[0]);
  if (sv[1] >= 0)
    close (sv[1]);
  if (as.join_fd >= 0)
    close (as.join_fd);
  if (st != VARLB_OK && w->freezer)
    {
      varlb__freezer_remove (w->freezer);
      free (w->freezer);
      w->freezer = NULL;
    }
  varlb__fds_close (&fds);
  varlb__strv_free (&inner);
  varlb__strv_free (&argv);
  varlb__strv_free (&env);
  return st;
}

int
varlb__worker_request (varlb_worker_t *w, varlb_half_result_t *r, const varlb_half_spec_t *h,
                       const char *json, const varlb_channel_opts_t *o)
{
  memset (r, 0, sizeof *r);
  double t0 = varlb__now_s ();
  int st = VARLB_OK;
  /* A sandboxed worker runs, its start included, only while it holds the
     host's lock of halves. */
  int locked = o->isolation == VARLB_ISOLATION_SANDBOX;
  if (locked && varlb__halves_enter (r->why, sizeof r->why) != 0)
    {
      r->status = VARLB_EIO;
      return VARLB_EIO;
    }
  if (w->pid <= 0 && (st = worker_start (w, h, o, r->why, sizeof r->why)) != VARLB_OK)
    {
      if (locked)
        varlb__halves_leave ();
      r->status = st;
      return st;
    }
  struct stat es;
  w->err_seen = fstat (w->err, &es) == 0 ? (size_t) es.st_size : 0;
  /* The request, in one buffer. */
  char *req = NULL;
  size_t rl = 0;
  FILE *m = open_memstream (&req, &rl);
  if (m == NULL)
    {
      if (locked)
        varlb__halves_leave ();
      return VARLB_ENOMEM;
    }
  fprintf (m, "REQ %zu %zu %zu\n", strlen (json), h->n_in, h->n_out);
  for (size_t i = 0; i < h->n_in; i++)
    {
      fprintf (m, "FILE %s %zu\n", h->in[i].name, h->in[i].len);
      fwrite (h->in[i].data, 1, h->in[i].len, m);
    }
  for (size_t i = 0; i < h->n_out; i++)
    fprintf (m, "COLLECT %s\n", h->out[i]);
  fputs (json, m);
  if (fclose (m) != 0)
    {
      free (req);
      if (locked)
        varlb__halves_leave ();
      return VARLB_ENOMEM;
    }
  double end = t0 + o->timeout_s;
  int bad = 0;
  /* Its turn: thawed. */
  if (w->freezer && varlb__freezer_set (w->freezer, 0, 5.0, r->why, sizeof r->why) != 0)
    {
      free (req);
      varlb__worker_stop (w);
      varlb__halves_leave ();
      r->status = VARLB_ECOMPRESSOR;
      return VARLB_OK;
    }
  varlb__half_watch (w->pid);
  for (size_t done = 0; !bad && done < rl;)
    {
      ssize_t k = send (w->sock, req + done, rl - done, MSG_NOSIGNAL);
      if (k < 0 && errno == EINTR)
        continue;
      if (k <= 0)
        bad = 1;
      else
        done += (size_t) k;
    }
  free (req);
  char head[64];
  size_t hk = 0;
  int rc = bad ? -1 : 0;
  /* "VARLBS <n>\n", then n bytes of frames. */
  while (rc == 0 && hk + 1 < sizeof head)
    {
      rc = varlb__read_exact (w->sock, head + hk, 1, end);
      if (rc == 0 && head[hk++] == '\n')
        break;
    }
  head[hk] = '\0';
  unsigned long long n = 0;
  unsigned char *frames = NULL;
  if (rc == 0 && (sscanf (head, "VARLBS %llu", &n) != 1 || n > (1ULL << 40)))
    rc = -1;
  if (rc == 0 && (frames = malloc (n + 1)) == NULL)
    rc = -1;
  if (rc == 0)
    rc = varlb__read_exact (w->sock, frames, n, end);
  varlb__half_watch (0);
  if (rc == 1)
    {
      r->status = VARLB_ETIMEOUT;
      snprintf (r->why, sizeof r->why, "%s: timed out after %g s (the worker is killed and "
                "restarted for the next trial)", h->label, o->timeout_s);
    }
  else if (rc != 0)
    {
      r->status = VARLB_ECOMPRESSOR;
      snprintf (r->why, sizeof r->why, "%s: the worker's sandbox ended (it is restarted for "
                "the next trial)", h->label);
    }
  else
    varlb__frames_parse (r, h, frames, n, varlb__file_limit (o));
  free (frames);
  size_t en;
  unsigned char *ed = varlb__read_fd (w->err, &en, (size_t) -1);
  if (ed)
    {
      size_t from = w->err_seen < en ? w->err_seen : en;
      varlb__error_tail (r->stderr_tail, sizeof r->stderr_tail, ed + from, en - from);
      free (ed);
    }
  /* A worker that died, hung or was cut off starts afresh next time; one
     that answered sleeps frozen until its next request. */
  char no[512];
  if (rc != 0 || r->reply == NULL
      || (w->freezer && varlb__freezer_set (w->freezer, 1, 5.0, no, sizeof no) != 0))
    varlb__worker_stop (w);
  if (locked)
    varlb__halves_leave ();
  r->seconds = varlb__now_s () - t0;
  return VARLB_OK;
}
