/* coq_record.h -- the record of the Coq development (coq.mk): whether this
 * build's proofs/coq/ sources were compiled and their assumptions checked. */
#ifndef VARLB_CLI_COQ_RECORD_H
#define VARLB_CLI_COQ_RECORD_H

#include <stddef.h>

typedef struct cli_coq_record {
  int checked;           /* the record exists, is complete and names this
                            build's sources */
  int configured;        /* configure found coqc with the libraries */
  char path[1024];       /* the record read ($VARLB_COQ_RECORD or the build's) */
  char coqc[64];         /* coqc's version, from the record */
  unsigned long theorems;/* theorems whose assumptions were checked */
  char why[1200];        /* checked: a summary; otherwise why not */
} cli_coq_record_t;

/* Read the record; never fails (an unreadable record is "not checked"). */
void cli_coq_record_read (cli_coq_record_t *r);

#endif
