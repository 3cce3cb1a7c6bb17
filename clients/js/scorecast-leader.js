// The tab that holds a browser's shared connection (scorecast-share.js). It keeps what every tab
// follows, follows their union through one subscription of its own (`inner`, not shared), and
// relays every message the server sends to every tab. On taking over it asks the tabs what they
// follow and hold, and resumes each match from the lowest position a tab holds: no tab misses an
// event, and each drops the ones it already has.

/** ms a new leader waits for the tabs to report before it connects. */
const TAKEOVER_WAIT = 100;
/** The server's defaults for --ws-max-subscriptions and --ws-max-competitions: what one
 * connection may follow. */
const DEFAULT_LIMITS = { matches: 200, competitions: 20 };

export class Leader {
  constructor(tab) {
    this.tab = tab; // this tab's SharedConnection
    this.tabs = new Map(); // tab id -> what it follows ({all, ids, comps, since, states?})
    this.inner = null; // the subscription following the union, once open
    this.watching = new Map(); // match id -> the last count of watchers heard, for tabs that join
    this.limits = { ...DEFAULT_LIMITS, ...tab.opts.shareLimits };
  }

  start() {
    this.tabs.set(this.tab.id, this.tab.interest(true));
    this.tab.post({ t: "who" });
    this.timer = setTimeout(() => this._open(), TAKEOVER_WAIT);
  }

  stop() {
    clearTimeout(this.timer);
    this.stopped = true;
    this.inner?.close();
  }

  /** A message from a tab (or from this one: what it follows). */
  heard(data) {
    if (this.stopped) return;
    const before = this.tabs.get(data.tab);
    if (data.t === "tab" && typeof data.tab === "string") {
      this.tabs.set(data.tab, { ...data, ids: [].concat(data.ids ?? []), comps: [].concat(data.comps ?? []) });
    } else if (data.t === "bye") {
      this.tabs.delete(data.tab);
    } else {
      return;
    }
    if (!this.inner) return; // still gathering: the union opens with everything heard
    this._follow(this._union());
    if (data.t === "tab") {
      this._catchUp(data.tab, before);
      const { status } = this.inner;
      this.tab.post({ t: "status", status, transport: this.inner.transport, attempt: this.inner.connection.attempt });
    }
  }

  /** What the tabs follow together, tab by tab in the order they came (this one first) while it
   * fits in one connection; a tab beyond is told to open its own. `"*"` fits everything. */
  _union() {
    const union = { all: false, ids: new Set(), comps: new Set() };
    if ([...this.tabs.values()].some((t) => t.all)) return { ...union, all: true };
    for (const [id, t] of this.tabs) {
      const ids = new Set([...union.ids, ...t.ids]);
      const comps = new Set([...union.comps, ...t.comps]);
      const fits = ids.size <= this.limits.matches && comps.size <= this.limits.competitions;
      if (fits || id === this.tab.id) {
        union.ids = ids;
        union.comps = comps;
      } else {
        this.tabs.delete(id);
        this.tab.post({ t: "own", to: id });
      }
    }
    return union;
  }

  // A server whose limits are lower than `shareLimits` closed the shared connection for following
  // too much (1008, naming its limit): keep to its limit from now on, sending the tabs beyond it
  // their own way, and reconnect with what fits.
  _learnLimits(closed) {
    if (closed?.code !== 1008) return;
    const limit = /^too many (subscriptions|competitions) \(limit (\d+)\)/.exec(closed.reason ?? "");
    if (!limit) return;
    const key = limit[1] === "subscriptions" ? "matches" : "competitions";
    const max = Number(limit[2]);
    if (!(max < this.limits[key])) return;
    this.limits[key] = max;
    this._follow(this._union());
  }

  // Opens the shared subscription once the tabs have reported, from the lowest position each
  // match is held at.
  _open() {
    if (this.stopped) return;
    const union = this._union();
    const since = new Map();
    const states = new Map();
    for (const t of this.tabs.values()) {
      for (const [m, s] of Object.entries(t.since ?? {})) {
        const id = Number(m);
        if (!(since.get(id) <= s)) since.set(id, Number(s));
      }
      for (const state of t.states ?? []) {
        if (!(states.get(state.m)?.s <= state.s)) states.set(state.m, state);
      }
    }
    for (const t of this.tabs.values()) delete t.states; // read once
    this._create(union, since, states);
    // A tab that held nothing of a match others hold (one just opened) starts from their state.
    for (const id of this.tabs.keys()) this._catchUp(id);
  }

