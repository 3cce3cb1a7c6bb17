// The connection that serves what a subscription follows: WebSocket first, with exponential backoff
// and full jitter between attempts and a resume from the last sequence number held per match; when
// WebSocket keeps failing while the server answers plain HTTP, Server-Sent Events, then polling.
//
// It reads what to follow from its `source` (the subscription): `all`, `ids`, `comps`, `state`,
// `since`, `closed`, and hands it every message (`_apply`) and status (`_setStatus`).

import { OVER } from "./scorecast-state.js";
import { Poller } from "./scorecast-polling.js";

const NEXT = { ws: "sse", sse: "poll", poll: "poll" };
// WebSocket's readyState values, the same in browsers and in Node's `ws` package.
const CONNECTING = 0;
const OPEN = 1;

export class Connection {
  constructor(source, opts) {
    this.source = source;
    this.opts = opts;
    this.WebSocket = opts.WebSocket ?? globalThis.WebSocket;
    this.EventSource = opts.EventSource ?? globalThis.EventSource;
    // "auto" starts with the first transport there is a class for: in Node before 22 without the
    // `ws` package, SSE or polling (polling needs only fetch). One asked for by name must exist.
    this.transport = this.available(opts.transport === "auto" ? "ws" : opts.transport);
    if (opts.transport !== "auto" && this.transport !== opts.transport) {
      const name = opts.transport === "ws" ? "WebSocket" : "EventSource";
      throw new TypeError(`scorecast: no ${name} here: pass options.${name} (a class)`);
    }
    this.attempt = 0; // consecutive attempts that did not connect, for the backoff
    this.failures = 0; // of those, attempts that failed while the server answered /healthz
    this.worked = new Set(); // transports that have connected in this page's life
    this.generation = 0; // counts connection attempts, so a stale failure report is ignored
    this.idle = false; // nothing to follow: nothing open until something is added
    this.wsIds = new Set(); // what the open WebSocket has been asked to follow
    this.wsComps = new Set();
    this.poller = new Poller(this);
  }

  url(path) { return new URL(path, this.opts.base); }

  /** `transport`, or the first of its fallbacks this runtime has a class for. */
  available(transport) {
    if (transport === "ws" && !this.WebSocket) transport = "sse";
    if (transport === "sse" && !this.EventSource) transport = "poll";
    return transport;
  }

  /** The query naming what the source follows, with `since` for what it holds. */
  query() {
    const src = this.source;
    if (src.all) {
      // Resume what is held and not over: a match that ended while away sends its missed updates
      // (its end among them), and nothing else is read again.
      const since = [...src.state.values()]
        .filter((v) => !OVER.has(v.st) && src.since.has(v.m))
        .map((v) => `${v.m}:${src.since.get(v.m)}`);
      return "matches=*" + (since.length ? `&since=${since.join(",")}` : "");
    }
    const ids = src.matches;
    // Matches a competition brought are resumed too, unless over: a finished one has nothing left.
    const brought = [...src.state.values()]
      .filter((v) => !src.ids.has(v.m) && src.comps.has(v.comp) && v.st !== "finished")
      .map((v) => v.m);
    const since = [...ids, ...brought].filter((m) => src.since.has(m)).map((m) => `${m}:${src.since.get(m)}`);
    // Each name encoded on its own, so a comma inside one is %2C and the list splits on the others.
    const comps = src.competitions.map(encodeURIComponent).join(",");
    return `matches=${ids.join(",")}` + (comps ? `&competitions=${comps}` : "") +
      (since.length ? `&since=${since.join(",")}` : "");
  }

  connect() {
    const src = this.source;
    if (src.closed) return;
    this.generation += 1;
    if (!src.all && src.ids.size === 0 && src.comps.size === 0) {
      this.idle = true;
      return src._setStatus("live");
    }
    this.idle = false;
    if (this.transport === "ws") this._openWs();
    else if (this.transport === "sse") this._openSse();
    else this.poller.start();
  }

  /** Back online: try at once rather than after the current backoff delay. */
  online() {
    if (this.source.status !== "reconnecting" || this.transport === "poll") return;
    this.teardown();
    this.attempt = 0;
    this.connect();
  }

  teardown() {
    clearTimeout(this.retryTimer);
    this.poller.stop();
    if (this.ws) { const ws = this.ws; this.ws = null; ws.close(1000); }
    if (this.es) { this.es.close(); this.es = null; }
  }

  close() {
    this.teardown();
    clearTimeout(this.upgradeTimer);
  }

  /** What the source follows changed: tell the transport in use. */
  changed(added, removed) {
    const src = this.source;
    if (this.idle) return this.connect();
    if (!src.all && src.ids.size === 0 && src.comps.size === 0 && this.transport !== "ws") {
      // A stream or polling loop with nothing to follow: stop it until the next `add`.
      this.teardown();
      this.generation += 1;
      this.idle = true;
      return src._setStatus("live");
    }
    if (this.transport === "ws") {
      // A socket still opening may resume a removed match from its URL's `since`, though its state
      // is gone: open a new one instead, which names only what is followed now.
      if (removed.length && this.ws?.readyState === CONNECTING) {
        this.teardown();
        return this.connect();
      }
      return this._syncWs();
    }
    if (this.transport === "sse") {
      // SSE subscriptions are fixed by the URL: reopen, once for every change made in this task.
      if (!this.es || this.reopening) return;
      this.reopening = true;
      queueMicrotask(() => {
        this.reopening = false;
        if (src.closed || !this.es) return;
        this.teardown();
        this.connect();
      });
      return;
    }
    this.poller.added(added);
  }

