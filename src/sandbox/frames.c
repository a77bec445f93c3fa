/* frames.c -- the report a half's wrapper sends back, read on the host
 * side (src/sandbox/frames.h): the status of its command, a serve: worker's
 * reply line, and each collected file, turned into a varlb_half_result_t
 * with one-line reasons.  The writer is inside.c; this file only reads,
 * never trusting a length or a name it did not ask for. */
#define _GNU_SOURCE 1 /* strsignal */
#include <config.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "frames.h"
#include "io.h"

/* The wrapper's report, written to descriptor 3 after its command ends:
     VARLBH1\n
     status exit CODE\n | status signal SIG\n | status noexec ERRNO\n
     file NAME STATE SIZE\n [SIZE bytes when STATE is 0]      (per name)
     end\n
   Only the wrapper (varlb's own code) writes it; the half's processes
   cannot reach the descriptor (closed in the command, and the wrapper is
   not dumpable, so /proc/PID/fd is closed to them). */

static void
signal_text (char *why, size_t len, const char *label, int sig)
{
  snprintf (why, len, "%s: crashed (signal %d, %s)", label, sig, strsignal (sig));
}

static void
exit_text (char *why, size_t len, const char *label, int code, int shell)
{
  /* An external program runs under /bin/sh, which reports a child killed
     by signal S as status 128 + S, and 127/126 for a command it could not
     find or run. */
  if (shell && code > 128 && code < 128 + NSIG)
    snprintf (why, len, "%s: exited with status %d (crashed: signal %d, %s)", label, code,
              code - 128, strsignal (code - 128));
  else if (shell && (code == 127 || code == 126))
    snprintf (why, len, "%s: exited with status %d (the shell %s)", label, code,
              code == 127 ? "found no such command" : "could not execute the command");
  else
    snprintf (why, len, "%s: exited with status %d", label, code);
}

void
varlb__frames_parse (varlb_half_result_t *r, const varlb_half_spec_t *h, const unsigned char *d,
              size_t n, unsigned long long limit)
{
  char buf[512], name[256];
  size_t pos = 0;
  int shell = h->argv[0] && strcmp (h->argv[0], "/bin/sh") == 0;
  if (varlb__next_line (d, n, &pos, buf, sizeof buf) == NULL || strcmp (buf, "VARLBH1") != 0)
    {
      r->status = VARLB_ECOMPRESSOR;
      snprintf (r->why, sizeof r->why, "%s: the half ended without a report (killed from "
                "inside, or out of memory)", h->label);
      return;
    }
  int code;
  if (varlb__next_line (d, n, &pos, buf, sizeof buf) == NULL)
    code = -1, buf[0] = '\0';
  if (sscanf (buf, "status exit %d", &code) == 1)
    {
      if (code != 0)
        {
          r->status = VARLB_ECOMPRESSOR;
          exit_text (r->why, sizeof r->why, h->label, code, shell);
        }
    }
  else if (sscanf (buf, "status signal %d", &code) == 1)
    {
      r->status = VARLB_ECOMPRESSOR;
      if (code == SIGXFSZ)
        snprintf (r->why, sizeof r->why, "%s: wrote a file past the limit of %llu bytes "
                  "(signal %d, %s)", h->label, limit, code, strsignal (code));
      else if (code == SIGXCPU)
        snprintf (r->why, sizeof r->why, "%s: used up its CPU time (signal %d, %s)", h->label,
                  code, strsignal (code));
      else
        signal_text (r->why, sizeof r->why, h->label, code);
    }
  else if (sscanf (buf, "status noexec %d", &code) == 1)
    {
      r->status = VARLB_ECOMPRESSOR;
      snprintf (r->why, sizeof r->why, "%s: cannot run %s: %s", h->label, h->argv[0],
                strerror (code));
    }
  else
    {
      r->status = VARLB_ECOMPRESSOR;
      snprintf (r->why, sizeof r->why, "%s: malformed report from the half", h->label);
      return;
    }
  /* A persistent worker's reply line, when it gave one. */
  size_t save = pos;
  unsigned long long rl;
  if (varlb__next_line (d, n, &pos, buf, sizeof buf) && sscanf (buf, "reply %llu", &rl) == 1
      && rl <= n - pos)
    {
      r->reply = malloc (rl + 1);
      if (r->reply == NULL)
        {
          r->status = VARLB_ENOMEM;
          return;
        }
      memcpy (r->reply, d + pos, rl);
      r->reply[rl] = '\0';
      r->reply_len = (size_t) rl;
      pos += rl;
      if (pos < n && d[pos] == '\n')
        pos++;
    }
  else
    pos = save;
  for (size_t i = 0; i < h->n_out; i++)
    {
      unsigned long long size;
      int state;
      if (varlb__next_line (d, n, &pos, buf, sizeof buf) == NULL
          || sscanf (buf, "file %255s %d %llu", name, &state, &size) != 3
          || strncmp (name, h->out[i], strlen (name)) != 0
          || (h->out[i][strlen (name)] != '\0' && strcmp (h->out[i] + strlen (name), "/") != 0)
          || state < 0 || state > VARLB_HALF_FILE_NPZ)
        {
          if (r->status == VARLB_OK)
            {
              r->status = VARLB_ECOMPRESSOR;
              snprintf (r->why, sizeof r->why, "%s: malformed report from the half", h->label);
            }
          return;
        }
      r->out_state[i] = state;
      if (state != VARLB_HALF_FILE_OK)
        continue;
      if (size > limit || size > n - pos)
        {
          r->out_state[i] = VARLB_HALF_FILE_TOOBIG;
          return;
        }
      r->out[i] = malloc (size ? size : 1);
      if (r->out[i] == NULL)
        {
          r->status = VARLB_ENOMEM;
          return;
        }
      memcpy (r->out[i], d + pos, size);
      r->out_len[i] = size;
      pos += size;
    }
}
