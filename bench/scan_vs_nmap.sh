#!/bin/bash
# nbconnect scan against nmap -sT and against the machine's raw limit, side by side in one run, in
# a private network namespace (only loopback exists there, so no packet leaves the machine).
#
#   bench/scan_vs_nmap.sh [BUILD_DIR] [ROUNDS]      (as root, or with CAP_SYS_ADMIN)
#
# (a) 65,535 closed loopback ports: nbconnect (text, and --json > /dev/null), nmap -sT -p- -n -Pn
#     -T5 --min-rate 100000, and the raw limit (bench/raw_limit.c, one process per core over an
#     equal share of the ports);
# (b) 65,535 ports that drop SYNs, nbconnect -t 1s --retries 0;
# (c) a mixed host (listeners, dropped, ICMP-unreachable and reset ports): both tools at their
#     defaults (nbconnect without options, nmap -sT -p- -n -Pn -T4) and both at -T5; the open
#     sets and filtered counts are compared;
# (d) a host with 1,000 ports scanned, 990 behind DROP and 10 open: nbconnect at its defaults
#     against nmap -T4.
# Runs alternate; the medians, the ratios and the peak memory (/usr/bin/time) are printed.
set -euo pipefail

. "$(dirname "$0")/common.sh"
nbc_enter_netns "$@"

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

# (b): everything sent to 127.0.0.2 is dropped. (c): 127.0.0.3 is the mixed host. (d): 127.0.0.4
# listens on 5001-5010 and drops 5011-6000.
iptables -w -A INPUT -d 127.0.0.2 -p tcp -j DROP
iptables -w -A INPUT -d 127.0.0.3 -p tcp --dport 3001:3010 -j DROP
iptables -w -A INPUT -d 127.0.0.3 -p tcp --dport 3011:3015 -j REJECT --reject-with icmp-host-unreachable
iptables -w -A INPUT -d 127.0.0.3 -p tcp --dport 3021:3025 -j REJECT --reject-with tcp-reset
iptables -w -A INPUT -d 127.0.0.4 -p tcp --dport 5011:6000 -j DROP
for port in 22 80 443 8080 40001 50505; do
  nc -lk 127.0.0.3 "$port" > /dev/null 2>&1 &
done
for port in $(seq 5001 5010); do
  nc -lk 127.0.0.4 "$port" > /dev/null 2>&1 &
done
"$NBC" wait -t 10s 127.0.0.3:22 127.0.0.3:80 127.0.0.3:443 127.0.0.3:8080 127.0.0.3:40001 \
  127.0.0.3:50505 $(for port in $(seq 5001 5010); do echo 127.0.0.4:$port; done) > /dev/null ||
  { echo "scan_vs_nmap: the listeners did not start" >&2; exit 1; }

# Runs a command under /usr/bin/time; appends "seconds max_rss_kb user sys" to the file named $1.
measure() {
  local out=$1
  shift
  /usr/bin/time -f "%e %M %U %S" -o "$TMP/time" "$@" > "$TMP/stdout" 2> "$TMP/stderr" || true
  cat "$TMP/time" >> "$out"
}

export -f raw_parallel
export RAW CORES

# nbconnect's text output: "PORT/tcp open" rows and the summary's filtered count.
nbc_open() { grep -o '^ *[0-9]*/tcp *open ' "$1" | grep -o '[0-9]*' | sort -n | tr '\n' ' '; }
nbc_filtered() { grep -o '[0-9]* filtered,' "$1" | grep -o '[0-9]*' | tail -1; }
nmap_open() { grep -o '[0-9]*/open/tcp' "$1" | grep -o '^[0-9]*' | sort -n | tr '\n' ' '; }
nmap_filtered() {
  local listed ignored
  listed=$(grep -o '[0-9]*/filtered/tcp' "$1" | wc -l)
  ignored=$(grep -o 'Ignored State: filtered ([0-9]*)' "$1" | grep -o '[0-9]*' || echo 0)
  echo $(( listed + ${ignored:-0} ))
}
# Appends "open-set|filtered" of the last run to the file named $1 (nbc or nmap by $2).
states() { if [ "$2" = nbc ]; then echo "$(nbc_open "$TMP/stdout")|$(nbc_filtered "$TMP/stdout")"; else echo "$(nmap_open "$TMP/stdout")|$(nmap_filtered "$TMP/stdout")"; fi >> "$TMP/$1"; }

LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
for i in $(seq "$ROUNDS"); do
  measure "$TMP/a_nbc" "$NBC" scan 127.0.0.1 -p- --no-progress
  grep -q "65535 ports on 1 host" "$TMP/stdout" || { echo "nbconnect (a) failed: $(cat "$TMP/stdout" "$TMP/stderr")" >&2; exit 1; }
  measure "$TMP/a_json" "$NBC" scan 127.0.0.1 -p- --no-progress --json
  grep -q "65535 ports on 1 host" "$TMP/stderr" || { echo "nbconnect (a) --json failed: $(cat "$TMP/stderr")" >&2; exit 1; }
  measure "$TMP/a_nmap" nmap -sT -p- -n -Pn -T5 --min-rate 100000 127.0.0.1
  measure "$TMP/a_raw" bash -c raw_parallel
  measure "$TMP/b_nbc" "$NBC" scan 127.0.0.2 -p- -t 1s --retries 0 --no-progress
  measure "$TMP/c_nbc" "$NBC" scan 127.0.0.3 -p- --no-progress
  states c_nbc_states nbc
  measure "$TMP/c_nmap" nmap -sT -p- -n -Pn -T4 -oG - 127.0.0.3
  states c_nmap_states nmap
  measure "$TMP/c5_nbc" "$NBC" scan 127.0.0.3 -p- --no-progress -T5
  states c5_nbc_states nbc
  measure "$TMP/c5_nmap" nmap -sT -p- -n -Pn -T5 -oG - 127.0.0.3
  states c5_nmap_states nmap
  measure "$TMP/d_nbc" "$NBC" scan 127.0.0.4 -p 5001-6000 --no-progress
  states d_nbc_states nbc
  measure "$TMP/d_nmap" nmap -sT -p 5001-6000 -n -Pn -T4 -oG - 127.0.0.4
  states d_nmap_states nmap
done

median() { sort -n | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
col() { awk -v c="$2" '{print $c}' "$TMP/$1" | median; }
# CPU seconds (user + system): a figure a loaded machine disturbs less than the wall clock.
cpu() { awk '{print $3 + $4}' "$TMP/$1" | median; }

a_nbc=$(col a_nbc 1); a_json=$(col a_json 1); a_nmap=$(col a_nmap 1); a_raw=$(col a_raw 1)
b_nbc=$(col b_nbc 1); c_nbc=$(col c_nbc 1); c_nmap=$(col c_nmap 1)
c5_nbc=$(col c5_nbc 1); c5_nmap=$(col c5_nmap 1); d_nbc=$(col d_nbc 1); d_nmap=$(col d_nmap 1)
echo "nbconnect scan benchmark: $ROUNDS rounds, $CORES cores, kernel $(uname -r), medians"
echo
echo "load average before: $LOAD (the ratios mean little when it is well above $CORES)"
printf '%-50s %9s %9s %11s\n' "run" "seconds" "CPU s" "peak RSS"
row() { printf '%-50s %9s %9s %8s KB\n' "$1" "$(col "$2" 1)" "$(cpu "$2")" "$(col "$2" 2)"; }
row "(a) nbconnect scan 127.0.0.1 -p-" a_nbc
row "(a) nbconnect scan 127.0.0.1 -p- --json >/dev/null" a_json
row "(a) nmap -sT -p- -T5 --min-rate 100000" a_nmap
row "(a) raw limit ($CORES processes)" a_raw
row "(b) nbconnect 65,535 dropped, -t 1s -r 0" b_nbc
row "(c) nbconnect mixed host -p- (defaults)" c_nbc
row "(c) nmap -sT mixed host -p- -T4" c_nmap
row "(c) nbconnect mixed host -p- -T5" c5_nbc
row "(c) nmap -sT mixed host -p- -T5" c5_nmap
row "(d) nbconnect 1,000 ports, 990 dropped (defaults)" d_nbc
row "(d) nmap -sT 1,000 ports, 990 dropped, -T4" d_nmap
echo
awk -v n="$a_nbc" -v j="$a_json" -v m="$a_nmap" -v r="$a_raw" 'BEGIN {
  printf "(a) nbconnect is %.2fx faster than nmap (target >= 2.0)\n", m / n
  printf "(a) nbconnect runs at %.0f%% of the raw limit rate (target >= 90%%)\n", 100 * r / n
  printf "(a) --json takes %.2fx the time of text (target <= 1.10)\n", j / n }'
awk -v b="$b_nbc" 'BEGIN { printf "(b) %.2f s for 65,535 dropped ports (target < 8 s)\n", b }'
awk -v n="$c_nbc" -v m="$c_nmap" 'BEGIN { printf "(c) defaults: nbconnect is %.2fx faster than nmap -T4 (target >= 2.0)\n", m / n }'
awk -v n="$c5_nbc" -v m="$c5_nmap" 'BEGIN { printf "(c) -T5: nbconnect is %.2fx faster than nmap -T5 (target >= 2.0)\n", m / n }'
awk -v n="$d_nbc" -v m="$d_nmap" 'BEGIN { printf "(d) defaults: nbconnect is %.2fx faster than nmap -T4\n", m / n }'
# Every run's open set and filtered count, side by side: one distinct line per tool is agreement.
same=yes
for case in c c5 d; do
  nbc=$(sort -u "$TMP/${case}_nbc_states"); nmap=$(sort -u "$TMP/${case}_nmap_states")
  echo "($case) open|filtered: nbconnect [ $(echo "$nbc" | tr '\n' ';')] nmap [ $(echo "$nmap" | tr '\n' ';')]"
  [ "$nbc" = "$nmap" ] || same=no
done
echo "states agree with nmap in every run of (c) and (d): $same"
