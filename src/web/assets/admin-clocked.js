// The admin console for the sports played against a countdown clock: basketball's points by key or
// click, fouls and timeouts; ice hockey's goals (their minute from the clock), penalties and
// shoot-out; for both, the operator's clock (start, stop, set) and the next period.
import { countdown } from "/static/scorecast.js";
import { periodShort } from "/static/sports.js";

const $ = (id) => document.getElementById(id);

/** Keys that post basketball points, by `KeyboardEvent.code`: 1 2 3 for home, Q W E for away;
 * with Shift, 1 2 3 are away's. */
const POINT_KEYS = {
  Digit1: ["home", 1], Digit2: ["home", 2], Digit3: ["home", 3],
  KeyQ: ["away", 1], KeyW: ["away", 2], KeyE: ["away", 3],
};
const FOUL_KEYS = { KeyF: "home", KeyJ: "away" };
const CLOCK_KEY = "KeyC";

let shown = null; // the chosen match's REST snapshot, as last read
let clock = null; // its clock: {running, remaining_ms, at}, moved on by the clock events posted

/** The chosen match's clock as the compact `ck` that `countdown` runs. */
function ck() {
  if (!clock) return undefined;
  return clock.running ? [1, clock.remaining_ms, Date.parse(clock.at)] : [0, clock.remaining_ms];
}

function now() {
  return shown && countdown({ st: shown.status, ck: ck() });
}

/** Minutes of `period` in the format of the match `m`. */
function periodMinutes(m, period) {
  const f = m.format ?? {};
  const overtime = /^ot\d+$/.test(period);
  if (m.sport === "basketball") return overtime ? f.overtime_minutes : f.quarter_minutes;
  if (overtime && f.overtime === "regular_season") return 5;
  return f.period_minutes;
}

/** The period that follows the current one, or `null` when none can (the shoot-out). */
export function nextPeriod(m) {
  const order = m.sport === "basketball" ? ["q1", "q2", "q3", "q4"] : ["p1", "p2", "p3"];
  const at = order.indexOf(m.period);
  if (at >= 0) return at + 1 < order.length ? order[at + 1] : "ot1";
  const ot = Number(/^ot(\d+)$/.exec(m.period ?? "")?.[1]);
  if (!ot) return null;
  if (m.sport === "ice_hockey" && m.format?.overtime === "regular_season") return "shootout";
  return `ot${ot + 1}`;
}

/** The minute under way in an ice hockey game, from its period and clock: 28 in the 2nd period
 * with 12:30 left of 20. */
function minuteNow(m) {
  const left = now();
  if (!left || !m.period) return m.minute ?? 0;
  const periods = ["p1", "p2", "p3"];
  const done = periods.indexOf(m.period) >= 0 ? periods.indexOf(m.period)
    : 3 + Number(/^ot(\d+)$/.exec(m.period)?.[1] ?? 1) - 1;
  let before = 0;
  for (let i = 0; i < done; i += 1) before += periodMinutes(m, i < 3 ? periods[i] : `ot${i - 2}`);
  const length = periodMinutes(m, m.period) * 60000;
  const played = Math.max(0, length - left.remaining);
  return Math.min(before + Math.floor(played / 60000) + 1, before + periodMinutes(m, m.period));
}

/** The fields a sport's event takes from the form besides those of its button. */
export function clockedFields(kind, body) {
  const player = $("player").value.trim();
  if (["points", "foul", "penalty", "shot"].includes(kind) && player) body.player = player;
  if (kind === "penalty") body.minutes = Number($("penalty-minutes").value);
  if (kind === "goal" && shown?.sport === "ice_hockey") {
    if (body.minute === undefined) body.minute = minuteNow(shown);
    if ($("strength").value) body.strength = $("strength").value;
  }
  return body;
}

/** The clock's buttons and face, as they stand. */
function drawClock() {
  const left = now();
  $("game-clock").textContent = left ? `${periodShort(shown.period, shown.sport)} ${left.text}` : "";
  $("game-clock").dataset.running = left?.running ? "yes" : "no";
  const toggle = $("clock-toggle");
  toggle.firstChild.textContent = clock?.running ? "Stop the clock " : "Start the clock ";
  toggle.disabled = !clock || shown.status !== "live";
}

/** Shows the chosen match `m` (REST): which of the console's parts its sport has, and its clock. */
export function showClocked(m) {
  shown = m;
  clock = m.clock ?? null;
  const sport = m.sport ?? "football";
  $("events-form").dataset.sport = sport;
  for (const node of document.querySelectorAll("#events-form [data-sports], #added-form[data-sports]")) {
    node.hidden = !node.dataset.sports.split(" ").includes(sport);
  }
  const next = nextPeriod(m);
  $("next-period").hidden = !next || m.status === "scheduled";
  $("next-period").textContent = next ? `Next period: ${periodShort(next, sport)}` : "Next period";
  $("next-period").dataset.period = next ?? "";
  $("start-btn").hidden = m.status !== "scheduled" && m.status !== "delayed";
  drawClock();
}

/** After a stored `clock` event, the clock it set, before the match is read again. */
export function noteStored(stored) {
  if (stored.kind === "clock") clock = { running: stored.running, remaining_ms: stored.remaining_ms, at: stored.recorded_at };
  drawClock();
}

/** "7:32" as milliseconds, or `null`. */
function parseClock(text) {
  const found = /^(\d{1,2}):([0-5]\d)$/.exec(text.trim());
  return found ? (Number(found[1]) * 60 + Number(found[2])) * 1000 : null;
}

/** A key pressed where typing goes elsewhere (a field, a list) or with a modifier is not ours. */
export function typing(e) {
  const target = e.target;
  return e.ctrlKey || e.metaKey || e.altKey || e.repeat
    || target.closest?.("input, select, textarea, [contenteditable]") != null;
}

/** Wires the controls; `post(kind, extra)` posts an event of the chosen match in order. */
export function wireClocked(post) {
  const toggleClock = () => {
    const left = now();
    if (!left || shown.status !== "live") return;
    post("clock", { running: !clock.running, remaining_ms: Math.round(left.remaining) });
  };
  $("clock-toggle").addEventListener("click", toggleClock);
  $("clock-set-btn").addEventListener("click", () => {
    const ms = parseClock($("clock-set").value);
    if (ms === null) {
      $("events-feedback").textContent = "Give the clock as m:ss, e.g. 7:32.";
      $("events-feedback").className = "feedback error";
      return;
    }
    post("clock", { running: Boolean(clock?.running), remaining_ms: ms });
  });
  $("next-period").addEventListener("click", () => {
    if ($("next-period").dataset.period) post("period", { period: $("next-period").dataset.period });
  });
  document.addEventListener("keydown", (e) => {
    const sport = $("events-form").dataset.sport;
    if (typing(e) || (sport !== "basketball" && sport !== "ice_hockey")) return;
    if (e.code === CLOCK_KEY) {
      e.preventDefault();
      toggleClock();
      return;
    }
    if (sport !== "basketball") return;
    const points = POINT_KEYS[e.code];
    if (points) {
      e.preventDefault();
      const team = e.shiftKey && e.code.startsWith("Digit") ? "away" : points[0];
      post("points", { team, value: points[1] });
    } else if (FOUL_KEYS[e.code]) {
      e.preventDefault();
      post("foul", { team: FOUL_KEYS[e.code] });
    }
  });
  setInterval(() => { if (clock?.running) drawClock(); }, 250);
}
