// The match page at `/matches/{id}`: the score and the event timeline, newest first, kept live.
import { subscribe, eventToUpdate, matchClock } from "/static/scorecast.js";
import {
  announce, clockText, el, everySecond, flash, getJson, kickoffText, pageOptions, pensText,
  periodText, showConnection, statusText,
} from "/static/ui.js";

/** Events per history request: the endpoint's largest page. */
const PAGE = 1000;

const id = Number(location.pathname.split("/").filter(Boolean).pop());
const timeline = document.getElementById("timeline");
let match = null; // the state shown in the header

function team(side) {
  return side === "h" ? match.home : side === "a" ? match.away : "";
}

function describe(msg) {
  switch (msg.k) {
    case "kickoff": return "Kick-off";
    case "goal": return `Goal, ${team(msg.t)}${msg.p ? ` (${msg.p})` : ""}`;
    case "card": return `${msg.c === "r" ? "Red" : "Yellow"} card, ${msg.p} (${team(msg.t)})`;
    case "substitution": return `Substitution, ${team(msg.t)}: ${msg.p} on, ${msg.po} off`;
    case "period": return periodText(msg.pd);
    case "score": return `Score corrected to ${msg.sc[0]}–${msg.sc[1]}`;
    case "kick": return `Penalty ${msg.ok ? "scored" : "missed"}, ${team(msg.t)}${msg.p ? ` (${msg.p})` : ""}`;
    case "end": return "Full time";
    default: return msg.k;
  }
}

/** Adds one event to the timeline, in `s` order, newest first; an event already shown is kept. */
function addEvent(msg) {
  if (timeline.querySelector(`[data-seq="${msg.s}"]`)) return;
  const item = el("li", { class: `ev ev-${msg.k}`, "data-seq": msg.s, "data-kind": msg.k },
    el("span", { class: "ev-min", text: msg.mn != null ? `${msg.mn}'` : "" }),
    el("span", { class: "ev-text", text: describe(msg) }),
    el("span", { class: "ev-score", text: msg.k === "kick" ? pensText(msg) : `${msg.sc[0]}–${msg.sc[1]}` }));
  const older = [...timeline.children].find((li) => Number(li.dataset.seq) < msg.s);
  timeline.insertBefore(item, older ?? null);
  document.getElementById("no-events").hidden = true;
}

function lastShown() {
  const first = timeline.firstElementChild;
  return first ? Number(first.dataset.seq) : 0;
}

/** Stored events after `since`, up to `until` (a snapshot's `s`), from the history endpoint. */
async function history(since, until) {
  const events = [];
  for (;;) {
    const page = await getJson(`/api/v1/matches/${id}/events?since=${since}&limit=${PAGE}`);
    for (const e of page.events) if (e.seq <= until) events.push(e);
    if (page.events.length < PAGE) return events;
    since = page.events[page.events.length - 1].seq;
    if (since >= until) return events;
  }
}

/** The header's clock: the running 67:12 of a live period, the last minute posted otherwise. */
function showClock(state) {
  const running = matchClock(state);
  const live = running ? running.elapsed : clockText(state);
  document.getElementById("clock").textContent =
    state.st === "live" ? `${live} · ${periodText(state.pd)}` : state.st === "scheduled" ? clockText(state) : "";
}

function header(state, previous) {
  match = state;
  const pens = pensText(state);
  document.title = `${state.home} ${state.sc[0]}–${state.sc[1]} ${state.away}${pens ? ` ${pens}` : ""} · scorecast`;
  document.getElementById("home").textContent = state.home;
  document.getElementById("away").textContent = state.away;
  document.getElementById("comp").textContent = state.comp ?? "";
  document.getElementById("ko").textContent = kickoffText(state.ko);
  const score = document.getElementById("score");
  score.querySelector(".goals.home").textContent = state.sc[0];
  score.querySelector(".goals.away").textContent = state.sc[1];
  score.setAttribute("aria-label", `${state.sc[0]} to ${state.sc[1]}${pens ? `, ${pens}` : ""}`);
  document.getElementById("pens").textContent = pens;
  document.getElementById("status").textContent = statusText(state);
  showClock(state);
  document.querySelector(".scoreline").dataset.status = state.st;
  if (previous?.pn && state.pn && (previous.pn[0] !== state.pn[0] || previous.pn[1] !== state.pn[1])) {
    flash(document.getElementById("pens"));
    announce(`Penalties: ${state.home} ${state.pn[0]}, ${state.away} ${state.pn[1]}`);
  } else if (previous?.sc && (previous.sc[0] !== state.sc[0] || previous.sc[1] !== state.sc[1])) {
    flash(score);
    announce(`${state.home} ${state.sc[0]}, ${state.away} ${state.sc[1]}`);
  }
}

async function fill(until) {
  try {
    for (const e of await history(lastShown(), until)) addEvent(eventToUpdate(e));
  } catch { /* the next snapshot retries */ }
}

async function start() {
  let snapshot;
  try {
    snapshot = await getJson(`/api/v1/matches/${id}`);
  } catch {
    document.getElementById("missing").hidden = false;
    return;
  }
  // Resume from the snapshot's position: the history up to it now, every later event live.
  const events = await history(0, snapshot.seq);
  const subscription = subscribe([id], { ...pageOptions(), snapshots: [snapshot] });
  header(subscription.state.get(id));
  for (const e of events) addEvent(eventToUpdate(e));
  if (events.length === 0) document.getElementById("no-events").hidden = false;
  showConnection(subscription);
  // An update carries all the timeline shows (a goal its scorer, `p`): no request per update.
  subscription.onUpdate((msg, state, previous) => {
    header(state, previous);
    addEvent(msg);
  });
  // A snapshot replaces the state; when it skips events (a resume that was not recovered, or a
  // slow connection), the timeline fetches what it lacks.
  subscription.onSnapshot((state, msg, previous) => {
    header(state, previous);
    if (state.s > lastShown()) fill(state.s);
  });
  everySecond(() => { if (match) showClock(subscription.state.get(id) ?? match); });
  document.querySelector("main").setAttribute("aria-busy", "false");
  window.scorecast = subscription; // for the console and the browser tests
}

start();