  connected() {
    this.attempt = 0;
    this.failures = 0;
    this.worked.add(this.transport);
    this.source._setStatus(this.transport === "poll" ? "polling" : "live");
  }

  _wsUrl() {
    const url = this.url(this.opts.wsPath);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    return url;
  }

  _openWs() {
    const url = this._wsUrl();
    url.search = this.query();
    let opened = false;
    let ws;
    try {
      ws = new this.WebSocket(url, "scorecast.v1");
    } catch (e) {
      return this._lost(false);
    }
    this.ws = ws;
    this.wsIds = new Set(this.source.ids);
    this.wsComps = new Set(this.source.comps);
    ws.onopen = () => {
      opened = true;
      this.connected();
      this._syncWs(); // matches added or removed while it was opening
    };
    ws.onmessage = (e) => this.receive(e.data);
    // Every close is retried: 1001 (server restart) and 1013 (too slow) resume where we were.
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.closedWith = { code: e.code, reason: e.reason }; // read by a shared connection's leader
      this._lost(opened);
    };
    // Node's `ws` emits errors as events too; the close that follows is what counts.
    ws.onerror = () => {};
  }

  // Sends the open WebSocket a subscribe for matches added and an unsubscribe for those removed.
  _syncWs() {
    const ws = this.ws;
    const src = this.source;
    if (!ws || ws.readyState !== OPEN) return; // the next connection's URL has them all
    const added = src.matches.filter((m) => !this.wsIds.has(m));
    const removed = [...this.wsIds].filter((m) => !src.ids.has(m)).sort((a, b) => a - b);
    if (added.length) {
      const message = { op: "subscribe", matches: added };
      const since = added.filter((m) => src.since.has(m));
      if (since.length) message.since = Object.fromEntries(since.map((m) => [m, src.since.get(m)]));
      ws.send(JSON.stringify(message));
    }
    if (removed.length) ws.send(JSON.stringify({ op: "unsubscribe", matches: removed }));
    this.wsIds = new Set(src.ids);
    const follow = src.competitions.filter((c) => !this.wsComps.has(c));
    const leave = [...this.wsComps].filter((c) => !src.comps.has(c));
    if (follow.length) ws.send(JSON.stringify({ op: "subscribe", competitions: follow }));
    if (leave.length) ws.send(JSON.stringify({ op: "unsubscribe", competitions: leave }));
    this.wsComps = new Set(src.comps);
  }

  _openSse() {
    const url = this.url(this.opts.ssePath);
    url.search = this.query();
    let opened = false;
    const es = new this.EventSource(url);
    this.es = es;
    es.onopen = () => { opened = true; this.connected(); };
    es.onmessage = (e) => this.receive(e.data);
    // EventSource's own reconnect resumes only the match of the last event (Last-Event-ID):
    // reopen ourselves, with a fresh `since` for every match.
    es.onerror = () => {
      if (this.es !== es) return;
      es.close();
      this.es = null;
      this._lost(opened);
    };
  }

  receive(data) {
    let msg;
    try { msg = JSON.parse(data); } catch { return; }
    this.source._apply(msg);
  }

  async _lost(opened) {
    const src = this.source;
    if (src.closed) return;
    src._setStatus("reconnecting");
    if (!opened && this.opts.transport === "auto" && this.transport !== "poll") {
      const generation = this.generation;
      // Count the failure against the transport only when the server itself answers.
      const answers = await this._serverAnswers();
      // Meanwhile another attempt may have started (back online, back to WebSocket).
      if (src.closed || generation !== this.generation) return;
      if (answers) this.failures += 1;
      // A transport that has worked here is given longer: a server that is shutting down answers
      // HTTP on its open connections for a while, but refuses new WebSockets and streams.
      const limit = this.opts.fallbackAfter * (this.worked.has(this.transport) ? 3 : 1);
      if (this.failures >= limit) {
        // Without EventSource (Node), SSE is skipped.
        this.transport = this.available(NEXT[this.transport]);
        this.attempt = 0;
        this.failures = 0;
        this._scheduleUpgrade();
        return this.connect();
      }
    }
    this._retry();
  }

  _retry() {
    // Full jitter: anywhere between 0 and the exponential ceiling, so a crowd spreads out.
    const ceiling = Math.min(this.opts.maxDelay, this.opts.minDelay * 2 ** this.attempt);
    this.attempt += 1;
    this.retryTimer = setTimeout(() => this.connect(), Math.random() * ceiling);
  }

  async _serverAnswers() {
    try {
      const r = await fetch(this.url(this.opts.healthPath), { cache: "no-store" });
      return r.ok;
    } catch {
      return false;
    }
  }

  // From a fallback, try WebSocket again now and then; switch back when it opens. Without a
  // WebSocket class there is nothing to go back to.
  _scheduleUpgrade() {
    clearTimeout(this.upgradeTimer);
    if (!this.WebSocket) return;
    this.upgradeTimer = setTimeout(() => {
      if (this.source.closed || this.transport === "ws") return;
      let probe;
      try {
        probe = new this.WebSocket(this._wsUrl(), "scorecast.v1");
      } catch {
        return this._scheduleUpgrade();
      }
      probe.onopen = () => {
        probe.close(1000);
        this.teardown();
        this.transport = "ws";
        this.connect();
      };
      probe.onerror = () => this._scheduleUpgrade();
    }, this.opts.upgradeAfter);
  }
}
