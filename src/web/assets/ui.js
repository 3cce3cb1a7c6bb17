// Pieces the scorecast pages share: formatting, the connection indicator, announcements.
import { eventToUpdate, matchClock } from "/static/scorecast.js";
import {
  countdownText, describeCountdownEvent, finalText, isCountdownSport, periodLong, shootoutText,
} from "/static/sports.js";
import { describeSetEvent, isSetSport, setLong, setStatusText } from "/static/sets.js";

const STATUS_TEXT = {
  scheduled: "Upcoming", delayed: "Delayed", postponed: "Postponed", live: "Live", half_time: "Half-time",
  interrupted: "Interrupted", suspended: "Suspended", finished: "Full time", abandoned: "Abandoned",
  cancelled: "Cancelled", awarded: "Awarded",
};
const PERIOD_TEXT = {
  first_half: "1st half", half_time: "Half-time", second_half: "2nd half",
  before_extra_time: "Before extra time", extra_time: "Extra time, 1st half",
  extra_time_half_time: "Extra time, half-time", extra_time_second_half: "Extra time, 2nd half",
  before_penalties: "Before penalties", penalties: "Penalties",
};
const CARD_TEXT = { y: "Yellow card", r: "Red card", yr: "Second yellow card" };
const GOAL_METHOD_TEXT = { og: "own goal", pen: "penalty" };

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
  // `false` too, so that `condition && el(...)` adds a child only when the condition holds.
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/** The status as fans read it: "Postponed", "Awarded 3–0", the break's name in a break; a set
 * sport's "Final", and "ret." or "w/o" with the REST snapshot's `award`, when known. */
export function statusText(state, award) {
  const sets = isSetSport(state.sp) ? setStatusText(state, award) : null;
  if (sets) return sets;
  if (state.st === "awarded") return `Awarded ${state.sc[0]}–${state.sc[1]}`;
  if (state.st === "finished" && isCountdownSport(state.sp)) return finalText(state);
  if (state.st === "half_time" && PERIOD_TEXT[state.pd] && state.pd !== "half_time") return PERIOD_TEXT[state.pd];
  return STATUS_TEXT[state.st] ?? state.st ?? "";
}

/** A period in words: "1st half" (football), "2nd quarter", "3rd period", "Shoot-out". */
export function periodText(pd, sport) {
  if (isCountdownSport(sport)) return periodLong(pd, sport);
  return PERIOD_TEXT[pd] ?? pd ?? "";
}

