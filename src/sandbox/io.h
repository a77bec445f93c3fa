/* io.h -- the sandbox folder's lowest room (src/sandbox/io.c): whole
 * writes and reads of descriptors, memory files, directory removal, the
 * host's temporary root, line-by-line parsing of a byte buffer, and
 * growing NULL-terminated argument lists.  Private to src/sandbox/; it
 * includes nothing of the folder, and nothing here may know a half. */
#ifndef VARLB_SANDBOX_IO_H
#define VARLB_SANDBOX_IO_H

#include <stddef.h>

/* Monotonic seconds. */
double varlb__now_s (void);
/* All N bytes of P to FD (EINTR retried); 0, or -1 on error. */
int varlb__write_all (int fd, const void *p, size_t n);
/* N bytes from FD into P, waiting at most until END (monotonic seconds;
   END < 0: no limit).  0; 1 when END came first; -1 at EOF or on error. */
int varlb__read_exact (int fd, void *p, size_t n, double end);
/* The whole content of descriptor FD from offset 0, at most MAX bytes,
   NUL-terminated (malloc'd; *N its length), or NULL. */
unsigned char *varlb__read_fd (int fd, size_t *n, size_t max);
/* A close-on-exec memory file NAME holding DATA, at offset 0; -1 on error. */
int varlb__memfd_with (const char *name, const unsigned char *data, size_t len);
/* DIR and everything below it, removed (read-only folders first made
   writable); errors ignored. */
void varlb__remove_tree (const char *dir);
/* $TMPDIR when absolute, else /tmp. */
const char *varlb__tmp_root (void);
/* The line of D (N bytes) at *POS into BUF (at most LEN-1 bytes kept),
   *POS moved past its newline; NULL when no newline ends it. */
const char *varlb__next_line (const unsigned char *d, size_t n, size_t *pos, char *buf,
                              size_t len);

/* A growing NULL-terminated list of malloc'd strings (argv, envp). */
typedef struct varlb__strv {
  char **v;
  size_t n, cap;
} varlb__strv_t;

/* Append a copy of A; 0, or -1 when out of memory. */
int varlb__strv_add (varlb__strv_t *s, const char *a);
/* Append copies of MORE's strings. */
int varlb__strv_extend (varlb__strv_t *s, const varlb__strv_t *more);
/* Append the strings given, up to a NULL; 0, or -1 at the first failure. */
int varlb__strv_push (varlb__strv_t *s, ...) __attribute__ ((sentinel));
/* Append a formatted string. */
int varlb__strv_addf (varlb__strv_t *s, const char *fmt, ...)
  __attribute__ ((format (printf, 2, 3)));
void varlb__strv_free (varlb__strv_t *s);

#endif
