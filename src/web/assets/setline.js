// The line of sets a scoreboard card shows for tennis and volleyball, and what it holds of each
// match beyond the compact state: the finished sets' games and an award's method, which the
// compact messages do not carry. It keeps them from REST and follows updates, reading a match's
// snapshot again only where updates cannot tell (a correction, an award, a line that disagrees).
import { el, getJson } from "/static/ui.js";
import { advanceSets, gameText, isSetSport, serving, tiebreakText } from "/static/sets.js";

export class SetLines {
  /** `onRead(m)` is called once a match's snapshot was read again, to draw it. */
  constructor(onRead) {
    this.lines = new Map(); // match id -> REST `periods` as followed
    this.awards = new Map(); // match id -> REST `award`, or null
    this.reading = new Set(); // ids being read
    this.onRead = onRead;
  }

  /** Takes what a REST snapshot (or a list's entry) says of a set sport's match. */
  take(body) {
    if (!isSetSport(body.sport)) return;
    this.lines.set(body.id, body.periods ?? []);
    this.awards.set(body.id, body.award ?? null);
  }

  line(m) {
    return this.lines.get(m) ?? [];
  }

  award(m) {
    return this.awards.get(m) ?? null;
  }

  /** Follows the update `msg` (or a snapshot, without one) that took the match to `state`. */
  follow(state, previous, msg) {
    if (!isSetSport(state.sp)) return;
    const held = this.lines.get(state.m);
    const next = held && advanceSets(held, state, previous, msg);
    if (next) this.lines.set(state.m, next);
    const award = state.st === "awarded" && (msg?.k === "status" || !this.awards.get(state.m));
    if (!next || award) this.read(state.m);
  }

  async read(m) {
    if (this.reading.has(m)) return;
    this.reading.add(m);
    try {
      this.take(await getJson(`/api/v1/matches/${m}`));
      this.onRead(m);
    } catch { /* the next update that needs it reads it again */ }
    this.reading.delete(m);
  }
}

/** A set as a card or the line score shows it: "7–6" with the tiebreak's loser's points, ⁵. */
export function setCell(tag, set, attrs = {}) {
  const tiebreak = tiebreakText(set);
  return el(tag, { "data-period": set.period, ...attrs }, `${set.score.home}–${set.score.away}`,
    tiebreak && el("sup", { class: "tiebreak", text: tiebreak,
      title: `tiebreak ${set.tiebreak.home}–${set.tiebreak.away}` }));
}

/** Draws a card's line of sets into `node`: each set, the one in play marked, then (tennis) the
 * game's points while it is played. */
export function drawSets(node, line, state) {
  node.hidden = !isSetSport(state.sp) || line.length === 0;
  if (node.hidden) return node.replaceChildren();
  const live = state.st === "live";
  const cells = line.map((set, i) => setCell("span", set,
    { class: live && i === line.length - 1 ? "set current" : "set" }));
  const game = live && state.sp === "tennis"
    ? el("span", { class: "game", "aria-label": `game ${gameText(state)}`, text: gameText(state) }) : null;
  node.replaceChildren(...cells.flatMap((c) => [c, " "]), game);
}

/** Marks the serving side's name in `container` (its `.team.home` and `.team.away`). */
export function markServer(container, state) {
  const side = serving(state);
  for (const which of ["home", "away"]) {
    container.querySelector(`.team.${which}`)?.classList.toggle("serving", side === which);
  }
}