  _create(union, since, states) {
    const opts = { ...this.tab.opts, share: false, snapshots: [], since: {}, competitions: [...union.comps] };
    if (union.all) opts.competitions = [];
    const inner = new this.tab.Subscription(union.all ? "*" : [...union.ids], opts);
    // Resume from the positions held: the connection opens after this task.
    for (const [m, s] of since) {
      const state = states.get(m);
      if (!union.all && !union.ids.has(m) && !union.comps.has(state?.comp)) continue;
      inner.since.set(m, s);
      if (state?.s === s) inner.state.set(m, state);
    }
    const relay = (msg) => this._relay(msg);
    inner.onSnapshot((state, msg) => relay(msg)).onError(relay);
    // Whether this subscription's connection has been lost since it opened. The updates replayed
    // on its first connection were missed only while the tabs handed the connection over (or it
    // went to or from "*"): live for the tabs. Those replayed after a lost connection are marked
    // as replays for the tabs too (pages alert only on live ones).
    let lost = false;
    inner.onUpdate((msg, state, previous, info) => {
      if (info?.replay && lost) this._send({ k: "resume", m: msg.m, n: 1 });
      relay(msg);
    });
    inner.onWatching((m, w) => this._watching(m, w));
    inner.onStatus((status, info) => {
      // Closed on leaving or on going to or from "*": the tabs' subscriptions stay open.
      if (status === "closed") return;
      if (status === "reconnecting") lost = true;
      if (status === "reconnecting" && inner === this.inner) this._learnLimits(inner.connection.closedWith);
      this.tab.post({ t: "status", status, transport: info.transport, attempt: info.attempt });
      this.tab.status(status, info.transport, info.attempt);
    });
    this.inner = inner;
  }

  // Follows `union` with the shared subscription: adds and removes what changed, or opens it
  // anew when it goes to or from "*", resuming from what it holds.
  _follow(union) {
    const inner = this.inner;
    if (inner.all !== union.all) {
      inner.close();
      return this._create(union, inner.since, inner.state);
    }
    if (union.all) return;
    const ids = inner.matches;
    inner.remove(ids.filter((m) => !union.ids.has(m)));
    inner.removeCompetitions(inner.competitions.filter((c) => !union.comps.has(c)));
    // A match new to the union starts with its snapshot, which every tab gets.
    inner.add([...union.ids].filter((m) => !ids.includes(m)));
    inner.addCompetitions([...union.comps].filter((c) => !inner.comps.has(c)));
  }

  // A tab that joins, or follows more, gets as snapshots the matches it newly follows that the
  // shared subscription holds further than it does (those it followed already are on their way
  // to it; their positions in its message may be behind them).
  _catchUp(tabId, before) {
    const t = this.tabs.get(tabId);
    if (!t) return;
    const follows = (tab, state) => tab.all || tab.ids.includes(state.m) || tab.comps.includes(state.comp);
    for (const state of this.inner.state.values()) {
      if (!follows(t, state) || (before && follows(before, state))) continue;
      if (!(t.since?.[state.m] >= state.s)) this._send({ ...state, k: "snapshot" }, tabId);
      const w = this.watching.get(state.m);
      if (w !== undefined) this._send({ k: "watching", m: state.m, w }, tabId);
    }
  }

  _relay(msg) { this._send(msg); }

  // How many watch a match (the shared connection counts once for every tab of the browser).
  _watching(m, w) {
    this.watching.set(m, w);
    // Bounded by what the shared subscription holds: drop the counts of matches it let go.
    if (this.watching.size > 2 * this.inner.state.size + 16) {
      for (const id of this.watching.keys()) if (!this.inner.state.has(id)) this.watching.delete(id);
    }
    this._send({ k: "watching", m, w });
  }

  /** Sends a server message to one tab (`to`), or to every tab. */
  _send(msg, to) {
    if (to !== this.tab.id) this.tab.post(to === undefined ? { t: "msg", msg } : { t: "msg", msg, to });
    if (to === undefined || to === this.tab.id) this.tab.deliver(msg);
  }
}
