/* inside.c -- the code that runs inside a half's sandbox, and only there
 * (`varlb __half`, src/cli/half.c): the wrapper around a one-shot half's
 * command, which collects its output files into the frames on descriptor
 * 3 (their format: frames.c), and the agent of a serve: worker, which
 * feeds it one request at a time over a socket.  It must not import the
 * host side (host.c, worker.c, view.c): whatever it needs of the judge
 * arrives as arguments and descriptors. */
#define _GNU_SOURCE 1 /* pipe2, memfd_create */
#include <config.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "archive.h"
#include "io.h"
#include "sandbox.h"

/* -------------------------------------------------------- the wrapper */

/* A collected directory travels as one archive (varlb__unpack_dir). */
static int
collect_dir (int fd, const char *name, unsigned long long limit)
{
  char head[512], *a = NULL;
  size_t n = 0;
  unsigned long long total = 0;
  FILE *m = open_memstream (&a, &n);
  int rc = m ? varlb__archive_dir (m, name, "", limit, &total) : -1;
  if (m)
    fclose (m);
  if (rc != 0)
    snprintf (head, sizeof head, "file %s %d %llu\n", name, VARLB_HALF_FILE_TOOBIG, total);
  else
    snprintf (head, sizeof head, "file %s %d %zu\n", name, VARLB_HALF_FILE_OK, n);
  int ok = rc == 0;
  rc = varlb__write_all (fd, head, strlen (head));
  if (rc == 0 && ok && n)
    rc = varlb__write_all (fd, a, n);
  free (a);
  return rc;
}

