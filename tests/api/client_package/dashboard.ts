// A small dashboard, as an integrator would write it against the installed package: follows one
// match and prints every snapshot and update it sees as one JSON line on stdout, what happens to
// the connection on stderr. Run as `node dashboard.mjs BASE MATCH_ID [no-websocket]`.
import { subscribe, matchClock, type MatchState, type Subscription } from "scorecast-client";
import WebSocket from "ws";

const [base, id, mode] = process.argv.slice(2);
if (!base || !id) throw new Error("usage: dashboard BASE MATCH_ID [no-websocket]");

// Node 22 and later have a global WebSocket; Node 20 needs the `ws` package's class, or does
// without WebSocket (`no-websocket`: no EventSource either, so it polls).
const global: unknown = (globalThis as { WebSocket?: unknown }).WebSocket;
const socket = mode === "no-websocket" ? undefined : global ?? WebSocket;
const live: Subscription = subscribe(Number(id), {
  base,
  WebSocket: socket,
  // A restart in the test should be noticed quickly (the defaults are for crowds), and a poller
  // should try to go back to WebSocket within the test.
  minDelay: 100,
  maxDelay: 1000,
  pollInterval: 200,
  upgradeAfter: 100,
});
const using = socket === undefined ? "no" : socket === global ? "the global" : "the ws package's";
console.error(`dashboard: node ${process.version}, ${using} WebSocket`);

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
