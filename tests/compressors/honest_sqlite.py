#!/usr/bin/env python3
# honest_sqlite.py -- an honest compressor that keeps its bookkeeping in
# SQLite in its private /tmp (tests/cli_honest.sh): compress stores every
# token's key norm in a table and keeps the tokens SQL ranks first (as
# examples/external/topk_fp16.py does with NumPy); answer stores the blob's
# rows and reads them back.  MODE: locking (SQLite's default: POSIX locks),
# nolock (?nolock=1: what a serve: worker, refused locks, must use).
#   honest_sqlite.py MODE compress|answer|serve ...
import os
import sqlite3
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
import varlb_compressor as vc  # noqa: E402

MODE = sys.argv[1]


def db(name):
    path = os.path.join(tempfile.gettempdir(), name)
    if MODE == "nolock":
        return sqlite3.connect("file:%s?nolock=1" % path, uri=True)
    return sqlite3.connect(path)


def compress(K, V, budget_bits, public_seed):
    (T, d), dv = K.shape, V.shape[1]
    c = db("compress.db")
    c.execute("CREATE TABLE IF NOT EXISTS tok (t INTEGER PRIMARY KEY, norm REAL)")
    c.execute("DELETE FROM tok")
    c.executemany("INSERT INTO tok VALUES (?, ?)",
                  [(t, float(np.linalg.norm(K[t]))) for t in range(T)])
    c.commit()
    k = min(T, max(0, vc.budget_bytes(budget_bits) - 12) // (2 * (d + dv)))
    keep = sorted(t for (t,) in c.execute("SELECT t FROM tok ORDER BY norm DESC, t LIMIT ?", (k,)))
    c.close()
    rows = np.hstack([K[keep], V[keep]]).astype("<f2") if keep else np.zeros((0, d + dv), "<f2")
    return np.array([k, d, dv], dtype="<u4").tobytes() + rows.tobytes()


def answer(blob, Q, public_seed):
    k, d, dv = (int(x) for x in np.frombuffer(blob[:12], dtype="<u4"))
    rows = np.frombuffer(blob[12:], dtype="<f2").astype(np.float64).reshape(k, d + dv)
    c = db("answer.db")
    c.execute("CREATE TABLE IF NOT EXISTS row (i INTEGER PRIMARY KEY, data BLOB)")
    c.execute("DELETE FROM row")
    c.executemany("INSERT INTO row VALUES (?, ?)", [(i, rows[i].tobytes()) for i in range(k)])
    c.commit()
    back = [np.frombuffer(b, dtype=np.float64) for (b,) in c.execute("SELECT data FROM row ORDER BY i")]
    c.close()
    rows = np.array(back).reshape(k, d + dv) if back else np.zeros((0, d + dv))
    if k == 0:
        return np.zeros((Q.shape[0], dv))
    return vc.attention(Q, rows[:, :d], rows[:, d:])


vc.run(compress, answer, argv=sys.argv[2:], prog="honest_sqlite")
