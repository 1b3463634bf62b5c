# Draws the scan rate over time from the data files of bench/plot_scan_rate.sh (written by
# bench/connect_rate.py: seconds, connects per second, connects so far).
#   gnuplot -e "dir='DATA_DIR'; out='OUT_DIR'" bench/scan_rate.gp
# reads DATA_DIR/scan-{nbconnect,nbconnect-T5,nmap,raw,mixed-nbconnect,mixed-nmap}.dat and writes
# OUT_DIR/scan-rate.png and OUT_DIR/scan-rate-mixed.png (800x400, pngcairo).
if (!exists("dir") || !exists("out")) { print "usage: gnuplot -e \"dir='DATA'; out='OUT'\" scan_rate.gp"; exit status 2 }

set terminal pngcairo size 800,400 font "sans,10" linewidth 1.5
set grid lc rgb "#dddddd"
set key top right box opaque
set xlabel "seconds since the start"
set ylabel "connects per second"
set format y "%.0s%c"
set yrange [0:*]
set xrange [0:*]
set offsets 0, 0, graph 0.18, 0   # headroom above the lines for the key
set style data linespoints
set pointsize 0.5

set output out."/scan-rate.png"
set title "65,535 closed loopback ports: connects per second (kernel ActiveOpens, sampled every 50 ms)"
plot dir."/scan-raw.dat" using 1:2 title "raw limit (raw\\_limit.c, one per core)" lc rgb "#999999" pt 7, \
     dir."/scan-nbconnect.dat" using 1:2 title "nbconnect scan -p- (defaults)" lc rgb "#1f77b4" pt 7, \
     dir."/scan-nbconnect-T5.dat" using 1:2 title "nbconnect scan -p- -T5" lc rgb "#2ca02c" pt 5, \
     dir."/scan-nmap.dat" using 1:2 title "nmap -sT -p- -T5 --min-rate 100000" lc rgb "#d62728" pt 9

set output out."/scan-rate-mixed.png"
set title "Mixed host, 65,535 ports: 6 open, 10 dropped, 5 unreachable, 5 reset, the rest closed"
plot dir."/scan-mixed-nbconnect.dat" using 1:2 title "nbconnect scan -p- (defaults)" lc rgb "#1f77b4" pt 7, \
     dir."/scan-mixed-nmap.dat" using 1:2 title "nmap -sT -p- -T4" lc rgb "#d62728" pt 9
unset output
