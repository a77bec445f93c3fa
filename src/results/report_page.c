/* report_page.c -- varlb report's page from top to bottom: the head with
 * its embedded style and script, the banners that say what is wrong with
 * the inputs, the instance and the bound in words and numbers (README,
 * Notation: N = N_A d hidden bits; the Fano frontier), the charts, the
 * leaderboard and cards (report_board.c), and how to reproduce it all. */
#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"
#include "report-assets.h"

void
report_escn (FILE *o, const char *s, size_t n)
{
  for (size_t i = 0; i < n && s[i]; i++)
    switch (s[i])
      {
      case '&': fputs ("&amp;", o); break;
      case '<': fputs ("&lt;", o); break;
      case '>': fputs ("&gt;", o); break;
      case '"': fputs ("&quot;", o); break;
      case '\'': fputs ("&#39;", o); break;
      case '\n': fputs ("&#10;", o); break;
      default: fputc (s[i], o);
      }
}

void
report_esc (FILE *o, const char *s)
{
  report_escn (o, s, (size_t) -1);
}

const char *
report_fmt (char *buf, size_t len, double v, int digits)
{
  if (!isfinite (v))
    snprintf (buf, len, "\u2013");
  else if (digits < 0)
    snprintf (buf, len, "%.*f", -digits, v);
  else
    snprintf (buf, len, "%.*g", digits, v);
  return buf;
}

/* A whole number with thin spaces between thousands: 27 136. */
static const char *
grouped (char *buf, size_t len, double v)
{
  char raw[64];
  if (!isfinite (v) || fabs (v) >= 1e18)
    return report_fmt (buf, len, v, 6);
  snprintf (raw, sizeof raw, "%.0f", v);
  size_t n = strlen (raw), k = 0, lead = raw[0] == '-';
  for (size_t i = 0; i < n && k + 4 < len; i++)
    {
      if (i > lead && (n - i) % 3 == 0)
        buf[k++] = (char) 0xe2, buf[k++] = (char) 0x80, buf[k++] = (char) 0x89;
      buf[k++] = raw[i];
    }
  buf[k] = '\0';
  return buf;
}

static void
fact (FILE *o, const char *value, const char *what)
{
  fprintf (o, "<div class=\"fact\"><b>%s</b><span>%s</span></div>\n", value, what);
}

/* The bound for instance IN (a head is a 1 x 1 model) at accuracy A. */
static int
inst_bound (varlb_model_bound_t *b, const report_inst_t *in, double a)
{
  varlb_params_t p;
  varlb_model_t m;
  int st = varlb_params_init (&p);
  if (st != VARLB_OK)
    return st;
  varlb_pyramid_clear (&p.pyramid);
  st = varlb_pyramid_init_parse (&p.pyramid, in->schedule);
  p.d = in->d;
  if (st == VARLB_OK && (st = varlb_model_init (&m, &p, in->layers, in->heads)) == VARLB_OK)
    {
      st = varlb_model_bound (b, &m, a);
      varlb_model_clear (&m);
    }
  varlb_params_clear (&p);
  return st;
}

