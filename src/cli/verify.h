/* verify.h -- result rows read back and checked (verify.c): re-judged
 * from their counts, their MACs and stored figures checked under the judge
 * key that signed them, JSON lines against CSV rows (jsonl.c); and the
 * verdicts of a file's groups pooled over seeds (verdicts.c).  Not
 * installed. */
#ifndef VARLB_CLI_VERIFY_H
#define VARLB_CLI_VERIFY_H
#include "plot.h"
#include "varlb.h"

/* The key rows are checked with. */
typedef struct cli_verify_key {
  int have;                  /* a key was loaded (else every row is unverified) */
  unsigned char key[VARLB_JUDGE_KEY_BYTES];
  char fingerprint[17];
} cli_verify_key_t;

/* The key of --judge-key or $VARLB_JUDGE_KEY or the default file, never
   created: a missing default file leaves K->have 0.  -1 after one line
   when a named or existing file is unreadable or malformed. */
int cli_verify_key_load (const char *cmd, cli_verify_key_t *k);
/* K from a key already in hand (sweep's). */
void cli_verify_key_set (cli_verify_key_t *k, const unsigned char *key);

/* Where a row stands (cli_row_verify). */
enum cli_row_status {
  CLI_ROW_VERIFIED = 0, /* signed under the key here; MAC and figures check */
  CLI_ROW_UNSIGNED = 1, /* no MAC: written before MACs (or its cell emptied) */
  CLI_ROW_OTHER_KEY = 2,/* signed under another key, or no key is here */
  CLI_ROW_REFUSED = 3   /* signed under the key here, but its MAC, a figure
                           (accuracy, CI, ceiling, efficiency, p-value, bits
                           judged, verdict) or its counts do not match */
};
/* The words for a status: "verified", "unverified (no MAC)", ... */
const char *cli_row_status_name (int status);
/* Row R of the results T under K; for CLI_ROW_REFUSED one reason in WHY.
   Unverified rows are re-judged from their counts by every reader. */
int cli_row_verify (const cli_csv_t *t, size_t r, const cli_verify_key_t *k, char *why,
                    size_t wlen);

/* jsonl.c: the JSON line LINE (one flat object) as the CSV rows.c writes
   beside it: the keys joined by ',' into *HEAD, the values into *ROW
   (strings quoted, quotes doubled and line breaks as spaces; null empty;
   numbers and booleans as written), both malloc'd.  -1 (both NULL) when
   LINE is not such an object. */
int cli_json_csv_twin (char **head, char **row, const char *line);
/* Compare the JSON Lines file JSONL with T row by row (the first T->rows
   lines; more lines are a trial cut short before its CSV row): BAD[r] = 1
   for each row whose line disagrees, 2 where it is missing; the number
   of them (0
   when JSONL does not exist), or -1 with WHY when it cannot be read.  A
   JSON line agrees when its keys are T's columns and its values, written
   as CSV cells the way rows.c writes them, are the row's text byte for
   byte. */
long cli_jsonl_compare (const cli_csv_t *t, const char *jsonl, unsigned char *bad, char *why,
                        size_t wlen);

/* Check every row of T (PATH, with JSONL beside it or NULL) under K:
   STATUS[r] (optional) gets each row's status, *UNVERIFIED the rows not
   verified, *JSON_BAD the unverified rows whose JSON line disagrees.  0,
   or -1 after one line "CMD: WHATPATH: row R: refused: WHY" for the first
   refused row: one whose cli_row_verify says so, or a verified row whose
   JSON line disagrees (or is missing, unless JSON_MISSING_OK). */
int cli_verify_rows (const char *cmd, const char *what, const cli_csv_t *t, const char *path,
                     const char *jsonl, const cli_verify_key_t *k, unsigned char *status,
                     size_t *unverified, size_t *json_bad, int json_missing_ok);

/* Side rows (--tokens, --head-rows, scaling's points): each line of TEXT
   (LEN bytes, lines ending in newlines, no mac) signed for the file whose
   header is HEADER (ending ",mac\n"), in place.  -1 when out of memory. */
int cli_sign_rows (char **text, size_t *len, const char *header, const unsigned char *key);
/* Every complete line after the header of the side-row file PATH carries
   its MAC under KEY: 0 (a missing file too), or -1 after one line naming
   the first that does not. */
int cli_side_rows_verify (const char *cmd, const char *path, const char *header,
                          const unsigned char *key);

/* Row R's counts (varlb_judge_strata's arguments); bits judged by
   varlb_bits_judged from budget_bits, bits_charged, side_channel_bits and
   length_bits (64 when the file has no such column: no blob is 2^64
   bytes).  -1 when they do not hold together. */
int cli_row_counts (varlb_counts_t *c, const cli_csv_t *t, size_t r);

/* --------------------------------------- pooled verdicts (verdicts.c) */

/* A file's verdicts: every ok row alone, and each group of rows that
   share every setting but the seed pooled (one row per (judge key, seed)),
   with Holm's correction over all of these tests. */
typedef struct cli_verdicts {
  size_t rows, groups;
  size_t *group_of;        /* rows: the row's group (a failed row's too) */
  size_t *first;           /* groups: the group's first row */
  size_t *instances;       /* groups: distinct (judge key, seed) pooled */
  varlb_judgement_t *row;  /* rows: alone (verdict ERROR when not ok) */
  varlb_judgement_t *pool; /* groups: pooled; verdict ERROR when it could
                              not be pooled (no ok row, mixed designs) */
  unsigned char *row_holm, *pool_holm; /* rejected by Holm */
  size_t tests;            /* Holm's family: ok rows + groups of 2 or more */
  size_t flagged, row_holm_count, pool_holm_count;
} cli_verdicts_t;

/* Judge the rows of T (-1 with WHY when a row's counts do not hold
   together, naming it; V then needs no clear). */
int cli_verdicts_init (cli_verdicts_t *v, const cli_csv_t *t, char *why, size_t wlen);
/* Only the groups of T and their pooled tests (ok rows whose counts hold
   together; no row judged alone, no Holm: V's row, row_holm and pool_holm
   stay NULL), for a reader that judges rows itself (varlb report).  -1
   with WHY when out of memory. */
int cli_verdicts_groups (cli_verdicts_t *v, const cli_csv_t *t, char *why, size_t wlen);
void cli_verdicts_clear (cli_verdicts_t *v);
/* One line for a sweep's closing message: how many rows are impossible
   alone and after Holm, and how many groups pooled over seeds are
   impossible after Holm (the smallest pooled p-value). */
void cli_verdicts_line (char *buf, size_t len, const cli_verdicts_t *v);
/* The closing line of a sweep: re-read its CSV PATH, judge it, and write
   the summary of cli_verdicts_line to BUF ("" when the file cannot be
   read, with the reason). */
void cli_verdicts_of_file (char *buf, size_t len, const char *path);

/* The bound, frontier and verdict lines of attack's report for T (NNAME:
   "N" or "N_total"), efficiency above 1 flagged. */
void cli_print_verdict (FILE *o, const varlb_trial_t *t, const char *nname);

/* Rows whose stored verdict is not the one their numbers give: how many,
   and the first NFIRST row indices in FIRST. */
size_t cli_rows_disagreeing (const cli_csv_t *t, size_t *first, size_t nfirst);
/* The verdict row R's numbers give (varlb_judge_strata at the sampling
   unit, one stratum per head of a whole model); -1 when they do not hold
   together. */
int cli_row_judge (varlb_judgement_t *j, const cli_csv_t *t, size_t r);

#endif
