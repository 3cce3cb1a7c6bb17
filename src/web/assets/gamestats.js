// The match page's game sheet for the sports whose server keeps more than the score: basketball's
// team fouls (with the bonus), timeouts and players in foul trouble, ice hockey's penalties. Drawn
// from the REST snapshot, which holds them with the rules applied (the bonus and fouling out differ
// between NBA and FIBA rules), so the page never decides them itself.
import { el } from "/static/ui.js";
import { periodShort } from "/static/sports.js";

/** Update kinds after which the game sheet is read again: they change what it shows. */
export const SHEET_KINDS = new Set(["foul", "timeout", "penalty", "period", "void", "amend"]);

const side = (body, team) => (team === "home" ? body.home : body.away);

function basketball(body) {
  const { fouls, timeouts } = body;
  const rows = [];
  if (fouls) {
    rows.push(["Team fouls", `${body.home} ${fouls.team.home}, ${body.away} ${fouls.team.away}`, "team-fouls"]);
    const bonus = ["home", "away"].filter((t) => fouls.bonus[t]).map((t) => side(body, t));
    if (bonus.length) rows.push(["In the bonus", bonus.join(", "), "bonus"]);
    const out = fouls.players.filter((p) => p.fouled_out).map((p) => `${p.player} (${side(body, p.team)})`);
    if (out.length) rows.push(["Fouled out", out.join(", "), "fouled-out"]);
  }
  if (timeouts) rows.push(["Timeouts", `${body.home} ${timeouts.home}, ${body.away} ${timeouts.away}`, "timeouts"]);
  return rows;
}

function iceHockey(body) {
  const list = body.penalties ?? [];
  const text = list.map((p) => `${periodShort(p.period, "ice_hockey")} ${side(body, p.team)}${p.player ? ` (${p.player})` : ""} ${p.minutes} min`);
  const minutes = (t) => list.filter((p) => p.team === t).reduce((sum, p) => sum + p.minutes, 0);
  return [
    ["Penalty minutes", `${body.home} ${minutes("home")}, ${body.away} ${minutes("away")}`, "penalty-minutes"],
    ...(text.length ? [["Penalties", text.join("; "), "penalties"]] : []),
  ];
}

/** Draws the game sheet of the REST snapshot `body` into `container`; hidden for other sports or
 * before the start. */
export function drawSheet(container, body) {
  const rows = !body || body.status === "scheduled" ? []
    : body.sport === "basketball" ? basketball(body)
    : body.sport === "ice_hockey" ? iceHockey(body) : [];
  container.hidden = rows.length === 0;
  container.replaceChildren(...rows.map(([term, value, key]) =>
    el("div", { "data-stat": key }, el("dt", { text: term }), el("dd", { text: value }))));
}