/* Section 1 for one instance. */
static void
instance (FILE *o, const report_t *r, size_t i)
{
  const report_inst_t *in = &r->inst[i];
  char a[96], b[96], lab[1024];
  int model = in->layers * in->heads > 1;
  if (r->ninst > 1)
    {
      report_inst_label (lab, sizeof lab, in);
      fputs ("<h3>", o);
      report_esc (o, lab);
      fputs ("</h3>\n", o);
    }
  if (!in->consistent)
    {
      fputs ("<p class=\"banner bad\">The rows' N does not match their schedule and d "
             "(N = layers &times; heads &times; N<sub>A</sub> &times; d): the numbers below are "
             "the rows' own.</p>\n", o);
    }
  fputs ("<div class=\"facts\">\n<div class=\"fact\"><b class=\"spec\">", o);
  report_esc (o, in->schedule);
  fprintf (o, "</b><span>the schedule: the side of each of VAR's K = %zu scales</span></div>\n",
           in->K);
  snprintf (a, sizeof a, "%zu", in->n);
  fact (o, a, "n: side of the last scale; Bob's n&sup2; query tokens");
  fact (o, grouped (a, sizeof a, (double) in->NA), "N<sub>A</sub>: Alice's tokens, every scale but the last");
  fact (o, grouped (a, sizeof a, (double) in->T), "T: tokens in the cache, N<sub>A</sub> + n&sup2;");
  snprintf (a, sizeof a, "%zu", in->d);
  fact (o, a, "d: key/value dimension");
  fact (o, grouped (a, sizeof a, (double) in->NA * in->d),
        "N = N<sub>A</sub> d: hidden bits per head");
  fact (o, report_fmt (a, sizeof a, in->C, 4), "C: query scale");
  snprintf (b, sizeof b, "%s %s keys, %s values", in->jl, in->keys, in->values);
  fprintf (o, "<div class=\"fact\"><b>");
  report_esc (o, in->jl);
  fprintf (o, "</b><span>Johnson&ndash;Lindenstrauss keys (");
  report_esc (o, in->keys);
  fputs ("), values ", o);
  report_esc (o, in->values);
  fputs ("</span></div>\n", o);
  if (model)
    {
      snprintf (a, sizeof a, "%zu &times; %zu", in->layers, in->heads);
      fact (o, a, "layers &times; heads, one instance each");
      fact (o, grouped (b, sizeof b, (double) in->N), "N<sub>total</sub>: hidden bits of the model");
    }
  fputs ("</div>\n", o);
  varlb_model_bound_t bd, part;
  if (in->K < 2 || inst_bound (&bd, in, 1.0) != VARLB_OK)
    return;
  char c[96], d[96], e[96], f[96];
  fprintf (o, "<p class=\"bound\">To let Bob recover every one of the %s hidden bits%s, any cache "
           "must keep at least <strong>%s bits</strong> (%s bytes). The fp16 cache (K and V, %s "
           "tokens &times; d = %zu%s) holds %s bits: <strong>%s&times;</strong> the bound.</p>\n",
           grouped (a, sizeof a, (double) bd.N_total), model ? " of the whole model" : "",
           grouped (b, sizeof b, bd.bits), grouped (c, sizeof c, bd.bytes),
           grouped (d, sizeof d, (double) bd.T), in->d, model ? ", every layer and head" : "",
           grouped (e, sizeof e, 8 * bd.cache_fp16_bytes), report_fmt (f, sizeof f, bd.ratio, 4));
  fputs ("<table><thead><tr><th>Bob decodes on average</th><th>the cache needs at least "
         "(Fano: N(1 &minus; H<sub>2</sub>(1 &minus; p)))</th></tr></thead><tbody>\n", o);
  static const double acc[] = { 1.0, 0.99, 0.9, 0.75, 0.6 };
  for (size_t k = 0; k < sizeof acc / sizeof *acc; k++)
    if (inst_bound (&part, in, acc[k]) == VARLB_OK)
      fprintf (o, "<tr><td class=\"n\">%g%%</td><td class=\"n\">%s bits = %s N</td></tr>\n",
               100 * acc[k], grouped (a, sizeof a, part.bits),
               report_fmt (b, sizeof b, part.bits / (double) part.N_total, 3));
  fputs ("</tbody></table>\n", o);
}

