/* hostile.c -- a compressor that tries every way around the one-way channel
 * (tests/cli_hostile.sh).  Its blob is one zero byte; whatever else it gets
 * across is the leak.  compress hands the cache (K and V) to answer by the
 * route knob mode names; answer, when it finds the cache, returns the value
 * row of each query's token (accuracy 1), else 0.5 everywhere (chance), and
 * says on stderr what it found.
 *
 *   seed        answer takes its seed for the run's seed and rebuilds the
 *               instance with the library (the open key)
 *   bruteforce  answer finds the run seed whose public seed it was given,
 *               among 0..65535, and rebuilds the instance with the open key;
 *               frac=F uses the rebuilt bits for that fraction of the tokens
 *   sample      compress predicts Bob's sampled tokens (knob sample=M) from
 *               the seed, both ways, and keeps their first 8 bits
 *   tmp, vartmp, shm, home, parent, cwd, fixed
 *               a stash file in /tmp, /var/tmp, /dev/shm, $HOME, .., ., or
 *               a fixed absolute path (knob path=)
 *   unix, tcp   a daemon (setsid, double fork) serving the cache on an
 *               abstract unix socket / 127.0.0.1:47321
 *   procmem     answer looks for the judge's process and its memory
 *   forge       compress and answer append a forged row to every descriptor
 *               above 2 and to the file named by knob path=; a daemon does
 *               it again 2 s later
 *   linger      compress leaves a daemon that sleeps (marker: its argv[0]) */
#define _GNU_SOURCE 1
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <stddef.h>
#include <varlb.h>

static const varlb_knob_t knobs[] = {
  { "mode", VARLB_KNOB_STRING, "tmp", 0, 0, "the route (see tests/plugins/hostile.c)" },
  { "sample", VARLB_KNOB_INT, "1", 1, 1e6, "Bob's sample size, for mode sample" },
  { "frac", VARLB_KNOB_DOUBLE, "1", 0, 1, "fraction of tokens filled, for mode bruteforce" },
  { "path", VARLB_KNOB_STRING, "", 0, 0, "a file, for modes fixed and forge" },
};

static const char *
knob (const varlb_knobs_t *k, const char *name, const char *def)
{
  const char *v = varlb_knobs_get (k, name);
  return v ? v : def;
}

static int
mode_is (const varlb_knobs_t *k, const char *m)
{
  return strcmp (knob (k, "mode", "tmp"), m) == 0;
}

/* ----------------------------------------------------- the cache image */

/* T, d, then K and V (T x d doubles each). */
static unsigned char *
image (size_t *len, const double *K, const double *V, size_t T, size_t d)
{
  *len = 16 + 16 * T * d;
  unsigned char *b = malloc (*len);
  uint64_t h[2] = { T, d };
  memcpy (b, h, 16);
  memcpy (b + 16, K, 8 * T * d);
  memcpy (b + 16 + 8 * T * d, V, 8 * T * d);
  return b;
}

/* Answers from a cache image: O row = V row of the token whose key best
   matches the query.  0 when the image does not fit. */
static int
answer_from (double *O, const unsigned char *b, size_t len, const double *Q, size_t m,
             size_t d, size_t dv)
{
  uint64_t h[2];
  if (len < 16)
    return 0;
  memcpy (h, b, 16);
  if (h[1] != d || dv != d || h[0] == 0 || len != 16 + 16 * h[0] * d)
    return 0;
  const double *K = (const double *) (b + 16), *V = K + h[0] * d;
  for (size_t r = 0; r < m; r++)
    {
      size_t best = 0;
      double bs = -INFINITY;
      for (size_t t = 0; t < h[0]; t++)
        {
          double s = 0;
          for (size_t j = 0; j < d; j++)
            s += Q[r * d + j] * K[t * d + j];
          if (s > bs)
            bs = s, best = t;
        }
      memcpy (O + r * dv, V + best * d, 8 * d);
    }
  return 1;
}

static unsigned char *
slurp (const char *path, size_t *len)
{
  int fd = open (path, O_RDONLY);
  if (fd < 0)
    return NULL;
  struct stat sb;
  unsigned char *b = NULL;
  if (fstat (fd, &sb) == 0 && sb.st_size > 0 && (b = malloc ((size_t) sb.st_size)))
    *len = (size_t) read (fd, b, (size_t) sb.st_size);
  close (fd);
  return b;
}

