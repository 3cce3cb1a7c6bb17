// One connection per browser: the tabs of one origin subscribing to one server share a single
// connection. The tab holding a Web Lock leads (scorecast-leader.js): it follows the union of what
// every tab follows and relays each message over a BroadcastChannel; each tab's Subscription
// applies what it follows. When the leading tab goes, the next tab in the lock's queue takes over.
//
// A SharedConnection stands in a tab where a Connection would (scorecast-connection.js): the
// subscription calls `connect`, `changed`, `online` and `close`, and reads `transport`.

import { Connection } from "./scorecast-connection.js";
import { Leader } from "./scorecast-leader.js";

const NO_POLLER = { forget() {} };

/** Whether a subscription with these options shares its tab's connection: a page (Node never
 * shares) with Web Locks and BroadcastChannel, no classes of its own, and `share` not false. */
export function shareable(opts) {
  return opts.share !== false && !opts.WebSocket && !opts.EventSource &&
    globalThis.document !== undefined && globalThis.navigator?.locks !== undefined &&
    globalThis.BroadcastChannel !== undefined;
}

export class SharedConnection {
  /** `Subscription`: the class the leading tab makes its shared subscription with. */
  constructor(source, opts, Subscription) {
    this.source = source;
    this.opts = opts;
    this.Subscription = Subscription;
    this.id = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
    // Tabs share only with tabs that would open the same connection.
    const { base, transport, wsPath, ssePath, healthPath } = opts;
    // The version names this module's messages: tabs of a later one that speaks others do not mix.
    this.key = `scorecast.share.v1:${JSON.stringify([base, transport, wsPath, ssePath, healthPath])}`;
    this.shared = { transport: opts.transport === "auto" ? "ws" : opts.transport, attempt: 0 };
    this.leader = null; // a Leader while this tab holds the connection
    this.own = null; // a Connection of its own, once the shared one has no room for this tab
  }

  /** Whether this tab holds the shared connection. */
  get leading() { return this.leader !== null; }

  get transport() { return this.own?.transport ?? this.leader?.inner?.transport ?? this.shared.transport; }
  get attempt() { return this.own?.attempt ?? this.leader?.inner?.connection.attempt ?? this.shared.attempt; }
  /** The open WebSocket, in the tab that holds it. */
  get ws() { return this.own?.ws ?? this.leader?.inner?.connection.ws; }
  get poller() { return this.own?.poller ?? NO_POLLER; }
  /** The WebSocket class of the connection open in this tab, if any (for tests and the console:
   * a replaced one is used from the next attempt). */
  get WebSocket() { return this._here()?.WebSocket; }
  set WebSocket(Class) { const open = this._here(); if (open) open.WebSocket = Class; }

  _here() { return this.own ?? this.leader?.inner?.connection; }

  connect() {
    if (this.source.closed || this.channel || this.own) return;
    this.channel = new BroadcastChannel(this.key);
    this.channel.onmessage = (e) => this._hear(e.data);
    this.abort = new AbortController();
    // Queued behind the tab that leads, if any; granted when it goes.
    navigator.locks
      .request(this.key, { signal: this.abort.signal }, () => this._lead())
      .catch(() => {}); // aborted: closed, or gone its own way
    this._announce();
    // A page leaving says so, so that the leader stops following what only it followed; one
    // coming back from the back-forward cache says what it follows again.
    this.onPageHide = () => this.post({ t: "bye", tab: this.id });
    this.onPageShow = (e) => { if (e.persisted) this._announce(); };
    globalThis.addEventListener("pagehide", this.onPageHide);
    globalThis.addEventListener("pageshow", this.onPageShow);
  }

  /** What the subscription follows changed: tell the leader. */
  changed(added, removed) {
    if (this.own) return this.own.changed(added, removed);
    if (this.channel) this._announce();
  }

  online() { this.own?.online(); }

  close() {
    this._leave();
    this.own?.close();
  }

  /** Posts `data` to the other tabs. */
  post(data) {
    try { this.channel?.postMessage(data); } catch (e) { console.error("scorecast share failed", e); }
  }

  /** What this tab follows and holds, as the leader reads it; `states` on a takeover. */
  interest(withStates = false) {
    const src = this.source;
    const data = {
      t: "tab", tab: this.id, all: src.all, ids: src.matches, comps: src.competitions,
      since: Object.fromEntries(src.since),
    };
    if (withStates) data.states = [...src.state.values()];
    return data;
  }

  /** A server message, from the leader or this tab's own: applied when this tab follows it. */
  deliver(msg) {
    const src = this.source;
    // An update for a match this tab holds nothing of: the tab has just asked for it, and the
    // leader's snapshot of it is on its way.
    const update = msg.k !== "snapshot" && msg.k !== "error" && msg.m !== undefined;
    if (update && !src.state.has(msg.m) && !src.since.has(msg.m)) return;
    src._apply(msg);
  }

  /** The shared connection's status, as the leader reports it. */
  status(status, transport, attempt) {
    if (this.own) return;
    this.shared = { transport, attempt };
    this.source._setStatus(status);
  }

  _announce() {
    if (this.leader) this.leader.heard(this.interest());
    else this.post(this.interest());
  }

  _hear(data) {
    if (this.source.closed || !data || typeof data !== "object") return;
    if (this.leader) return this.leader.heard(data);
    if (data.t === "msg" && (data.to === undefined || data.to === this.id)) this.deliver(data.msg);
    else if (data.t === "status") this.status(data.status, data.transport, data.attempt);
    else if (data.t === "who") this.post(this.interest(true));
    else if (data.t === "own" && data.to === this.id) this.goOwn();
  }

  // Holds the lock until this tab stops leading.
  _lead() {
    if (this.source.closed || this.own) return;
    return new Promise((stepDown) => {
      this.stepDown = stepDown;
      this.leader = new Leader(this);
      this.leader.start();
    });
  }

  /** The shared connection has no room for what this tab follows: a connection of its own. */
  goOwn() {
    if (this.own || this.source.closed) return;
    this._leave();
    this.own = new Connection(this.source, this.opts);
    this.own.connect();
  }

  _leave() {
    this.post({ t: "bye", tab: this.id });
    this.abort?.abort();
    this.leader?.stop();
    this.leader = null;
    this.stepDown?.(); // the lock goes to the next tab
    this.channel?.close();
    this.channel = null;
    globalThis.removeEventListener?.("pagehide", this.onPageHide);
    globalThis.removeEventListener?.("pageshow", this.onPageShow);
  }
}
