use proptest::prelude::*;
use serde_json::{json, Value};

use super::*;

/// Any JSON value, biased towards objects that look like events.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        "[a-z_]{0,12}".prop_map(Value::String),
        prop_oneof![Just("home"), Just("away"), Just("goal"), Just("card"), Just("red")]
            .prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        let key = prop_oneof![
            Just("kind".to_owned()),
            Just("team".to_owned()),
            Just("minute".to_owned()),
            Just("player".to_owned()),
            Just("color".to_owned()),
            "[a-z]{1,8}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(key, inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn any_json_parses_into_an_event_or_an_error_that_says_why(value in json_value()) {
        match EventKind::from_json(value) {
            Ok(kind) => {
                // A parsed event serializes back into something that parses the same way.
                let again = EventKind::from_json(serde_json::to_value(&kind).unwrap()).unwrap();
                prop_assert_eq!(again, kind);
            }
            Err(err) => prop_assert!(!err.detail.is_empty()),
        }
    }

    #[test]
    fn any_kind_with_any_fields_never_panics(
        kind in prop::sample::select(KINDS.to_vec()),
        minute in any::<i64>(),
        team in "[a-z]{0,6}",
    ) {
        let value = json!({"kind": kind, "minute": minute, "team": team});
        if let Err(err) = EventKind::from_json(value) {
            prop_assert!(err.field.is_some() || !err.detail.is_empty());
        }
    }
}
