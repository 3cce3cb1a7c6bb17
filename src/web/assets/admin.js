// The admin console at `/admin`: create a match, edit it, start it, post its events, change its
// status, correct it. Only the public admin API; the token stays in this tab's sessionStorage.
import { allMatches, el, getJson, matchEvents } from "/static/ui.js";
import { localInput, postEvent, report, send, setToken, token } from "/static/admin-api.js";
import { showCorrections, wireCorrections } from "/static/admin-corrections.js";
import { wireStatus } from "/static/admin-status.js";
import { clockedFields, noteStored, showClocked, wireClocked } from "/static/admin-clocked.js";
import { setFields, setFormat, showSets, wireSets } from "/static/admin-sets.js";
import { isSetSport } from "/static/sets.js";

const $ = (id) => document.getElementById(id);

function showToken() {
  const set = Boolean(token());
  $("token-state").textContent = set ? "A token is set for this tab." : "No token set: paste one to post.";
  $("forget").hidden = !set;
  document.body.dataset.token = set ? "set" : "unset";
}

async function refreshMatches(select) {
  const list = $("match");
  const keep = select ?? Number(list.value);
  // A confirmed or cancelled match is done with (an award can still be posted once it is chosen).
  const matches = (await allMatches()).filter((m) => !(m.confirmed || m.status === "cancelled") || m.id === keep);
  list.replaceChildren(...matches.map((m) => el("option", { value: m.id, text: label(m) })));
  if (matches.some((m) => m.id === keep)) list.value = String(keep);
  await showMatch();
}

function label(m) {
  const sport = m.sport && m.sport !== "football" ? `${m.sport.replace("_", " ")}, ` : "";
  return `#${m.id} ${m.home}–${m.away} (${sport}${m.status})`;
}

async function showMatch() {
  const id = Number($("match").value);
  $("events-form").dataset.match = id || "";
  if (!id) {
    $("current").textContent = "No match selected.";
    showClocked({ sport: "football" });
    showSets({ sport: "football" });
    return;
  }
  const [m, events] = await Promise.all([getJson(`/api/v1/matches/${id}`), matchEvents(id)]);
  const clock = m.minute != null && !m.clock ? `, ${m.minute}'` : m.period && m.clock ? `, ${m.period}` : "";
  const why = m.reason ? ` (${m.reason})` : "";
  const confirmed = m.confirmed ? ", confirmed" : "";
  $("current").textContent = `${m.home} ${m.score.home}–${m.score.away} ${m.away} · ${m.status}${why}${clock}${confirmed}`;
  $("current").dataset.status = m.status;
  $("current").dataset.score = `${m.score.home}-${m.score.away}`;
  const option = $("match").selectedOptions[0];
  if (option) option.textContent = label(m);
  $("watch").href = `/matches/${id}`;
  showClocked(m);
  showSets(m);
  // Filled once per chosen match, so that an event posted meanwhile keeps what is being typed.
  if ($("edit-form").dataset.match !== String(id)) fillEdit(m);
  showCorrections(m, events);
}

/** The fields of `Match details`, for the match `m`, each remembering the value it started with. */
const EDITED = { home: "edit-home", away: "edit-away", competition: "edit-competition", kickoff_at: "edit-kickoff" };

function fillEdit(m) {
  $("edit-form").dataset.match = m.id;
  $("edit-target").textContent = `Match #${m.id}: ${m.home}–${m.away}`;
  for (const [field, input] of Object.entries(EDITED)) {
    const value = field === "kickoff_at" ? localInput(new Date(m.kickoff_at)) : m[field];
    $(input).value = value;
    $(input).dataset.original = value;
  }
}

/** PATCHes the chosen match with the fields that were changed. */
async function saveEdit() {
  const id = Number($("edit-form").dataset.match);
  try {
    if (!id) throw new Error("Create or choose a match first.");
    const changes = {};
    for (const [field, input] of Object.entries(EDITED)) {
      const value = $(input).value.trim();
      if (value === $(input).dataset.original) continue;
      if (field !== "kickoff_at") changes[field] = value;
      else {
        const kickoff = new Date(value);
        if (Number.isNaN(kickoff.getTime())) throw new Error("Please check the form: give a kick-off time.");
        changes.kickoff_at = kickoff.toISOString();
      }
    }
    if (!Object.keys(changes).length) throw new Error("Nothing to save: no field was changed.");
    const m = await send("PATCH", `/api/v1/matches/${id}`, changes);
    fillEdit(m);
    report("edit-feedback", null,
      `Saved match #${m.id}: ${m.home}–${m.away}, ${m.competition}, kick-off ${new Date(m.kickoff_at).toLocaleString()}.`);
    await refreshMatches(id);
  } catch (error) {
    report("edit-feedback", error);
  }
}

