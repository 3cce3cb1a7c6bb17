// scorecast.js: live match updates from a scorecast server, for browsers and Node. No dependencies.
//
//   import { subscribe } from "/static/scorecast.js";
//   const live = subscribe([42, 43]);            // or subscribe("*") for every match in the window
//   const board = subscribe([], { competitions: ["Eredivisie"] });  // a competition's matches
//   live.onSnapshot((state, msg) => draw(state));
//   live.onUpdate((msg, state, previous) => draw(state));
//   live.onStatus((status, info) => showIndicator(status));
//   live.onWatching((m, n) => showAudience(m, formatWatching(n)));   // "1.2k watching"
//
// WebSocket first, with exponential backoff and full jitter between attempts and a resume from the
// last sequence number held per match, so nothing is missed or repeated. When WebSocket keeps failing
// while the server answers plain HTTP, it falls back to Server-Sent Events, then to polling the
// snapshot endpoint with If-None-Match. The protocol is in docs/protocol.md; this module in
// docs/client.md; its types in scorecast.d.ts. The package's modules, each served beside this one
// under /static/ by the server (clients/js/README.md):
//   scorecast-subscription.js  what a page follows and holds, and its handlers
//   scorecast-connection.js    WebSocket, SSE, backoff and fallback;  scorecast-polling.js  polling
//   scorecast-share.js         one connection for every tab of a browser;  scorecast-leader.js
//                              the tab that holds it
//   scorecast-state.js         a match's state and how a message changes it
//   scorecast-rest.js          REST bodies as protocol messages;  scorecast-clock.js  the clocks
// @ts-self-types="./scorecast.d.ts"

import { Subscription } from "./scorecast-subscription.js";

export { Subscription } from "./scorecast-subscription.js";
export { fromRest, eventToUpdate } from "./scorecast-rest.js";
export { matchClock, countdown } from "./scorecast-clock.js";

/** A count of watchers as people read it: two significant figures, rounded down ("980", "1.2k",
 * "15k", "1.2M"); the server tells a new count only when this changes. */
export function formatWatching(n) {
  n = Math.max(0, Math.floor(Number(n) || 0));
  let unit = 1;
  while (n / unit >= 100) unit *= 10;
  n = Math.floor(n / unit) * unit;
  for (const [size, suffix] of [[1e9, "B"], [1e6, "M"], [1e3, "k"]]) {
    if (n < size) continue;
    const whole = Math.floor(n / size);
    const tenth = Math.floor((n % size) * 10 / size);
    return whole < 10 && tenth > 0 ? `${whole}.${tenth}${suffix}` : `${whole}${suffix}`;
  }
  return String(n);
}

/** Follows `matches` (an array of match ids, or "*" for every match in the window), and the
 * competitions named in `options.competitions`. */
export function subscribe(matches, options = {}) {
  return new Subscription(matches, options);
}