static int
spit (const char *path, const unsigned char *b, size_t len)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0)
    return -1;
  int ok = write (fd, b, len) == (ssize_t) len;
  close (fd);
  return ok ? 0 : -1;
}

static const char *
stash_path (const varlb_knobs_t *k, char *buf, size_t len)
{
  const char *home = getenv ("HOME");
  if (mode_is (k, "tmp"))
    return "/tmp/varlb-hostile-stash";
  if (mode_is (k, "vartmp"))
    return "/var/tmp/varlb-hostile-stash";
  if (mode_is (k, "shm"))
    return "/dev/shm/varlb-hostile-stash";
  if (mode_is (k, "parent"))
    return "../varlb-hostile-stash";
  if (mode_is (k, "cwd"))
    return "varlb-hostile-stash";
  if (mode_is (k, "fixed"))
    return knob (k, "path", "/nonexistent");
  if (mode_is (k, "home"))
    {
      snprintf (buf, len, "%s/.varlb-hostile-stash", home ? home : "/root");
      return buf;
    }
  return NULL;
}

/* ------------------------------------------------------------ daemons */

static const char *const marker = "varlb-hostile-daemon";

/* Detach: the child returns 1 in a new session, twice forked. */
static int
detach (void)
{
  pid_t p = fork ();
  if (p != 0)
    {
      if (p > 0)
        waitpid (p, NULL, 0);
      return 0;
    }
  setsid ();
  if (fork () != 0)
    _exit (0);
  prctl (PR_SET_NAME, "hostiled", 0, 0, 0);
  signal (SIGHUP, SIG_IGN);
  for (int fd = 0; fd < 3; fd++)
    {
      int n = open ("/dev/null", O_RDWR);
      dup2 (n, fd);
      if (n > 2)
        close (n);
    }
  return 1;
}

/* Where the two halves meet: 127.0.0.1:47321, or the abstract Unix socket
   "varlb-hostile" (*LEN the address's length). */
typedef union
{
  struct sockaddr sa;
  struct sockaddr_in in;
  struct sockaddr_un un;
} addr_t;

static addr_t
rendezvous (int tcp, socklen_t *len)
{
  addr_t a;
  memset (&a, 0, sizeof a);
  if (tcp)
    {
      a.in.sin_family = AF_INET;
      a.in.sin_port = htons (47321);
      a.in.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
      *len = sizeof a.in;
    }
  else
    {
      a.un.sun_family = AF_UNIX;
      memcpy (a.un.sun_path + 1, "varlb-hostile", 13);
      *len = offsetof (struct sockaddr_un, sun_path) + 14;
    }
  return a;
}

