/* grid.c -- the grid of `varlb sweep` and `varlb scaling`: instance axes
 * (schedules x d x JL families x seeds) and compressor lists whose knobs
 * contain commas, checked whole before the first trial runs; the options
 * both sweeps take (budgets, --resume, --force, --no-timing). */
#include <config.h>
#include <stdlib.h>
#include <string.h>
#include "sweep.h"

void
cli_grid_init (cli_grid_t *g)
{
  memset (g, 0, sizeof *g);
  varlb_params_init (&g->base);
}

void
cli_grid_clear (cli_grid_t *g)
{
  for (size_t i = 0; i < g->npyr; i++)
    varlb_pyramid_clear (&g->pyr[i]);
  for (size_t i = 0; i < g->nspecs; i++)
    free (g->specs[i]);
  free (g->pyr);
  free (g->dims);
  free (g->jls);
  free (g->seeds);
  free (g->specs);
  varlb_params_clear (&g->base);
  memset (g, 0, sizeof *g);
}

static int
grid_add_pyramid (cli_grid_t *g, const varlb_pyramid_t *p)
{
  varlb_pyramid_t *q = realloc (g->pyr, (g->npyr + 1) * sizeof *q);
  if (!q)
    return -1;
  g->pyr = q;
  g->pyr[g->npyr++] = *p;
  return 0;
}

static int
grid_add_spec (cli_grid_t *g, const char *text, size_t len)
{
  char **s = realloc (g->specs, (g->nspecs + 1) * sizeof *s);
  if (!s)
    return -1;
  g->specs = s;
  if (!(g->specs[g->nspecs] = strndup (text, len)))
    return -1;
  g->nspecs++;
  return 0;
}

/* Split a compressor list: pieces separated by ';' always, and by ',' unless
   the piece after the comma is a knob (k=v with no ':' before the '='),
   which continues the compressor before it. */
static int
grid_add_specs (const char *cmd, cli_grid_t *g, const char *arg)
{
  const char *start = arg, *p = arg;
  for (;; p++)
    {
      int end = *p == '\0' || *p == ';';
      if (*p == ',')
        {
          const char *q = p + 1;
          size_t name = strcspn (q, ",;:=");
          end = !(q[name] == '=');
        }
      if (!end)
        continue;
      if (p == start)
        {
          cli_error (cmd, "--compressors: empty compressor name in '%s'", arg);
          return -1;
        }
      if (grid_add_spec (g, start, (size_t) (p - start)) != 0)
        {
          cli_error (cmd, "out of memory");
          return -1;
        }
      if (*p == '\0')
        return 0;
      start = p + 1;
    }
}

