#!/bin/bash
# nbconnect scan against nmap -sT and against the machine's raw limit, side by side in one run, in
# a private network namespace (only loopback exists there, so no packet leaves the machine).
#
#   bench/scan_vs_nmap.sh [BUILD_DIR] [ROUNDS]      (as root, or with CAP_SYS_ADMIN)
#
# (a) 65,535 closed loopback ports: nbconnect, nmap -sT -p- -n -Pn -T5 --min-rate 100000, and the
#     raw limit (bench/raw_limit.c, one process per core over an equal share of the ports);
# (b) 65,535 ports that drop SYNs, nbconnect -t 1s --retries 0;
# (c) a mixed host (listeners, dropped, ICMP-unreachable and reset ports), nbconnect and nmap.
# Runs alternate; the medians, the ratios and the peak memory (/usr/bin/time) are printed.
set -euo pipefail

if [ "${NBC_BENCH_IN_NETNS:-}" != 1 ]; then
  export NBC_BENCH_IN_NETNS=1
  exec unshare -n -- "$0" "$@"
fi

BUILD=${1:-build}
ROUNDS=${2:-5}
NBC=$BUILD/nbconnect
RAW=$BUILD/bench/raw_limit
for f in "$NBC" "$RAW" /usr/bin/nmap /usr/bin/time; do
  [ -x "$f" ] || { echo "scan_vs_nmap: missing $f (build first: cmake --build $BUILD)" >&2; exit 1; }
done
ip link set lo up
CORES=$(nproc)
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$TMP"' EXIT

# (b): everything sent to 127.0.0.2 is dropped. (c): 127.0.0.3 is the mixed host.
iptables -w -A INPUT -d 127.0.0.2 -p tcp -j DROP
iptables -w -A INPUT -d 127.0.0.3 -p tcp --dport 3001:3010 -j DROP
iptables -w -A INPUT -d 127.0.0.3 -p tcp --dport 3011:3015 -j REJECT --reject-with icmp-host-unreachable
iptables -w -A INPUT -d 127.0.0.3 -p tcp --dport 3021:3025 -j REJECT --reject-with tcp-reset
for port in 22 80 443 8080 40001 50505; do
  nc -lk 127.0.0.3 "$port" > /dev/null 2>&1 &
done
"$NBC" wait -t 10s 127.0.0.3:22 127.0.0.3:80 127.0.0.3:443 127.0.0.3:8080 127.0.0.3:40001 \
  127.0.0.3:50505 > /dev/null || { echo "scan_vs_nmap: the listeners did not start" >&2; exit 1; }

# Runs a command under /usr/bin/time; appends "seconds max_rss_kb" to the file named $1.
measure() {
  local out=$1
  shift
  /usr/bin/time -f "%e %M" -o "$TMP/time" "$@" > "$TMP/stdout" 2> "$TMP/stderr" || true
  cat "$TMP/time" >> "$out"
}

raw_parallel() {
  local per=$(( (65535 + CORES - 1) / CORES )) first=1 pids=()
  while [ "$first" -le 65535 ]; do
    local last=$(( first + per - 1 )); [ "$last" -gt 65535 ] && last=65535
    "$RAW" 127.0.0.1 "$first" "$last" > /dev/null & pids+=($!)
    first=$(( last + 1 ))
  done
  wait "${pids[@]}"
}
export -f raw_parallel
export RAW CORES

for i in $(seq "$ROUNDS"); do
  measure "$TMP/a_nbc" "$NBC" scan 127.0.0.1 -p- --no-progress
  grep -q "65535 ports on 1 host" "$TMP/stdout" || { echo "nbconnect (a) failed: $(cat "$TMP/stdout" "$TMP/stderr")" >&2; exit 1; }
  measure "$TMP/a_nmap" nmap -sT -p- -n -Pn -T5 --min-rate 100000 127.0.0.1
  measure "$TMP/a_raw" bash -c raw_parallel
  measure "$TMP/b_nbc" "$NBC" scan 127.0.0.2 -p- -t 1s --retries 0 --no-progress
  measure "$TMP/c_nbc" "$NBC" scan 127.0.0.3 -p- --no-progress --json
  cp "$TMP/stdout" "$TMP/c_nbc_out"
  measure "$TMP/c_nmap" nmap -sT -p- -n -Pn -T5 --min-rate 100000 -oG - 127.0.0.3
  cp "$TMP/stdout" "$TMP/c_nmap_out"
done

median() { sort -n | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
col() { awk -v c="$2" '{print $c}' "$TMP/$1" | median; }

a_nbc=$(col a_nbc 1); a_nmap=$(col a_nmap 1); a_raw=$(col a_raw 1)
b_nbc=$(col b_nbc 1); c_nbc=$(col c_nbc 1); c_nmap=$(col c_nmap 1)
echo "nbconnect scan benchmark: $ROUNDS rounds, $CORES cores, kernel $(uname -r), medians"
echo
printf '%-44s %9s %11s\n' "run" "seconds" "peak RSS"
printf '%-44s %9s %8s KB\n' "(a) nbconnect scan 127.0.0.1 -p-" "$a_nbc" "$(col a_nbc 2)"
printf '%-44s %9s %8s KB\n' "(a) nmap -sT -p- -T5 --min-rate 100000" "$a_nmap" "$(col a_nmap 2)"
printf '%-44s %9s %8s KB\n' "(a) raw limit ($CORES processes)" "$a_raw" "$(col a_raw 2)"
printf '%-44s %9s %8s KB\n' "(b) nbconnect 65,535 dropped, -t 1s -r 0" "$b_nbc" "$(col b_nbc 2)"
printf '%-44s %9s %8s KB\n' "(c) nbconnect mixed host -p-" "$c_nbc" "$(col c_nbc 2)"
printf '%-44s %9s %8s KB\n' "(c) nmap mixed host -p-" "$c_nmap" "$(col c_nmap 2)"
echo
awk -v n="$a_nbc" -v m="$a_nmap" -v r="$a_raw" 'BEGIN {
  printf "(a) nbconnect is %.2fx faster than nmap (target >= 2.0)\n", m / n
  printf "(a) nbconnect runs at %.0f%% of the raw limit rate (target >= 90%%)\n", 100 * r / n }'
awk -v b="$b_nbc" 'BEGIN { printf "(b) %.2f s for 65,535 dropped ports (target < 8 s)\n", b }'
awk -v n="$c_nbc" -v m="$c_nmap" 'BEGIN { printf "(c) nbconnect is %.2fx faster than nmap\n", m / n }'
nbc_open=$(grep '"state":"open"' "$TMP/c_nbc_out" | sed 's/.*"port":\([0-9]*\),.*/\1/' | sort -n | tr '\n' ' ')
nbc_filtered=$(grep -c '"state":"filtered"' "$TMP/c_nbc_out" || true)
nmap_open=$(grep -o '[0-9]*/open/tcp' "$TMP/c_nmap_out" | grep -o '^[0-9]*' | sort -n | tr '\n' ' ')
nmap_filtered=$(grep -o '[0-9]*/filtered/tcp' "$TMP/c_nmap_out" | wc -l)
echo "(c) open ports: nbconnect [ $nbc_open] nmap [ $nmap_open]; filtered: nbconnect $nbc_filtered, nmap $nmap_filtered"
