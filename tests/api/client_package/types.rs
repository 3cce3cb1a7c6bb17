//! A TypeScript file written from the server's own tables of event kinds, periods, statuses and
//! sports, which `tsc` checks against the package's declarations.

use scorecast::domain::lifecycle::STATUSES;
use scorecast::domain::{Period, Timed, KINDS, SETS, SPORTS};

/// The server's tables, one exact-key object per declared union: an object typed
/// `Record<UpdateKind, true>` must have every member of the union as a key and no other.
pub fn tables() -> String {
    // The client's state and handlers name football's periods as the API does (`et2` becomes
    // `extra_time_second_half`); the other sports' periods have one name, tennis's and
    // volleyball's sets too.
    let periods: Vec<&str> =
        Period::ALL.iter().map(|p| p.as_str()).chain(Timed::names()).chain(SETS).collect();
    let statuses: Vec<&str> = STATUSES.iter().map(|s| s.as_str()).collect();
    let sports: Vec<&str> = SPORTS.iter().map(|s| s.as_str()).collect();
    let tables = [
        ("UpdateKind", "kinds", KINDS.to_vec()),
        ("Period", "periods", periods),
        ("MatchStatus", "statuses", statuses),
        ("Sport", "sports", sports),
    ];
    let mut ts = String::from(
        "// Written by tests/api/client_package from the server's tables.\n\
         import type { MatchStatus, Period, Sport, UpdateKind } from \"scorecast-client\";\n",
    );
    for (declared, name, values) in tables {
        let keys: Vec<String> = values.iter().map(|v| format!("  {v:?}: true,\n")).collect();
        ts +=
            &format!("export const {name}: Record<{declared}, true> = {{\n{}}};\n", keys.concat());
    }
    ts
}
