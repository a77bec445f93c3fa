"""rows_edit.py -- edits of varlb's result rows for the tests, on the text
as written (quotes kept), the way a hand with a text editor would make them:

  rows_edit.py unsign IN.csv OUT.csv        the file as varlb wrote it before
      MACs: the columns length_bits, bits_judged, p_value and mac left out,
      every other cell byte for byte (summary reads it unverified)
  rows_edit.py resign KEY FILE ROW NAME=VALUE   cell NAME of line ROW set to
      VALUE and the row signed again under the judge key in the file KEY, as
      src/mac.c signs (the key's holder can do this; a stranger cannot)
"""
import hashlib
import struct
import sys

NEW_COLUMNS = ("length_bits", "bits_judged", "p_value", "mac")


def cells(line):
    """The cells of one CSV line as written, quotes kept."""
    out, cur, quoted = [], "", False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    return out + [cur]


def unsign(src, dst):
    lines = open(src).read().splitlines()
    head = lines[0].split(",")
    drop = {head.index(c) for c in NEW_COLUMNS if c in head}
    assert drop, "no column to leave out in " + src
    with open(dst, "w") as f:
        for line in lines:
            f.write(",".join(x for k, x in enumerate(cells(line)) if k not in drop) + "\n")


def resign(keyfile, path, row, assignment):
    key = bytes.fromhex(open(keyfile).read().strip())
    lines = open(path).read().split("\n")
    name, value = assignment.split("=", 1)
    col = lines[0].split(",").index(name)
    parts = cells(lines[row])
    parts[col] = '"%s"' % value if parts[col].startswith('"') else value
    text = ",".join(parts[:-1])  # the MAC cut
    sub = hashlib.blake2b(b"varlb/v1/row-mac-key", digest_size=32, key=key).digest()
    h = lines[0][: -len(",mac")].encode()
    mac = hashlib.blake2b(b"varlb/v1/row-mac\0" + struct.pack("<Q", len(h)) + h + text.encode(),
                          digest_size=16, key=sub).hexdigest()
    lines[row] = text + ',"%s"' % mac
    open(path, "w").write("\n".join(lines))


if __name__ == "__main__":
    if sys.argv[1] == "unsign":
        unsign(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "resign":
        resign(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
    else:
        sys.exit("rows_edit.py: unsign IN OUT | resign KEY FILE ROW NAME=VALUE")