int
cli_grid_option (const char *cmd, cli_grid_t *g, int opt, const char *arg)
{
  if (opt == CLI_GRID_PRESETS || opt == CLI_GRID_NS || opt == CLI_GRID_SCHEDULES)
    cli_schedule_given = 1;
  switch (opt)
    {
    case CLI_GRID_PRESETS:
    case CLI_GRID_NS:
      {
        uint64_t *v;
        size_t n;
        const char *name = opt == CLI_GRID_PRESETS ? "--presets" : "--ns";
        if (cli_parse_u64_list (cmd, name, arg, &v, &n) != 0)
          return -1;
        for (size_t i = 0; i < n; i++)
          {
            varlb_pyramid_t p;
            int st = v[i] > VARLB_PYRAMID_MAX_SIDE ? VARLB_EINVAL
                     : opt == CLI_GRID_PRESETS ? varlb_pyramid_init_preset (&p, (int) v[i])
                     : v[i] < 2 ? VARLB_EINVAL
                     : varlb_pyramid_init_geometric (&p, (unsigned) v[i]);
            if (st != VARLB_OK)
              {
                cli_error (cmd, opt == CLI_GRID_PRESETS
                           ? "%s: unknown preset %llu (expected 256, 512 or 1024)"
                           : "%s: side %llu out of range (2..4096)", name,
                           (unsigned long long) v[i]);
                free (v);
                return -1;
              }
            grid_add_pyramid (g, &p);
          }
        free (v);
        return 0;
      }
    case CLI_GRID_SCHEDULES:
      {
        size_t n = strlen (arg);
        if (n == 0 || arg[0] == ';' || arg[n - 1] == ';' || strstr (arg, ";;"))
          {
            cli_error (cmd, "--schedules: expected schedules separated by ';' without empty "
                       "ones, got '%s'", arg);
            return -1;
          }
        char *copy = strdup (arg), *save = NULL;
        for (char *s = strtok_r (copy, ";", &save); s; s = strtok_r (NULL, ";", &save))
          {
            varlb_pyramid_t p;
            if (varlb_pyramid_init_parse (&p, s) != VARLB_OK)
              {
                cli_error (cmd, "--schedules: '%s' is not a strictly increasing list of sides "
                           "(schedules are separated by ';')", s);
                free (copy);
                return -1;
              }
            grid_add_pyramid (g, &p);
          }
        free (copy);
        return 0;
      }
    case CLI_GRID_DIMS:
      {
        uint64_t *v;
        size_t n;
        if (cli_parse_u64_list (cmd, "--dims", arg, &v, &n) != 0)
          return -1;
        g->dims = realloc (g->dims, (g->ndims + n) * sizeof *g->dims);
        for (size_t i = 0; i < n; i++)
          {
            if (v[i] < 1 || v[i] > VARLB_D_MAX)
              {
                cli_error (cmd, "--dims: %llu out of range (1..%u)", (unsigned long long) v[i],
                           VARLB_D_MAX);
                free (v);
                return -1;
              }
            g->dims[g->ndims++] = (size_t) v[i];
          }
        free (v);
        return 0;
      }
    case CLI_GRID_JLS:
      {
        char *copy = strdup (arg), *save = NULL;
        for (char *s = strtok_r (copy, ",", &save); s; s = strtok_r (NULL, ",", &save))
          {
            varlb_jl_family f;
            if (varlb_jl_family_parse (&f, s) != VARLB_OK)
              {
                cli_error (cmd, "--jls: unknown JL family '%s' (expected gaussian, rademacher or achlioptas)", s);
                free (copy);
                return -1;
              }
            g->jls = realloc (g->jls, (g->njls + 1) * sizeof *g->jls);
            g->jls[g->njls++] = f;
          }
        free (copy);
        return 0;
      }
    case CLI_GRID_SEEDS:
      free (g->seeds);
      g->seeds = NULL;
      return cli_parse_u64_list (cmd, "--seeds", arg, &g->seeds, &g->nseeds) != 0 ? -1 : 0;
    case CLI_GRID_COMPRESSORS:
      return grid_add_specs (cmd, g, arg);
    case CLI_GRID_COMPRESSOR:
      if (*arg == '\0')
        {
          cli_error (cmd, "--compressor: empty specification");
          return -1;
        }
      return grid_add_spec (g, arg, strlen (arg)) != 0 ? -1 : 0;
    default:
      return cli_reduction_option (cmd, opt, arg, &g->base);
    }
}

