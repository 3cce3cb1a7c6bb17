//! A JSON body extractor whose every failure is a precise problem: 413 over the size limit, 408 when
//! the body does not arrive in time, 415 for another content type, 400 for malformed JSON, 422
//! naming the field that is missing, invalid or given twice.

use std::time::Duration;

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use crate::domain::{parse_json, EventKind, FieldError, MatchPatch, NewMatch};
use crate::problem::ApiError;
use crate::strict_json::{self, StrictError};

/// Bounds of a request body. Set from configuration as app data.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    /// Largest body accepted, in bytes.
    pub max_bytes: usize,
    /// Time the whole body has to arrive once the handler starts reading it.
    pub timeout: Duration,
    /// How much of a body refused for its size is still read before the answer.
    pub linger: Linger,
}

/// Bounds of reading and dropping a refused body, so that a client that writes its whole body
/// before reading gets the answer instead of a reset (the kernel resets a connection closed with
/// unread bytes).
#[derive(Debug, Clone, Copy)]
pub struct Linger {
    pub max_bytes: usize,
    pub max_time: Duration,
}

/// Used only when the app data is missing (it never is in the server): the flags' defaults.
const DEFAULT_LIMITS: BodyLimits = BodyLimits {
    max_bytes: 16 * 1024,
    timeout: Duration::from_secs(10),
    linger: Linger { max_bytes: 1024 * 1024, max_time: Duration::from_secs(1) },
};

/// Types that a request body parses into.
pub trait FromJson: Sized {
    fn from_json(value: serde_json::Value) -> Result<Self, FieldError>;
}

/// A body that must be a JSON object (serde would read a struct from an array too, by position)
/// with no `null` field: a `null` reads as "none" to some clients and "clear it" to others, so the
/// schema allows none and the server says so.
fn object_without_nulls(
    value: &serde_json::Value,
    what: &str,
) -> Result<serde_json::Map<String, serde_json::Value>, FieldError> {
    let serde_json::Value::Object(fields) = value else {
        return Err(FieldError::whole(format!("{what} must be a JSON object")));
    };
    if let Some((name, _)) = fields.iter().find(|(_, v)| v.is_null()) {
        return Err(FieldError::at(name, "must not be null; leave it out instead"));
    }
    Ok(fields.clone())
}

impl FromJson for NewMatch {
    fn from_json(value: serde_json::Value) -> Result<Self, FieldError> {
        object_without_nulls(&value, "a new match")?;
        parse_json(value)
    }
}

impl FromJson for MatchPatch {
    /// At least one field, none `null` (leaving a field out keeps it): the schema says both.
    fn from_json(value: serde_json::Value) -> Result<Self, FieldError> {
        if object_without_nulls(&value, "a match patch")?.is_empty() {
            return Err(FieldError::whole(
                "give at least one of home, away, competition, kickoff_at, sport, format",
            ));
        }
        parse_json(value)
    }
}

/// A body parsed later, once what it is checked against is known (an event, after its match).
impl FromJson for serde_json::Value {
    fn from_json(value: serde_json::Value) -> Result<Self, FieldError> {
        Ok(value)
    }
}

impl FromJson for EventKind {
    fn from_json(value: serde_json::Value) -> Result<Self, FieldError> {
        EventKind::from_json(value)
    }
}

/// A parsed JSON body, with the hash of its canonical form (for idempotency checks).
pub struct JsonBody<T> {
    pub value: T,
    /// Hex SHA-256 of the body re-serialized with sorted keys and no white space.
    pub canonical_hash: String,
}

impl<T: FromJson + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limits = req.app_data::<BodyLimits>().copied().unwrap_or(DEFAULT_LIMITS);
        let limit = limits.max_bytes;
        let content_type = req.headers().get(header::CONTENT_TYPE).cloned();
        let declared_len = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            check_content_type(content_type.as_ref())?;
            if declared_len.is_some_and(|n| n > limit) {
                drain(&mut payload, limits.linger).await;
                return Err(too_large(limit));
            }
            let read = async {
                let mut body = web::BytesMut::new();
                while let Some(chunk) = payload.next().await {
                    let chunk = chunk.map_err(|e| {
                        ApiError::BadRequest(format!("could not read the body: {e}"))
                    })?;
                    if body.len() + chunk.len() > limit {
                        drain(&mut payload, limits.linger).await;
                        return Err(too_large(limit));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(body)
            };
            let body = tokio::time::timeout(limits.timeout, read).await.map_err(|_| {
                ApiError::RequestTimeout(format!(
                    "the request body did not arrive within {} ms",
                    limits.timeout.as_millis()
                ))
            })??;
            parse(&body)
        })
    }
}

