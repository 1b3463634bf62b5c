#!/bin/bash
# Runs libFuzzer targets until each has made a number of executions: the long campaigns behind the
# executions table of docs/fuzzing.md (make fuzz runs each target for a fixed time instead).
# Each target runs in rounds of ROUND seconds from its corpus, merges what adds coverage into
# fuzz/corpus/<target>/ at the end, and stops at the first crash (its reproducer is left beside
# the corpus, so that make test replays it). Prints a line per round and the total per target.
#   scripts/fuzz_until.sh BUILD_DIR TARGET:EXECUTIONS... [ROUND]   e.g. build-fuzz port_list:10000000
set -u
build=$1
shift
round=240
pairs=()
for arg in "$@"; do
  case $arg in
    *:*) pairs+=("$arg") ;;
    *) round=$arg ;;
  esac
done
top=$(cd "$(dirname "$0")/.." && pwd)
status=0
for pair in "${pairs[@]}"; do
  name=${pair%%:*}
  goal=${pair##*:}
  exe=$build/fuzz/fuzz_$name
  [ -x "$exe" ] || { echo "fuzz_until: no $exe (make build-fuzz)" >&2; exit 1; }
  corpus=$top/fuzz/corpus/$name
  work=$build/fuzz/work/$name
  mkdir -p "$corpus" "$work"
  total=0
  while [ "$total" -lt "$goal" ]; do
    log=$build/fuzz/$name.until.log
    "$exe" -max_total_time="$round" -print_final_stats=1 -artifact_prefix="$corpus/" \
      -max_len=4096 "$work" "$corpus" > "$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    total=$((total + ${runs:-0}))
    echo "fuzz_$name: +${runs:-0} = $total executions$([ $rc -eq 0 ] || echo ': FAILED')"
    if [ $rc -ne 0 ]; then
      grep -E 'ERROR|fuzz property failed|runtime error' "$log" | head -n 5
      status=1
      break
    fi
  done
  "$exe" -merge=1 -max_len=4096 "$corpus" "$work" > "$build/fuzz/$name.merge.log" 2>&1 || true
done
exit $status
