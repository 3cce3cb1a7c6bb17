// What a client holds of one match, and how each message changes it: a snapshot replaces it, an
// update evolves it. The same for every transport.

/** Statuses after which a match has nothing left to resume. */
export const OVER = new Set(["finished", "abandoned", "cancelled", "awarded"]);

/** Update kinds that carry the whole state the event left the match in: replace it from them. */
const STATE_KINDS = new Set(["start", "void", "amend"]);

/** Compact codes of the periods added since the first release, and their names in the API. */
const PERIOD_NAMES = {
  pre_et: "before_extra_time",
  et_ht: "extra_time_half_time",
  et2: "extra_time_second_half",
  pre_pen: "before_penalties",
};

/** The message with its period named as the API names it. */
export function named(msg) {
  return PERIOD_NAMES[msg.pd] ? { ...msg, pd: PERIOD_NAMES[msg.pd] } : msg;
}

/** The state a snapshot message holds: its keys, without `k` and `rec`. */
export function stateOf(msg) {
  const { m, s, st, pd, mn, pt, sc, pn, at, ck, tf, gs, gp, sv, cf, sp, home, away, comp, ko } = msg;
  return { m, s, st, pd, mn, pt, sc, pn, at, ck, tf, gs, gp, sv, cf, sp, home, away, comp, ko };
}

/** Overtime periods (`ot1`, `ot2`...): basketball's team fouls start again in them or not, by the
 * game's rules (NBA or FIBA), which compact messages do not name. */
const OVERTIME = /^ot\d+$/;

/** Team fouls `[home, away]` after the update `msg`, from `held` (a snapshot's `tf`, kept since):
 * one more on a foul, none at the start or in a new quarter; `undefined` when updates alone cannot
 * tell (an overtime, whose count depends on the rules, or a correction) until the next snapshot. */
function teamFouls(held, msg, sport) {
  if (msg.tf !== undefined) return msg.tf;
  if (msg.k === "start") return sport === "basketball" ? [0, 0] : undefined;
  if (msg.k === "void" || msg.k === "amend") return undefined;
  if (msg.k === "period") return sport === "basketball" && !OVERTIME.test(msg.pd) ? [0, 0] : undefined;
  if (msg.k === "foul" && held && (msg.t === "h" || msg.t === "a")) {
    return msg.t === "h" ? [held[0] + 1, held[1]] : [held[0], held[1] + 1];
  }
  return held;
}

/** What a countdown clock (`ck`) shows at `now`, in milliseconds. */
function shown(ck, now) {
  return ck[0] === 1 ? Math.max(0, ck[1] - (now - ck[2])) : ck[1];
}

/** Kinds whose update carries the set sports' whole play state (`gs`, `gp`, `sv`): what it leaves
 * out is at love-all (`gp`) or over (`sv`). */
const PLAY_KINDS = new Set(["point", "start", "void", "amend"]);

/** The state after the update `msg`, from `previous` (undefined when nothing is held yet). */
export function evolve(previous, msg) {
  const next = { ...(previous ?? { m: msg.m }), s: msg.s, sc: msg.sc };
  if (msg.mn !== undefined) next.mn = Math.max(previous?.mn ?? 0, msg.mn);
  if (msg.st !== undefined) next.st = msg.st;
  if (msg.pd !== undefined) next.pd = msg.pd;
  if (msg.pn !== undefined) next.pn = msg.pn;
  if (msg.pt !== undefined) next.pt = msg.pt;
  if (msg.ck !== undefined) next.ck = msg.ck; // a countdown clock set, or as the event left it
  if (STATE_KINDS.has(msg.k)) {
    // The whole state after the event: what it leaves out is gone (a voided shoot-out kick's
    // decision, a confirmation an award cleared).
    for (const key of ["pd", "pt", "at", "cf", "pn", "ck"]) next[key] = msg[key];
  } else if (msg.pd !== undefined) {
    next.at = undefined; // a new period has no added time announced yet
    if (msg.pt === undefined) next.pt = undefined; // a break or the shoot-out: no clock runs
    if (msg.ck === undefined) next.ck = undefined; // ice hockey's shoot-out has no clock
  }
  // Tennis and volleyball: the set's score, the game's points and the server as the event left
  // them (a football or basketball start or correction carries none, and holds none).
  if (PLAY_KINDS.has(msg.k)) for (const key of ["gs", "gp", "sv"]) next[key] = msg[key];
  const fouls = teamFouls(previous?.tf, msg, next.sp);
  if (fouls === undefined) delete next.tf;
  else next.tf = fouls;
  // The end stops a countdown clock where it shows (the update carries none).
  if (msg.k === "end" && next.ck?.[0] === 1) next.ck = [0, shown(next.ck, Date.now())];
  // A status change or a confirmation says whether the result stands confirmed (an award
  // clears it).
  if (msg.k === "status" || msg.k === "confirm") next.cf = msg.cf;
  if (msg.at !== undefined) next.at = msg.at;
  for (const key of ["home", "away", "comp", "ko", "sp"]) if (msg[key] !== undefined) next[key] = msg[key];
  return next;
}
