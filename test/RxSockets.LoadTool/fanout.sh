#!/usr/bin/env bash
# Fan-out side by side (docs/performance.md, "Fan-out"): one publisher -> N subscribers over
# real sockets on 127.0.0.1, measured by the load tool's neutral raw-socket driver (LoadTool fanout).
#
#   test/RxSockets.LoadTool/fanout.sh [--subscribers "1000 5000"] [--rate 10] [--size 75]
#                                     [--duration 20] [--warmup 10] [--reps 1] [--stalled K]
#                                     [--servers "rxsockets topic signalr naive"] [--out DIR] [--max-seconds S]
#
# Servers (each a fresh process per run, pinned to CPU 0 with taskset; the driver on CPU 1):
#   rxsockets  WebSocketServer.Broadcast(PreparedMessage) to every subscriber (test/RxSockets.Benchmarks.FanOut)
#   topic      a FeedHub topic, each message in the feed envelope (same app, --mode topic)
#   signalr    ASP.NET Core SignalR, Clients.Group("feed").SendAsync (test/RxSockets.Benchmarks.Kestrel --fanout);
#              the driver speaks its JSON protocol over a raw WebSocket
#   naive      ASP.NET Core, the same pre-encoded bytes sent to each socket in turn, each SendAsync awaited
#              (same app)
# The driver connects N subscribers, then publishes RATE messages a second of SIZE bytes (a 20-digit
# timestamp and a sequence number, padded) for WARMUP + DURATION seconds; over DURATION it counts
# deliveries, the server's CPU per delivered message (utime + stime from /proc/PID/stat), delivered
# msgs/s, p50/p99 publish-to-receive latency and the server's RSS; then it checks that every
# subscriber got every message once. --stalled K adds K subscribers that never read (4 KiB receive
# buffers, connected after the others): the readers must still get everything, in time, and the
# server's memory stay bounded. Every process started here is stopped by PID; the whole run
# stops by itself after --max-seconds (default 1200).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SUBSCRIBERS="1000 5000" RATE=10 SIZE=75 DURATION=20 WARMUP=10 REPS=1 MAX_SECONDS=1200 STALLED=0
SERVERS="rxsockets topic signalr naive"
OUT=/tmp/fanout-$(date +%Y%m%d-%H%M%S)
SERVER_CPU=0 CLIENT_CPU=1
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

server_command() { # name port
  case "$1" in
    rxsockets) echo "dotnet $OUT/bin/RxSockets.Benchmarks.FanOut/RxSockets.Benchmarks.FanOut.dll --mode broadcast --port $2" ;;
    topic)     echo "dotnet $OUT/bin/RxSockets.Benchmarks.FanOut/RxSockets.Benchmarks.FanOut.dll --mode topic --port $2" ;;
    signalr|naive) echo "dotnet $OUT/bin/RxSockets.Benchmarks.Kestrel/RxSockets.Benchmarks.Kestrel.dll --fanout --urls http://127.0.0.1:$2" ;;
  esac
}

port=9401
for n in $SUBSCRIBERS; do
  for rep in $(seq "$REPS"); do
    for name in $SERVERS; do
      if [ "$SECONDS" -ge "$MAX_SECONDS" ]; then log "stopped at --max-seconds $MAX_SECONDS"; break 3; fi
      log "N=$n rep $rep/$REPS: $name"
      # shellcheck disable=SC2046
      taskset -c "$SERVER_CPU" $(server_command "$name" "$port") >"$OUT/server-$name-$n-$rep.log" 2>&1 &
      pid=$!
      PIDS+=("$pid")
      for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
      line=$(timeout 300 taskset -c "$CLIENT_CPU" dotnet "$LT" fanout --server "$name" --label "$name" --port "$port" -n "$n" --stalled "$STALLED" \
          --rate "$RATE" -s "$SIZE" -d "$DURATION" --warmup "$WARMUP" --server-pid "$pid" --json 2>>"$OUT/driver.log" | tail -1) || true
      [ -n "$line" ] || line="{\"server\":\"$name\",\"subscribers\":$n,\"first_problem\":\"no result (see driver.log)\"}"
      echo "$line" >> "$RESULTS"
      echo "$line" | jq -r '"   delivered \(.delivered_per_s // 0 | floor)/s, CPU \(.cpu_us_per_msg // "-") µs/msg, p50 \(.p50_ms // "-") ms, p99 \(.p99_ms // "-") ms, RSS \(.rss_mb // "-" ) MB, missing \(.missing // "-"), dup \(.duplicates // "-")"' >&2
      stop_pid "$pid"
      port=$((port + 1))
    done
  done
done

echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt" >&2
echo
cat "$OUT/machine.txt"
echo
# Medians per (N, server); CPU per message as ratios to SignalR and to the naive loop of the same N.
jq -rs '
  def median: sort | if length == 0 then null elif length % 2 == 1 then .[length/2|floor] else (.[length/2-1] + .[length/2]) / 2 end;
  def r2: if . == null then "-" else (. * 100 | round / 100 | tostring) end;
  group_by(.subscribers) | .[] as $group
  | ($group | group_by(.server) | map({server: .[0].server, n: .[0].subscribers,
      cpu: (map(.cpu_us_per_msg // empty) | median), rate: (map(.delivered_per_s // empty) | median),
      p50: (map(.p50_ms // empty) | median), p99: (map(.p99_ms // empty) | median), rss: (map(.rss_mb // empty) | median),
      missing: (map(.missing // 0) | add), dup: (map(.duplicates // 0) | add), ended: (map(.ended // 0) | add)})) as $rows
  | ($rows | map(select(.server == "signalr"))[0].cpu) as $signalr
  | ($rows | map(select(.server == "naive"))[0].cpu) as $naive
  | "\n### \($group[0].subscribers) subscribers\n",
    "| Server | Delivered msgs/s | Server CPU µs/msg | vs SignalR | vs naive loop | p50 ms | p99 ms | Server RSS MB | Missing | Duplicates | Readers dropped |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ($rows[] | "| \(.server) | \(.rate // 0 | floor) | \(.cpu | r2) | \(if $signalr and .cpu then (.cpu / $signalr | r2) + "x" else "-" end) | \(if $naive and .cpu then (.cpu / $naive | r2) + "x" else "-" end) | \(.p50 | r2) | \(.p99 | r2) | \(.rss | r2) | \(.missing) | \(.dup) | \(.ended) |")
' "$RESULTS" | tee "$OUT/summary.md"
echo "results: $RESULTS, summary: $OUT/summary.md" >&2
