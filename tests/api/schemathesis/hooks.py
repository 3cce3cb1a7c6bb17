"""Schemathesis hooks for the scorecast run (tests/api/schemathesis.rs loads this module).

Some rules of the API depend on more than one value. The OpenAPI document says them in words, and
the server answers `422` naming the field:

- a match's `home` and `away` differ (after trimming), also after a `PATCH` changes one of them;
- an `Idempotency-Key` is used with one request body only (a retry with another body is refused).

(A `status` event's fields that belong to one status are in that status's branch of the schema, so
no tolerance is needed for them.)

Bodies with equal teams are not generated, and only these answers are let through when
Schemathesis sent a schema-valid request (a `PATCH` may collide with the stored team, a key may
repeat across cases); any other refusal of valid data still fails the run.
"""

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


@schemathesis.hook
def filter_failure(context, failure, case, response):
    if type(failure).__name__ != "RejectedPositiveData" or response.status_code != 422:
        return True
    try:
        problem = response.json()
    except ValueError:
        return True
    field, detail = problem.get("field") or "", problem.get("detail") or ""
    return (field, detail) not in EXPECTED
