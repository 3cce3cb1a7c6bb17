// The REST API's shapes as the protocol's: a match snapshot (`GET /api/v1/matches/{id}`) as a
// protocol snapshot, a stored event as the update it was sent as. The match page merges its history
// with live updates through them, and polling reads the REST API with them.

const EVENT_STATUS = { kickoff: "live", end: "finished" };
/** Sports played against a countdown clock (`ck`), which have no `pt`. */
const COUNTDOWN = new Set(["basketball", "ice_hockey"]);
/** Periods of those sports (football's periods are named otherwise). */
const COUNTDOWN_PERIOD = /^(q\d|p\d|ot\d+|shootout)$/;

/** A REST clock (`{running, remaining_ms, at}`) as the compact `ck`. */
function compactClock(clock) {
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
  // A countdown sport's clock is `ck`: its snapshot has no `pt`, as over WebSocket.
  if (body.period_started_at && !COUNTDOWN.has(body.sport)) msg.pt = Date.parse(body.period_started_at);
  if (body.clock) msg.ck = compactClock(body.clock);
  if (body.fouls?.team) msg.tf = [body.fouls.team.home, body.fouls.team.away];
  if (body.added_time != null) msg.at = body.added_time;
  if (body.confirmed) msg.cf = true;
  if (body.sport && body.sport !== "football") msg.sp = body.sport;
  return msg;
}

/** A stored event from the REST API as the protocol update it was sent as. */
export function eventToUpdate(e) {
  const msg = { m: e.match_id, s: e.seq, k: e.kind, sc: [e.score.home, e.score.away] };
  if (e.team) msg.t = e.team === "home" ? "h" : "a";
  // As sent: a penalty's update leaves out its minute, a shot's its shooter (to stay in 100 bytes).
  if (e.minute != null && e.kind !== "penalty") msg.mn = e.minute;
  if (["goal", "points", "foul", "penalty"].includes(e.kind) && e.player) msg.p = e.player;
  if (e.kind === "points") msg.v = e.value;
  if (e.kind === "penalty") msg.pm = e.minutes;
  if (e.kind === "shot") msg.ok = e.scored;
  if (e.kind === "clock") msg.ck = e.running ? [1, e.remaining_ms, Date.parse(e.recorded_at)] : [0, e.remaining_ms];
  // A period of a countdown sport starts with its clock full and stopped (none in a shoot-out).
  if (e.kind === "period" && e.clock_ms != null) msg.ck = [0, e.clock_ms];
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
  if (e.shootout) msg.pn = [e.shootout.home, e.shootout.away];
  if (e.kind === "kickoff") msg.pd = "first_half";
  const football = !COUNTDOWN_PERIOD.test(e.period ?? "");
  if ((e.kind === "kickoff" || e.kind === "period") && football && e.recorded_at) msg.pt = Date.parse(e.recorded_at);
  if (e.kind === "period") {
    msg.pd = e.period;
    msg.st = e.period === "half_time" ? "half_time" : "live";
  } else if (EVENT_STATUS[e.kind]) msg.st = EVENT_STATUS[e.kind];
  if (e.state) {
    msg.st = e.state.status;
    if (e.state.period) msg.pd = e.state.period;
    if (e.state.period_started_at && !COUNTDOWN_PERIOD.test(e.state.period ?? "")) {
      msg.pt = Date.parse(e.state.period_started_at);
    }
    if (e.state.clock) msg.ck = compactClock(e.state.clock);
    if (e.state.added_time != null) msg.at = e.state.added_time;
    if (e.state.confirmed) msg.cf = true;
  }
  return msg;
}
