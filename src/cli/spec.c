/* spec.c -- the CLI's side of compressor specs: one error line naming the
 * nearest compressor when a name looks like a typo, and a note saying
 * which files an exec:/serve: command names once relative ones are made
 * absolute (the halves see them read-only). */
#include <config.h>
#include <string.h>
#include "cli.h"

/* Every name --compressor accepts, per head and whole model. */
static size_t
compressor_names (const char **names, size_t cap)
{
  size_t n = 0;
  for (size_t i = 0; i < varlb_compressor_count () && n < cap; i++)
    names[n++] = varlb_compressor_at (i)->name;
  for (size_t i = 0; i < varlb_model_compressor_count () && n < cap; i++)
    names[n++] = varlb_model_compressor_at (i)->base.name;
  return n;
}

void
cli_spec_error (const char *cmd, const char *opt, const char *spec, const char *why, int model)
{
  char name[128];
  size_t k = strcspn (spec, ":");
  snprintf (name, sizeof name, "%.*s", (int) (k < sizeof name ? k : sizeof name - 1), spec);
  const char *names[256];
  size_t n = compressor_names (names, 256);
  const char *near = strncmp (why, "unknown compressor", 18) == 0 ? cli_nearest (name, names, n)
                                                                    : NULL;
  int whole = 0;
  for (size_t i = 0; i < varlb_model_compressor_count (); i++)
    whole |= strcmp (varlb_model_compressor_at (i)->base.name, name) == 0;
  if (whole && !model)
    cli_error (cmd, "%s: '%s' spreads one budget over a whole model's layers and heads: add "
               "--model M (see 'varlb help model')", opt, name);
  else if (near)
    cli_error (cmd, "%s: %s; did you mean '%s'?", opt, why, near);
  else
    cli_error (cmd, "%s: %s", opt, why);
}

void
cli_spec_note (const char *cmd, const varlb_spec_t *s)
{
  if (s->kind != VARLB_SPEC_EXEC && s->kind != VARLB_SPEC_SERVE)
    return;
  const char *typed = strchr (s->text, ':') + 1;
  if (strcmp (typed, s->path) != 0)
    fprintf (stderr, "varlb: %s: note: %s runs '%s': files named relative to the current "
             "directory, made absolute; the halves see them read-only\n", cmd,
             s->text, s->path);
}
