#!/usr/bin/env bash
# Portico benchmark harness: Portico vs. an nginx reverse proxy, both in front
# of the same nginx upstream, all on 127.0.0.1. See Benchmarks/README.md.
#
# Environment:
#   PORTICO_BIN    use this binary instead of building Portico (release, CMO)
#   FLOOR_BIN      use this binary for the "NIO floor" row instead of building Benchmarks/Floor
#   DURATION       seconds per measured wrk run (default 10)
#   BUILD_TIMEOUT  seconds allowed for `swift build` (default 1800)
#   KEEP_TMP=1     keep the temp dir (configs, logs, raw wrk output)
#
# This script never fails a CI run: it always exits 0 (130/143 only when it is
# interrupted by SIGINT/SIGTERM). Rows that cannot be measured say "failed".

# No `set -e` / `set -u`: a surprise must turn into a "failed" row, not an abort.
set -o pipefail

# ---------------------------------------------------------------- settings ---
INVOCATION=""
for _v in PORTICO_BIN FLOOR_BIN DURATION BUILD_TIMEOUT; do
    [[ -n ${!_v+x} ]] && INVOCATION+="$_v=$(printf '%q' "${!_v}") "
done
INVOCATION+="$0${*:+ $*}"

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$BENCH_DIR/.." && pwd)
TEMPLATES=$BENCH_DIR/templates
OUT_MD=$BENCH_DIR/last-run.md
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

DURATION=${DURATION:-10}
[[ $DURATION =~ ^[1-9][0-9]*$ ]] || { echo "DURATION must be a positive integer (seconds), got '$DURATION'; using 10" >&2; DURATION=10; }
BUILD_TIMEOUT=${BUILD_TIMEOUT:-1800}
[[ $BUILD_TIMEOUT =~ ^[1-9][0-9]*$ ]] || BUILD_TIMEOUT=1800
WARMUP=2                  # seconds of warm-up before each measured run
THREADS=2                 # wrk -t
CONNS=(64 256)            # wrk -c values
NGINX_START_TIMEOUT=10    # seconds
PORTICO_START_TIMEOUT=20  # seconds
APT_LOCK_WAIT=300         # seconds to wait for another apt/dpkg to finish
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)

# The protected routes run right after the plain proxy route they are compared with: on these
# shared cores, rows far apart in time drift apart by a few microseconds per request.
# The NIO floor is a bare SwiftNIO forwarder (no HTTP at all): what NIO alone costs per request.
TARGET_LABELS=("upstream alone" "nginx proxy" "NIO floor (bare forwarder, no HTTP)" "portico mock" "portico proxy" "portico proxy + API key + plan throttle"
    "portico proxy + JWT (Cognito authorizer)" "portico proxy + SigV4 (AWS_IAM)"
    "portico proxy + API key + plan throttle + cache miss" "portico cache hit")
TARGET_KEYS=(upstream nginx floor mock proxy keyed jwt sigv4 cachemiss cachehit)

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# ----------------------------------------------------------------- cleanup ---
PIDS=()          # every process this script started (nginx masters+workers, portico)
TMP=""
INTERRUPTED=0
cleanup() {
    trap - EXIT INT TERM
    local pid i alive
    # Masters / portico first, politely; nginx masters take their workers down.
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for i in $(seq 1 50); do
        alive=0
        for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        (( alive )) || break
        sleep 0.1
    done
    for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
    wait 2>/dev/null
    if [[ -n $TMP && -d $TMP ]]; then
        if [[ ${KEEP_TMP:-0} == 1 ]]; then log "kept temp dir $TMP"; else rm -rf "$TMP"; fi
    fi
    (( INTERRUPTED )) && exit "$INTERRUPTED"
    exit 0
}
trap cleanup EXIT
trap 'INTERRUPTED=130; exit 130' INT
trap 'INTERRUPTED=143; exit 143' TERM

