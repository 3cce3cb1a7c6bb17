#!/bin/sh
# Heartbeat share of a WebSocket subscriber's wire bytes, the current policy beside the one before,
# in one invocation: three `bandwidth` runs with the same seeded events (one per 10 s on average)
# against fresh servers that differ only in their heartbeat flags, then one Markdown report.
#   none:   no heartbeat can happen within the run (silence ping after 59 s, no proof of reading)
#   before: --ws-heartbeat-policy client-silence --ws-heartbeat-secs 20 (the old defaults)
#   now:    the defaults
# Heartbeat traffic of a policy = its subscribers' wire bytes less those of `none`: the pings,
# pongs and every segment that carries or acknowledges them, and nothing else, since the events
# are the same. Build first (see README.md). Usage: bench/heartbeat-share.sh [SUBSCRIBERS] [DURATION]
# PROFILE=debug takes the binaries of a debug build (bytes do not depend on the build; reports of
# such runs belong outside bench/results: RESULTS_DIR=/some/folder). SERVER and BENCH name other
# binaries (a copy, so that a build during the run does not change what is measured).
set -eu
T=${CARGO_TARGET_DIR:-/work/target-bench}
PROFILE=${PROFILE:-release}
B=${BENCH:-$T/$PROFILE/scorecast-bench}
S=${SERVER:-$T/$PROFILE/scorecast}
N=${1:-1000}
D=${2:-120s}
OUT=${RESULTS_DIR:-$(dirname "$0")/results}
mkdir -p "$OUT"
NOTE="scorecast $(git -C "$(dirname "$0")" rev-parse --short HEAD), $PROFILE build"
run() {
    label=$1
    shift
    echo "== $label" >&2
    "$B" bandwidth --spawn-server "$S" -p 200 -w "$N" --duration "$D" --seed 1 --no-progress \
        --results-dir "$OUT" \
        --note "$NOTE; heartbeat policy: $label" "$@" >&2
    ls -t "$OUT"/bandwidth-*.json | head -1
}
none=$(run none --server-arg=--ws-heartbeat-secs=59 --server-arg=--sse-heartbeat-secs=59 \
    --server-arg=--ws-slow-consumer-secs=100000)
before=$(run before --server-arg=--ws-heartbeat-policy=client-silence \
    --server-arg=--ws-heartbeat-secs=20 --server-arg=--sse-heartbeat-secs=15)
now=$(run now)
REPORT="$OUT/heartbeat-$(date -u +%Y%m%dT%H%M%SZ).md"
jq -rn --slurpfile none "$none" --slurpfile before "$before" --slurpfile now "$now" \
    --arg files "$(basename "$none"), $(basename "$before"), $(basename "$now")" --arg note "$NOTE" '
  def ws($r): $r[0].groups[] | select(.method == "websocket");
  def wire($r): ws($r).steady as $s
    | ($s.bytes_sent + $s.bytes_received + 52 * ($s.segs_out + $s.segs_in)) / ws($r).users;
  def segs($r): ws($r).steady as $s | ($s.segs_out + $s.segs_in) / ws($r).users;
  def share($r): (wire($r) - wire($none)) / wire($r) * 100;
  def row($name; $r): "| \($name) | \(ws($r).pings_answered / ws($r).users) | \(segs($r) * 100 | round / 100) | \(wire($r) | round) | \(if $name == "none" then "—" else "\(share($r) * 10 | round / 10) %" end) | \($r[0].ratio_poll_to_ws * 10 | round / 10)x | \($r[0].ratio_poll_to_ws_wire * 10 | round / 10)x | \($r[0].passed) |";
  "# Heartbeat share of a WebSocket subscriber'"'"'s wire bytes",
  "",
  "\($now[0].setup.subscribers) subscribers and 200 pollers per polling group, \($now[0].setup.duration_s) s at one event per \($now[0].setup.mean_event_interval_s) s on average (seed \($now[0].setup.seed), \($now[0].events.accepted) events, the same in each run); \($note). Runs: \($files).",
  "",
  "| heartbeat policy | pings per subscriber | segments per subscriber | wire bytes per subscriber | heartbeat share | polling ÷ WebSocket (payload) | polling ÷ WebSocket (wire) | passed |",
  "|---|---:|---:|---:|---:|---:|---:|---|",
  row("none"; $none), row("before (client-silence, 20 s)"; $before),
  row("now (idle, 45 s; receipts from 20 s, alone at 25 s)"; $now),
  "",
  "Wire bytes: TCP payload both ways plus 52 bytes of IPv4 + TCP header per segment, from each client socket'"'"'s `TCP_INFO` over the steady phase. Heartbeat share: the policy'"'"'s wire bytes less those of `none` (same events, no heartbeat possible), over its wire bytes: pings, pongs and the segments that carry and acknowledge them."
' > "$REPORT"
echo "$REPORT"
cat "$REPORT"
