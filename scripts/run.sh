#!/bin/sh
# `make run`: the main job on this machine's loopback only: a scan of the first 10,000 ports,
# then one check of a local port (exit codes are shown, not treated as failures).
set -u
bin=${1:-build/nbconnect}
echo "\$ nbconnect scan 127.0.0.1 -p 1-10000 --no-progress"
"$bin" scan 127.0.0.1 -p 1-10000 --no-progress
echo "(exit code $?)"
echo "\$ nbconnect 127.0.0.1 22"
"$bin" 127.0.0.1 22
echo "(exit code $?)"
echo "\$ nbconnect --json localhost 1"
"$bin" --json localhost 1
echo "(exit code $?)"
exit 0