# Write a report that only says why nothing was measured, then exit 0.
abort_report() {
    {
        echo "# Portico benchmark — last run"
        echo
        echo "- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
        if (( FLOOR_OK )); then echo "- NIO floor: \`$FLOOR_BIN\` (Benchmarks/Floor: a bare SwiftNIO forwarder, a dedicated upstream connection per client, no HTTP)"; fi
    echo "- Command: \`$INVOCATION\`"
        echo
        echo "**No measurements: $***"
    } > "$OUT_MD"
    cat "$OUT_MD"
    exit 0
}

# ------------------------------------------------------------ 1. tools -------
# command -> Debian package
REQUIRED=("wrk:wrk" "nginx:nginx-light" "curl:curl" "pgrep:procps")
missing_pkgs() {
    local e out=()
    for e in "${REQUIRED[@]}"; do command -v "${e%%:*}" >/dev/null 2>&1 || out+=("${e#*:}"); done
    echo "${out[*]}"
}
is_lock_error() { grep -qiE 'could not get lock|unable to (acquire|lock)|is another process using it|lock-frontend' "$1"; }

ensure_tools() {
    local pkgs remaining updated=0 deadline=$((SECONDS + APT_LOCK_WAIT)) alog
    pkgs=$(missing_pkgs)
    [[ -z $pkgs ]] && return 0
    log "missing packages: $pkgs — installing with apt-get"
    command -v apt-get >/dev/null 2>&1 || { log "apt-get not available"; return 1; }
    export DEBIAN_FRONTEND=noninteractive
    alog=$(mktemp)
    while :; do
        pkgs=$(missing_pkgs)          # another process may have installed them meanwhile
        [[ -z $pkgs ]] && { rm -f "$alog"; return 0; }
        remaining=$((deadline - SECONDS))
        (( remaining > 0 )) || { log "gave up waiting for the apt/dpkg lock after ${APT_LOCK_WAIT}s"; tail -n 5 "$alog" >&2; rm -f "$alog"; return 1; }
        if (( ! updated )); then
            if timeout -k 10 $((remaining + 300)) apt-get -o DPkg::Lock::Timeout="$remaining" update >"$alog" 2>&1; then
                updated=1
            elif is_lock_error "$alog"; then
                log "apt is locked by another process; waiting ($remaining s left)"; sleep 5; continue
            else
                log "apt-get update failed:"; tail -n 10 "$alog" >&2; rm -f "$alog"; return 1
            fi
        fi
        # shellcheck disable=SC2086
        if timeout -k 10 $((remaining + 600)) apt-get -o DPkg::Lock::Timeout="$remaining" install -y $pkgs >"$alog" 2>&1; then
            continue                  # loop re-checks command -v
        elif is_lock_error "$alog"; then
            log "dpkg is locked by another process; waiting ($remaining s left)"; sleep 5; continue
        else
            log "apt-get install $pkgs failed:"; tail -n 10 "$alog" >&2; rm -f "$alog"; return 1
        fi
    done
}

ensure_tools || abort_report "could not install the required tools ($(missing_pkgs))"
NGINX=$(command -v nginx)
WRK=$(command -v wrk)

ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 65536 2>/dev/null || true

TMP=$(mktemp -d /tmp/portico-bench.XXXXXX) || abort_report "mktemp failed"
chmod 755 "$TMP"   # nginx workers run as an unprivileged user when started as root

# ------------------------------------------------------------- helpers -------
# Free loopback port, preferably outside the ephemeral range wrk's client
# sockets come from. Sets global PORT.
read -r EPH_LO EPH_HI < /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || { EPH_LO=32768; EPH_HI=60999; }
USED_PORTS=" "
port_free() {
    if command -v ss >/dev/null 2>&1; then
        ! ss -Htan "sport = :$1" 2>/dev/null | grep -q .
    else
        ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
    fi
}
pick_port() {
    local lo=10000 hi=65000 p i
    if (( EPH_LO > 12000 )); then hi=$((EPH_LO - 1)); elif (( EPH_HI < 63000 )); then lo=$((EPH_HI + 1)); fi
    for i in $(seq 1 500); do
        p=$(( ((RANDOM << 15) | RANDOM) % (hi - lo + 1) + lo ))
        [[ $USED_PORTS == *" $p "* ]] && continue
        if port_free "$p"; then USED_PORTS+="$p "; PORT=$p; return 0; fi
    done
    return 1
}

