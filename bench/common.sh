# Sourced by the bench/ scripts: what each of them would otherwise repeat.
#
#   . "$(dirname "$0")/common.sh"
#   nbc_enter_netns "$@"     re-runs the calling script in a private network namespace (only its
#                            loopback exists, so no packet leaves the machine); needs root
#   raw_parallel             the raw limit (bench/raw_limit.c) over 127.0.0.1 ports 1-65535, one
#                            process per core (CORES) on an equal share; needs RAW and CORES

nbc_enter_netns() {
  if [ "${NBC_BENCH_IN_NETNS:-}" != 1 ]; then
    export NBC_BENCH_IN_NETNS=1
    exec unshare -n -- "$0" "$@"
  fi
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
