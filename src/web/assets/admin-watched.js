// The admin console's "Most watched" list: the matches most watched on every node, from
// GET /api/v1/watching, read again once per interval of the server's counts (its Cache-Control
// max-age). Each match is a button that chooses it under Events (admin.js hears
// `scorecast:choose-match`); the button that has the focus keeps it when the list is redrawn.
import { formatWatching } from "/static/scorecast.js";
import { el } from "/static/ui.js";

/** Matches listed: a glance, not a report. */
const LIMIT = 10;
/** Bounds of the wait between two reads (ms), whatever interval the server says. */
const FASTEST = 1000;
const SLOWEST = 60000;
/** The wait when the server says none, or could not be reached (ms): its default interval. */
const DEFAULT_WAIT = 10000;

const $ = (id) => document.getElementById(id);

function label(m) {
  const sport = m.sport && m.sport !== "football" ? ` (${m.sport.replace("_", " ")})` : "";
  return `#${m.id} ${m.home}–${m.away}${sport}`;
}

function draw(matches) {
  const list = $("most-watched");
  const focused = list.contains(document.activeElement) ? document.activeElement.dataset.id : null;
  list.replaceChildren(...matches.map((m) => {
    const choose = el("button", { type: "button", class: "quiet", "data-id": m.id, text: label(m) });
    choose.addEventListener("click", () => {
      document.dispatchEvent(new CustomEvent("scorecast:choose-match", { detail: m.id }));
    });
    const count = el("span", { class: "count", text: `${formatWatching(m.watching)} watching` });
    return el("li", { "data-id": m.id, "data-watching": m.watching }, choose, " ", count);
  }));
  list.dataset.ids = matches.map((m) => m.id).join(",");
  if (focused) list.querySelector(`button[data-id="${focused}"]`)?.focus();
  $("watched-empty").hidden = matches.length > 0;
}

/** Reads the list once; returns how long to wait before the next read (ms). */
async function read() {
  const r = await fetch(`/api/v1/watching?limit=${LIMIT}`, { cache: "no-store" });
  if (!r.ok) throw new Error(`/api/v1/watching: ${r.status}`);
  const { matches } = await r.json();
  draw(matches);
  $("watched-state").textContent = `Updated ${new Date().toLocaleTimeString()}.`;
  const age = Number(/max-age=(\d+)/.exec(r.headers.get("cache-control") ?? "")?.[1]);
  return age > 0 ? Math.min(SLOWEST, Math.max(FASTEST, age * 1000)) : DEFAULT_WAIT;
}

function start() {
  if (!$("most-watched")) return;
  const tick = async () => {
    let wait = DEFAULT_WAIT;
    try {
      wait = await read();
    } catch (error) {
      $("watched-state").textContent = `Could not read the list (${error.message}); trying again.`;
    }
    setTimeout(tick, wait);
  };
  tick();
}

start();
