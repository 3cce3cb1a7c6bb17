// The admin console's live panel: who is subscribed right now, what pushing to them costs, and what
// polling every 5 s would cost the same audience. Everything comes from this server's own /metrics
// (Prometheus text) and snapshot endpoint; docs/client.md explains the estimate.
import { allMatches } from "/static/ui.js";

/** How often /metrics is read (ms): rates are averaged over this window. */
const EVERY = 2000;
/** The polling interval the estimate assumes (s): the client's default pollInterval. */
const POLL_SECS = 5;
/** How often the snapshot sizes are measured again (ms): they grow slowly, with each event. */
const SIZES_EVERY = 30000;
/** Snapshots measured for the median: enough for a typical size, few requests on a busy day. */
const SAMPLE = 20;

const $ = (id) => document.getElementById(id);

/** Sums of each metric over its series, from the Prometheus text format. */
export function parseMetrics(text) {
  const sums = new Map();
  for (const line of text.split("\n")) {
    const m = line.match(/^([a-zA-Z_:][\w:]*)(?:\{[^}]*\})?\s+(\S+)/);
    if (!m) continue; // comments (# HELP, # TYPE) and blank lines
    const value = Number(m[2]);
    if (Number.isFinite(value)) sums.set(m[1], (sums.get(m[1]) ?? 0) + value);
  }
  return sums;
}

/** The median body size (bytes) of `GET /api/v1/matches/{id}` over live matches (any, if none). */
async function medianSnapshotBytes() {
  const matches = await allMatches();
  const live = matches.filter((m) => m.status === "live" || m.status === "half_time");
  const sample = (live.length ? live : matches).slice(0, SAMPLE);
  const sizes = [];
  for (const m of sample) {
    const r = await fetch(`/api/v1/matches/${m.id}`, { cache: "no-store" });
    if (r.ok) sizes.push((await r.arrayBuffer()).byteLength);
  }
  if (!sizes.length) return { bytes: null, measured: 0, live: live.length > 0 };
  sizes.sort((a, b) => a - b);
  const mid = sizes.length >> 1;
  const bytes = sizes.length % 2 ? sizes[mid] : Math.round((sizes[mid - 1] + sizes[mid]) / 2);
  return { bytes, measured: sizes.length, live: live.length > 0 };
}

function rate(now, before, key) {
  if (!before) return null;
  const delta = now[key] - before[key];
  const secs = (now.at - before.at) / 1000;
  // A counter that went down: the server restarted; wait for the next sample.
  return delta >= 0 && secs > 0 ? delta / secs : null;
}

export function formatBytes(perSecond) {
  if (perSecond == null) return "…";
  const units = ["B/s", "kB/s", "MB/s", "GB/s"];
  let value = perSecond;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) { value /= 1000; unit += 1; }
  return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

function formatRate(perSecond) {
  if (perSecond == null) return "…";
  return `${perSecond >= 100 ? Math.round(perSecond) : perSecond.toFixed(1)}/s`;
}

function show(id, text) { $(id).textContent = text; }

function draw(sample, previous, sizes) {
  const panel = $("live");
  const ws = sample.connections - sample.sse;
  const deliveries = rate(sample, previous, "messages");
  const pushBytes = rate(sample, previous, "bytes");
  const polls = sample.subscriptions / POLL_SECS;
  const pollBytes = sizes.bytes == null ? null : polls * sizes.bytes;
  Object.assign(panel.dataset, {
    ws, sse: sample.sse, subscriptions: sample.subscriptions,
    deliveries: deliveries ?? "", pushBytes: pushBytes ?? "",
    polls, pollBytes: pollBytes ?? "", snapshotBytes: sizes.bytes ?? "",
  });
  show("live-ws", String(ws));
  show("live-sse", String(sample.sse));
  show("live-subs", String(sample.subscriptions));
  show("push-messages", formatRate(deliveries));
  show("push-bytes", formatBytes(pushBytes));
  show("poll-requests", formatRate(polls));
  show("poll-bytes", pollBytes == null ? "—" : formatBytes(pollBytes));
  const basis = sizes.bytes == null
    ? "No match to measure a snapshot of yet."
    : `${sample.subscriptions} subscriptions ÷ ${POLL_SECS} s × ${sizes.bytes} B, the median snapshot ` +
      `of ${sizes.measured} ${sizes.live ? "live " : ""}match${sizes.measured === 1 ? "" : "es"}.`;
  show("poll-basis", basis);
  let ratio = "";
  if (pollBytes != null && pushBytes != null) {
    ratio = pushBytes > 0
      ? `Polling would send ${(pollBytes / pushBytes).toFixed(pollBytes >= 10 * pushBytes ? 0 : 1)}× the bytes push sends now.`
      : pollBytes > 0 ? "Push sends nothing right now; polling would still cost the above." : "";
  }
  show("live-ratio", ratio);
}

async function start() {
  if (!$("live")) return;
  let previous = null;
  let sizes = { bytes: null, measured: 0, live: false };
  let sizedAt = -Infinity;
  const tick = async () => {
    try {
      if (performance.now() - sizedAt >= SIZES_EVERY) {
        sizes = await medianSnapshotBytes();
        sizedAt = performance.now();
      }
      const r = await fetch("/metrics", { cache: "no-store" });
      if (!r.ok) throw new Error(`/metrics: ${r.status}`);
      const m = parseMetrics(await r.text());
      const get = (name) => m.get(name) ?? 0;
      const sample = {
        at: performance.now(),
        connections: get("scorecast_ws_connections"),
        sse: get("scorecast_sse_connections"),
        subscriptions: get("scorecast_ws_subscriptions"),
        messages: get("scorecast_ws_messages_sent_total") + get("scorecast_sse_messages_sent_total"),
        bytes: get("scorecast_ws_bytes_sent_total") + get("scorecast_sse_bytes_sent_total"),
      };
      draw(sample, previous, sizes);
      previous = sample;
      $("live-state").textContent = `Updated ${new Date().toLocaleTimeString()}.`;
    } catch (error) {
      previous = null;
      $("live-state").textContent = `Could not read the metrics (${error.message}); trying again.`;
    }
    setTimeout(tick, EVERY);
  };
  tick();
}

start();
