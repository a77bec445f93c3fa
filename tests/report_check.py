#!/usr/bin/env python3
"""report_check.py -- reads a varlb report page as text (no browser) and checks
it against the files it was made from, recomputing every number here in
Python from the rows' counts (never from the page or the row's own verdict):

  report_check.py page PAGE.html FILE...   the numbers, the links, the data
  report_check.py data PAGE.html FILE...   the links and the data only
  report_check.py big PAGE.html FILE.csv   an aggregated page (one point per
                                           compressor and budget)
  report_check.py scaling PAGE.html SCALING.csv STDOUT   the fitted exponents
  report_check.py synth IN.csv OUT.csv ROWS a large sweep made of IN's rows

Each check prints one "ok ..." line; the first failure raises (exit 1)."""
import base64
import csv
import gzip
import hashlib
import html.parser
import json
import math
import os
import re
import sys


def h2(p):
    return 0.0 if p <= 0 or p >= 1 else -p * math.log2(p) - (1 - p) * math.log2(1 - p)


def deficit(delta):
    """1 - H2(1/2 + delta), accurate for small delta (log1p)."""
    a, b = 1 - 2 * delta, 1 + 2 * delta
    return ((a * math.log1p(-2 * delta) if a > 0 else 0.0) + b * math.log1p(2 * delta)) / (2 * math.log(2))


def fano(bits, n):
    """The largest p = 1/2 + delta with 1 - H2(p) <= bits/n (bisection on
    delta, where H2 is flat near 1/2)."""
    if bits >= n:
        return 1.0
    lo, hi = 0.0, 0.5
    for _ in range(200):
        mid = (lo + hi) / 2
        if deficit(mid) <= bits / n:
            lo = mid
        else:
            hi = mid
    return 0.5 + lo


def efficiency(acc, bits, n):
    if not bits > 0:
        return float("nan")
    return (n * (1 - h2(1 - acc)) if acc >= 0.5 else 0.0) / bits


def close(a, b, rel=1e-9, absol=1e-12):
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return abs(a - b) <= absol + rel * abs(b)


def num(v):
    return float(v) if v not in ("", "nan", None) else float("nan")


