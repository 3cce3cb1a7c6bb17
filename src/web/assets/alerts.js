// Alerts while the page is in the background: for followed matches, a notification through the
// browser's Notification API (no service worker, no push service). Permission is asked on a
// click of "Notify me", never at load. Only live updates alert: never a snapshot, never an update
// a resume sent again after a reconnect. Each event alerts once across the tabs of this browser:
// the tabs claim events in one shared record, changed only under a Web Lock.
import { describeEvent, statusText } from "/static/ui.js";

/** "on" once the reader turned alerts on (with a click); off by default. */
const SWITCH = "scorecast.alerts";
/** Event key ("match:seq") -> {at, shown, title}: which events a tab already claimed. */
const CLAIMS = "scorecast.alerted";
/** The Web Lock under which a tab reads and writes CLAIMS. */
const LOCK = "scorecast-alerts";
/** Claims are kept a day: a void comes long before, and the record stays small. */
const KEEP_MS = 24 * 3600 * 1000;
/** Most claims kept (the oldest go first): bounded whatever the day brings. */
const MAX_CLAIMS = 500;
const GOAL_SPORTS = new Set(["football", "ice_hockey"]);
const SET_SPORTS = new Set(["tennis", "volleyball"]);
/** Results that end a match: each alerts when the match reaches it. */
const RESULTS = new Set(["finished", "awarded", "abandoned"]);

const scoreText = (state) => `${state.home} ${state.sc[0]}–${state.sc[1]} ${state.away}`;
/** The tag of the notification of event `s` of match `m`; its void's replacement reuses it. */
export const alertTag = (m, s) => `scorecast:${m}:${s}`;

/**
 * What a live update of a followed match is worth telling, `{title, body}`, or null: goals in
 * football and ice hockey, red cards, set wins in tennis and volleyball, results (a final result,
 * an award, an abandonment).
 */
export function alertFor(msg, state, previous) {
  const sport = state.sp ?? "football";
  const names = { h: state.home, a: state.away };
  const body = `${scoreText(state)}${state.comp ? ` · ${state.comp}` : ""}`;
  if (RESULTS.has(state.st) && previous?.st !== state.st) {
    if (state.st === "finished" && SET_SPORTS.has(sport)) {
      const winner = state.sc[0] > state.sc[1] ? state.home : state.away;
      return { title: `Match won by ${winner}`, body };
    }
    return { title: `${statusText(state)}: ${scoreText(state)}`, body };
  }
  if (msg.k === "goal" && GOAL_SPORTS.has(sport)) return { title: describeEvent(msg, names, undefined, sport), body };
  if (msg.k === "card" && (msg.c === "r" || msg.c === "yr")) {
    return { title: describeEvent(msg, names, undefined, sport), body };
  }
  const setWon = previous?.sc && (previous.sc[0] !== state.sc[0] || previous.sc[1] !== state.sc[1]);
  if (msg.k === "point" && SET_SPORTS.has(sport) && setWon) {
    return { title: `Set won by ${names[msg.t] ?? "?"}`, body };
  }
  return null;
}

export class Alerts {
  /** `button` is the page's "Notify me" toggle. */
  constructor(button) {
    this.button = button;
    if (!button || !("Notification" in window)) return;
    button.hidden = false;
    button.addEventListener("click", () => this._toggle());
    this._show();
  }

  get on() {
    return localStorage.getItem(SWITCH) === "on" && window.Notification?.permission === "granted";
  }

  async _toggle() {
    if (this.on) {
      localStorage.removeItem(SWITCH);
    } else {
      // Asked here, on the reader's click: browsers refuse (or bury) a request made at load.
      const permission = await window.Notification.requestPermission();
      if (permission === "granted") localStorage.setItem(SWITCH, "on");
    }
    this._show();
  }

  _show() {
    const permission = window.Notification.permission;
    this.button.setAttribute("aria-pressed", String(this.on));
    this.button.disabled = permission === "denied";
    this.button.title = permission === "denied" ? "Notifications are blocked for this site"
      : this.on ? "Alerts on for followed matches while this page is in the background" : "Alert me of followed matches";
  }

  /** Every update of a followed match, as the subscription reports it (with its `info`). */
  consider(msg, state, previous, info) {
    if (info?.replay || msg.s === undefined) return;
    if (msg.k === "void") {
      return this._claim(`${msg.m}:${msg.s}`, (claims) => {
        const target = claims[`${msg.m}:${msg.of}`];
        if (!target?.shown) return null;
        return { title: `Voided: ${target.title}`, body: scoreText(state), tag: alertTag(msg.m, msg.of) };
      });
    }
    const alert = alertFor(msg, state, previous);
    if (alert) this._claim(`${msg.m}:${msg.s}`, () => ({ ...alert, tag: alertTag(msg.m, msg.s), m: msg.m }));
  }

  // Claims event `key` for this tab unless another tab did; `make(claims)` says what to show.
  // The first tab claims it, and shows it only if it is in the background with alerts on.
  _claim(key, make) {
    const run = () => {
      const claims = readClaims();
      if (claims[key]) return;
      const alert = make(claims);
      const shown = Boolean(alert) && this.on && document.visibilityState === "hidden";
      if (shown) notify(alert);
      claims[key] = { at: Date.now(), shown, title: alert?.title ?? "" };
      writeClaims(claims);
    };
    if (navigator.locks) return navigator.locks.request(LOCK, run).catch(() => {});
    return run(); // no Web Locks: tabs could each alert, but this one alerts once
  }
}

function notify({ title, body, tag, m }) {
  try {
    const note = new window.Notification(title, { body, tag, renotify: true });
    note.onclick = () => {
      window.focus();
      if (m) location.href = `/matches/${m}`;
      note.close();
    };
  } catch { /* a browser that only notifies from a service worker: no alert */ }
}

function readClaims() {
  try {
    const claims = JSON.parse(localStorage.getItem(CLAIMS));
    return claims && typeof claims === "object" ? claims : {};
  } catch {
    return {};
  }
}

function writeClaims(claims) {
  const now = Date.now();
  const kept = Object.entries(claims).filter(([, c]) => now - (c?.at ?? 0) < KEEP_MS)
    .sort((a, b) => b[1].at - a[1].at).slice(0, MAX_CLAIMS);
  try { localStorage.setItem(CLAIMS, JSON.stringify(Object.fromEntries(kept))); } catch { /* full: alert anyway */ }
}
