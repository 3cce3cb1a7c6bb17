// The match page at `/matches/{id}`: the score and the event timeline, newest first, kept live.
import { subscribe, matchClock, countdown } from "/static/scorecast.js";
import {
  addedText, announce, clockText, describeEvent, el, everySecond, flash, getJson, kickoffText,
  matchEvents, pageOptions, pensText, periodText, showConnection, statusText, storedEvent,
} from "/static/ui.js";
import { advanceLine, drawLine } from "/static/linescore.js";
import { drawSheet, SHEET_KINDS } from "/static/gamestats.js";
import { isCountdownSport } from "/static/sports.js";
import { advanceSets, gameText, isSetSport, serving, setLong } from "/static/sets.js";
import { markServer } from "/static/setline.js";

/** Statuses in which a countdown game shows its clock: running while live, standing otherwise. */
const IN_PLAY = new Set(["live", "interrupted", "suspended"]);
/** Shoot-out attempts: the timeline shows the tally after them rather than the score. */
const SHOOTOUT_KINDS = new Set(["kick", "shot"]);
/** Updates after which the page reads the match again: reasons, awards and corrections are REST only. */
const RELOAD_KINDS = new Set(["status", "void", "amend"]);

const id = Number(location.pathname.split("/").filter(Boolean).pop());
const timeline = document.getElementById("timeline");
let match = null; // the state shown in the header
let details = null; // the latest REST snapshot: its `reason` and `award`, for the status line
let line = []; // the line score shown: REST's `periods`, kept live from updates
let reloads = 0; // counts reloads, so that an older one finishing last changes nothing
let sheetReads = 0; // the same for reads of the snapshot alone, for the game sheet
const shown = new Map(); // seq -> the update shown for it, as posted

function names() {
  return { h: match?.home, a: match?.away };
}

/**
 * Shows one event in the timeline, in `s` order, newest first, replacing what was shown for it.
 * `view` is what the page knows of it: from an update alone, or `storedEvent`'s, with what the
 * corrections did to it.
 */
function showEvent(msg, view = { now: msg, text: describeEvent(msg, names(), shown.get(msg.of), match?.sp), voided: null }) {
  shown.set(msg.s, msg);
  const { now, text, voided, amended } = view;
  const struck = voided !== null;
  const note = struck ? `Voided${voided ? `: ${voided}` : ""}` : amended && "Amended";
  const classes = ["ev", `ev-${msg.k}`, struck && "voided", amended && "amended"];
  const item = el("li", { class: classes.filter(Boolean).join(" "), "data-seq": msg.s, "data-kind": msg.k },
    el("span", { class: "ev-min", text: now.mn != null ? `${now.mn}'` : "" }),
    el("span", { class: "ev-text" }, struck ? el("del", { text }) : text, note && el("span", { class: "ev-note", text: note })),
    el("span", { class: "ev-score", text: SHOOTOUT_KINDS.has(msg.k) ? pensText({ ...msg, sp: match?.sp }) : `${msg.sc[0]}–${msg.sc[1]}` }));
  const old = timeline.querySelector(`[data-seq="${msg.s}"]`);
  if (old) return old.replaceWith(item);
  const older = [...timeline.children].find((li) => Number(li.dataset.seq) < msg.s);
  timeline.insertBefore(item, older ?? null);
  document.getElementById("no-events").hidden = true;
}

/** Shows stored events (REST), each with what the corrections among them did to it. */
function showStored(events) {
  const bySeq = new Map(events.map((e) => [e.seq, e]));
  for (const e of events) {
    const view = storedEvent(e, bySeq, names(), match?.sp);
    showEvent(view.msg, view);
  }
}

function lastShown() {
  const first = timeline.firstElementChild;
  return first ? Number(first.dataset.seq) : 0;
}

/** Reads the snapshot (for the status's reason) and every stored event (with their corrections). */
async function reload() {
  const mine = ++reloads;
  try {
    const [snapshot, events] = await Promise.all([getJson(`/api/v1/matches/${id}`), matchEvents(id)]);
    if (mine !== reloads) return;
    details = snapshot;
    line = snapshot.periods ?? [];
    drawSheet(document.getElementById("sheet"), details);
    showStored(events);
    if (match) header(match);
  } catch { /* the next update or snapshot retries */ }
}

/**
 * Reads the snapshot alone again for the game sheet (fouls, timeouts, penalties), after an update
 * that changed it; of reads that overlap, the last one started is the one drawn.
 */
async function readSheet() {
  const mine = ++sheetReads;
  try {
    const snapshot = await getJson(`/api/v1/matches/${id}`);
    if (mine !== sheetReads || snapshot.seq < (details?.seq ?? 0)) return;
    details = snapshot;
    drawSheet(document.getElementById("sheet"), details);
  } catch { /* the next update retries */ }
}

/**
 * The header's clock: the running 67:12 of a live period (45+2' in stoppage time), else the minute;
 * basketball's and ice hockey's countdown and period, "7:32 · 2nd quarter", standing while stopped.
 */
