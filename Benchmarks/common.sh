# What Benchmarks/api.sh and Benchmarks/cache.sh share; sourced, not run.

# bench_tools TOOL...: installs the Debian packages of the tools that are missing (wrk, nginx).
bench_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] \
      || { apt-get update -qq && apt-get install -y -qq "$tool" >/dev/null; }
  done
}

# bench_binary: builds reference-bench in release and prints its path (REFERENCE_BENCH_BIN overrides it).
bench_binary() {
  swift build -c release --product reference-bench >&2
  echo "${REFERENCE_BENCH_BIN:-$(swift build -c release --show-bin-path)/reference-bench}"
}

# bench_serve BENCH OUT ARGS...: starts `BENCH serve ARGS` in the background, its output in OUT, and waits
# until it says ready; its pid is left in $served_pid. Fails, with its output, when it does not get ready.
bench_serve() {
  local bench=$1 out=$2
  shift 2
  "$bench" serve "$@" > "$out" 2>&1 &
  served_pid=$!
  for _ in $(seq 1 300); do
    grep -q ready "$out" && return 0
    sleep 0.1
  done
  echo "reference-bench serve $* did not get ready: $(cat "$out")" >&2
  return 1
}