/* What is wrong with the inputs, above everything else. */
static void
banners (FILE *o, const report_t *r)
{
  if (r->disagree || r->rejected)
    {
      fprintf (o, "<div class=\"banner bad\" id=\"tampered\"><p><strong>%zu row%s of the input "
               "state%s what %s own counts do not give</strong> (a tampered file, or one written "
               "by a faulty or older varlb).", r->disagree, r->disagree == 1 ? "" : "s",
               r->disagree == 1 ? "s" : "", r->disagree == 1 ? "its" : "their");
      if (r->rejected)
        fprintf (o, " %zu of them cannot be judged at all (counts that do not hold together): "
                 "%s out of the charts and the leaderboard.", r->rejected,
                 r->rejected == 1 ? "it is" : "they are");
      fputs (" This page shows every verdict and accuracy recomputed from the counts, never the "
             "text a row states; the rows are marked in <a href=\"#rows\">the rows table</a>."
             "</p></div>\n", o);
    }
  if (r->sig_failed)
    fprintf (o, "<div class=\"banner bad\" id=\"signatures\"><p><strong>%zu row%s signed under "
             "this judge key fail%s the check</strong>: %s MAC or a figure it states is not what "
             "was signed (edited after it was written). Its numbers here are recomputed from "
             "its counts; section 5 names the first.</p></div>\n", r->sig_failed,
             r->sig_failed == 1 ? "" : "s", r->sig_failed == 1 ? "s" : "",
             r->sig_failed == 1 ? "its" : "each one's");
  if (r->pool_holm)
    fprintf (o, "<div class=\"banner bad\" id=\"pooled\"><p><strong>%zu group%s of rows pooled "
             "over seeds beat%s the Fano ceiling beyond chance</strong> (IMPOSSIBLE after Holm's "
             "correction over the page's rows and %zu pooled groups): rows each within chance "
             "of their ceiling, together too far above it. See the leaderboard.</p></div>\n",
             r->pool_holm, r->pool_holm == 1 ? "" : "s", r->pool_holm == 1 ? "s" : "", r->pooled);
  if (r->holm)
    fprintf (o, "<div class=\"banner bad\"><p><strong>%zu row%s beat%s the Fano ceiling beyond "
             "chance</strong> (IMPOSSIBLE after Holm's correction over the page's %zu judged rows "
             "and %zu pooled groups): a side channel, or bits miscounted. See the leaderboard."
             "</p></div>\n", r->holm, r->holm == 1 ? "" : "s", r->holm == 1 ? "s" : "", r->judged,
             r->pooled);
  if (r->failed)
    fprintf (o, "<div class=\"banner note\"><p>%zu trial%s failed (the compressor crashed, timed "
             "out or answered badly): %s no accuracy and %s listed with %s error.</p></div>\n",
             r->failed, r->failed == 1 ? "" : "s", r->failed == 1 ? "it has" : "they have",
             r->failed == 1 ? "is" : "are", r->failed == 1 ? "its" : "their");
  if (r->aggregate)
    fprintf (o, "<div class=\"banner note\"><p>%zu rows: the chart shows one point per compressor "
             "and budget (the mean of its rows), and the full data are files beside this page "
             "(section 5).</p></div>\n", r->nrows);
}

/* The distinct values of column NAME of F's rows, at most MAX, each with
   its count when COUNTS, separated by SEP. */
static void
distinct (FILE *o, const report_file_t *f, const char *name, size_t max, int counts,
          const char *sep)
{
  const varlb__csv_t *t = &f->t;
  long c = varlb__csv_col (t, name);
  const char **seen = malloc ((max + 1) * sizeof *seen);
  size_t *count = calloc (max + 1, sizeof *count), n = 0, more = 0;
  if (c < 0 || !seen || !count)
    {
      fputs (c < 0 ? "(not recorded)" : "", o);
      free (seen), free (count);
      return;
    }
  for (size_t r = 0; r < t->rows; r++)
    {
      const char *v = varlb__csv_get (t, r, c);
      size_t i = 0;
      while (i < n && strcmp (seen[i], v) != 0)
        i++;
      if (i < n)
        count[i]++;
      else if (n < max)
        seen[n] = v, count[n++] = 1;
      else
        more++;
    }
  for (size_t i = 0; i < n; i++)
    {
      fputs (i ? sep : "", o);
      report_esc (o, seen[i][0] ? seen[i] : "(empty)");
      if (counts)
        fprintf (o, " (%zu row%s)", count[i], count[i] == 1 ? "" : "s");
    }
  if (more)
    fprintf (o, "%sand %zu more rows", sep, more);
  free (seen), free (count);
}

