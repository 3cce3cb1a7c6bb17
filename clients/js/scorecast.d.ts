// Types of scorecast.js, the client of a scorecast server (docs/client.md), for browsers and Node.
// The package's `types`; the server serves it next to the module as /static/scorecast.d.ts,
// versioned the same way, and scorecast.js names it (@ts-self-types).

/** A match id: a positive integer. */
export type MatchId = number;

export type MatchStatus =
  | "scheduled" | "delayed" | "postponed" | "live" | "half_time" | "interrupted" | "suspended"
  | "finished" | "abandoned" | "cancelled" | "awarded";
/** The sports a match may be (`sp`; absent for football on snapshots). */
export type Sport = "football" | "basketball" | "ice_hockey" | "tennis" | "volleyball";
/** Football's periods, as the API names them (the client names compact codes such as `et2` so). */
export type FootballPeriod =
  | "first_half" | "half_time" | "second_half" | "before_extra_time" | "extra_time"
  | "extra_time_half_time" | "extra_time_second_half" | "before_penalties" | "penalties";
/** Overtime periods of the sports with a countdown clock: at most 20. */
export type Overtime =
  | "ot1" | "ot2" | "ot3" | "ot4" | "ot5" | "ot6" | "ot7" | "ot8" | "ot9" | "ot10"
  | "ot11" | "ot12" | "ot13" | "ot14" | "ot15" | "ot16" | "ot17" | "ot18" | "ot19" | "ot20";
/** Tennis's and volleyball's sets, derived from the points. */
export type SetName = "s1" | "s2" | "s3" | "s4" | "s5";
/** A period of any sport: football's; basketball's quarters; ice hockey's periods and shoot-out;
 * overtimes; tennis's and volleyball's sets. */
export type Period =
  | FootballPeriod | "q1" | "q2" | "q3" | "q4" | "p1" | "p2" | "p3" | Overtime | "shootout" | SetName;
/** The kind of an event (docs/api.md#event-kinds): every sport's core kinds, football's,
 * basketball's (`points`, `foul`, `timeout`, `clock`), ice hockey's (`penalty`, `shot`), tennis's
 * and volleyball's (`point`). */
export type UpdateKind =
  | "start" | "kickoff" | "goal" | "card" | "substitution" | "period" | "score" | "kick"
  | "added_time" | "end" | "status" | "void" | "amend" | "confirm" | "match"
  | "points" | "clock" | "foul" | "timeout" | "penalty" | "shot" | "point";
/** A tennis game's points as called (`"0"`, `"15"`, `"30"`, `"40"`, `"A"`), or a tiebreak's. */
export type GamePoints = [string, string] | [number, number];
/** Home or away, as the protocol writes it. */
export type Side = "h" | "a";
/** Basketball's and ice hockey's countdown clock (`ck`, docs/protocol.md#running-a-countdown-clock):
 * `[0, remaining_ms]` while it stands; `[1, remaining_ms, at]` while it runs: it showed
 * `remaining_ms` at `at` (unix milliseconds) and counts down from there. */
export type CountdownKey = [0, number] | [1, number, number];
export type Transport = "ws" | "sse" | "poll";
export type Status = "connecting" | "live" | "reconnecting" | "polling" | "closed";
export type EventName = "update" | "snapshot" | "status" | "error";

