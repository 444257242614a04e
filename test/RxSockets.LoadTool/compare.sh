#!/usr/bin/env bash
# Side by side (docs/performance.md): RxSockets' Echo example (async and Rx styles),
# Kestrel's WebSockets echo and a raw TCP reflector, measured by the load tool on this machine.
#
#   test/RxSockets.LoadTool/compare.sh [--reps N] [--duration S] [--idle N] [--out DIR]
#                                      [--scenarios "small small-rx latency large idle idle-stepped"] [--max-seconds S]
#                                      [--baseline GIT-REF] [--servers "rxsockets base kestrel ..."]
#                                      [--warm-seconds S] [--inline-completions]
#                                      [--kestrel-inline-scheduling] [--portable] [--aspnetcore] [--metrics]
#
# --baseline REF adds the Echo example as built at REF (servers "base" and "base-rx"): a
# before/after A/B of a change, alternated in the same run. --servers keeps only the named servers
# (rxsockets, rxsockets-rx, base, base-rx, kestrel, reflector) in every scenario.
#
# Builds Release; pins every server to CPU 0 and the load tool to CPU 1 (taskset); warms each
# server until its throughput settles (JIT tiering); then alternates the servers (A B C A B C …)
# in every scenario and repetition, and prints medians, ranges and the ratios to Kestrel.
# Everything runs on 127.0.0.1; every process it starts is stopped by PID on exit; the whole run
# stops by itself after --max-seconds (default 1500) whatever is left. --warm-seconds (default 45)
# is the least small-scenario load each server gets before anything is measured.
# --portable adds "rxsockets-portable": the async Echo example with the socket poller off
# (RXSOCKETS_SOCKET_POLLER=0, the runtime's own socket async I/O), to weigh the poller default.
# --aspnetcore adds "rxsockets-kestrel": RxSockets inside Kestrel (examples/AspNetCore, its /echo endpoint
# on the library's defaults, an Rx echo, console metrics off, logging at Warning) and "rxsockets-kestrel-async"
# (the same app's /echo-async: the echo as an async handler), beside Kestrel's own;
# with --baseline also "base-kestrel", the same app built at REF; in the idle scenarios also
# "kestrel-floor": the Kestrel app upgrading with no WebSocket at all, waiting with zero-byte reads
# (what Kestrel's HTTP layer alone holds per upgraded connection).
# --metrics adds "rxsockets-metrics": the async Echo example with the RxSockets meter listened to
# in-process as dotnet-counters does (Echo --metrics: the runtime's System.Diagnostics.Metrics
# aggregation enables and aggregates every instrument), beside the same build with no listener; with
# --aspnetcore also "rxsockets-kestrel-metrics": the ASP.NET Core example with its OpenTelemetry
# metrics on (console exporter every 10 s), and "rxsockets-kestrel-traces": metrics and the
# handshake spans. The summary gives each one's ratio to its twin without a listener.
# --inline-completions starts every server with DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1
# (the runtime runs socket continuations on its epoll thread instead of the thread pool;
# process-wide). --kestrel-inline-scheduling also turns on Kestrel's UnsafePreferInlineScheduling
# (the pairing ASP.NET Core documents; with the small scenario it measured about 5x the CPU per
# message of Kestrel with the runtime switch alone).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
REPS=3 DURATION=5 WARMUP=2 IDLE=5000 MAX_SECONDS=1500 WARM_SECONDS=45
SCENARIOS="small small-rx latency large idle idle-stepped"
OUT=/tmp/perf-compare-$(date +%Y%m%d-%H%M%S)
SERVER_CPU=0 CLIENT_CPU=1
BASELINE="" ONLY="" PORTABLE="" ASPNET="" METRICS=""
SERVER_ENV=() KESTREL_ARGS=""
while [ $# -gt 0 ]; do
  case "$1" in
    --reps) REPS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --idle) IDLE=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --scenarios) SCENARIOS=$2; shift 2 ;;
    --max-seconds) MAX_SECONDS=$2; shift 2 ;;
    --warm-seconds) WARM_SECONDS=$2; shift 2 ;;
    --baseline) BASELINE=$2; shift 2 ;;
    --servers) ONLY=$2; shift 2 ;;
    --inline-completions) SERVER_ENV=(DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1); shift ;;
    --kestrel-inline-scheduling) KESTREL_ARGS=" --unsafe-inline-scheduling"; shift ;;
    --portable) PORTABLE=1; shift ;;
    --aspnetcore) ASPNET=1; shift ;;
    --metrics) METRICS=1; shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"
RESULTS=$OUT/results.jsonl
: > "$RESULTS"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
log() { printf '== %s\n' "$*" >&2; }

# --- file descriptors: the idle scenario holds IDLE sockets in the tool and IDLE in the server
need=$((IDLE + 1024))
if [ "$(ulimit -n)" -lt "$need" ]; then
  ulimit -n "$need" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
