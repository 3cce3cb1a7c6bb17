// Reads {sport: {before, pushed, after}} from the file named in argv: a match's REST answer when it
// was created, the updates a WebSocket subscriber was then pushed, and its REST answer at the end.
// Prints, per sport, what the package makes of them: `updates`, each REST event as eventToUpdate
// makes it (as polling applies it); `folded`, the state after the pushed updates; `fresh`, the
// state the final answer gives.
import { readFileSync } from "node:fs";
import { Subscription, eventToUpdate } from "scorecast-client";

const games = JSON.parse(readFileSync(process.argv[2], "utf8"));
// A server that is not there: nothing but the messages given here reaches these subscriptions.
const options = { base: "http://127.0.0.1:9", transport: "poll" };
const out = {};
for (const [sport, { before, pushed, after }] of Object.entries(games)) {
  const following = new Subscription([before.id], { ...options, snapshots: [before] });
  // What a connection does with each message (the subscription's one path for every transport).
  for (const msg of pushed) following._apply(msg);
  const fresh = new Subscription([after.id], { ...options, snapshots: [after] });
  out[sport] = {
    updates: after.events.map(eventToUpdate),
    folded: following.state.get(before.id),
    fresh: fresh.state.get(after.id),
  };
  following.close();
  fresh.close();
}
process.stdout.write(JSON.stringify(out));