/** A sport's name as a heading shows it: "football" is "Football", "ice_hockey" "Ice hockey". */
export function sportText(sport = "football") {
  const words = sport.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The shoot-out beside the score, as fans read it: "(5–4 pens)"; empty without one. */
export function pensText(state) {
  if (!state.pn) return "";
  return state.sp === "ice_hockey" ? shootoutText(state.pn) : `(${state.pn[0]}–${state.pn[1]} pens)`;
}

/** Announced added time beside the clock: " (+4)"; empty when none is announced. */
export function addedText(state) {
  return state.at ? ` (+${state.at})` : "";
}

/**
 * The clock as fans read it: 67' or 45+2' (+4) (running) while live, HT, FT, or the kick-off time;
 * basketball's and ice hockey's period and countdown, "Q2 7:32", while in play.
 */
export function clockText(state, now = Date.now()) {
  if (isCountdownSport(state.sp) && state.pd) return countdownText(state, now);
  if (isSetSport(state.sp) && state.st !== "scheduled" && state.st !== "delayed") {
    return state.st === "live" ? setLong(state) : "";
  }
  const running = matchClock(state, now);
  if (running) return running.text + addedText(state);
  switch (state.st) {
    case "live": return state.mn != null ? `${state.mn}'` : "Live";
    case "half_time": return "HT";
    case "finished": return "FT";
    case "scheduled": case "delayed": return kickoffText(state.ko);
    default: return "";
  }
}

/**
 * What an update says, as fans read it: "Goal, Ajax (Brobbey)", "3 pts, Rockets". `names` maps
 * `h`/`a` to the teams; `target` is the update a `void` or `amend` corrects, when known; `sport`
 * the match's (`sp`; football when absent).
 */
export function describeEvent(msg, names, target, sport) {
  const team = names[msg.t] ?? "";
  const own = isCountdownSport(sport) ? describeCountdownEvent(msg, team, sport)
    : isSetSport(sport) ? describeSetEvent(msg, names, sport) : null;
  if (own !== null) return own;
  switch (msg.k) {
    case "start": case "kickoff": return "Kick-off";
    case "goal": {
      const about = [msg.p, GOAL_METHOD_TEXT[msg.gm]].filter(Boolean).join(", ");
      return `Goal, ${team}${about ? ` (${about})` : ""}`;
    }
    case "card": return `${CARD_TEXT[msg.c] ?? "Card"}, ${msg.p} (${team})`;
    case "substitution": return `Substitution, ${team}: ${msg.p} on, ${msg.po} off`;
    case "period": return periodText(msg.pd);
    case "score": return `Score corrected to ${msg.sc[0]}–${msg.sc[1]}`;
    case "kick": return `Penalty ${msg.ok ? "scored" : "missed"}, ${team}${msg.p ? ` (${msg.p})` : ""}`;
    case "added_time": return `Added time: at least ${msg.at} min`;
    case "end": return "Full time";
    case "status": {
      if (msg.st === "live") return "Play resumed";
      return `${statusText({ ...msg, sp: sport })}${msg.st === "postponed" && msg.ko ? ` to ${kickoffText(msg.ko)}` : ""}`;
    }
    case "confirm": return "Result confirmed";
    case "match": {
      const changes = [msg.comp && `competition ${msg.comp}`, msg.ko && `kick-off ${kickoffText(msg.ko)}`,
        (msg.home || msg.away) && `now ${msg.home ?? names.h} v ${msg.away ?? names.a}`];
      return `Match details changed${changes.some(Boolean) ? `: ${changes.filter(Boolean).join(", ")}` : ""}`;
    }
    case "void": return target ? `Voided: ${describeEvent(target, names, undefined, sport)}` : "An event was voided";
    case "amend": {
      if (!target) return "An event was amended";
      return `Amended: ${describeEvent({ ...msg, k: target.k }, names, undefined, sport)}`;
    }
    default: return msg.k;
  }
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

/**
 * A stored event (REST) as the pages show it, given every stored event by seq: `msg`, its update;
 * `now`, the update of the version that counts (its latest amendment's); `text`, what it says (a
 * status change with its reason); `voided`, the void's reason ("" without one) or `null`;
 * `amended`, whether an amendment replaced it. `sport` is the match's, as for `describeEvent`.
 */
export function storedEvent(e, bySeq, names, sport) {
  const msg = eventToUpdate(e);
  const amend = bySeq.get(e.amended_by);
  // An amended score event shows the score it now sets; other kinds, the score they were posted at.
  const score = amend?.event.kind === "score" ? { home: amend.event.home, away: amend.event.away } : e.score;
  const now = amend ? eventToUpdate({ ...amend.event, match_id: e.match_id, seq: e.seq, score }) : msg;
  const target = bySeq.get(e.target);
  let text = describeEvent(now, names, target && eventToUpdate(target), sport);
  if (e.kind === "status" && e.reason) text += `: ${e.reason}`;
  const voidedBy = bySeq.get(e.voided_by);
  return { msg, now, text, voided: voidedBy ? voidedBy.reason ?? "" : null, amended: Boolean(amend) };
}

/** Events per history request: the endpoint's largest page. */
const HISTORY_PAGE = 1000;

/** The stored events of match `id` after `since`, oldest first, following the history's paging. */
export async function matchEvents(id, since = 0) {
  const events = [];
  for (;;) {
    const page = await getJson(`/api/v1/matches/${id}/events?since=${since}&limit=${HISTORY_PAGE}`);
    events.push(...page.events);
    if (page.events.length < HISTORY_PAGE) return events;
    since = page.events[page.events.length - 1].seq;
  }
}

/** Every match the list gives for `query` (its filters), following the pages' cursors. */
export async function allMatches(query = "") {
  const matches = [];
  for (let after = null; ; ) {
    const cursor = after === null ? "" : `&after=${encodeURIComponent(after)}`;
    const page = await getJson(`/api/v1/matches?limit=500${query ? `&${query}` : ""}${cursor}`);
    matches.push(...page.matches);
    if (!page.next) return matches;
    after = page.next;
  }
}

/**
 * The matches of `day` (local time) and those in `inPlay` statuses whatever their day, each
 * once, in kick-off order: what a day's board shows, asked of the server's indexed lists rather
 * than read from every match it ever held.
 */
export async function matchesOfTheDay(inPlay, day = new Date()) {
  const from = new Date(day.getFullYear(), day.getMonth(), day.getDate());
  const to = new Date(day.getFullYear(), day.getMonth(), day.getDate() + 1);
  const queries = [`from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`,
    ...[...inPlay].map((status) => `status=${status}`)];
  const byId = new Map();
  for (const query of queries) for (const m of await allMatches(query)) byId.set(m.id, m);
  return [...byId.values()].sort((a, b) => a.kickoff_at.localeCompare(b.kickoff_at) || a.id - b.id);
}
