"""same_rows.py -- two of varlb's result files hold the same rows in the same
order, wall_s aside and the MAC that signs it (the only cells that vary
between two runs of one grid without --no-timing):

  same_rows.py csv N A.csv B.csv        both have N lines, header included
  same_rows.py jsonl N A.jsonl B.jsonl  both have N lines

Exits 0 when they agree, 1 saying how they differ (the line counts, the
rows themselves, or only their order).
"""
import csv
import json
import sys


def csv_rows(path):
    """The rows of a CSV file, header included, wall_s and mac (last) left out."""
    r = list(csv.reader(open(path, newline="")))
    i = r[0].index("wall_s")
    return [tuple(x[:i] + x[i + 1:-1]) for x in r]


def jsonl_rows(path):
    """The objects of a JSON Lines file, wall_s and mac left out."""
    out = []
    for line in open(path):
        j = json.loads(line)
        j.pop("wall_s"), j.pop("mac")
        out.append(j)
    return out


def main(argv):
    if len(argv) != 5 or argv[1] not in ("csv", "jsonl") or not argv[2].isdigit():
        sys.exit("usage: same_rows.py csv|jsonl N A B")
    read = csv_rows if argv[1] == "csv" else jsonl_rows
    n, a, b = int(argv[2]), read(argv[3]), read(argv[4])
    if (len(a), len(b)) != (n, n):
        sys.exit("same_rows: %d and %d lines, not %d" % (len(a), len(b), n))
    key = lambda r: json.dumps(r, sort_keys=True)
    if sorted(map(key, a)) != sorted(map(key, b)):
        sys.exit("same_rows: the rows differ")
    if a != b:
        sys.exit("same_rows: the same rows in another order")


if __name__ == "__main__":
    main(sys.argv)
