#!/usr/bin/env bash
# Fan-out side by side (docs/performance.md, "Fan-out"): one publisher -> N subscribers over
# real sockets on 127.0.0.1, measured by the load tool's neutral raw-socket driver (LoadTool fanout).
#
#   test/RxSockets.LoadTool/fanout.sh [--subscribers "1000 5000"] [--rate 10] [--size 75]
#                                     [--duration 20] [--warmup 45] [--reps 1] [--stalled K]
#                                     [--servers "rxsockets topic signalr naive"] [--out DIR] [--max-seconds S]
#   test/RxSockets.LoadTool/fanout.sh --servers "topic-redis signalr-redis" --subscribers 1000   # two nodes on Redis
#
# Servers (each a fresh process per run, pinned to CPU 0 with taskset; the driver on CPU 1):
#   rxsockets  WebSocketServer.Broadcast(PreparedMessage) to every subscriber (test/RxSockets.Benchmarks.FanOut)
#   topic      a FeedHub topic, each message in the feed envelope (same app, --mode topic)
#   signalr    ASP.NET Core SignalR, Clients.Group("feed").SendAsync (test/RxSockets.Benchmarks.Kestrel --fanout);
#              the driver speaks its JSON protocol over a raw WebSocket
#   naive      ASP.NET Core, the same pre-encoded bytes sent to each socket in turn, each SendAsync awaited
#              (same app)
# Cross-node (issue 22): two server processes (nodes A and B) and one redis-server (Debian's
# /usr/bin/redis-server, a fresh one per run on 127.0.0.1 and a free port, --save "" --appendonly no),
# all three pinned to CPU 0; the publisher connects to node A, subscribers alternate between A and B.
#   topic-redis    the topic app on a RedisFeedBackplane: node A publishes the topic, node B Relays it
#   signalr-redis  the SignalR app with AddSignalR().AddStackExchangeRedis(...) on both nodes
# For these, "server CPU" is utime + stime of both nodes and redis-server, RSS is given per node, and
# the Redis commands run per published message (INFO commandstats before and after the window,
# commands run inside a Lua script included) are reported.
# The driver connects N subscribers, then publishes RATE messages a second of SIZE bytes (a 20-digit
# timestamp and a sequence number, padded) for WARMUP + DURATION seconds; over DURATION it counts
# deliveries, the server's CPU per delivered message (utime + stime from /proc/PID/stat), delivered
# msgs/s, p50/p99 publish-to-receive latency and the server's RSS; then it checks that every
# subscriber got every message once ("missing": skipped between two received ones, the "gaps", plus
# those still not there 10 s after the publisher stopped, from a server that fell behind). --stalled K adds K subscribers that never read (4 KiB receive
# buffers, connected after the others): the readers must still get everything, in time, and the
# server's memory stay bounded. Every process started here is stopped by PID; the whole run
# stops by itself after --max-seconds (default 1200).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# 45 s of warm-up: a .NET server on one busy core keeps tiering up hot methods for 40-50 s
# (docs/performance.md, "Warm-up"); a shorter one measures the JIT along with the server.
SUBSCRIBERS="1000 5000" RATE=10 SIZE=75 DURATION=20 WARMUP=45 REPS=1 MAX_SECONDS=1200 STALLED=0
SERVERS="rxsockets topic signalr naive"
OUT=/tmp/fanout-$(date +%Y%m%d-%H%M%S)
SERVER_CPU=0 CLIENT_CPU=1
REDIS_SERVER=/usr/bin/redis-server
while [ $# -gt 0 ]; do
  case "$1" in
    --subscribers) SUBSCRIBERS=$2; shift 2 ;;
    --rate) RATE=$2; shift 2 ;;
    --size) SIZE=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --reps) REPS=$2; shift 2 ;;
    --stalled) STALLED=$2; shift 2 ;;
    --servers) SERVERS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --max-seconds) MAX_SECONDS=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"
RESULTS=$OUT/results.jsonl
: > "$RESULTS"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
log() { printf '== %s\n' "$*" >&2; }

# --- file descriptors: the driver and the server each hold N sockets
largest=$(echo "$SUBSCRIBERS" | tr ' ' '\n' | sort -n | tail -1)
need=$((largest + 1024))
if [ "$(ulimit -n)" -lt "$need" ]; then
  ulimit -n "$need" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
fi
[ "$(ulimit -n)" -ge "$need" ] || { log "ulimit -n is $(ulimit -n); $largest subscribers need $need"; exit 1; }

