// The running clock of a live match, from its period and when that period began: no server message
// is needed for it to advance.

/** Where each running period's clock starts, and how long it lasts before stoppage time (minutes). */
const PERIOD_CLOCK = {
  first_half: { from: 0, length: 45 },
  second_half: { from: 45, length: 45 },
  extra_time: { from: 90, length: 15 },
  extra_time_second_half: { from: 105, length: 15 },
};

/**
 * The running clock of a live match at `now` (ms since the epoch), from its period and the time
 * that period began (`pd`, `pt`): `{minute, added, text, elapsed}`, e.g. 67' or 45+2'; `null`
 * while no clock runs (before kickoff, at half-time, in a shoot-out, after the end, or without `pt`).
 */
export function matchClock(state, now = Date.now()) {
  const period = PERIOD_CLOCK[state?.pd];
  if (state?.st !== "live" || !period || !Number.isFinite(state.pt)) return null;
  // The period's own seconds; a browser clock a little behind the server's shows 0, not less.
  const seconds = Math.max(0, Math.floor((now - state.pt) / 1000));
  const played = Math.floor(seconds / 60); // whole minutes played in this period
  // Fans count the minute under way: the first minute of a half is 1' (46' in the second half).
  const added = Math.max(0, played + 1 - period.length);
  const minute = period.from + Math.min(played + 1, period.length);
  const total = period.from * 60 + seconds;
  const elapsed = `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
  return { minute, added, text: added ? `${minute}+${added}'` : `${minute}'`, elapsed };
}
