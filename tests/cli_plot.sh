#!/bin/sh
# cli_plot.sh -- varlb plot's charts, read from the gnuplot script and data
# it writes (gnuplot itself is not needed, VARLB_GNUPLOT= turns it off):
# the accuracy chart's log x axis covers every point, from 0.05 N to 64 N,
# and the Fano frontier is drawn over all of it; the legend is outside the
# plot; names and titles are plain text (no subscripts from '_'); a
# --compressor matching no row is one error line and exit 1; the heat maps'
# cells hold each token's and head's bits where they belong (the binning
# varlb report shares); the scaling chart's title states its target
# accuracy.
. "$top_srcdir/tests/cli_lib.sh"
cd "$TMPD" || exit 1

cat >acc.csv <<'CSV'
compressor,budget_bits,bits_charged,N,accuracy,ci_low,ci_high
h2o,100,100,2000,0.52,0.50,0.54
h2o,1000,1000,2000,0.70,0.68,0.72
zfp_rate,4000,4000,2000,0.99,0.98,1.0
identity:precision=fp16,0,64000,2000,1.0,0.998,1.0
zstd,0,128000,2000,1.0,0.998,1.0
"exec:'python3 /home/researcher/compressors/zfp_fixed_rate.py --rate 8'",4000,4000,2000,0.97,0.96,0.98
CSV
VARLB_GNUPLOT= "$VARLB" plot acc.csv --out acc.png --title 'my_chart x^2' 2>err; rc=$?
[ "$rc" -eq 0 ] && [ -s acc.gp ] && [ -s acc.dat ] && [ -s acc.fano.dat ] \
  && pass "accuracy chart: script and data written" || fail "plot: rc=$rc $(cat err)"
grep -q '^set logscale x' acc.gp && pass "log x axis" || fail "no log x axis: $(grep xrange acc.gp)"
"$PYTHON3" - <<'PY' && pass "x range and frontier cover 0.05 N .. 64 N, points drawn where they are" || fail "range: $(grep xrange acc.gp)"
import re
gp = open("acc.gp").read()
lo, hi = map(float, re.search(r"set xrange \[([^:]+):([^\]]+)\]", gp).groups())
xs = [float(l.split()[0]) for l in open("acc.dat") if l.strip() and not l.startswith("#")]
fx = [float(l.split()[0]) for l in open("acc.fano.dat") if l.strip() and not l.startswith("#")]
assert lo <= 0.05 and hi >= 64, (lo, hi)
assert sorted(xs) == [0.05, 0.5, 2, 2, 32, 64], xs
assert fx[0] <= 0.05 and fx[-1] >= 64, (fx[0], fx[-1])
# points are plotted at their own x (no clamp to an edge)
assert "using (($1 > 0) ? $1 :" in gp or "using 1:2:3:4" in gp, gp
PY
# A long name is shortened in the middle to at most 40 characters.
"$PYTHON3" - <<'PY' && pass "legend right of the plot area, long names shortened" || fail "legend: $(grep 'set key\|margin\|exec' acc.gp)"
import re
gp = open("acc.gp").read()
right = float(re.search(r"set rmargin at screen ([0-9.]+)", gp).group(1))
key = float(re.search(r"set key at screen ([0-9.]+),", gp).group(1))
assert key > right, (key, right)
assert "title 'exec:''python3 /hom...d_rate.py --rate 8''' noenhanced" in gp, gp
PY
grep -q "title 'zfp_rate' noenhanced" acc.gp && grep -q '^set title "my_chart x^2\\n' acc.gp \
  && pass "names and titles are plain text" || fail "escaping: $(grep -n 'zfp_rate\|set title' acc.gp)"

# An empty selection is an error, for every kind of chart.
expect_exit1 () {
  desc=$1; shift
  VARLB_GNUPLOT= "$VARLB" "$@" >out 2>err; rc=$?
  [ "$rc" -eq 1 ] && [ "$(wc -l <err)" -eq 1 ] && grep -q "no row of this compressor" err \
    && pass "$desc: $(cat err)" || fail "$desc: rc=$rc $(cat err)"
}
expect_exit1 "accuracy chart, no such compressor" plot acc.csv --out x.png --compressor h2 --kind accuracy
cat >tok.csv <<'CSV'
compressor,budget_bits,seed,scale,row,col,side,bits,correct
h2o,100,1,1,0,0,1,8,5
h2o,100,1,2,0,1,2,8,8
kivi,100,1,1,0,0,1,8,0
CSV
expect_exit1 "heat map, exec compressor absent" plot tok.csv --out h.png --compressor "exec:'/x/c.py'"
VARLB_GNUPLOT= "$VARLB" plot tok.csv --out h.png --compressor h2o 2>err \
  && pass "heat map of a present compressor" || fail "heat map: $(cat err)"

