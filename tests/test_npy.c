/* test_npy.c -- .npy round trip, NumPy's own header forms, and a strict
 * reader: every truncation and a set of mutations of a valid file are
 * rejected or parsed consistently, never crash. */
#include "testutil.h"
#include <string.h>
#include <stdio.h>

static size_t
make_npy (unsigned char *buf, const char *header, const double *a, size_t n)
{
  size_t hl = strlen (header);
  memcpy (buf, "\x93NUMPY\x01\x00", 8);
  buf[8] = (unsigned char) (hl & 0xff);
  buf[9] = (unsigned char) (hl >> 8);
  memcpy (buf + 10, header, hl);
  memcpy (buf + 10 + hl, a, n * 8); /* the test machine is little-endian */
  return 10 + hl + n * 8;
}

START_TEST (write_then_read_round_trips)
{
  double a[6] = { 1.5, -2, 0, 1e300, -1e-300, 3.25 };
  const char *path = "test_npy_roundtrip.npy";
  ck_assert_int_eq (varlb_npy_write (path, a, 2, 3), VARLB_OK);
  double *b;
  size_t r, c;
  ck_assert_int_eq (varlb_npy_read (path, &b, &r, &c), VARLB_OK);
  ck_assert_uint_eq (r, 2);
  ck_assert_uint_eq (c, 3);
  ck_assert (memcmp (a, b, sizeof a) == 0);
  free (b);
  FILE *f = fopen (path, "rb");
  unsigned char head[10];
  ck_assert_uint_eq (fread (head, 1, 10, f), 10);
  fclose (f);
  ck_assert_uint_eq ((10 + head[8] + 256u * head[9]) % 64, 0);
  remove (path);
  ck_assert_int_eq (varlb_npy_read ("/nonexistent/x.npy", &b, &r, &c), VARLB_EIO);
}
END_TEST

START_TEST (numpy_header_forms_parse)
{
  unsigned char buf[512];
  double a[3] = { 1, 2, 3 }, *b;
  size_t r, c;
  size_t n = make_npy (buf, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }          \n", a, 3);
  ck_assert_int_eq (varlb_npy_parse (buf, n, &b, &r, &c), VARLB_OK);
  ck_assert_uint_eq (r, 1);
  ck_assert_uint_eq (c, 3);
  ck_assert_double_eq (b[2], 3);
  free (b);
  n = make_npy (buf, "{'shape': (1, 3), 'fortran_order': False, 'descr': '<f8'}\n", a, 3);
  ck_assert_int_eq (varlb_npy_parse (buf, n, &b, &r, &c), VARLB_OK);
  free (b);
  n = make_npy (buf, "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 4), }\n", a, 0);
  ck_assert_int_eq (varlb_npy_parse (buf, n, &b, &r, &c), VARLB_OK);
  ck_assert_uint_eq (r * c, 0);
  free (b);
}
END_TEST

START_TEST (malformed_files_are_rejected)
{
  unsigned char buf[512];
  double a[4] = { 1, 2, 3, 4 }, *b;
  size_t r, c;
  const char *bad[] = {
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }\n",
    "{'descr': '>f8', 'fortran_order': False, 'shape': (2, 2), }\n",
    "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }\n",
    "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2, 1), }\n",
    "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }\n",
    "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }\n",
    "{'descr': '<f8', 'fortran_order': False, }\n",
    "{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }\n",
    "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), 'x': 1}\n",
    "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999, 2), }\n",
    "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }\n",
    "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }",
    "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), } x\n",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    {
      size_t n = make_npy (buf, bad[i], a, 4);
      ck_assert_msg (varlb_npy_parse (buf, n, &b, &r, &c) == VARLB_EFORMAT, "accepted %s", bad[i]);
      ck_assert_ptr_null (b);
    }
  /* Every truncation of a valid file is rejected; every single-byte
     mutation either parses to the right shape or is rejected cleanly. */
  size_t n = make_npy (buf, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }\n", a, 4);
  for (size_t k = 0; k < n; k++)
    ck_assert_int_eq (varlb_npy_parse (buf, k, &b, &r, &c), VARLB_EFORMAT);
  gsl_rng *g = varlb_rng_new (1, VARLB_STREAM_USER);
  for (int it = 0; it < 20000; it++)
    {
      unsigned char m[512];
      memcpy (m, buf, n);
      size_t pos = gsl_rng_uniform_int (g, n);
      m[pos] = (unsigned char) gsl_rng_uniform_int (g, 256);
      int st = varlb_npy_parse (m, n, &b, &r, &c);
      if (st == VARLB_OK)
        {
          ck_assert_uint_eq (r * c * 8 + 10 + (m[8] | m[9] << 8), n);
          free (b);
        }
      else
        ck_assert_int_eq (st, VARLB_EFORMAT);
    }
  gsl_rng_free (g);
}
END_TEST