fi
if [ "$(ulimit -n)" -lt "$need" ]; then
  log "ulimit -n is $(ulimit -n); the idle scenario needs $need: lowering --idle"
  IDLE=$(( $(ulimit -n) - 1024 ))
fi

# --- processes we start, stopped by PID (never by name)
PIDS=()
stop_pid() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && stop_pid "$pid"; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- build
log "build (Release) into $OUT/bin"
for project in examples/Echo test/RxSockets.Benchmarks.Kestrel test/RxSockets.LoadTool ${ASPNET:+examples/AspNetCore}; do
  name=$(basename "$project")
  dotnet build "$ROOT/$project" -c Release -nologo -v q -clp:NoSummary -o "$OUT/bin/$name" >"$OUT/build-$name.log" 2>&1 \
    || { cat "$OUT/build-$name.log" >&2; exit 1; }
done
LT="$OUT/bin/RxSockets.LoadTool/RxSockets.LoadTool.dll"
if [ -n "$BASELINE" ]; then
  # The baseline's Echo, built from a detached worktree of REF (removed on exit).
  log "build the baseline ($BASELINE) into $OUT/bin/Echo-base"
  git -C "$ROOT" worktree add --detach "$OUT/baseline-src" "$BASELINE" >"$OUT/build-base.log" 2>&1 \
    || { cat "$OUT/build-base.log" >&2; exit 1; }
  dotnet build "$OUT/baseline-src/examples/Echo" -c Release -nologo -v q -clp:NoSummary -o "$OUT/bin/Echo-base" >>"$OUT/build-base.log" 2>&1 \
    || { cat "$OUT/build-base.log" >&2; exit 1; }
  if [ -n "$ASPNET" ]; then
    dotnet build "$OUT/baseline-src/examples/AspNetCore" -c Release -nologo -v q -clp:NoSummary -o "$OUT/bin/AspNetCore-base" >>"$OUT/build-base.log" 2>&1 \
      || { cat "$OUT/build-base.log" >&2; exit 1; }
  fi
  git -C "$ROOT" worktree remove --force "$OUT/baseline-src" >>"$OUT/build-base.log" 2>&1 || true
fi

# --- machine
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpus: $(nproc); $(lscpu | sed -n 's/^Model name: *//p')"
  echo "memory: $(free -g | awk '/^Mem:/ {print $2}') GiB"
  echo ".NET: $(dotnet --list-runtimes | grep NETCore | awk '{print $2}' | tail -1)"
  echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '-')$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "server environment: ${SERVER_ENV[*]:-(default)}${KESTREL_ARGS:+; kestrel$KESTREL_ARGS}"
} | tee "$OUT/machine.txt" >&2

# --- servers: name -> port, pid
declare -A PORT PID
start_server() { # name port command...
  local name=$1 port=$2; shift 2
  taskset -c "$SERVER_CPU" env "${SERVER_ENV[@]}" "$@" >"$OUT/server-$name-$port.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  PORT[$name]=$port PID[$name]=$pid
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    kill -0 "$pid" 2>/dev/null || { cat "$OUT/server-$name-$port.log" >&2; return 1; }
    sleep 0.1
  done
  log "$name did not listen on $port"; return 1
}
server_command() { # name port
  case "$1" in
    rxsockets)    echo "dotnet $OUT/bin/Echo/Echo.dll --host 127.0.0.1 --port $2" ;;
    rxsockets-rx) echo "dotnet $OUT/bin/Echo/Echo.dll --host 127.0.0.1 --port $2 --rx" ;;
    rxsockets-kestrel) echo "dotnet $OUT/bin/AspNetCore/AspNetCore.dll --urls http://127.0.0.1:$2 --Metrics:ConsoleExport=false --Logging:LogLevel:Default=Warning" ;;
    rxsockets-kestrel-async) echo "dotnet $OUT/bin/AspNetCore/AspNetCore.dll --urls http://127.0.0.1:$2 --Metrics:ConsoleExport=false --Logging:LogLevel:Default=Warning" ;;
    rxsockets-metrics) echo "dotnet $OUT/bin/Echo/Echo.dll --host 127.0.0.1 --port $2 --metrics" ;;
    rxsockets-kestrel-metrics) echo "dotnet $OUT/bin/AspNetCore/AspNetCore.dll --urls http://127.0.0.1:$2 --Metrics:ConsoleExport=true --Metrics:ExportIntervalSeconds=10 --Metrics:Traces=false --Logging:LogLevel:Default=Warning" ;;
    rxsockets-kestrel-traces) echo "dotnet $OUT/bin/AspNetCore/AspNetCore.dll --urls http://127.0.0.1:$2 --Metrics:ConsoleExport=true --Metrics:ExportIntervalSeconds=10 --Logging:LogLevel:Default=Warning" ;;
    base-kestrel) echo "dotnet $OUT/bin/AspNetCore-base/AspNetCore.dll --urls http://127.0.0.1:$2 --Metrics:ConsoleExport=false --Logging:LogLevel:Default=Warning" ;;
    rxsockets-portable) echo "env RXSOCKETS_SOCKET_POLLER=0 dotnet $OUT/bin/Echo/Echo.dll --host 127.0.0.1 --port $2" ;;
    base)         echo "dotnet $OUT/bin/Echo-base/Echo.dll --host 127.0.0.1 --port $2" ;;
    base-rx)      echo "dotnet $OUT/bin/Echo-base/Echo.dll --host 127.0.0.1 --port $2 --rx" ;;
    kestrel)      echo "dotnet $OUT/bin/RxSockets.Benchmarks.Kestrel/RxSockets.Benchmarks.Kestrel.dll --urls http://127.0.0.1:$2$KESTREL_ARGS" ;;
    kestrel-floor) echo "dotnet $OUT/bin/RxSockets.Benchmarks.Kestrel/RxSockets.Benchmarks.Kestrel.dll --urls http://127.0.0.1:$2 --floor" ;;
    reflector)    echo "dotnet $LT reflector --port $2" ;;
  esac
}