/* Append the distinct values of column NAME to the command as OPT LIST
   (joined by SEP), or one OPT VALUE per value when EACH; nothing when the
   column is absent.  Their count (CMD NULL: only counted). */
static size_t
grid_option (char **cmd, size_t *len, const report_file_t *f, const char *name, const char *opt,
             char sep, int each)
{
  const varlb__csv_t *t = &f->t;
  long c = varlb__csv_col (t, name);
  const char **seen = malloc ((t->rows + 1) * sizeof *seen);
  size_t n = 0, ll = 0;
  for (size_t r = 0; seen && c >= 0 && r < t->rows; r++)
    {
      const char *v = varlb__csv_get (t, r, c);
      size_t q = 0;
      while (q < n && strcmp (seen[q], v) != 0)
        q++;
      if (q == n && v[0])
        seen[n++] = v, ll += strlen (v) + 1;
    }
  char *list = n && !each && cmd ? malloc (ll + 1) : NULL;
  size_t at = 0;
  if (!cmd)
    {
      free (seen);
      return n;
    }
  for (size_t i = 0; i < n; i++)
    if (each)
      report_shell_quote (cmd, len, opt), report_shell_quote (cmd, len, seen[i]);
    else if (list)
      at += (size_t) sprintf (list + at, "%s%s", i ? (char[]) { sep, 0 } : "", seen[i]);
  if (list)
    report_shell_quote (cmd, len, opt), report_shell_quote (cmd, len, list);
  free (list);
  free (seen);
  return n;
}

/* A command that reruns F's rows as a grid of their distinct values. */
static char *
rebuilt_command (const report_file_t *f)
{
  char *cmd = NULL;
  size_t len = 0;
  const varlb__csv_t *t = &f->t;
  int scaling = f->kind == REPORT_SCALING, attack = f->jsonl && !scaling;
  /* attack --json rows of one budget, seed and instance: that attack. */
  static const char *const one[] = { "budget_bits", "seed", "schedule", "d", "jl" };
  for (size_t k = 0; k < sizeof one / sizeof *one; k++)
    attack &= grid_option (NULL, NULL, f, one[k], NULL, ',', 0) <= 1;
  report_shell_quote (&cmd, &len, "varlb");
  report_shell_quote (&cmd, &len, attack ? "attack" : scaling ? "scaling" : "sweep");
  long cm = varlb__csv_col (t, "model");
  if (cm >= 0 && strcmp (varlb__csv_get (t, 0, cm), "custom") != 0)
    grid_option (&cmd, &len, f, "model", "--model", ',', 0);
  else if (cm >= 0)
    {
      grid_option (&cmd, &len, f, "layers", "--layers", ',', 0);
      grid_option (&cmd, &len, f, "heads", "--heads", ',', 0);
    }
  grid_option (&cmd, &len, f, "compressor", "--compressor", ',', 1);
  if (attack)
    {
      static const char *const opt[] = { "--budget", "--seed", "--schedule", "-d", "--jl" };
      for (size_t k = 0; k < sizeof one / sizeof *one; k++)
        grid_option (&cmd, &len, f, one[k], opt[k], ',', 0);
    }
  else if (scaling)
    {
      grid_option (&cmd, &len, f, "n", "--ns", ',', 0);
      grid_option (&cmd, &len, f, "target", "--target", ',', 0);
    }
  else
    {
      grid_option (&cmd, &len, f, "budget_bits", "--budgets", ',', 0);
      grid_option (&cmd, &len, f, "seed", "--seeds", ',', 0);
      grid_option (&cmd, &len, f, "schedule", "--schedules", ';', 0);
    }
  if (!attack)
    {
      grid_option (&cmd, &len, f, "d", "--dims", ',', 0);
      grid_option (&cmd, &len, f, "jl", "--jls", ',', 0);
    }
  long ck = varlb__csv_col (t, "keys"), cv = varlb__csv_col (t, "values"),
       ci = varlb__csv_col (t, "isolation");
  if (ck >= 0 && strcmp (varlb__csv_get (t, 0, ck), "unit") != 0)
    grid_option (&cmd, &len, f, "keys", "--keys", ',', 0);
  if (cv >= 0 && strcmp (varlb__csv_get (t, 0, cv), "01") != 0)
    grid_option (&cmd, &len, f, "values", "--values", ',', 0);
  if (ci >= 0 && strcmp (varlb__csv_get (t, 0, ci), "none") == 0)
    report_shell_quote (&cmd, &len, "--no-sandbox");
  if (attack)
    report_shell_quote (&cmd, &len, "--json");
  else
    {
      /* sweep writes FILE.csv and FILE.jsonl beside it. */
      const char *dot = strrchr (f->name, '.');
      char out[1024];
      snprintf (out, sizeof out, "%.*s.csv", (int) (f->jsonl && dot ? dot - f->name
                                                     : (long) strlen (f->name)), f->name);
      report_shell_quote (&cmd, &len, "--out");
      report_shell_quote (&cmd, &len, f->jsonl ? out : f->name);
    }
  return cmd;
}

