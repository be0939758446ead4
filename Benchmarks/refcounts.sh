#!/usr/bin/env bash
# Exact swift_retain / swift_release / malloc calls per proxied request, for each Portico binary
# given: uprobes counted with `perf stat` while wrk drives the proxy route. See README.md.
# Usage: Benchmarks/refcounts.sh BINARY [BINARY...]   (root; Debian's linux-perf, wrk, nginx)
set -u
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TEMPLATES=$BENCH_DIR/templates
(( $# > 0 )) || { echo "usage: $0 BINARY [BINARY...]" >&2; exit 2; }
for tool in perf wrk nginx; do command -v "$tool" >/dev/null || { echo "$tool is missing" >&2; exit 2; }; done

swift_core=$(ldd "$1" | awk '/libswiftCore/ {print $3}')
libc=$(ldd "$1" | awk '/libc\.so/ {print $3}')
[[ -n $swift_core && -n $libc ]] || { echo "cannot find libswiftCore/libc of $1" >&2; exit 2; }
perf probe -l 2>/dev/null | grep -q 'probe_libswiftCore:swift_retain ' || perf probe -q -x "$swift_core" -a swift_retain -a swift_release
perf probe -l 2>/dev/null | grep -q 'probe_libc:malloc ' || perf probe -q -x "$libc" -a malloc

TMP=$(mktemp -d)
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT
port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
render() { local out=$2 template=$1; shift 2; cp "$template" "$out"; for kv in "$@"; do sed -i "s#@${kv%%=*}@#${kv#*=}#g" "$out"; done; }

upstream_port=$(port)
mkdir -p "$TMP/upstream"
render "$TEMPLATES/upstream-nginx.conf.tmpl" "$TMP/upstream/nginx.conf" PREFIX="$TMP/upstream" UPSTREAM_PORT="$upstream_port"
nginx -p "$TMP/upstream/" -c "$TMP/upstream/nginx.conf" -e "$TMP/upstream/error.log" >/dev/null 2>&1 &
PIDS+=($!)

for binary in "$@"; do
    dir=$TMP/$(basename "$binary")-$RANDOM; mkdir -p "$dir"
    listen=$(port); admin=$(port)
    render "$TEMPLATES/portico.yaml.tmpl" "$dir/portico.yaml" LISTEN_PORT="$listen" ADMIN_PORT="$admin" UPSTREAM_PORT="$upstream_port"
    cp "$TEMPLATES/bench-api.yaml.tmpl" "$dir/bench-api.yaml"
    echo '{"keys": []}' > "$dir/keys.json"
    "$binary" serve "$dir/portico.yaml" >"$dir/portico.log" 2>&1 &
    pid=$!; PIDS+=("$pid")
    url=http://127.0.0.1:$listen/prod/proxy/anything
    for _ in $(seq 1 100); do curl -s -o /dev/null "$url" && break; sleep 0.1; done
    wrk -t1 -c8 -d1s "$url" >/dev/null
    perf stat -x, -e probe_libswiftCore:swift_retain,probe_libswiftCore:swift_release,probe_libc:malloc \
        -p "$pid" -o "$dir/stat.txt" -- sleep 3 &
    stat=$!
    sleep 0.2
    requests=$(wrk -t1 -c8 -d2s "$url" | awk '/ requests in / {print $1}')
    wait "$stat"
    kill "$pid"; wait "$pid" 2>/dev/null
    awk -F, -v n="$requests" -v b="$binary" '
        /probe/ { split($3, name, ":"); counts = counts sprintf("  %s %.1f", name[2], $1 / n) }
        END { printf "%s:%s per request (%d requests)\n", b, counts, n }' "$dir/stat.txt"
done