int
cli_grid_finish (const char *cmd, cli_grid_t *g, const varlb_channel_opts_t *o)
{
  if (g->npyr == 0)
    {
      varlb_pyramid_t p;
      if (varlb_pyramid_init_copy (&p, &g->base.pyramid) != VARLB_OK
          || grid_add_pyramid (g, &p) != 0)
        return -1;
    }
  if (g->ndims == 0)
    {
      g->dims = malloc (sizeof *g->dims);
      g->dims[g->ndims++] = g->base.d;
    }
  if (g->njls == 0)
    {
      g->jls = malloc (sizeof *g->jls);
      g->jls[g->njls++] = g->base.jl;
    }
  if (g->nseeds == 0)
    {
      g->seeds = malloc (sizeof *g->seeds);
      g->seeds[g->nseeds++] = g->base.seed;
    }
  if (g->nspecs == 0)
    {
      cli_error (cmd, "no compressor: give --compressors A,B,... or --compressor SPEC");
      return -1;
    }
  /* Every instance's parameters must be valid before the first trial runs:
     a sweep that stops half-way over a typo wastes the machine. */
  for (size_t i = 0; i < cli_grid_instances (g); i += g->nseeds)
    {
      varlb_params_t p;
      char why[256];
      if (cli_grid_params (&p, g, i) != VARLB_OK)
        return -1;
      int st = varlb_params_check (&p, why, sizeof why);
      if (st != VARLB_OK)
        {
          char sched[512];
          varlb_pyramid_format (&p.pyramid, sched, sizeof sched);
          cli_error (cmd, "schedule %s, d = %zu: %s", sched, p.d, why);
          varlb_params_clear (&p);
          return -1;
        }
      varlb_params_clear (&p);
    }
  for (size_t i = 0; i < g->nspecs; i++)
    {
      varlb_spec_t s;
      char why[512] = "";
      int st = varlb_spec_init_opts (&s, g->specs[i], o, why, sizeof why);
      if (st == VARLB_OK)
        cli_spec_note (cmd, &s);
      varlb_spec_clear (&s);
      if (st != VARLB_OK)
        {
          cli_spec_error (cmd, "--compressors", g->specs[i], why[0] ? why : varlb_strerror (st),
                          0);
          return -1;
        }
    }
  return 0;
}

size_t
cli_grid_instances (const cli_grid_t *g)
{
  return g->npyr * g->ndims * g->njls * g->nseeds;
}

/* Instance I: schedule slowest, then d, JL family, seed fastest. */
int
cli_grid_params (varlb_params_t *p, const cli_grid_t *g, size_t i)
{
  size_t s = i % g->nseeds;
  i /= g->nseeds;
  size_t j = i % g->njls;
  i /= g->njls;
  size_t d = i % g->ndims;
  i /= g->ndims;
  int st = varlb_params_copy (p, &g->base);
  if (st != VARLB_OK)
    return st;
  varlb_pyramid_clear (&p->pyramid);
  st = varlb_pyramid_init_copy (&p->pyramid, &g->pyr[i]);
  p->d = g->dims[d];
  p->jl = g->jls[j];
  p->seed = g->seeds[s];
  return st;
}

size_t
cli_grid_bits (const cli_grid_t *g, size_t i)
{
  size_t d = g->dims[(i / g->nseeds / g->njls) % g->ndims];
  const varlb_pyramid_t *p = &g->pyr[i / g->nseeds / g->njls / g->ndims];
  return varlb_pyramid_prefix (p, p->scales - 1) * d;
}

int
cli_sweep_option (const char *cmd, int opt, const char *arg, cli_sweep_opts_t *s)
{
  switch (opt)
    {
    case CLI_SWEEP_BUDGETS:
    case CLI_SWEEP_RATIOS:
      if (s->ratios >= 0)
        {
          cli_error (cmd, "give either --budgets or --ratios, once");
          return -1;
        }
      s->ratios = opt == CLI_SWEEP_RATIOS;
      return cli_parse_list (cmd, s->ratios ? "--ratios" : "--budgets", arg,
                             s->ratios ? cli_parse_double : cli_parse_budget, 0,
                             s->ratios ? 1e6 : 1e18, &s->budgets, &s->nbudgets);
    case CLI_SWEEP_RESUME:
      s->resume = 1;
      return 0;
    case CLI_SWEEP_FORCE:
      s->force = 1;
      return 0;
    case CLI_SWEEP_NO_TIMING:
      s->no_timing = 1;
      return 0;
    default:
      return 1;
    }
}