static void
kv (FILE *o, const char *key)
{
  fprintf (o, "<dt>%s</dt><dd>", key);
}

/* What F's signatures say under the judge KEY: how many rows verified,
   failed (the first named with why), were signed under another key, or
   carry none. */
static void
signatures (FILE *o, const report_file_t *f, const varlb__verify_key_t *key)
{
  const size_t *n = f->sig;
  if (n[REPORT_SIG_NONE] == f->t.rows)
    {
      fputs ("none: these rows carry no signature, so nothing here proves who wrote them "
             "(every number above is recomputed from their counts)", o);
      return;
    }
  if (n[REPORT_SIG_VERIFIED] == f->t.rows)
    {
      fprintf (o, "<span class=\"sig-ok\">verified</span>: all %zu rows, MAC and every figure, "
               "under judge key %s", f->t.rows, key->fingerprint);
      return;
    }
  const char *sep = "";
  if (n[REPORT_SIG_VERIFIED])
    fprintf (o, "%zu verified under judge key %s", n[REPORT_SIG_VERIFIED], key->fingerprint),
      sep = "; ";
  if (n[REPORT_SIG_UNVERIFIED])
    {
      fprintf (o, "%s<span class=\"sig-bad\">%zu FAILED</span>: signed under this judge key "
               "but edited after (first: line %zu, ", sep, n[REPORT_SIG_UNVERIFIED],
               f->sig_first + 2);
      report_esc (o, f->sig_why);
      fputs (")", o);
      sep = "; ";
    }
  if (n[REPORT_SIG_UNCHECKED])
    fprintf (o, "%s%zu signed under another judge key%s: not checked (varlb report --judge-key "
             "with that key checks them)", sep, n[REPORT_SIG_UNCHECKED],
             key->have ? "" : " (no key here)"), sep = "; ";
  if (n[REPORT_SIG_NONE])
    fprintf (o, "%s%zu unsigned (written before MACs, or the MAC removed)", sep,
             n[REPORT_SIG_NONE]);
  fputs (". Rows not verified are shown re-judged from their counts, never trusted", o);
}

