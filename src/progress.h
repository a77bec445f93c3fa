/* progress.h -- the library's side of varlb_progress_set (not installed):
 * long loops call varlb_progress_note from the calling thread. */
#ifndef VARLB_PROGRESS_H
#define VARLB_PROGRESS_H
/* WHAT has reached DONE of TOTAL (any unit); a no-op without a hook. */
void varlb_progress_note (const char *what, double done, double total);
#endif