render() { # render TEMPLATE OUT KEY=VALUE... (replaces @KEY@)
    local tmpl=$1 out=$2 kv args=(-e '')
    shift 2
    for kv in "$@"; do args+=(-e "s|@${kv%%=*}@|${kv#*=}|g"); done
    sed "${args[@]}" "$tmpl" > "$out"
}

# wait_accepting URL TIMEOUT_S PID -> 0 accepting, 1 timed out, 2 process exited
wait_accepting() {
    local url=$1 deadline=$((SECONDS + $2)) pid=$3
    while (( SECONDS < deadline )); do
        kill -0 "$pid" 2>/dev/null || return 2
        curl -s -o /dev/null -m 1 "$url" && return 0
        sleep 0.2
    done
    return 1
}

# start_nginx NAME TEMPLATE PORT_KEY [KEY=VALUE...]; sets NGX_PID_<NAME>, NGX_PORT_<NAME>
start_nginx() {
    local name=$1 tmpl=$2 portkey=$3 prefix=$TMP/$1 attempt pid w
    shift 3
    mkdir -p "$prefix"
    for attempt in 1 2 3; do
        pick_port || { log "no free port for nginx $name"; return 1; }
        render "$tmpl" "$prefix/nginx.conf" PREFIX="$prefix" "$portkey=$PORT" "$@"
        "$NGINX" -p "$prefix/" -c "$prefix/nginx.conf" -e "$prefix/error.log" >"$prefix/stdout.log" 2>&1 &
        pid=$!
        PIDS+=("$pid")
        if wait_accepting "http://127.0.0.1:$PORT/" "$NGINX_START_TIMEOUT" "$pid"; then
            for w in $(pgrep -P "$pid"); do PIDS+=("$w"); done   # so cleanup also reaps workers
            printf -v "NGX_PID_$name" '%s' "$pid"
            printf -v "NGX_PORT_$name" '%s' "$PORT"
            log "nginx $name: pid $pid, workers $(pgrep -P "$pid" | tr '\n' ' ')on 127.0.0.1:$PORT"
            return 0
        fi
        log "nginx $name did not come up on port $PORT (attempt $attempt):"
        tail -n 5 "$prefix/error.log" "$prefix/stdout.log" >&2 2>/dev/null
        kill -TERM "$pid" 2>/dev/null; sleep 0.5; kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    done
    return 1
}

# utime+stime (clock ticks) of one pid; 0 if it is gone. /proc/PID/stat of a
# thread-group leader already aggregates all of its threads (incl. exited ones).
proc_ticks() {
    local s
    s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
    s=${s##*) }                 # drop "pid (comm) " — comm may contain spaces
    # shellcheck disable=SC2086
    set -- $s                   # $1 = state (field 3) ... $12 = utime (14), $13 = stime (15)
    echo $(( ${12} + ${13} ))
}
# CPU ticks of a server: the pid plus its direct children (nginx: master + workers).
group_ticks() {
    local total=0 p
    for p in "$1" $(pgrep -P "$1" 2>/dev/null); do total=$(( total + $(proc_ticks "$p") )); done
    echo "$total"
}
vmhwm_kb() { awk '/^VmHWM:/ {print $2; f=1} END {if (!f) print 0}' "/proc/$1/status" 2>/dev/null || echo 0; }
# Peak RSS (kB): nginx -> sum of the workers' VmHWM; otherwise the pid (+ children, if any).
group_rss_kb() {
    local kind=$1 pid=$2 total=0 p kids
    kids=$(pgrep -P "$pid" 2>/dev/null)
    if [[ $kind == nginx ]]; then
        for p in $kids; do total=$(( total + $(vmhwm_kb "$p") )); done
    else
        for p in "$pid" $kids; do total=$(( total + $(vmhwm_kb "$p") )); done
    fi
    echo "$total"
}

# wrk latency value ("812.00us", "1.23ms", "2.01s", "1.00m") -> ms
to_ms() {
    awk -v v="$1" 'BEGIN {
        if (v == "") { print ""; exit }
        n = v; sub(/[a-z]+$/, "", n); u = v; sub(/^[0-9.]+/, "", u)
        f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : (u == "h") ? 3600000 : -1
        if (f < 0) print ""; else printf "%.3f", n * f }'
}