# load KEY SCENARIO ARGS...: one run of the tool on CPU 1 against the server started as KEY
# ("name" or "name@instance"); its JSON line goes to the results, labelled with the name.
load() {
  local key=$1 name=${1%@*} scenario=$2; shift 2
  local line
  line=$(timeout 120 taskset -c "$CLIENT_CPU" dotnet "$LT" --port "${PORT[$key]}" --server-pid "${PID[$key]}" \
      --server "$name" --scenario "$scenario" $(path_for "$name") --json --quiet "$@" 2>>"$OUT/load.log" | tail -1) || true
  [ -n "$line" ] || line="{\"server\":\"$name\",\"scenario\":\"$scenario\",\"errors\":1,\"first_error\":\"no result\"}"
  echo "$line" >> "$RESULTS"
  echo "$line"
}
path_for() { # server name: the handshake path when it is not /
  case "$1" in
    rxsockets-kestrel|rxsockets-kestrel-metrics|rxsockets-kestrel-traces|base-kestrel) echo "--path /echo" ;;
    rxsockets-kestrel-async) echo "--path /echo-async" ;;
  esac
}
args_for() { # scenario
  case "$1" in
    small|small-rx) echo "-c 64 -w 16 -s 64" ;;
    latency)        echo "-c 1 -w 1 -s 64" ;;
    large)          echo "-c 4 -w 2 -s 1048576" ;;
  esac
}
servers_for() { # scenario
  local all
  case "$1" in
    idle|idle-stepped) all="rxsockets ${PORTABLE:+rxsockets-portable }${ASPNET:+rxsockets-kestrel }${ASPNET:+${BASELINE:+base-kestrel }}${BASELINE:+base }kestrel ${ASPNET:+kestrel-floor }reflector" ;;
    small|latency|large) all="rxsockets ${METRICS:+rxsockets-metrics }${PORTABLE:+rxsockets-portable }${ASPNET:+rxsockets-kestrel rxsockets-kestrel-async }${ASPNET:+${METRICS:+rxsockets-kestrel-metrics rxsockets-kestrel-traces }}${ASPNET:+${BASELINE:+base-kestrel }}${BASELINE:+base }kestrel reflector" ;;
    small-rx)                 all="rxsockets-rx rxsockets${BASELINE:+ base-rx base}" ;;
  esac
  if [ -z "$ONLY" ]; then echo "$all"; return; fi
  local kept="" name
  for name in $all; do [[ " $ONLY " == *" $name "* ]] && kept="$kept $name"; done
  echo "$kept"
}
every_server() { # the servers some echo scenario uses, once each
  local scenario name seen=" "
  for scenario in $echo_scenarios; do
    for name in $(servers_for "$scenario"); do
      [[ "$seen" == *" $name "* ]] || { seen="$seen$name "; echo "$name"; }
    done
  done
}
over_time() { [ "$SECONDS" -ge "$MAX_SECONDS" ]; }
brief() { jq -r '"   \(.server)/\(.scenario): \(.msgs_per_s // 0 | floor) msgs/s, \(.mb_per_s // 0) MB/s, CPU \(.cpu_s_per_mmsg // "-") s/1M, p50 \(.p50_us // "-") µs, idle \(.idle_rss_kib_per_conn // "-") KiB/conn, handshake \(.handshake_cpu_us // "-") µs, errors \(.errors)"' >&2; }