/** What the subscription holds of one match: the snapshot keys (docs/protocol.md#snapshot). */
export interface MatchState {
  m: MatchId;
  /** Sequence number of the last event included (0 before the first). */
  s: number;
  st: MatchStatus;
  /** Absent before kickoff. */
  pd?: Period;
  /** Highest minute posted so far; absent before kickoff. */
  mn?: number;
  /** When the current period began, unix milliseconds (with `pd`, runs the clock: `matchClock`). */
  pt?: number;
  /** [home, away] */
  sc: [number, number];
  /** The penalty shoot-out's [home, away], kept apart from `sc`; from the `penalties` period on. */
  pn?: [number, number];
  /** Added time announced for the current period, minutes. */
  at?: number;
  /** Basketball, ice hockey: the countdown clock; stopped where it showed on `end`. Run it with
   * `countdown`. */
  ck?: CountdownKey;
  /** Basketball: each team's fouls in the current period, [home, away]. A snapshot brings them,
   * a foul update adds one, a quarter starts again at [0, 0]; absent when updates alone cannot
   * tell (from an overtime, whose count depends on the rules, or a correction on) until the next
   * snapshot. */
  tf?: [number, number];
  /** Tennis, volleyball: the current set's [home, away] (games; volleyball's points). */
  gs?: [number, number];
  /** Tennis: the current game's points; absent at love-all and once the match is over. */
  gp?: GamePoints;
  /** Tennis, volleyball: the side serving the next point; absent once the match is over. */
  sv?: Side;
  /** The result is final. */
  cf?: true;
  /** The sport, when not football. */
  sp?: Sport;
  /** Team names, competition and kick-off (RFC 3339, UTC). Absent only on a state built from
   * updates alone (a resume from `since` without a snapshot). */
  home?: string;
  away?: string;
  comp?: string;
  ko?: string;
}

/** A snapshot message. `rec: false`: a resume could not be served and this replaces the state. */
export interface SnapshotMessage extends MatchState {
  k: "snapshot";
  home: string;
  away: string;
  comp: string;
  ko: string;
  rec?: false;
  /** Keys added by later servers (clients must ignore keys they do not know). */
  [key: string]: unknown;
}

/** One live event (docs/protocol.md#update). */
export interface UpdateMessage {
  m: MatchId;
  s: number;
  k: UpdateKind;
  sc: [number, number];
  /** Team: on goal, card, substitution. */
  t?: Side;
  mn?: number;
  /** Status after start, kickoff, period, end, and on status, void, amend, confirm (which carry
   * the whole state the event left: replace it). */
  st?: MatchStatus;
  /** Period after the event (as `st`). */
  pd?: Period;
  /** When the current period began, unix milliseconds (as `st`). */
  pt?: number;
  /** Added time announced, minutes (added_time; the state-carrying kinds). */
  at?: number;
  /** void, amend: the `s` of the event corrected. */
  of?: number;
  /** The result is final (state-carrying kinds). */
  cf?: true;
  /** A goal's method when not regular: own goal, penalty. */
  gm?: "og" | "pen";
  /** match: the changed names, competition, kickoff (RFC 3339) and sport; ko also on a postponement. */
  home?: string;
  away?: string;
  comp?: string;
  ko?: string;
  sp?: Sport;
  /** The scorer, the carded player, the player coming on. */
  p?: string;
  /** The player going off (substitution). */
  po?: string;
  /** Card colour: yellow, red, or a second yellow (a red). */
  c?: "y" | "r" | "yr";
  /** A shoot-out kick (`kick`): scored or missed. */
  ok?: boolean;
  /** The shoot-out's [home, away] after the event, from the `penalties` period on. */
  pn?: [number, number];
  /** Basketball's `points`: what the basket was worth. */
  v?: 1 | 2 | 3;
  /** Ice hockey's `penalty`: its minutes. */
  pm?: number;
  /** Basketball, ice hockey: the countdown clock after the event (clock, period, and the
   * state-carrying kinds). */
  ck?: CountdownKey;
  /** Tennis, volleyball (point, start, void, amend): the current set's [home, away], the
   * game's points (tennis; absent at love-all), the server (absent once the match is over). */
  gs?: [number, number];
  gp?: GamePoints;
  sv?: Side;
  [key: string]: unknown;
}

/** A protocol error (docs/protocol.md#error), such as an unknown match. */
export interface ErrorMessage {
  k: "error";
  code: "unknown_match" | "bad_message" | string;
  m?: MatchId;
  detail?: string;
  [key: string]: unknown;
}

export interface StatusInfo {
  transport: Transport;
  /** Consecutive attempts that did not connect. */
  attempt: number;
}

