// The admin console at `/admin`: create a match, edit it, start it, post its events. Only the
// public admin API; the token stays in this tab's sessionStorage.
import { allMatches, el, getJson } from "/static/ui.js";

const TOKEN_KEY = "scorecast.adminToken";
const $ = (id) => document.getElementById(id);

const PLAIN = {
  400: "The server could not read the request",
  401: "The admin token was refused",
  404: "Not found",
  409: "Not allowed right now",
  413: "Too large",
  415: "Wrong format",
  422: "Please check the form",
  503: "The server is busy; try again in a moment",
};

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

function showToken() {
  const set = Boolean(token());
  $("token-state").textContent = set ? "A token is set for this tab." : "No token set: paste one to post.";
  $("forget").hidden = !set;
  document.body.dataset.token = set ? "set" : "unset";
}

function key() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** POSTs (or PATCHes) JSON with the token; returns the body, or throws an Error with plain words. */
async function send(method, path, body, idempotencyKey) {
  if (!token()) throw new Error("Paste the admin token first.");
  const headers = { "Content-Type": "application/json", Authorization: `Bearer ${token()}` };
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  let response;
  for (let attempt = 0; ; attempt += 1) {
    try {
      response = await fetch(path, { method, headers, body: JSON.stringify(body) });
    } catch {
      response = null;
    }
    // With its Idempotency-Key, a retry after a lost answer or a 503 stores the event at most once.
    const retry = idempotencyKey && attempt === 0 && (!response || response.status === 503);
    if (!retry) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  if (!response) throw new Error("Could not reach the server. Check the connection and try again.");
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    const lead = PLAIN[response.status] ?? `Error ${response.status}`;
    const field = answer.field ? ` (field: ${answer.field})` : "";
    throw new Error(`${lead}: ${answer.detail ?? response.statusText}${field}`);
  }
  return answer;
}

function report(target, error, ok) {
  const node = $(target);
  node.textContent = error ? error.message : ok;
  node.className = error ? "feedback error" : "feedback ok";
}

async function refreshMatches(select) {
  const list = $("match");
  const keep = select ?? Number(list.value);
  const matches = (await allMatches()).filter((m) => m.status !== "finished" || m.id === keep);
  list.replaceChildren(...matches.map((m) => el("option", { value: m.id, text: label(m) })));
  if (matches.some((m) => m.id === keep)) list.value = String(keep);
  await showMatch();
}

function label(m) {
  return `#${m.id} ${m.home}–${m.away} (${m.status})`;
}

async function showMatch() {
  const id = Number($("match").value);
  $("events-form").dataset.match = id || "";
  if (!id) {
    $("current").textContent = "No match selected.";
    return;
  }
  const m = await getJson(`/api/v1/matches/${id}`);
  const clock = m.minute != null ? `, ${m.minute}'` : "";
  $("current").textContent = `${m.home} ${m.score.home}–${m.score.away} ${m.away} · ${m.status}${clock}`;
  $("current").dataset.score = `${m.score.home}-${m.score.away}`;
  const option = $("match").selectedOptions[0];
  if (option) option.textContent = label(m);
  $("watch").href = `/matches/${id}`;
  // Filled once per chosen match, so that an event posted meanwhile keeps what is being typed.
  if ($("edit-form").dataset.match !== String(id)) fillEdit(m);
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

function eventBody(kind, extra) {
  const body = { kind, ...extra };
  const minute = $("minute").value.trim();
  if (minute !== "") body.minute = Number(minute);
  const player = $("player").value.trim();
  const team = $("team").value;
  if (kind === "goal") { if (player) body.player = player; }
  if (kind === "card") Object.assign(body, { team, player });
  if (kind === "kick") { body.team = team; if (player) body.player = player; }
  if (kind === "substitution") {
    Object.assign(body, { team, player_in: $("player-in").value.trim(), player_out: $("player-out").value.trim() });
  }
  return body;
}

async function postEvent(kind, extra = {}) {
  const id = Number($("match").value);
  try {
    if (!id) throw new Error("Create or choose a match first.");
    const stored = await send("POST", `/api/v1/matches/${id}/events`, eventBody(kind, extra), key());
    report("events-feedback", null,
      `Stored ${kind} as event #${stored.seq}; score ${stored.score.home}–${stored.score.away}` +
      (stored.shootout ? ` (${stored.shootout.home}–${stored.shootout.away} pens).` : "."));
  } catch (error) {
    report("events-feedback", error);
  }
  await showMatch().catch(() => {});
}

function wire() {
  $("token-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const value = $("token").value.trim();
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    $("token").value = "";
    showToken();
  });
  $("forget").addEventListener("click", () => {
    sessionStorage.removeItem(TOKEN_KEY);
    showToken();
  });
  $("create-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const form = new FormData(e.target);
    try {
      const kickoff = new Date(form.get("kickoff_at"));
      if (Number.isNaN(kickoff.getTime())) throw new Error("Please check the form: give a kick-off time.");
      const match = await send("POST", "/api/v1/matches", {
        home: form.get("home"), away: form.get("away"), competition: form.get("competition"),
        kickoff_at: kickoff.toISOString(),
      });
      report("create-feedback", null, `Created match #${match.id}: ${match.home}–${match.away}.`);
      await refreshMatches(match.id);
    } catch (error) {
      report("create-feedback", error);
    }
  });
  $("match").addEventListener("change", () => showMatch().catch(() => {}));
  $("edit-form").addEventListener("submit", (e) => {
    e.preventDefault();
    saveEdit();
  });
  $("events-form").addEventListener("submit", (e) => e.preventDefault());
  for (const button of document.querySelectorAll("[data-kind]")) {
    button.addEventListener("click", () => {
      const extra = button.dataset.extra ? JSON.parse(button.dataset.extra) : {};
      if (button.dataset.kind === "card") extra.color = button.dataset.color;
      postEvent(button.dataset.kind, extra);
    });
  }
  $("score-form").addEventListener("submit", (e) => {
    e.preventDefault();
    postEvent("score", { home: Number($("fix-home").value), away: Number($("fix-away").value) });
  });
}

/** `date` as a datetime-local input shows it: local time, to the minute. */
function localInput(date) {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return local.toISOString().slice(0, 16);
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
