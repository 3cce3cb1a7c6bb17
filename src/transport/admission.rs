//! What both transports (`/ws` and `/sse`) check and parse before a client becomes a subscriber:
//! its Origin, the matches it asks for, where it resumes from, and room under the connection limit.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use actix_web::http::header;
use actix_web::{web, HttpRequest};
use serde::Deserialize;

use crate::domain::{parse_position, MatchId, Seq};
use crate::hub::{AddressRefusal, Admission, Hub, Refusal, Subscription};
use crate::problem::ApiError;

/// Origins allowed to subscribe from a browser; empty allows every origin.
#[derive(Debug, Clone, Default)]
pub struct AllowedOrigins(pub Vec<String>);

/// Proxies whose `X-Forwarded-For` names the client; from anyone else the header is ignored.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Vec<IpAddr>);

/// `?matches=42,43` (or `*`), `&competitions=Eredivisie,Serie%20A` and `&since=42:17,43:5`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubscribeQuery {
    /// Match ids to follow, comma-separated (at most `--ws-max-subscriptions`), or `*` for every
    /// match in play or kicking off within `--competition-window-hours` of now, and each match
    /// that enters that window.
    #[param(example = "1,2")]
    matches: Option<String>,
    /// Competitions to follow, comma-separated exact names (at most `--ws-max-competitions`; not
    /// with `matches=*`), split on `,` before percent-decoding, so `%2C` is a comma inside a
    /// name: the snapshots of their matches in play or kicking off within
    /// `--competition-window-hours` of now, then their updates, then each match of them created
    /// or moved into that window while connected.
    #[param(example = "Eredivisie,Serie%20A")]
    #[allow(dead_code)] // read from the raw query string, where commas are still told apart
    competitions: Option<String>,
    /// Where to resume, `MATCH:SEQ` comma-separated: the updates after each position are sent
    /// first (a match named here is followed too).
    #[param(example = "1:17")]
    since: Option<String>,
}

/// The header `check_origin` reads, for the OpenAPI document of both transports.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct OriginHeader {
    /// A browser page's origin: it must be in `--ws-allowed-origin` when that is set (else `403`).
    #[param(rename = "Origin")]
    pub origin: Option<String>,
}

/// A request's subscription, checked and parsed, not yet admitted.
pub struct Request {
    subscription: Subscription,
    since: HashMap<MatchId, Seq>,
}

/// Refuses a browser page from an origin that is not allowed (403).
pub fn check_origin(
    req: &HttpRequest,
    origins: &AllowedOrigins,
    hub: &Hub,
) -> Result<(), ApiError> {
    let Some(origin) = req.headers().get(header::ORIGIN) else { return Ok(()) };
    let origin = origin.to_str().unwrap_or("");
    if origins.0.is_empty() || origins.0.iter().any(|o| o == origin) {
        return Ok(());
    }
    hub.refused("origin");
    Err(ApiError::Forbidden(format!("origin {origin:?} may not subscribe here")))
}

/// Parses the query (`raw_query` is the request's query string as sent, for `competitions=`);
/// `last_event_id` (SSE's `Last-Event-ID: 42:17`) resumes one match like `since`.
pub fn parse(
    query: &SubscribeQuery,
    raw_query: &str,
    last_event_id: Option<&str>,
    hub: &Hub,
) -> Result<Request, ApiError> {
    let limits = &hub.settings().limits;
    let max = limits.max_subscriptions;
    let competitions = parse_competitions(raw_query, limits.max_competitions);
    let matches = competitions.and_then(|c| parse_matches(query.matches.as_deref(), max, c));
    let parsed = matches.and_then(|mut subscription| {
        let mut since = parse_since(query.since.as_deref().unwrap_or(""))?;
        if let Some(raw) = last_event_id.filter(|v| !v.trim().is_empty()) {
            let (id, seq) = parse_position(raw).ok_or_else(|| {
                ApiError::BadRequest(format!("Last-Event-ID {raw:?} is not MATCH:SEQ"))
            })?;
            since.insert(id, seq);
        }
        // Beside competitions, resumed matches are sorted out once the competitions' are known.
        if let Subscription::Matches(ids, competitions) = &mut subscription {
            if !competitions.is_empty() {
                return Ok(Request { subscription, since });
            }
            for id in since.keys() {
                if !ids.contains(id) {
                    ids.push(*id);
                }
            }
            if ids.len() > max {
                return Err(ApiError::BadRequest(format!("matches: at most {max} per connection")));
            }
        }
        Ok(Request { subscription, since })
    });
    parsed.inspect_err(|_| hub.refused("query"))
}

/// A place under the connection limits for a parsed request: 503 at `--ws-max-connections` or
/// while shutting down, 429 when the client's address is over its own bounds.
pub fn admit(req: &HttpRequest, hub: &Hub, request: Request) -> Result<Admission, ApiError> {
    if hub.is_shutting_down() {
        hub.refused("shutdown");
        return Err(ApiError::Unavailable("the server is shutting down".into()));
    }
    let trusted = req.app_data::<web::Data<TrustedProxies>>();
    let address = client_address(req, trusted.map(|t| t.0.as_slice()).unwrap_or_default());
    let permit = hub.admit(address).map_err(|refusal| match refusal {
        Refusal::Full => {
            hub.refused("limit");
            ApiError::Unavailable(format!(
                "the server holds its limit of {} subscriber connections",
                hub.settings().max_connections
            ))
        }
        Refusal::Address(AddressRefusal::TooManyOpen) => {
            hub.refused("address_limit");
            ApiError::TooManyRequests(format!(
                "this address holds its limit of {} subscriber connections",
                hub.settings().per_address.max_connections
            ))
        }
        Refusal::Address(AddressRefusal::TooFast) => {
            hub.refused("address_rate");
            ApiError::TooManyRequests(format!(
                "more than {} new subscriber connections per second from this address",
                hub.settings().per_address.connects_per_sec
            ))
        }
    })?;
    Ok(Admission { permit, subscription: request.subscription, since: request.since })
}

