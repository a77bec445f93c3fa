/* test_seed.c -- the one-way split of the run's seed (src/seed.c): the public
 * seed depends on the seed alone, the secret streams on the judge key too;
 * knowing the public seed (and even the run seed, by trying small ones)
 * rebuilds nothing secret without the key; key files are private, made
 * once, and refused when malformed. */
#include "testutil.h"
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void
key_of (unsigned char *k, unsigned char fill)
{
  for (size_t i = 0; i < VARLB_JUDGE_KEY_BYTES; i++)
    k[i] = (unsigned char) (fill + 7 * i);
}

static void
instance (varlb_instance_t *in, uint64_t seed, const unsigned char *key)
{
  test_instance_keyed (in, "1,2,3,4,6", 32, seed, key);
}

START_TEST (public_seed_is_one_way_of_the_seed_alone)
{
  /* Not the seed itself, not the invertible stream mix, distinct for the
     first seeds, and independent of any key. */
  for (uint64_t s = 0; s < 1000; s++)
    {
      uint64_t p = varlb_seed_public (s);
      ck_assert (p != s);
      ck_assert (p != varlb_seed_mix (s, VARLB_STREAM_JL));
      for (uint64_t t = 0; t < s; t++)
        ck_assert (varlb_seed_public (t) != p);
    }
  varlb_instance_t a, b;
  unsigned char k1[VARLB_JUDGE_KEY_BYTES], k2[VARLB_JUDGE_KEY_BYTES];
  key_of (k1, 1);
  key_of (k2, 2);
  instance (&a, 5, k1);
  instance (&b, 5, k2);
  ck_assert (a.public_seed == varlb_seed_public (5) && a.public_seed == b.public_seed);
  /* The keys are public: equal under both judge keys, and rebuilt from the
     public seed alone. */
  ck_assert (memcmp (a.K, b.K, a.alice_tokens * a.d * sizeof *a.K) == 0);
  double *K = malloc (a.alice_tokens * a.d * sizeof *K);
  ck_assert_int_eq (varlb_public_keys (K, a.alice_tokens, a.d, a.par.jl, a.par.norm,
                                       a.public_seed), VARLB_OK);
  ck_assert (memcmp (a.K, K, a.alice_tokens * a.d * sizeof *K) == 0);
  free (K);
  varlb_instance_clear (&a);
  varlb_instance_clear (&b);
}
END_TEST

START_TEST (secret_streams_depend_on_key_seed_and_stream)
{
  unsigned char k1[VARLB_JUDGE_KEY_BYTES], k2[VARLB_JUDGE_KEY_BYTES];
  key_of (k1, 1);
  key_of (k2, 2);
  unsigned streams[] = { VARLB_STREAM_BITS, VARLB_STREAM_BOB, VARLB_STREAM_PATTERN };
  for (size_t i = 0; i < 3; i++)
    {
      uint64_t s = varlb_seed_secret (k1, 9, streams[i]);
      ck_assert (s == varlb_seed_secret (k1, 9, streams[i]));
      ck_assert (s != varlb_seed_secret (k2, 9, streams[i]));
      ck_assert (s != varlb_seed_secret (k1, 10, streams[i]));
      ck_assert (s != varlb_seed_public (9));
      for (size_t j = 0; j < i; j++)
        ck_assert (s != varlb_seed_secret (k1, 9, streams[j]));
    }
  /* Alice's bits: the same under the same key and seed, independent
     (about half equal) under another key. */
  varlb_instance_t a, b, c;
  instance (&a, 3, k1);
  instance (&b, 3, k1);
  instance (&c, 3, k2);
  ck_assert (mpz_cmp (a.x.x, b.x.x) == 0);
  double agr = test_agreement (&a, &c);
  /* 1728 bits: 5 sigma of a fair coin is 0.06. */
  ck_assert_msg (fabs (agr - 0.5) < 0.06, "agreement %g under different keys", agr);
  varlb_instance_clear (&a);
  varlb_instance_clear (&b);
  varlb_instance_clear (&c);
}
END_TEST

/* The attack the key exists for: a half that holds the public seed tries
   every small run seed, finds the one whose public seed matches, and
   rebuilds the instance with the library under the open key.  With the
   judge's key, what it rebuilds is a coin flip per bit. */
START_TEST (small_seed_search_rebuilds_nothing_without_the_key)
{
  unsigned char k[VARLB_JUDGE_KEY_BYTES];
  key_of (k, 0x5a);
  varlb_instance_t real;
  instance (&real, 777, k);
  uint64_t found = UINT64_MAX;
  for (uint64_t s = 0; s < 4096 && found == UINT64_MAX; s++)
    if (varlb_seed_public (s) == real.public_seed)
      found = s;
  ck_assert (found == 777); /* the search itself works */
  varlb_instance_t guess;
  instance (&guess, found, NULL);
  ck_assert (memcmp (real.K, guess.K, real.alice_tokens * real.d * sizeof *real.K) == 0);
  double agr = test_agreement (&real, &guess);
  ck_assert_msg (fabs (agr - 0.5) < 0.06, "rebuilt %g of the bits", agr);
  /* ... whereas under the open key the same search rebuilds every bit. */
  varlb_instance_t open;
  instance (&open, 777, NULL);
  ck_assert (test_agreement (&open, &guess) == 1.0);
  varlb_instance_clear (&real);
  varlb_instance_clear (&guess);
  varlb_instance_clear (&open);
}
END_TEST

