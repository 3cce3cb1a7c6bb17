// The REST API's shapes as the protocol's: a match snapshot (`GET /api/v1/matches/{id}`) as a
// protocol snapshot, a stored event as the update it was sent as. The match page merges its history
// with live updates through them, and polling reads the REST API with them.

const EVENT_STATUS = { kickoff: "live", end: "finished" };

/** Football's periods whose clock runs: the only ones an update gives a `pt` (not breaks, the
 * shoot-out, or the periods of a countdown clock). */
const RUNNING = new Set(["first_half", "second_half", "extra_time", "extra_time_second_half"]);

/** A REST countdown clock (`{running, remaining_ms, at}`) as the protocol's `ck`. */
function countdownKey(clock) {
  return clock.running ? [1, clock.remaining_ms, Date.parse(clock.at)] : [0, clock.remaining_ms];
}

/** A match snapshot from the REST API (`GET /api/v1/matches/{id}`) as a protocol snapshot. */
export function fromRest(body) {
  const msg = {
    m: body.id, s: body.seq, k: "snapshot", st: body.status,
    sc: [body.score.home, body.score.away],
    home: body.home, away: body.away, comp: body.competition, ko: body.kickoff_at,
  };
  if (body.period != null) msg.pd = body.period;
  if (body.minute != null) msg.mn = body.minute;
  if (body.shootout) msg.pn = [body.shootout.score.home, body.shootout.score.away];
  // As the server's snapshot: a clock's start only in football's running periods.
  if (body.period_started_at && RUNNING.has(body.period)) msg.pt = Date.parse(body.period_started_at);
  if (body.added_time != null) msg.at = body.added_time;
  if (body.confirmed) msg.cf = true;
  if (body.sport && body.sport !== "football") msg.sp = body.sport;
  if (body.clock) msg.ck = countdownKey(body.clock);
  if (body.fouls) msg.tf = [body.fouls.team.home, body.fouls.team.away];
  if (SET_SPORTS.has(body.sport) && body.periods?.length) {
    // The current set is the line's last: its games (volleyball: points).
    const set = body.periods[body.periods.length - 1].score;
    msg.gs = [set.home, set.away];
  }
  if (body.game) msg.gp = body.game;
  if (body.server) msg.sv = body.server === "home" ? "h" : "a";
  return msg;
}

/** Sports scored in sets of points, whose snapshot gives the current set as the line's last. */
const SET_SPORTS = new Set(["tennis", "volleyball"]);

/** Kinds whose update carries the state's `play` keys. */
const PLAY_STATE_KINDS = new Set(["start", "void", "amend"]);

/** A stored point's `after` or an event state's `play`: the compact keys as push sends them. */
function playKeys(keys) {
  const msg = {};
  for (const key of ["gs", "gp", "sv"]) if (keys[key] !== undefined) msg[key] = keys[key];
  if (keys.over) msg.st = "finished";
  return msg;
}

/** A stored event from the REST API as the protocol update it was sent as. */
export function eventToUpdate(e) {
  const msg = { m: e.match_id, s: e.seq, k: e.kind, sc: [e.score.home, e.score.away] };
  if (e.team) msg.t = e.team === "home" ? "h" : "a";
  if (e.minute != null) msg.mn = e.minute;
  if (e.kind === "goal" && e.player) msg.p = e.player;
  if (e.kind === "card") { msg.p = e.player; msg.c = { red: "r", yellow_red: "yr" }[e.color] ?? "y"; }
  if (e.kind === "goal" && e.method && e.method !== "regular") msg.gm = e.method === "own_goal" ? "og" : "pen";
  if (e.kind === "added_time") msg.at = e.minutes;
  if (e.target != null) msg.of = e.target;
  if (e.kind === "amend") Object.assign(msg, eventToUpdate({ ...e.event, match_id: e.match_id, seq: e.seq, score: e.score }), { k: "amend", of: e.target });
  if (e.kind === "match") {
    for (const [key, field] of [["home", "home"], ["away", "away"], ["comp", "competition"], ["ko", "kickoff_at"], ["sp", "sport"]]) {
      if (e[field] != null) msg[key] = e[field];
    }
  }
  if (e.kind === "status" && e.kickoff_at) msg.ko = e.kickoff_at;
  if (e.kind === "substitution") { msg.p = e.player_in; msg.po = e.player_out; }
  if (e.kind === "kick") { msg.ok = e.scored; if (e.player) msg.p = e.player; }
  // Basketball and ice hockey, in the keys push sends (a penalty without its minute, a shot
  // without its shooter: their updates stay within 100 bytes).
  if ((e.kind === "points" || e.kind === "foul" || e.kind === "penalty") && e.player) msg.p = e.player;
  if (e.kind === "points") msg.v = e.value;
  if (e.kind === "penalty") { msg.pm = e.minutes; delete msg.mn; }
  if (e.kind === "shot") msg.ok = e.scored;
  if (e.kind === "clock" && e.recorded_at) msg.ck = countdownKey({ ...e, at: e.recorded_at });
  if (e.kind === "period" && e.clock_ms != null) msg.ck = [0, e.clock_ms]; // full and stopped
  if (e.shootout) msg.pn = [e.shootout.home, e.shootout.away];
  if (e.kind === "kickoff") msg.pd = "first_half";
  const entered = e.kind === "kickoff" ? "first_half" : e.kind === "period" ? e.period : undefined;
  if (RUNNING.has(entered) && e.recorded_at) msg.pt = Date.parse(e.recorded_at);
  if (e.kind === "period") {
    msg.pd = e.period;
    msg.st = e.period === "half_time" ? "half_time" : "live";
  } else if (EVENT_STATUS[e.kind]) msg.st = EVENT_STATUS[e.kind];
  if (e.kind === "point" && e.after) Object.assign(msg, playKeys(e.after));
  if (e.state) Object.assign(msg, fromState(e.kind, e.state));
  // As push: the start and corrections carry the set sports' keys, a status change does not.
  if (e.state?.play && PLAY_STATE_KINDS.has(e.kind)) Object.assign(msg, playKeys(e.state.play));
  return msg;
}

// What an update says of the state its event left, as push says it: a status change its status
// (and `pt` when play resumes), a confirmation `cf`, the start and corrections the whole state;
// each the countdown clock.
function fromState(kind, state) {
  const msg = {};
  const runs = state.period == null || RUNNING.has(state.period);
  const pt = state.period_started_at && runs ? Date.parse(state.period_started_at) : undefined;
  if (kind === "status") {
    msg.st = state.status;
    if (state.status === "live" && pt !== undefined) msg.pt = pt;
  } else if (kind === "confirm") {
    msg.cf = true;
  } else {
    msg.st = state.status;
    if (state.period) msg.pd = state.period;
    if (pt !== undefined) msg.pt = pt;
    if (state.added_time != null) msg.at = state.added_time;
    if (state.confirmed) msg.cf = true;
  }
  if (state.clock) msg.ck = countdownKey(state.clock);
  return msg;
}
