// A small dashboard, as an integrator would write it against the installed package: follows one
// match and prints every snapshot and update it sees as one JSON line on stdout, what happens to
// the connection on stderr. Run as `node dashboard.mjs BASE MATCH_ID`.
import { subscribe, matchClock, type MatchState, type Subscription } from "scorecast-client";
import WebSocket from "ws";

const [base, id] = process.argv.slice(2);
if (!base || !id) throw new Error("usage: dashboard BASE MATCH_ID");

// Node 22 and later have a global WebSocket; Node 20 needs the `ws` package's class.
const global: unknown = (globalThis as { WebSocket?: unknown }).WebSocket;
const live: Subscription = subscribe(Number(id), {
  base,
  WebSocket: global ?? WebSocket,
  // A restart in the test should be noticed quickly (the defaults are for crowds).
  minDelay: 100,
  maxDelay: 1000,
});
console.error(`dashboard: node ${process.version}, ${global ? "global" : "ws package"} WebSocket`);

function print(kind: string, seq: number, score: [number, number], state: MatchState): void {
  const clock = matchClock(state);
  const line = { kind, match: state.m, seq, score, status: state.st, clock: clock?.text ?? null };
  process.stdout.write(JSON.stringify(line) + "\n");
}

live.onSnapshot((state, msg) => print(msg.k, msg.s, msg.sc, state));
live.onUpdate((msg, state) => print(msg.k, msg.s, msg.sc, state));
live.onStatus((status, info) => console.error(`dashboard: ${status} over ${info.transport}`));
live.onError((msg) => console.error(`dashboard: error ${msg.code}: ${msg.detail ?? ""}`));

process.on("SIGTERM", () => {
  live.close();
  process.exit(0);
});