cat >sc.csv <<'CSV'
compressor,schedule,n,d,jl,seeds,alice_tokens,N,target,min_budget_bits,min_budget_ratio,accuracy_at_min,trials,error
h2o,"1,2,4",4,8,gaussian,1,5,40,0.9,300,7.5,0.9,12,
h2o,"1,2,4,8",8,8,gaussian,1,21,168,0.9,1300,7.7,0.9,12,
kivi,"1,2,4",4,8,gaussian,1,5,40,0.9,100,2.5,0.9,12,
CSV
VARLB_GNUPLOT= "$VARLB" plot sc.csv --out sc.png 2>err; grep -q '^set multiplot .*title ".*reaching 90% accuracy' sc.gp \
  && pass "scaling title states the target: $(grep 'multiplot' sc.gp | head -1)" || fail "scaling title: $(cat err; grep title sc.gp)"
grep -q "^set format y '10^{%L}'" sc.gp && pass "scaling budgets in powers of ten" || fail "ticks: $(grep format sc.gp)"
expect_exit1 "scaling chart, no such compressor" plot sc.csv --out x.png --compressor lowrank

# --- Twelve compressors and ratedist on one instance: each series its own
# marker; the title names the instance; ratedist's achieved line comes after
# the ceiling, in a colour of its own; the inset shades the gap on a log
# scale, where 0.003 shows.
"$PYTHON3" - <<'PY'
import math
names = ["identity:precision=fp16", "kivi", "h2o", "snapkv", "tova", "streamingllm",
         "lowrank", "qjl", "pq", "random", "knorm", "ratedist"]
with open("many.csv", "w") as f:
    f.write("compressor,budget_bits,bits_charged,N,accuracy,ci_low,ci_high,seed,schedule,d,jl,keys,values\n")
    for i, n in enumerate(names):
        for r in (0.1, 0.25, 0.5):
            for seed in (1, 2):
                b = int(r * 27136)
                a = 0.5 + 0.01 * i * r if n != "ratedist" else {0.1: 0.679, 0.25: 0.781, 0.5: 0.886}[r]
                f.write('"%s",%d,%d,27136,%.4f,%.4f,%.4f,%d,"1,2,3,4,5,6,8,10,13,16",64,gaussian,unit,01\n'
                        % (n, b, b, a, a - 0.01, a + 0.01, seed))
PY
VARLB_GNUPLOT= "$VARLB" plot many.csv --out many.png 2>err
"$PYTHON3" - <<'PY' && pass "12 compressors, 12 markers; title names the instance; ratedist over the ceiling; gap shaded in a log inset" \
  || fail "accuracy chart: $(cat err; head -30 many.gp)"
import re
gp = open("many.gp").read()
main, inset = gp.split("set origin", 1)
pts = re.findall(r"index (\d+) using \(\(\$1 > 0\) \? \$1 : [^)]*\):2:3:4 with yerrorlines .*? pt (\d+)", main)
assert len(pts) == 12 and len({p for _, p in pts}) == 12, pts
title = re.search(r'^set title "(.*)" noenhanced$', gp, re.M).group(1)
assert "accuracy against the Fano frontier\\ninstance: " in title, title
for part in ("schedule 1,2,3,4,5,6,8,10,13,16", "d = 64", "JL gaussian", "unit keys", "01 values", "seeds 1, 2"):
    assert part in title, (part, title)
ceil = re.search(r"using 1:2 with lines lw ([0-9.]+) lc rgb '([^']+)' title 'Fano ceiling", main)
ach = re.search(r"using 1:4 with lines lw ([0-9.]+) [^\n]*lc rgb '([^']+)' title 'achieved: ratedist", main)
assert ceil and ach and main.index(ach.group(0)) > main.index(ceil.group(0)), "achieved after the ceiling"
assert ach.group(2).lower() != ceil.group(2).lower() and float(ach.group(1)) >= float(ceil.group(1))
assert "set logscale xy" in inset and "set yrange [1e-4:1]" in inset, inset[:400]
fill = re.search(r"using 1:\(\(\$2 - \$4\) > 1e-4 \? \$2 - \$4 : 1e-4\) with filledcurves y=1e-4 "
                 r"fillcolor rgb '[^']+' fillstyle transparent solid ([0-9.]+)", inset)
