/* seed.c -- the run's seed split by one-way functions into the public seed
 * (the only one a compressor half receives) and the secret streams (Alice's
 * bits, Bob's choices), keyed by the judge key (README, "Threat model"). */
#define _GNU_SOURCE 1 /* O_CLOEXEC */
#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "varlb.h"

/* Domain-separated BLAKE2b of (LABEL, seed, the NW 32-bit WORDS), truncated
   to 64 bits.  KEY may be NULL (the public derivation). */
static uint64_t
hash64w (const unsigned char *key, const char *label, uint64_t seed, const uint32_t *words,
         size_t nw)
{
  unsigned char msg[80], out[crypto_generichash_BYTES];
  size_t n = strlen (label);
  memcpy (msg, label, n);
  for (int i = 0; i < 8; i++)
    msg[n++] = (unsigned char) (seed >> (8 * i));
  for (size_t w = 0; w < nw; w++)
    for (int i = 0; i < 4; i++)
      msg[n++] = (unsigned char) (words[w] >> (8 * i));
  crypto_generichash (out, sizeof out, msg, n, key, key ? VARLB_JUDGE_KEY_BYTES : 0);
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v |= (uint64_t) out[i] << (8 * i);
  return v;
}

static uint64_t
hash64 (const unsigned char *key, const char *label, uint64_t seed, unsigned stream)
{
  uint32_t w = stream;
  return hash64w (key, label, seed, &w, 1);
}

uint64_t
varlb_seed_public (uint64_t seed)
{
  return hash64 (NULL, "varlb/v1/public-seed", seed, 0);
}

uint64_t
varlb_seed_secret (const unsigned char *judge_key, uint64_t seed, unsigned stream)
{
  /* BLAKE2b needs a non-empty key to run keyed; the open key is all zeros,
     keyed like any other, so its streams are merely guessable. */
  return hash64 (judge_key, "varlb/v1/secret-stream", seed, stream);
}

/* A head of a whole model: the head's own run seed (its secret streams are
   keyed by it and the judge key) and its public seed, from the model's
   public seed, so a half holding only the latter rebuilds every head's
   public coins.  LAYER and HEAD are below 2^32 (VARLB_MODEL_MAX_*). */
uint64_t
varlb_seed_head (uint64_t seed, size_t layer, size_t head)
{
  uint32_t w[2] = { (uint32_t) layer, (uint32_t) head };
  return hash64w (NULL, "varlb/v1/head-seed", seed, w, 2);
}

uint64_t
varlb_seed_head_public (uint64_t public_seed, size_t layer, size_t head)
{
  uint32_t w[2] = { (uint32_t) layer, (uint32_t) head };
  return hash64w (NULL, "varlb/v1/head-public", public_seed, w, 2);
}

gsl_rng *
varlb_rng_secret (const unsigned char *judge_key, uint64_t seed, unsigned stream)
{
  return varlb_rng_new (varlb_seed_secret (judge_key, seed, stream), stream);
}

int
varlb_judge_key_is_open (const unsigned char *key)
{
  for (size_t i = 0; i < VARLB_JUDGE_KEY_BYTES; i++)
    if (key[i])
      return 0;
  return 1;
}

void
varlb_judge_key_fingerprint (char out[17], const unsigned char *key)
{
  if (varlb_judge_key_is_open (key))
    {
      snprintf (out, 17, "open");
      return;
    }
  snprintf (out, 17, "%016llx",
            (unsigned long long) hash64 (key, "varlb/v1/key-fingerprint", 0, 0));
}

int
varlb_judge_key_default_path (char *buf, size_t len)
{
  const char *e = getenv ("VARLB_JUDGE_KEY"), *x = getenv ("XDG_CONFIG_HOME"),
             *h = getenv ("HOME");
  int n;
  if (e && e[0])
    n = snprintf (buf, len, "%s", e);
  else if (x && x[0] == '/')
    n = snprintf (buf, len, "%s/varlb/judge.key", x);
  else if (h && h[0] == '/')
    n = snprintf (buf, len, "%s/.config/varlb/judge.key", h);
  else
    return VARLB_EINVAL;
  return n > 0 && (size_t) n < len ? VARLB_OK : VARLB_EINVAL;
}

