/* verify.h -- result rows read back and checked (verify.c): re-judged
 * from their counts, their MACs and stored figures checked under the judge
 * key that signed them, JSON lines against CSV rows (jsonl.c); and the
 * verdicts of a file's groups pooled over seeds (verdicts.c).  Internal
 * to the library (not installed); errors come back as text, never printed. */
#ifndef VARLB_RESULTS_VERIFY_H
#define VARLB_RESULTS_VERIFY_H
#include "results.h"
#include "varlb.h"

/* The key rows are checked with. */
typedef struct varlb__verify_key {
  int have;                  /* a key was loaded (else every row is unverified) */
  unsigned char key[VARLB_JUDGE_KEY_BYTES];
  char fingerprint[17];
} varlb__verify_key_t;

/* The key in FILE (--judge-key), or with FILE NULL in $VARLB_JUDGE_KEY or
   the default file, never created: a missing default file leaves K->have
   0.  -1 with one line in WHY when a named or existing file is unreadable
   or malformed. */
int varlb__verify_key_load (varlb__verify_key_t *k, const char *file, char *why, size_t wlen);
/* K from a key already in hand (sweep's). */
void varlb__verify_key_set (varlb__verify_key_t *k, const unsigned char *key);

/* Where a row stands (varlb__row_verify). */
enum varlb__row_status {
  VARLB__ROW_VERIFIED = 0, /* signed under the key here; MAC and figures check */
  VARLB__ROW_UNSIGNED = 1, /* no MAC: written before MACs (or its cell emptied) */
  VARLB__ROW_OTHER_KEY = 2,/* signed under another key, or no key is here */
  VARLB__ROW_REFUSED = 3   /* signed under the key here, but its MAC, a figure
                           (accuracy, CI, ceiling, efficiency, p-value, bits
                           judged, verdict) or its counts do not match */
};
/* The words for a status: "verified", "unverified (no MAC)", ... */
const char *varlb__row_status_name (int status);
/* Row R of the results T under K; for VARLB__ROW_REFUSED one reason in WHY.
   Unverified rows are re-judged from their counts by every reader. */
int varlb__row_verify (const varlb__csv_t *t, size_t r, const varlb__verify_key_t *k, char *why,
                       size_t wlen);

/* jsonl.c: the JSON line LINE (one flat object) as the CSV rows.c writes
   beside it: the keys joined by ',' into *HEAD, the values into *ROW
   (strings quoted, quotes doubled and line breaks as spaces; null empty;
   numbers and booleans as written), both malloc'd.  -1 (both NULL) when
   LINE is not such an object. */
int varlb__json_csv_twin (char **head, char **row, const char *line);
/* Compare the JSON Lines file JSONL with T row by row (the first T->rows
   lines; more lines are a trial cut short before its CSV row): BAD[r] = 1
   for each row whose line disagrees, 2 where it is missing; the number
   of them (0
   when JSONL does not exist), or -1 with WHY when it cannot be read.  A
   JSON line agrees when its keys are T's columns and its values, written
   as CSV cells the way rows.c writes them, are the row's text byte for
   byte. */
long varlb__jsonl_compare (const varlb__csv_t *t, const char *jsonl, unsigned char *bad, char *why,
                           size_t wlen);

/* Check every row of T (PATH, with JSONL beside it or NULL) under K:
   STATUS[r] (optional) gets each row's status, *UNVERIFIED the rows not
   verified, *JSON_BAD the unverified rows whose JSON line disagrees.  0,
   or -1 with one line "WHATPATH: row R: refused: WHY" in ERR for the first
   refused row: one whose varlb__row_verify says so, or a verified row whose
   JSON line disagrees (or is missing, unless JSON_MISSING_OK). */
int varlb__verify_rows (const char *what, const varlb__csv_t *t, const char *path,
                        const char *jsonl, const varlb__verify_key_t *k, unsigned char *status,
                        size_t *unverified, size_t *json_bad, int json_missing_ok, char *err,
                        size_t elen);

/* Side rows (--tokens, --head-rows, scaling's points): each line of TEXT
   (LEN bytes, lines ending in newlines, no mac) signed for the file whose
   header is HEADER (ending ",mac\n"), in place.  -1 when out of memory. */
int varlb__sign_rows (char **text, size_t *len, const char *header, const unsigned char *key);
/* Every complete line after the header of the side-row file PATH carries
   its MAC under KEY: 0 (a missing file too), or -1 with one line in WHY
   naming the first that does not. */
int varlb__side_rows_verify (const char *path, const char *header, const unsigned char *key,
                             char *why, size_t wlen);

/* Row R's counts (varlb_judge_strata's arguments); bits judged by
   varlb_bits_judged from budget_bits, bits_charged, side_channel_bits and
   length_bits (64 when the file has no such column: no blob is 2^64
   bytes).  -1 when they do not hold together. */
int varlb__row_counts (varlb_counts_t *c, const varlb__csv_t *t, size_t r);

/* --------------------------------------- pooled verdicts (verdicts.c) */

/* A file's verdicts: every ok row alone, and each group of rows that
   share every setting but the seed pooled (one row per (judge key, seed)),
   with Holm's correction over all of these tests. */
typedef struct varlb__verdicts {
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
} varlb__verdicts_t;

/* Judge the rows of T (-1 with WHY when a row's counts do not hold
   together, naming it; V then needs no clear). */
int varlb__verdicts_init (varlb__verdicts_t *v, const varlb__csv_t *t, char *why, size_t wlen);
/* Only the groups of T and their pooled tests (ok rows whose counts hold
   together; no row judged alone, no Holm: V's row, row_holm and pool_holm
   stay NULL), for a reader that judges rows itself (varlb report).  -1
   with WHY when out of memory. */
int varlb__verdicts_groups (varlb__verdicts_t *v, const varlb__csv_t *t, char *why, size_t wlen);
void varlb__verdicts_clear (varlb__verdicts_t *v);
/* One line for a sweep's closing message: how many rows are impossible
   alone and after Holm, and how many groups pooled over seeds are
   impossible after Holm (the smallest pooled p-value). */
void varlb__verdicts_line (char *buf, size_t len, const varlb__verdicts_t *v);
/* The closing line of a sweep: re-read its CSV PATH, judge it, and write
   the summary of varlb__verdicts_line to BUF ("" when the file cannot be
   read, with the reason). */
void varlb__verdicts_of_file (char *buf, size_t len, const char *path);

/* Rows whose stored verdict is not the one their numbers give: how many,
   and the first NFIRST row indices in FIRST. */
size_t varlb__rows_disagreeing (const varlb__csv_t *t, size_t *first, size_t nfirst);
/* The verdict row R's numbers give (varlb_judge_strata at the sampling
   unit, one stratum per head of a whole model); -1 when they do not hold
   together. */
int varlb__row_judge (varlb_judgement_t *j, const varlb__csv_t *t, size_t r);

#endif
