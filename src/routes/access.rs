//! The access log: one line per HTTP request (method, route pattern, status, duration, bytes,
//! request id), at `info` under the target `scorecast::access`, in the text or JSON log format.
//! Every answer carries `X-Request-Id`: the client's own when it is short and plain, else a new one.

use std::time::{Duration, Instant};

use actix_web::body::{BodySize, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;

/// The request id header, read from the client and echoed in every answer.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// Longest client-chosen request id kept: a UUID is 36, a W3C trace id 32; beyond, a new one.
const MAX_REQUEST_ID: usize = 64;

/// Logs the request once it is answered, and names it with a request id.
pub async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable(v))
        .map(str::to_owned)
        .unwrap_or_else(new_id);
    let method = super::method_label(req.method());
    let mut response = next.call(req).await?;
    let route = response.request().match_pattern();
    let route = route.as_deref().unwrap_or(super::UNMATCHED);
    let status = response.status().as_u16();
    let bytes = match response.response().body().size() {
        BodySize::Sized(n) => Some(n),
        BodySize::None => Some(0),
        BodySize::Stream => None,
    };
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    log_line(method, route, status, started.elapsed(), bytes, &id);
    Ok(response)
}

/// The access line of one answered request: by the middleware above, and for a request refused
/// before it reached the App (`super::refused`).
pub(super) fn log_line(
    method: &str,
    route: &str,
    status: u16,
    elapsed: Duration,
    bytes: Option<u64>,
    request_id: &str,
) {
    tracing::info!(
        target: "scorecast::access",
        method,
        route = %route,
        status,
        duration_ms = elapsed.as_secs_f64() * 1000.0,
        bytes,
        request_id = %request_id,
        "request"
    );
}

/// A client's request id is kept when it is 1 to 64 letters, digits, `-`, `_`, `.` or `:`.
fn acceptable(id: &str) -> bool {
    (1..=MAX_REQUEST_ID).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

/// A new request id: 16 hex digits.
pub fn new_id() -> String {
    hex::encode(rand::random::<[u8; 8]>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_plain_request_ids_are_kept() {
        assert!(acceptable("3f2c9e1a-77b0-4c1e-9d55-0b7e2f1c9a10"));
        assert!(!acceptable(""));
        assert!(!acceptable(&"a".repeat(65)));
        assert!(!acceptable("id with spaces"));
        assert!(!acceptable("id\u{7f}"));
        assert_eq!(new_id().len(), 16);
    }
}