# ---------------------------------------------------------- 2. portico -------
PORTICO_OK=0
PORTICO_REASON=""
PORTICO_DESC=""
resolve_portico() {
    if [[ -n ${PORTICO_BIN:-} ]]; then
        PORTICO_DESC="PORTICO_BIN=$PORTICO_BIN"
        return 0
    fi
    if ! command -v swift >/dev/null 2>&1; then
        PORTICO_REASON="PORTICO_BIN not set and no swift toolchain in PATH"; return 1
    fi
    local blog=$TMP/swift-build.log rc binpath
    # Whole-program (LTO) on top of cross-module optimisation: 7–8 % less user time per proxied
    # request in interleaved A/B runs. Its own build directory, so the everyday release build in
    # .build is not rebuilt each time (a cold LTO build takes about 7 minutes on 2 cores).
    local build=(swift build -c release --product portico --scratch-path .build-lto -Xswiftc -cross-module-optimization --experimental-lto-mode=full)
    log "building Portico: ${build[*]} (timeout ${BUILD_TIMEOUT}s)"
    (cd "$REPO_ROOT" && timeout -k 30 "$BUILD_TIMEOUT" "${build[@]}") >"$blog" 2>&1
    rc=$?
    if (( rc != 0 )); then
        log "swift build failed (exit $rc); last lines:"; tail -n 30 "$blog" >&2
        PORTICO_REASON="swift build failed (exit $rc$( ((rc == 124)) && echo ", timed out after ${BUILD_TIMEOUT}s"))"; return 1
    fi
    binpath=$(cd "$REPO_ROOT" && swift build -c release --scratch-path .build-lto --show-bin-path 2>/dev/null)
    PORTICO_BIN=$binpath/portico
    PORTICO_DESC="built from $(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo 'an uncommitted tree')$( [[ -n $(git -C "$REPO_ROOT" status --porcelain 2>/dev/null) ]] && echo ' (dirty)') with -c release -cross-module-optimization, full LTO"
    return 0
}

start_portico() {
    local dir=$TMP/portico pid rc status
    mkdir -p "$dir"
    if [[ ! -x $PORTICO_BIN ]]; then PORTICO_REASON="$PORTICO_BIN is not an executable file"; return 1; fi
    pick_port || { PORTICO_REASON="no free port"; return 1; }; PORTICO_PORT=$PORT
    pick_port || { PORTICO_REASON="no free port"; return 1; }; PORTICO_ADMIN_PORT=$PORT
    render "$TEMPLATES/portico.yaml.tmpl" "$dir/portico.yaml" LISTEN_PORT="$PORTICO_PORT" ADMIN_PORT="$PORTICO_ADMIN_PORT" UPSTREAM_PORT="$NGX_PORT_upstream"
    render "$TEMPLATES/bench-api.yaml.tmpl" "$dir/bench-api.yaml"
    # The JWT row's key set and token (the row is skipped when they cannot be made).
    if python3 "$BENCH_DIR/credentials.py" jwt "$dir" 2>"$dir/credentials.log"; then JWT_TOKEN=$(cat "$dir/token.txt"); else
        log "no JWT credentials (python3 with cryptography): $(tail -n 1 "$dir/credentials.log")"; echo '{"keys": []}' > "$dir/keys.json"; fi
    log "starting Portico: $PORTICO_BIN serve $dir/portico.yaml (listener :$PORTICO_PORT, admin :$PORTICO_ADMIN_PORT)"
    "$PORTICO_BIN" serve "$dir/portico.yaml" >"$dir/portico.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    wait_accepting "http://127.0.0.1:$PORTICO_PORT/prod/mock" "$PORTICO_START_TIMEOUT" "$pid"
    rc=$?
    if (( rc == 0 )); then PORTICO_PID=$pid; return 0; fi
    if (( rc == 2 )); then
        wait "$pid" 2>/dev/null; status=$?
        PORTICO_REASON="'$PORTICO_BIN serve' exited with status $status before accepting connections"
    else
        PORTICO_REASON="Portico did not accept connections on 127.0.0.1:$PORTICO_PORT within ${PORTICO_START_TIMEOUT}s"
        kill -TERM "$pid" 2>/dev/null; sleep 1; kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    fi
    if [[ -s $dir/portico.log ]]; then log "Portico output (last lines):"; tail -n 20 "$dir/portico.log" >&2; fi
    return 1
}

