// The scoreboard at `/`: the matches of the day, grouped following / live / upcoming / finished,
// and in each by sport and competition, kept live.
//
// What it subscribes to: the matches it shows, by id, and the competitions followed (their new
// matches come at once); a match created elsewhere joins within LIST_REFRESH. When the day shows
// no match, or more than the server's --ws-max-subscriptions default, it follows "*" instead (an
// empty board must see the day's first match come; a full one cannot name every match).
import { subscribe, fromRest } from "/static/scorecast.js";
import {
  allMatches, announce, clockText, el, everySecond, flash, matchesOfTheDay, pageOptions, pensText,
  sameDay, showConnection, sportText, statusText,
} from "/static/ui.js";
import { isCountdownSport } from "/static/sports.js";
import { Favourites, setStar, starButton } from "/static/favourites.js";
import { Alerts } from "/static/alerts.js";
import { gameText, isSetSport, serving } from "/static/sets.js";
import { drawSets, markServer, SetLines } from "/static/setline.js";

/** The board's section of each status: stopped matches stay with the live ones until decided. */
const GROUP = {
  live: "live", half_time: "live", interrupted: "live", suspended: "live",
  scheduled: "upcoming", delayed: "upcoming", postponed: "upcoming",
  finished: "finished", abandoned: "finished", cancelled: "finished", awarded: "finished",
};
/** Shown whatever their kick-off day: being played, or about to go on. */
const IN_PLAY = new Set(["live", "half_time", "interrupted"]);
/** Never started: the card shows "v" rather than a score. */
const NOT_STARTED = new Set(["scheduled", "delayed", "postponed", "cancelled"]);
/** Statuses whose card shows a clock: the kick-off time before the start, the minute in play
 * (basketball's and ice hockey's period and countdown show while in play, standing when stopped). */
const CLOCKED = new Set(["scheduled", "delayed", "live"]);
/** New scheduled matches appear without a reload: the list is read again this often (ms). */
const LIST_REFRESH = 60000;
/** The server's --ws-max-subscriptions default: a board showing more matches follows "*". */
const MAX_IDS = 200;
/** The server's --ws-max-competitions default: competitions followed beyond it come by id only. */
const MAX_COMPETITIONS = 20;
/** Where a followed match sits in the Following group: in play first, then to come, then over. */
const FOLLOWING_ORDER = { live: 0, upcoming: 1, finished: 2 };

const showAll = new URLSearchParams(location.search).get("date") === "all";
const cards = new Map(); // match id -> <li>
let subscription = null; // the current one: the board may move from ids to "*"
const favourites = new Favourites(() => favouritesChanged());
const alerts = new Alerts(document.getElementById("notify"));
// Tennis's and volleyball's finished sets and awards, which compact messages do not carry.
const sets = new SetLines((m) => {
  const state = subscription?.state.get(m);
  if (state) render(state);
});

/** The matches the board shows, read from the server: the day's (or every match with ?date=all). */
const boardMatches = () => (showAll ? allMatches() : matchesOfTheDay(IN_PLAY));

function ofTheDay(state) {
  if (showAll || IN_PLAY.has(state.st) || !state.ko) return true;
  return sameDay(new Date(state.ko), new Date());
}

function card(state) {
  const li = el("li", { "data-match": state.m },
    el("article", { class: "match", "aria-labelledby": `m${state.m}` },
      el("a", { class: "match-link", href: `/matches/${state.m}`, id: `m${state.m}` },
        el("span", { class: "team home" }),
        el("span", { class: "score" },
          el("span", { class: "goals home" }), el("span", { class: "sep", "aria-hidden": "true", text: "–" }),
          el("span", { class: "goals away" })),
        el("span", { class: "team away" }),
        el("span", { class: "pens" })),
      el("p", { class: "sets", hidden: "" }),
      el("p", { class: "meta" },
        starButton("team", state.sp ?? "football", state.home, false),
        el("span", { class: "when" }, el("span", { class: "status" }), " ", el("span", { class: "clock" })),
        starButton("team", state.sp ?? "football", state.away, false))));
  cards.set(state.m, li);
  return li;
}