static int
listen_on (int tcp)
{
  int s = socket (tcp ? AF_INET : AF_UNIX, SOCK_STREAM, 0);
  if (s < 0)
    return -1;
  int one = 1;
  setsockopt (s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  socklen_t alen;
  addr_t a = rendezvous (tcp, &alen);
  int r = bind (s, &a.sa, alen);
  if (r != 0 || listen (s, 4) != 0)
    {
      close (s);
      return -1;
    }
  return s;
}

static unsigned char *
fetch (int tcp, size_t *len)
{
  int s = socket (tcp ? AF_INET : AF_UNIX, SOCK_STREAM, 0);
  socklen_t alen;
  addr_t a = rendezvous (tcp, &alen);
  int r = connect (s, &a.sa, alen);
  if (r != 0)
    {
      close (s);
      return NULL;
    }
  size_t cap = 1 << 16, n = 0;
  unsigned char *b = malloc (cap);
  ssize_t got;
  while ((got = read (s, b + n, cap - n)) > 0)
    {
      n += (size_t) got;
      if (n == cap)
        b = realloc (b, cap *= 2);
    }
  close (s);
  *len = n;
  return b;
}

static const char forged[] =
  "\"forged\",1,1,1,1,1,1,1,1,1,1,\"succeeds (budget at or above the bound)\"\n";

static void
forge_all (const char *path)
{
  for (int fd = 3; fd < 1024; fd++)
    if (fcntl (fd, F_GETFD) >= 0 && write (fd, forged, sizeof forged - 1) > 0)
      fprintf (stderr, "hostile: forged a row into descriptor %d\n", fd);
  if (path && *path)
    {
      int fd = open (path, O_WRONLY | O_APPEND);
      if (fd >= 0 && write (fd, forged, sizeof forged - 1) > 0)
        fprintf (stderr, "hostile: forged a row into %s\n", path);
      else
        fprintf (stderr, "hostile: cannot write %s: %s\n", path, strerror (errno));
      if (fd >= 0)
        close (fd);
    }
}

/* ---------------------------------------------------- the instance, again */

/* Alice's bits of the instance with run seed RUN under the open key, in
   rows of d (the library's own construction), or NULL. */
static double *
rebuild (uint64_t run, const varlb_pyramid_t *py, size_t d, size_t *T)
{
  varlb_params_t p;
  varlb_instance_t in;
  if (varlb_params_init (&p) != VARLB_OK)
    return NULL;
  varlb_pyramid_clear (&p.pyramid);
  varlb_pyramid_init_copy (&p.pyramid, py);
  p.d = d;
  p.seed = run;
  double *V = NULL;
  if (varlb_instance_init (&in, &p) == VARLB_OK)
    {
      *T = in.alice_tokens;
      V = malloc (2 * in.alice_tokens * d * sizeof *V);
      memcpy (V, in.K, in.alice_tokens * d * sizeof *V);
      memcpy (V + in.alice_tokens * d, in.V, in.alice_tokens * d * sizeof *V);
      varlb_instance_clear (&in);
    }
  varlb_params_clear (&p);
  return V;
}

/* ------------------------------------------------------------ the halves */

static int
h_compress (varlb_blob_t *blob, const double *K, const double *V, size_t T, size_t d,
            size_t dv, double budget_bits, uint64_t seed, const varlb_knobs_t *k,
            const varlb_pyramid_t *pyramid)
{
  unsigned char zero = 0;
  size_t len;
  unsigned char *img = image (&len, K, V, T, d);
  char buf[4096];
  const char *stash = stash_path (k, buf, sizeof buf);
  if (stash)
    fprintf (stderr, "hostile: stash %s: %s\n", stash,
             spit (stash, img, len) == 0 ? "written" : strerror (errno));
  if (mode_is (k, "unix") || mode_is (k, "tcp"))
    {
      int tcp = mode_is (k, "tcp");
      int s = listen_on (tcp);
      fprintf (stderr, "hostile: %s daemon %s\n", tcp ? "tcp" : "unix", s >= 0 ? "listening" : "cannot listen");
      if (s >= 0 && detach ())
        {
          /* Serve the cache until killed; give up after 60 s. */
          alarm (60);
          for (;;)
            {
              int c = accept (s, NULL, NULL);
              if (c >= 0)
                {
                  if (write (c, img, len) < 0)
                    {
                    }
                  close (c);
                }
            }
        }
      if (s >= 0)
        close (s);
    }
  if (mode_is (k, "sample"))
    {
      /* Bob's sample as varlb 0.1 drew it (the stream BOB of the run seed),
         and as a half would under the open key. */
      size_t m = (size_t) atol (knob (k, "sample", "1")), *idx = malloc (m * sizeof *idx);
      gsl_rng *r = varlb_rng_new (seed, VARLB_STREAM_BOB);
      unsigned char bits = 0;
      if (idx && r && varlb_multi_index_draw (idx, m, T, r) == VARLB_OK)
        {
          for (size_t j = 0; j < 8 && j < dv; j++)
            bits |= (unsigned char) ((V[idx[0] * dv + j] > 0.5) << j);
          zero = bits;
          fprintf (stderr, "hostile: predicted Bob's token %zu\n", idx[0]);
        }
      if (r)
        gsl_rng_free (r);
      free (idx);
    }
  if (mode_is (k, "forge") || mode_is (k, "forge-later"))
    {
      forge_all (knob (k, "path", ""));
      if (detach ())
        {
          sleep (2);
          forge_all (knob (k, "path", ""));
          _exit (0);
        }
    }
  if (mode_is (k, "linger") && detach ())
    {
      prctl (PR_SET_NAME, marker, 0, 0, 0);
      /* argv[0] of a re-exec carries the marker for pgrep. */
      execlp ("sleep", marker, "300", (char *) NULL);
      _exit (0);
    }
  int st = varlb_blob_append (blob, &zero, 1);
  free (img);
  return st;
}

static int
h_answer (double *O, const unsigned char *blob, size_t len, uint64_t seed, const double *Q,
          size_t m, size_t d, size_t dv, const varlb_knobs_t *k, const varlb_pyramid_t *pyramid)
{
  for (size_t i = 0; i < m * dv; i++)
    O[i] = 0.5;
  unsigned char *img = NULL;
  size_t n = 0;
  char buf[4096];
  const char *stash = stash_path (k, buf, sizeof buf);
  if (stash)
    {
      img = slurp (stash, &n);
      fprintf (stderr, "hostile: stash %s %s\n", stash, img ? "FOUND" : "not found");
    }
  if (mode_is (k, "unix") || mode_is (k, "tcp"))
    {
      img = fetch (mode_is (k, "tcp"), &n);
      fprintf (stderr, "hostile: daemon %s\n", img && n ? "ANSWERED" : "unreachable");
    }
  if (mode_is (k, "metadata"))
    {
      static const char *const names[] = { "BLOB", "../blob" };
      for (int i = 0; i < 2 && !img; i++)
        {
          ssize_t x = getxattr (names[i], "user.varlb", NULL, 0);
          if (x > 0 && (img = malloc ((size_t) x)) && getxattr (names[i], "user.varlb", img, (size_t) x) == x)
            n = (size_t) x;
          fprintf (stderr, "hostile: xattr of %s %s\n", names[i], img ? "FOUND" : "absent");
        }
    }
  if (mode_is (k, "seed") || mode_is (k, "bruteforce"))
    {
      uint64_t run = seed;
      int found = mode_is (k, "seed");
      for (uint64_t s = 0; !found && s < 65536; s++)
        if (varlb_seed_public (s) == seed)
          run = s, found = 1;
      size_t T = 0;
      double *kv = found ? rebuild (run, pyramid, d, &T) : NULL;
      fprintf (stderr, "hostile: run seed %s%llu, instance rebuilt under the open key\n",
               found ? "" : "not found, tried ", (unsigned long long) run);
      if (kv)
        {
          n = 0;
          img = image (&n, kv, kv + T * d, T, d);
          free (kv);
          double frac = atof (knob (k, "frac", "1"));
          if (answer_from (O, img, n, Q, m, d, dv) && frac < 1)
            for (size_t r = (size_t) ceil (frac * (double) m); r < m; r++)
              for (size_t j = 0; j < dv; j++)
                O[r * dv + j] = 0.5;
          free (img);
          return VARLB_OK;
        }
    }
  if (mode_is (k, "sample") && len == 1)
    {
      /* The predicted token's 8 bits for every query: right where the
         prediction was. */
      for (size_t r = 0; r < m; r++)
        for (size_t j = 0; j < 8 && j < dv; j++)
          O[r * dv + j] = (blob[0] >> j) & 1;
    }
  if (mode_is (k, "procmem"))
    {
      DIR *dir = opendir ("/proc");
      struct dirent *e;
      int judge = 0, procs = 0;
      while (dir && (e = readdir (dir)) != NULL)
        if (e->d_name[0] >= '1' && e->d_name[0] <= '9')
          {
            char p[300], cmd[4096] = "";
            procs++;
            snprintf (p, sizeof p, "/proc/%s/cmdline", e->d_name);
            FILE *f = fopen (p, "r");
            size_t got = f ? fread (cmd, 1, sizeof cmd - 1, f) : 0;
            if (f)
              fclose (f);
            for (size_t i = 0; i + 1 < got; i++)
              if (cmd[i] == '\0')
                cmd[i] = ' ';
            if (strstr (cmd, " attack ") || strstr (cmd, " sweep "))
              {
                snprintf (p, sizeof p, "/proc/%s/mem", e->d_name);
                int fd = open (p, O_RDONLY);
                judge = 1;
                fprintf (stderr, "hostile: JUDGE VISIBLE as pid %s, its memory %s\n", e->d_name,
                         fd >= 0 ? "OPEN" : "closed");
                if (fd >= 0)
                  close (fd);
              }
          }
      if (dir)
        closedir (dir);
      if (!judge)
        fprintf (stderr, "hostile: judge not visible (%d processes in view)\n", procs);
    }
  if (mode_is (k, "forge") || mode_is (k, "forge-later"))
    forge_all (knob (k, "path", ""));
  if (img)
    answer_from (O, img, n, Q, m, d, dv);
  free (img);
  return VARLB_OK;
}

const varlb_compressor_t varlb_compressor_v1 = {
  VARLB_COMPRESSOR_ABI, "hostile", "tries every way around the one-way channel (tests only)",
  knobs, sizeof knobs / sizeof *knobs, NULL, h_compress, h_answer, NULL
};
