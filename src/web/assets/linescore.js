// The line score: each period's score in match order, as the REST snapshot's `periods` gives it,
// kept live from updates for the sports whose score adds up over their periods.
import { el } from "/static/ui.js";
import { isCountdownSport, periodShort } from "/static/sports.js";
import { isSetSport, setShort, tiebreakText } from "/static/sets.js";

/** Sports whose headline score is the sum of their periods' (`sp` is absent for football). */
const ADDING = new Set([undefined, "football", "basketball", "ice_hockey"]);

/** Football's column headings; basketball's and ice hockey's are their periods' short names (`Q1`,
 * `OT1`; `P2`, `OT`, `SO`). */
const HEADINGS = {
  first_half: "1st",
  second_half: "2nd",
  extra_time: "ET1",
  extra_time_second_half: "ET2",
  penalties: "Pens",
};

/** Football's shoot-out column, which its tally (`pn`) keeps rather than the score. Ice hockey's
 * shoot-out (`shootout`) is a period of the line like the others, holding the winner's one goal
 * as the score does; its tally is shown apart, beside the score. */
const SHOOTOUT = "penalties";

/**
 * The line after the update that took the match from `previous` to `state`: a new playing period
 * opens its column, and a change of score goes to the period being played. A sport whose score
 * does not add up over its periods (sets won) keeps its line by a rule of its own, here.
 */
export function advanceLine(periods, state, previous) {
  if (!ADDING.has(state.sp)) return periods;
  const line = periods.map((p) => ({ period: p.period, score: { ...p.score } }));
  const playing = state.pd && state.st !== "half_time" && state.pd !== SHOOTOUT;
  if (playing && !line.some((p) => p.period === state.pd)) {
    line.push({ period: state.pd, score: { home: 0, away: 0 } });
  }
  const current = line.find((p) => p.period === state.pd);
  if (previous?.sc && current && state.pd !== SHOOTOUT) {
    current.score.home = Math.max(0, current.score.home + state.sc[0] - previous.sc[0]);
    current.score.away = Math.max(0, current.score.away + state.sc[1] - previous.sc[1]);
  }
  if (state.pn && !isCountdownSport(state.sp)) {
    const shootout = line.find((p) => p.period === SHOOTOUT);
    const tally = { home: state.pn[0], away: state.pn[1] };
    if (shootout) shootout.score = tally;
    else line.push({ period: SHOOTOUT, score: tally });
  }
  return line;
}

/** Draws `periods` as a table into `container`, with the teams of `state` and their totals. */
export function drawLine(container, periods, state) {
  container.hidden = periods.length === 0;
  if (container.hidden) return container.replaceChildren();
  const sets = isSetSport(state.sp);
  const heading = (p) => (isCountdownSport(state.sp) ? periodShort(p.period, state.sp)
    : sets ? setShort(p.period) : HEADINGS[p.period] ?? p.period.toUpperCase());
  const row = (team, side) => el("tr", {},
    el("th", { scope: "row", text: team ?? "" }),
    ...periods.map((p) => el("td", { "data-period": p.period }, String(p.score[side]),
      // A tennis set's tiebreak: the loser's points, as the tours write 7–6(5).
      p.tiebreak && p.tiebreak[side] < p.tiebreak[side === "home" ? "away" : "home"]
        && el("sup", { class: "tiebreak", text: tiebreakText(p), title: `tiebreak ${p.tiebreak.home}–${p.tiebreak.away}` }))),
    el("td", { class: "total", text: String(state.sc[side === "home" ? 0 : 1]) }));
  container.replaceChildren(el("table", { class: "line-score" },
    el("caption", { class: "sr-only", text: sets ? "Score by set" : "Score by period" }),
    el("thead", {}, el("tr", {}, el("td"), ...periods.map((p) => el("th", { scope: "col", text: heading(p) })),
      el("th", { scope: "col", class: "total", text: sets ? "Sets" : "T" }))),
    el("tbody", {}, row(state.home, "home"), row(state.away, "away"))));
}
