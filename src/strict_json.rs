//! JSON parsed strictly: a key that appears twice in one object is refused. serde_json keeps the
//! last one silently, so `{"team":"home","team":"away"}` would quietly mean `away`. And a number
//! with no fractional part is an integer however it is written (`67.0`, `6.7e1`), as JSON Schema
//! counts them, so a body that fits the OpenAPI document's `integer` fits the parsers too.

use std::convert::Infallible;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// Why a body is not strict JSON.
#[derive(Debug, PartialEq, Eq)]
pub enum StrictError {
    /// Not JSON at all: the parser's message, with its line and column.
    Syntax(String),
    /// `key` appears twice in the object at `path` (like `score.home`, the key included).
    DuplicateKey { path: String, key: String },
}

/// Parses a whole body into a JSON value, refusing duplicate keys at any depth.
pub fn from_slice(body: &[u8]) -> Result<Value, StrictError> {
    let mut parser = serde_json::Deserializer::from_slice(body);
    let Strict(value) = serde_path_to_error::deserialize(&mut parser).map_err(|e| {
        let key = match e.path().iter().next_back() {
            Some(serde_path_to_error::Segment::Map { key }) => Some(key.clone()),
            _ => None,
        };
        let path = e.path().to_string();
        let inner = e.into_inner();
        match key {
            // Values themselves never fail with a data error: only the duplicate check does.
            Some(key) if inner.classify() == serde_json::error::Category::Data => {
                StrictError::DuplicateKey { path, key }
            }
            _ => StrictError::Syntax(inner.to_string()),
        }
    })?;
    parser.end().map_err(|e| StrictError::Syntax(e.to_string()))?;
    Ok(value)
}

/// A `serde_json::Value` built by a visitor that checks every object's keys.
struct Strict(Value);

impl<'de> de::Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Strict;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Strict, E> {
        Ok(Strict(Value::Bool(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Strict, E> {
        Ok(Strict(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Strict, E> {
        Ok(Strict(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Strict, E> {
        // Below 2^63 an integral float converts exactly; `-0.0` is 0.
        if v.fract() == 0.0 && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&v) {
            return Ok(Strict((v as i64).into()));
        }
        // JSON text has no NaN or infinity, so every parsed float is a number.
        Ok(Strict(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Strict, E> {
        Ok(Strict(Value::String(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Strict, E> {
        Ok(Strict(Value::String(v)))
    }

    fn visit_unit<E>(self) -> Result<Strict, E> {
        Ok(Strict(Value::Null))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Strict, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Strict(Value::Array(items)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Strict, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                // Failing in the value (not the key) puts the key itself into the error's path.
                return map.next_value_seed(Duplicate).map(|never| match never {});
            }
            let Strict(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Strict(Value::Object(object)))
    }
}

/// The value of a key seen before in the same object: always an error.
struct Duplicate;

impl<'de> DeserializeSeed<'de> for Duplicate {
    type Value = Infallible;

    fn deserialize<D: Deserializer<'de>>(self, _: D) -> Result<Infallible, D::Error> {
        Err(de::Error::custom("duplicate key"))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn duplicate(path: &str, key: &str) -> Result<Value, StrictError> {
        Err(StrictError::DuplicateKey { path: path.into(), key: key.into() })
    }

    #[test]
    fn a_key_twice_in_one_object_is_refused_naming_it_at_any_depth() {
        assert_eq!(from_slice(br#"{"team":"home","team":"away"}"#), duplicate("team", "team"));
        assert_eq!(
            from_slice(br#"{"kind":"goal","score":{"home":1,"away":0,"home":2}}"#),
            duplicate("score.home", "home")
        );
        assert!(matches!(
            from_slice(br#"[{"a":1},{"a":1,"a":2}]"#),
            Err(StrictError::DuplicateKey { key, .. }) if key == "a"
        ));
    }

    #[test]
    fn distinct_keys_and_every_kind_of_value_parse_as_serde_json_would() {
        let body = br#"{"a":[1,-2,3.5,"x",null,true],"b":{"a":{}},"c":18446744073709551615}"#;
        let expected: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(from_slice(body), Ok(expected));
        assert_eq!(from_slice(b"{\"a\":1}"), Ok(json!({"a": 1})));
    }

    #[test]
    fn numbers_without_a_fraction_are_integers_however_written() {
        assert_eq!(
            from_slice(br#"[67.0,6.7e1,-0.0,-3.0,1e300,2.5]"#),
            Ok(json!([67, 67, 0, -3, 1e300, 2.5]))
        );
        let max = from_slice(b"9223372036854775807.0").unwrap();
        assert!(max.is_f64(), "2^63 is past i64: kept as the float it is, {max}");
    }

    #[test]
    fn broken_or_trailing_text_is_a_syntax_error() {
        assert!(matches!(from_slice(b"{\"a\":"), Err(StrictError::Syntax(_))));
        assert!(matches!(from_slice(b"{\"a\":1} x"), Err(StrictError::Syntax(_))));
        assert!(matches!(from_slice(b"{\"a\":tru}"), Err(StrictError::Syntax(_))));
    }
}