function showClock(state) {
  const running = matchClock(state);
  let text = "";
  if (isSetSport(state.sp)) {
    // "30–15 · Set 2 · Nadal serving" (volleyball: no game), standing between points.
    const side = serving(state);
    const parts = state.st === "live" ? [state.sp === "tennis" && gameText(state), setLong(state),
      side && `${side === "home" ? state.home : state.away} serving`] : [clockText(state)];
    document.getElementById("clock").textContent = parts.filter(Boolean).join(" · ");
    return;
  }
  if (isCountdownSport(state.sp)) {
    const clock = countdown(state);
    const period = periodText(state.pd, state.sp);
    if (state.pd && IN_PLAY.has(state.st)) text = clock ? `${clock.text} · ${period}` : period;
    else if (state.st === "scheduled" || state.st === "delayed") text = clockText(state);
    document.getElementById("clock").textContent = text;
    return;
  }
  if (running) text = `${running.added ? running.text : running.elapsed}${addedText(state)} · ${periodText(state.pd)}`;
  else if (state.st === "live") text = `${clockText(state)} · ${periodText(state.pd)}`;
  else if (state.st === "scheduled" || state.st === "delayed") text = clockText(state);
  document.getElementById("clock").textContent = text;
}

/** "Awarded 3–0 to Ajax (walkover)", "Interrupted: storm": the status with what REST adds to it. */
function statusLine(state) {
  const known = details?.status === state.st;
  let text = statusText(state, known ? details.award : undefined);
  if (!known) return text;
  const award = state.st === "awarded" && details.award;
  if (award && isSetSport(state.sp)) {
    // "ret. · Nadal wins", as the tours write a retirement or walkover beside the line.
    text += ` · ${award.winner === "home" ? state.home : state.away} wins`;
    return details.reason ? `${text}: ${details.reason}` : text;
  }
  if (award) text += ` to ${award.winner === "home" ? state.home : state.away}${award.method ? ` (${award.method})` : ""}`;
  return details.reason ? `${text}: ${details.reason}` : text;
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
  document.getElementById("status").textContent = statusLine(state);
  showClock(state);
  drawLine(document.getElementById("line"), line, state);
  markServer(document.querySelector(".teams"), state);
  document.querySelector(".scoreline").dataset.status = state.st;
  if (previous?.pn && state.pn && (previous.pn[0] !== state.pn[0] || previous.pn[1] !== state.pn[1])) {
    flash(document.getElementById("pens"));
    announce(`Penalties: ${state.home} ${state.pn[0]}, ${state.away} ${state.pn[1]}`);
  } else if (previous?.sc && (previous.sc[0] !== state.sc[0] || previous.sc[1] !== state.sc[1])) {
    flash(score);
    announce(`${state.home} ${state.sc[0]}, ${state.away} ${state.sc[1]}`);
  } else if (previous && previous.st !== state.st) {
    announce(statusLine(state));
  }
}

async function start() {
  let snapshot;
  try {
    snapshot = await getJson(`/api/v1/matches/${id}`);
  } catch {
    document.getElementById("missing").hidden = false;
    return;
  }
  details = snapshot;
  line = snapshot.periods ?? [];
  drawSheet(document.getElementById("sheet"), details);
  // Resume from the snapshot's position: the history up to it now, every later event live.
  const events = (await matchEvents(id)).filter((e) => e.seq <= snapshot.seq);
  const subscription = subscribe([id], { ...pageOptions(), snapshots: [snapshot] });
  header(subscription.state.get(id));
  showStored(events);
  if (events.length === 0) document.getElementById("no-events").hidden = false;
  showConnection(subscription);
  // An update carries all the timeline shows (a goal its scorer, `p`): no request per update.
  // Corrections and status changes are the exception: what they did to earlier events, and the
  // reason given, are read again.
  subscription.onUpdate((msg, state, previous) => {
    // Corrections move goals between periods: their reload reads the line again.
    const sets = isSetSport(state.sp) ? advanceSets(line, state, previous, msg) : advanceLine(line, state, previous);
    if (sets) line = sets;
    else if (!RELOAD_KINDS.has(msg.k)) reload(); // the line is read again: its sets' games
    header(state, previous);
    if (!timeline.querySelector(`[data-seq="${msg.s}"]`)) showEvent(msg);
    if (RELOAD_KINDS.has(msg.k)) reload();
    else if (isCountdownSport(state.sp) && SHEET_KINDS.has(msg.k)) readSheet();
  });
  // A snapshot replaces the state; when it skips events (a resume that was not recovered, or a
  // slow connection), the timeline reads them again.
  subscription.onSnapshot((state, msg, previous) => {
    const sets = isSetSport(state.sp) ? advanceSets(line, state) : line;
    if (sets) line = sets;
    header(state, previous);
    if (state.s > lastShown() || !sets) reload();
  });
  everySecond(() => { if (match) showClock(subscription.state.get(id) ?? match); });
  document.querySelector("main").setAttribute("aria-busy", "false");
  window.scorecast = subscription; // for the console and the browser tests
}

start();
