#!/bin/sh
# cli_plot.sh -- varlb plot's charts, read from the gnuplot script and data
# it writes (gnuplot itself is not needed, VARLB_GNUPLOT= turns it off):
# the accuracy chart's log x axis covers every point, from 0.05 N to 64 N,
# and the Fano frontier is drawn over all of it; the legend is outside the
# plot; names and titles are plain text (no subscripts from '_'); a
# --compressor matching no row is one error line and exit 1; the scaling
# chart's title states its target accuracy.
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
grep -q "^set key outside" acc.gp && grep -q "title 'exec:''python3 /hom\.\.\.d_rate.py --rate 8''' noenhanced" acc.gp \
  && pass "legend outside the plot, long names shortened" || fail "legend: $(grep 'set key\|exec' acc.gp)"
grep -q "title 'zfp_rate' noenhanced" acc.gp && grep -q "^set title 'my_chart x^2' noenhanced" acc.gp \
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
VARLB_GNUPLOT= "$VARLB" plot sc.csv --out sc.png 2>err && grep -q "^set title '.*reaching 90% accuracy" sc.gp \
  && pass "scaling title states the target: $(grep '^set title' sc.gp | tail -1)" || fail "scaling title: $(cat err; grep title sc.gp)"
grep -q "^set format xy '10^{%L}'" sc.gp && pass "scaling ticks in powers of ten" || fail "ticks: $(grep format sc.gp)"
expect_exit1 "scaling chart, no such compressor" plot sc.csv --out x.png --compressor lowrank

# With gnuplot, the script draws.
if [ -n "${GNUPLOT:-}" ] || command -v gnuplot >/dev/null 2>&1; then
  "$VARLB" plot acc.csv --out acc.png 2>err && [ -s acc.png ] \
    && pass "gnuplot draws the accuracy chart" || fail "gnuplot: $(cat err)"
else
  skip "gnuplot draws the accuracy chart: gnuplot not found (gnuplot-nox, see install-deps)"
fi
finish
