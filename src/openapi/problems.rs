//! The error answers as reusable OpenAPI responses: one per status an `ApiError` answers with, each
//! a `Problem` body. Routes name the ones they can answer in their `#[utoipa::path]`.

use std::collections::BTreeMap;

use utoipa::openapi::{Ref, RefOr, Response};
use utoipa::{IntoResponses, ToResponse};

use crate::problem::Problem;

/// The errors every admin request with a JSON body can get: its token (401), its body (400, 408,
/// 413, 415, 422) and the database (500, 503). Routes list their own (404, 409) beside these.
pub struct AdminWriteErrors;

impl IntoResponses for AdminWriteErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        refs([
            ("400", BadRequest::response().0),
            ("401", Unauthorized::response().0),
            ("408", RequestTimeout::response().0),
            ("413", PayloadTooLarge::response().0),
            ("415", UnsupportedMediaType::response().0),
            ("422", UnprocessableEntity::response().0),
            ("500", InternalServerError::response().0),
            ("503", ServiceUnavailable::response().0),
        ])
    }
}

/// The refusals of a subscriber connection (`/ws`, `/sse`) before it opens: its query (400), its
/// origin (403), the per-address bounds (429) and the connection limit or a shutdown (503).
pub struct AdmissionErrors;

impl IntoResponses for AdmissionErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        refs([
            ("400", BadRequest::response().0),
            ("403", Forbidden::response().0),
            ("429", TooManyRequests::response().0),
            ("503", ServiceUnavailable::response().0),
        ])
    }
}

/// Status codes with the names of their reusable responses, as references.
fn refs<const N: usize>(named: [(&str, &str); N]) -> BTreeMap<String, RefOr<Response>> {
    named
        .into_iter()
        .map(|(status, name)| (status.to_owned(), RefOr::Ref(Ref::from_response_name(name))))
        .collect()
}

/// The request is malformed: the body is not JSON, a query parameter or header is invalid.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct BadRequest(pub Problem<'static>);

/// The admin token is missing or not valid.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"scorecast admin\"`"))
)]
pub struct Unauthorized(pub Problem<'static>);

/// The request's `Origin` is not in `--ws-allowed-origin`.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Forbidden(pub Problem<'static>);

/// No such match (an id that is not a positive integer names none), or no such file.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct NotFound(pub Problem<'static>);

/// The body did not arrive within `--request-body-timeout-ms`; the connection is closed.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct RequestTimeout(pub Problem<'static>);

/// The event is not allowed in the match's current status.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Conflict(pub Problem<'static>);

/// The body is larger than `--max-body-bytes`.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct PayloadTooLarge(pub Problem<'static>);

/// `Content-Type` is missing or not JSON.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct UnsupportedMediaType(pub Problem<'static>);

/// A field is missing or invalid (named in `field`), an unknown field, a key given twice, or a bad
/// or reused `Idempotency-Key`.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct UnprocessableEntity(pub Problem<'static>);

/// This client address holds its limit of subscriber connections, or connects too fast.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))
)]
pub struct TooManyRequests(pub Problem<'static>);

/// An unexpected failure; the cause is logged, not sent.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct InternalServerError(pub Problem<'static>);

/// Nothing was done, retry later: the database is unavailable, the event queue is full, the server
/// is shutting down or at its connection limit, or the outcome of a commit is unknown (a retry
/// with the same `Idempotency-Key` is safe).
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    headers(("Retry-After" = u32, description = "Seconds to wait before retrying"))
)]
pub struct ServiceUnavailable(pub Problem<'static>);
