// The admin console's corrections panel: the chosen match's events, newest first, each of which can
// be voided (it no longer counts) or amended (replaced by a corrected event of its kind).
import { postEvent } from "/static/admin-api.js";
import { el, storedEvent } from "/static/ui.js";

const $ = (id) => document.getElementById(id);

/** The fields an amendment can give each kind (as api.md's event kinds table lists them). */
const AMENDABLE = {
  goal: ["team", "minute", "player", "method", "assist"],
  card: ["team", "player", "color", "minute"],
  substitution: ["team", "player_in", "player_out", "minute"],
  score: ["home", "away", "minute"],
  kick: ["team", "scored", "player", "minute"],
  added_time: ["minutes"],
  points: ["team", "value", "player"],
  foul: ["team", "player"],
  timeout: ["team"],
  penalty: ["team", "minutes", "player", "minute"],
  shot: ["team", "scored", "player"],
  point: ["team"],
};
/** Ice hockey's goal has fields of its own in place of football's method and assist. */
const ICE_HOCKEY_GOAL = ["team", "minute", "player", "strength"];

/** The fields an amendment can give an event of `kind` in `sport`. */
function amendable(kind, sport) {
  return sport === "ice_hockey" && kind === "goal" ? ICE_HOCKEY_GOAL : AMENDABLE[kind];
}
/** Fields with a fixed set of values, offered as a choice. */
const CHOICES = {
  team: ["home", "away"], color: ["yellow", "red", "yellow_red"],
  method: ["regular", "own_goal", "penalty"], scored: ["true", "false"],
  value: ["1", "2", "3"], strength: ["even", "power_play", "short_handed"],
};
const NUMBERS = new Set(["minute", "minutes", "home", "away", "value"]);

let listed = { bySeq: new Map() }; // the events shown, by seq

/** Lists `events` (stored, oldest first) of the match `m`, newest first, with what corrected them. */
export function showCorrections(m, events) {
  const bySeq = new Map(events.map((e) => [e.seq, e]));
  listed = { id: m.id, bySeq, sport: m.sport };
  const names = { h: m.home, a: m.away };
  const rows = events.slice().reverse().map((e) => {
    const { text, voided } = storedEvent(e, bySeq, names, m.sport);
    const struck = voided !== null;
    const state = struck ? `voided by #${e.voided_by}` : e.amended_by != null && `amended by #${e.amended_by}`;
    return el("tr", { "data-seq": e.seq, "data-kind": e.kind, class: struck && "voided" },
      el("td", { text: `#${e.seq}` }),
      el("td", { text: e.minute != null ? `${e.minute}'` : "" }),
      el("td", {}, struck ? el("del", { text }) : text, state && el("span", { class: "ev-note", text: state })),
      el("td", { text: `${e.score.home}–${e.score.away}` }),
      el("td", { class: "actions" },
        !struck && el("button", { type: "button", class: "void danger", text: "Void", "aria-label": `Void event ${e.seq}` }),
        !struck && amendable(e.kind, m.sport)
          && el("button", { type: "button", class: "amend", text: "Amend", "aria-label": `Amend event ${e.seq}` })));
  });
  $("event-list").querySelector("tbody").replaceChildren(...rows);
  // An open amend form whose event is gone from the list (another match chosen) or voided closes.
  const open = Number($("amend-form").dataset.target);
  if (open && (listed.id !== Number($("amend-form").dataset.match) || bySeq.get(open)?.voided_by != null)) closeAmend();
}

function fieldInput(field, value) {
  const id = `amend-${field}`;
  const shown = value == null ? "" : String(value);
  const input = CHOICES[field]
    ? el("select", { id, "data-field": field },
      ...CHOICES[field].map((v) => el("option", { value: v, text: v.replace(/_/g, " "), selected: v === shown })))
    : el("input", { id, "data-field": field, value: shown, type: NUMBERS.has(field) ? "number" : "text" });
  return el("label", { text: field.replace(/_/g, " ") }, input);
}

/** Opens the amend form for event `seq`, its fields filled with what the event now says. */
function openAmend(seq) {
  const e = listed.bySeq.get(seq);
  const amend = listed.bySeq.get(e.amended_by);
  const now = amend ? amend.event : e;
  $("amend-target").textContent = `Amend event #${seq} (${e.kind})`;
  $("amend-fields").replaceChildren(...amendable(e.kind, listed.sport).map((field) => fieldInput(field, now[field])));
  $("amend-form").dataset.target = seq;
  $("amend-form").dataset.match = listed.id;
  $("amend-form").dataset.kind = e.kind;
  $("amend-form").hidden = false;
  $("amend-fields").querySelector("input, select")?.focus();
}

function closeAmend() {
  $("amend-form").hidden = true;
  delete $("amend-form").dataset.target;
}

/** The corrected event the amend form describes; empty fields are left out. */
function amendedEvent() {
  const event = { kind: $("amend-form").dataset.kind };
  for (const input of $("amend-fields").querySelectorAll("[data-field]")) {
    const field = input.dataset.field;
    const value = input.value.trim();
    if (value === "") continue;
    event[field] = field === "scored" ? value === "true" : NUMBERS.has(field) ? Number(value) : value;
  }
  return event;
}

/** Wires the panel: `chosen()` is the chosen match's id, `changed()` shows it again after a post. */
export function wireCorrections(chosen, changed) {
  const post = async (body) => {
    const reason = $("correction-reason").value.trim();
    if (reason) body.reason = reason;
    const stored = await postEvent(chosen(), body, "corrections-feedback");
    if (stored) {
      closeAmend();
      $("correction-reason").value = "";
    }
    await changed();
  };
  $("event-list").addEventListener("click", (e) => {
    const button = e.target.closest("button");
    if (!button) return;
    const seq = Number(button.closest("tr").dataset.seq);
    if (button.classList.contains("void")) post({ kind: "void", target: seq });
    else openAmend(seq);
  });
  $("amend-form").addEventListener("submit", (e) => {
    e.preventDefault();
    post({ kind: "amend", target: Number($("amend-form").dataset.target), event: amendedEvent() });
  });
  $("amend-cancel").addEventListener("click", closeAmend);
}
