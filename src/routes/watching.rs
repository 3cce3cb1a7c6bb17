//! How many are watching a match, on every node. Apart from the snapshot: a count that changes
//! every few seconds would change its ETag, and conditional polling would fetch it every time.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::{match_id, MatchPath};
use crate::catalog::Catalog;
use crate::hub::Hub;
use crate::openapi::problems;
use crate::problem::ApiError;

/// How many are watching a match.
#[derive(Serialize, ToSchema)]
pub struct WatchingCount {
    /// Connections (WebSocket and SSE) following the match by its id or by its competition, on
    /// every node; `*` subscribers are not counted. Other nodes' shares are as they last reported
    /// (every `--watching-interval-secs`). Shown to people with two significant figures
    /// (`1.2k`).
    #[schema(minimum = 0, example = 1234)]
    watching: u64,
}

/// How many are watching a match (not part of its snapshot, so that its ETag stays put).
#[utoipa::path(
    get,
    path = "/api/v1/matches/{id}/watching",
    operation_id = "get_watching",
    tag = "read",
    params(MatchPath),
    responses(
        (status = 200, description = "The count", body = WatchingCount,
            headers(("Cache-Control" = String,
                description = "`max-age=10` (`--watching-interval-secs`): the count changes no \
                    faster across nodes"))),
        (status = 404, response = problems::NotFound),
    )
)]
pub async fn watching(
    id: web::Path<String>,
    catalog: web::Data<Catalog>,
    hub: web::Data<Hub>,
) -> Result<HttpResponse, ApiError> {
    let id = match_id(&id)?;
    catalog.find(id).await?.ok_or_else(|| ApiError::no_match(id))?;
    let count = WatchingCount { watching: hub.watching().total(id) };
    let body = serde_json::to_string(&count).map_err(|e| ApiError::Internal(e.into()))?;
    let max_age = hub.watching().settings().interval.as_secs();
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, format!("max-age={max_age}")))
        .body(body))
}