/* Section 5 for one file. */
static void
reproduce_file (FILE *o, const report_file_t *f, const varlb__verify_key_t *key)
{
  static const char *const kind[] = { "trial rows", "varlb scaling rows", "per-token rows (--tokens)",
                                      "per-head rows (--head-rows)" };
  static const char *const place[] = { "inlined in this page", "inlined in this page, gzip'ed",
                                       "a file beside this page" };
  char a[64];
  fputs ("<h3 class=\"spec\">", o);
  report_esc (o, f->path);
  fprintf (o, "</h3>\n<dl class=\"kv\">\n");
  kv (o, "what");
  fprintf (o, "%zu %s, %s</dd>\n", f->t.rows, kind[f->kind], f->jsonl ? "JSON Lines" : "CSV");
  kv (o, "SHA-256");
  fprintf (o, "<code>%s</code> (%s bytes)</dd>\n", f->sha256, grouped (a, sizeof a, (double) f->bytes));
  kv (o, "data");
  if (f->href)
    {
      fputs ("<a href=\"", o);
      report_esc (o, f->href);
      fputs ("\" download=\"", o);
      report_esc (o, f->download);
      fputs ("\">", o);
      report_esc (o, f->download);
      fprintf (o, "</a> (%s)", place[f->place]);
    }
  fputs ("</dd>\n", o);
  if (f->kind == REPORT_TOKENS || f->kind == REPORT_HEADS)
    {
      kv (o, "made by");
      fprintf (o, "the sweep or attack that wrote the trial rows, given %s FILE</dd>\n</dl>\n",
               f->kind == REPORT_TOKENS ? "<code>--tokens</code>" : "<code>--head-rows</code>");
      return;
    }
  char *cmd = f->m_command ? NULL : rebuilt_command (f);
  kv (o, "command");
  fputs ("<pre>", o);
  report_esc (o, f->m_command ? f->m_command : cmd ? cmd : "");
  fprintf (o, "</pre><span class=\"muted\">%s</span></dd>\n", f->m_command
           ? "exactly as run (from the manifest beside the file)"
           : f->kind == REPORT_SCALING ? "rebuilt from the rows (no manifest): the seeds are not "
             "recorded, only their number; add --seeds"
           : "rebuilt from the rows (no manifest): the grid of their distinct values");
  free (cmd);
  if (f->m_version)
    {
      kv (o, "varlb");
      report_esc (o, f->m_version);
      fputs (", revision ", o);
      report_esc (o, f->m_revision ? f->m_revision : "unknown");
      fputs ("</dd>\n", o);
    }
  if (f->m_libraries)
    {
      kv (o, "libraries");
      report_esc (o, f->m_libraries);
      fputs ("</dd>\n", o);
    }
  if (f->kind != REPORT_TRIALS)
    {
      fputs ("</dl>\n", o);
      return;
    }
  static const struct {
    const char *key, *col;
    size_t max;
    int counts;
  } cols[] = {
    { "what made the rows", "provenance", 8, 1 }, { "seeds", "seed", 16, 0 },
    { "public seeds", "public_seed", 16, 0 }, { "judge key (fingerprint)", "judge_key", 4, 1 },
    { "isolation", "isolation", 4, 1 } };
  for (size_t k = 0; k < sizeof cols / sizeof *cols; k++)
    {
      kv (o, cols[k].key);
      distinct (o, f, cols[k].col, cols[k].max, cols[k].counts, k == 0 ? "; " : ", ");
      fputs ("</dd>\n", o);
    }
  kv (o, "signatures");
  signatures (o, f, key);
  fputs ("</dd>\n</dl>\n", o);
}

static void
reproduce (FILE *o, const report_t *r)
{
  fputs ("<section id=\"reproduce\"><h2>5. Reproduce</h2>\n<p>Every run is a pure function of "
         "the judge key and the seeds: the same command with the same key draws the same "
         "instances, hands the compressors the same public seeds and gives the same rows "
         "(<code>--no-timing</code> leaves out the one column that changes). The judge key is "
         "secret; its fingerprint below tells whether two runs used the same one. A trial that "
         "lost a bit has a replay line in its compressor's card.</p>\n", o);
  for (size_t f = 0; f < r->nfiles; f++)
    reproduce_file (o, &r->file[f], &r->key);
  fputs ("</section>\n", o);
}

