"""Schemathesis hooks for the scorecast run (tests/api/schemathesis.rs loads this module).

Some rules of the API depend on more than one value. The OpenAPI document says them in words, and
the server answers `422` naming the field:

- a match's `home` and `away` differ (after trimming), also after a `PATCH` changes one of them;
- an `Idempotency-Key` is used with one request body only (a retry with another body is refused);
- a `status` event's `winner`, `method`, `home` and `away` belong to `awarded` and its
  `kickoff_at` to `postponed` (`winner` is required there, `home` and `away` go together). JSON
  Schema could say this (one branch per status), but the document is generated from the domain
  types, which do not yet model it: a gap in the document, tolerated here until they do.

Bodies with equal teams are not generated, and only these answers are let through when
Schemathesis sent a schema-valid request (a `PATCH` may collide with the stored team, a key may
repeat across cases); any other refusal of valid data still fails the run.
"""

import schemathesis

EXPECTED = {
    ("away", "home and away must be different teams"),
    ("Idempotency-Key", "this Idempotency-Key was already used with a different request body"),
}


STATUS_FIELDS = {"winner", "method", "home", "away", "kickoff_at"}
STATUS_RULES = (
    "required when the status is awarded",
    "allowed only when the status is awarded",
    "allowed only when the status is postponed",
    "an awarded score needs both home and away",
)


@schemathesis.hook
def filter_body(context, body):
    if not isinstance(body, dict):
        return True
    home, away = body.get("home"), body.get("away")
    if isinstance(home, str) and isinstance(away, str):
        return home.strip() != away.strip()
    return True


@schemathesis.hook
def filter_failure(context, failure, case, response):
    if type(failure).__name__ != "RejectedPositiveData" or response.status_code != 422:
        return True
    try:
        problem = response.json()
    except ValueError:
        return True
    field, detail = problem.get("field") or "", problem.get("detail") or ""
    if (field, detail) in EXPECTED:
        return False
    # The status rules, on a `status` event or an amend's (`event.winner`).
    own = field.removeprefix("event.")
    return not (own in STATUS_FIELDS and detail.endswith(STATUS_RULES))
