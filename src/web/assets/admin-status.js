// The admin console's status panel: the lifecycle's `status` events (delay, postpone, interrupt,
// resume, suspend, abandon, cancel, award) and `confirm`, for the chosen match.
import { postEvent } from "/static/admin-api.js";

const $ = (id) => document.getElementById(id);

/** The `status` event a button posts, with the fields its status takes from the form. */
function statusBody(status) {
  const body = { kind: "status", status };
  const reason = $("status-reason").value.trim();
  if (reason) body.reason = reason;
  // A datetime-local input's value is empty or a valid local time.
  const kickoff = $("postpone-kickoff").value;
  if (status === "postponed" && kickoff) body.kickoff_at = new Date(kickoff).toISOString();
  if (status === "awarded") {
    body.winner = $("award-winner").value;
    const [home, away] = [$("award-home").value.trim(), $("award-away").value.trim()];
    // The server takes both goals or neither: send what was typed and let it say which is missing.
    if (home !== "") body.home = Number(home);
    if (away !== "") body.away = Number(away);
    if ($("award-method").value) body.method = $("award-method").value;
  }
  return body;
}

/** Wires the panel: `chosen()` is the chosen match's id, `changed()` shows it again after a post. */
export function wireStatus(chosen, changed) {
  const post = async (body) => {
    // A reason belongs to one change: cleared once stored, so the next change does not repeat it.
    if (await postEvent(chosen(), body, "status-feedback")) $("status-reason").value = "";
    await changed();
  };
  for (const button of document.querySelectorAll("[data-status]")) {
    button.addEventListener("click", () => post(statusBody(button.dataset.status)));
  }
  $("status-form").addEventListener("submit", (e) => e.preventDefault());
  $("award-form").addEventListener("submit", (e) => {
    e.preventDefault();
    post(statusBody("awarded"));
  });
  $("confirm").addEventListener("click", () => post({ kind: "confirm" }));
}
