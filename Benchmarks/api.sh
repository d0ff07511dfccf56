#!/usr/bin/env bash
# The API under load, beside nginx serving the same bytes from files, in the same run:
#   wrk -t2 -c32 -d10s on 127.0.0.1 for bootstrap (plain and gzip), the 304 path and /exercises.
# Then the cost of the metrics: the same four cases against a second server started with --metrics off,
# on and off alternating, twice each.
# Installs wrk and nginx when missing (Debian packages). Usage: Benchmarks/api.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-10}"
. Benchmarks/common.sh
bench_tools wrk nginx
bench=$(bench_binary)
work=$(mktemp -d)
api_port=18480
nginx_port=18481
cleanup() {
  [ -n "${api_pid:-}" ] && kill "$api_pid" 2>/dev/null || true
  [ -n "${off_pid:-}" ] && kill "$off_pid" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

bench_serve "$bench" "$work/api.out" --port "$api_port"
api_pid=$served_pid
base="http://127.0.0.1:$api_port/api/v1/reference"

# The same bytes for nginx: the plain document, its gzip twin (gzip_static), and /exercises.
mkdir -p "$work/www"
curl -s "$base/bootstrap" -o "$work/www/bootstrap"
curl -s -H 'Accept-Encoding: gzip' "$base/bootstrap" -o "$work/www/bootstrap.gz"
curl -s "$base/exercises" -o "$work/www/exercises"
etag=$(curl -s -D - -o /dev/null "$base/bootstrap" | awk 'tolower($1)=="etag:" {print $2}' | tr -d '\r')
cat > "$work/nginx.conf" <<CONF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  default_type application/json;
  sendfile on;
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/www;
    gzip_static on;
    etag on;
  }
}
CONF
chmod -R a+rX "$work"
nginx -c "$work/nginx.conf"
sleep 0.5
for path in bootstrap exercises; do
  status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$nginx_port/$path")
  [ "$status" = 200 ] || { echo "nginx answers $status for /$path" >&2; exit 1; }
done
nginx_etag=$(curl -s -D - -o /dev/null "http://127.0.0.1:$nginx_port/bootstrap" | awk 'tolower($1)=="etag:" {print $2}' | tr -d '\r')

rate() { wrk -t2 -c32 -d"${duration}s" "$@" | awk '/Requests\/sec/ {print $2}'; }
row() { # name api-args -- nginx-args
  local name=$1; shift
  local api=() nginx=()
  while [ "$1" != "--" ]; do api+=("$1"); shift; done; shift
  nginx=("$@")
  local a n
  a=$(rate "${api[@]}")
  n=$(rate "${nginx[@]}")
  printf '| %s | %.0f req/s | %.0f req/s | %.2f |\n' "$name" "$a" "$n" "$(echo "$a / $n" | bc -l)"
}
size=$(stat -c %s "$work/www/bootstrap"); gz=$(stat -c %s "$work/www/bootstrap.gz")
echo
echo "wrk -t2 -c32 -d${duration}s on 127.0.0.1; bootstrap $size bytes (gzip $gz bytes)"
echo
echo "| case | reference-backend | nginx, same bytes from files | ratio |"
echo "| --- | ---: | ---: | ---: |"
row "bootstrap, plain" "$base/bootstrap" -- "http://127.0.0.1:$nginx_port/bootstrap"
row "bootstrap, gzip (nginx gzip_static)" -H 'Accept-Encoding: gzip' "$base/bootstrap" -- -H 'Accept-Encoding: gzip' "http://127.0.0.1:$nginx_port/bootstrap"
row "bootstrap, 304 (If-None-Match)" -H "If-None-Match: $etag" "$base/bootstrap" -- -H "If-None-Match: $nginx_etag" "http://127.0.0.1:$nginx_port/bootstrap"
row "/exercises, plain" "$base/exercises" -- "http://127.0.0.1:$nginx_port/exercises"

# The metrics' cost: the server above keeps figures (the default); this one is started with --metrics off.
off_port=18482
bench_serve "$bench" "$work/off.out" --port "$off_port" --metrics off
off_pid=$served_pid
off="http://127.0.0.1:$off_port/api/v1/reference"
off_etag=$(curl -s -D - -o /dev/null "$off/bootstrap" | awk 'tolower($1)=="etag:" {print $2}' | tr -d '\r')
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$off_port/metrics")" = 404 ] \
  || { echo "the --metrics off server serves /metrics" >&2; exit 1; }
compare() { # name path [header]
  local name=$1 path=$2 on_header=${3:-} off_header=${4:-}
  local on_args=("$base/$path") off_args=("$off/$path") on_sum=0 off_sum=0 r
  [ -n "$on_header" ] && on_args=(-H "$on_header" "$base/$path")
  [ -n "$off_header" ] && off_args=(-H "$off_header" "$off/$path")
  for _ in 1 2; do
    r=$(rate "${on_args[@]}"); on_sum=$(echo "$on_sum + $r" | bc -l)
    r=$(rate "${off_args[@]}"); off_sum=$(echo "$off_sum + $r" | bc -l)
  done
  printf '| %s | %.0f req/s | %.0f req/s | %.3f |\n' "$name" "$(echo "$on_sum / 2" | bc -l)" \
    "$(echo "$off_sum / 2" | bc -l)" "$(echo "$on_sum / $off_sum" | bc -l)"
}
echo
echo "metrics on against --metrics off, same run, mean of 2 alternating runs each"
echo
echo "| case | metrics on | metrics off | on / off |"
echo "| --- | ---: | ---: | ---: |"
compare "bootstrap, plain" bootstrap
compare "bootstrap, gzip" bootstrap 'Accept-Encoding: gzip' 'Accept-Encoding: gzip'
compare "bootstrap, 304 (If-None-Match)" bootstrap "If-None-Match: $etag" "If-None-Match: $off_etag"
compare "/exercises, plain" exercises
