// A subscription: what a page follows (match ids, "*", competitions), what it holds of each match,
// and the handlers it reports to. Its connection (scorecast-connection.js) brings the messages.

import { stateOf, evolve, named, OVER } from "./scorecast-state.js";
import { fromRest } from "./scorecast-rest.js";
import { Connection } from "./scorecast-connection.js";
import { SharedConnection, shareable } from "./scorecast-share.js";

const DEFAULTS = {
  base: undefined, // the server: by default the one serving this module (browsers only)
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
  forgetAfter: 6 * 3600 * 1000, // ms: with "*", an ended match is forgotten this long after its end
  WebSocket: undefined, // a WebSocket class where there is no global one (Node: the `ws` package)
  EventSource: undefined, // an EventSource class where there is no global one (else SSE is skipped)
  share: true, // browsers: one connection for all the tabs of this origin (scorecast-share.js)
  shareLimits: undefined, // {matches, competitions}: what the shared connection may follow
};

/** The server that served this module, for a page loading it from there; none from a file. */
function servedFrom() {
  const origin = new URL(import.meta.url).origin;
  return origin === "null" ? undefined : origin;
}

export class Subscription {
  constructor(matches, options = {}) {
    this.opts = { ...DEFAULTS, ...options };
    this.opts.base ??= servedFrom();
    if (!this.opts.base) throw new TypeError("scorecast: options.base names the server (the module was not loaded from one)");
    this.all = matches === "*";
    this.ids = new Set(this.all ? [] : idList(matches)); // followed matches, unless `all`
    this.comps = new Set(nameList(this.opts.competitions)); // followed competitions
    if (this.all && this.comps.size) throw new TypeError('scorecast: "*" follows every competition already');
    this.state = new Map(); // match id -> {m, s, st, pd, mn, pt, sc, pn, home, away, comp, ko}
    this.handlers = { update: [], snapshot: [], status: [], error: [], watching: [] };
    this.status = "connecting";
    this.closed = false;
    for (const body of this.opts.snapshots) this.state.set(body.id, stateOf(fromRest(body)));
    this.since = new Map([...this.state].map(([m, v]) => [m, v.s]));
    for (const [m, s] of Object.entries(this.opts.since)) this.since.set(Number(m), Number(s));
    // With "*": when each ended match was seen ending (match id -> ms), until it is forgotten.
    this.endedAt = new Map();
    // After a resume marker: match id -> how many of its next updates are replayed (missed while away).
    this.replaying = new Map();
    if (this.all) {
      this.retirer = setInterval(() => this._retireEnded(), Math.min(60000, this.opts.forgetAfter));
      this.retirer.unref?.(); // Node: a timer of its own must not keep the process alive
    }
    // In a browser, one connection serves every tab of the origin; otherwise one of its own.
    this.connection = shareable(this.opts)
      ? new SharedConnection(this, this.opts, Subscription)
      : new Connection(this, this.opts);
    // Start after the caller has had the chance to register its handlers.
    queueMicrotask(() => this.connection.connect());
    this.onOnline = () => this.connection.online();
    globalThis.addEventListener?.("online", this.onOnline);
  }

  onUpdate(fn) { this.handlers.update.push(fn); return this; }
  onSnapshot(fn) { this.handlers.snapshot.push(fn); return this; }
  onStatus(fn) { this.handlers.status.push(fn); fn(this.status, this._info()); return this; }
  onError(fn) { this.handlers.error.push(fn); return this; }
  /** `fn(matchId, n)`: `n` connections watch the match, on every node of the server (sent when
   * the count shown to two significant figures changes; `formatWatching(n)` shows it so). */
  onWatching(fn) { this.handlers.watching.push(fn); return this; }

  /** Removes every registration of `fn` for `event` ("update", "snapshot", "status", "error",
   * "watching"). */
  off(event, fn) {
    const list = this.handlers[event];
    if (!list) throw new TypeError(`scorecast: no event "${event}"`);
    this.handlers[event] = list.filter((h) => h !== fn);
    return this;
  }

