#!/bin/bash
# Latency histograms of `nbconnect ping`, drawn: docs/img/ping-latency.png. Three series of COUNT
# probes each (default 2000, one every 1 ms), in a private network namespace:
#   loopback  a listener on 127.0.0.1, the machine otherwise as it is;
#   veth      a listener in a second namespace, across a veth pair (10.77.0.1 -> 10.77.0.2);
#   loaded    the loopback listener again while nbconnect scans 65,535 closed ports in a loop
#             beside it (both cores busy).
#
#   bench/plot_ping_latency.sh [BUILD_DIR] [COUNT] [OUT_DIR]     (as root, or with CAP_SYS_ADMIN)
#
# Each series is `nbconnect ping -c COUNT -i 1ms --json`; its probes' rtt_ms fill log-spaced
# buckets (ten a decade) and its summary record gives the p50/p90/p99 marked on the picture. The
# data files stay in BUILD_DIR/plots/; the figures quoted in docs/benchmarks.md are printed.
set -euo pipefail

. "$(dirname "$0")/common.sh"
nbc_enter_netns "$@"

HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${1:-build}
COUNT=${2:-2000}
OUT=${3:-$HERE/../docs/img}
NBC=$BUILD/nbconnect
for f in "$NBC" /usr/bin/gnuplot /usr/bin/python3; do
  [ -x "$f" ] || { echo "plot_ping_latency: missing $f (build first; scripts/deps.sh installs the rest)" >&2; exit 1; }
done
[ "$COUNT" -ge 10 ] && [ "$COUNT" -le 100000 ] ||
  { echo "plot_ping_latency: COUNT must be in [10, 100000]" >&2; exit 64; }
DATA=$BUILD/plots
mkdir -p "$DATA" "$OUT"
TMP=$(mktemp -d)
trap 'touch "$TMP/stop"; kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$TMP"' EXIT
ip link set lo up
UPTIME=$(uptime)

# A listener that accepts and closes, with a backlog of 4096 (nc's accept queue is short enough
# that a busy machine overflows it and loses a SYN, which would show as a 1 s probe).
ACCEPT='import socket, sys
s = socket.create_server((sys.argv[1], int(sys.argv[2])), backlog=4096)
while True: s.accept()[0].close()'
export ACCEPT
python3 -c "$ACCEPT" 127.0.0.1 7000 &
# The veth peer: a child in a namespace of its own says it is there (FIFO ready), waits (FIFO go)
# until its end of the pair has been moved in, then sets it up and becomes the listener.
mkfifo "$TMP/go" "$TMP/ready"
exec 3<> "$TMP/ready"  # read-write: opening does not block, and the read below has a timeout
unshare -n -- bash -c 'echo ready > "$1" && read -r _ < "$0" && ip link set lo up &&
  ip addr add 10.77.0.2/24 dev vb && ip link set vb up && exec python3 -c "$ACCEPT" 10.77.0.2 7000' \
  "$TMP/go" "$TMP/ready" &
PEER=$!
read -r -t 10 _ <&3 || { echo "plot_ping_latency: the veth peer did not start" >&2; exit 1; }
ip link add va type veth peer name vb netns "$PEER"
ip addr add 10.77.0.1/24 dev va
ip link set va up
echo go > "$TMP/go"
"$NBC" wait -t 10s 127.0.0.1:7000 10.77.0.2:7000 > /dev/null 2>&1 ||
  { echo "plot_ping_latency: the listeners did not start" >&2; exit 1; }

# One series: NAME TARGET; writes ping-NAME.json, .hist ("low_us high_us count") and .pct.
series() {
  local name=$1 target=$2
  local json=$DATA/ping-$name.json
  "$NBC" ping -c "$COUNT" -i 1ms --json "$target" > "$json" ||
    { echo "plot_ping_latency: ping $target failed: $(tail -1 "$json")" >&2; exit 1; }
  # Ten buckets a decade, bucket k = [10^(k/10), 10^((k+1)/10)) microseconds.
  grep '"type":"probe"' "$json" | grep '"state":"open"' | sed -n 's/.*"rtt_ms":\([0-9.]*\).*/\1/p' |
    awk '{ us = $1 * 1000; if (us < 1) us = 1; k = int(log(us) / log(10) * 10); n[k]++ }
      END { for (k in n) printf "%.3f %.3f %d\n", 10^(k/10), 10^((k+1)/10), n[k] }' |
    sort -n > "$DATA/ping-$name.hist"
  # "p50 p90 p99 connected" in microseconds, from the summary record (each field by its name).
  local summary
  summary=$(grep '"type":"summary"' "$json" || true)
  field() { echo "$summary" | sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }
  echo "$(field rtt_p50_ms) $(field rtt_p90_ms) $(field rtt_p99_ms) $(field connected)" |
    awk 'NF == 4 { printf "%.1f %.1f %.1f %d\n", $1 * 1000, $2 * 1000, $3 * 1000, $4 }' \
    > "$DATA/ping-$name.pct"
  [ -s "$DATA/ping-$name.pct" ] ||
    { echo "plot_ping_latency: no summary record in $json" >&2; exit 1; }
}

series loopback 127.0.0.1:7000
series veth 10.77.0.2:7000
# The load: full scans of 127.0.0.2 (every port closed), at most 1000 of them, until told to stop.
( for _ in $(seq 1000); do
    [ -e "$TMP/stop" ] && break
    "$NBC" scan 127.0.0.2 -p- --no-progress > /dev/null 2>&1 || true
  done ) &
LOAD=$!
# Under way once the kernel has counted 1,000 more connects (at most 5 s of polling).
opens() { awk '/^Tcp:/ && !h {for (i = 1; i <= NF; i++) if ($i == "ActiveOpens") c = i; h = 1; next}
  /^Tcp:/ {print $c}' /proc/net/snmp; }
before=$(opens)
for _ in $(seq 500); do [ $(( $(opens) - before )) -gt 1000 ] && break; sleep 0.01; done
series loaded 127.0.0.1:7000
touch "$TMP/stop"
wait "$LOAD"

{
  echo "plot_ping_latency: $COUNT probes a series at -i 1ms, $(nproc) cores, kernel $(uname -r)"
  echo "uptime at the start: $UPTIME"
  for name in loopback veth loaded; do
    read -r p50 p90 p99 connected < "$DATA/ping-$name.pct"
    printf '%-9s %5d/%d connected  p50 %7.1f us  p90 %7.1f us  p99 %7.1f us\n' \
      "$name" "$connected" "$COUNT" "$p50" "$p90" "$p99"
  done
} | tee "$DATA/ping-summary.txt"

gnuplot -e "dir='$DATA'; out='$OUT'" "$HERE/ping_latency.gp"
ls -l "$OUT/ping-latency.png"
