#!/bin/sh
# `make run`: a short live tour of nbconnect on this machine's loopback.
set -u
bin=${1:-build/nbconnect}
echo "\$ nbconnect 127.0.0.1 22"
"$bin" 127.0.0.1 22
echo "(exit code $?)"
echo "\$ nbconnect --json 127.0.0.1 1"
"$bin" --json 127.0.0.1 1
echo "(exit code $?)"
exit 0
