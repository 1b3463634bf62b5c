#!/bin/sh
# Runs every libFuzzer target for SECONDS each, starting from its corpus in fuzz/corpus/<target>/,
# and prints the executions per target. With --merge, inputs that add coverage are merged into the
# committed corpus (`make fuzz`); without, new inputs stay in the build directory (`make test`).
# A crash leaves its reproducer beside the corpus (merge) or in the build directory, and fails.
# Usage: scripts/fuzz.sh BUILD_DIR SECONDS [--merge]
set -eu
build=$1
seconds=$2
merge=${3:-}
top=$(cd "$(dirname "$0")/.." && pwd)
status=0
total=0
for exe in "$build"/fuzz/fuzz_*; do
  [ -x "$exe" ] || continue
  name=${exe##*/fuzz_}
  corpus="$top/fuzz/corpus/$name"
  work="$build/fuzz/work/$name"
  mkdir -p "$corpus" "$work"
  if [ "$merge" = "--merge" ]; then artifacts="$corpus/"; else artifacts="$work/"; fi
  log="$build/fuzz/$name.log"
  if "$exe" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$artifacts" \
      -max_len=4096 "$work" "$corpus" > "$log" 2>&1; then
    result=ok
  else
    result=FAILED
    status=1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  echo "fuzz_$name: ${runs:-0} executions in ${seconds}s: $result"
  [ "$result" = ok ] || grep -E 'ERROR|fuzz property failed|runtime error' "$log" | head -n 5
  total=$((total + ${runs:-0}))
  if [ "$merge" = "--merge" ] && [ "$result" = ok ]; then
    "$exe" -merge=1 -max_len=4096 "$corpus" "$work" > "$build/fuzz/$name.merge.log" 2>&1 || true
  fi
done
echo "fuzz: $total executions in all"
exit $status
