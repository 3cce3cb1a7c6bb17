// The last fallback: polling the REST API. A match is read with the last ETag in If-None-Match
// (an unchanged match costs a bodiless 304); a competition through the match list; "*" reads the
// whole list.

import { fromRest, eventToUpdate } from "./scorecast-rest.js";

export class Poller {
  constructor(connection) {
    this.connection = connection;
    this.etags = new Map();
  }

  get source() { return this.connection.source; }

  start() {
    this.stop();
    const conn = this.connection;
    const src = this.source;
    const generation = conn.generation;
    // Ends when the subscription closes, leaves polling, or stops with nothing left to follow.
    const over = () => src.closed || conn.transport !== "poll" || generation !== conn.generation;
    const round = async () => {
      if (over()) return;
      const ok = src.all
        ? await this._pollList()
        : [await this.pollMatches(), await this._pollCompetitions()].every(Boolean);
      if (over()) return;
      if (!ok) src._setStatus("reconnecting");
      else if (src.status !== "polling") conn.connected();
      this.timer = setTimeout(round, conn.opts.pollInterval);
    };
    round();
  }

  stop() {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  forget(m) { this.etags.delete(m); }

  /** Matches or competitions added: read them now rather than at the next round. */
  added(added) {
    const [ids, comps] = [added.filter(Number.isInteger), added.filter((a) => typeof a === "string")];
    if (this.timer && ids.length) this.pollMatches(ids);
    if (this.timer && comps.length) this._pollCompetitions(comps);
  }

  async _fetch(path, headers = {}) {
    return fetch(this.connection.url(path), { headers, cache: "no-store" });
  }

  async _pollList() {
    try {
      for (let offset = 0; ; offset += 500) {
        const r = await this._fetch(`/api/v1/matches?limit=500&offset=${offset}`);
        if (!r.ok) return false;
        const page = await r.json();
        // Only matches that have begun: "*" follows live matches and those that get updates.
        for (const body of page.matches) if (body.seq > 0) this.source._apply(fromRest(body), true);
        if (offset + page.matches.length >= page.total || page.matches.length === 0) return true;
      }
    } catch {
      return false;
    }
  }

  // The matches of each competition in the window (as the server's push would bring them), and
  // those already held: a new one as its snapshot, a held one that moved on read whole, so that
  // its events are reported one by one (the list has none). A held match the lists no longer
  // have (moved to another competition) is read whole too: its snapshot names its competition,
  // and the subscription forgets it, as a pushed `match` update would make it.
  async _pollCompetitions(comps = this.source.competitions) {
    const src = this.source;
    const moved = [];
    const seen = new Set();
    const window = this.connection.opts.windowHours * 3600000;
    const shown = (body) => src.state.has(body.id) || body.status === "live" || body.status === "half_time" ||
      Math.abs(Date.parse(body.kickoff_at) - Date.now()) <= window;
    try {
      for (const comp of comps) {
        for (let offset = 0; ; offset += 500) {
          const query = `competition=${encodeURIComponent(comp)}&limit=500&offset=${offset}`;
          const r = await this._fetch(`/api/v1/matches?${query}`);
          if (!r.ok) return false;
          const page = await r.json();
          for (const body of page.matches) {
            seen.add(body.id);
            if (!src.comps.has(body.competition) || src.ids.has(body.id) || !shown(body)) continue;
            const held = src.state.get(body.id);
            if (!held) src._apply(fromRest(body), true);
            else if (held.s < body.seq) moved.push(body.id);
          }
          if (offset + page.matches.length >= page.total || page.matches.length === 0) break;
        }
      }
      for (const [m, held] of src.state) {
        if (!seen.has(m) && !src.ids.has(m) && comps.includes(held.comp)) moved.push(m);
      }
      return this.pollMatches(moved);
    } catch {
      return false;
    }
  }

  async pollMatches(ids = this.source.matches) {
    const src = this.source;
    let ok = true;
    for (const m of ids) {
      if (!src.ids.has(m) && !src.state.has(m)) continue; // removed meanwhile
      try {
        const headers = this.etags.has(m) ? { "If-None-Match": this.etags.get(m) } : {};
        const r = await this._fetch(`/api/v1/matches/${m}`, headers);
        if (r.status === 304) continue;
        if (r.status === 404) {
          src._apply({ k: "error", code: "unknown_match", m, detail: "there is no such match" });
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
    const src = this.source;
    const held = src.state.get(body.id);
    const missed = (body.events ?? []).filter((e) => held && e.seq > held.s);
    if (held && held.home && missed.length && missed[0].seq === held.s + 1) {
      for (const e of missed) src._apply(eventToUpdate(e));
    }
    const now = src.state.get(body.id);
    const renamed = now && (now.home !== body.home || now.away !== body.away);
    if (!now || !now.home || now.s < body.seq || renamed) src._apply(fromRest(body));
  }
}
