// The admin console's requests: the token kept in this tab, writes with it, and the feedback shown
// beside each form (the server's problem detail on a refusal).

const TOKEN_KEY = "scorecast.adminToken";

const PLAIN = {
  400: "The server could not read the request",
  401: "The admin token was refused",
  404: "Not found",
  409: "Not allowed right now",
  413: "Too large",
  415: "Wrong format",
  422: "Please check the form",
  503: "The server is busy; try again in a moment",
};

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

function key() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** POSTs (or PATCHes) JSON with the token; returns the body, or throws an Error with plain words. */
export async function send(method, path, body, idempotencyKey) {
  if (!token()) throw new Error("Paste the admin token first.");
  const headers = { "Content-Type": "application/json", Authorization: `Bearer ${token()}` };
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  let response;
  for (let attempt = 0; ; attempt += 1) {
    try {
      response = await fetch(path, { method, headers, body: JSON.stringify(body) });
    } catch {
      response = null;
    }
    // With its Idempotency-Key, a retry after a lost answer or a 503 stores the event at most once.
    const retry = idempotencyKey && attempt === 0 && (!response || response.status === 503);
    if (!retry) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  if (!response) throw new Error("Could not reach the server. Check the connection and try again.");
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    const lead = PLAIN[response.status] ?? `Error ${response.status}`;
    const field = answer.field ? ` (field: ${answer.field})` : "";
    throw new Error(`${lead}: ${answer.detail ?? response.statusText}${field}`);
  }
  return answer;
}

/** Shows `error`'s words, or `ok`, in the feedback line `target` (an element id). */
export function report(target, error, ok) {
  const node = document.getElementById(target);
  node.textContent = error ? error.message : ok;
  node.className = error ? "feedback error" : "feedback ok";
}

/** Posts `body` as an event of match `id` and says in `feedback` what was stored, or why not. */
export async function postEvent(id, body, feedback) {
  try {
    if (!id) throw new Error("Create or choose a match first.");
    const stored = await send("POST", `/api/v1/matches/${id}/events`, body, key());
    const status = stored.state ? `; ${stored.state.status}${stored.state.confirmed ? ", confirmed" : ""}` : "";
    report(feedback, null,
      `Stored ${body.kind} as event #${stored.seq}; score ${stored.score.home}–${stored.score.away}` +
      (stored.shootout ? ` (${stored.shootout.home}–${stored.shootout.away} pens)` : "") + `${status}.`);
    return stored;
  } catch (error) {
    report(feedback, error);
    return null;
  }
}

/** `date` as a datetime-local input shows it: local time, to the minute. */
export function localInput(date) {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return local.toISOString().slice(0, 16);
}