assert fill and float(fill.group(1)) >= 0.25, "the gap shaded, visibly"
# ratedist's gaps (ceiling - achieved, 0.003..0.005) lie well inside the
# inset's log range: a decade of room on either side.
gaps = [float(l.split()[1]) - float(l.split()[3]) for l in open("many.fano.dat")
        if l.strip() and not l.startswith("#") and 0.1 <= float(l.split()[0]) <= 0.5]
assert gaps and all(1e-3 <= g <= 1e-1 for g in gaps), (min(gaps), max(gaps))
PY

# --- The heat maps are white at chance (1/2) and name their instance.
cat >tok2.csv <<'CSV'
compressor,budget_bits,seed,schedule,d,jl,token,scale,row,col,side,bits,correct
h2o,100,1,"1,2,4",16,gaussian,0,1,0,0,1,16,8
h2o,100,1,"1,2,4",16,gaussian,1,2,0,0,2,16,16
CSV
cat >heads.csv <<'CSV'
compressor,budget_bits,seed,model,layers,heads,layer,head,bits,correct,accuracy
pyramidkv,1000,3,var-d16,2,2,0,0,64,32,0.5
pyramidkv,1000,3,var-d16,2,2,1,1,64,64,1
pyramidkv,1000,3,var-d16,2,2,0,1,64,16,0.25
CSV
for chart in tok2:tokens heads:heads; do
  csv=${chart%%:*}
  VARLB_GNUPLOT= "$VARLB" plot $csv.csv --out $csv.png 2>err
  "$PYTHON3" - "$csv.gp" <<'PY' && pass "${chart#*:} heat map: white at 1/2, instance named" || fail "${chart#*:} heat map: $(cat err; cat $csv.gp)"
import re, sys
gp = open(sys.argv[1]).read()
lo, hi = map(float, re.search(r"set cbrange \[([^:]+):([^\]]+)\]", gp).groups())
stops = [(float(v), c.lower()) for v, c in re.findall(r"([0-9.]+) '(#[0-9a-fA-F]{6})'",
                                                       re.search(r"set palette defined \((.*)\)", gp).group(1))]
white = [v for v, c in stops if c == "#f7f7f7"]
assert lo < 0.5 < hi and white == [0.5], (lo, hi, stops)
title = re.search(r'^set title "(.*)" noenhanced$', gp, re.M).group(1)
assert "\\ninstance: " in title and ("schedule 1,2,4, d = 16" in title or "model var-d16, 2 layers, 2 heads, seed 3" in title), title
PY
done

# The cells (varlb__token_heat and varlb__head_heat, the binning varlb report
# shares).  h.dat: scale 1's one token fills all 32 bins at 5/8, h2o's rows
# only (kivi's 0/8 left out); scale 2's token (0, 1) is the second of 4 in
# raster order, so it holds the bins whose centres fall in [1/4, 2/4) of the
# raster, 8 to 15.  heads.dat: each head at its own layer and head, none
# where no row is.
"$PYTHON3" - <<'PY' && pass "heat map cells: one compressor's rows, each token and head in its cells" \
  || fail "heat map cells: $(cat h.dat heads.dat)"
import math
def cells(path):
    c = {}
    for l in open(path):
        if l.strip() and not l.startswith("#"):
            a, b, v = l.split()
            c[int(a), int(b)] = float(v)
    return c
tok, head = cells("h.dat"), cells("heads.dat")
assert sorted(tok) == [(s, j) for s in (1, 2) for j in range(32)], sorted(tok)
assert all(tok[1, j] == 0.625 for j in range(32)), tok
for j in range(32):
    assert tok[2, j] == 1.0 if 8 <= j < 16 else math.isnan(tok[2, j]), (j, tok[2, j])
assert sorted(head) == [(0, 0), (0, 1), (1, 0), (1, 1)], head
assert head[0, 0] == 0.5 and head[0, 1] == 0.25 and head[1, 1] == 1.0, head
assert math.isnan(head[1, 0]), head
PY

# --- The scaling chart: its lines' slopes are the least-squares exponents
# (computed here afresh), its key prints them as varlb scaling does, and the
# lower bound N (1 - H2(1 - p)) is drawn at every (n, d).
"$PYTHON3" - <<'PY'
import math
with open("sc2.csv", "w") as f:
    f.write("compressor,schedule,n,d,jl,seeds,alice_tokens,N,target,min_budget_bits,min_budget_ratio,accuracy_at_min,trials,error\n")
    for c, (a, al, be) in {"h2o": (1.0, 2.1, 0.9), "kivi": (2.0, 1.7, 1.2)}.items():
        for n in (4, 8, 16):
            for d in (8, 16):
                alice = (n * n - 1) // 3 + 1
                B = math.exp(a + al * math.log(n) + be * math.log(d) + 0.05 * math.sin(n * d + len(c)))
                f.write('%s,"x",%d,%d,gaussian,2,%d,%d,0.9,%.17g,1,0.9,10,\n' % (c, n, d, alice, alice * d, B))