resolve_portico && PORTICO_OK=1

# The NIO floor's binary: built from Benchmarks/Floor unless FLOOR_BIN names one; the row is
# skipped when it cannot be built.
resolve_floor() {
    [[ -n ${FLOOR_BIN:-} ]] && return 0
    command -v swift >/dev/null 2>&1 || return 1
    log "building the NIO floor: swift build -c release --package-path Benchmarks/Floor"
    (cd "$BENCH_DIR/Floor" && timeout -k 30 "$BUILD_TIMEOUT" swift build -c release) >"$TMP/floor-build.log" 2>&1 || {
        log "the NIO floor did not build (row skipped); last lines:"; tail -n 5 "$TMP/floor-build.log" >&2; return 1; }
    FLOOR_BIN=$(cd "$BENCH_DIR/Floor" && swift build -c release --show-bin-path 2>/dev/null)/Floor
}
start_floor() {
    [[ -x ${FLOOR_BIN:-} ]] || return 1
    pick_port || return 1
    FLOOR_PORT=$PORT
    "$FLOOR_BIN" "$FLOOR_PORT" "$NGX_PORT_upstream" >"$TMP/floor.log" 2>&1 &
    FLOOR_PID=$!
    PIDS+=("$FLOOR_PID")
    wait_accepting "http://127.0.0.1:$FLOOR_PORT/" 10 "$FLOOR_PID" || { log "the NIO floor did not start (row skipped)"; return 1; }
}
FLOOR_OK=0
resolve_floor && FLOOR_OK=1

# ---------------------------------------------------------- 3. servers -------
start_nginx upstream "$TEMPLATES/upstream-nginx.conf.tmpl" UPSTREAM_PORT \
    || abort_report "the upstream nginx did not start (see the log above)"
start_nginx proxy "$TEMPLATES/proxy-nginx.conf.tmpl" PROXY_PORT UPSTREAM_PORT="$NGX_PORT_upstream" \
    || abort_report "the nginx reverse proxy did not start (see the log above)"
if (( PORTICO_OK )); then start_portico || PORTICO_OK=0; fi
if (( FLOOR_OK )); then start_floor || FLOOR_OK=0; fi
if (( ! PORTICO_OK )); then
    log "SKIPPING the Portico rows: $PORTICO_REASON"
fi

declare -A URL KIND PID HDR SCRIPT
URL[upstream]="http://127.0.0.1:$NGX_PORT_upstream/";  KIND[upstream]=nginx; PID[upstream]=$NGX_PID_upstream
URL[nginx]="http://127.0.0.1:$NGX_PORT_proxy/";        KIND[nginx]=nginx;    PID[nginx]=$NGX_PID_proxy
if (( FLOOR_OK )); then
    URL[floor]="http://127.0.0.1:$FLOOR_PORT/"; KIND[floor]=portico; PID[floor]=$FLOOR_PID
