// What the pages say of the sports played against a countdown clock, basketball and ice hockey:
// their periods' names, their events, their result and their clock. Football's words are in ui.js.
import { countdown } from "/static/scorecast.js";

/** Sports played against a countdown clock that the operator starts and stops. */
const COUNTDOWN_SPORTS = new Set(["basketball", "ice_hockey"]);
/** Statuses in which a countdown game's clock is shown: running while live, standing otherwise. */
const CLOCK_SHOWN = new Set(["live", "interrupted", "suspended"]);
const OVERTIME = /^ot(\d+)$/;
const WORDS = { basketball: "quarter", ice_hockey: "period" };

export function isCountdownSport(sport) {
  return COUNTDOWN_SPORTS.has(sport);
}

function ordinal(n) {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${{ 1: "st", 2: "nd", 3: "rd" }[n % 10] ?? "th"}`;
}

/** The overtime's number in `pd` (`ot2` is 2), or 0 for another period. */
function overtime(pd) {
  return Number(OVERTIME.exec(pd ?? "")?.[1] ?? 0);
}

/**
 * A period's short name, as a card and the line score's heading show it: Q1...Q4, OT1, OT2
 * (basketball); P1...P3, OT, 2OT (ice hockey, as the NHL writes them), SO (the shoot-out).
 */
export function periodShort(pd, sport) {
  if (pd === "shootout") return "SO";
  const ot = overtime(pd);
  if (ot && sport === "ice_hockey") return ot === 1 ? "OT" : `${ot}OT`;
  return (pd ?? "").toUpperCase();
}

/** A period in words: "2nd quarter", "3rd period", "Overtime", "2nd overtime", "Shoot-out". */
export function periodLong(pd, sport) {
  if (pd === "shootout") return "Shoot-out";
  const ot = overtime(pd);
  if (ot) return ot === 1 && sport === "ice_hockey" ? "Overtime" : `${ordinal(ot)} overtime`;
  const number = Number(/^[qp](\d)$/.exec(pd ?? "")?.[1]);
  return number ? `${ordinal(number)} ${WORDS[sport] ?? "period"}` : pd ?? "";
}

/** A finished game as the leagues write it: "Final", "Final/OT", "Final/2OT", "Final/SO". */
export function finalText(state) {
  const ot = overtime(state.pd);
  if (state.pd === "shootout") return "Final/SO";
  return ot ? `Final/${ot === 1 ? "" : ot}OT` : "Final";
}

/** The period and the countdown as a card shows them, "Q2 7:32"; the period alone without a
 * clock ("SO"); empty when the game is not in play. */
export function countdownText(state, now = Date.now()) {
  if (!CLOCK_SHOWN.has(state.st) || !state.pd) return "";
  const clock = countdown(state, now);
  const period = periodShort(state.pd, state.sp);
  return clock ? `${period} ${clock.text}` : period;
}

/** The shoot-out's tally beside an ice hockey score: "(2–1 SO)". */
export function shootoutText(pn) {
  return `(${pn[0]}–${pn[1]} SO)`;
}

/** The clock a `clock` update left, "7:32". */
function clockAt(ck) {
  return countdown({ st: "live", ck: [0, ck[1]] }).text;
}

/**
 * What an update of a countdown sport says, as fans read it ("3 pts, Rockets (Green)", "Penalty,
 * 2 min, Canadiens (Weber)"), or `null` for a kind whose words it shares with football. `team` is
 * the side's name.
 */
export function describeCountdownEvent(msg, team, sport) {
  const who = `${team}${msg.p ? ` (${msg.p})` : ""}`;
  switch (msg.k) {
    case "start": return sport === "basketball" ? "Tip-off" : "Face-off";
    case "points": return `${msg.v} pt${msg.v === 1 ? "" : "s"}, ${who}`;
    case "foul": return `Foul, ${who}`;
    case "timeout": return `Timeout, ${team}`;
    case "clock": {
      if (!Array.isArray(msg.ck)) return "Clock";
      return `Clock ${msg.ck[0] === 1 ? "started" : "stopped"} at ${clockAt(msg.ck)}`;
    }
    case "penalty": return `Penalty, ${msg.pm} min, ${who}`;
    case "shot": return `Shoot-out: ${msg.ok ? "scored" : "missed"}, ${who}`;
    case "period": return periodLong(msg.pd, sport);
    case "end": return "Final";
    default: return null;
  }
}