class Page(html.parser.HTMLParser):
    """The parts of a page the checks read: the rows table, the leaderboard,
    the markers of each chart, every link, script and style."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.rows, self.board, self.board_head = [], [], []
        self.markers = {}  # chart id -> [(series, attrs)]
        self.links, self.external, self.scripts = [], [], 0
        self.text = []
        self._table = None
        self._row = None
        self._cell = None
        self._svg = None
        self._series = None
        self._th = None
        self._body = False
        self.feed(text)

    def handle_starttag(self, tag, a):
        a = dict(a)
        for k in ("src", "href", "xlink:href", "action", "poster", "srcset"):
            if k in a:
                self.links.append((tag, k, a[k]))
        if tag in ("link", "iframe", "img", "embed", "object", "audio", "video", "source"):
            self.external.append(tag)
        if tag == "script":
            self.scripts += 1
        if tag == "table":
            self._table = a.get("id")
        if tag == "tbody":
            self._body = True
        if tag == "tr" and self._table in ("rowtable", "board") and self._body:
            self._row = {"attrs": a, "cells": []}
        if tag == "th" and self._table == "board":
            self._th = []
        if tag == "td" and self._row is not None:
            self._cell = {"v": a.get("data-v"), "text": [], "title": a.get("title")}
        if tag == "svg":
            self._svg = a.get("id")
        if tag == "g" and "series" in a.get("class", ""):
            self._series = a.get("data-s")
        if tag == "path" and "pt" in a.get("class", "").split() and self._svg:
            self.markers.setdefault(self._svg, []).append((self._series, a))

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self._cell["text"] = "".join(self._cell["text"]).strip()
            self._row["cells"].append(self._cell)
            self._cell = None
        if tag == "th" and self._th is not None:
            self.board_head.append("".join(self._th).strip())
            self._th = None
        if tag == "tr" and self._row is not None:
            if self._row["cells"]:
                (self.rows if self._table == "rowtable" else self.board).append(self._row)
            self._row = None
        if tag == "table":
            self._table = None
        if tag == "tbody":
            self._body = False
        if tag == "svg":
            self._svg = None

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell["text"].append(data)
        if self._th is not None:
            self._th.append(data)


def read_rows(path):
    """A results file's rows as dicts (CSV, or JSON Lines with values as
    the CSV writes them) and the line each stands on."""
    with open(path, newline="") as f:
        text = f.read()
    if text.lstrip().startswith("{"):
        out = []
        for i, line in enumerate(text.splitlines()):
            o = json.loads(line)
            out.append(({k: "" if v is None else str(v).lower() if isinstance(v, bool) else str(v)
                         for k, v in o.items()}, i + 1))
        return out
    return [(r, i + 2) for i, r in enumerate(csv.DictReader(text.splitlines()))]


def trial_rows(files):
    """(file index, line) -> row for every trial row among FILES."""
    rows = {}
    for k, path in enumerate(files):
        for r, line in read_rows(path):
            if "bits_tested" in r:
                rows["%d:%d" % (k, line)] = r
    return rows


def bits_judged(r):
    """The bits row R is judged at (proofs/verdicts.md, Lemma 2): within its
    budget the budget's whole bytes + 0.0284, over it the bits charged +
    length_bits + 6; plus the side channels."""
    b, budget = float(r["bits_charged"]), float(r["budget_bits"])
    side = float(r.get("side_channel_bits") or 0)
    length = float(r.get("length_bits") or 64)
    base = max(8 * math.floor(budget / 8), b) + 0.0284 if b <= budget else b + length + 6
    return base + side


def ok(msg):
    print("ok   " + msg)


def check_links(page, files):
    assert page.scripts == 1, "scripts: %d" % page.scripts
    assert not page.external, "external elements: %s" % page.external
    for tag, key, url in page.links:
        assert url.startswith("#") or url.startswith("data:") or not re.match(r"^[a-z]+:|^//", url), \
            "a link out of the page: %s %s=%s" % (tag, key, url[:80])
    raw = "".join(page.text)
    assert "http://" not in raw and "https://" not in raw, "an address in the page's text"
    ok("self-contained: one inline script, no external element, %d links all inside the page "
       "or to data beside it" % len(page.links))


def check_data(page, files, pagepath):
    """Every input's download holds its bytes: a data: URL (gzip'ed or not)
    or a file beside the page; its SHA-256 is on the page."""
    text = "".join(page.text)
    for path in files:
        data = open(path, "rb").read()
        digest = hashlib.sha256(data).hexdigest()
        assert digest in text, "%s: SHA-256 not on the page" % path
        name = os.path.basename(path)
        got = None
        for tag, key, url in page.links:
            if tag != "a" or key != "href":
                continue
            if url.startswith("data:"):
                head, b64 = url.split(",", 1)
                blob = base64.b64decode(b64)
                if "gzip" in head:
                    blob = gzip.decompress(blob)
                if blob == data:
                    got = "inlined" + (" gzip'ed" if "gzip" in head else "")
            elif url.endswith(name.replace(" ", "%20")):
                beside = os.path.join(os.path.dirname(pagepath), url)
                if os.path.exists(beside) and open(beside, "rb").read() == data:
                    got = "beside the page"
        assert got, "%s: no download holds its bytes" % path
        ok("%s: SHA-256 on the page, data %s, byte for byte" % (name, got))


def check_rows_table(page, rows):
    assert len(page.rows) == len(rows), "rows table: %d rows, files: %d" % (len(page.rows), len(rows))
    for tr in page.rows:
        r = rows[tr["attrs"]["data-row"]]
        c = tr["cells"]
        off = 1 if len(c) == 11 else 0  # an instance column on pages of several
        n, b = num(r["N"]), num(r["bits_charged"])
        assert c[1]["text"] == r["compressor"], (c[1]["text"], r["compressor"])
        assert c[2 + off]["text"] == r["seed"]
        assert close(num(c[3 + off]["v"]), float(r["budget_bits"])), "budget"
        assert close(num(c[4 + off]["v"]), b / n), "charged / N"
        if r["status"] != "ok":
            assert "compressor failed" in c[9 + off]["text"]
            continue
        acc = int(r["correct"]) / int(r["bits_tested"])
        assert close(num(c[5 + off]["v"]), acc, 1e-15), ("accuracy", c[5 + off]["v"], acc)
        assert c[5 + off]["text"] == "%.4f" % acc, "accuracy text"
        f, want = num(c[7 + off]["v"]), fano(bits_judged(r), n)
        assert f >= want - 1e-12 and close(f, want), ("Fano at the bits judged", f, want)
        e = num(c[8 + off]["v"])
        assert close(e, efficiency(acc, b, n), 1e-7), ("efficiency", e, efficiency(acc, b, n))
        assert c[9 + off]["text"].startswith(r["verdict"]), ("verdict", c[9 + off]["text"], r["verdict"])
    ok("rows table: %d rows, accuracy, budget, charged / N, Fano ceiling at the bits judged, "
       "efficiency and verdict as recomputed here from each row's counts" % len(page.rows))


def series_key(r):
    return (r["compressor"], r.get("schedule"), r.get("d"), r.get("jl"), r.get("model", ""),
            r.get("layers", ""), r.get("heads", ""))


def check_markers(page, rows, chart="chart-frontier"):
    marks = page.markers.get(chart, [])
    seen, series = 0, {}
    for s, a in marks:
        lines = a["data-rows"].split()
        assert int(a["data-n"]) == len(lines) or int(a["data-n"]) > 64
        rs = [rows[k] for k in lines]
        accs = [int(r["correct"]) / int(r["bits_tested"]) for r in rs]
        xs = [bits_judged(r) / float(r["N"]) for r in rs]
        assert close(float(a["data-y"]), sum(accs) / len(accs), 1e-12), ("marker y", a["data-y"])
        assert close(float(a["data-x"]), sum(xs) / len(xs), 1e-12), ("marker x", a["data-x"])
        assert "data-tip" in a and rs[0]["compressor"] in a["data-tip"]
        for r in rs:
            series.setdefault(series_key(r), set()).add(s)
        seen += len(lines)
    judged = [r for r in rows.values() if r["status"] == "ok"]
    assert seen == len(judged), "markers cover %d rows of %d judged" % (seen, len(judged))
    assert all(len(v) == 1 for v in series.values()), "a series split over legend keys"
    assert len(set().union(*series.values())) == len(series), "two series share a legend key"
    ok("%s: %d markers of %d series cover the %d judged rows; each marker's place is the mean "
       "of its rows" % (chart, len(marks), len(series), seen))


def check_board(page, rows):
    heads = [h for h in page.board_head if h.startswith("acc. at ")]
    budgets = [float(h.split()[2]) for h in heads]
    first = page.board_head.index(heads[0]) if heads else None
    by = {}
    for r in rows.values():
        by.setdefault(series_key(r), []).append(r)
    assert len(page.board) == len(by), "leaderboard: %d lines, %d series" % (len(page.board), len(by))
    for tr in page.board:
        name = tr["cells"][1]["text"]
        cand = [k for k in by if k[0] == name]
        ok_any = False
        for k in cand:
            rs = [r for r in by[k] if r["status"] == "ok"]
            effs = [efficiency(int(r["correct"]) / int(r["bits_tested"]), float(r["bits_charged"]),
                               float(r["N"])) for r in rs]
            effs = [e for e in effs if not math.isnan(e)]
            best = max(effs) if effs else float("nan")
            good = close(num(tr["cells"][first - 1]["v"]), best, 1e-7)
            for j, b in enumerate(budgets):
                at = [int(r["correct"]) / int(r["bits_tested"]) for r in rs
                      if float("%.3g" % (float(r["budget_bits"]) / float(r["N"]))) == b]
                want = sum(at) / len(at) if at else float("nan")
                good = good and close(num(tr["cells"][first + j]["v"]), want, 1e-12)
            ok_any = ok_any or good
        assert ok_any, "leaderboard line of %s: not its rows' numbers" % name
    ok("leaderboard: %d lines; best efficiency and the mean accuracy at each of %d budgets are "
       "the rows'" % (len(page.board), len(budgets)))


def cmd_page(pagepath, files):
    page = Page(open(pagepath, encoding="utf-8").read())
    rows = trial_rows(files)
    check_links(page, files)
    check_data(page, files, pagepath)
    check_rows_table(page, rows)
    check_markers(page, rows)
    check_board(page, rows)


def cmd_big(pagepath, path):
    size = os.path.getsize(pagepath)
    page = Page(open(pagepath, encoding="utf-8").read())
    rows = trial_rows([path])
    check_links(page, [path])
    check_data(page, [path], pagepath)
    assert not page.rows, "an aggregated page lists rows"
    groups = {}
    for r in rows.values():
        if r["status"] == "ok":
                groups.setdefault((series_key(r), float(r["budget_bits"])), []).append(r)
    marks = page.markers["chart-frontier"]
    assert len(marks) == len(groups), "%d markers, %d (compressor, budget) groups" % (len(marks), len(groups))
    for s, a in marks:
        cands = [g for (k, b), g in groups.items() if b == float(a["data-budget"])
                 and int(a["data-n"]) == len(g)]
        want = [sum(int(r["correct"]) / int(r["bits_tested"]) for r in g) / len(g) for g in cands]
        assert any(close(float(a["data-y"]), w, 1e-12) for w in want), ("aggregate", a["data-y"], want)
    ok("%d rows: %d markers, one per compressor and budget, each at its rows' mean; page %d bytes"
       % (len(rows), len(marks), size))


def cmd_scaling(pagepath, path, stdout):
    """The exponents on the page are varlb scaling's own (its printed table)."""
    page = Page(open(pagepath, encoding="utf-8").read())
    printed = {}
    for line in open(stdout):
        m = re.match(r"^(\S+)\s+(\d+)\s+([-\d.]+) \+- ([\d.]+)\s+([-\d.]+) \+- ([\d.]+)", line)
        if m:
            printed[m.group(1)] = [float(m.group(i)) for i in (3, 4, 5, 6)]
    assert printed, "no fit in varlb scaling's output"
    text = "".join(page.text)
    for name, (a, da, b, db) in printed.items():
        want = "%.3f \u00b1 %.3f" % (a, da)
        assert want in text, "alpha of %s: %s not on the page" % (name, want)
        assert "%.3f \u00b1 %.3f" % (b, db) in text, "beta of %s" % name
    marks = page.markers.get("chart-scaling", [])
    rows = [r for r, _ in read_rows(path) if r["min_budget_bits"]]
    pts = sorted((float(a["data-x"]), float(a["data-y"])) for _, a in marks)
    want = sorted((float(r["n"]) ** 2 * float(r["d"]), float(r["min_budget_bits"])) for r in rows)
    assert len(pts) == len(want) and all(close(p[0], w[0]) and close(p[1], w[1]) for p, w in zip(pts, want)), \
        (pts, want)
    ok("scaling: %d points at (n^2 d, smallest budget) of the rows; the exponents of %s are "
       "varlb scaling's" % (len(pts), ", ".join(printed)))


def cmd_synth(src, out, n):
    """N rows: the rows of SRC again and again, each copy with seeds of its
    own (the counts, so the verdicts, stay each row's).  Rows made here were
    not written by varlb: their MACs are emptied (unsigned, as before MACs),
    never left to fail."""
    rows = list(csv.reader(open(src, newline="")))
    head, body = rows[0], rows[1:]
    seed = head.index("seed")
    mac = head.index("mac") if "mac" in head else None
    with open(out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(head)
        for i in range(n):
            r = list(body[i % len(body)])
            r[seed] = str(1000 + i // len(body))
            if mac is not None:
                r[mac] = ""
            w.writerow(r)
    ok("synthesised %d rows from %s" % (n, src))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "page":
        cmd_page(args[0], args[1:])
    elif cmd == "data":
        page = Page(open(args[0], encoding="utf-8").read())
        check_links(page, args[1:])
        check_data(page, args[1:], args[0])
    elif cmd == "big":
        cmd_big(args[0], args[1])
    elif cmd == "scaling":
        cmd_scaling(args[0], args[1], args[2])
    elif cmd == "synth":
        cmd_synth(args[0], args[1], int(args[2]))
    else:
        sys.exit("unknown command " + cmd)