/** A match as `GET /api/v1/matches/{id}` answers it (docs/api.md). */
export interface RestSnapshot {
  id: MatchId;
  home: string;
  away: string;
  competition: string;
  kickoff_at: string;
  status: MatchStatus;
  period: Period | null;
  minute: number | null;
  /** When the current period began (RFC 3339, UTC); `null` before kickoff. */
  period_started_at: string | null;
  score: { home: number; away: number };
  /** The penalty shoot-out, from the `penalties` period on (docs/api.md). */
  shootout: RestShootout | null;
  seq: number;
  /** The sport and its options (`{}` for football). */
  sport?: Sport;
  format?: Record<string, unknown>;
  /** The result is final. */
  confirmed?: boolean;
  /** Why the status last changed, as posted with the `status` event. */
  reason?: string;
  /** An awarded result. */
  award?: { winner: "home" | "away"; method?: string };
  /** Added time announced for the current period, minutes. */
  added_time?: number;
  /** The line score: each playing period in order, then the shoot-out's tally as `penalties`. */
  periods?: {
    period: Period;
    score: { home: number; away: number };
    /** Tennis: the set's tiebreak points, where one was played. */
    tiebreak?: { home: number; away: number };
  }[];
  /** Tennis: the current game's points as called, or a tiebreak's. */
  game?: GamePoints;
  /** Tennis, volleyball: the side serving the next point. */
  server?: "home" | "away";
  /** Basketball, ice hockey: the countdown clock, as it showed `at`. */
  clock?: RestCountdown;
  /** Basketball: each team's fouls in the period, who is in the bonus, each player's fouls. */
  fouls?: {
    team: { home: number; away: number };
    bonus: { home: boolean; away: boolean };
    players: { team: "home" | "away"; player: string; fouls: number; fouled_out: boolean }[];
  };
  /** Basketball: timeouts taken. */
  timeouts?: { home: number; away: number };
  /** Ice hockey: the penalties called, in order. */
  penalties?: { team: "home" | "away"; player?: string; minutes: number; period: Period }[];
  events?: RestEvent[];
}

/** A countdown clock as the REST API shows it: it showed `remaining_ms` at `at` (RFC 3339), and
 * runs on from there only while `running`. */
export interface RestCountdown {
  running: boolean;
  remaining_ms: number;
  at: string;
}

export interface RestShootout {
  score: { home: number; away: number };
  kicks: { home: number; away: number };
  next: "home" | "away" | null;
  winner: "home" | "away" | null;
  /** Rounds before sudden death: 5 in football; ice hockey's `shootout_rounds`. */
  rounds: number;
}

/** A stored event as the REST API answers it. */
/** The set sports' compact keys as a stored event holds them (docs/protocol.md); `over` on the
 * point that decided the match. */
export interface PlayKeys {
  gs?: [number, number];
  gp?: GamePoints;
  sv?: Side;
  over?: boolean;
}

export interface RestEvent {
  match_id: MatchId;
  seq: number;
  kind: UpdateKind;
  score: { home: number; away: number };
  team?: "home" | "away";
  minute?: number | null;
  player?: string;
  /** A goal's method: `regular`, `own_goal`, `penalty`; an award's. */
  method?: string;
  /** A goal's assisting player; ice hockey's assists and strength. */
  assist?: string;
  assists?: string[];
  strength?: string;
  /** Basketball's `points`: what the basket was worth. */
  value?: 1 | 2 | 3;
  /** A `clock` event: the clock set; a `period` event: its clock's length (ms). */
  running?: boolean;
  remaining_ms?: number;
  clock_ms?: number;
  color?: "yellow" | "red" | "yellow_red";
  player_in?: string;
  player_out?: string;
  period?: Period;
  /** `score`: the goals set; `match`: the new team names. */
  home?: number | string;
  away?: number | string;
  /** `match`: the fixture change. */
  competition?: string;
  kickoff_at?: string;
  sport?: Sport;
  format?: Record<string, unknown>;
  /** `match`: the fixture's revision after the change. */
  revision?: number;
  /** `status`: the new status, and why; an award's winner. */
  status?: MatchStatus;
  reason?: string;
  winner?: "home" | "away";
  /** Tennis's and volleyball's `start`: the side serving first. */
  server?: "home" | "away";
  /** `added_time`: minutes announced; ice hockey's `penalty`: its minutes. */
  minutes?: number;
  /** `void`, `amend`: the `seq` corrected; an amend's event as it now is. */
  target?: number;
  event?: Partial<RestEvent>;
  /** Start and corrections: where the match stands after them. */
  state?: {
    status: MatchStatus;
    period?: Period;
    period_started_at?: string;
    added_time?: number;
    confirmed?: boolean;
    clock?: RestCountdown;
    /** Tennis, volleyball: the set, the game and the server as the event left them. */
    play?: PlayKeys;
  };
  /** Tennis, volleyball: a stored point's state after it (derived by the server). */
  after?: PlayKeys;
  /** A shoot-out kick: scored or missed. */
  scored?: boolean;
  /** The shoot-out's score after the event, from the `penalties` period on. */
  shootout?: { home: number; away: number };
  recorded_at?: string;
  /** The `seq` of a later correction that took this event out or replaced it. */
  voided_by?: number;
  amended_by?: number;
}

