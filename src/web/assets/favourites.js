// Favourites: the teams (by sport and name) and competitions (by sport and name) a reader
// follows on the scoreboard, kept in this browser (localStorage) and shared by its tabs.
import { el } from "/static/ui.js";

const KEY = "scorecast.favourites";
/** Most teams, and most competitions, kept: a hand-picked list, and localStorage is small. */
const MAX_KEPT = 200;

/** A team or competition as favourites key it: the same name in two sports is two favourites. */
export const favouriteKey = (sport, name) => `${sport ?? "football"}\u0000${name}`;

function names(value) {
  return Array.isArray(value) ? value.filter((v) => typeof v === "string").slice(0, MAX_KEPT) : [];
}

export class Favourites {
  /** `onChange` runs when this tab or another one changes what is followed. */
  constructor(onChange = () => {}) {
    this.onChange = onChange;
    this._load();
    // Another tab starred something: show it here too.
    window.addEventListener("storage", (event) => {
      if (event.key !== KEY) return;
      this._load();
      this.onChange();
    });
  }

  _load() {
    let stored = null;
    try { stored = JSON.parse(localStorage.getItem(KEY)); } catch { /* none, or unreadable: start empty */ }
    this.teams = new Set(names(stored?.teams));
    this.competitions = new Set(names(stored?.competitions));
  }

  _save() {
    const value = { teams: [...this.teams], competitions: [...this.competitions] };
    try { localStorage.setItem(KEY, JSON.stringify(value)); } catch { /* full or off: kept in this tab */ }
    this.onChange();
  }

  hasTeam(sport, name) { return this.teams.has(favouriteKey(sport, name)); }
  hasCompetition(sport, name) { return this.competitions.has(favouriteKey(sport, name)); }

  /** Follows or stops following; `kind` is "team" or "competition". */
  toggle(kind, sport, name) {
    const set = kind === "team" ? this.teams : this.competitions;
    const key = favouriteKey(sport, name);
    if (set.has(key)) set.delete(key);
    else if (set.size < MAX_KEPT) set.add(key);
    this._save();
  }

  /** Whether a match (its state) is followed: one of its teams, or its competition. */
  follows(state) {
    const sport = state.sp ?? "football";
    return this.hasTeam(sport, state.home) || this.hasTeam(sport, state.away)
      || (state.comp !== undefined && this.hasCompetition(sport, state.comp));
  }

  /** The names of the competitions followed, each once (the server follows competitions by name). */
  competitionNames() {
    return [...new Set([...this.competitions].map((key) => key.split("\u0000")[1]))].filter(Boolean);
  }
}

/** A star button following a team or a competition: a toggle, `aria-pressed` while followed. */
export function starButton(kind, sport, name, pressed) {
  const button = el("button", { type: "button", class: "star", "data-kind": kind, "data-sport": sport });
  button.dataset.name = name;
  setStar(button, pressed);
  return button;
}

/** Shows `button` as following (★) or not (☆), with a label naming what it follows. */
export function setStar(button, pressed) {
  const { kind, name } = button.dataset;
  button.setAttribute("aria-pressed", String(pressed));
  button.setAttribute("aria-label", `Follow ${kind === "team" ? "team" : "competition"} ${name}`);
  button.title = pressed ? `Following ${name}` : `Follow ${name}`;
  button.textContent = pressed ? "★" : "☆";
}