/** The list of `state`'s sport and competition in the board's section `group`, made when missing. */
function competitionList(group, state) {
  const sport = state.sp ?? "football";
  const comp = state.comp ?? "";
  const key = `${sport}\u0000${comp}`;
  const blocks = document.querySelector(`[data-group="${group}"] .competitions`);
  const found = [...blocks.children].find((block) => block.dataset.key === key);
  if (found) return found.querySelector("ol");
  const block = el("section", { class: "competition", "data-key": key, "data-sport": sport, "data-competition": comp },
    el("div", { class: "competition-head" }, el("h3", { text: `${sportText(sport)} · ${comp}` }),
      starButton("competition", sport, comp, favourites.hasCompetition(sport, comp))),
    el("ol", { class: "matches" }));
  const after = [...blocks.children].find((other) => other.dataset.key > key);
  blocks.insertBefore(block, after ?? null);
  return block.querySelector("ol");
}

function place(li, state) {
  const group = GROUP[state.st] ?? "upcoming";
  const followed = favourites.follows(state);
  const list = competitionList(followed ? "following" : group, state);
  const order = followed ? `${FOLLOWING_ORDER[group]}#` : "";
  const key = `${order}${state.ko ?? ""}#${String(state.m).padStart(12, "0")}`;
  li.dataset.key = key;
  const after = [...list.children].find((other) => other !== li && other.dataset.key > key);
  if (li.parentElement !== list || li.nextElementSibling !== (after ?? null)) list.insertBefore(li, after ?? null);
  // A card that moved away leaves its competition's block empty: drop it.
  for (const block of document.querySelectorAll(".competition")) {
    if (block.querySelector("ol").children.length === 0) block.remove();
  }
}

function render(state, previous, msg) {
  // A card already shown stays (a postponement may move the kick-off to another day).
  if (!state.home || (!cards.has(state.m) && !ofTheDay(state))) return;
  const li = cards.get(state.m) ?? card(state);
  li.dataset.status = state.st;
  li.querySelector(".team.home").textContent = state.home;
  li.querySelector(".team.away").textContent = state.away;
  const [homeStar, awayStar] = li.querySelectorAll(".star");
  for (const [star, name] of [[homeStar, state.home], [awayStar, state.away]]) {
    star.dataset.sport = state.sp ?? "football";
    star.dataset.name = name;
    setStar(star, favourites.hasTeam(star.dataset.sport, name));
  }
  const score = li.querySelector(".score");
  const unplayed = NOT_STARTED.has(state.st);
  score.querySelector(".goals.home").textContent = unplayed ? "" : state.sc[0];
  score.querySelector(".goals.away").textContent = unplayed ? "" : state.sc[1];
  score.querySelector(".sep").textContent = unplayed ? "v" : "–";
  score.setAttribute("aria-label", unplayed ? "versus" : `${state.sc[0]} to ${state.sc[1]}`);
  li.querySelector(".pens").textContent = pensText(state);
  const award = sets.award(state.m);
  li.querySelector(".status").textContent = state.st === "scheduled" ? "Kick-off" : statusText(state, award);
  const clocked = CLOCKED.has(state.st) || isCountdownSport(state.sp);
  li.querySelector(".clock").textContent = clocked ? clockText(state) : "";
  drawSets(li.querySelector(".sets"), sets.line(state.m), state);
  markServer(li, state);
  li.querySelector(".match-link").setAttribute("aria-label",
    `${state.home} ${state.sc[0]}, ${state.away} ${state.sc[1]} ${pensText(state)}, ${statusText(state, award)} ${clockText(state)}${setsLabel(state)}`);
  place(li, state);
  const rescored = previous?.sc && (previous.sc[0] !== state.sc[0] || previous.sc[1] !== state.sc[1]);
  if (rescored) flash(score);
  if (msg?.k === "kick" || msg?.k === "shot") {
    const who = msg.t === "h" ? state.home : state.away;
    const what = msg.k === "kick" ? "Penalty" : "Shoot-out attempt";
    announce(`${what} ${msg.ok ? "scored" : "missed"} by ${who}: ${pensText(state)}`);
  } else if (previous?.st && previous.st !== state.st && !IN_PLAY.has(state.st)) {
    // Full time, a postponement, an award (with its score): the status says what the score means.
    announce(`${statusText(state)}: ${state.home} ${state.sc[0]}, ${state.away} ${state.sc[1]}`);
  } else if (rescored) {
    const who = msg?.t === "h" ? state.home : state.away;
    const what = msg?.k === "goal" ? `Goal for ${who}! ` : msg?.k === "points" ? `${msg.v} for ${who}: ` : "Score change: ";
    announce(`${what}${state.home} ${state.sc[0]}, ${state.away} ${state.sc[1]}`);
  }
  showEmptyGroups();
}

