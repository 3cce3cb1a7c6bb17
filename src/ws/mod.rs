//! WebSocket endpoint `/ws`. The handshake is an ordinary route of the App, so middleware, limits
//! and extractors apply to it; the upgrade service (`upgrade.rs`) then takes the socket out of the
//! HTTP dispatcher and gives it to this thread's hub worker.

mod upgrade;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

pub use upgrade::UpgradeFactory;

use crate::domain::MatchId;
use crate::hub::{Admission, Hub, Subscription};
use crate::problem::ApiError;
use crate::protocol::SUBPROTOCOL;

/// Origins allowed to open WebSockets; empty allows every origin.
#[derive(Debug, Clone, Default)]
pub struct AllowedOrigins(pub Vec<String>);

#[derive(Deserialize)]
pub struct WsQuery {
    matches: Option<String>,
}

/// Validates a WebSocket handshake and answers 101, with the admission for the upgrade service in
/// the response's extensions; or answers why not (403, 400, 503) before anything is upgraded.
pub async fn handshake(
    req: HttpRequest,
    query: web::Query<WsQuery>,
    hub: web::Data<Hub>,
    origins: web::Data<AllowedOrigins>,
) -> Result<HttpResponse, ApiError> {
    let refuse = |reason: &str| hub.refused(reason);
    if let Some(origin) = req.headers().get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        if !origins.0.is_empty() && !origins.0.iter().any(|o| o == origin) {
            refuse("origin");
            return Err(ApiError::Forbidden(format!(
                "origin {origin:?} may not open WebSockets here"
            )));
        }
    }
    let protocol = choose_subprotocol(&req).inspect_err(|_| refuse("subprotocol"))?;
    let max = hub.settings().limits.max_subscriptions;
    let subscription =
        parse_matches(query.matches.as_deref(), max).inspect_err(|_| refuse("query"))?;
    let mut response = actix_http::ws::handshake(req.head()).map_err(|e| {
        refuse("handshake");
        ApiError::BadRequest(format!("not a valid WebSocket handshake: {e}"))
    })?;
    if hub.is_shutting_down() {
        refuse("shutdown");
        return Err(ApiError::Unavailable("the server is shutting down".into()));
    }
    let hub = hub.into_inner();
    let permit = hub.admit().ok_or_else(|| {
        hub.refused("limit");
        ApiError::Unavailable(format!(
            "the server holds its limit of {} WebSocket connections",
            hub.settings().max_connections
        ))
    })?;
    if let Some(protocol) = protocol {
        response.insert_header((header::SEC_WEBSOCKET_PROTOCOL, protocol));
    }
    let mut response = HttpResponse::from(response.finish()).map_into_boxed_body();
    response.extensions_mut().insert(Admission {
        permit,
        subscription,
    });
    Ok(response)
}

/// Echoes `scorecast.v1` when offered; refuses a handshake that offers only other subprotocols.
fn choose_subprotocol(req: &HttpRequest) -> Result<Option<&'static str>, ApiError> {
    let offered: Vec<&str> = req
        .headers()
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if offered.is_empty() {
        Ok(None)
    } else if offered.contains(&SUBPROTOCOL) {
        Ok(Some(SUBPROTOCOL))
    } else {
        Err(ApiError::BadRequest(format!(
            "unsupported subprotocol {offered:?}: this server speaks {SUBPROTOCOL}"
        )))
    }
}

/// `?matches=42,43`, `?matches=*`, or nothing (subscribe later with messages).
fn parse_matches(raw: Option<&str>, max: usize) -> Result<Subscription, ApiError> {
    let raw = raw.unwrap_or("").trim();
    if raw == "*" {
        return Ok(Subscription::All);
    }
    let ids = raw
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<MatchId>()
                .ok()
                .filter(|id| *id > 0)
                .ok_or_else(|| {
                    ApiError::BadRequest(format!("matches: {s:?} is not a match id (use ids or *)"))
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if ids.len() > max {
        return Err(ApiError::BadRequest(format!(
            "matches: at most {max} per connection"
        )));
    }
    Ok(Subscription::Matches(ids))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_lists_parse() {
        assert_eq!(parse_matches(Some("*"), 3).unwrap(), Subscription::All);
        assert_eq!(
            parse_matches(Some("4, 2"), 3).unwrap(),
            Subscription::Matches(vec![4, 2])
        );
        assert_eq!(
            parse_matches(None, 3).unwrap(),
            Subscription::Matches(vec![])
        );
        assert!(parse_matches(Some("1,x"), 3).is_err());
        assert!(parse_matches(Some("0"), 3).is_err());
        assert!(parse_matches(Some("1,2,3,4"), 3).is_err());
    }
}
