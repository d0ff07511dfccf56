#!/usr/bin/env bash
# Requests per second through the nginx cache of deploy/nginx/reference-cache.conf.template against the API
# directly, in the same run: wrk -t2 -c32 on 127.0.0.1 for the bootstrap (plain, gzip), the 304 path and
# /exercises. Installs wrk and nginx when missing (Debian packages). Usage: Benchmarks/cache.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-10}"
. Benchmarks/common.sh
bench_tools wrk nginx
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
bench=$(bench_binary)
work=$(mktemp -d)
chmod 0777 "$work"
api_port=18490
cache_port=18491
cleanup() {
  [ -n "${api_pid:-}" ] && kill "$api_pid" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

bench_serve "$bench" "$work/api.out" --port "$api_port"
api_pid=$served_pid

mkdir -p "$work/cache" && chmod 0777 "$work/cache"
rendered=$(sed -e "s|\${CACHE_DIR}|$work/cache|g" -e "s|\${CACHE_LISTEN}|127.0.0.1:$cache_port|g" \
  -e "s|\${REFERENCE_UPSTREAM}|127.0.0.1:$api_port|g" -e "s|\${CACHE_FRESH_FOR}|1s|g" \
  deploy/nginx/reference-cache.conf.template)
cat > "$work/nginx.conf" <<CONF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/client_body;
  proxy_temp_path $work/proxy;
  fastcgi_temp_path $work/fastcgi;
  uwsgi_temp_path $work/uwsgi;
  scgi_temp_path $work/scgi;
$rendered
}
CONF
"$nginx_bin" -p "$work" -c "$work/nginx.conf"
sleep 0.5
direct="http://127.0.0.1:$api_port/api/v1/reference"
cached="http://127.0.0.1:$cache_port/api/v1/reference"
for path in bootstrap exercises; do
  curl -s -o /dev/null "$cached/$path"; curl -s -o /dev/null -H 'Accept-Encoding: gzip' "$cached/$path"
done
status=$(curl -s -o /dev/null -D - "$cached/bootstrap" | awk 'tolower($1)=="x-cache-status:" {print $2}' | tr -d '\r')
[ "$status" = HIT ] || { echo "the cache answers $status, not HIT" >&2; exit 1; }
etag=$(curl -s -D - -o /dev/null "$direct/bootstrap" | awk 'tolower($1)=="etag:" {print $2}' | tr -d '\r')

rate() { wrk -t2 -c32 -d"${duration}s" "$@" | awk '/Requests\/sec/ {print $2}'; }
row() { # name path [header]
  local name=$1 path=$2 header=${3:-} a c
  if [ -n "$header" ]; then
    a=$(rate -H "$header" "$direct/$path"); c=$(rate -H "$header" "$cached/$path")
  else
    a=$(rate "$direct/$path"); c=$(rate "$cached/$path")
  fi
  printf '| %s | %.0f req/s | %.0f req/s | %.2f |\n' "$name" "$a" "$c" "$(echo "$c / $a" | bc -l)"
}
echo
echo "wrk -t2 -c32 -d${duration}s on 127.0.0.1; nginx $("$nginx_bin" -v 2>&1 | sed 's|.*/||'), cache from deploy/nginx/reference-cache.conf.template"
echo
echo "| case | API directly | through the cache | cache / API |"
echo "| --- | ---: | ---: | ---: |"
row "bootstrap, plain" bootstrap
row "bootstrap, gzip" bootstrap 'Accept-Encoding: gzip'
row "bootstrap, 304 (If-None-Match)" bootstrap "If-None-Match: $etag"
row "/exercises, plain" exercises