echo_scenarios=""
for s in $SCENARIOS; do [ "$s" != idle ] && [ "$s" != idle-stepped ] && echo_scenarios="$echo_scenarios $s"; done

if [ -n "$echo_scenarios" ]; then
  port=9101
  for name in $(every_server); do
    # shellcheck disable=SC2046
    start_server "$name" "$port" $(server_command "$name" "$port")
    port=$((port + 1))
  done

  # --- warm-up: at least WARM_SECONDS of small runs (tiered JIT with dynamic PGO keeps improving
  # a .NET server's CPU per message for 40-50 s of load on one core: measured 3.2 -> 1.35 µs for
  # RxSockets and 3.8 -> 1.7 µs for Kestrel; two runs agreeing within 5 % is not enough, plateaus
  # fool it), then until two in a row agree within 5 % (at most 5 more), then large and latency
  for name in $(every_server); do
    log "warm-up $name"
    last=0 round=0 warmed=0
    while [ "$round" -lt 20 ]; do
      round=$((round + 1))
      rate=$(load "$name" warmup -c 64 -w 16 -s 64 -d 5 --warmup 0.5 | jq -r '.msgs_per_s // 0 | floor')
      warmed=$((warmed + 5))
      echo "   round $round: $rate msgs/s" >&2
      if [ "$warmed" -ge "$WARM_SECONDS" ]; then
        if [ "$last" -gt 0 ] && [ $(( (rate - last) * 100 / last )) -le 5 ] && [ $(( (last - rate) * 100 / last )) -le 5 ]; then break; fi
        [ "$warmed" -ge $((WARM_SECONDS + 25)) ] && break
      fi
      last=$rate
    done
    load "$name" warmup -c 4 -w 2 -s 1048576 -d 2 --warmup 0.5 >/dev/null
    load "$name" warmup -c 1 -w 1 -s 64 -d 2 --warmup 0.5 >/dev/null
  done
fi

for rep in $(seq "$REPS"); do
  for scenario in $echo_scenarios; do
    for name in $(servers_for "$scenario"); do
      over_time && break 3
      log "rep $rep/$REPS $scenario $name"
      # shellcheck disable=SC2046
      load "$name" "$scenario" $(args_for "$scenario") -d "$DURATION" --warmup "$WARMUP" | brief
    done
  done
  # Idle: each server fresh, so its heap holds nothing from the echo runs; warm the handshake path
  # with a few hundred connections, then hold IDLE idle connections, opened all at once ("idle")
  # or in steps of 250 with a 1 s pause after each ("idle-stepped", as clients of a service arrive).
  port=$((9200 + rep * 10))
  for pattern in idle idle-stepped; do
    [[ " $SCENARIOS " == *" $pattern "* ]] || continue
    for name in $(servers_for "$pattern"); do
      over_time && break 3
      log "rep $rep/$REPS $pattern $name ($IDLE connections)"
      # shellcheck disable=SC2046
      start_server "$name@$pattern$rep" "$port" $(server_command "$name" "$port")
      load "$name@$pattern$rep" warmup --idle 300 --hold 0.5 >/dev/null
      load "$name@$pattern$rep" warmup --idle 300 --hold 0.5 >/dev/null
      if [ "$pattern" = idle ]; then
        load "$name@$pattern$rep" idle --idle "$IDLE" --hold 3 | brief
      else
        load "$name@$pattern$rep" idle-stepped --idle "$IDLE" --step 250 --pause 1 --hold 3 | brief
      fi
      stop_pid "${PID[$name@$pattern$rep]}"
      port=$((port + 1))
    done
  done
done

grep -v '"scenario":"warmup"' "$RESULTS" > "$OUT/measured.jsonl" || true
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt" >&2
over_time && echo "stopped early at --max-seconds $MAX_SECONDS; the table has what was measured" | tee -a "$OUT/machine.txt" >&2
echo
cat "$OUT/machine.txt"
echo
# Ratios to the baseline build when there is one, else to Kestrel.
# Pairs: each variant's ratio to its twin (metrics on / off, in Kestrel now / at the baseline).
dotnet "$LT" summarize "$OUT/measured.jsonl" --baseline "${BASELINE:+base,base-rx,}kestrel,rxsockets" \
    --pairs "rxsockets-kestrel-async/kestrel,rxsockets-kestrel-async/rxsockets-kestrel,rxsockets-metrics/rxsockets,rxsockets-kestrel-metrics/rxsockets-kestrel,rxsockets-kestrel-traces/rxsockets-kestrel,rxsockets-kestrel/base-kestrel,rxsockets-kestrel/kestrel,base-kestrel/kestrel,rxsockets-kestrel/kestrel-floor,kestrel/kestrel-floor" | tee "$OUT/summary.md"
echo "results: $OUT/measured.jsonl, summary: $OUT/summary.md" >&2