  /** The transport in use: "ws", "sse" or "poll". */
  get transport() { return this.connection.transport; }

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
    this.connection.changed([], brought.map((v) => v.m));
    return this;
  }

  /** Follows more matches (an id or an array of ids); each starts with its snapshot. */
  add(matches) {
    this._needIds("add");
    return this._grow(this.ids, idList(matches));
  }

  // Adds to `followed` (the ids or the competitions) what it lacks, and tells the connection.
  _grow(followed, items) {
    const added = items.filter((x) => !followed.has(x));
    if (!added.length || this.closed) return this;
    for (const x of added) followed.add(x);
    this.connection.changed(added, []);
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
    this.connection.changed([], removed);
    return this;
  }

  _forget(m) {
    this.endedAt.delete(m);
    this.replaying.delete(m);
    this.state.delete(m);
    this.since.delete(m);
    this.connection.poller.forget(m);
  }

  _needIds(what) {
    if (this.all) throw new TypeError(`scorecast: ${what} needs a subscription by match ids, not "*"`);
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
    clearInterval(this.retirer);
    globalThis.removeEventListener?.("online", this.onOnline);
    this.connection.close();
    this._setStatus("closed");
  }

  // ---- applying messages: the same for every transport ----

  /** Applies one server message (`fromPoll`: a polled snapshot, applied only when newer). */
  _apply(msg, fromPoll = false) {
    if (this.closed) return;
    // A message already on its way when its match was removed.
    if (!this._follows(msg)) return;
    if (msg.k === "error") return this._emit("error", msg);
    if (msg.k === "resume") {
      if (msg.n > 0) this.replaying.set(msg.m, msg.n);
      else this.replaying.delete(msg.m);
      return;
    }
    // How many watch: no state change, and `since` stays where the updates left it.
    if (msg.k === "watching") return this._emit("watching", msg.m, msg.w);
    msg = named(msg);
    const previous = this.state.get(msg.m);
    if (msg.k === "snapshot") {
      this.replaying.delete(msg.m); // "rec":false: the snapshot replaces the replay
      // A pushed snapshot always replaces; a polled one only when it is newer.
      if (fromPoll && previous && previous.home && previous.s >= msg.s) return;
      const next = stateOf(msg);
      this._hold(next);
      this._emit("snapshot", next, msg, previous);
      this._retire(next);
      return this._forgetIfMoved(msg);
    }
    const replay = this._countReplayed(msg.m);
    // An update: after resuming from an older position than held, drop what we have.
    if (previous && msg.s <= previous.s) return;
    const next = evolve(previous, msg);
    this._hold(next);
    this._emit("update", msg, next, previous, { replay });
    this._retire(next);
    this._forgetIfMoved(msg);
  }

  // Whether this update of match `m` is one of those its resume marker announced (sent again
  // after a reconnect), rather than live: pages alert only on live ones.
  _countReplayed(m) {
    const left = this.replaying.get(m);
    if (!left) return false;
    if (left > 1) this.replaying.set(m, left - 1);
    else this.replaying.delete(m);
    return true;
  }

  // With "*" every match the server brings is held; one that is over is let go once its result
  // is confirmed, or `forgetAfter` after it was seen ending, so that a long-open page (and each
  // of its reconnects) does not carry every match it ever saw. Its final state was reported
  // first. A later message about it (an award after all) brings it back.
  _retire(state) {
    if (!this.all) return;
    if (state.cf) return this._forget(state.m);
    if (OVER.has(state.st)) this.endedAt.set(state.m, this.endedAt.get(state.m) ?? Date.now());
    else this.endedAt.delete(state.m);
  }

  _retireEnded(now = Date.now()) {
    for (const [m, at] of this.endedAt) if (now - at >= this.opts.forgetAfter) this._forget(m);
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

  _info() { return { transport: this.connection.transport, attempt: this.connection.attempt }; }

  /** Reports `status` to the status handlers (a repeated "reconnecting" too: a new attempt). */
  _setStatus(status) {
    if (status === this.status && status !== "reconnecting") return;
    this.status = status;
    this._emit("status", status, this._info());
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
