/* model_released.c -- VAR's released models on the command line: a named
 * model runs at the image size it was released at unless a schedule is
 * given; any other schedule gets a note saying whose shape on what it is
 * (the 1024px one is VAR-derived: no VAR model was released at it). */
#include <config.h>
#include <string.h>
#include "cli.h"
#include "model.h"

/* Whether SCHED is preset PX's schedule. */
static int
is_preset (const varlb_pyramid_t *sched, int px)
{
  varlb_pyramid_t p;
  char a[1024], b[1024];
  if (varlb_pyramid_init_preset (&p, px) != VARLB_OK)
    return 0;
  varlb_pyramid_format (&p, a, sizeof a);
  varlb_pyramid_format (sched, b, sizeof b);
  varlb_pyramid_clear (&p);
  return strcmp (a, b) == 0;
}

const char *
cli_model_release (char *buf, size_t len, const char *name, const varlb_pyramid_t *sched)
{
  int px = 0, saln = 0;
  size_t depth = 0;
  if (varlb_model_named_info (&depth, &px, &saln, name) != VARLB_OK)
    return NULL;
  if (is_preset (sched, px))
    snprintf (buf, len, "released (VAR's %dpx %s%s)", px, name + 4,
              saln ? ", shared AdaLN" : "");
  else if (is_preset (sched, 1024))
    snprintf (buf, len, "not released: VAR-derived 1024px schedule (HART's; VAR's --pn 1024), "
              "%s's shape", name + 4);
  else
    snprintf (buf, len, "not released: %s's shape (released at %dpx) on another schedule",
              name + 4, px);
  return buf;
}

int
cli_model_named_params (const char *cmd, varlb_params_t *p, const char *name)
{
  int px = 0;
  size_t depth = 0;
  if (varlb_model_named_info (&depth, &px, NULL, name) != VARLB_OK)
    return 0;
  if (!cli_schedule_given)
    {
      varlb_pyramid_t py;
      if (varlb_pyramid_init_preset (&py, px) != VARLB_OK)
        return -1;
      varlb_pyramid_clear (&p->pyramid);
      p->pyramid = py;
      return 0;
    }
  if (is_preset (&p->pyramid, px))
    return 0;
  /* Once per model and run: a sweep builds each model many times. */
  static char noted[8][32];
  for (size_t i = 0; i < 8; i++)
    if (strcmp (noted[i], name) == 0)
      return 0;
    else if (noted[i][0] == '\0')
      {
        snprintf (noted[i], sizeof noted[i], "%s", name);
        break;
      }
  char sched[1024];
  varlb_pyramid_format (&p->pyramid, sched, sizeof sched);
  if (is_preset (&p->pyramid, 1024))
    fprintf (stderr, "varlb: %s: note: no VAR model was released at 1024px: its schedule "
             "%s is VAR-derived (the VAR repository's --pn 1024, which HART's 1024px model "
             "runs on); this is %s's shape (%zu layers x %zu heads, head dimension 64) on it\n",
             cmd, sched, name, depth, depth);
  else
    fprintf (stderr, "varlb: %s: note: %s was released at %dpx only: this is its shape (%zu "
             "layers x %zu heads, head dimension 64) on schedule %s\n", cmd, name, px, depth,
             depth, sched);
  return 0;
}