export interface SubscribeOptions {
  /** The scorecast server; default: the origin that served the module (required in Node). */
  base?: string;
  /** "auto" (default): WebSocket, falling back to SSE, then polling, starting with the first
   * there is a class for (Node before 22 without `ws`: polling). Or that one only; asking for
   * "ws" or "sse" without its class throws a TypeError. */
  transport?: "auto" | Transport;
  /** Snapshots already held: the state starts from them and resumes from their `seq`. */
  snapshots?: RestSnapshot[];
  /** {matchId: seq}: resume from these positions (wins over `snapshots`). */
  since?: Record<MatchId, number>;
  /** Competitions to follow, exact names: their matches in play or kicking off within the
   * server's window (docs/protocol.md#competitions), then each new one. Not with "*". */
  competitions?: string[];
  /** Polling only: the server's --competition-window-hours, which matches of a followed
   * competition a poll shows (24). */
  windowHours?: number;
  /** ms; with "*", an ended match is forgotten this long after the client saw it end, and a
   * confirmed one at once, after its update is reported (6 hours). */
  forgetAfter?: number;
  /** ms; ceiling of the first retry's delay (500). */
  minDelay?: number;
  /** ms; the delay's ceiling never grows past this (30000). */
  maxDelay?: number;
  /** Failed attempts of one transport, while the server answers, before the next (3). */
  fallbackAfter?: number;
  /** ms between polls (5000). */
  pollInterval?: number;
  /** ms after a fallback before WebSocket is tried again (60000). */
  upgradeAfter?: number;
  wsPath?: string;
  ssePath?: string;
  healthPath?: string;
  /** A WebSocket class, where there is no global one (Node before 22: the `ws` package's);
   * without either, WebSocket is skipped. */
  WebSocket?: unknown;
  /** An EventSource class, where there is no global one; without either, SSE is skipped. */
  EventSource?: unknown;
  /** Browsers: share one connection among all the tabs of this origin that subscribe to this
   * server with the same transport options (true); false for a connection of this page's own.
   * Never in Node, nor with a `WebSocket` or `EventSource` class given
   * (docs/client.md#one-connection-per-browser). */
  share?: boolean;
  /** What the shared connection may follow, as the server's --ws-max-subscriptions and
   * --ws-max-competitions allow ({matches: 200, competitions: 20}, their defaults): a tab whose
   * matches or competitions would take it beyond opens a connection of its own. */
  shareLimits?: { matches?: number; competitions?: number };
}

/** About an update: `replay` is true for the updates a resume sent again after a reconnect (missed
 * while away), false for live ones. */
export interface UpdateInfo {
  replay: boolean;
}
export type UpdateHandler = (msg: UpdateMessage, state: MatchState, previous: MatchState | undefined, info: UpdateInfo) => void;
export type SnapshotHandler = (state: MatchState, msg: SnapshotMessage, previous: MatchState | undefined) => void;
export type StatusHandler = (status: Status, info: StatusInfo) => void;
export type ErrorHandler = (msg: ErrorMessage) => void;
/** `n` connections watch match `matchId`, on every node (docs/protocol.md#watching). */
export type WatchingHandler = (matchId: MatchId, n: number) => void;

/** How many watch a match (docs/protocol.md#watching): `s` and `sc` are the match's as held, so
 * this changes no state; it is passed to `onWatching`, never to `onUpdate`. */
