//! A new match as one schema per sport: `format` takes the options of the match's own sport only
//! (`Sport::parse_format` refuses another sport's keys), so each sport gets a branch with its
//! `sport` named and its own `format`. Football's branch leaves `sport` out or names it.

use serde_json::{json, Value};

use crate::domain::SPORTS;

/// The component utoipa makes of `domain::NewMatch`.
const COMPONENT: &str = "NewMatch";

/// Replaces the new match's object schema by a `oneOf` of one branch per sport.
pub fn split(doc: &mut Value) {
    let Some(schema) = doc.pointer_mut(&format!("/components/schemas/{COMPONENT}")) else {
        return;
    };
    let Some(properties) = schema.get("properties").and_then(Value::as_object).cloned() else {
        return;
    };
    let required = schema.get("required").cloned().unwrap_or_else(|| json!([]));
    let description = schema.get("description").cloned();
    let branches: Vec<Value> = SPORTS
        .into_iter()
        .map(|sport| {
            let mut props = properties.clone();
            props.insert("sport".into(), json!({ "type": "string", "const": sport.as_str() }));
            props.insert("format".into(), sport.own_format_schema());
            let mut required = required.clone();
            // Football is what a request that names no sport creates.
            if sport != crate::domain::Sport::default() {
                if let Some(list) = required.as_array_mut() {
                    list.push(json!("sport"));
                }
            }
            json!({
                "type": "object",
                "title": sport.as_str(),
                "properties": props,
                "required": required,
                "additionalProperties": false,
            })
        })
        .collect();
    let mut replacement = json!({ "oneOf": branches });
    if let Some(description) = description {
        replacement["description"] = description;
    }
    *schema = replacement;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each sport's branch names it and takes its own format keys only; football's may leave
    /// `sport` out.
    #[test]
    fn each_sport_has_a_branch_with_its_own_format() {
        let doc = crate::openapi::document();
        let branches = doc["components"]["schemas"][COMPONENT]["oneOf"].as_array().unwrap();
        assert_eq!(branches.len(), SPORTS.len());
        for (branch, sport) in branches.iter().zip(SPORTS) {
            assert_eq!(branch["properties"]["sport"]["const"], sport.as_str());
            let format = &branch["properties"]["format"];
            assert_eq!(format["additionalProperties"], false, "{format}");
            let keys: Vec<&String> =
                format["properties"].as_object().map(|p| p.keys().collect()).unwrap_or_default();
            for key in &keys {
                let options = json!({ key.as_str(): Value::Null });
                let refused = sport.parse_format(Some(options)).err();
                // A key of the sport is refused for its value (null), never as unknown.
                assert!(refused.is_none_or(|e| !e.detail.contains("unknown")), "{sport:?} {key}");
            }
            let named = branch["required"].as_array().unwrap().contains(&json!("sport"));
            assert_eq!(named, sport != crate::domain::Sport::Football, "{branch}");
        }
        assert!(branches[0]["properties"]["format"].get("properties").is_none());
    }
}
