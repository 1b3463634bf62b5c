#!/bin/bash
# Soak: ATTEMPTS attempts through each entry point of the library, in turn, over a mix of open,
# refused, dropped, ICMP-rejected and self-connect ports, in a private network namespace (only
# loopback exists there, so no packet leaves the machine). The driver (bench/soak.cpp) samples its
# descriptors and RSS every second and fails when the descriptors do not come back to the start
# value or the RSS grows 5% or more after the warm-up (the first quarter of the attempts); the RSS
# half-way is shown too: a leak grows in step with the attempts, an allocator settling levels off.
#
#   bench/soak.sh [BUILD_DIR] [ATTEMPTS]      (as root, or with CAP_SYS_ADMIN and CAP_NET_ADMIN)
#
# ATTEMPTS (default 1,000,000) is per entry point. The environment can narrow a run:
#   SOAK_ENTRIES="engine embedded"   which entry points (default: connect engine dialer embedded)
#   SOAK_ATTEMPTS_CONNECT=50000      attempts for one entry point (also _ENGINE, _DIALER, _EMBEDDED)
#   SOAK_CONCURRENCY=512             attempts in flight (engine, dialer, embedded)
#   SOAK_CONNECT_THREADS=64          threads each running nbc::connect in a loop
#   SOAK_TIMEOUT_MS=50               per attempt: what a dropped port costs
# Not a ctest: at 1,000,000 attempts it runs for minutes (the rates printed give the time).
set -euo pipefail

. "$(dirname "$0")/common.sh"
nbc_enter_netns "$@"

BUILD=${1:-build}
ATTEMPTS=${2:-1000000}
SOAK=$BUILD/bench/soak
ENTRIES=${SOAK_ENTRIES:-connect engine dialer embedded}
CONCURRENCY=${SOAK_CONCURRENCY:-512}
THREADS=${SOAK_CONNECT_THREADS:-64}
TIMEOUT_MS=${SOAK_TIMEOUT_MS:-50}
[ -x "$SOAK" ] || { echo "soak: missing $SOAK (build first: cmake --build $BUILD --target soak)" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# The layout bench/soak.cpp expects (its opening comment). ICMP unlimited, so that every
# rejected SYN gets its answer; a 64-port ephemeral range that the self-connect class targets.
ip link set lo up
for setting in net.ipv4.icmp_ratelimit=0 net.ipv4.icmp_msgs_per_sec=1000000 \
               net.ipv4.icmp_msgs_burst=1000000; do
  sysctl -qw "$setting" 2> /dev/null || echo "soak: could not set $setting" >&2
done
sysctl -qw net.ipv4.ip_local_port_range="40000 40063"
iptables -w -A INPUT -d 127.0.0.2 -p tcp --dport 1:8 -j REJECT --reject-with tcp-reset
iptables -w -A INPUT -d 127.0.0.2 -p tcp --dport 9:16 -j REJECT --reject-with icmp-port-unreachable
iptables -w -A INPUT -d 127.0.0.3 -p tcp --dport 1:16 -j DROP
iptables -w -A INPUT -d 127.0.0.4 -p tcp --dport 1:16 -j REJECT --reject-with icmp-host-unreachable

status=0
for entry in $ENTRIES; do
  var=SOAK_ATTEMPTS_${entry^^}
  n=${!var:-$ATTEMPTS}
  if [ "$entry" = connect ]; then conc=$THREADS; else conc=$CONCURRENCY; fi
  echo "== $entry: $n attempts, concurrency $conc"
  "$SOAK" "$entry" "$n" --concurrency "$conc" --timeout-ms "$TIMEOUT_MS" | tee "$TMP/$entry" \
    || status=1
done

field() { sed -n "s/^RESULT .*[ ]$2=\([^ ]*\).*/\1/p" "$TMP/$1"; }
echo
echo "soak: $(nproc) cores, kernel $(uname -r), timeout ${TIMEOUT_MS} ms per attempt"
printf '%-9s %9s %8s %9s %8s %9s %9s %9s %9s %7s %s\n' entry attempts seconds rate/s fds \
  "rss start" "rss warm" "rss half" "rss end" growth verdict
for entry in $ENTRIES; do
  if ! grep -q '^RESULT' "$TMP/$entry"; then
    printf '%-9s %s\n' "$entry" "no result (the driver failed: see above)"
    continue
  fi
  printf '%-9s %9s %8s %9s %8s %6s KB %6s KB %6s KB %6s KB %7s %s\n' "$entry" \
    "$(field "$entry" attempts)" "$(field "$entry" seconds)" "$(field "$entry" rate)" \
    "$(field "$entry" fd_start)->$(field "$entry" fd_end)" "$(field "$entry" rss_start_kb)" \
    "$(field "$entry" rss_warm_kb)" "$(field "$entry" rss_half_kb)" "$(field "$entry" rss_end_kb)" \
    "$(field "$entry" growth)" \
    "$(grep -o 'PASS\|FAIL' "$TMP/$entry" | tail -1)"
done
exit $status
