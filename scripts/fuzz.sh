#!/bin/sh
# Runs every libFuzzer target for SECONDS each, starting from its corpus in fuzz/corpus/<target>/,
# and prints the executions per target. With --merge, inputs that add coverage are merged into the
# committed corpus (`make fuzz`); without, new inputs stay in the build directory (`make test`).
# A crash leaves its reproducer beside the corpus (merge) or in the build directory, and fails.
# Targets run FUZZ_JOBS at a time (default: one per CPU): each is one process on one core, so
# each still gets its SECONDS of a whole core, and the wall time is divided by the CPUs.
# Usage: scripts/fuzz.sh BUILD_DIR SECONDS [--merge]
set -eu
build=$1
seconds=$2
merge=${3:-}
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
top=$(cd "$(dirname "$0")/.." && pwd)

# One target: its log in $build/fuzz/<name>.log, "ok" or "FAILED" in <name>.result.
run_target() {
  exe=$1
  name=${exe##*/fuzz_}
  corpus="$top/fuzz/corpus/$name"
  work="$build/fuzz/work/$name"
  mkdir -p "$corpus" "$work"
  if [ "$merge" = "--merge" ]; then artifacts="$corpus/"; else artifacts="$work/"; fi
  log="$build/fuzz/$name.log"
  if "$exe" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$artifacts" \
      -max_len=4096 "$work" "$corpus" > "$log" 2>&1; then
    echo ok > "$build/fuzz/$name.result"
  else
    echo FAILED > "$build/fuzz/$name.result"
  fi
}

targets=""
for exe in "$build"/fuzz/fuzz_*; do
  [ -x "$exe" ] || continue
  targets="$targets $exe"
  rm -f "$build/fuzz/${exe##*/fuzz_}.result"
done

running=0
for exe in $targets; do
  run_target "$exe" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait
    running=0
  fi
done
wait

status=0
total=0
for exe in $targets; do
  name=${exe##*/fuzz_}
  log="$build/fuzz/$name.log"
  result=$(cat "$build/fuzz/$name.result" 2>/dev/null || echo FAILED)
  [ "$result" = ok ] || status=1
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  echo "fuzz_$name: ${runs:-0} executions in ${seconds}s: $result"
  [ "$result" = ok ] || grep -E 'ERROR|fuzz property failed|runtime error' "$log" | head -n 5
  total=$((total + ${runs:-0}))
  if [ "$merge" = "--merge" ] && [ "$result" = ok ]; then
    "$exe" -merge=1 -max_len=4096 "$top/fuzz/corpus/$name" "$build/fuzz/work/$name" \
      > "$build/fuzz/$name.merge.log" 2>&1 || true
  fi
done
echo "fuzz: $total executions in all"
exit $status
