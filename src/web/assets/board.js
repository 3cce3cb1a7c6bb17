// The scoreboard at `/`: the matches of the day, grouped live / upcoming / finished, kept live.
import { subscribe, fromRest } from "/static/scorecast.js";
import {
  allMatches, announce, clockText, el, everySecond, flash, pageOptions, pensText, sameDay,
  showConnection, statusText,
} from "/static/ui.js";

const GROUP = { live: "live", half_time: "live", scheduled: "upcoming", finished: "finished" };
/** New scheduled matches appear without a reload: the list is read again this often (ms). */
const LIST_REFRESH = 60000;

const showAll = new URLSearchParams(location.search).get("date") === "all";
const cards = new Map(); // match id -> <li>

function ofTheDay(state) {
  if (showAll || GROUP[state.st] === "live" || !state.ko) return true;
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
      el("p", { class: "meta" },
        el("span", { class: "status" }), " ", el("span", { class: "clock" }), " ",
        el("span", { class: "comp" }))));
  cards.set(state.m, li);
  return li;
}

function place(li, state) {
  const group = GROUP[state.st] ?? "upcoming";
  const list = document.querySelector(`[data-group="${group}"] ol`);
  const key = `${state.ko ?? ""}#${String(state.m).padStart(12, "0")}`;
  li.dataset.key = key;
  const after = [...list.children].find((other) => other !== li && other.dataset.key > key);
  if (li.parentElement !== list || li.nextElementSibling !== (after ?? null)) list.insertBefore(li, after ?? null);
}

function render(state, previous, msg) {
  if (!state.home || !ofTheDay(state)) return;
  const li = cards.get(state.m) ?? card(state);
  li.dataset.status = state.st;
  li.querySelector(".team.home").textContent = state.home;
  li.querySelector(".team.away").textContent = state.away;
  const score = li.querySelector(".score");
  const scheduled = state.st === "scheduled";
  score.querySelector(".goals.home").textContent = scheduled ? "" : state.sc[0];
  score.querySelector(".goals.away").textContent = scheduled ? "" : state.sc[1];
  score.querySelector(".sep").textContent = scheduled ? "v" : "–";
  score.setAttribute("aria-label", scheduled ? "versus" : `${state.sc[0]} to ${state.sc[1]}`);
  li.querySelector(".pens").textContent = pensText(state);
  li.querySelector(".status").textContent = scheduled ? "Kick-off" : statusText(state);
  li.querySelector(".clock").textContent = scheduled || state.st === "live" ? clockText(state) : "";
  li.querySelector(".comp").textContent = state.comp ?? "";
  li.querySelector(".match-link").setAttribute("aria-label",
    `${state.home} ${state.sc[0]}, ${state.away} ${state.sc[1]} ${pensText(state)}, ${statusText(state)} ${clockText(state)}`);
  place(li, state);
  if (msg?.k === "kick") {
    const who = msg.t === "h" ? state.home : state.away;
    announce(`Penalty ${msg.ok ? "scored" : "missed"} by ${who}: ${pensText(state)}`);
  } else if (previous?.sc && (previous.sc[0] !== state.sc[0] || previous.sc[1] !== state.sc[1])) {
    flash(score);
    const what = msg?.k === "goal" ? `Goal for ${msg.t === "h" ? state.home : state.away}! ` : "Score change: ";
    announce(`${what}${state.home} ${state.sc[0]}, ${state.away} ${state.sc[1]}`);
  } else if (previous && previous.st !== state.st && state.st === "finished") {
    announce(`Full time: ${state.home} ${state.sc[0]}, ${state.away} ${state.sc[1]}`);
  }
  for (const section of document.querySelectorAll("[data-group]")) {
    section.classList.toggle("is-empty", section.querySelector("ol").children.length === 0);
  }
}

async function start() {
  let list;
  try {
    list = await allMatches();
  } catch {
    document.getElementById("board-error").hidden = false;
    setTimeout(start, 3000);
    return;
  }
  document.getElementById("board-error").hidden = true;
  const subscription = subscribe("*", { ...pageOptions(), snapshots: list });
  showConnection(subscription);
  for (const state of subscription.state.values()) render(state);
  subscription.onSnapshot((state, msg, previous) => render(state, previous, msg));
  subscription.onUpdate((msg, state, previous) => render(state, previous, msg));
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
      for (const body of await allMatches()) if (!cards.has(body.id)) render(fromRest(body));
    } catch { /* the next refresh will tell */ }
  }, LIST_REFRESH);
  window.scorecast = subscription; // for the console and the browser tests
}

start();