# --- processes we start, stopped by PID (never by name)
PIDS=()
stop_pid() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() { for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && stop_pid "$pid"; done; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- build
log "build (Release) into $OUT/bin"
case " $SERVERS " in
  *-redis*) [ -x "$REDIS_SERVER" ] || { log "$REDIS_SERVER is missing: apt-get install redis-server (or .ci/install-peers)"; exit 1; } ;;
esac
for project in test/RxSockets.Benchmarks.FanOut test/RxSockets.Benchmarks.Kestrel test/RxSockets.LoadTool; do
  name=$(basename "$project")
  dotnet build "$ROOT/$project" -c Release -nologo -v q -clp:NoSummary -o "$OUT/bin/$name" >"$OUT/build-$name.log" 2>&1 \
    || { cat "$OUT/build-$name.log" >&2; exit 1; }
done
LT="$OUT/bin/RxSockets.LoadTool/RxSockets.LoadTool.dll"

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpus: $(nproc); $(lscpu | sed -n 's/^Model name: *//p')"
  echo ".NET: $(dotnet --list-runtimes | grep NETCore | awk '{print $2}' | tail -1)"
  echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '-')$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "run: subscribers $SUBSCRIBERS (and $STALLED that never read); $RATE msgs/s of $SIZE B; warm-up $WARMUP s, measured $DURATION s; $REPS rep(s)"
} | tee "$OUT/machine.txt" >&2

server_command() { # name port [redis-port node]  (node: a publishes, b relays)
  case "$1" in
    rxsockets) echo "dotnet $OUT/bin/RxSockets.Benchmarks.FanOut/RxSockets.Benchmarks.FanOut.dll --mode broadcast --port $2" ;;
    topic)     echo "dotnet $OUT/bin/RxSockets.Benchmarks.FanOut/RxSockets.Benchmarks.FanOut.dll --mode topic --port $2" ;;
    signalr|naive) echo "dotnet $OUT/bin/RxSockets.Benchmarks.Kestrel/RxSockets.Benchmarks.Kestrel.dll --fanout --urls http://127.0.0.1:$2" ;;
    topic-redis) echo "dotnet $OUT/bin/RxSockets.Benchmarks.FanOut/RxSockets.Benchmarks.FanOut.dll --mode topic --port $2 --redis 127.0.0.1:$3$([ "$4" = b ] && echo ' --relay')" ;;
    signalr-redis) echo "dotnet $OUT/bin/RxSockets.Benchmarks.Kestrel/RxSockets.Benchmarks.Kestrel.dll --fanout --redis 127.0.0.1:$3 --urls http://127.0.0.1:$2" ;;
  esac
}
driver_kind() { case "$1" in topic-redis) echo topic ;; signalr-redis) echo signalr ;; *) echo "$1" ;; esac; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_listening() { for _ in $(seq 200); do listening "$1" && return 0; sleep 0.1; done; return 1; }
free_port() { local p=$1; while listening "$p"; do p=$((p + 1)); done; echo "$p"; }

port=9401
for n in $SUBSCRIBERS; do
  for rep in $(seq "$REPS"); do
    for name in $SERVERS; do
      if [ "$SECONDS" -ge "$MAX_SECONDS" ]; then log "stopped at --max-seconds $MAX_SECONDS"; break 3; fi
      log "N=$n rep $rep/$REPS: $name"
      cluster=()
      if [[ $name == *-redis ]]; then
        # redis-server, then node A (the publisher's) and node B, all on the servers' CPU
        redis_port=$(free_port $((16400 + port)))
        taskset -c "$SERVER_CPU" "$REDIS_SERVER" --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
          --daemonize no --protected-mode no >"$OUT/redis-$name-$n-$rep.log" 2>&1 &
        redis_pid=$!
        PIDS+=("$redis_pid")
        wait_listening "$redis_port" || log "redis-server did not start (see $OUT/redis-$name-$n-$rep.log)"
        port_b=$(free_port $((port + 1)))
        # shellcheck disable=SC2046
        taskset -c "$SERVER_CPU" $(server_command "$name" "$port" "$redis_port" a) >"$OUT/server-$name-a-$n-$rep.log" 2>&1 &
        pid=$!
        PIDS+=("$pid")
        # shellcheck disable=SC2046
        taskset -c "$SERVER_CPU" $(server_command "$name" "$port_b" "$redis_port" b) >"$OUT/server-$name-b-$n-$rep.log" 2>&1 &
        pid_b=$!
        PIDS+=("$pid_b")
        wait_listening "$port" || true
        wait_listening "$port_b" || true
        cluster=(--ports "$port,$port_b" --server-pid "$pid,$pid_b" --redis-port "$redis_port" --redis-pid "$redis_pid")
      else
        # shellcheck disable=SC2046
        taskset -c "$SERVER_CPU" $(server_command "$name" "$port") >"$OUT/server-$name-$n-$rep.log" 2>&1 &
        pid=$!
        PIDS+=("$pid")
        wait_listening "$port" || true
        cluster=(--port "$port" --server-pid "$pid")
      fi
      line=$(timeout 300 taskset -c "$CLIENT_CPU" dotnet "$LT" fanout --server "$(driver_kind "$name")" --label "$name" -n "$n" --stalled "$STALLED" \
          --rate "$RATE" -s "$SIZE" -d "$DURATION" --warmup "$WARMUP" "${cluster[@]}" --json 2>>"$OUT/driver.log" | tail -1) || true
      [ -n "$line" ] || line="{\"server\":\"$name\",\"subscribers\":$n,\"first_problem\":\"no result (see driver.log)\"}"
      echo "$line" >> "$RESULTS"
      echo "$line" | jq -r '"   delivered \(.delivered_per_s // 0 | floor)/s, CPU \(.cpu_us_per_msg // "-") µs/msg, p50 \(.p50_ms // "-") ms, p99 \(.p99_ms // "-") ms, RSS \(.rss_mb_nodes // .rss_mb // "-" ) MB, missing \(.missing // "-") (gaps \(.gaps // "-")), dup \(.duplicates // "-")" + (if .redis_commands then ", redis-server \(.redis_cpu_us_per_msg) µs/msg, Redis commands/msg \(.redis_commands_per_msg) (\(.redis_commands))" else "" end)' >&2
      stop_pid "$pid"
      if [[ $name == *-redis ]]; then
        stop_pid "$pid_b"
        stop_pid "$redis_pid"
        port=$((port_b + 1))
      else
        port=$((port + 1))
      fi
    done
  done