function showEmptyGroups() {
  for (const section of document.querySelectorAll("[data-group]")) {
    section.classList.toggle("is-empty", !section.querySelector(".competition"));
  }
}

// A star was pressed here or in another tab: cards move to or from Following, stars follow, and
// the subscription follows the competitions now followed.
function favouritesChanged() {
  for (const star of document.querySelectorAll(".competition-head .star")) {
    setStar(star, favourites.hasCompetition(star.dataset.sport, star.dataset.name));
  }
  if (!subscription) return;
  for (const [m] of cards) {
    const state = subscription.state.get(m);
    if (state) render(state);
  }
  if (subscription.all) return;
  const wanted = favourites.competitionNames().slice(0, MAX_COMPETITIONS);
  // Matches a competition brought stay shown: follow them by id before letting the competition go.
  subscription.add([...cards.keys()].slice(0, MAX_IDS));
  subscription.removeCompetitions(subscription.competitions.filter((c) => !wanted.includes(c)));
  subscription.addCompetitions(wanted);
}

document.getElementById("board").addEventListener("click", (event) => {
  const star = event.target.closest(".star");
  if (!star) return;
  favourites.toggle(star.dataset.kind, star.dataset.sport, star.dataset.name);
});

/** Subscribes to what the board shows (see the top of this file), from `snapshots` (REST bodies). */
function follow(ids, snapshots = []) {
  const options = { ...pageOptions(), snapshots };
  const all = ids === "*" || ids.length === 0 || ids.length > MAX_IDS;
  const next = all ? subscribe("*", options)
    : subscribe(ids, { ...options, competitions: favourites.competitionNames().slice(0, MAX_COMPETITIONS) });
  showConnection(next);
  next.onSnapshot((state, msg, previous) => {
    sets.follow(state, previous);
    render(state, previous, msg);
  });
  next.onUpdate((msg, state, previous, info) => {
    sets.follow(state, previous, msg);
    render(state, previous, msg);
    if (favourites.follows(state)) alerts.consider(msg, state, previous, info);
  });
  subscription = next;
  window.scorecast = next; // for the console and the browser tests
  return next;
}

/** The day's list read again: new matches are shown and followed (by "*" past MAX_IDS). */
function refreshed(list) {
  const fresh = list.filter((body) => !cards.has(body.id));
  for (const body of fresh) {
    sets.take(body);
    render(fromRest(body));
  }
  if (subscription.all || !fresh.length) return;
  const ids = new Set([...subscription.matches, ...fresh.map((body) => body.id)]);
  if (ids.size <= MAX_IDS) return subscription.add(fresh.map((body) => body.id));
  // Afresh: "*" sends a snapshot of each match, which never alerts.
  subscription.close();
  follow("*");
}

/** What a set sport's card adds for a screen reader: the game and the server. */
function setsLabel(state) {
  if (!isSetSport(state.sp) || state.st !== "live") return "";
  const side = serving(state);
  const game = state.sp === "tennis" ? `, game ${gameText(state)}` : "";
  return `${game}${side ? `, ${side === "home" ? state.home : state.away} serving` : ""}`;
}

async function start() {
  let list;
  try {
    list = await boardMatches();
  } catch {
    document.getElementById("board-error").hidden = false;
    setTimeout(start, 3000);
    return;
  }
  document.getElementById("board-error").hidden = true;
  for (const body of list) sets.take(body);
  follow(list.map((body) => body.id), list);
  for (const state of subscription.state.values()) render(state);
  // Live clocks run between events: only the clock text changes, so nothing is announced.
  everySecond(() => {
    for (const [m, li] of cards) {
      const state = subscription.state.get(m);
      if (state?.st === "live") li.querySelector(".clock").textContent = clockText(state);
    }
  });
  document.getElementById("board").setAttribute("aria-busy", "false");
  setInterval(async () => {
    try {
      refreshed(await boardMatches());
    } catch { /* the next refresh will tell */ }
  }, LIST_REFRESH);
}

start();
