//! OpenAPI links: which answers name a match that other operations take in their path. They tell
//! a client (and Schemathesis's stateful phase) how to go from creating a match to using it.

use serde_json::{json, Map, Value};

/// Answers that name a match: operation id, status, and where the id is in the body.
const MATCH_SOURCES: [(&str, &str, &str); 2] = [
    ("create_match", "201", "$response.body#/id"),
    ("post_event", "201", "$response.body#/match_id"),
];

/// The path parameter that names a match.
const MATCH_PARAMETER: &str = "id";

/// Adds a link from every answer in `MATCH_SOURCES` to every operation with the match path
/// parameter (`/api/v1/matches/{id}...`), HEAD variants left out.
pub fn add(doc: &mut Value) {
    let targets: Vec<String> = operations(doc)
        .filter(|op| takes_match(op))
        .filter_map(|op| op.get("operationId")?.as_str().map(str::to_owned))
        .filter(|id| !id.ends_with("_head"))
        .collect();
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for op in item.values_mut() {
            let id = op.get("operationId").and_then(Value::as_str).unwrap_or_default().to_owned();
            for (source, status, expression) in MATCH_SOURCES {
                if id != source {
                    continue;
                }
                let Some(response) = op.pointer_mut(&format!("/responses/{status}")) else {
                    continue;
                };
                let links: Map<String, Value> = targets
                    .iter()
                    .map(|target| {
                        let link = json!({
                            "operationId": target,
                            "parameters": { MATCH_PARAMETER: expression },
                        });
                        (super::tagged::pascal_case(target), link)
                    })
                    .collect();
                response["links"] = Value::Object(links);
            }
        }
    }
}

fn operations(doc: &Value) -> impl Iterator<Item = &Value> {
    doc.get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|paths| paths.values())
        .filter_map(Value::as_object)
        .flat_map(|item| item.values())
}

fn takes_match(op: &Value) -> bool {
    op.get("parameters").and_then(Value::as_array).is_some_and(|params| {
        params.iter().any(|p| p["in"] == "path" && p["name"] == MATCH_PARAMETER)
    })
}