PY
VARLB_GNUPLOT= "$VARLB" plot sc2.csv --out sc2.png 2>err
"$PYTHON3" - <<'PY' && pass "scaling chart: slopes are the fitted alpha and beta, the bound is drawn" || fail "scaling chart: $(cat err; cat sc2.gp)"
import csv, math, re
rows = list(csv.DictReader(open("sc2.csv")))
gp = open("sc2.gp").read()
def solve(A, y):  # least squares by the normal equations, 3 x 3
    M = [[sum(a[i] * a[j] for a in A) for j in range(3)] for i in range(3)]
    v = [sum(a[i] * t for a, t in zip(A, y)) for i in range(3)]
    for i in range(3):
        for k in range(i + 1, 3):
            f = M[k][i] / M[i][i]
            M[k] = [x - f * z for x, z in zip(M[k], M[i])]
            v[k] -= f * v[i]
    c = [0.0] * 3
    for i in (2, 1, 0):
        c[i] = (v[i] - sum(M[i][j] * c[j] for j in range(i + 1, 3))) / M[i][i]
    return c
panels = re.split(r"^plot ", gp, flags=re.M)[1:]
assert len(panels) == 2, len(panels)
for name in ("h2o", "kivi"):
    rs = [r for r in rows if r["compressor"] == name]
    a, al, be = solve([(1.0, math.log(float(r["n"])), math.log(float(r["d"]))) for r in rs],
                      [math.log(float(r["min_budget_bits"])) for r in rs])
    assert "%s: alpha = %.3f" % (name, al) in panels[0] and "%s: beta = %.3f" % (name, be) in panels[1], (name, al, be)
    for panel, want in zip(panels, (al, be)):
        sl = [float(s) for s in re.findall(r"exp\([-0-9.e+]+ \+ ([-0-9.e+]+) \* log\(x\)\)", panel)]
        assert any(abs(s - want) < 1e-9 for s in sl), (name, want, sl)
assert gp.count("lower bound N(1 - H_2(1 - p)) (Fano)") == 2
h = lambda p: -p * math.log2(p) - (1 - p) * math.log2(1 - p)
blocks = [b for b in open("sc2.dat").read().split("\n\n\n") if b.startswith("# lower bound")]
assert len(blocks) == 2 + 3, len(blocks)   # at each d (2), at each n (3)
for b in blocks:
    fixed = float(b.split("=")[1].split(":")[0])
    by_n = b.startswith("# lower bound at n")
    for line in b.strip().split("\n")[1:]:
        x, v = map(float, line.split())
        n, d = (fixed, x) if by_n else (x, fixed)
        N = ((int(n) ** 2 - 1) // 3 + 1) * d
        assert abs(v - N * (1 - h(0.1))) <= 1, (n, d, v, N * (1 - h(0.1)))
PY

# With gnuplot, the script draws.
if [ -n "${GNUPLOT:-}" ] || command -v gnuplot >/dev/null 2>&1; then
  "$VARLB" plot acc.csv --out acc.png >out 2>err && [ -s acc.png ] \
    && pass "gnuplot draws the accuracy chart" || fail "gnuplot: $(cat err)"
  grep -q "^varlb plot: wrote acc.png (accuracy against the Fano frontier), its gnuplot script acc.gp and data acc.dat" out \
    && pass "plot says what it wrote: $(cat out)" || fail "plot's report: $(cat out)"
  # The slopes of a real scaling run are the ones its terminal prints.
  "$VARLB" scaling --compressors kivi --ns 4,8,16 --dims 4,8 --seeds 1 --steps 3 --out run.csv \
    >run.txt 2>err && "$VARLB" plot run.csv --out run.png >out 2>>err
  a=$(awk '$1 == "kivi" { print $3 }' run.txt) b=$(awk '$1 == "kivi" { print $6 }' run.txt)
  grep -q "kivi: alpha = $a'" run.gp && grep -q "kivi: beta = $b'" run.gp && [ -s run.png ] \
    && pass "varlb scaling printed alpha $a, beta $b; the chart's key and slopes say the same" \
    || fail "scaling vs chart: $(cat run.txt err; grep alpha run.gp)"
else
  skip "gnuplot draws the accuracy chart: gnuplot not found (gnuplot-nox, see install-deps)"
fi
finish
