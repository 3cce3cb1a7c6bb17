//! How many are watching: one match, and the most watched matches, on every node. Apart from the
//! snapshot: a count that changes every few seconds would change its ETag, and conditional
//! polling would fetch it every time.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{match_id, Listed, MatchPath};
use crate::catalog::Catalog;
use crate::hub::Hub;
use crate::openapi::problems;
use crate::problem::ApiError;
use crate::snapshots::Summary;
use crate::watching::MOST_LISTED;

/// Matches listed as the most watched when the client does not say: a console's short list.
const DEFAULT_LISTED: usize = 10;

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
    answer(&count, &hub)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MostWatchedQuery {
    /// Matches to list. A node ranks at most `--watching-list-max` (100) matches: asking for
    /// more lists that many (`limit` in the answer says how many were listed at most).
    #[param(minimum = 1, maximum = 1000, default = 10)]
    limit: Option<usize>,
}

/// The most watched matches.
#[derive(Serialize, ToSchema)]
pub struct MostWatched<'a> {
    /// Matches someone watches, most watched first (among equals, the lower id first); each
    /// as in the match list, its `watching` the count it was ranked by.
    matches: Vec<Listed<'a>>,
    /// The most matches this answer could list: the `limit` asked for, or
    /// `--watching-list-max` if that is lower.
    #[schema(minimum = 1, maximum = 1000, example = 10)]
    limit: usize,
}

/// The matches most watched on every node, for the admin console's list: ranked once per
/// `--watching-interval-secs` from this node's counts and the other nodes' last reports, so the
/// answer is at most one interval old and costs no sort.
#[utoipa::path(
    get,
    path = "/api/v1/watching",
    operation_id = "list_most_watched",
    tag = "read",
    params(MostWatchedQuery),
    responses(
        (status = 200, description = "The most watched matches", body = MostWatched,
            headers(("Cache-Control" = String,
                description = "`max-age=10` (`--watching-interval-secs`): the ranking changes \
                    no faster"))),
        (status = 400, response = problems::BadRequest),
    )
)]
pub async fn most_watched(
    query: web::Query<MostWatchedQuery>,
    catalog: web::Data<Catalog>,
    hub: web::Data<Hub>,
) -> Result<HttpResponse, ApiError> {
    let asked = query.limit.unwrap_or(DEFAULT_LISTED);
    if !(1..=MOST_LISTED).contains(&asked) {
        return Err(ApiError::BadRequest(format!("limit must be between 1 and {MOST_LISTED}")));
    }
    let limit = asked.min(hub.watching().settings().list_max);
    let mut found = Vec::new();
    for (id, count) in hub.watching().most_watched(limit) {
        // A match another node counts that no node's database holds (yet) is left out.
        if let Some(snapshot) = catalog.find(id).await? {
            found.push((snapshot, count));
        }
    }
    let matches = found
        .iter()
        .map(|(s, count)| Listed::new(Summary { meta: &s.meta, live: &s.live }, *count))
        .collect();
    answer(&MostWatched { matches, limit }, &hub)
}

/// `body` as JSON, cacheable for one interval: the counts change no faster across nodes.
fn answer(body: &impl Serialize, hub: &Hub) -> Result<HttpResponse, ApiError> {
    let body = serde_json::to_string(body).map_err(|e| ApiError::Internal(e.into()))?;
    let max_age = hub.watching().settings().interval.as_secs();
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, format!("max-age={max_age}")))
        .body(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_limit_is_the_most_a_node_can_be_configured_to_list() {
        let doc = crate::openapi::document();
        let parameters = &doc["paths"]["/api/v1/watching"]["get"]["parameters"];
        let limit = parameters.as_array().unwrap().iter().find(|p| p["name"] == "limit").unwrap();
        assert_eq!(limit["schema"]["maximum"], MOST_LISTED);
        let answered = &doc["components"]["schemas"]["MostWatched"]["properties"]["limit"];
        assert_eq!(answered["maximum"], MOST_LISTED);
    }
}
