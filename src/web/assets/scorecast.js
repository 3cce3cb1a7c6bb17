// scorecast.js: live match updates from a scorecast server, for browsers. No dependencies.
//
//   import { subscribe } from "/static/scorecast.js";
//   const live = subscribe([42, 43]);            // or subscribe("*") for every match in the window
//   const board = subscribe([], { competitions: ["Eredivisie"] });  // a competition's matches
//   live.onSnapshot((state, msg) => draw(state));
//   live.onUpdate((msg, state, previous) => draw(state));
//   live.onStatus((status, info) => showIndicator(status));
//
// WebSocket first, with exponential backoff and full jitter between attempts and a resume from the
// last sequence number held per match, so nothing is missed or repeated. When WebSocket keeps failing
// while the server answers plain HTTP, it falls back to Server-Sent Events, then to polling the
// snapshot endpoint with If-None-Match. The protocol is in docs/protocol.md; this module in
// docs/client.md; its types in scorecast.d.ts.
// @ts-self-types="/static/scorecast.d.ts"

const DEFAULTS = {
  base: new URL(import.meta.url).origin, // the server: by default the one serving this module
  transport: "auto", // "auto" (ws, then sse, then poll), or one of "ws", "sse", "poll" only
  wsPath: "/ws",
  ssePath: "/sse",
  healthPath: "/healthz",
  minDelay: 500, // ms; the first retry waits up to this, each failure doubles it
  maxDelay: 30000, // ms; never wait longer than this between attempts
  fallbackAfter: 3, // failed attempts of one transport, while the server answers, before the next
  pollInterval: 5000, // ms between polls
  upgradeAfter: 60000, // ms after falling back before WebSocket is tried again
  snapshots: [], // match snapshots already held (REST bodies): resume from them
  since: {}, // {matchId: seq}: resume from these positions (wins over `snapshots`)
  competitions: [], // exact names: their matches in the server's window, and each new one
  windowHours: 24, // polling only: the server's --competition-window-hours
};

const NEXT = { ws: "sse", sse: "poll", poll: "poll" };
const EVENT_STATUS = { kickoff: "live", end: "finished" };

/** Follows `matches` (an array of match ids, or "*" for every match in the window), and the
 * competitions named in `options.competitions`. */
export function subscribe(matches, options = {}) {
  return new Subscription(matches, options);
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
  if (body.period_started_at) msg.pt = Date.parse(body.period_started_at);
  if (body.added_time != null) msg.at = body.added_time;
  if (body.confirmed) msg.cf = true;
  if (body.sport && body.sport !== "football") msg.sp = body.sport;
  return msg;
}

/** Statuses after which a match has nothing left to resume. */
const OVER = new Set(["finished", "abandoned", "cancelled", "awarded"]);

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
function named(msg) {
  return PERIOD_NAMES[msg.pd] ? { ...msg, pd: PERIOD_NAMES[msg.pd] } : msg;
}

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
  if (e.shootout) msg.pn = [e.shootout.home, e.shootout.away];
  if (e.kind === "kickoff") msg.pd = "first_half";
  if ((e.kind === "kickoff" || e.kind === "period") && e.recorded_at) msg.pt = Date.parse(e.recorded_at);
  if (e.kind === "period") {
    msg.pd = e.period;
    msg.st = e.period === "half_time" ? "half_time" : "live";
  } else if (EVENT_STATUS[e.kind]) msg.st = EVENT_STATUS[e.kind];
  if (e.state) {
    msg.st = e.state.status;
    if (e.state.period) msg.pd = e.state.period;
    if (e.state.period_started_at) msg.pt = Date.parse(e.state.period_started_at);
    if (e.state.added_time != null) msg.at = e.state.added_time;
    if (e.state.confirmed) msg.cf = true;
  }
  return msg;
}

