/* test_lossless.c -- the lossless compressors' decoders (zstd, xz) allocate
 * no more than the instance's raw cache: a truncated xz blob and a 21-byte
 * zstd frame declaring a 4.2 GB content size are refused as VARLB_EFORMAT
 * with the address space capped far below what unbounded decoders reach for
 * (they would get VARLB_ENOMEM there), and honest blobs still decode under
 * the same cap. */
#include <config.h>
#include "testutil.h"
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

/* Cap this test process's address space at its current size plus EXTRA
   bytes (check runs each test in its own child, so the cap ends with it). */
static void
cap_address_space (size_t extra)
{
  FILE *f = fopen ("/proc/self/status", "r");
  char line[256];
  unsigned long kib = 0;
  while (f && fgets (line, sizeof line, f))
    if (sscanf (line, "VmSize: %lu kB", &kib) == 1)
      break;
  if (f)
    fclose (f);
  ck_assert_msg (kib > 0, "no VmSize in /proc/self/status");
  struct rlimit rl;
  ck_assert_int_eq (getrlimit (RLIMIT_AS, &rl), 0);
  rl.rlim_cur = (rlim_t) kib * 1024 + extra;
  ck_assert_int_eq (setrlimit (RLIMIT_AS, &rl), 0);
}

#define CAP ((size_t) 256 << 20)

typedef struct fixture {
  varlb_instance_t in;
  varlb_knobs_t k;
  double *Q, *O;
  size_t m;
} fixture_t;

static void
setup (fixture_t *f)
{
  varlb_params_t p;
  ck_assert_int_eq (varlb_params_init (&p), VARLB_OK);
  varlb_pyramid_clear (&p.pyramid);
  ck_assert_int_eq (varlb_pyramid_init_parse (&p.pyramid, "1,2,4"), VARLB_OK);
  p.d = 8;
  ck_assert_int_eq (varlb_instance_init (&f->in, &p), VARLB_OK);
  varlb_params_clear (&p);
  varlb_knobs_init (&f->k);
  f->m = f->in.alice_tokens;
  size_t *idx = malloc (f->m * sizeof *idx);
  f->Q = malloc (f->m * f->in.d * sizeof *f->Q);
  f->O = malloc (f->m * f->in.d * sizeof *f->O);
  ck_assert (idx && f->Q && f->O);
  for (size_t i = 0; i < f->m; i++)
    idx[i] = i;
  ck_assert_int_eq (varlb_instance_queries (f->Q, &f->in, idx, f->m), VARLB_OK);
  free (idx);
}

static void
teardown (fixture_t *f)
{
  free (f->Q);
  free (f->O);
  varlb_knobs_clear (&f->k);
  varlb_instance_clear (&f->in);
}

static int
answer (const varlb_compressor_t *c, fixture_t *f, const unsigned char *blob, size_t len)
{
  return c->answer (f->O, blob, len, f->in.public_seed, f->Q, f->m, f->in.d, f->in.d, &f->k,
                    &f->in.par.pyramid);
}

#ifdef HAVE_XZ
START_TEST (truncated_xz_blob_is_a_format_error_within_the_instance_size)
{
  const varlb_compressor_t *c = varlb_compressor_find ("xz");
  ck_assert_ptr_nonnull (c);
  fixture_t f;
  setup (&f);
  varlb_blob_t b;
  varlb_blob_init (&b);
  ck_assert_int_eq (c->compress (&b, f.in.K, f.in.V, f.in.alice_tokens, f.in.d, f.in.d,
                                 (double) f.in.N, f.in.public_seed, &f.k, &f.in.par.pyramid),
                    VARLB_OK);
  cap_address_space (CAP);
  ck_assert_int_eq (answer (c, &f, b.data, b.len), VARLB_OK);
  for (size_t cut = 1; cut < b.len; cut += 1 + b.len / 7)
    ck_assert_msg (answer (c, &f, b.data, cut) == VARLB_EFORMAT, "xz cut to %zu of %zu bytes",
                   cut, b.len);
  varlb_blob_clear (&b);
  teardown (&f);
}
END_TEST
#endif

#ifdef HAVE_ZSTD
/* A zstd frame: magic, a descriptor with a 4-byte content size and a single
   segment, that size, then one last raw block of 9 bytes: 21 bytes. */
static size_t
zstd_frame (unsigned char *buf, uint32_t content_size)
{
  static const unsigned char head[] = { 0x28, 0xb5, 0x2f, 0xfd, 0xa0 };
  memcpy (buf, head, sizeof head);
  for (int i = 0; i < 4; i++)
    buf[5 + i] = (unsigned char) (content_size >> (8 * i));
  uint32_t block = 1u | (0u << 1) | (9u << 3); /* last, raw, 9 bytes */
  for (int i = 0; i < 3; i++)
    buf[9 + i] = (unsigned char) (block >> (8 * i));
  memset (buf + 12, 0x42, 9);
  return 21;
}

START_TEST (lying_zstd_content_size_is_refused_before_allocating)
{
  const varlb_compressor_t *c = varlb_compressor_find ("zstd");
  ck_assert_ptr_nonnull (c);
  fixture_t f;
  setup (&f);
  unsigned char frame[32];
  cap_address_space (CAP);
  size_t n = zstd_frame (frame, 0xfa000000u); /* 4.2 GB declared */
  ck_assert_int_eq (answer (c, &f, frame, n), VARLB_EFORMAT);
  /* An honest blob still decodes under the same cap. */
  varlb_blob_t b;
  varlb_blob_init (&b);
  ck_assert_int_eq (c->compress (&b, f.in.K, f.in.V, f.in.alice_tokens, f.in.d, f.in.d,
                                 (double) f.in.N, f.in.public_seed, &f.k, &f.in.par.pyramid),
                    VARLB_OK);
  ck_assert_int_eq (answer (c, &f, b.data, b.len), VARLB_OK);
  varlb_blob_clear (&b);
  teardown (&f);
}
END_TEST
#endif

TEST_MAIN ("lossless", s)
{
  TCase *tc = test_case (s, "bounded", 60);
  /* A decoder this build lacks is a skip, said so, never a pass. */
#ifdef HAVE_XZ
  ADD_TEST (tc, truncated_xz_blob_is_a_format_error_within_the_instance_size);
#else
  test_skip ("xz", "built without liblzma (configure found no lzma.h)");
#endif
#ifdef HAVE_ZSTD
  ADD_TEST (tc, lying_zstd_content_size_is_refused_before_allocating);
#else
  test_skip ("zstd", "built without libzstd (configure found no zstd.h)");
#endif
}
