"""test_varlb_compressor.py -- the Python helper (python/varlb_compressor.py):
its exec, serve and calibrate protocol loops driven by a fake judge, key regeneration
against the keys `varlb decode --dump` writes, bit packing, budgets, .npy
files and attention.  Run by tests/python_helper.sh (PYTHONPATH, VARLB and
VARLB_LIBRARY set there)."""

import json
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

import numpy as np

import varlb_compressor as vc

VARLB = os.environ.get("VARLB", "varlb")

# A user program: lossless fp64 cache behind a header that echoes what the
# helper handed it (budget, seed, instance.d); it chatters on stdout (print
# and a raw write to fd 1) and fails on budget 13.
PROGRAM = textwrap.dedent('''\
    import os
    import numpy as np
    import varlb_compressor as vc

    def compress(K, V, budget_bits, public_seed, instance):
        print("chatter from compress")
        os.write(1, b"raw chatter on fd 1\\n")
        if budget_bits == 13:
            raise ValueError("unlucky budget")
        head = np.array([budget_bits, public_seed, instance.d or 0, K.shape[0], V.shape[1]], "<u8")
        return head.tobytes() + K.astype("<f8").tobytes() + V.astype("<f8").tobytes()

    def answer(blob, Q, public_seed):
        print("chatter from answer")
        budget, seed, d, T, dv = (int(x) for x in np.frombuffer(blob[:40], "<u8"))
        if seed != public_seed:
            raise vc.CompressorError("seed %d, blob made with %d" % (public_seed, seed))
        KV = np.frombuffer(blob[40:], "<f8")
        K = KV[:T * Q.shape[1]].reshape(T, -1)
        V = KV[T * Q.shape[1]:].reshape(T, dv)
        return vc.attention(Q, K, V)

    vc.run(compress, answer)
    ''')

# A program with a calibrate function: it leaves a table naming the public
# calibration seed, and each half says on stderr which table it found at
# instance.calibration; it refuses calibration seed 13.
CALIBRATING = textwrap.dedent('''\
    import os
    import sys
    import numpy as np
    import varlb_compressor as vc

    def calibrate(directory, seed):
        if seed == 13:
            raise vc.CompressorError("unlucky calibration seed")
        with open(os.path.join(directory, "table.txt"), "w") as f:
            f.write("table for seed %d" % seed)

    def seen(half, instance):
        if instance.calibration is None:
            sys.stderr.write("%s: no calibration\\n" % half)
        else:
            with open(os.path.join(instance.calibration, "table.txt")) as f:
                sys.stderr.write("%s: %s\\n" % (half, f.read()))

    def compress(K, V, budget_bits, public_seed, instance):
        seen("compress", instance)
        return b""

    def answer(blob, Q, public_seed, instance):
        seen("answer", instance)
        return np.full((Q.shape[0], instance.dv or 16), 0.5)

    vc.run(compress, answer, calibrate=calibrate)
    ''')

INSTANCE_ENV = {"VARLB_SCHEDULE": "1,2,4", "VARLB_D": "16", "VARLB_DV": "16",
                "VARLB_JL": "gaussian", "VARLB_KEYS": "unit", "VARLB_VALUES": "01",
                "VARLB_C": "12.5", "VARLB_ALICE_TOKENS": "5"}


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


