// What the pages say of the sports scored in sets, tennis and volleyball: the line of sets (each
// set's games or points, a tennis tiebreak's points), the game's points, the server, and results
// as the tours write them ("Final", "ret.", "w/o"). Football's words are in ui.js, the countdown
// sports' in sports.js.

/** Sports whose score (`sc`) is the sets won, played point by point. */
const SET_SPORTS = new Set(["tennis", "volleyball"]);
/** How an awarded result is written beside the score, by the award's `method`. */
const AWARD_TEXT = { retired: "ret.", walkover: "w/o", default: "def." };
/** A game at love-all, as the protocol leaves it out. */
const LOVE_ALL = ["0", "0"];

export function isSetSport(sport) {
  return SET_SPORTS.has(sport);
}

/** The set being played, counted from the sets won: updates of points name no period. */
function setNumber(state) {
  return state.sc[0] + state.sc[1] + 1;
}

/** A set's short name, as the line score's heading shows it: `s2` is "2". */
export function setShort(period) {
  return /^s(\d)$/.exec(period ?? "")?.[1] ?? period ?? "";
}

/** "Set 3" while one is played. */
export function setLong(state) {
  return `Set ${setNumber(state)}`;
}

/** A tennis game's points as called, "40–A", or a tiebreak's, "5–4"; love-all is "0–0". */
export function gameText(state) {
  const [home, away] = state.gp ?? LOVE_ALL;
  return `${home}–${away}`;
}

/** Whether the current tennis game is a tiebreak: its points are counted, not called. */
function inTiebreak(gp) {
  return typeof gp?.[0] === "number";
}

/** The side serving, "home" or "away", or `null` once the match is over (or not begun). */
export function serving(state) {
  if (state.st !== "live" || !state.sv) return null;
  return state.sv === "h" ? "home" : "away";
}

/**
 * The status of a match of a set sport as the tours write it: "Final", "ret." and "w/o" for an
 * award with the method `retired` or `walkover` (`award` is REST's, which compact messages do not
 * carry), or `null` for the statuses it shares with football.
 */
export function setStatusText(state, award) {
  if (state.st === "finished") return "Final";
  if (state.st === "awarded" && AWARD_TEXT[award?.method]) return AWARD_TEXT[award.method];
  return null;
}

/** The set's tiebreak as tennis writes it, the loser's points ("7–6⁵"); empty without one. */
export function tiebreakText(set) {
  if (!set.tiebreak) return "";
  return String(Math.min(set.tiebreak.home, set.tiebreak.away));
}

/** `score` with one more for `side` (`h` or `a`), as `[home, away]`. */
function plusOne(score, side) {
  return side === "h" ? [score[0] + 1, score[1]] : [score[0], score[1] + 1];
}

const asScore = ([home, away]) => ({ home, away });

/**
 * The line of sets (REST's `periods`: every set, the current one last) after the update `msg` took
 * the match from `previous` to `state`, or `null` when updates cannot tell it (a correction, a
 * snapshot, a line that does not agree with the sets won): then read REST's `periods` again.
 * A point that wins a set closes it at the games before it plus the game it won (its tiebreak's
 * points likewise) and opens the next at `gs`; any other point moves the current set to `gs`.
 */
export function advanceSets(periods, state, previous, msg) {
  const line = periods.map((p) => ({ ...p }));
  if (msg?.k === "start") return state.gs ? [{ period: "s1", score: asScore(state.gs) }] : line;
  if (msg?.k === "void" || msg?.k === "amend") return null; // a refold may change any set
  if (msg?.k !== "point" || !previous?.sc) {
    if (!agrees(line, state)) return null;
    // A snapshot, a status change: the set in play stands at `gs`.
    if (state.st === "live" && state.gs) line[line.length - 1] = { ...line[line.length - 1], score: asScore(state.gs) };
    return line;
  }
  if (!state.gs || line.length === 0) return null;
  const won = state.sc[0] + state.sc[1] - previous.sc[0] - previous.sc[1];
  if (won === 1 && previous.gs && (msg.t === "h" || msg.t === "a")) {
    const last = line[line.length - 1];
    const closed = { period: last.period, score: asScore(plusOne(previous.gs, msg.t)) };
    if (inTiebreak(previous.gp)) closed.tiebreak = asScore(plusOne(previous.gp, msg.t));
    line[line.length - 1] = closed;
    if (state.st === "live") line.push({ period: `s${line.length + 1}`, score: asScore(state.gs) });
  } else if (won === 0) {
    line[line.length - 1] = { ...line[line.length - 1], score: asScore(state.gs) };
  } else {
    return null;
  }
  return agrees(line, state) ? line : null;
}

/** Whether `line` holds a set for each one won, and the set in play while the match is live. */
function agrees(line, state) {
  if (!state.gs) return line.length === 0 || state.st !== "scheduled"; // not started: no sets
  if (state.st === "awarded") return true; // an award may give a score of its own
  const sets = state.sc[0] + state.sc[1];
  return line.length === (state.st === "finished" ? sets : sets + 1);
}

/**
 * What an update of a set sport says, "Point, Nadal · 3–2, 30–15" (volleyball: "Point, Italy ·
 * 21–19"), "Play begins, Nadal to serve"; `null` for a kind whose words it shares with football.
 * `names` maps `h`/`a` to the sides.
 */
export function describeSetEvent(msg, names, sport) {
  if (msg.k === "start") return `Play begins${msg.sv ? `, ${names[msg.sv]} to serve` : ""}`;
  if (msg.k !== "point") return null;
  const team = names[msg.t] ?? "";
  if (msg.st === "finished") return `Match point won, ${team}`;
  const set = msg.gs ? ` · ${msg.gs[0]}–${msg.gs[1]}` : "";
  const game = sport === "tennis" && msg.gp ? `, ${msg.gp[0]}–${msg.gp[1]}` : "";
  return `Point, ${team}${set}${game}`;
}
