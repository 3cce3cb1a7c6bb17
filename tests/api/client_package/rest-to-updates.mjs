// Reads {sport: [REST event, ...]} from the file named in argv and prints {sport: [update, ...]}:
// each event as the package's eventToUpdate makes it, as polling applies it.
import { readFileSync } from "node:fs";
import { eventToUpdate } from "scorecast-client";

const games = JSON.parse(readFileSync(process.argv[2], "utf8"));
const updates = Object.fromEntries(
  Object.entries(games).map(([sport, events]) => [sport, events.map(eventToUpdate)]),
);
process.stdout.write(JSON.stringify(updates));