export class Subscription {
  constructor(matches, options) {
    this.opts = { ...DEFAULTS, ...options };
    this.all = matches === "*";
    this.ids = new Set(this.all ? [] : idList(matches)); // followed matches, unless `all`
    this.comps = new Set(nameList(this.opts.competitions)); // followed competitions
    if (this.all && this.comps.size) throw new TypeError('scorecast: "*" follows every competition already');
    this.state = new Map(); // match id -> {m, s, st, pd, mn, pt, sc, pn, home, away, comp, ko}
    this.handlers = { update: [], snapshot: [], status: [], error: [] };
    this.transport = this.opts.transport === "auto" ? "ws" : this.opts.transport;
    this.status = "connecting";
    this.attempt = 0; // consecutive attempts that did not connect, for the backoff
    this.failures = 0; // of those, attempts that failed while the server answered /healthz
    this.worked = new Set(); // transports that have connected in this page's life
    this.etags = new Map();
    this.closed = false;
    this.generation = 0; // counts connection attempts, so a stale failure report is ignored
    this.idle = false; // no ids to follow: nothing open until `add`
    this.wsIds = new Set(); // what the open WebSocket has been asked to follow
    this.wsComps = new Set();
    for (const body of this.opts.snapshots) this.state.set(body.id, stateOf(fromRest(body)));
    this.since = new Map([...this.state].map(([m, v]) => [m, v.s]));
    for (const [m, s] of Object.entries(this.opts.since)) this.since.set(Number(m), Number(s));
    // Start after the caller has had the chance to register its handlers.
    queueMicrotask(() => this._connect());
    // Back online: try at once rather than after the current backoff delay.
    this.onOnline = () => {
      if (this.status !== "reconnecting" || this.transport === "poll") return;
      this._teardown();
      this.attempt = 0;
      this._connect();
    };
    globalThis.addEventListener?.("online", this.onOnline);
  }

  onUpdate(fn) { this.handlers.update.push(fn); return this; }
  onSnapshot(fn) { this.handlers.snapshot.push(fn); return this; }
  onStatus(fn) { this.handlers.status.push(fn); fn(this.status, this._info()); return this; }
  onError(fn) { this.handlers.error.push(fn); return this; }

  /** Removes every registration of `fn` for `event` ("update", "snapshot", "status", "error"). */
  off(event, fn) {
    const list = this.handlers[event];
    if (!list) throw new TypeError(`scorecast: no event "${event}"`);
    this.handlers[event] = list.filter((h) => h !== fn);
    return this;
  }

  /** The match ids followed, ascending (empty on "*"). */
  get matches() { return [...this.ids].sort((a, b) => a - b); }

  /** The competitions followed, in the order given. */
  get competitions() { return [...this.comps]; }

  /** Follows more competitions (a name or an array of exact names). */
  addCompetitions(names) {
    this._needIds("addCompetitions");
    return this._grow(this.comps, nameList(names));
  }

  /** Stops following competitions and forgets their matches that were not added by id. */
  removeCompetitions(names) {
    this._needIds("removeCompetitions");
    const removed = nameList(names).filter((c) => this.comps.has(c));
    if (!removed.length || this.closed) return this;
    for (const c of removed) this.comps.delete(c);
    const brought = [...this.state.values()].filter((v) => !this.ids.has(v.m) && removed.includes(v.comp));
    for (const { m } of brought) this._forget(m);
    this._afterRemoval(brought.map((v) => v.m));
    return this;
  }

  /** Follows more matches (an id or an array of ids); each starts with its snapshot. */
  add(matches) {
    this._needIds("add");
    return this._grow(this.ids, idList(matches));
  }

  // Adds to `followed` (the ids or the competitions) what it lacks, and tells the transport.
  _grow(followed, items) {
    const added = items.filter((x) => !followed.has(x));
    if (!added.length || this.closed) return this;
    for (const x of added) followed.add(x);
    if (this.idle) {
      this.idle = false;
      this._connect();
    } else this._changed(added, []);
    return this;
  }

  /** Stops following matches (an id or an array of ids) and forgets their state. */
  remove(matches) {
    this._needIds("remove");
    const removed = idList(matches).filter((m) => this.ids.has(m));
    if (!removed.length || this.closed) return this;
    for (const m of removed) {
      this.ids.delete(m);
      this._forget(m);
    }
    this._afterRemoval(removed);
    return this;
  }

  _forget(m) {
    this.state.delete(m);
    this.since.delete(m);
    this.etags.delete(m);
  }

