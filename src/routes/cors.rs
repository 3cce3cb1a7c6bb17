//! CORS for the public read API, the polling endpoint, `/sse`, `/healthz` and the OpenAPI
//! document, from the same allowed-origin list as `/ws` and `/sse`: a dashboard on another origin
//! may read (and poll with `If-None-Match`), never write. A request from an origin not on the list
//! is answered as usual, without CORS headers, so the browser keeps the answer from the page while
//! other clients are unaffected.

use actix_cors::Cors;
use actix_web::http::header::{self, HeaderName};
use actix_web::http::Method;

use crate::transport::admission::AllowedOrigins;

/// How long a browser may cache a preflight answer: an hour spares a dashboard one extra request
/// per poll.
const PREFLIGHT_MAX_AGE_SECS: usize = 3600;

/// The CORS policy of the read endpoints.
pub fn public_read(origins: &AllowedOrigins) -> Cors {
    let cors = Cors::default()
        .allowed_methods([Method::GET, Method::HEAD])
        .allowed_headers([
            header::IF_NONE_MATCH,
            header::ACCEPT,
            HeaderName::from_static("last-event-id"),
        ])
        .expose_headers([header::ETAG, header::RETRY_AFTER])
        .max_age(PREFLIGHT_MAX_AGE_SECS)
        .block_on_origin_mismatch(false);
    if origins.0.is_empty() {
        return cors.allow_any_origin().send_wildcard();
    }
    origins.0.iter().fold(cors, |cors, origin| cors.allowed_origin(origin))
}