int
varlb__report_write_page (FILE *o, report_t *r)
{
  size_t nscaling = 0;
  for (size_t f = 0; f < r->nfiles; f++)
    nscaling += r->file[f].kind == REPORT_SCALING;
  fputs ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n<meta name=\"generator\" "
         "content=\"varlb " VARLB_VERSION_STRING "\">\n<title>", o);
  report_esc (o, r->title);
  fprintf (o, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n<header>\n<h1>", report_css);
  report_esc (o, r->title);
  fputs ("</h1>\n<p class=\"lede\">How much of a VAR transformer's KV cache can a compressor drop? "
         "The cache of the hard instance below hides N random bits; a compressor keeps B bits of "
         "it, and Bob, who sees only those B bits, decodes what he can. No compressor can beat "
         "the Fano ceiling, so a cache that keeps every bit needs at least N bits, &Omega;(n&sup2;d) "
         "for VAR. Here is where each compressor landed.</p>\n<nav class=\"noprint\">"
         "<a href=\"#bound\">1. The bound</a>", o);
  if (r->nrows)
    fputs ("<a href=\"#frontier\">2. The chart</a><a href=\"#leaderboard\">3. Leaderboard</a>"
           "<a href=\"#compressors\">4. Per compressor</a>", o);
  if (nscaling)
    fputs ("<a href=\"#scaling\">Scaling</a>", o);
  fputs ("<a href=\"#reproduce\">5. Reproduce</a></nav>\n</header>\n", o);
  banners (o, r);
  fputs ("<section id=\"bound\"><h2>1. The instance and the bound</h2>\n<p>Alice's tokens carry "
         "the hidden bits in their values and Johnson&ndash;Lindenstrauss random vectors as keys; "
         "Bob's query for a token is C times its key, so attention picks that token out and its "
         "value, the bits, comes back. Whatever a compressor keeps must therefore let Bob recover "
         "the bits, and by Fano's inequality B bits let him recover a fraction p of N uniform bits "
         "only if B &ge; N(1 &minus; H<sub>2</sub>(1 &minus; p)).</p>\n", o);
  for (size_t i = 0; i < r->ninst; i++)
    instance (o, r, i);
  if (r->ninst == 0)
    fputs ("<p>The files hold no trial rows; the scaling chart below spans many instances.</p>\n", o);
  fputs ("</section>\n", o);
  if (r->nrows)
    {
      fputs ("<section id=\"frontier\"><h2>2. Where the compressors sit against the bound</h2>\n", o);
      report_chart_frontier (o, r);
      fputs ("</section>\n", o);
      report_board (o, r);
      report_cards (o, r);
    }
  if (nscaling)
    {
      fputs ("<section id=\"scaling\"><h2>Scaling: the budget a target accuracy needs, against "
             "n&sup2;d</h2>\n", o);
      report_chart_scaling (o, r);
      fputs ("</section>\n", o);
    }
  if (r->nrows)
    report_rows_table (o, r);
  reproduce (o, r);
  const char *rev = r->revision;
  fprintf (o, "<footer>Made by varlb " VARLB_VERSION_STRING "%s%s from %zu file%s. Verdicts and "
           "accuracies are recomputed from each row's counts; Fano ceilings are certified (MPFR, "
           "rounded up), efficiencies rounded down; intervals and p-values are floating point."
           "</footer>\n</main>\n<div id=\"tip\" role=\"tooltip\" hidden></div>\n<script>\n%s"
           "</script>\n</body>\n</html>\n", rev ? ", revision " : "", rev ? rev : "", r->nfiles,
           r->nfiles == 1 ? "" : "s", report_js);
  return ferror (o) ? -1 : 0;
}
