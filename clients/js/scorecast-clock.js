// The clocks of a live match, run by the page between messages: football's, from its period and when
// that period began; basketball's and ice hockey's countdown, from where the operator's clock stood
// and whether it runs. No server message is needed for either to advance.

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

/**
 * The countdown clock of a basketball or ice hockey game at `now` (ms since the epoch), from its
 * `ck`: `{remaining, running, text}`, the milliseconds left (never below 0), whether it runs, and
 * `m:ss` as a game clock shows it ("7:32"; a second not yet fully run still shows, so 0:00 means
 * the period's time is up). It runs only while the operator's clock runs (`ck[0]` is 1) and the
 * game is `live`; otherwise it stands where the operator left it. `null` without `ck` (football,
 * before the start, in ice hockey's shoot-out).
 */
export function countdown(state, now = Date.now()) {
  const ck = state?.ck;
  if (!Array.isArray(ck) || !Number.isFinite(ck[1])) return null;
  const running = ck[0] === 1 && Number.isFinite(ck[2]) && state.st === "live";
  // A browser clock a little behind the server's would show more than was left: never more.
  const remaining = running ? Math.max(0, Math.min(ck[1], ck[1] - (now - ck[2]))) : Math.max(0, ck[1]);
  const seconds = Math.ceil(remaining / 1000);
  const text = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
  return { remaining, running, text };
}
