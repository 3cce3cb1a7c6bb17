"""Schemathesis hooks for the scorecast run (tests/api/schemathesis.rs loads this module).

Some rules of the API depend on more than one value. The OpenAPI document says them in words, and
the server answers `422` naming the field:

- a match's `home` and `away` differ (after trimming), also after a `PATCH` changes one of them;
- an `Idempotency-Key` is used with one request body only (a retry with another body is refused).

(A `status` event's fields that belong to one status are in that status's branch of the schema, and
a new match's `format` is in its sport's branch, so no tolerance is needed for them.)

Other rules depend on the stored match's sport, which no request schema can see: an event's kind
and its sport-specific fields and values (a period's name, a goal's fields, a start's `server`), and the `format` of a
`PATCH` (checked against the sport the match has after it: its stored one unless the `PATCH` names
one; the `PATCH` schema takes every sport's keys). The server refuses those with `422` naming the field and the sport;
they are let through only on the operations that act on a stored match, with exactly that
wording.

Bodies with equal teams are not generated, and only these answers are let through when
Schemathesis sent a schema-valid request (a `PATCH` may collide with the stored team, a key may
repeat across cases); any other refusal of valid data still fails the run.
"""

import re

import schemathesis

EXPECTED = {
    ("away", "home and away must be different teams"),
    ("Idempotency-Key", "this Idempotency-Key was already used with a different request body"),
}


@schemathesis.hook
def filter_body(context, body):
    if not isinstance(body, dict):
        return True
    home, away = body.get("home"), body.get("away")
    if isinstance(home, str) and isinstance(away, str):
        return home.strip() != away.strip()
    return True


# An event's refusals by the stored match's sport: (the field without `event.`, a pattern its
# detail matches).
SPORT_RULES = [
    ("kind", re.compile(r'a \w+ match has no "\w+" events; its kinds are ')),
    ("period", re.compile(r" is not an? [\w ]+ period; ")),
    ("method", re.compile(r"goal's field: an? [\w ]+ goal has ")),
    ("assist", re.compile(r"goal's field: an? [\w ]+ goal has ")),
    ("strength", re.compile(r"goal's field: an? [\w ]+ goal has ")),
    ("empty_net", re.compile(r"goal's field: an? [\w ]+ goal has ")),
    ("assists", re.compile(r"goal's field: an? [\w ]+ goal has ")),
    # A start's server: required by tennis, refused by the sports that have none.
    ("server", re.compile(r"an? \w+ match starts with the side serving first")),
    ("server", re.compile(r"an? \w+ match has no server \(tennis and volleyball do\)")),
]


def refused_by_the_stored_sport(case, field, detail):
    """Whether a refusal is one the stored match's sport makes (see the module's text)."""
    path = case.operation.path
    if case.method.upper() == "POST" and path.endswith("/events"):
        field = field.removeprefix("event.")
        return any(f == field and p.search(detail) for f, p in SPORT_RULES)
    if case.method.upper() == "PATCH":
        return field.startswith("format")
    return False


@schemathesis.hook
def filter_failure(context, failure, case, response):
    if type(failure).__name__ != "RejectedPositiveData" or response.status_code != 422:
        return True
    try:
        problem = response.json()
    except ValueError:
        return True
    field, detail = problem.get("field") or "", problem.get("detail") or ""
    if refused_by_the_stored_sport(case, field, detail):
        return False
    return (field, detail) not in EXPECTED
