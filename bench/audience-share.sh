#!/bin/sh
# Audience messages' share of a WebSocket subscriber's wire bytes and of the server's CPU (issue 25):
# `bandwidth` runs with the same seeded events and churn against fresh servers that differ only in
# whether they tell the audience how many watch, interleaved off, on, off, on, ...; then one
# Markdown report.
#   off: --watching-interval-secs 3600 (no count is told within the run)
#   on:  the default interval (10 s)
# The workload is the issue's: no pollers, SUBSCRIBERS WebSocket subscribers of one match, one
# event every 10 s on average (seed 1), 1 % of the subscribers leaving and as many joining per
# minute. Wire share = (on - off) / on of the subscribers' wire bytes (payload both ways, 52 bytes
# of IPv4 + TCP header a segment, newcomers' joins included); CPU share = (on - off) / on of the
# server's CPU over the steady phase; the frame shares are counted by each client in the `on` run.
# Past one process's ~19,000 sockets (100,000 subscribers), NODES=N runs every `bandwidth` over N
# scorecast nodes sharing one Postgres and one nats-server the run starts, the subscribers in
# client worker processes (CLIENT_PROCESSES=K, default: 18,000 subscriber slots each); NETNS=1
# adds --own-netns (root). The report then says the node count and the subscribers per node, and
# the server CPU is every node's, summed. With counting on, every subscriber there at the end must
# have been last told the cluster's count (within its two significant figures): the "count told"
# column.
# Build first (see README.md). Usage: bench/audience-share.sh [SUBSCRIBERS] [DURATION] [ROUNDS]
# (PROFILE=debug and RESULTS_DIR=... for a trial run of a debug build elsewhere.)
set -eu
T=${CARGO_TARGET_DIR:-/work/target-bench}
P=${PROFILE:-release}
B=$T/$P/scorecast-bench
S=$T/$P/scorecast
N=${1:-18000}
D=${2:-600s}
R=${3:-1}
OUT=${RESULTS_DIR:-$(dirname "$0")/results}
SPREAD=""
if [ "${NODES:-1}" -gt 1 ] || [ -n "${CLIENT_PROCESSES:-}" ]; then
    SPREAD="--nodes ${NODES:-1}"
    [ -n "${CLIENT_PROCESSES:-}" ] && SPREAD="$SPREAD --client-processes $CLIENT_PROCESSES"
fi
[ "${NETNS:-0}" = 1 ] && SPREAD="$SPREAD --own-netns"
NOTE="scorecast $(git -C "$(dirname "$0")" rev-parse --short HEAD), $P build"
run() {
    label=$1
    shift
    echo "== $label" >&2
    # shellcheck disable=SC2086
    "$B" bandwidth --spawn-server "$S" -p 0 -w "$N" --duration "$D" --seed 1 --churn-per-min 1 \
        --no-progress --results-dir "$OUT" --note "$NOTE; audience counting $label" $SPREAD "$@" >&2
    ls -t "$OUT"/bandwidth-*.json | head -1
}
offs=""
ons=""
i=1
while [ "$i" -le "$R" ]; do
    offs="$offs $(run "off (round $i)" --server-arg=--watching-interval-secs=3600)"
    ons="$ons $(run "on (round $i)")"
    i=$((i + 1))
