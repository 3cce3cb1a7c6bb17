//! The `status` event as one schema per status: the fields that belong to a status
//! (`domain::lifecycle::STATUS_FIELDS`) appear in its branch only, required where that status
//! requires them, so that what a generator builds from the document is what the server accepts.

use serde_json::{json, Map, Value};

use crate::domain::lifecycle::{Status, STATUSES, STATUS_FIELDS, STATUS_FIELD_PAIRS};

/// The component the tagged-enum pass makes of the `status` event.
const COMPONENT: &str = "EventKindStatus";

/// Replaces the `status` event's object schema by a `oneOf`: one branch for each status that has
/// fields of its own, and one for all the others.
pub fn split(doc: &mut Value) {
    let Some(schema) = doc.pointer_mut(&format!("/components/schemas/{COMPONENT}")) else {
        return;
    };
    let Some(properties) = schema.get("properties").and_then(Value::as_object).cloned() else {
        return;
    };
    let description = schema.get("description").cloned();
    let own: Vec<&str> = STATUS_FIELDS.iter().map(|(field, _, _)| *field).collect();
    let common: Map<String, Value> = properties
        .iter()
        .filter(|(k, _)| !own.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut with_fields: Vec<Status> = Vec::new();
    for (_, status, _) in STATUS_FIELDS {
        if !with_fields.contains(&status) {
            with_fields.push(status);
        }
    }
    let mut branches: Vec<Value> = Vec::new();
    for status in with_fields.iter().copied() {
        let mut props = common.clone();
        let mut required = vec![json!("kind"), json!("status")];
        for (field, _, needed) in STATUS_FIELDS.iter().filter(|(_, s, _)| *s == status) {
            if let Some(schema) = properties.get(*field) {
                // A required or paired field must have a value: `null` is read as absent.
                let paired = STATUS_FIELD_PAIRS.iter().any(|(a, b)| a == field || b == field);
                let schema = if *needed || paired { without_null(schema) } else { schema.clone() };
                props.insert((*field).to_owned(), schema);
            }
            if *needed {
                required.push(json!(field));
            }
        }
        props.insert("status".into(), json!({ "type": "string", "const": status.as_str() }));
        let pairs: Vec<(&str, &str)> = STATUS_FIELD_PAIRS
            .into_iter()
            .filter(|(a, b)| props.contains_key(*a) && props.contains_key(*b))
            .collect();
        let title = format!("status {}", status.as_str());
        if pairs.is_empty() {
            branches.push(object(&title, props, required));
            continue;
        }
        // Fields given together or not at all: one branch with them all, one without any.
        let mut with = required.clone();
        with.extend(pairs.iter().flat_map(|(a, b)| [json!(a), json!(b)]));
        branches.push(object(
            &format!("{title}, with {}", paired_names(&pairs)),
            props.clone(),
            with,
        ));
        for (a, b) in &pairs {
            props.remove(*a);
            props.remove(*b);
        }
        branches.push(object(&title, props, required));
    }
    let others: Vec<&str> =
        STATUSES.iter().filter(|s| !with_fields.contains(s)).map(|s| s.as_str()).collect();
    let mut props = common;
    props.insert("status".into(), json!({ "type": "string", "enum": others }));
    branches.push(object("any other status", props, vec![json!("kind"), json!("status")]));
    let mut replacement = json!({ "oneOf": branches });
    if let Some(description) = description {
        replacement["description"] = description;
    }
    *schema = replacement;
}

/// One branch: an object of exactly these properties.
fn object(title: &str, properties: Map<String, Value>, required: Vec<Value>) -> Value {
    json!({
        "type": "object",
        "title": title,
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

fn paired_names(pairs: &[(&str, &str)]) -> String {
    pairs.iter().map(|(a, b)| format!("{a} and {b}")).collect::<Vec<_>>().join(", ")
}

/// `schema` without its `null` alternative (`oneOf: [{type: null}, X]` becomes `X`).
fn without_null(schema: &Value) -> Value {
    let is_null = |s: &Value| s.get("type") == Some(&json!("null"));
    match schema.get("oneOf").and_then(Value::as_array) {
        Some(branches) if branches.iter().any(is_null) => {
            let rest: Vec<Value> = branches.iter().filter(|s| !is_null(s)).cloned().collect();
            match rest.as_slice() {
                [only] => only.clone(),
                _ => json!({ "oneOf": rest }),
            }
        }
        _ => schema.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each branch holds exactly the fields its status may have, and requires what it requires.
    #[test]
    fn each_status_has_a_branch_with_its_own_fields_only() {
        let doc = crate::openapi::document();
        let branches = doc["components"]["schemas"][COMPONENT]["oneOf"].as_array().unwrap();
        let awarded: Vec<&Value> =
            branches.iter().filter(|b| b["properties"]["status"]["const"] == "awarded").collect();
        assert_eq!(awarded.len(), 2, "with a score and without");
        for branch in &awarded {
            assert!(branch["required"].as_array().unwrap().contains(&json!("winner")));
            assert!(!branch["properties"]["winner"].to_string().contains("null"), "{branch}");
            assert!(branch["properties"].get("kickoff_at").is_none());
        }
        let required = awarded[0]["required"].as_array().unwrap();
        assert!(required.contains(&json!("home")) && required.contains(&json!("away")));
        assert!(awarded[1]["properties"].get("home").is_none());
        let postponed =
            branches.iter().find(|b| b["properties"]["status"]["const"] == "postponed").unwrap();
        assert!(postponed["properties"].get("kickoff_at").is_some());
        assert!(postponed["properties"].get("winner").is_none());
        let rest = branches.last().unwrap();
        let statuses = rest["properties"]["status"]["enum"].as_array().unwrap();
        assert!(statuses.contains(&json!("interrupted")) && !statuses.contains(&json!("awarded")));
        for field in ["winner", "home", "away", "method", "kickoff_at"] {
            assert!(rest["properties"].get(field).is_none(), "{field}");
        }
        assert!(rest["properties"].get("reason").is_some());
    }
}