class Judge(unittest.TestCase):
    """A fake judge: files in a private directory, the program run as exec
    and as serve workers."""

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)
        self.prog = os.path.join(self.dir.name, "prog.py")
        with open(self.prog, "w") as f:
            f.write(PROGRAM)
        rng = np.random.default_rng(3)
        self.K = rng.standard_normal((5, 16))
        self.V = rng.integers(0, 2, (5, 16)).astype(np.float64)
        self.Q = 12.5 * self.K[[4, 0, 2]]
        for name, a in (("K.npy", self.K), ("V.npy", self.V), ("Q.npy", self.Q)):
            vc.write_npy(self.path(name), a)
        self.env = dict(os.environ, **INSTANCE_ENV)

    def path(self, name):
        return os.path.join(self.dir.name, name)

    def exec_half(self, *args, env=None):
        return subprocess.run([sys.executable, self.prog] + list(args), cwd=self.dir.name,
                              env=env or self.env, capture_output=True, text=True, timeout=60)

    def test_exec_halves_follow_the_file_protocol(self):
        r = self.exec_half("compress", "--keys", "K.npy", "--values", "V.npy",
                           "--budget-bits", "2713.6000000000004", "--seed", "18446744073709551615",
                           "--out", "BLOB")
        self.assertEqual(r.returncode, 0, r.stderr)
        head = np.frombuffer(read_bytes(self.path("BLOB"))[:40], "<u8")
        self.assertEqual(list(head), [2713, 2 ** 64 - 1, 16, 5, 16])
        r = self.exec_half("answer", "--blob", "BLOB", "--queries", "Q.npy",
                           "--seed", "18446744073709551615", "--out", "O.npy")
        self.assertEqual(r.returncode, 0, r.stderr)
        O = vc.read_npy(self.path("O.npy"))
        np.testing.assert_allclose(O, vc.attention(self.Q, self.K, self.V), rtol=0, atol=1e-15)

    def test_exec_failures_are_one_line_with_exit_status(self):
        r = self.exec_half("compress", "--keys", "missing.npy", "--values", "V.npy",
                           "--budget-bits", "100", "--seed", "1", "--out", "BLOB")
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr.strip().splitlines()[-1], r"^prog\.py: compress: missing\.npy: ")
        r = self.exec_half("compress", "--keys", "K.npy", "--values", "V.npy",
                           "--budget-bits", "13", "--seed", "1", "--out", "BLOB")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.strip().splitlines()[-1],
                         "prog.py: compress: ValueError: unlucky budget")
        r = self.exec_half("answer", "--blob", "BLOB", "--queries", "Q.npy", "--sed", "1")
        self.assertEqual(r.returncode, 2)
        r = self.exec_half("compress", "--keys", "K.npy", "--values", "V.npy",
                           "--budget-bits", "-5", "--seed", "1", "--out", "BLOB")
        self.assertEqual(r.returncode, 1)

    def serve(self, half, requests):
        p = subprocess.Popen([sys.executable, self.prog, "serve", "--half", half],
                             cwd=self.dir.name, env=self.env, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        replies = []
        try:
            for req in requests:
                # One request at a time: the worker must answer each before
                # the next arrives (it stays alive across requests).
                p.stdin.write((req if isinstance(req, str) else json.dumps(req)) + "\n")
                p.stdin.flush()
                replies.append(p.stdout.readline())
            out, err = p.communicate(timeout=60)
        finally:
            if p.poll() is None:
                p.kill()
        self.assertEqual(p.returncode, 0, err)
        self.assertEqual(out, "", "stdout after the replies")
        return [json.loads(line) for line in replies], err

    def test_serve_session_answers_each_request_and_keeps_stdout_clean(self):
        inst = {"schedule": [1, 2, 4], "d": 16, "dv": 16, "jl": "gaussian", "keys": "unit",
                "values": "01", "C": 12.5, "alice_tokens": 5}
        good = {"keys": "K.npy", "values": "V.npy", "budget_bits": 4000, "seed": 9,
                "out": "B1", "instance": inst}
        replies, err = self.serve("compress", [
            good,
            dict(good, keys="nope.npy", out="B2"),
            dict(good, budget_bits=13, out="B3"),
            "this is not json",
            dict(good, out="B4", budget_bits=2713.6000000000004),
        ])
        self.assertEqual([r["ok"] for r in replies], [True, False, False, False, True])
        self.assertIn("nope.npy", replies[1]["error"])
        self.assertEqual(replies[2]["error"], "ValueError: unlucky budget")
        self.assertIn("chatter from compress", err)
        self.assertIn("raw chatter on fd 1", err)
        self.assertEqual(list(np.frombuffer(read_bytes(self.path("B4"))[:24], "<u8")),
                         [2713, 9, 16])
        replies, err = self.serve("answer", [
            {"blob": "B1", "queries": "Q.npy", "seed": 9, "out": "O1.npy", "instance": inst},
            {"blob": "B1", "queries": "Q.npy", "seed": 10, "out": "O2.npy"},
            {"blob": "B4", "queries": "Q.npy", "seed": 9, "out": "O3.npy"},
        ])
        self.assertEqual([r["ok"] for r in replies], [True, False, True])
        self.assertIn("seed 10", replies[1]["error"])
        want = vc.attention(self.Q, self.K, self.V)
        for name in ("O1.npy", "O3.npy"):
            np.testing.assert_allclose(vc.read_npy(self.path(name)), want, rtol=0, atol=1e-15)
        self.assertFalse(os.path.exists(self.path("O2.npy")))


class Calibration(unittest.TestCase):
    """`PROG calibrate --seed S --out CALIB` (varlb --calibrate): the
    program's calibrate function fills a fresh directory once, and both
    halves find it at instance.calibration, under exec and serve alike."""

    setUp_files = Judge.setUp
    path = Judge.path
    exec_half = Judge.exec_half
    serve = Judge.serve

    def setUp(self):
        self.setUp_files()
        self.plain = self.prog
        self.prog = self.path("calibrating.py")
        with open(self.prog, "w") as f:
            f.write(CALIBRATING)

    def test_calibrate_fills_a_directory_both_halves_read(self):
        r = self.exec_half("calibrate", "--seed", "18446744073709551615", "--out", "CALIB")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(read_bytes(self.path("CALIB/table.txt")),
                         b"table for seed 18446744073709551615")
        env = dict(self.env, VARLB_CALIBRATION=self.path("CALIB"))
        r = self.exec_half("compress", "--keys", "K.npy", "--values", "V.npy",
                           "--budget-bits", "8", "--seed", "1", "--out", "BLOB", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("compress: table for seed 18446744073709551615", r.stderr)
        r = self.exec_half("answer", "--blob", "BLOB", "--queries", "Q.npy", "--seed", "1",
                           "--out", "O.npy", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("answer: table for seed 18446744073709551615", r.stderr)
        r = self.exec_half("answer", "--blob", "BLOB", "--queries", "Q.npy", "--seed", "1",
                           "--out", "O.npy")
        self.assertIn("answer: no calibration", r.stderr)
        replies, err = self.serve("answer", [
            {"blob": "BLOB", "queries": "Q.npy", "seed": 1, "out": "O1.npy",
             "calibration": self.path("CALIB")},
            {"blob": "BLOB", "queries": "Q.npy", "seed": 1, "out": "O2.npy"},
            {"blob": "BLOB", "queries": "Q.npy", "seed": 1, "out": "O3.npy", "calibration": 5},
        ])
        self.assertEqual([r["ok"] for r in replies], [True, True, False])
        self.assertIn("answer: table for seed 18446744073709551615\nanswer: no calibration", err)
        self.assertIn("not a path", replies[2]["error"])

    def test_varlb_calibrate_runs_it_once_for_every_half(self):
        # The real judge (through the --no-sandbox wrapper where no sandbox
        # can be made): the row records the calibration, both halves read it.
        cmd = [VARLB, "attack", "--schedule", "1,2,4", "-d", "16", "--budget", "8", "--json",
               "--compressor", "exec:%s %s" % (sys.executable, self.prog)]
        for calibrate in (True, False):
            r = subprocess.run(cmd + ["--calibrate"] * calibrate, capture_output=True,
                               text=True, timeout=300)
            self.assertTrue(r.stdout, r.stderr)
            row = json.loads(r.stdout.splitlines()[0])
            self.assertEqual(row["status"], "ok", row)
            if calibrate:
                self.assertIn("calibrated before any instance", row["calibration"])
                self.assertRegex(row["stderr_compress"], r"compress: table for seed \d+$")
                self.assertRegex(row["stderr_answer"], r"answer: table for seed \d+$")
            else:
                self.assertNotIn("calibrated", row["calibration"])
                self.assertIn("compress: no calibration", row["stderr_compress"])

    def test_calibrate_failures_and_programs_without_one(self):
        r = self.exec_half("calibrate", "--seed", "13", "--out", "CALIB")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.strip().splitlines()[-1],
                         "calibrating.py: calibrate: unlucky calibration seed")
        r = self.exec_half("calibrate", "--seed", "-1", "--out", "CALIB")
        self.assertEqual(r.returncode, 1)
        r = self.exec_half("calibrate", "--out", "CALIB")
        self.assertEqual(r.returncode, 2)
        # A program without calibrate runs under --calibrate and leaves nothing.
        self.prog = self.plain
        r = self.exec_half("calibrate", "--seed", "1", "--out", "CALIB2")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(os.path.exists(self.path("CALIB2")))
        self.assertIn("nothing calibrated", r.stderr)


class PublicKeys(unittest.TestCase):
    def dumped_keys(self, *opts):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "dump")
            subprocess.run([VARLB, "decode", "--dump", out] + list(opts), check=True,
                           capture_output=True, timeout=120)
            return vc.read_npy(os.path.join(out, "K.npy"))

    def test_regenerated_keys_equal_the_dumped_instance_keys(self):
        # A half receives the public seed, a one-way function of the run's
        # seed, which `varlb decode --json` reports.
        for jl, keys, run in (("gaussian", "unit", 5), ("rademacher", "scaled", 77),
                              ("achlioptas", "unit", 2 ** 40 + 3)):
            opts = ("--schedule", "1,2,4,6", "-d", "24", "--jl", jl, "--keys", keys,
                    "--seed", str(run))
            K = self.dumped_keys(*opts)
            info = subprocess.run([VARLB, "decode", "--json"] + list(opts), check=True,
                                  capture_output=True, timeout=120, text=True)
            seed = json.loads(info.stdout)["public_seed"]
            self.assertNotEqual(seed, run)
            inst = vc.Instance.from_env({"VARLB_SCHEDULE": "1,2,4,6", "VARLB_D": "24",
                                         "VARLB_JL": jl, "VARLB_KEYS": keys})
            self.assertEqual(inst.alice_tokens, 21)
            R = inst.public_keys(seed)
            self.assertEqual(R.shape, (21, 24))
            self.assertTrue(np.array_equal(R, K[:21]), "%s %s seed %d" % (jl, keys, seed))
            self.assertFalse(np.array_equal(inst.public_keys(seed + 1), K[:21]))

    def test_missing_instance_parameters_are_named(self):
        with self.assertRaisesRegex(vc.CompressorError, "VARLB_JL"):
            vc.Instance(schedule=[1, 2], d=4, keys="unit").public_keys(1)
        with self.assertRaisesRegex(vc.CompressorError, "unknown JL family"):
            vc.public_keys(3, 4, "cauchy", "unit", 1)

    def test_target_token_is_the_argmax_of_each_query(self):
        K = vc.public_keys(40, 32, "gaussian", "unit", 11)
        idx = np.array([3, 39, 0, 17])
        np.testing.assert_array_equal(vc.target_tokens(16.3 * K[idx], K), idx)


# One head's compressor with no protocol code: the keys are public coins,
# the value bits of the first tokens that fit are kept (values_only.py).
TWO_FUNCTIONS = textwrap.dedent('''\
    import numpy as np
    import varlb_compressor as vc

    def compress(K, V, budget_bits, public_seed, instance):
        assert K.ndim == 2, K.shape
        n = min(V.shape[0], 8 * vc.budget_bytes(budget_bits) // V.shape[1])
        return vc.pack_bits(V[:n] > 0.5)

    def answer(blob, Q, public_seed, instance):
        K = instance.public_keys(public_seed)
        V = np.full((K.shape[0], instance.dv), 0.5)
        n = min(K.shape[0], 8 * len(blob) // instance.dv)
        V[:n] = vc.unpack_bits(blob, n * instance.dv).reshape(n, instance.dv)
        return vc.attention(Q, K, V)
    ''')

# Whole-model halves: they see (L, H, T, d) arrays and the model's shape.
WHOLE = textwrap.dedent('''\
    import sys
    import numpy as np
    import varlb_compressor as vc

    def compress(K, V, budget_bits, public_seed, instance):
        sys.stderr.write("compress %s %s %d x %d\\n" % (K.shape, V.shape, instance.layers,
                                                      instance.heads))
        return vc.pack_bits(V > 0.5)

    def answer(blob, Q, public_seed, instance):
        L, H, m, d = Q.shape
        return np.zeros((L, H, m, instance.dv))

    vc.run(compress, answer, whole_model=True)
    ''')


class WholeModels(unittest.TestCase):
    """A model's (L, H, T, d) arrays: per-head functions run head by head as
    varlb splits a one-head built-in, whole-model ones see the arrays."""

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def write(self, name, text):
        path = os.path.join(self.dir.name, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def attack(self, spec, *opts):
        r = subprocess.run([VARLB, "attack", "--compressor", spec, "--schedule", "1,2,3,4",
                            "-d", "16", "--json"] + list(opts), capture_output=True, text=True,
                           timeout=300)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]

    def test_nd_arrays_read_and_write(self):
        p = os.path.join(self.dir.name, "a.npy")
        a = np.arange(2 * 3 * 4 * 5, dtype=np.float64).reshape(2, 3, 4, 5)
        vc.write_npy(p, a)
        np.testing.assert_array_equal(vc.read_npy(p), a)
        with self.assertRaisesRegex(vc.CompressorError, "1 to 8 dimensions"):
            np.save(p, np.zeros((1,) * 9))
            vc.read_npy(p)

    def test_per_head_blob_is_varlbs_split_layout(self):
        L, H, T, d = 2, 3, 5, 4
        rng = np.random.default_rng(1)
        K, V = rng.standard_normal((L, H, T, d)), rng.integers(0, 2, (L, H, T, d)) * 1.0
        seen = []

        def compress(K1, V1, budget_bits, public_seed, instance):
            seen.append((instance.layer, instance.head, budget_bits, public_seed, K1.shape))
            return bytes([instance.layer, instance.head]) * (instance.layer + 1)

        def answer(blob, Q1, public_seed, instance):
            self.assertEqual(blob, bytes([instance.layer, instance.head]) * (instance.layer + 1))
            return np.full((Q1.shape[0], d), 10.0 * instance.layer + instance.head)

        cm, am = vc.per_head(compress, answer)
        inst = vc.Instance(schedule=[1, 2], d=d, dv=d, layers=L, heads=H)
        blob = cm(K, V, 1000, 77, inst)
        lens = list(np.frombuffer(blob[:4 * L * H], "<u4"))
        self.assertEqual(lens, [2, 2, 2, 4, 4, 4])
        self.assertEqual([s[:2] for s in seen], [(l, h) for l in range(L) for h in range(H)])
        self.assertEqual([s[2] for s in seen], [vc.split_budget(1000, 6, i) for i in range(6)])
        self.assertEqual(sum(s[2] for s in seen), 1000 - 6 * 32)
        self.assertEqual(len({s[3] for s in seen}), 6)
        self.assertEqual(seen[4][3], vc.head_seed(77, 1, 1))
        self.assertTrue(all(s[4] == (T, d) for s in seen))
        O = am(blob, K, 77, inst)
        self.assertEqual(O.shape, (L, H, T, d))
        self.assertEqual(O[1, 2, 0, 0], 12.0)
        with self.assertRaisesRegex(vc.CompressorError, "add up"):
            am(blob + b"x", K, 77, inst)

    def test_per_head_program_decodes_a_whole_model_through_varlb(self):
        # exec and serve, the file run by python3 -m varlb_compressor: no
        # protocol code in it, 2 x 2 heads, each head's value bits kept
        # (its share of 1.2 N_total covers them after the length table).
        prog = self.write("two.py", TWO_FUNCTIONS)
        for kind in ("exec", "serve"):
            spec = "%s:%s -m varlb_compressor %s" % (kind, sys.executable, prog)
            r = self.attack(spec, "--layers", "2", "--heads", "2", "--ratio", "1.2")[0]
            self.assertEqual((r["status"], r["correct"], r["N"]), ("ok", 896, 896),
                             r.get("error"))
            r = self.attack(spec, "--ratio", "1")[0]
            self.assertEqual((r["correct"], r["N"]), (224, 224), r.get("error"))

    def test_whole_model_functions_see_the_arrays(self):
        prog = self.write("whole.py", WHOLE)
        r = self.attack("exec:%s %s" % (sys.executable, prog), "--layers", "2", "--heads", "3",
                        "--budget", "2kB")[0]
        self.assertEqual(r["status"], "ok", r.get("error"))
        self.assertIn("compress (2, 3, 14, 16) (2, 3, 14, 16) 2 x 3", r["stderr_compress"])
        self.assertEqual(r["bits_charged"], 2 * 3 * 14 * 16)


class Helpers(unittest.TestCase):
    def test_bits_are_packed_least_significant_first(self):
        self.assertEqual(vc.pack_bits([1, 0, 0, 0, 0, 0, 0, 0, 1]), b"\x01\x01")
        self.assertEqual(vc.pack_bits([0, 1, 1]), b"\x06")
        self.assertEqual(vc.pack_ints([1, 2, 3], 2), b"\x39")
        self.assertEqual(vc.pack_ints([2 ** 64 - 1], 64), b"\xff" * 8)
        with self.assertRaises(vc.CompressorError):
            vc.pack_ints([4], 2)
        with self.assertRaises(vc.CompressorError):
            vc.unpack_bits(b"\x00", 9)

    def test_bit_packing_round_trips(self):
        rng = np.random.default_rng(1)
        for n in (0, 1, 7, 8, 9, 100, 1001):
            bits = rng.integers(0, 2, n)
            data = vc.pack_bits(bits)
            self.assertEqual(len(data), (n + 7) // 8)
            np.testing.assert_array_equal(vc.unpack_bits(data, n), bits)
        for width in (1, 3, 8, 13, 32, 63, 64):
            v = rng.integers(0, 2 ** min(width, 62), 57, dtype=np.uint64)
            v[0] = 2 ** width - 1
            data = vc.pack_ints(v, width)
            self.assertEqual(len(data), (57 * width + 7) // 8)
            np.testing.assert_array_equal(vc.unpack_ints(data, 57, width), v)

    def test_budgets_are_whole_bits(self):
        self.assertEqual(vc.parse_budget("2713.6000000000004"), 2713)
        self.assertEqual(vc.parse_budget("27136"), 27136)
        self.assertEqual(vc.parse_budget(27136.9), 27136)
        self.assertEqual(vc.parse_budget("18446744073709551617"), 2 ** 64 + 1)
        for bad in ("-1", "nan", "inf", "x", None):
            with self.assertRaises(vc.CompressorError):
                vc.parse_budget(bad)
        self.assertEqual(vc.budget_bytes(2713), 339)

    def test_npy_files_are_written_as_varlb_reads_them(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "a.npy")
            vc.write_npy(p, np.arange(6, dtype=np.int32).reshape(3, 2)[:, ::-1])
            raw = read_bytes(p)
            self.assertEqual(raw[:8], b"\x93NUMPY\x01\x00")
            self.assertIn(b"'descr': '<f8', 'fortran_order': False, 'shape': (3, 2)", raw)
            self.assertEqual(len(raw), 128 + 6 * 8)
            np.testing.assert_array_equal(vc.read_npy(p), [[1, 0], [3, 2], [5, 4]])
            with self.assertRaises(vc.CompressorError):
                vc.write_npy(p, np.zeros(3))

    def test_attention_is_exact_softmax_and_stable(self):
        rng = np.random.default_rng(2)
        Q = 100 * rng.standard_normal((4, 8))
        K = rng.standard_normal((6, 8))
        V = rng.standard_normal((6, 3))
        S = Q @ K.T
        want = np.array([(np.exp(s - s.max()) @ V) / np.exp(s - s.max()).sum() for s in S])
        np.testing.assert_allclose(vc.attention(Q, K, V), want, rtol=1e-13, atol=1e-15)
        self.assertTrue(np.all(np.isfinite(vc.attention(1e4 * Q, K, V))))
        np.testing.assert_array_equal(vc.attention(Q, K[:0], V[:0]), np.zeros((4, 3)))


if __name__ == "__main__":
    unittest.main()