  _afterRemoval(removed) {
    if (this.ids.size === 0 && this.comps.size === 0 && this.transport !== "ws") {
      // A stream or polling loop with nothing to follow: stop it until the next `add`.
      this._teardown();
      this.generation += 1;
      this.idle = true;
      this._setStatus("live");
    } else this._changed([], removed);
  }

  // Whether `msg` is about a match followed: by id, through "*", or through a competition (its
  // snapshot names the competition; later messages find the match held).
  _follows(msg) {
    if (this.all || msg.m === undefined || this.ids.has(msg.m)) return true;
    const comp = this.state.get(msg.m)?.comp ?? (msg.k === "snapshot" ? msg.comp : undefined);
    return this.comps.has(comp);
  }

  /** Stops every connection and timer; no handler is called afterwards. */
  close() {
    this.closed = true;
    globalThis.removeEventListener?.("online", this.onOnline);
    this._teardown();
    clearTimeout(this.upgradeTimer);
    this._setStatus("closed");
  }

  // ---- applying messages: the same for every transport ----

  _apply(msg, fromPoll = false) {
    if (this.closed) return;
    // A message already on its way when its match was removed.
    if (!this._follows(msg)) return;
    if (msg.k === "error") return this._emit("error", msg);
    if (msg.k === "resume") return;
    msg = named(msg);
    const previous = this.state.get(msg.m);
    if (msg.k === "snapshot") {
      // A pushed snapshot always replaces; a polled one only when it is newer.
      if (fromPoll && previous && previous.home && previous.s >= msg.s) return;
      const next = stateOf(msg);
      this._hold(next);
      this._emit("snapshot", next, msg, previous);
      return this._forgetIfMoved(msg);
    }
    // An update: after resuming from an older position than held, drop what we have.
    if (previous && msg.s <= previous.s) return;
    const next = { ...(previous ?? { m: msg.m }), s: msg.s, sc: msg.sc };
    if (msg.mn !== undefined) next.mn = Math.max(previous?.mn ?? 0, msg.mn);
    if (msg.st !== undefined) next.st = msg.st;
    if (msg.pd !== undefined) next.pd = msg.pd;
    if (msg.pn !== undefined) next.pn = msg.pn;
    if (msg.pt !== undefined) next.pt = msg.pt;
    if (STATE_KINDS.has(msg.k)) {
      // The whole state after the event: what it leaves out is gone (a voided shoot-out kick's
      // decision, a confirmation an award cleared).
      for (const key of ["pd", "pt", "at", "cf", "pn"]) next[key] = msg[key];
    } else if (msg.pd !== undefined) {
      next.at = undefined; // a new period has no added time announced yet
      if (msg.pt === undefined) next.pt = undefined; // a break or the shoot-out: no clock runs
    }
    // A status change or a confirmation says whether the result stands confirmed (an award
    // clears it).
    if (msg.k === "status" || msg.k === "confirm") next.cf = msg.cf;
    if (msg.at !== undefined) next.at = msg.at;
    for (const key of ["home", "away", "comp", "ko", "sp"]) if (msg[key] !== undefined) next[key] = msg[key];
    this._hold(next);
    this._emit("update", msg, next, previous);
    this._forgetIfMoved(msg);
  }

  // Moved to a competition not followed (a snapshot or a `match` update naming it): reported
  // once, then forgotten.
  _forgetIfMoved(msg) {
    const away = msg.comp !== undefined && !this.comps.has(msg.comp);
    if (away && !this.all && !this.ids.has(msg.m)) this._forget(msg.m);
  }

  _hold(state) {
    this.state.set(state.m, state);
    this.since.set(state.m, state.s);
  }

  _emit(kind, ...args) {
    // A copy: a handler may remove itself or another one while this runs.
    for (const fn of [...this.handlers[kind]]) {
      try { fn(...args); } catch (e) { console.error("scorecast handler failed", e); }
    }
  }

  _info() { return { transport: this.transport, attempt: this.attempt }; }

  _setStatus(status) {
    if (status === this.status && status !== "reconnecting") return;
    this.status = status;
    this._emit("status", status, this._info());
  }

  // ---- connection life cycle ----

