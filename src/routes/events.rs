//! Events: post (admin; durable before the answer) and history (public, for clients that resume).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::matches::MatchPath;
use super::{json, match_id, retry_key, RetryKeyHeader};
use crate::auth::Admin;
use crate::catalog::Catalog;
use crate::domain::{EventKind, Seq, StoredEvent};
use crate::extract::JsonBody;
use crate::ingest::{prepare, Accepted, Ingest};
use crate::openapi::problems;
use crate::problem::ApiError;
use crate::store::Store;

/// A page of a match's stored events: `GET /api/v1/matches/{id}/events` splices the stored JSON of
/// each event into this shape instead of decoding and encoding it again (so this type is only its
/// schema).
#[derive(ToSchema)]
pub struct EventHistory {
    pub match_id: crate::domain::MatchId,
    /// The `since` asked for: every event here has a greater `seq`.
    pub since: Seq,
    /// In `seq` order; fewer than `limit` means the client is caught up.
    pub events: Vec<StoredEvent>,
}

/// Events per history page when the client does not say.
const DEFAULT_HISTORY: i64 = 100;
/// Most events per history page.
const MAX_HISTORY: i64 = 1_000;

/// Post an event: a `kind` and that kind's fields. `201` only once the event is stored durably,
/// with the next sequence number of its match.
#[utoipa::path(
    post,
    path = "/api/v1/matches/{id}/events",
    operation_id = "post_event",
    tag = "admin",
    security(("admin_token" = [])),
    params(MatchPath, RetryKeyHeader),
    request_body = EventKind,
    responses(
        (status = 201, description = "The stored event", body = StoredEvent,
            headers(("Idempotency-Replayed" = String,
                description = "`true` when this is the stored answer to an earlier request with \
                    the same Idempotency-Key"))),
        (status = 404, response = problems::NotFound),
        (status = 409, response = problems::Conflict),
        problems::AdminWriteErrors,
    )
)]
pub async fn post(
    _: Admin,
    req: HttpRequest,
    id: web::Path<String>,
    body: JsonBody<serde_json::Value>,
    ingest: web::Data<Ingest>,
    catalog: web::Data<Catalog>,
    store: web::Data<Store>,
) -> Result<HttpResponse, ApiError> {
    let id = match_id(&id)?;
    // An unknown match first; then the event's fields; then a kind its sport does not have.
    let current = catalog.find(id).await?.ok_or_else(|| ApiError::no_match(id))?;
    let mut event = EventKind::from_json(body.value).map_err(ApiError::from_field)?;
    // A fixture change posted as an event is checked as a PATCH is. The schema allows any
    // sport's format options, so options this match's sport does not take are a conflict with
    // the match (409), not a malformed request.
    if let EventKind::Match(patch) = &mut event {
        patch.check_format(current.meta.sport).map_err(|e| {
            let field = e.field.as_deref().unwrap_or("format");
            ApiError::Conflict(format!(
                "{field}: {} (the match is {}; name the sport with the format to change both)",
                e.detail,
                current.meta.sport.as_str()
            ))
        })?;
    }
    current.meta.sport.check_kind(&event).map_err(ApiError::from_field)?;
    let idempotency = retry_key(&req, &body.canonical_hash)?;
    let depth = ingest.max_correction_depth();
    let prepared = prepare(&store, &current.meta, &current.live, &event, depth).await;
    match ingest.submit_prepared(id, event, idempotency, prepared).await {
        Ok(Accepted::Created(event)) => Ok(json(StatusCode::CREATED, event)),
        Ok(Accepted::Replayed(event)) => Ok(HttpResponse::Created()
            .content_type("application/json")
            .insert_header(("Idempotency-Replayed", "true"))
            .body(event)),
        Err(err) => Err(super::refusal(err)),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Only events after this sequence number.
    #[param(minimum = 0, maximum = 9_223_372_036_854_775_807_i64, default = 0)]
    since: Option<i64>,
    /// Events per page.
    #[param(minimum = 1, maximum = 1000, default = 100)]
    limit: Option<i64>,
}

/// Stored events with `seq > since`, in order, from the database: what a client that missed
/// events asks for.
#[utoipa::path(
    get,
    path = "/api/v1/matches/{id}/events",
    operation_id = "event_history",
    tag = "read",
    params(MatchPath, HistoryQuery),
    responses(
        (status = 200, description = "One page of events", body = EventHistory),
        (status = 400, response = problems::BadRequest),
        (status = 404, response = problems::NotFound),
        (status = 500, response = problems::InternalServerError),
        (status = 503, response = problems::ServiceUnavailable),
    )
)]
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
