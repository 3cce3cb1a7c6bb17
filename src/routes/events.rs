//! Events: post (admin; durable before the answer) and history (public, for clients that resume).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::{json, match_id, retry_key};
use crate::auth::Admin;
use crate::catalog::Catalog;
use crate::domain::{EventKind, Seq};
use crate::extract::JsonBody;
use crate::ingest::{Accepted, Ingest, IngestError};
use crate::problem::ApiError;
use crate::store::Store;

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
    let idempotency = retry_key(&req, &body.canonical_hash)?;
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

#[derive(Deserialize)]
pub struct HistoryQuery {
    since: Option<i64>,
    limit: Option<i64>,
}

/// Stored events with `seq > since`, in order, from the database.
pub async fn history(
    id: web::Path<String>,
    query: web::Query<HistoryQuery>,
    catalog: web::Data<Catalog>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let id = match_id(&id)?;
    if catalog.find(id).await?.is_none() {
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
