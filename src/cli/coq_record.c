/* coq_record.c -- `varlb prove`'s report of the Coq development: the record
 * proofs/coq/checked that `make proofs` / `make check` write in the build
 * tree (coq.mk) once every .v file compiled and every theorem's Print
 * Assumptions passed.  It is not installed; an installed varlb reads the
 * build tree's record while it exists, VARLB_COQ_RECORD names another. */
#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "coq_record.h"
#include "varlb-coq.h"

/* Strip the line end. */
static void
chomp (char *s)
{
  s[strcspn (s, "\r\n")] = '\0';
}

void
cli_coq_record_read (cli_coq_record_t *r)
{
  memset (r, 0, sizeof *r);
  r->configured = VARLB_COQ_CONFIGURED;
  const char *env = getenv ("VARLB_COQ_RECORD");
  snprintf (r->path, sizeof r->path, "%s", env && *env ? env : VARLB_COQ_RECORD);
  FILE *f = fopen (r->path, "r");
  if (f == NULL)
    {
      if (r->configured)
        snprintf (r->why, sizeof r->why, "no record at %s ('make proofs' or 'make check' "
                  "in the build tree writes it)", r->path);
      else
        snprintf (r->why, sizeof r->why, "configure found no coqc with Coquelicot, Interval "
                  "and MathComp (./install-deps installs them), so no record at %s", r->path);
      return;
    }
  char line[1024], sources[256] = "";
  int header = 0, result = 0;
  while (fgets (line, sizeof line, f))
    {
      chomp (line);
      if (strcmp (line, "varlb Coq record 1") == 0)
        header = 1;
      else if (strncmp (line, "sources ", 8) == 0)
        snprintf (sources, sizeof sources, "%.255s", line + 8);
      else if (strncmp (line, "coqc ", 5) == 0)
        snprintf (r->coqc, sizeof r->coqc, "%.63s", line + 5);
      else if (strncmp (line, "theorems ", 9) == 0)
        r->theorems = strtoul (line + 9, NULL, 10);
      else if (strcmp (line, "result checked") == 0)
        result = 1;
    }
  fclose (f);
  if (!header || !result || r->theorems == 0 || !*r->coqc)
    snprintf (r->why, sizeof r->why, "the record %s is incomplete", r->path);
  else if (strcmp (sources, VARLB_COQ_SOURCES) != 0)
    snprintf (r->why, sizeof r->why, "the record %s is for other sources (cksum %s, this "
              "build's %s): run 'make proofs'", r->path, sources, VARLB_COQ_SOURCES);
  else
    {
      r->checked = 1;
      snprintf (r->why, sizeof r->why, "coqc %s checked %lu theorems of proofs/coq/ "
                "(record %s)", r->coqc, r->theorems, r->path);
    }
}
