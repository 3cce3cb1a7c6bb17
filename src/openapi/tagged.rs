//! Internally tagged enums (`#[serde(tag = "kind")]`) as schemas a generator can satisfy.
//!
//! utoipa writes each variant of such an enum as `allOf: [variant body, {kind}]`. When the body
//! forbids unknown properties (`deny_unknown_fields`), nothing satisfies that: the body refuses
//! `kind`, and `kind` is required. And a struct that flattens the enum (`StoredEvent`) becomes
//! `allOf: [enum, its own fields]`, which no event satisfies either. This pass rewrites both shapes,
//! for every such enum in the document, so that new variants flow through without naming them:
//!
//! - each variant becomes one object schema, `{Enum}{Variant}`, with the tag as a `const` property
//!   beside the body's own, and the body's `additionalProperties`; the enum becomes a `oneOf` of
//!   them with a `discriminator`;
//! - a schema whose `allOf` holds such an enum and plain objects becomes a `oneOf` of one object per
//!   variant, `{Schema}{Variant}`, each the variant's properties with the objects' merged in, and
//!   unknown properties refused: what the server writes, exactly.
//!
//! Variant bodies that nothing references any more are dropped from the components.

use serde_json::{json, Map, Value};

/// The components' schemas after the rewrite. Shapes this pass does not know are left as they are.
pub fn rewrite(doc: &mut Value) {
    let before = referenced(doc);
    let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut)
    else {
        return;
    };
    let unions: Vec<(String, Union)> = schemas
        .iter()
        .filter_map(|(name, schema)| Some((name.clone(), Union::read(schema, schemas)?)))
        .collect();
    for (name, union) in &unions {
        let description = schemas[name].get("description").cloned();
        let variants = union.variants.iter().map(|v| (v.tag.clone(), v.body.clone())).collect();
        let replacement = union.publish(name, variants, description, schemas);
        schemas.insert(name.clone(), replacement);
    }
    let flattened: Vec<(String, &Union, Vec<Value>)> = schemas
        .iter()
        .filter_map(|(name, schema)| {
            let (union, others) = flattens(schema, &unions)?;
            Some((name.clone(), union, others))
        })
        .collect();
    for (name, union, others) in flattened {
        let description = schemas[&name].get("description").cloned();
        let variants = union
            .variants
            .iter()
            .map(|v| {
                let mut body = v.body.clone();
                for other in &others {
                    merge(&mut body, resolve(other, schemas));
                }
                // Every property the server writes is listed: anything else is not ours.
                body.insert("additionalProperties".into(), Value::Bool(false));
                (v.tag.clone(), body)
            })
            .collect();
        let replacement = union.publish(&name, variants, description, schemas);
        schemas.insert(name, replacement);
    }
    let after = referenced(doc);
    if let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        schemas.retain(|name, _| after.contains(name) || !before.contains(name));
    }
}

/// An internally tagged enum: the name of its tag property and each variant's body.
struct Union {
    tag: String,
    variants: Vec<Variant>,
}

struct Variant {
    /// The tag's value, as on the wire (`goal`).
    tag: String,
    /// The variant's own object schema (properties, required, additionalProperties, description).
    body: Map<String, Value>,
}

