/* coldcache.h -- --cold-cache (internal): between Alice and Bob the host's
 * clean page cache and its dentry and inode caches are dropped, and while a
 * trial runs so no other half on the machine does (a host-wide lock). */
#ifndef VARLB_SANDBOX_COLDCACHE_H
#define VARLB_SANDBOX_COLDCACHE_H

#include <stddef.h>

/* Whether this process may drop the caches: root in the initial user
   namespace with /proc/sys/vm/drop_caches open for writing (tried, never
   written).  1, or 0 with a one-line reason in WHY. */
int varlb__cold_cache_possible (char *why, size_t len);

/* Drop the clean page cache and the dentry and inode caches (value 3).
   0, or -1 with WHY; SECONDS receives how long it took. */
int varlb__cold_cache_drop (double *seconds, char *why, size_t len);

/* The host-wide lock of halves (VARLB_LOCK_DIR/halves): every sandboxed
   half of every varlb holds it shared while it runs; a --cold-cache trial
   holds it alone from Alice's start to Bob's end, and its own halves then
   take nothing more.  A varlb that is not root uses the lock only where
   root made it.  0, or -1 with WHY. */
int varlb__halves_enter (char *why, size_t len);
void varlb__halves_leave (void);
int varlb__cold_trial_begin (char *why, size_t len);
void varlb__cold_trial_end (void);

#endif