/* Collect NAME: a regular file, or with DIR a whole directory. */
static int
collect_file (int fd, const char *name, unsigned long long limit, int dir)
{
  char head[512];
  int f = open (name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  struct stat sb;
  if (f < 0)
    {
      char npz[300];
      snprintf (npz, sizeof npz, "%s.npz", name);
      snprintf (head, sizeof head, "file %s %d 0\n", name,
                errno != ENOENT ? VARLB_HALF_FILE_NOTPLAIN
                : access (npz, F_OK) == 0 ? VARLB_HALF_FILE_NPZ : VARLB_HALF_FILE_MISSING);
      return varlb__write_all (fd, head, strlen (head));
    }
  if (dir && fstat (f, &sb) == 0 && S_ISDIR (sb.st_mode))
    {
      close (f);
      return collect_dir (fd, name, limit);
    }
  if (fstat (f, &sb) != 0 || !S_ISREG (sb.st_mode))
    {
      close (f);
      snprintf (head, sizeof head, "file %s %d 0\n", name, VARLB_HALF_FILE_NOTPLAIN);
      return varlb__write_all (fd, head, strlen (head));
    }
  if ((unsigned long long) sb.st_size > limit)
    {
      close (f);
      snprintf (head, sizeof head, "file %s %d %llu\n", name, VARLB_HALF_FILE_TOOBIG,
                (unsigned long long) sb.st_size);
      return varlb__write_all (fd, head, strlen (head));
    }
  /* Read it whole first: a process of the half could still be changing it,
     and the header must state what follows. */
  size_t n = 0, cap = (size_t) sb.st_size + 1;
  unsigned char *d = malloc (cap);
  if (d == NULL)
    {
      close (f);
      return -1;
    }
  for (;;)
    {
      if (n == cap)
        break;
      ssize_t r = read (f, d + n, cap - n);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        break;
      n += (size_t) r;
    }
  close (f);
  int state = n > limit ? VARLB_HALF_FILE_TOOBIG : VARLB_HALF_FILE_OK;
  snprintf (head, sizeof head, "file %s %d %zu\n", name, state,
            state == VARLB_HALF_FILE_OK ? n : 0);
  int rc = varlb__write_all (fd, head, strlen (head));
  if (rc == 0 && state == VARLB_HALF_FILE_OK)
    rc = varlb__write_all (fd, d, n);
  free (d);
  return rc;
}

int
varlb__half_wrapper (int fd, unsigned long long limit, unsigned long long child_fsize,
                     const char *const *collect, size_t n_collect, char *const *argv,
                     int (*inproc) (int argc, char **argv))
{
  /* Not dumpable: the half's processes (same user) can neither trace this
     process nor open its descriptors through /proc. */
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (fcntl (fd, F_SETFD, FD_CLOEXEC) != 0)
    return 125;
  int pipefd[2];
  if (pipe2 (pipefd, O_CLOEXEC) != 0)
    return 125;
  fflush (NULL);
  pid_t pid = fork ();
  if (pid < 0)
    return 125;
  if (pid == 0)
    {
      struct rlimit rl = { (rlim_t) child_fsize, (rlim_t) child_fsize };
      setrlimit (RLIMIT_FSIZE, &rl);
      prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
      if (inproc)
        {
          /* varlb's own half: this process is already a fresh varlb, with
             nothing of the judge's in it; only the frames must go. */
          close (fd);
          close (pipefd[1]);
          int argc = 0;
          while (argv[argc])
            argc++;
          int rc = inproc (argc - 1, (char **) argv + 1);
          fflush (NULL);
          _exit (rc);
        }
      execvp (argv[0], argv);
      int e = errno;
      if (write (pipefd[1], &e, sizeof e) < 0)
        _exit (127);
      _exit (127);
    }
  close (pipefd[1]);
  int exec_errno = 0;
  ssize_t got = read (pipefd[0], &exec_errno, sizeof exec_errno);
  close (pipefd[0]);
  int ws = 0;
  while (waitpid (pid, &ws, 0) < 0 && errno == EINTR)
    ;
  char head[128];
  if (got == (ssize_t) sizeof exec_errno)
    snprintf (head, sizeof head, "VARLBH1\nstatus noexec %d\n", exec_errno);
  else if (WIFSIGNALED (ws))
    snprintf (head, sizeof head, "VARLBH1\nstatus signal %d\n", WTERMSIG (ws));
  else
    snprintf (head, sizeof head, "VARLBH1\nstatus exit %d\n", WEXITSTATUS (ws));
  if (varlb__write_all (fd, head, strlen (head)) != 0)
    return 125;
  for (size_t i = 0; i < n_collect; i++)
    {
      /* "NAME/" asks for a directory, sent as one archive. */
      char name[256];
      size_t l = strlen (collect[i]);
      int dir = l > 1 && collect[i][l - 1] == '/';
      snprintf (name, sizeof name, "%.*s", (int) (dir ? l - 1 : l), collect[i]);
      if (collect_file (fd, name, limit, dir) != 0)
        return 125;
    }
  if (varlb__write_all (fd, "end\n", 4) != 0)
    return 125;
  return 0;
}

/* ----------------------------------------------- the agent of a worker */

/* A `serve:` compressor's half is started once and answers one request per
   trial.  Inside its sandbox varlb's agent (`varlb __half --serve`) owns
   descriptor 3, a socket to the judge, which the worker never sees (closed
   in it; the agent is not dumpable).  Per request the judge sends
     REQ <json bytes> <files> <collects>\n
     FILE <name> <size>\n<bytes>        (per file)
     COLLECT <name>\n                   (per name)
     <json>
   and the agent empties its directory, writes the files, passes the JSON
   line to the worker's stdin, reads one line of its stdout, collects the
   files, empties the directory again and answers
     VARLBS <size>\n<frames>
   with the frames of a one-shot half plus "reply <n>\n<line>\n" after the
   status.  A worker that dies gets its status and no reply. */

/* One line from FD into BUF (without the newline); -1 on EOF or overflow. */
static int
read_line_fd (int fd, char *buf, size_t len)
{
  size_t k = 0;
  for (;;)
    {
      char c;
      ssize_t r = read (fd, &c, 1);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        return -1;
      if (c == '\n')
        break;
      if (k + 1 >= len)
        return -1;
      buf[k++] = c;
    }
  buf[k] = '\0';
  return (int) k;
}

/* Remove everything in the current directory. */
static void
empty_cwd (void)
{
  DIR *d = opendir (".");
  struct dirent *e;
  while (d && (e = readdir (d)) != NULL)
    {
      if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      struct stat sb;
      if (lstat (e->d_name, &sb) == 0 && S_ISDIR (sb.st_mode))
        varlb__remove_tree (e->d_name);
      else
        unlink (e->d_name);
    }
  if (d)
    closedir (d);
}

static int
plain_name (const char *n)
{
  return n[0] && !strchr (n, '/') && strcmp (n, ".") && strcmp (n, "..");
}

int
varlb__half_agent (int sock, unsigned long long limit, unsigned long long child_fsize,
                   char *const *argv)
{
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (fcntl (sock, F_SETFD, FD_CLOEXEC) != 0)
    return 125;
  int in[2], out[2];
  if (pipe2 (in, O_CLOEXEC) != 0 || pipe2 (out, O_CLOEXEC) != 0)
    return 125;
  signal (SIGPIPE, SIG_IGN);
  fflush (NULL);
  pid_t pid = fork ();
  if (pid < 0)
    return 125;
  if (pid == 0)
    {
      signal (SIGPIPE, SIG_DFL);
      struct rlimit rl = { (rlim_t) child_fsize, (rlim_t) child_fsize };
      setrlimit (RLIMIT_FSIZE, &rl);
      prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
      if (dup2 (in[0], 0) < 0 || dup2 (out[1], 1) < 0)
        _exit (125);
      execvp (argv[0], argv);
      _exit (127);
    }
  close (in[0]);
  close (out[1]);
  char head[512];
  for (;;)
    {
      unsigned long long nj, nf, nc;
      if (read_line_fd (sock, head, sizeof head) < 0)
        break; /* the judge is done with us */
      if (sscanf (head, "REQ %llu %llu %llu", &nj, &nf, &nc) != 3 || nj > (1 << 20)
          || nf > VARLB_HALF_MAX_FILES || nc > VARLB_HALF_MAX_FILES)
        return 125;
      empty_cwd ();
      for (unsigned long long i = 0; i < nf; i++)
        {
          char name[256];
          unsigned long long size;
          if (read_line_fd (sock, head, sizeof head) < 0
              || sscanf (head, "FILE %255s %llu", name, &size) != 2 || !plain_name (name))
            return 125;
          unsigned char *b = malloc (size ? size : 1);
          if (b == NULL || varlb__read_exact (sock, b, size, -1) != 0)
            return 125;
          int fd = open (name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
          if (fd < 0 || varlb__write_all (fd, b, size) != 0)
            return 125;
          close (fd);
          free (b);
        }
      char collect[VARLB_HALF_MAX_FILES][256];
      for (unsigned long long i = 0; i < nc; i++)
        if (read_line_fd (sock, head, sizeof head) < 0
            || sscanf (head, "COLLECT %255s", collect[i]) != 1 || !plain_name (collect[i]))
          return 125;
      char *json = malloc (nj + 2);
      if (json == NULL || varlb__read_exact (sock, json, nj, -1) != 0)
        return 125;
      json[nj] = '\n';
      /* The frames go to a memory file first: their size leads them. */
      int mf = memfd_create ("varlb-serve", MFD_CLOEXEC);
      if (mf < 0)
        return 125;
      char reply[65536];
      int got = -1;
      if (varlb__write_all (in[1], json, nj + 1) == 0)
        got = read_line_fd (out[0], reply, sizeof reply);
      free (json);
      int died = got < 0, ws = 0;
      if (died)
        {
          /* Dead, or a line past 64 KiB: either way the worker is done. */
          kill (pid, SIGKILL);
          while (waitpid (pid, &ws, 0) < 0 && errno == EINTR)
            ;
          snprintf (head, sizeof head, "VARLBH1\nstatus %s %d\n",
                    WIFSIGNALED (ws) ? "signal" : "exit",
                    WIFSIGNALED (ws) ? WTERMSIG (ws) : WEXITSTATUS (ws) ? WEXITSTATUS (ws) : 1);
          varlb__write_all (mf, head, strlen (head));
        }
      else
        {
          snprintf (head, sizeof head, "VARLBH1\nstatus exit 0\nreply %d\n", got);
          varlb__write_all (mf, head, strlen (head));
          varlb__write_all (mf, reply, (size_t) got);
          varlb__write_all (mf, "\n", 1);
        }
      for (unsigned long long i = 0; i < nc; i++)
        collect_file (mf, collect[i], limit, 0);
      varlb__write_all (mf, "end\n", 4);
      empty_cwd ();
      size_t n;
      unsigned char *frames = varlb__read_fd (mf, &n, (size_t) -1);
      close (mf);
      snprintf (head, sizeof head, "VARLBS %zu\n", n);
      if (frames == NULL || varlb__write_all (sock, head, strlen (head)) != 0
          || varlb__write_all (sock, frames, n) != 0)
        return 125;
      free (frames);
      if (died)
        return 0;
    }
  kill (pid, SIGKILL);
  waitpid (pid, NULL, 0);
  return 0;
}