done

echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt" >&2
echo
cat "$OUT/machine.txt"
echo
# Medians per (N, server); CPU per message as ratios to SignalR and to the naive loop of the same N
# (a two-node row to signalr-redis: CPU of both nodes and redis-server; RSS node A / node B).
jq -rs '
  def median: sort | if length == 0 then null elif length % 2 == 1 then .[length/2|floor] else (.[length/2-1] + .[length/2]) / 2 end;
  def r2: if . == null then "-" else (. * 100 | round / 100 | tostring) end;
  group_by(.subscribers) | .[] as $group
  | ($group | group_by(.server) | map({server: .[0].server, n: .[0].subscribers,
      cpu: (map(.cpu_us_per_msg // empty) | median), rate: (map(.delivered_per_s // empty) | median),
      p50: (map(.p50_ms // empty) | median), p99: (map(.p99_ms // empty) | median), rss: (map(.rss_mb // empty) | median),
      missing: (map(.missing // 0) | add), gaps: (map(.gaps // 0) | add), dup: (map(.duplicates // 0) | add), ended: (map(.ended // 0) | add),
      rss_b: (map(.rss_mb_nodes[1]? // empty) | median), redis_cpu: (map(.redis_cpu_us_per_msg // empty) | median),
      redis_cmds: (map(.redis_commands_per_msg // empty) | median), redis_which: (map(.redis_commands // empty) | first)})) as $rows
  | ($rows | map(select(.server == "signalr"))[0].cpu) as $signalr
  | ($rows | map(select(.server == "signalr-redis"))[0].cpu) as $signalr_redis
  | ($rows | map(select(.server == "naive"))[0].cpu) as $naive
  | "\n### \($group[0].subscribers) subscribers\n",
    "| Server | Delivered msgs/s | Server CPU µs/msg | vs SignalR | vs naive loop | p50 ms | p99 ms | Server RSS MB | Missing (gaps) | Duplicates | Readers dropped | of which redis-server µs/msg | Redis commands/msg |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ($rows[] | (if (.server | endswith("-redis")) then $signalr_redis else $signalr end) as $base
      | "| \(.server) | \(.rate // 0 | floor) | \(.cpu | r2) | \(if $base and .cpu then (.cpu / $base | r2) + "x" else "-" end) | \(if $naive and .cpu and (.server | endswith("-redis") | not) then (.cpu / $naive | r2) + "x" else "-" end) | \(.p50 | r2) | \(.p99 | r2) | \(.rss | r2)\(if .rss_b then " / " + (.rss_b | r2) else "" end) | \(.missing) (\(.gaps)) | \(.dup) | \(.ended) | \(.redis_cpu | r2) | \(.redis_cmds | r2)\(if .redis_which then " (" + .redis_which + ")" else "" end) |")
' "$RESULTS" | tee "$OUT/summary.md"
echo "results: $RESULTS, summary: $OUT/summary.md" >&2