done
REPORT="$OUT/audience-$(date -u +%Y%m%dT%H%M%SZ).md"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# shellcheck disable=SC2086
jq -s . $offs > "$TMP/off.json"
# shellcheck disable=SC2086
jq -s . $ons > "$TMP/on.json"
jq -rn --slurpfile off "$TMP/off.json" --slurpfile on "$TMP/on.json" --arg note "$NOTE" \
    --arg files "off: $(for f in $offs; do basename "$f"; done | tr '\n' ' ')on: $(for f in $ons; do basename "$f"; done | tr '\n' ' ')" '
  def ws($r): $r.groups[] | select(.method == "websocket");
  def users($r): ws($r).mean_users as $m | if $m > 0 then $m else ws($r).connected end;
  def wire($c): $c.bytes_sent + $c.bytes_received + 52 * ($c.segs_out + $c.segs_in);
  def wire_per_user($r): (wire(ws($r).steady) + wire(ws($r).late_join)) / users($r);
  def told($r): $r.watching | if . == null then "none told" else "\(.told_min)–\(.told_max); \(.agreeing) of \(.told) told agree with the cluster'"'"'s \(.cluster) (± \(.tolerance))" + (if .passed then "" else " **not the cluster'"'"'s**" end) end;
  def place($r): ($r.setup.placement // {nodes: 1, client_processes: 1});
  def pct($x): "\($x * 1000 | round / 10) %";
  def median: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  def row($i): $off[0][$i] as $a | $on[0][$i] as $b
    | ((wire_per_user($b) - wire_per_user($a)) / wire_per_user($b)) as $wshare
    | (($b.server_cpu_s - $a.server_cpu_s) / $b.server_cpu_s) as $cshare
    | "| \($i + 1) | \(wire_per_user($a) | round) | \(wire_per_user($b) | round) | \(pct($wshare)) | \($a.server_cpu_s * 100 | round / 100) | \($b.server_cpu_s * 100 | round / 100) | \(pct($cshare)) | \(ws($b).audience.messages / users($b) * 100 | round / 100) | \(pct($b.audience.of_messages)) | \(pct($b.audience.of_payload)) | \(told($b)) | \($a.passed and $b.passed) |";
  def wshare($i): $off[0][$i] as $a | $on[0][$i] as $b | (wire_per_user($b) - wire_per_user($a)) / wire_per_user($b);
  def cshare($i): $off[0][$i] as $a | $on[0][$i] as $b | ($b.server_cpu_s - $a.server_cpu_s) / $b.server_cpu_s;
  ($on[0] | length) as $n
  | [range($n) | wshare(.)] | median as $w
  | [range($n) | cshare(.)] | median as $c
  | "# Audience messages: share of a WebSocket subscriber'"'"'s wire bytes and of the fan-out CPU",
  "",
  place($on[0][0]) as $p
  | "\($on[0][0].setup.subscribers) subscribers of one match on \($p.nodes) scorecast node(s) (\($on[0][0].setup.subscribers / $p.nodes | ceil) subscribers per node\(if $p.nodes > 1 then ", one Postgres and one nats-server, the count summed over NATS" else "" end); clients in \($p.client_processes) process(es)), no pollers, \($on[0][0].setup.duration_s) s at one event per \($on[0][0].setup.mean_event_interval_s) s on average (seed \($on[0][0].setup.seed), \($on[0][0].events.accepted) events, the same in each run), \($on[0][0].setup.churn_per_min) % of the subscribers leaving and as many joining per minute; \($n) round(s), off and on interleaved; \($note). Runs: \($files).",
  "",
  "| round | wire B/subscriber, off | on | audience share of wire | server CPU s, off | on | audience share of CPU | audience messages per subscriber | audience share of message bytes | of payload bytes | count told (on): last value, subscribers agreeing, cluster | passed |",
  "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
  (range($n) | row(.)),
  "",
  "Median over the rounds: **\(pct($w))** of the wire bytes, **\(pct($c))** of the server CPU (aim: under 5 % each).",
  "",
  "off: `--watching-interval-secs 3600` (no count told within the run); on: the default 10 s. Wire bytes: TCP payload both ways plus 52 bytes of IPv4 + TCP header per segment, from each client socket'"'"'s `TCP_INFO`, over the steady phase, newcomers'"'"' joins included, per subscriber present on average. Server CPU: user + system time of the server process (with several nodes, of every node, summed) over the steady phase (`/proc/<pid>/stat`); with no pollers, it is the fan-out, the event posts and the churn'"'"'s joins and leaves. The message and payload shares are counted by each client of the `on` run: whole WebSocket frames of `watching` messages over those of all messages, and over every payload byte received."
' > "$REPORT"
echo "$REPORT"
cat "$REPORT"
