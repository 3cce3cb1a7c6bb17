// Pieces the scorecast pages share: formatting, the connection indicator, announcements.
import { matchClock } from "/static/scorecast.js";

const STATUS_TEXT = { scheduled: "Upcoming", live: "Live", half_time: "Half-time", finished: "Full time" };
const PERIOD_TEXT = {
  first_half: "1st half", half_time: "Half-time", second_half: "2nd half",
  extra_time: "Extra time", penalties: "Penalties",
};

/** Reads the page's own options from its URL: `?transport=sse`, `?ws=/path`, ... */
export function pageOptions() {
  const q = new URLSearchParams(location.search);
  const options = {};
  const transport = q.get("transport");
  if (["auto", "ws", "sse", "poll"].includes(transport)) options.transport = transport;
  // Same-origin paths only: lets a tester point a transport at a dead end to force a fallback.
  for (const key of ["ws", "sse"]) {
    const path = q.get(key);
    if (path && path.startsWith("/") && !path.startsWith("//")) options[`${key}Path`] = path;
  }
  const poll = Number(q.get("poll"));
  if (poll >= 500) options.pollInterval = poll;
  return options;
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

export function statusText(state) {
  return STATUS_TEXT[state.st] ?? state.st ?? "";
}

export function periodText(pd) {
  return PERIOD_TEXT[pd] ?? pd ?? "";
}

/** The shoot-out beside the score, as fans read it: "(5–4 pens)"; empty without one. */
export function pensText(state) {
  return state.pn ? `(${state.pn[0]}–${state.pn[1]} pens)` : "";
}

/** The clock as fans read it: 67' (running) while live, HT, FT, or the kick-off time. */
export function clockText(state, now = Date.now()) {
  const running = matchClock(state, now);
  if (running) return running.text;
  if (state.st === "live") return state.mn != null ? `${state.mn}'` : "Live";
  if (state.st === "half_time") return "HT";
  if (state.st === "finished") return "FT";
  return kickoffText(state.ko);
}

export function kickoffText(ko) {
  if (!ko) return "";
  const d = new Date(ko);
  const time = d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return sameDay(d, new Date()) ? time : `${d.toLocaleDateString([], { day: "numeric", month: "short" })} ${time}`;
}

export function sameDay(a, b) {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/** Runs `draw` once a second, so that live clocks advance between events. */
export function everySecond(draw) {
  // Aligned to the second of the clock, so that every shown clock turns at the same moment.
  setTimeout(() => { draw(); setInterval(draw, 1000); }, 1000 - (Date.now() % 1000));
}

/** Keeps the connection indicator (`#conn`) in step with a subscription. */
export function showConnection(subscription) {
  const node = document.getElementById("conn");
  if (!node) return;
  subscription.onStatus((status, info) => {
    const via = info.transport === "sse" ? " (SSE)" : "";
    const text = {
      connecting: "Connecting…", live: `Live${via}`, reconnecting: "Reconnecting…",
      polling: "Polling", closed: "Offline",
    }[status] ?? status;
    node.dataset.state = status;
    node.dataset.transport = info.transport;
    node.querySelector(".conn-text").textContent = text;
  });
}

/** Says `text` to screen readers through the page's polite live region. */
export function announce(text) {
  const region = document.getElementById("announcer");
  if (!region) return;
  region.textContent = "";
  // Clearing first, then writing a moment later, makes screen readers read a repeated message.
  setTimeout(() => { region.textContent = text; }, 50);
}

/** Briefly highlights `node` (a changed score): the class restarts its animation. */
export function flash(node) {
  node.classList.remove("flash");
  void node.offsetWidth; // restart the animation when two goals come close together
  node.classList.add("flash");
  setTimeout(() => node.classList.remove("flash"), 3000);
}

export async function getJson(path) {
  const r = await fetch(path, { cache: "no-store" });
  if (!r.ok) throw new Error(`${path}: ${r.status}`);
  return r.json();
}

/** Every match, following the list's paging. */
export async function allMatches() {
  const matches = [];
  for (let offset = 0; ; offset += 500) {
    const page = await getJson(`/api/v1/matches?limit=500&offset=${offset}`);
    matches.push(...page.matches);
    if (matches.length >= page.total || page.matches.length === 0) return matches;
  }
}