fn check_content_type(value: Option<&header::HeaderValue>) -> Result<(), ApiError> {
    let mime = value.and_then(|v| v.to_str().ok()).unwrap_or("");
    let essence = mime.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
    {
        Ok(())
    } else if essence.is_empty() {
        Err(ApiError::UnsupportedMediaType(
            "send the body as JSON with `Content-Type: application/json`".into(),
        ))
    } else {
        Err(ApiError::UnsupportedMediaType(format!(
            "the body must be `application/json`, not `{essence}`"
        )))
    }
}

/// Reads and drops what is left of a refused body, up to `linger`'s bytes and time: all of it, a
/// body the client sends at once; past either bound the answer goes out and the connection closes.
async fn drain(payload: &mut Payload, linger: Linger) {
    let mut dropped = 0;
    let read = async {
        while let Some(Ok(chunk)) = payload.next().await {
            dropped += chunk.len();
            if dropped > linger.max_bytes {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(linger.max_time, read).await;
}

fn too_large(limit: usize) -> ApiError {
    ApiError::PayloadTooLarge(format!("the body is larger than the limit of {limit} bytes"))
}

/// Parses in two steps so that syntax errors (400) and field errors (422) are told apart.
fn parse<T: FromJson>(body: &[u8]) -> Result<JsonBody<T>, ApiError> {
    let json = strict_json::from_slice(body).map_err(|e| match e {
        StrictError::Syntax(e) => ApiError::BadRequest(format!("the body is not valid JSON: {e}")),
        StrictError::DuplicateKey { path, key } => ApiError::Invalid {
            field: Some(path),
            detail: format!("the key `{key}` appears more than once; send each key once"),
        },
    })?;
    // serde_json's default map is sorted, so this is a canonical form of the body.
    let canonical = serde_json::to_vec(&json).expect("a JSON value always serializes");
    let canonical_hash = hex::encode(Sha256::digest(&canonical));
    let value =
        T::from_json(json).map_err(|e| ApiError::Invalid { field: e.field, detail: e.detail })?;
    Ok(JsonBody { value, canonical_hash })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::EventKind;

    #[test]
    fn field_errors_name_the_field() {
        let err =
            parse::<EventKind>(br#"{"kind":"goal","team":"home","minute":300}"#).err().unwrap();
        match err {
            ApiError::Invalid { field, detail } => {
                assert_eq!(field.as_deref(), Some("minute"));
                assert!(detail.contains("200"), "{detail}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn syntax_errors_are_bad_requests_and_hashes_ignore_layout() {
        assert!(matches!(parse::<EventKind>(b"{\"kind\":"), Err(ApiError::BadRequest(_))));
        let a = parse::<EventKind>(br#"{"kind":"end","minute":90}"#).ok().unwrap();
        let b = parse::<EventKind>(br#"{ "minute": 90, "kind": "end" }"#).ok().unwrap();
        assert_eq!(a.canonical_hash, b.canonical_hash);
    }

    #[test]
    fn a_patch_with_a_null_or_no_field_or_not_an_object_is_refused() {
        for (body, field) in [
            (&br#"{"home":null}"#[..], Some("home")),
            (br#"{"home":"Ajax","kickoff_at":null}"#, Some("kickoff_at")),
            (br#"{}"#, None),
            (br#"[null,null]"#, None),
            (br#"["Ajax"]"#, None),
        ] {
            match parse::<MatchPatch>(body).err() {
                Some(ApiError::Invalid { field: got, .. }) => assert_eq!(got.as_deref(), field),
                other => panic!("{}: {other:?}", String::from_utf8_lossy(body)),
            }
        }
        assert!(parse::<MatchPatch>(br#"{"home":"Ajax"}"#).is_ok());
        let new = br#"["Ajax","PSV","Eredivisie","2026-11-21T19:00:00Z"]"#;
        assert!(matches!(parse::<NewMatch>(new), Err(ApiError::Invalid { field: None, .. })));
    }

    #[test]
    fn a_key_given_twice_is_a_field_error_naming_it() {
        let err = parse::<EventKind>(br#"{"kind":"goal","team":"home","team":"away","minute":3}"#)
            .err()
            .unwrap();
        match err {
            ApiError::Invalid { field, detail } => {
                assert_eq!(field.as_deref(), Some("team"));
                assert!(detail.contains("`team`"), "{detail}");
            }
            other => panic!("{other:?}"),
        }
    }
}
