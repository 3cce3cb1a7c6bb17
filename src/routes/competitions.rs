//! Competitions: the names matches are grouped under, with how many matches each has; counted by
//! the database (one grouped query over the competition index), not from memory.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::json;
use crate::domain::Sport;
use crate::problem::ApiError;
use crate::store::Store;

/// One competition.
#[derive(Debug, Serialize, ToSchema)]
pub struct Competition {
    /// The exact name matches carry (what `competition=` and `competitions=` take).
    pub name: String,
    /// The sports of its matches, by name (one, unless a name is shared across sports).
    pub sports: Vec<Sport>,
    /// Its matches, in any status.
    pub matches: usize,
    /// Its matches in play now (`live` or `half_time`).
    pub in_play: usize,
}

/// Every competition with at least one match.
#[derive(Debug, Serialize, ToSchema)]
pub struct CompetitionList {
    /// Ordered by name (byte order).
    pub competitions: Vec<Competition>,
}

/// List the competitions of every match, with their sports and match counts.
#[utoipa::path(
    get,
    path = "/api/v1/competitions",
    operation_id = "list_competitions",
    tag = "read",
    responses(
        (status = 200, description = "Every competition with at least one match", body = CompetitionList),
    )
)]
pub async fn list(store: web::Data<Store>) -> Result<HttpResponse, ApiError> {
    let mut counts: BTreeMap<String, Competition> = BTreeMap::new();
    for row in store.competitions().await? {
        let entry = counts.entry(row.name.clone()).or_insert_with(|| Competition {
            name: row.name,
            sports: Vec::new(),
            matches: 0,
            in_play: 0,
        });
        match Sport::parse(&row.sport) {
            Some(sport) => {
                entry.sports.push(sport);
                entry.sports.sort_by_key(|s| s.as_str());
            }
            None => tracing::error!(sport = %row.sport, "stored matches of an unknown sport"),
        }
        entry.matches += row.matches as usize;
        entry.in_play += row.in_play as usize;
    }
    let competitions = counts.into_values().collect();
    let body = serde_json::to_string(&CompetitionList { competitions })
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(json(StatusCode::OK, body))
}
