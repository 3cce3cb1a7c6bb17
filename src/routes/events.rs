//! Events: post (admin; durable before the answer) and history (public, for clients that resume).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::{json, match_id};
use crate::auth::Admin;
use crate::domain::{EventKind, Seq};
use crate::extract::JsonBody;
use crate::ingest::{Accepted, Idempotency, Ingest, IngestError};
use crate::problem::ApiError;
use crate::snapshots::Snapshots;
use crate::store::Store;

/// Longest Idempotency-Key accepted: room for a UUID or a hash, with a prefix.
const MAX_KEY_LEN: usize = 255;
/// Events per history page when the client does not say.
const DEFAULT_HISTORY: i64 = 100;
/// Most events per history page.
const MAX_HISTORY: i64 = 1_000;

pub async fn post(
    _: Admin,
    req: HttpRequest,
    id: web::Path<String>,
    body: JsonBody<EventKind>,
    ingest: web::Data<Ingest>,
) -> Result<HttpResponse, ApiError> {
    let id = match_id(&id)?;
    let idempotency = idempotency_key(&req)?
        .map(|key| Idempotency { key, request_hash: body.canonical_hash.clone() });
    match ingest.submit(id, body.value, idempotency).await {
        Ok(Accepted::Created(event)) => Ok(json(StatusCode::CREATED, event)),
        Ok(Accepted::Replayed(event)) => Ok(HttpResponse::Created()
            .content_type("application/json")
            .insert_header(("Idempotency-Replayed", "true"))
            .body(event)),
        Err(err) => Err(match err {
            IngestError::NoMatch(id) => ApiError::no_match(id),
            IngestError::Conflict(why) => ApiError::Conflict(why),
            IngestError::KeyReused => ApiError::invalid("Idempotency-Key", err.to_string()),
            IngestError::Overloaded
            | IngestError::Unavailable
            | IngestError::ShuttingDown
            | IngestError::OutcomeUnknown { .. } => ApiError::Unavailable(err.to_string()),
            IngestError::Failed => ApiError::Internal(err.into()),
        }),
    }
}

fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let mut values = req.headers().get_all("Idempotency-Key");
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        // Which of them the client meant is unknowable, and using either could store twice.
        return Err(ApiError::BadRequest("send one Idempotency-Key header, not several".into()));
    }
    let key = value.to_str().unwrap_or("").trim();
    let printable = key.bytes().all(|b| (0x21..=0x7e).contains(&b));
    if key.is_empty() || key.len() > MAX_KEY_LEN || !printable {
        return Err(ApiError::invalid(
            "Idempotency-Key",
            format!("Idempotency-Key must be 1 to {MAX_KEY_LEN} printable ASCII characters"),
        ));
    }
    Ok(Some(key.to_owned()))
}

#[derive(Deserialize)]
pub struct HistoryQuery {
    since: Option<i64>,
    limit: Option<i64>,
}

/// Stored events with `seq > since`, in order, from the database.
pub async fn history(
    id: web::Path<String>,
    query: web::Query<HistoryQuery>,
    snapshots: web::Data<Snapshots>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let id = match_id(&id)?;
    if !snapshots.contains(id) {
        return Err(ApiError::no_match(id));
    }
    let since = Seq::try_from(query.since.unwrap_or(0))
        .map_err(|_| ApiError::BadRequest("since must be 0 or more".into()))?;
    let limit = query.limit.unwrap_or(DEFAULT_HISTORY);
    if !(1..=MAX_HISTORY).contains(&limit) {
        return Err(ApiError::BadRequest(format!("limit must be between 1 and {MAX_HISTORY}")));
    }
    let events = store.history(id, since, limit).await?;
    // Bodies are stored as the JSON we serve; splice them in rather than parse and re-encode.
    let mut body = format!("{{\"match_id\":{id},\"since\":{since},\"events\":[");
    body.push_str(&events.join(","));
    body.push_str("]}");
    Ok(json(StatusCode::OK, body))
}