  _query() {
    if (this.all) {
      // Resume what is held and not over: a match that ended while away sends its missed updates
      // (its end among them), and nothing else is read again.
      const since = [...this.state.values()]
        .filter((v) => !OVER.has(v.st) && this.since.has(v.m))
        .map((v) => `${v.m}:${this.since.get(v.m)}`);
      return "matches=*" + (since.length ? `&since=${since.join(",")}` : "");
    }
    const ids = this.matches;
    // Matches a competition brought are resumed too, unless over: a finished one has nothing left.
    const brought = [...this.state.values()]
      .filter((v) => !this.ids.has(v.m) && this.comps.has(v.comp) && v.st !== "finished")
      .map((v) => v.m);
    const since = [...ids, ...brought].filter((m) => this.since.has(m)).map((m) => `${m}:${this.since.get(m)}`);
    // Each name encoded on its own, so a comma inside one is %2C and the list splits on the others.
    const comps = this.competitions.map(encodeURIComponent).join(",");
    return `matches=${ids.join(",")}` + (comps ? `&competitions=${comps}` : "") +
      (since.length ? `&since=${since.join(",")}` : "");
  }

  _url(path) { return new URL(path, this.opts.base); }

  _connect() {
    if (this.closed) return;
    this.generation += 1;
    if (!this.all && this.ids.size === 0 && this.comps.size === 0) {
      this.idle = true;
      return this._setStatus("live");
    }
    if (this.transport === "ws") this._openWs();
    else if (this.transport === "sse") this._openSse();
    else this._startPolling();
  }

  _teardown() {
    clearTimeout(this.retryTimer);
    clearTimeout(this.pollTimer);
    if (this.ws) { const ws = this.ws; this.ws = null; ws.close(1000); }
    if (this.es) { this.es.close(); this.es = null; }
  }

  _connected() {
    this.attempt = 0;
    this.failures = 0;
    this.worked.add(this.transport);
    this._setStatus(this.transport === "poll" ? "polling" : "live");
  }