export interface WatchingMessage {
  m: MatchId;
  s: number;
  sc: [number, number];
  k: "watching";
  w: number;
}

/** Live matches from one server; made by `subscribe`. */
export declare class Subscription {
  constructor(matches: MatchId | MatchId[] | "*", options?: SubscribeOptions);
  /** Match id to its current state. */
  readonly state: Map<MatchId, MatchState>;
  readonly status: Status;
  readonly transport: Transport;
  /** The match ids followed, ascending (empty on "*"). */
  readonly matches: MatchId[];
  /** The competitions followed, in the order given. */
  readonly competitions: string[];
  onUpdate(fn: UpdateHandler): this;
  onSnapshot(fn: SnapshotHandler): this;
  /** `fn` is also called at once with the current status. */
  onStatus(fn: StatusHandler): this;
  onError(fn: ErrorHandler): this;
  /** Called when the count of watchers of a followed match, shown to two significant figures,
   * changes (at most once per the server's --watching-interval-secs; never over polling). */
  onWatching(fn: WatchingHandler): this;
  /** Removes every registration of `fn` for `event`. */
  off(event: "update", fn: UpdateHandler): this;
  off(event: "snapshot", fn: SnapshotHandler): this;
  off(event: "status", fn: StatusHandler): this;
  off(event: "error", fn: ErrorHandler): this;
  off(event: "watching", fn: WatchingHandler): this;
  /** Follows more matches; each starts with its snapshot. Throws on a "*" subscription. */
  add(matches: MatchId | MatchId[]): this;
  /** Stops following matches and forgets their state. Throws on a "*" subscription. */
  remove(matches: MatchId | MatchId[]): this;
  /** Follows more competitions (exact names); their matches start with their snapshots. Throws
   * on a "*" subscription. */
  addCompetitions(names: string | string[]): this;
  /** Stops following competitions and forgets their matches not added by id. Throws on a "*"
   * subscription. */
  removeCompetitions(names: string | string[]): this;
  /** Ends connections and timers; no handler is called afterwards. */
  close(): void;
}

/** Follows `matches`: a match id, an array of them, or "*" for every match in play or within the
 * server's window; and `options.competitions`. */
export declare function subscribe(matches: MatchId | MatchId[] | "*", options?: SubscribeOptions): Subscription;

/** A count of watchers as people read it: two significant figures, rounded down ("980", "1.2k",
 * "15k", "1.2M"). */
export declare function formatWatching(n: number): string;

/** A REST snapshot as the protocol snapshot it corresponds to. */
export declare function fromRest(body: RestSnapshot): SnapshotMessage;

/** A stored event as the protocol update it was sent as. */
export declare function eventToUpdate(event: RestEvent): UpdateMessage;

/** A live match's running clock (docs/client.md#the-running-clock). */
export interface MatchClock {
  /** The minute under way, within the period's length: 67 (45 during first-half stoppage time). */
  minute: number;
  /** Minutes of stoppage time under way, 0 before: 2 for 45+2'. */
  added: number;
  /** As fans read it: "67'" or "45+2'". */
  text: string;
  /** Minutes and seconds since the match began, counting from the period's start: "67:12". */
  elapsed: string;
}

/** The running clock of a live match at `now` (ms since the epoch, default: now), from its `pd` and
 * `pt`; `null` while no clock runs (before kickoff, at half-time, in a shoot-out, after the end). */
export declare function matchClock(state: MatchState, now?: number): MatchClock | null;

/** A countdown clock at a moment (docs/client.md#the-countdown-clock). */
export interface Countdown {
  /** Milliseconds left, never below 0. */
  remaining: number;
  /** Whether it runs: the operator's clock runs and the game is `live`. */
  running: boolean;
  /** As a game clock shows it: "7:32" (a second begun counts, so "0:00" means time is up). */
  text: string;
}

/** The countdown clock of a basketball or ice hockey game at `now` (ms since the epoch, default:
 * now), from its `ck`, running only while the operator's clock runs and the game is live; `null`
 * without `ck` (football, before the start, in a shoot-out). */
export declare function countdown(state: Pick<MatchState, "ck" | "st">, now?: number): Countdown | null;