START_TEST (open_key_is_named_and_real_keys_fingerprinted)
{
  unsigned char z[VARLB_JUDGE_KEY_BYTES] = { 0 }, k1[VARLB_JUDGE_KEY_BYTES],
                k2[VARLB_JUDGE_KEY_BYTES];
  key_of (k1, 1);
  key_of (k2, 2);
  char a[17], b[17], c[17];
  ck_assert (varlb_judge_key_is_open (z) && !varlb_judge_key_is_open (k1));
  varlb_judge_key_fingerprint (a, z);
  varlb_judge_key_fingerprint (b, k1);
  varlb_judge_key_fingerprint (c, k2);
  ck_assert_str_eq (a, "open");
  ck_assert_uint_eq (strlen (b), 16);
  ck_assert_str_ne (b, c);
  /* The fingerprint is not the key's leading bytes. */
  char lead[17];
  for (int i = 0; i < 8; i++)
    snprintf (lead + 2 * i, 3, "%02x", k1[i]);
  ck_assert_str_ne (b, lead);
}
END_TEST

static char dir[] = "/tmp/varlb-test-seed.XXXXXX";

static void
write_text (const char *path, const char *text, mode_t mode)
{
  FILE *f = fopen (path, "w");
  ck_assert (f != NULL);
  fputs (text, f);
  fclose (f);
  chmod (path, mode);
}

START_TEST (key_file_is_made_private_once_and_checked)
{
  ck_assert (mkdtemp (dir) != NULL);
  char path[256], bad[256];
  snprintf (path, sizeof path, "%s/sub/judge.key", dir);
  unsigned char k1[VARLB_JUDGE_KEY_BYTES], k2[VARLB_JUDGE_KEY_BYTES];
  /* Missing without CREATE: an error, nothing made. */
  ck_assert_int_eq (varlb_judge_key_load (k1, path, 0), VARLB_EIO);
  ck_assert (access (path, F_OK) != 0);
  ck_assert_int_eq (varlb_judge_key_load (k1, path, 1), VARLB_OK);
  struct stat sb;
  ck_assert (stat (path, &sb) == 0 && (sb.st_mode & 0777) == 0600 && sb.st_size == 65);
  ck_assert (!varlb_judge_key_is_open (k1));
  ck_assert_int_eq (varlb_judge_key_load (k2, path, 1), VARLB_OK);
  ck_assert (memcmp (k1, k2, sizeof k1) == 0);
  /* Several processes creating at once agree on one key. */
  char many[256];
  snprintf (many, sizeof many, "%s/many.key", dir);
  pid_t kids[4];
  for (int i = 0; i < 4; i++)
    if ((kids[i] = fork ()) == 0)
      {
        unsigned char k[VARLB_JUDGE_KEY_BYTES];
        _exit (varlb_judge_key_load (k, many, 1) == VARLB_OK ? 0 : 1);
      }
  for (int i = 0; i < 4; i++)
    {
      int ws;
      ck_assert (waitpid (kids[i], &ws, 0) == kids[i] && WIFEXITED (ws) && WEXITSTATUS (ws) == 0);
    }
  ck_assert_int_eq (varlb_judge_key_load (k1, many, 0), VARLB_OK);
  /* Refused: readable by others, too short, not hex, the open key. */
  snprintf (bad, sizeof bad, "%s/bad.key", dir);
  const char *good = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n";
  write_text (bad, good, 0600);
  ck_assert_int_eq (varlb_judge_key_load (k1, bad, 0), VARLB_OK);
  ck_assert_int_eq (k1[1], 0x11);
  /* Any permission for the group or others, read, write or execute, one
     at a time (a group-readable 0640 key is as open as a world-readable
     one), refused; the owner's own bits are no business of the check. */
  for (mode_t bit = 1; bit <= 040; bit <<= 1)
    {
      write_text (bad, good, 0600 | bit);
      struct stat mb;
      ck_assert (stat (bad, &mb) == 0 && (mb.st_mode & 0777) == (0600 | bit));
      ck_assert_msg (varlb_judge_key_load (k1, bad, 0) == VARLB_EFORMAT,
                     "a key of mode %04o was accepted", (unsigned) (0600 | bit));
    }
  write_text (bad, good, 0640);
  ck_assert_int_eq (varlb_judge_key_load (k1, bad, 0), VARLB_EFORMAT);
  write_text (bad, good, 0400);
  ck_assert_int_eq (varlb_judge_key_load (k1, bad, 0), VARLB_OK);
  ck_assert (chmod (bad, 0600) == 0); /* writable again for what follows */
  write_text (bad, "00112233\n", 0600);
  ck_assert_int_eq (varlb_judge_key_load (k1, bad, 0), VARLB_EFORMAT);
  write_text (bad, "zz112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n", 0600);
  ck_assert_int_eq (varlb_judge_key_load (k1, bad, 0), VARLB_EFORMAT);
  write_text (bad, "0000000000000000000000000000000000000000000000000000000000000000\n", 0600);
  ck_assert_int_eq (varlb_judge_key_load (k1, bad, 0), VARLB_EFORMAT);
  write_text (bad, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff0\n", 0600);
  ck_assert_int_eq (varlb_judge_key_load (k1, bad, 0), VARLB_EFORMAT);
  char cmd[300];
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
  ck_assert (system (cmd) == 0);
}
END_TEST

TEST_MAIN ("seed", s)
{
  TCase *tc = test_case (s, "split", 60);
  tcase_add_test (tc, public_seed_is_one_way_of_the_seed_alone);
  tcase_add_test (tc, secret_streams_depend_on_key_seed_and_stream);
  tcase_add_test (tc, small_seed_search_rebuilds_nothing_without_the_key);
  tcase_add_test (tc, open_key_is_named_and_real_keys_fingerprinted);
  tcase_add_test (tc, key_file_is_made_private_once_and_checked);
}