fi
if (( PORTICO_OK )); then
    URL[mock]="http://127.0.0.1:$PORTICO_PORT/prod/mock";            KIND[mock]=portico;  PID[mock]=$PORTICO_PID
    URL[proxy]="http://127.0.0.1:$PORTICO_PORT/prod/proxy/anything"; KIND[proxy]=portico; PID[proxy]=$PORTICO_PID
    URL[keyed]="http://127.0.0.1:$PORTICO_PORT/prod/keyed/anything"; KIND[keyed]=portico; PID[keyed]=$PORTICO_PID
    HDR[keyed]="x-api-key: bench-key-0123456789abcdef"
    URL[cachemiss]="http://127.0.0.1:$PORTICO_PORT/prod/cachemiss/anything"; KIND[cachemiss]=portico; PID[cachemiss]=$PORTICO_PID
    HDR[cachemiss]="x-api-key: bench-key-0123456789abcdef"; SCRIPT[cachemiss]="$TEMPLATES/random-query.lua"
    URL[cachehit]="http://127.0.0.1:$PORTICO_PORT/prod/cached/anything"; KIND[cachehit]=portico; PID[cachehit]=$PORTICO_PID
    if [[ -n $JWT_TOKEN ]]; then
        URL[jwt]="http://127.0.0.1:$PORTICO_PORT/prod/jwt/anything"; KIND[jwt]=portico; PID[jwt]=$PORTICO_PID
        HDR[jwt]="Authorization: $JWT_TOKEN"
    fi
    # Signed again before each of its rows (a signature is good for five minutes).
    if python3 "$BENCH_DIR/credentials.py" sigv4 "http://127.0.0.1:$PORTICO_PORT/prod/sigv4/anything" "$TMP/sigv4.lua" 2>/dev/null; then
        URL[sigv4]="http://127.0.0.1:$PORTICO_PORT/prod/sigv4/anything"; KIND[sigv4]=portico; PID[sigv4]=$PORTICO_PID
        SCRIPT[sigv4]="$TMP/sigv4.lua"
    else
        log "no SigV4 signer (python3 with botocore): skipping the SigV4 row"
    fi
fi
active_targets() {
    local t
    for t in "${TARGET_KEYS[@]}"; do [[ -n ${URL[$t]} ]] && echo "$t"; done
}