/// The client's address: the peer's, or, when the peer is a trusted proxy, the nearest address in
/// `X-Forwarded-For` that is not itself a trusted proxy.
fn client_address(req: &HttpRequest, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    let client = forwarded
        .iter()
        .rev()
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .find(|a| !trusted.contains(a));
    Some(client.unwrap_or(peer))
}

fn parse_matches(
    raw: Option<&str>,
    max: usize,
    competitions: Vec<Arc<str>>,
) -> Result<Subscription, ApiError> {
    let raw = raw.unwrap_or("").trim();
    if raw == "*" {
        if !competitions.is_empty() {
            return Err(ApiError::BadRequest(
                "competitions: not with matches=* (which brings every match already)".into(),
            ));
        }
        return Ok(Subscription::All);
    }
    let ids = raw
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<MatchId>().map_err(|_| {
                ApiError::BadRequest(format!("matches: {s:?} is not a match id (use ids or *)"))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if ids.len() > max {
        return Err(ApiError::BadRequest(format!("matches: at most {max} per connection")));
    }
    Ok(Subscription::Matches(ids, competitions))
}

/// The names in `competitions=` of the query as sent: split on `,` first, then each piece
/// percent-decoded (`+` is a space, as in every form-encoded query), so `%2C` stays inside a name.
fn parse_competitions(raw_query: &str, max: usize) -> Result<Vec<Arc<str>>, ApiError> {
    let mut names: Vec<Arc<str>> = Vec::new();
    let values = raw_query.split('&').filter_map(|pair| pair.strip_prefix("competitions="));
    for piece in values.flat_map(|value| value.split(',')) {
        let plus_as_space = piece.replace('+', " ");
        let decoded = percent_encoding::percent_decode_str(&plus_as_space).decode_utf8();
        let name = decoded.map_err(|_| {
            ApiError::BadRequest(format!("competitions: {piece:?} is not UTF-8 once decoded"))
        })?;
        let name = name.trim();
        if !name.is_empty() && !names.iter().any(|n| &**n == name) {
            names.push(Arc::from(name));
        }
    }
    if names.len() > max {
        return Err(ApiError::BadRequest(format!("competitions: at most {max} per connection")));
    }
    Ok(names)
}

fn parse_since(raw: &str) -> Result<HashMap<MatchId, Seq>, ApiError> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            parse_position(s).ok_or_else(|| {
                ApiError::BadRequest(format!("since: {s:?} is not MATCH:SEQ (like 42:17)"))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(raw: &[i64]) -> Vec<MatchId> {
        raw.iter().map(|&id| MatchId::try_from(id).unwrap()).collect()
    }

    #[test]
    fn match_lists_parse() {
        let none = Vec::new;
        assert_eq!(parse_matches(Some("*"), 3, none()).unwrap(), Subscription::All);
        assert_eq!(
            parse_matches(Some("4, 2"), 3, none()).unwrap(),
            Subscription::Matches(ids(&[4, 2]), none())
        );
        assert_eq!(parse_matches(None, 3, none()).unwrap(), Subscription::Matches(vec![], none()));
        assert!(parse_matches(Some("1,x"), 3, none()).is_err());
        assert!(parse_matches(Some("0"), 3, none()).is_err());
        assert!(parse_matches(Some("1,2,3,4"), 3, none()).is_err());
        assert!(parse_matches(Some("*"), 3, vec![Arc::from("Eredivisie")]).is_err());
    }

    #[test]
    fn competition_names_split_on_commas_before_decoding() {
        let names = |raw| parse_competitions(raw, 3).unwrap();
        let query = "matches=1&competitions=Serie%20A%2C%20girone+B,Eredivisie,,Eredivisie";
        assert_eq!(names(query), vec![Arc::from("Serie A, girone B"), Arc::from("Eredivisie")]);
        assert_eq!(names("matches=1"), Vec::<Arc<str>>::new());
        assert!(parse_competitions("competitions=A,B,C,D", 3).is_err(), "over the limit");
        assert!(parse_competitions("competitions=%FF", 3).is_err(), "not UTF-8");
    }

    #[test]
    fn a_forwarded_client_is_believed_only_from_a_trusted_proxy() {
        use actix_web::test::TestRequest;
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let req = |peer: &str| {
            TestRequest::default()
                .peer_addr(format!("{peer}:4000").parse().unwrap())
                .insert_header(("X-Forwarded-For", "203.0.113.9, 10.0.0.1"))
                .to_http_request()
        };
        let from_proxy = client_address(&req("10.0.0.1"), &[proxy]);
        assert_eq!(from_proxy, Some("203.0.113.9".parse().unwrap()));
        let from_anyone = client_address(&req("198.51.100.4"), &[proxy]);
        assert_eq!(from_anyone, Some("198.51.100.4".parse().unwrap()), "the header is ignored");
    }

    #[test]
    fn resume_positions_parse() {
        let since = parse_since("42:17, 43:0").unwrap();
        let seq = |s: i64| Seq::try_from(s).unwrap();
        assert_eq!(since, HashMap::from([(ids(&[42])[0], seq(17)), (ids(&[43])[0], seq(0))]));
        assert!(parse_since("42").is_err());
        assert!(parse_since("42:-1").is_err());
        assert!(parse_since("0:3").is_err());
    }
}