static int
hexval (int c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

/* mkdir -p of PATH's directory, mode 0700 for what is created. */
static void
make_parents (const char *path)
{
  char *p = strdup (path);
  if (p == NULL)
    return;
  for (char *s = strchr (p + 1, '/'); s; s = strchr (s + 1, '/'))
    {
      *s = '\0';
      mkdir (p, 0700);
      *s = '/';
    }
  free (p);
}

/* A fresh key written to a private temporary file, then linked to PATH:
   link() fails when PATH exists, so concurrent creators (MPI ranks) end up
   reading the same winner's complete file. */
static int
create_key (const char *path)
{
  unsigned char k[VARLB_JUDGE_KEY_BYTES];
  char hex[2 * VARLB_JUDGE_KEY_BYTES + 2], *tmp;
  if (sodium_init () < 0)
    return VARLB_EIO;
  randombytes_buf (k, sizeof k);
  for (size_t i = 0; i < sizeof k; i++)
    snprintf (hex + 2 * i, 3, "%02x", k[i]);
  sodium_memzero (k, sizeof k);
  hex[2 * VARLB_JUDGE_KEY_BYTES] = '\n';
  hex[2 * VARLB_JUDGE_KEY_BYTES + 1] = '\0';
  make_parents (path);
  if (asprintf (&tmp, "%s.%ld.tmp", path, (long) getpid ()) < 0)
    return VARLB_ENOMEM;
  int fd = open (tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  int st = fd >= 0 ? VARLB_OK : VARLB_EIO;
  if (st == VARLB_OK)
    {
      size_t n = strlen (hex);
      st = write (fd, hex, n) == (ssize_t) n && fsync (fd) == 0 ? VARLB_OK : VARLB_EIO;
      if (close (fd) != 0)
        st = VARLB_EIO;
      if (st == VARLB_OK && link (tmp, path) != 0 && errno != EEXIST)
        st = VARLB_EIO;
      unlink (tmp);
    }
  sodium_memzero (hex, sizeof hex);
  free (tmp);
  return st;
}

int
varlb_judge_key_load (unsigned char *key, const char *path, int create)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT && create)
    {
      int st = create_key (path);
      if (st != VARLB_OK)
        return st;
      fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    }
  if (fd < 0)
    return VARLB_EIO;
  struct stat sb;
  char buf[2 * VARLB_JUDGE_KEY_BYTES + 2];
  ssize_t n = 0;
  int st = VARLB_OK;
  if (fstat (fd, &sb) != 0)
    st = VARLB_EIO;
  else if (!S_ISREG (sb.st_mode) || (sb.st_mode & 077))
    st = VARLB_EFORMAT; /* a key others can read is no secret */
  else
    n = read (fd, buf, sizeof buf);
  close (fd);
  if (st != VARLB_OK)
    return st;
  if (n < 2 * VARLB_JUDGE_KEY_BYTES
      || (n == sizeof buf) || (n > 2 * VARLB_JUDGE_KEY_BYTES && buf[2 * VARLB_JUDGE_KEY_BYTES] != '\n'))
    return VARLB_EFORMAT;
  unsigned char k[VARLB_JUDGE_KEY_BYTES];
  for (size_t i = 0; i < VARLB_JUDGE_KEY_BYTES; i++)
    {
      int hi = hexval (buf[2 * i]), lo = hexval (buf[2 * i + 1]);
      if (hi < 0 || lo < 0)
        return VARLB_EFORMAT;
      k[i] = (unsigned char) (16 * hi + lo);
    }
  sodium_memzero (buf, sizeof buf);
  if (varlb_judge_key_is_open (k))
    return VARLB_EFORMAT; /* the open key is not a secret */
  memcpy (key, k, sizeof k);
  sodium_memzero (k, sizeof k);
  return VARLB_OK;
}