# One request per target before measuring, so a wrong status is visible.
declare -A SANITY
for t in $(active_targets); do
    extra=()
    # A Lua script's fixed headers (the SigV4 row's signature) go on the sanity request too.
    if [[ -n ${SCRIPT[$t]} ]]; then
        while IFS= read -r h; do extra+=(-H "$h"); done < <(sed -n 's/^wrk.headers\["\([^"]*\)"\] = "\(.*\)"$/\1: \2/p' "${SCRIPT[$t]}")
    fi
    body=$(curl -s -m 5 -o - -w '\n%{http_code}' ${HDR[$t]:+-H "${HDR[$t]}"} "${extra[@]}" "${URL[$t]}" 2>/dev/null)
    code=${body##*$'\n'}; body=${body%$'\n'*}
    body=$(printf '%s' "$body" | tr -d '\r' | tr '\n' ' ' | cut -c1-80)
    SANITY[$t]="HTTP ${code:-000}, body: \`${body% }\`"
    log "sanity ${URL[$t]} -> ${SANITY[$t]}"
done

# ------------------------------------------------------------- 4. runs -------
declare -A R_RPS R_P50 R_P99 R_CPU R_RSS R_FAIL
NOTES=()
run_row() { # run_row CONNS TARGET
    local c=$1 t=$2 k="$1|$2" url=${URL[$2]} pid=${PID[$2]} kind=${KIND[$2]}
    local out=$TMP/wrk-$2-c$1.txt t0 t1 rps total p50 p99 non2xx sockerr rss
    # A fresh signature for each SigV4 row: AWS accepts one for five minutes.
    if [[ $t == sigv4 ]]; then python3 "$BENCH_DIR/credentials.py" sigv4 "$url" "${SCRIPT[sigv4]}" 2>/dev/null; fi
    if ! kill -0 "$pid" 2>/dev/null; then
        R_FAIL[$k]="the $kind process (pid $pid) has exited"
        NOTES+=("c=$c ${t}: failed — ${R_FAIL[$k]}")
        log "  c=$c ${t}: failed — ${R_FAIL[$k]}"
        return
    fi
    log "c=$c ${t}: warm-up ${WARMUP}s, then wrk -t$THREADS -c$c -d${DURATION}s --latency $url"
    local header=()
    [[ -n ${HDR[$t]} ]] && header=(-H "${HDR[$t]}")
    [[ -n ${SCRIPT[$t]} ]] && header+=(-s "${SCRIPT[$t]}")
    timeout -k 5 $((WARMUP + 20)) "$WRK" -t"$THREADS" -c"$c" -d"${WARMUP}s" "${header[@]}" "$url" >/dev/null 2>&1
    t0=$(group_ticks "$pid")
    timeout -k 5 $((DURATION + 30)) "$WRK" -t"$THREADS" -c"$c" -d"${DURATION}s" --latency "${header[@]}" "$url" >"$out" 2>&1
    local wrc=$?
    t1=$(group_ticks "$pid")
    rss=$(group_rss_kb "$kind" "$pid")
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
    total=$(awk '/ requests in / {print $1; exit}' "$out")
    p50=$(to_ms "$(awk '$1 == "50%" {print $2; exit}' "$out")")
    p99=$(to_ms "$(awk '$1 == "99%" {print $2; exit}' "$out")")
    non2xx=$(awk -F': *' '/Non-2xx or 3xx responses/ {print $2}' "$out")
    sockerr=$(grep -m1 'Socket errors' "$out" | sed 's/^ *//')
    if (( wrc != 0 )) || [[ -z $rps || -z $total || $total == 0 ]]; then
        R_FAIL[$k]="wrk exit $wrc: $(tail -n 2 "$out" | tr '\n' ' ' | cut -c1-160)"
        NOTES+=("c=$c ${t}: failed — ${R_FAIL[$k]}")
        log "  failed: ${R_FAIL[$k]}"
        return
    fi
    R_RPS[$k]=$rps; R_P50[$k]=$p50; R_P99[$k]=$p99
    R_CPU[$k]=$(awk -v d=$((t1 - t0)) -v hz="$CLK_TCK" -v n="$total" 'BEGIN {printf "%.2f", d / hz * 1e6 / n}')
    R_RSS[$k]=$(awk -v kb="$rss" 'BEGIN {printf "%.1f", kb / 1024}')
    [[ -n $non2xx ]] && NOTES+=("c=$c ${t}: $non2xx of $total responses were not 2xx/3xx — req/s counts them")
    [[ -n $sockerr ]] && NOTES+=("c=$c ${t}: $sockerr")
    log "  $rps req/s, p50 ${p50} ms, p99 ${p99} ms, ${R_CPU[$k]} CPU µs/req, peak RSS ${R_RSS[$k]} MB"
}

for c in "${CONNS[@]}"; do
    for t in $(active_targets); do run_row "$c" "$t"; done
done

# ----------------------------------------------------------- 5. report -------
fmt() { awk -v v="$1" -v f="$2" 'BEGIN {if (v == "") print "—"; else printf f, v}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a == "" || b == "" || b + 0 == 0) print "—"; else printf "%.2f", a / b}'; }
label_of() { local i; for i in "${!TARGET_KEYS[@]}"; do [[ ${TARGET_KEYS[$i]} == "$1" ]] && echo "${TARGET_LABELS[$i]}"; done; }

nginx_version=$("$NGINX" -v 2>&1 | head -n1)
wrk_version=$("$WRK" -v 2>&1 | head -n1 | sed 's/ *Copyright.*//')
cpu_model=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null)
{
    echo "# Portico benchmark — last run"
    echo
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "- Host: nproc=$(nproc), kernel $(uname -r)${cpu_model:+, $cpu_model}"
    echo "- nginx: \`$nginx_version\`"
    echo "- wrk: \`$wrk_version\`"
    if (( PORTICO_OK )); then
        echo "- Portico: \`$PORTICO_BIN\` ($PORTICO_DESC)"
    else
        echo "- Portico: **skipped — $PORTICO_REASON**"
    fi
    if (( FLOOR_OK )); then echo "- NIO floor: \`$FLOOR_BIN\` (Benchmarks/Floor: a bare SwiftNIO forwarder, a dedicated upstream connection per client, no HTTP)"; fi
    echo "- Command: \`$INVOCATION\`"
    echo "- Load: ${WARMUP}s warm-up, then \`wrk -t$THREADS -c<conns> -d${DURATION}s --latency <url>\`; everything on 127.0.0.1"
    echo
    echo "| conns | target | req/s | p50 ms | p99 ms | CPU µs/req | peak RSS MB | ratio vs nginx (req/s) |"
    echo "|------:|--------|------:|-------:|-------:|-----------:|------------:|-----------------------:|"
    for c in "${CONNS[@]}"; do
        for t in $(active_targets); do
            k="$c|$t"
            if [[ -n ${R_FAIL[$k]} ]]; then
                echo "| $c | $(label_of "$t") | failed | failed | failed | failed | failed | failed |"
                continue
            fi
            case $t in
                nginx) r="1.00" ;;
                floor|mock|proxy|keyed|cachemiss|cachehit|jwt|sigv4) r=$(ratio "${R_RPS[$k]}" "${R_RPS[$c|nginx]}") ;;
                *) r="—" ;;
            esac
            echo "| $c | $(label_of "$t") | $(fmt "${R_RPS[$k]}" '%.0f') | $(fmt "${R_P50[$k]}" '%.2f') | $(fmt "${R_P99[$k]}" '%.2f') | $(fmt "${R_CPU[$k]}" '%.1f') | $(fmt "${R_RSS[$k]}" '%.1f') | $r |"
        done
    done
    echo
    if (( PORTICO_OK )); then
        for c in "${CONNS[@]}"; do
            echo "- CPU µs/req ratio portico-proxy / nginx-proxy at $c conns: $(ratio "${R_CPU[$c|proxy]}" "${R_CPU[$c|nginx]}")"
            echo "- CPU µs/req portico-proxy − NIO floor at $c conns (Portico's own work): $(awk -v a="${R_CPU[$c|proxy]}" -v b="${R_CPU[$c|floor]}" 'BEGIN {if (a == "" || b == "") print "—"; else printf "%.1f", a - b}')"
            echo "- req/s ratio keyed route / plain proxy route at $c conns: $(ratio "${R_RPS[$c|keyed]}" "${R_RPS[$c|proxy]}")"
            echo "- req/s ratio keyed + cache-miss route / plain proxy route at $c conns: $(ratio "${R_RPS[$c|cachemiss]}" "${R_RPS[$c|proxy]}")"
            echo "- req/s ratio JWT route / plain proxy route at $c conns: $(ratio "${R_RPS[$c|jwt]}" "${R_RPS[$c|proxy]}")"
            echo "- req/s ratio SigV4 route / plain proxy route at $c conns: $(ratio "${R_RPS[$c|sigv4]}" "${R_RPS[$c|proxy]}")"
            echo "- req/s ratio cache hit / plain proxy route at $c conns: $(ratio "${R_RPS[$c|cachehit]}" "${R_RPS[$c|proxy]}")"
        done
    else
        echo "- Portico rows skipped: $PORTICO_REASON"
    fi
    echo
    echo "Sanity check (one request per target before the runs):"
    echo
    for t in $(active_targets); do echo "- $(label_of "$t") \`${URL[$t]}\`: ${SANITY[$t]}"; done
    if (( ${#NOTES[@]} )); then
        echo
        echo "Notes:"
        echo
        for n in "${NOTES[@]}"; do echo "- $n"; done
    fi
    echo
    echo "CPU µs/req = Δ(utime+stime) of the server under test (nginx: master + workers; Portico and the NIO floor: the process," \
         "all threads) over the measured run ÷ requests completed. For \"upstream alone\" it is the upstream nginx's own cost." \
         "Peak RSS = VmHWM after the row (nginx: sum of workers; Portico: its process); it is a high-water mark since start," \
         "so the $((${CONNS[-1]})) conns rows include the earlier ones. Ratio = req/s ÷ nginx proxy req/s at the same conns."
} > "$OUT_MD"

echo
cat "$OUT_MD"
exit 0
