//! HTTP routes, and the pieces every route shares.

mod access;
mod competitions;
mod cors;
mod events;
mod health;
mod matches;
mod metrics;
mod openapi;
mod table;
mod watching;

use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::domain::MatchId;
use crate::metrics::Metrics;
pub use access::{log_request, new_id as new_request_id, REQUEST_ID};
pub use competitions::CompetitionList;
pub use events::EventHistory;
pub use matches::{Listed, MatchPage, MatchPath};
pub use openapi::ApiDocument;
pub use table::{table, Endpoint, Resource};
pub use watching::{MostWatched, WatchingCount};

use crate::problem::ApiError;
use crate::store::RetryKey;
use crate::transport::admission::AllowedOrigins;

/// Longest Idempotency-Key accepted: room for a UUID or a hash, with a prefix.
const MAX_KEY_LEN: usize = 255;

/// The `Idempotency-Key` header of the admin writes, as `retry_key` reads it.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct RetryKeyHeader {
    /// 1 to 255 printable ASCII characters (no spaces). A retry with the same key and body, on
    /// any node, gets the first request's answer again (`Idempotency-Replayed: true`) instead of
    /// doing it twice; the same key with another body is refused (`422`). Kept
    /// `--idempotency-hours`.
    #[param(
        rename = "Idempotency-Key",
        nullable = false,
        min_length = 1,
        max_length = 255,
        pattern = "^[!-~]+$"
    )]
    pub key: Option<String>,
}

/// Registers every route of the route table (`table.rs`); the public reads allow cross-origin
/// reads from `origins` (every origin when empty), so a dashboard elsewhere can poll or stream.
pub fn configure(cfg: &mut web::ServiceConfig, origins: &AllowedOrigins) {
    cfg.app_data(
        web::QueryConfig::default().error_handler(|e, _| {
            ApiError::BadRequest(format!("invalid query string: {e}")).into()
        }),
    );
    table::mount(cfg, origins);
}

/// Answer for paths no route knows.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound(format!("no route for {} {}", req.method(), req.path())))
}

/// The route label of a request no route matched (or that never reached the routes): one fixed
/// value, so that the paths clients make up add no series.
const UNMATCHED: &str = "unmatched";

/// Counts every request by method, route pattern (not raw path, to bound label values) and status.
pub async fn record_metrics(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let metrics = req.app_data::<web::Data<crate::metrics::Metrics>>().cloned();
    let method = method_label(req.method());
    let response = next.call(req).await?;
    if let Some(metrics) = metrics {
        let route = response.request().match_pattern();
        let route = route.as_deref().unwrap_or(UNMATCHED);
        count(&metrics, method, route, response.status(), started.elapsed());
    }
    Ok(response)
}

/// One answered request in the HTTP request metrics.
fn count(metrics: &Metrics, method: &str, route: &str, status: StatusCode, elapsed: Duration) {
    let status = status.as_u16().to_string();
    metrics.http_requests.with_label_values(&[method, route, &status]).inc();
    metrics.http_duration.with_label_values(&[method, route]).observe(elapsed.as_secs_f64());
}

/// A request refused before it reached the App (its head was over `--max-header-bytes`), in the
/// access log and the HTTP request metrics as every answered request is: under the route label of
/// unmatched requests, with the method label of its request line (`other` when the head was cut
/// before the method ended). `request_id` is the one its answer carries.
pub fn refused(
    metrics: &Metrics,
    method: Option<&Method>,
    status: StatusCode,
    elapsed: Duration,
    body_bytes: u64,
    request_id: &str,
) {
    let method = method.map_or("other", method_label);
    count(metrics, method, UNMATCHED, status, elapsed);
    access::log_line(method, UNMATCHED, status.as_u16(), elapsed, Some(body_bytes), request_id);
}

/// The method as a metric label: the standard methods by name, any other (a client may invent
/// as many as it likes, each a new series) as `other`.
fn method_label(method: &Method) -> &'static str {
    const STANDARD: [Method; 9] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::CONNECT,
        Method::OPTIONS,
        Method::TRACE,
        Method::PATCH,
    ];
    STANDARD.iter().find(|m| *m == method).map_or("other", Method::as_str)
}

/// The request's `Idempotency-Key`, with the hash of its canonical body, if it has one.
fn retry_key(req: &HttpRequest, request_hash: &str) -> Result<Option<RetryKey>, ApiError> {
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
    Ok(Some(RetryKey { key: key.to_owned(), request_hash: request_hash.to_owned() }))
}

/// The match id from a path segment; anything that is not an id names no match.
fn match_id(raw: &str) -> Result<MatchId, ApiError> {
    raw.parse::<MatchId>().map_err(|_| ApiError::no_match(raw))
}

fn json(status: actix_web::http::StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status).content_type("application/json").body(body)
}

/// How an event that was not stored is answered.
pub(crate) fn refusal(err: crate::ingest::IngestError) -> ApiError {
    match err {
        crate::ingest::IngestError::NoMatch(id) => ApiError::no_match(id),
        crate::ingest::IngestError::Conflict(why) => ApiError::Conflict(why),
        crate::ingest::IngestError::KeyReused => {
            ApiError::invalid("Idempotency-Key", err.to_string())
        }
        crate::ingest::IngestError::Overloaded
        | crate::ingest::IngestError::Unavailable
        | crate::ingest::IngestError::DiskFull
        | crate::ingest::IngestError::ShuttingDown
        | crate::ingest::IngestError::OutcomeUnknown { .. } => {
            ApiError::Unavailable(err.to_string())
        }
        crate::ingest::IngestError::Failed => ApiError::Internal(err.into()),
    }
}
