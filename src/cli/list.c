/* list.c -- `varlb list`: every built-in compressor (one head's, then the
 * whole-model allocators) with its knobs and, for a library built-in, the
 * exact calls it makes; `varlb list plugin:PATH.so`: a plug-in's own
 * description, from a sandboxed probe.  Runs no trial. */
#define _GNU_SOURCE 1 /* asprintf */
#include <config.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

/* C's name (with NOTE after it), description and knobs, the knob names as
   wide as its longest (kvpress's run long), at least 12. */
static void
list_compressor (const varlb_compressor_t *c, const char *note)
{
  static const char *const type[] = { "int", "number", "text" };
  printf ("%s%s\n    %s\n", c->name, note, c->description);
  int w = 12;
  for (size_t k = 0; k < c->n_knobs; k++)
    if ((int) strlen (c->knobs[k].name) > w)
      w = (int) strlen (c->knobs[k].name);
  for (size_t k = 0; k < c->n_knobs; k++)
    {
      const varlb_knob_t *kn = &c->knobs[k];
      printf ("    %-*s %-6s default %-8s ", w, kn->name, type[kn->type], kn->def);
      if (kn->type != VARLB_KNOB_STRING)
        printf ("[%g, %g] ", kn->min, kn->max);
      printf ("%s\n", kn->help);
    }
}

/* `varlb list plugin:PATH.so`: the plug-in's self-description from a
   sandboxed probe. */
static int
list_plugin (const char *spec)
{
  varlb_channel_opts_t o;
  varlb_channel_opts_init (&o);
  if (cli_channel_finish ("list", &o, NULL) != 0)
    return CLI_EXIT_FAIL;
  char why[512], *report = NULL, *full = realpath (spec + 7, NULL), *canon = NULL;
  int rc = CLI_EXIT_USAGE;
  if (full == NULL)
    cli_error ("list", "%s: %s", spec + 7, strerror (errno));
  else if (asprintf (&canon, "plugin:%s", full) < 0)
    rc = CLI_EXIT_FAIL;
  else if (varlb_spec_probe (&report, canon, &o, why, sizeof why) != VARLB_OK)
    cli_error ("list", "%s", why);
  else
    {
      /* "key\tvalue" lines: name, description, knob (6 fields), check. */
      for (char *line = strtok (report, "\n"); line; line = strtok (NULL, "\n"))
        {
          char *tab = strchr (line, '\t');
          if (!tab)
            continue;
          *tab = '\0';
          if (strcmp (line, "name") == 0)
            printf ("%s (plug-in %s)\n", tab + 1, full);
          else if (strcmp (line, "description") == 0)
            printf ("    %s\n", tab + 1);
          else if (strcmp (line, "knob") == 0)
            {
              char *f[6] = { tab + 1 };
              for (int i = 1; i < 6 && f[i - 1]; i++)
                if ((f[i] = strchr (f[i - 1], '\t')) != NULL)
                  *f[i]++ = '\0';
              if (f[5])
                printf ("    %-12s %-6s default %-8s [%s, %s] %s\n", f[0], f[1], f[2], f[3], f[4], f[5]);
            }
          else if (strcmp (line, "check") == 0 && strcmp (tab + 1, "ok") != 0)
            printf ("    (its default knobs are refused: %s)\n", tab + 1);
        }
      rc = 0;
    }
  free (report);
  free (canon);
  free (full);
  cli_channel_clear (&o);
  return rc;
}

int
cli_list (int argc, char **argv)
{
  if (argc > 1)
    {
      if (strcmp (argv[1], "--help") == 0)
        {
          cli_print_help ("list", stdout);
          return 0;
        }
      if (argc == 2 && strncmp (argv[1], "plugin:", 7) == 0)
        return list_plugin (argv[1]);
      cli_error ("list", "unexpected argument '%s'", argv[1]);
      return CLI_EXIT_USAGE;
    }
  for (size_t i = 0; i < varlb_compressor_count (); i++)
    {
      const varlb_compressor_t *c = varlb_compressor_at (i);
      list_compressor (c, "");
      /* A library built-in's exact calls, so they can be reproduced. */
      const char *set = varlb_compressor_settings (c), *ver = varlb_compressor_provenance (c);
      if (set)
        printf ("    settings (%s):\n", ver ? ver : "library");
      for (const char *p = set; p && *p;)
        {
          size_t n = strcspn (p, "\n");
          printf ("      %.*s\n", (int) n, p);
          p += n + (p[n] == '\n');
        }
    }
  for (size_t i = 0; i < varlb_model_compressor_count (); i++)
    list_compressor (&varlb_model_compressor_at (i)->base,
                     " (whole models only: --model or --layers/--heads)");
  printf ("plugin:PATH.so[:k=v,...]\n    a C shared object exporting %s (see varlb.h)\n"
          "exec:COMMAND\n    an external program speaking the file protocol (see README)\n",
          VARLB_COMPRESSOR_SYMBOL);
  return 0;
}
