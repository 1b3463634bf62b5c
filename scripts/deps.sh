#!/bin/sh
# Installs the Debian packages nbconnect needs to build and test (as root), or names them.
set -eu
# Build and test (the first lines; nftables lets LabReport compare nft rules with iptables);
# packaging; fuzzing and TLS; proxies for the proxy tests;
# gnuplot-nox for the pictures of bench/plot_*.sh (`make plots`; the ctest bench_plot_scripts
# draws them from samples, and skips with a message without it).
PACKAGES="cmake g++ make pkg-config libcli11-dev libfmt-dev nlohmann-json3-dev libc-ares-dev
liburing-dev libgtest-dev libgmock-dev libbenchmark-dev nmap netcat-openbsd iptables nftables iproute2
dnsmasq-base clang-format time util-linux procps libasio-dev libuv1-dev ndiff libxml2-utils python3
libexpat1-dev scdoc man-db zsh fish
lintian dpkg-dev file binutils python3-yaml
clang-19 libclang-rt-19-dev libcsv-dev libssl-dev libpcre2-dev openssl
microsocks tinyproxy dante-server
gnuplot-nox"
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "nbconnect: installing Debian packages:$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
  echo "nbconnect: missing Debian packages:$missing" >&2
  echo "nbconnect: install them as root: apt-get install$missing" >&2
  exit 1
fi