/** Kinds of the sports with a countdown clock that take a minute. */
const CLOCKED_MINUTE_KINDS = new Set(["goal", "penalty"]);

function eventBody(kind, extra) {
  const body = { kind, ...extra };
  const minute = $("minute").value.trim();
  const sport = $("events-form").dataset.sport ?? "football";
  if (isSetSport(sport)) return setFields(kind, { kind, ...extra });
  const football = sport === "football";
  const takesMinute = football ? kind !== "added_time" : CLOCKED_MINUTE_KINDS.has(kind);
  if (minute !== "" && takesMinute) body.minute = Number(minute);
  const player = $("player").value.trim();
  const team = $("team").value;
  if (kind === "goal") { if (player) body.player = player; }
  if (kind === "card") Object.assign(body, { team, player });
  if (kind === "kick") { body.team = team; if (player) body.player = player; }
  if (kind === "substitution") {
    Object.assign(body, { team, player_in: $("player-in").value.trim(), player_out: $("player-out").value.trim() });
  }
  return football ? body : clockedFields(kind, body);
}

let posting = Promise.resolve(); // the posts asked for, one after another
let pending = 0; // posts asked for and not yet answered

/**
 * Posts an event of the chosen match, built from the form as it is now. Posts go one after another
 * in the order asked, so that keys pressed fast are stored in the order pressed; the match is
 * read again once none is left to post.
 */
function postKind(kind, extra = {}) {
  const id = Number($("match").value);
  const body = eventBody(kind, extra);
  pending += 1;
  posting = posting.then(async () => {
    const stored = await postEvent(id, body, "events-feedback");
    if (stored) noteStored(stored);
    pending -= 1;
    if (pending === 0) await showMatch().catch(() => {});
  });
  return posting;
}

function wire() {
  $("token-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const value = $("token").value.trim();
    if (value) setToken(value);
    $("token").value = "";
    showToken();
  });
  $("forget").addEventListener("click", () => {
    setToken(null);
    showToken();
  });
  $("create-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const form = new FormData(e.target);
    try {
      const kickoff = new Date(form.get("kickoff_at"));
      if (Number.isNaN(kickoff.getTime())) throw new Error("Please check the form: give a kick-off time.");
      const body = {
        home: form.get("home"), away: form.get("away"), competition: form.get("competition"),
        kickoff_at: kickoff.toISOString(),
      };
      const sport = form.get("sport");
      if (sport === "basketball") Object.assign(body, { sport, format: { quarter_minutes: Number($("quarter-minutes").value) } });
      if (sport === "ice_hockey") Object.assign(body, { sport, format: { overtime: $("overtime").value } });
      if (isSetSport(sport)) Object.assign(body, { sport, format: setFormat(sport) });
      const match = await send("POST", "/api/v1/matches", body);
      report("create-feedback", null, `Created match #${match.id}: ${match.home}–${match.away}.`);
      await refreshMatches(match.id);
    } catch (error) {
      report("create-feedback", error);
    }
  });
  $("match").addEventListener("change", () => showMatch().catch(() => {}));
  $("sport").addEventListener("change", () => {
    for (const node of document.querySelectorAll("[data-create-sport]")) node.hidden = node.dataset.createSport !== $("sport").value;
  });
  $("edit-form").addEventListener("submit", (e) => {
    e.preventDefault();
    saveEdit();
  });
  $("events-form").addEventListener("submit", (e) => e.preventDefault());
  for (const button of document.querySelectorAll("#events-form [data-kind]")) {
    button.addEventListener("click", () => {
      const extra = button.dataset.extra ? JSON.parse(button.dataset.extra) : {};
      if (button.dataset.kind === "card") extra.color = button.dataset.color;
      postKind(button.dataset.kind, extra);
    });
  }
  $("score-form").addEventListener("submit", (e) => {
    e.preventDefault();
    postKind("score", { home: Number($("fix-home").value), away: Number($("fix-away").value) });
  });
  $("added-form").addEventListener("submit", (e) => {
    e.preventDefault();
    postKind("added_time", { minutes: Number($("added-minutes").value) });
  });
  // A match chosen in the Most watched list (admin-watched.js): the Events panel takes it.
  document.addEventListener("scorecast:choose-match", async (e) => {
    await refreshMatches(e.detail).catch(() => {});
    $("match").focus();
  });
  const chosen = () => Number($("match").value);
  const changed = () => showMatch().catch(() => {});
  wireClocked(postKind);
  wireSets(postKind);
  wireStatus(chosen, changed);
  wireCorrections(chosen, changed);
}

function defaultKickoff() {
  const now = new Date();
  now.setSeconds(0, 0);
  $("kickoff").value = localInput(now);
}

wire();
showToken();
defaultKickoff();
refreshMatches().catch(() => report("events-feedback", new Error("Could not load the matches.")));
