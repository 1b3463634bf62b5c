#!/bin/bash
# Scan rate over time, drawn: docs/img/scan-rate.png (65,535 closed loopback ports: nbconnect at its
# defaults and at -T5, nmap -sT -T5 --min-rate 100000, and the raw limit) and
# docs/img/scan-rate-mixed.png (the mixed host of bench/scan_vs_nmap.sh (c): nbconnect at its
# defaults against nmap -sT -T4). Runs in a private network namespace (loopback only).
#
#   bench/plot_scan_rate.sh [BUILD_DIR] [ROUNDS] [OUT_DIR]     (as root, or with CAP_SYS_ADMIN)
#
# bench/connect_rate.py samples the kernel's count of connects begun (ActiveOpens in
# /proc/net/snmp) every 50 ms while each tool runs, so every tool is measured the same way. Each
# tool runs ROUNDS times (default 5, alternating); the run of median length is the one drawn. The
# data files stay in BUILD_DIR/plots/; the figures quoted in docs/benchmarks.md are printed.
set -euo pipefail

. "$(dirname "$0")/common.sh"
nbc_enter_netns "$@"

HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${1:-build}
ROUNDS=${2:-5}
OUT=${3:-$HERE/../docs/img}
NBC=$BUILD/nbconnect
RAW=$BUILD/bench/raw_limit
INTERVAL=0.05
CAP=60
for f in "$NBC" "$RAW" /usr/bin/nmap /usr/bin/gnuplot; do
  [ -x "$f" ] || { echo "plot_scan_rate: missing $f (build first; scripts/deps.sh installs the rest)" >&2; exit 1; }
done
DATA=$BUILD/plots
mkdir -p "$DATA" "$OUT"
ip link set lo up
CORES=$(nproc)
UPTIME=$(uptime)
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT

# The mixed host of scan_vs_nmap.sh (c), on 127.0.0.3: six listeners, 10 dropped ports, 5
# ICMP-unreachable and 5 reset ones.
iptables -w -A INPUT -d 127.0.0.3 -p tcp --dport 3001:3010 -j DROP
iptables -w -A INPUT -d 127.0.0.3 -p tcp --dport 3011:3015 -j REJECT --reject-with icmp-host-unreachable
iptables -w -A INPUT -d 127.0.0.3 -p tcp --dport 3021:3025 -j REJECT --reject-with tcp-reset
for port in 22 80 443 8080 40001 50505; do
  nc -lk 127.0.0.3 "$port" > /dev/null 2>&1 &
done
"$NBC" wait -t 10s 127.0.0.3:22 127.0.0.3:80 127.0.0.3:443 127.0.0.3:8080 127.0.0.3:40001 \
  127.0.0.3:50505 > /dev/null 2>&1 || { echo "plot_scan_rate: the listeners did not start" >&2; exit 1; }

export -f raw_parallel
export RAW CORES

# One sampled run: NAME ROUND COMMAND...; the scan must have covered its ports.
sample() {
  local name=$1 round=$2
  shift 2
  "$HERE/connect_rate.py" "$DATA/scan-$name-$round.dat" "$INTERVAL" "$CAP" -- "$@" > /dev/null ||
    { echo "plot_scan_rate: $name failed: $(cat "$DATA/scan-$name-$round.dat.stderr")" >&2; exit 1; }
}

for round in $(seq "$ROUNDS"); do
  sample nbconnect "$round" "$NBC" scan 127.0.0.1 -p- --no-progress
  sample nbconnect-T5 "$round" "$NBC" scan 127.0.0.1 -p- --no-progress -T5
  sample nmap "$round" nmap -sT -p- -n -Pn -T5 --min-rate 100000 127.0.0.1
  sample raw "$round" bash -c raw_parallel
  sample mixed-nbconnect "$round" "$NBC" scan 127.0.0.3 -p- --no-progress
  sample mixed-nmap "$round" nmap -sT -p- -n -Pn -T4 127.0.0.3
  for name in nbconnect nbconnect-T5 mixed-nbconnect; do
    grep -q "65535 ports on 1 host" "$DATA/scan-$name-$round.dat.stdout" ||
      { echo "plot_scan_rate: $name did not scan 65535 ports" >&2; exit 1; }
  done
done

# Per tool: the run of median length becomes scan-NAME.dat; prints "NAME seconds peak median
# connects" (the median of the full intervals, the first and the last left out).
elapsed() { sed -n 's/^# interval .* elapsed \([0-9.]*\) s$/\1/p' "$1"; }
summary() {
  local name=$1 runs=() pick
  for round in $(seq "$ROUNDS"); do runs+=("$(elapsed "$DATA/scan-$name-$round.dat") $round"); done
  pick=$(printf '%s\n' "${runs[@]}" | sort -n | awk '{r[NR]=$2} END {print r[int((NR+1)/2)]}')
  cp "$DATA/scan-$name-$pick.dat" "$DATA/scan-$name.dat"
  local f=$DATA/scan-$name.dat lines peak median
  lines=$(grep -vc '^#' "$f")
  # The interior samples' rates, sorted: their largest is the peak, their middle the median.
  grep -v '^#' "$f" | sed -n "2,$((lines - 1))p" | awk '{print $2}' | sort -n > "$DATA/rates"
  peak=$(tail -1 "$DATA/rates")
  median=$(awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}' "$DATA/rates")
  grep -v '^#' "$f" | tail -1 | awk -v n="$name" -v p="$peak" -v m="$median" \
    '{printf "%-16s %7.3f s  peak %7.0f/s  median %7.0f/s  %6d connects", n, $1, p, m, $3}'
  echo "  (all runs: $(printf '%s\n' "${runs[@]}" | awk '{print $1}' | tr '\n' ' '| sed 's/ $//') s)"
}
{
  echo "plot_scan_rate: $ROUNDS rounds, $CORES cores, kernel $(uname -r), $(nmap --version | head -1)"
  echo "uptime at the start: $UPTIME"
  echo "(the run of median length per tool; rates sampled every ${INTERVAL} s)"
  for name in nbconnect nbconnect-T5 nmap raw mixed-nbconnect mixed-nmap; do summary "$name"; done
} | tee "$DATA/scan-summary.txt"

gnuplot -e "dir='$DATA'; out='$OUT'" "$HERE/scan_rate.gp"
ls -l "$OUT/scan-rate.png" "$OUT/scan-rate-mixed.png"