impl Union {
    /// `schema` as a tagged enum, if it is one: a `oneOf` whose every branch is an object (alone,
    /// a `$ref`, or the `allOf` of such) with one required property in common whose value is a
    /// single string: the tag. Unit, newtype and struct variants all read this way.
    fn read(schema: &Value, schemas: &Map<String, Value>) -> Option<Self> {
        let branches: Vec<Map<String, Value>> =
            schema.get("oneOf")?.as_array()?.iter().map(|b| resolve(b, schemas)).collect();
        let in_every_branch =
            |name: &String| branches.iter().all(|b| constants(b).iter().any(|(n, _)| n == name));
        let (tag, _) =
            constants(branches.first()?).into_iter().find(|(name, _)| in_every_branch(name))?;
        let variants = branches
            .into_iter()
            .map(|mut body| {
                let value = constants(&body).into_iter().find(|(n, _)| *n == tag)?.1;
                if let Some(Value::Object(properties)) = body.get_mut("properties") {
                    properties.remove(&tag);
                }
                if let Some(Value::Array(required)) = body.get_mut("required") {
                    required.retain(|r| *r != *tag);
                }
                Some(Variant { tag: value, body })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Self { tag, variants })
    }

    /// Each variant (`tag`, body) as a component named after `name` and the tag, and the `oneOf`
    /// of them that replaces `name`.
    fn publish(
        &self,
        name: &str,
        variants: Vec<(String, Map<String, Value>)>,
        description: Option<Value>,
        schemas: &mut Map<String, Value>,
    ) -> Value {
        let mut branches = Vec::new();
        let mut mapping = Map::new();
        for (tag, body) in variants {
            let component = format!("{name}{}", pascal_case(&tag));
            let reference = format!("#/components/schemas/{component}");
            schemas.insert(component, Value::Object(self.variant_object(&tag, body)));
            branches.push(json!({ "$ref": reference }));
            mapping.insert(tag, Value::String(reference));
        }
        let mut union = json!({
            "oneOf": branches,
            "discriminator": { "propertyName": self.tag, "mapping": mapping },
        });
        if let Some(description) = description {
            union["description"] = description;
        }
        union
    }

    /// One object: the tag, as a constant, first; then the body's properties.
    fn variant_object(&self, tag: &str, body: Map<String, Value>) -> Map<String, Value> {
        let mut properties = Map::new();
        properties.insert(self.tag.clone(), json!({ "type": "string", "const": tag }));
        let mut required = vec![Value::String(self.tag.clone())];
        let mut object = Map::new();
        object.insert("type".into(), "object".into());
        for (key, value) in body {
            match (key.as_str(), value) {
                ("properties", Value::Object(own)) => properties.extend(own),
                ("required", Value::Array(own)) => required.extend(own),
                ("type", _) => {}
                (_, value) => {
                    object.insert(key, value);
                }
            }
        }
        object.insert("required".into(), Value::Array(required));
        object.insert("properties".into(), Value::Object(properties));
        object
    }
}

/// The required properties of `object` that hold one string only (`enum: [v]` or `const: v`):
/// each name with its value.
fn constants(object: &Map<String, Value>) -> Vec<(String, String)> {
    let (Some(Value::Object(properties)), Some(Value::Array(required))) =
        (object.get("properties"), object.get("required"))
    else {
        return Vec::new();
    };
    properties
        .iter()
        .filter(|(name, _)| required.iter().any(|r| r == *name))
        .filter_map(|(name, property)| {
            let value = match property.get("enum").and_then(Value::as_array).map(Vec::as_slice) {
                Some([Value::String(one)]) => one.clone(),
                _ => property.get("const")?.as_str()?.to_owned(),
            };
            Some((name.clone(), value))
        })
        .collect()
}

/// Whether `schema` flattens one of `unions` beside plain objects (`allOf: [union, object...]`):
/// that union, and the objects.
fn flattens<'u>(schema: &Value, unions: &'u [(String, Union)]) -> Option<(&'u Union, Vec<Value>)> {
    let parts = schema.get("allOf")?.as_array()?;
    let mut found = None;
    let mut others = Vec::new();
    for part in parts {
        let named = part.get("$ref").and_then(Value::as_str).and_then(component_name);
        match unions.iter().find(|(name, _)| Some(name.as_str()) == named) {
            Some((_, union)) if found.is_none() => found = Some(union),
            Some(_) => return None,
            None => others.push(part.clone()),
        }
    }
    Some((found?, others))
}

/// An object schema's keywords, following `$ref`s to components and merging `allOf` parts.
fn resolve(part: &Value, schemas: &Map<String, Value>) -> Map<String, Value> {
    let target = match part.get("$ref").and_then(Value::as_str).and_then(component_name) {
        Some(name) => schemas.get(name).unwrap_or(part),
        None => part,
    };
    let mut object = target.as_object().cloned().unwrap_or_default();
    if let Some(Value::Array(parts)) = object.remove("allOf") {
        for part in &parts {
            merge(&mut object, resolve(part, schemas));
        }
    }
    object
}

/// Adds `from`'s properties and required names to `into`; other keywords of `into` win.
fn merge(into: &mut Map<String, Value>, from: Map<String, Value>) {
    for (key, value) in from {
        match (key.as_str(), into.get_mut(&key), value) {
            ("properties", Some(Value::Object(own)), Value::Object(more)) => own.extend(more),
            ("required", Some(Value::Array(own)), Value::Array(more)) => own.extend(more),
            (_, Some(_), _) => {}
            (_, None, value) => {
                into.insert(key, value);
            }
        }
    }
}

