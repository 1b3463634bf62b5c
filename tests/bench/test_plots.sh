#!/bin/bash
# The plot scripts of bench/ stay runnable (a quick ctest, no benchmark is run): both shell
# scripts parse, the sampler bench/connect_rate.py runs a command and writes its data file, and
# gnuplot draws both gp files from the small committed sample data beside this script into WORK.
#   tests/bench/test_plots.sh SOURCE_DIR WORK_DIR       (exit 77: skipped, the reason printed)
set -euo pipefail
SRC=$1
WORK=$2
SAMPLES=$SRC/tests/bench/plot_samples
rm -rf "$WORK"
mkdir -p "$WORK"

for script in "$SRC/bench/plot_scan_rate.sh" "$SRC/bench/plot_ping_latency.sh"; do
  bash -n "$script" || { echo "FAIL: $script does not parse"; exit 1; }
done

# The sampler: a command that makes no connect gives a data file whose last row counts 0.
"$SRC/bench/connect_rate.py" "$WORK/true.dat" 0.01 5 -- true > "$WORK/true.out"
grep -q '^# true$' "$WORK/true.dat" || { echo "FAIL: no command line in the data file"; exit 1; }
last=$(grep -v '^#' "$WORK/true.dat" | tail -1)
[ "$(echo "$last" | awk '{print NF, $3}')" = "3 0" ] ||
  { echo "FAIL: the sampler's last row is '$last', expected 3 columns and 0 connects"; exit 1; }
# Past its cap the command is killed and the sampler fails (its loop is bounded).
if "$SRC/bench/connect_rate.py" "$WORK/sleep.dat" 0.01 0.2 -- sleep 5 > /dev/null 2>&1; then
  echo "FAIL: the sampler did not stop a command that ran past its cap"; exit 1
fi

if ! command -v gnuplot > /dev/null; then
  echo "SKIPPED: gnuplot is not installed (scripts/deps.sh installs gnuplot-nox as root)"
  exit 77
fi
gnuplot -e "dir='$SAMPLES'; out='$WORK'" "$SRC/bench/scan_rate.gp"
gnuplot -e "dir='$SAMPLES'; out='$WORK'" "$SRC/bench/ping_latency.gp"
for png in scan-rate.png scan-rate-mixed.png ping-latency.png; do
  # A PNG begins with \x89PNG; its IHDR holds the width and height (bytes 17-24, big-endian).
  [ "$(head -c 4 "$WORK/$png" | tail -c 3)" = PNG ] || { echo "FAIL: $png is not a PNG"; exit 1; }
  size=$(od -An -tu1 -j16 -N8 "$WORK/$png" |
    awk '{print ($1*16777216 + $2*65536 + $3*256 + $4) "x" ($5*16777216 + $6*65536 + $7*256 + $8)}')
  case $png in ping-*) want=800x600 ;; *) want=800x400 ;; esac
  [ "$size" = "$want" ] || { echo "FAIL: $png is $size, expected $want"; exit 1; }
  echo "ok: $png $size, $(stat -c %s "$WORK/$png") bytes"
done
