# varlb 0.1.0: drawn from varlb-demo.csv; run 'gnuplot varlb-demo.gp' to redraw.
set terminal pngcairo size 1100,700 enhanced font 'sans,11'
set output 'varlb-demo.png.tmp'
set title 'varlb demo: accuracy against the Fano frontier'
set encoding utf8
set xlabel 'bits charged / N'
set ylabel 'accuracy (fraction of hidden bits decoded)'
set xrange [0:1.5]
set yrange [0.4:1.03]
set grid
set key outside right top box
set style fill transparent solid 0.12 noborder
plot 'varlb-demo.fano.dat' using 1:3:2 with filledcurves lc rgb '#808080' title 'achievable gap',\
  'varlb-demo.fano.dat' using 1:2 with lines lw 3 lc rgb 'black' title 'Fano ceiling p*',\
  'varlb-demo.fano.dat' using 1:3 with lines lw 2 dt 2 lc rgb '#555555' title 'trivial 1/2 + B/2N',\
  0.5 with lines lw 1 dt 3 lc rgb '#999999' title 'chance 50%',\
  'varlb-demo.dat' index 0 using (($1 > 1.5) ? 1.5 : $1):2:3:4 with yerrorlines lw 2 lc rgb '#1f77b4' pt 5 ps 1.3 title 'identity (32 N: drawn at the edge)',\
  'varlb-demo.dat' index 1 using (($1 > 1.5) ? 1.5 : $1):2:3:4 with yerrorlines lw 2 lc rgb '#d62728' pt 7 ps 1.3 title 'kivi',\
  'varlb-demo.dat' index 2 using (($1 > 1.5) ? 1.5 : $1):2:3:4 with yerrorlines lw 2 lc rgb '#2ca02c' pt 9 ps 1.3 title 'h2o',\
  'varlb-demo.dat' index 3 using (($1 > 1.5) ? 1.5 : $1):2:3:4 with yerrorlines lw 2 lc rgb '#9467bd' pt 11 ps 1.3 title 'lowrank'
