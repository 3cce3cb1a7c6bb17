// Alerts while the page is in the background: for followed matches, a notification through the
// browser's Notification API (no service worker, no push service). Permission is asked on a
// click of "Notify me", never at load. Only live updates alert: never a snapshot, never an update
// a resume sent again after a reconnect. Each event alerts once across the tabs of this browser:
// one tab alerts, the one holding a Web Lock (the first opened; when it closes, the next).
import { describeEvent, statusText } from "/static/ui.js";

/** "on" once the reader turned alerts on (with a click); off by default. */
const SWITCH = "scorecast.alerts";
/** Event key ("match:seq") -> {at, title}: the alerts shown, for their voids (a new alerting tab
 * replaces the alerts of the one before). */
const SHOWN = "scorecast.alerted";
/** The Web Lock held by the one tab that alerts, for as long as it is open. */
const LOCK = "scorecast-alerts";
/** Shown alerts are remembered a day: a void comes long before, and the record stays small. */
const KEEP_MS = 24 * 3600 * 1000;
/** Most shown alerts remembered (the oldest go first): bounded whatever the day brings. */
const MAX_SHOWN = 500;
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
    // Without Web Locks every tab alerts; with them, only the tab holding the lock, which it
    // keeps until it closes (the browser then hands it to the next tab waiting).
    this.alerting = !navigator.locks;
    navigator.locks?.request(LOCK, () => {
      this.alerting = true;
      return new Promise(() => {});
    }).catch(() => {});
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
    if (!this.alerting || !this.on || document.visibilityState !== "hidden") return;
    const shown = readShown();
    if (msg.k === "void") {
      const target = shown[`${msg.m}:${msg.of}`];
      if (target) notify({ title: `Voided: ${target.title}`, body: scoreText(state), tag: alertTag(msg.m, msg.of), m: msg.m });
      return;
    }
    const alert = alertFor(msg, state, previous);
    if (!alert) return;
    notify({ ...alert, tag: alertTag(msg.m, msg.s), m: msg.m });
    shown[`${msg.m}:${msg.s}`] = { at: Date.now(), title: alert.title };
    writeShown(shown);
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

function readShown() {
  try {
    const shown = JSON.parse(localStorage.getItem(SHOWN));
    return shown && typeof shown === "object" ? shown : {};
  } catch {
    return {};
  }
}

function writeShown(shown) {
  const now = Date.now();
  const kept = Object.entries(shown).filter(([, a]) => now - (a?.at ?? 0) < KEEP_MS)
    .sort((a, b) => b[1].at - a[1].at).slice(0, MAX_SHOWN);
  try { localStorage.setItem(SHOWN, JSON.stringify(Object.fromEntries(kept))); } catch { /* full: no replacement */ }
}