fn component_name(reference: &str) -> Option<&str> {
    reference.strip_prefix("#/components/schemas/")
}

/// Every component name a `$ref` anywhere in `value` points to.
fn referenced(value: &Value) -> std::collections::BTreeSet<String> {
    let mut names = std::collections::BTreeSet::new();
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(map) => {
                if let Some(name) = map.get("$ref").and_then(Value::as_str).and_then(component_name)
                {
                    names.insert(name.to_owned());
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    names
}

/// `penalty_kick` as `PenaltyKick`.
pub(super) fn pascal_case(snake: &str) -> String {
    snake
        .split(['_', '-', '.'])
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or(String::new(), |first| first.to_uppercase().chain(chars).collect())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde::Serialize;
    use utoipa::{OpenApi, ToSchema};

    use super::*;

    #[derive(Serialize, ToSchema)]
    #[serde(deny_unknown_fields)]
    struct Shot {
        on_target: bool,
    }

    /// A body that flattens another.
    #[derive(Serialize, ToSchema)]
    #[serde(deny_unknown_fields)]
    struct Foul {
        #[serde(flatten)]
        shot: Shot,
        by: String,
    }

    /// A tagged enum with a newtype, a unit, a struct and a flattening variant (only its schema is
    /// used).
    #[allow(dead_code)]
    #[derive(Serialize, ToSchema)]
    #[serde(tag = "kind", rename_all = "snake_case")]
    enum Play {
        PenaltyShot(Shot),
        Whistle,
        Corner { minute: u8 },
        Foul(Foul),
    }

    /// A struct flattening it.
    #[derive(Serialize, ToSchema)]
    struct Logged {
        at: u32,
        #[serde(flatten)]
        play: Play,
    }

    /// A struct that refers to it, so it stays in the components.
    #[derive(Serialize, ToSchema)]
    struct Batch {
        plays: Vec<Play>,
    }

    #[derive(OpenApi)]
    #[openapi(components(schemas(Play, Logged, Batch)))]
    struct Doc;

    fn rewritten() -> Value {
        let mut doc = serde_json::to_value(Doc::openapi()).unwrap();
        rewrite(&mut doc);
        doc["components"]["schemas"].clone()
    }

    #[test]
    fn each_variant_becomes_one_object_with_its_tag_as_a_constant() {
        let schemas = rewritten();
        assert_eq!(
            schemas["PlayPenaltyShot"],
            json!({"type": "object", "additionalProperties": false,
                   "required": ["kind", "on_target"],
                   "properties": {"kind": {"type": "string", "const": "penalty_shot"},
                                  "on_target": {"type": "boolean"}}})
        );
        assert_eq!(schemas["PlayWhistle"]["properties"]["kind"]["const"], "whistle");
        assert_eq!(schemas["Play"]["discriminator"]["propertyName"], "kind");
        assert_eq!(
            schemas["Play"]["discriminator"]["mapping"]["whistle"],
            "#/components/schemas/PlayWhistle"
        );
        let corner = &schemas["PlayCorner"];
        assert_eq!(corner["required"], json!(["kind", "minute"]), "{corner}");
        let foul = &schemas["PlayFoul"];
        assert_eq!(foul["additionalProperties"], false);
        assert!(foul.get("allOf").is_none(), "{foul}");
        let mut names: Vec<&String> = foul["properties"].as_object().unwrap().keys().collect();
        names.sort();
        assert_eq!(names, ["by", "kind", "on_target"], "{foul}");
    }

    #[test]
    fn a_struct_that_flattens_the_enum_is_one_closed_object_per_variant() {
        let schemas = rewritten();
        let logged = &schemas["LoggedPenaltyShot"];
        assert_eq!(logged["additionalProperties"], false);
        assert_eq!(logged["required"], json!(["kind", "on_target", "at"]));
        assert_eq!(logged["properties"]["kind"]["const"], "penalty_shot");
        assert!(logged["properties"]["at"].is_object(), "{logged}");
        assert_eq!(schemas["LoggedWhistle"]["required"], json!(["kind", "at"]));
        let branches = schemas["Logged"]["oneOf"].as_array().unwrap();
        assert_eq!(branches.len(), 4, "{schemas}");
    }

    #[test]
    fn names_become_pascal_case() {
        assert_eq!(pascal_case("penalty_kick"), "PenaltyKick");
        assert_eq!(pascal_case("end"), "End");
        assert_eq!(pascal_case("a__b"), "AB");
    }
}