  _openWs() {
    const url = this._url(this.opts.wsPath);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.search = this._query();
    let opened = false;
    let ws;
    try {
      ws = new WebSocket(url, "scorecast.v1");
    } catch (e) {
      return this._lost(false);
    }
    this.ws = ws;
    this.wsIds = new Set(this.ids);
    this.wsComps = new Set(this.comps);
    ws.onopen = () => {
      opened = true;
      this._connected();
      this._syncWs(); // matches added or removed while it was opening
    };
    ws.onmessage = (e) => this._receive(e.data);
    // Every close is retried: 1001 (server restart) and 1013 (too slow) resume where we were.
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this._lost(opened);
    };
  }

  _needIds(what) {
    if (this.all) throw new TypeError(`scorecast: ${what} needs a subscription by match ids, not "*"`);
  }

  // The followed matches changed: tell the transport that is in use.
  _changed(added, removed) {
    if (this.transport === "ws") {
      // A socket still opening may resume a removed match from its URL's `since`, though its state
      // is gone: open a new one instead, which names only what is followed now.
      if (removed.length && this.ws?.readyState === WebSocket.CONNECTING) {
        this._teardown();
        return this._connect();
      }
      return this._syncWs();
    }
    if (this.transport === "sse") {
      // SSE subscriptions are fixed by the URL: reopen, once for every change made in this task.
      if (!this.es || this.reopening) return;
      this.reopening = true;
      queueMicrotask(() => {
        this.reopening = false;
        if (this.closed || !this.es) return;
        this._teardown();
        this._connect();
      });
      return;
    }
    // Polling: read the new matches (or competitions) now rather than at the next round.
    const [ids, comps] = [added.filter(Number.isInteger), added.filter((a) => typeof a === "string")];
    if (this.pollTimer && ids.length) this._pollMatches(ids);
    if (this.pollTimer && comps.length) this._pollCompetitions(comps);
  }

  // Sends the open WebSocket a subscribe for matches added and an unsubscribe for those removed.
  _syncWs() {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return; // the next connection's URL has them all
    const added = this.matches.filter((m) => !this.wsIds.has(m));
    const removed = [...this.wsIds].filter((m) => !this.ids.has(m)).sort((a, b) => a - b);
    if (added.length) {
      const message = { op: "subscribe", matches: added };
      const since = added.filter((m) => this.since.has(m));
      if (since.length) message.since = Object.fromEntries(since.map((m) => [m, this.since.get(m)]));
      ws.send(JSON.stringify(message));
    }
    if (removed.length) ws.send(JSON.stringify({ op: "unsubscribe", matches: removed }));
    this.wsIds = new Set(this.ids);
    const follow = this.competitions.filter((c) => !this.wsComps.has(c));
    const leave = [...this.wsComps].filter((c) => !this.comps.has(c));
    if (follow.length) ws.send(JSON.stringify({ op: "subscribe", competitions: follow }));
    if (leave.length) ws.send(JSON.stringify({ op: "unsubscribe", competitions: leave }));
    this.wsComps = new Set(this.comps);
  }

  _openSse() {
    const url = this._url(this.opts.ssePath);
    url.search = this._query();
    let opened = false;
    const es = new EventSource(url);
    this.es = es;
    es.onopen = () => { opened = true; this._connected(); };
    es.onmessage = (e) => this._receive(e.data);
    // EventSource's own reconnect resumes only the match of the last event (Last-Event-ID):
    // reopen ourselves, with a fresh `since` for every match.
    es.onerror = () => {
      if (this.es !== es) return;
      es.close();
      this.es = null;
      this._lost(opened);
    };
  }

  _receive(data) {
    let msg;
    try { msg = JSON.parse(data); } catch { return; }
    this._apply(msg);
  }

  async _lost(opened) {
    if (this.closed) return;
    this._setStatus("reconnecting");
    if (!opened && this.opts.transport === "auto" && this.transport !== "poll") {
      const generation = this.generation;
      // Count the failure against the transport only when the server itself answers.
      const answers = await this._serverAnswers();
      // Meanwhile another attempt may have started (back online, back to WebSocket).
      if (this.closed || generation !== this.generation) return;
      if (answers) this.failures += 1;
      // A transport that has worked here is given longer: a server that is shutting down answers
      // HTTP on its open connections for a while, but refuses new WebSockets and streams.
      const limit = this.opts.fallbackAfter * (this.worked.has(this.transport) ? 3 : 1);
      if (this.failures >= limit) {
        this.transport = NEXT[this.transport];
        this.attempt = 0;
        this.failures = 0;
        this._scheduleUpgrade();
        return this._connect();
      }
    }
    this._retry();
  }

  _retry() {
    // Full jitter: anywhere between 0 and the exponential ceiling, so a crowd spreads out.
    const ceiling = Math.min(this.opts.maxDelay, this.opts.minDelay * 2 ** this.attempt);
    this.attempt += 1;
    this.retryTimer = setTimeout(() => this._connect(), Math.random() * ceiling);
  }

  async _serverAnswers() {
    try {
      const r = await fetch(this._url(this.opts.healthPath), { cache: "no-store" });
      return r.ok;
    } catch {
      return false;
    }
  }

  // From a fallback, try WebSocket again now and then; switch back when it opens.
  _scheduleUpgrade() {
    clearTimeout(this.upgradeTimer);
    this.upgradeTimer = setTimeout(() => {
      if (this.closed || this.transport === "ws") return;
      const url = this._url(this.opts.wsPath);
      url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
      const probe = new WebSocket(url, "scorecast.v1");
      probe.onopen = () => {
        probe.close(1000);
        this._teardown();
        this.transport = "ws";
        this._connect();
      };
      probe.onerror = () => this._scheduleUpgrade();
    }, this.opts.upgradeAfter);
  }

  // ---- polling ----

  _startPolling() {
    clearTimeout(this.pollTimer);
    const generation = this.generation;
    // Ends when the subscription closes, leaves polling, or stops with nothing left to follow.
    const over = () => this.closed || this.transport !== "poll" || generation !== this.generation;
    const round = async () => {
      if (over()) return;
      const ok = this.all
        ? await this._pollList()
        : [await this._pollMatches(), await this._pollCompetitions()].every(Boolean);
      if (over()) return;
      if (!ok) this._setStatus("reconnecting");
      else if (this.status !== "polling") this._connected();
      this.pollTimer = setTimeout(round, this.opts.pollInterval);
    };
    round();
  }

  async _pollList() {
    try {
      for (let offset = 0; ; offset += 500) {
        const r = await fetch(this._url(`/api/v1/matches?limit=500&offset=${offset}`), { cache: "no-store" });
        if (!r.ok) return false;
        const page = await r.json();
        // Only matches that have begun: "*" follows live matches and those that get updates.
        for (const body of page.matches) if (body.seq > 0) this._apply(fromRest(body), true);
        if (offset + page.matches.length >= page.total || page.matches.length === 0) return true;
      }
    } catch {
      return false;
    }
  }

  // The matches of each competition in the window (as the server's push would bring them), and
  // those already held: a new one as its snapshot, a held one that moved on read whole, so that
  // its events are reported one by one (the list has none).
  async _pollCompetitions(comps = this.competitions) {
    const moved = [];
    const window = this.opts.windowHours * 3600000;
    const shown = (body) => this.state.has(body.id) || body.status === "live" || body.status === "half_time" ||
      Math.abs(Date.parse(body.kickoff_at) - Date.now()) <= window;
    try {
      for (const comp of comps) {
        for (let offset = 0; ; offset += 500) {
          const query = `competition=${encodeURIComponent(comp)}&limit=500&offset=${offset}`;
          const r = await fetch(this._url(`/api/v1/matches?${query}`), { cache: "no-store" });
          if (!r.ok) return false;
          const page = await r.json();
          for (const body of page.matches) {
            if (!this.comps.has(body.competition) || this.ids.has(body.id) || !shown(body)) continue;
            const held = this.state.get(body.id);
            if (!held) this._apply(fromRest(body), true);
            else if (held.s < body.seq) moved.push(body.id);
          }
          if (offset + page.matches.length >= page.total || page.matches.length === 0) break;
        }
      }
      return this._pollMatches(moved);
    } catch {
      return false;
    }
  }

  async _pollMatches(ids = this.matches) {
    let ok = true;
    for (const m of ids) {
      if (!this.ids.has(m) && !this.state.has(m)) continue; // removed meanwhile
      try {
        const headers = this.etags.has(m) ? { "If-None-Match": this.etags.get(m) } : {};
        const r = await fetch(this._url(`/api/v1/matches/${m}`), { headers, cache: "no-store" });
        if (r.status === 304) continue;
        if (r.status === 404) {
          this._apply({ k: "error", code: "unknown_match", m, detail: "there is no such match" });
          continue;
        }
        if (!r.ok) { ok = false; continue; }
        const body = await r.json();
        this.etags.set(m, r.headers.get("ETag"));
        this._applyPolled(body);
      } catch {
        ok = false;
      }
    }
    return ok;
  }

  // The snapshot carries its latest events: replay the ones we miss as updates when they reach
  // back far enough, so polling shows each event like push does; otherwise replace the state.
  _applyPolled(body) {
    const held = this.state.get(body.id);
    const missed = (body.events ?? []).filter((e) => held && e.seq > held.s);
    if (held && held.home && missed.length && missed[0].seq === held.s + 1) {
      for (const e of missed) this._apply(eventToUpdate(e));
    }
    const now = this.state.get(body.id);
    const renamed = now && (now.home !== body.home || now.away !== body.away);
    if (!now || !now.home || now.s < body.seq || renamed) this._apply(fromRest(body));
  }
}

/** `matches` (an id or an array of ids) as distinct positive integers. */
function idList(matches) {
  const ids = [...new Set([].concat(matches).map(Number))];
  const bad = ids.find((m) => !Number.isSafeInteger(m) || m < 1);
  if (bad !== undefined) throw new TypeError(`scorecast: ${bad} is not a match id`);
  return ids;
}

/** `names` (a name or an array of names) as distinct, non-empty competition names. */
function nameList(names) {
  const list = [...new Set([].concat(names))];
  const bad = list.find((c) => typeof c !== "string" || !c.trim());
  if (bad !== undefined) throw new TypeError(`scorecast: ${JSON.stringify(bad)} is not a competition name`);
  return list;
}

function stateOf(msg) {
  const { m, s, st, pd, mn, pt, sc, pn, at, cf, sp, home, away, comp, ko } = msg;
  return { m, s, st, pd, mn, pt, sc, pn, at, cf, sp, home, away, comp, ko };
}
