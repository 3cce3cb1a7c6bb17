// The admin console for tennis and volleyball: the start with the side serving first, and one
// click or key per point (1 for home, 2 for away), posted through the console's one queue so
// that points are stored in the order pressed.
import { typing } from "/static/admin-clocked.js";
import { isSetSport } from "/static/sets.js";

const $ = (id) => document.getElementById(id);

/** Keys that post a point, by `KeyboardEvent.code`. */
const POINT_KEYS = { Digit1: "home", Digit2: "away", Numpad1: "home", Numpad2: "away" };

/** The format of a new match of `sport` from the create form, or `null` for another sport. */
export function setFormat(sport) {
  if (sport === "tennis") {
    return { best_of: Number($("tennis-best-of").value), final_set: $("final-set").value, no_ad: $("no-ad").checked };
  }
  if (sport === "volleyball") return { best_of: Number($("volleyball-best-of").value) };
  return null;
}

/** The fields a set sport's event takes from the form besides its button's: the start's server. */
export function setFields(kind, body) {
  if (kind === "start") body.server = $("server").value;
  return body;
}

/** "Set 2: 3–2, 30–15, home serving" for the chosen match `m` (REST), in play. */
function setState(m) {
  const current = m.periods?.[m.periods.length - 1];
  if (!current || m.status === "scheduled") return "";
  const set = `Set ${m.periods.length}: ${current.score.home}–${current.score.away}`;
  const game = m.game ? `, ${m.game[0]}–${m.game[1]}` : m.sport === "tennis" && m.server ? ", 0–0" : "";
  return `${set}${game}${m.server ? `, ${m.server} serving` : ""}`;
}

/** Shows the chosen match `m`: the start while it has not begun, the set and game once it has. */
export function showSets(m) {
  const sets = isSetSport(m.sport);
  $("score-form").hidden = sets; // the sets won follow from points: no whole-score correction
  if (!sets) return;
  $("start-sets").hidden = m.status !== "scheduled" && m.status !== "delayed";
  $("server").closest("label").hidden = $("start-sets").hidden;
  $("set-state").textContent = setState(m);
}

/** Wires the keys; `post(kind, extra)` posts an event of the chosen match in order. */
export function wireSets(post) {
  document.addEventListener("keydown", (e) => {
    if (typing(e) || !isSetSport($("events-form").dataset.sport)) return;
    const team = POINT_KEYS[e.code];
    if (!team) return;
    e.preventDefault();
    post("point", { team });
  });
}