/* Each way an external program's output goes wrong gets its own reason
   (the channel prints it), and varlb_npy_read_why passes the file's. */
START_TEST (errors_name_the_problem)
{
  unsigned char buf[512];
  double a[8] = { 0 }, *b;
  size_t r, c;
  char why[256];
  static const struct { const char *header; size_t n; const char *says; } cases[] = {
    { "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }\n", 2, "float32 ('<f4')" },
    { "{'descr': '>f8', 'fortran_order': False, 'shape': (2, 2), }\n", 4, "big-endian float64" },
    { "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }\n", 2, "big-endian float32" },
    { "{'descr': '<i8', 'fortran_order': False, 'shape': (2, 2), }\n", 4, "int64 ('<i8')" },
    { "{'descr': '|b1', 'fortran_order': False, 'shape': (2, 2), }\n", 1, "bool" },
    { "{'descr': '<U3', 'fortran_order': False, 'shape': (2, 2), }\n", 4, "dtype '<U3'" },
    { "{'descr': [('x', '<f8')], 'fortran_order': False, 'shape': (2,), }\n", 2, "structured" },
    { "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }\n", 4, "Fortran" },
    { "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2, 1), }\n", 4, "3-D array of shape (2, 2, 1)" },
    { "{'descr': '<f8', 'fortran_order': False, 'shape': (), }\n", 1, "0-D" },
    { "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }\n", 4, "truncated data: 32 of the 48 bytes" },
    { "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }\n", 4, "16 bytes after the data" },
    { "{'descr': '<f8', 'fortran_order': False, }\n", 4, "no 'shape' key" },
    { "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), 'x': 1}\n", 4, "unexpected key 'x'" },
    { "{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }\n", 4, "repeated key 'descr'" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    {
      size_t n = make_npy (buf, cases[i].header, a, cases[i].n);
      ck_assert_int_eq (varlb_npy_parse_why (buf, n, &b, &r, &c, why, sizeof why), VARLB_EFORMAT);
      ck_assert_msg (strstr (why, cases[i].says) != NULL, "%s: '%s' lacks '%s'", cases[i].header,
                     why, cases[i].says);
      ck_assert_ptr_null (b);
    }
  size_t n = make_npy (buf, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }\n", a, 4);
  ck_assert_int_eq (varlb_npy_parse_why (buf, 20, &b, &r, &c, why, sizeof why), VARLB_EFORMAT);
  ck_assert_msg (strstr (why, "truncated header") != NULL, "%s", why);
  buf[6] = 7;
  ck_assert_int_eq (varlb_npy_parse_why (buf, n, &b, &r, &c, why, sizeof why), VARLB_EFORMAT);
  ck_assert_msg (strstr (why, "version 7.0") != NULL, "%s", why);
  ck_assert_int_eq (varlb_npy_parse_why ((const unsigned char *) "PK\x03\x04rest", 8, &b, &r, &c,
                                         why, sizeof why), VARLB_EFORMAT);
  ck_assert_msg (strstr (why, ".npz") != NULL, "%s", why);
  ck_assert_int_eq (varlb_npy_parse_why ((const unsigned char *) "hello, world", 12, &b, &r, &c,
                                         why, sizeof why), VARLB_EFORMAT);
  ck_assert_msg (strstr (why, "not a .npy") != NULL, "%s", why);
  ck_assert_int_eq (varlb_npy_read_why ("/nonexistent/O.npy", &b, &r, &c, why, sizeof why),
                    VARLB_EIO);
  ck_assert_msg (strstr (why, "No such file") != NULL, "%s", why);
  /* A good file leaves WHY empty; a NULL WHY is allowed. */
  buf[6] = 1;
  ck_assert_int_eq (varlb_npy_parse_why (buf, n, &b, &r, &c, why, sizeof why), VARLB_OK);
  ck_assert_str_eq (why, "");
  free (b);
  ck_assert_int_eq (varlb_npy_parse_why (buf, n - 1, &b, &r, &c, NULL, 0), VARLB_EFORMAT);
}
END_TEST

TEST_MAIN ("npy", s)
{
  TCase *tc = test_case (s, "core", 60);
  ADD_TEST (tc, write_then_read_round_trips);
  ADD_TEST (tc, numpy_header_forms_parse);
  ADD_TEST (tc, malformed_files_are_rejected);
  ADD_TEST (tc, errors_name_the_problem);
}
