# Draws the latency histograms of bench/plot_ping_latency.sh: one panel a series, log-spaced
# buckets in microseconds on x, probes per bucket on y, and p50/p90/p99 as vertical lines.
#   gnuplot -e "dir='DATA_DIR'; out='OUT_DIR'" bench/ping_latency.gp
# reads DATA_DIR/ping-{loopback,veth,loaded}.hist ("low_us high_us count") and .pct ("p50 p90 p99
# connected", microseconds) and writes OUT_DIR/ping-latency.png (800x600, pngcairo).
if (!exists("dir") || !exists("out")) { print "usage: gnuplot -e \"dir='DATA'; out='OUT'\" ping_latency.gp"; exit status 2 }

set terminal pngcairo size 800,600 font "sans,10" linewidth 1.2
set output out."/ping-latency.png"
names = "loopback veth loaded"
titles = "'loopback (127.0.0.1)' 'across a veth pair (two namespaces)' 'loopback while a 65,535-port scan runs beside it'"
colours = "#1f77b4 #2ca02c #d62728"

# The x range every panel shares: the lowest and highest bucket edge of all series.
xmin = 1e9; xmax = 0
do for [i = 1:3] {
  hist = dir."/ping-".word(names, i).".hist"
  stats hist using 1 nooutput; xmin = (STATS_min < xmin) ? STATS_min : xmin
  stats hist using 2 nooutput; xmax = (STATS_max > xmax) ? STATS_max : xmax
}
set logscale x 10
set xrange [xmin / 1.2 : xmax * 1.2]
# Tics at each decade; at 1, 2 and 5 a decade when the range spans at most four decades.
if (xmax / xmin <= 1e4) {
  set xtics ("1 µs" 1, "2 µs" 2, "5 µs" 5, "10 µs" 10, "20 µs" 20, "50 µs" 50, "100 µs" 100, \
    "200 µs" 200, "500 µs" 500, "1 ms" 1e3, "2 ms" 2e3, "5 ms" 5e3, "10 ms" 1e4, "20 ms" 2e4, \
    "50 ms" 5e4, "100 ms" 1e5, "200 ms" 2e5, "500 ms" 5e5, "1 s" 1e6, "2 s" 2e6, "5 s" 5e6)
} else {
  set xtics ("1 µs" 1, "10 µs" 10, "100 µs" 100, "1 ms" 1e3, "10 ms" 1e4, "100 ms" 1e5, "1 s" 1e6, "10 s" 1e7)
}
# Counts on a log scale too, so that the few slow probes of the tail stay visible.
set logscale y 10
set yrange [0.8:*]
set format y "%g"
set grid xtics mxtics ytics lc rgb "#dddddd"
set mxtics 10
set style fill solid 0.6 noborder
unset key
# A duration as people write it: microseconds below 1 ms, milliseconds above.
shown(us) = (us >= 1000) ? sprintf("%.1f ms", us / 1000) : sprintf("%.0f µs", us)
set multiplot layout 3,1 title "nbconnect ping -i 1ms: connect time, probes per bucket (ten a decade); p50 solid, p90 dashed, p99 dotted"
do for [i = 1:3] {
  name = word(names, i)
  pct = dir."/ping-".name.".pct"
  stats pct using 1 nooutput; p50 = STATS_min
  stats pct using 2 nooutput; p90 = STATS_min
  stats pct using 3 nooutput; p99 = STATS_min
  stats pct using 4 nooutput; connected = STATS_min
  unset arrow
  set arrow 1 from p50, graph 0 to p50, graph 1 nohead lc rgb "black" dt 1
  set arrow 2 from p90, graph 0 to p90, graph 1 nohead lc rgb "black" dt 2
  set arrow 3 from p99, graph 0 to p99, graph 1 nohead lc rgb "black" dt 3
  set title sprintf("%s: %d probes; p50 %s, p90 %s, p99 %s", word(titles, i), connected, shown(p50), shown(p90), shown(p99))
  set ylabel "probes (log)"
  if (i == 3) { set xlabel "connect time (log scale)" } else { unset xlabel }
  plot dir."/ping-".name.".hist" using (sqrt($1 * $2)):3:1:2:(0):3 with boxxyerror lc rgb word(colours, i) notitle
}
unset multiplot
unset output
