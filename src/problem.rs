//! Errors as HTTP answers: every error body is `application/problem+json` (RFC 9457).

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// Seconds a client should wait before retrying after a 503.
const RETRY_AFTER_SECS: u32 = 1;

/// The answer to a write refused because the database's disk is full.
const DISK_FULL: &str =
    "the database's disk is full: nothing was written; retry once space is freed";

/// What went wrong with a request, as the client should hear it.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// `allow` lists the methods the resource supports, for the `Allow` header.
    #[error("{detail}")]
    MethodNotAllowed { detail: String, allow: String },
    /// The request (its body) did not arrive in time; the connection is closed after the answer.
    #[error("{0}")]
    RequestTimeout(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// A field is missing or invalid; `field` is its path in the body, like `team` or `score.home`.
    #[error("{detail}")]
    Invalid { field: Option<String>, detail: String },
    #[error("{0}")]
    Unavailable(String),
    /// One client asks for too much at once; it may retry after `Retry-After`.
    #[error("{0}")]
    TooManyRequests(String),
    /// Details go to the log, never to the client.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

/// The body of every error answer (RFC 9457).
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"type": "about:blank", "title": "Not Found", "status": 404,
                          "detail": "there is no match with id 99"}))]
pub struct Problem<'a> {
    /// Always `about:blank`: the status code is the error's type.
    #[serde(rename = "type")]
    kind: &'a str,
    /// The status code's reason phrase.
    title: &'a str,
    /// The status code.
    status: u16,
    /// What went wrong, for people; the wording may change.
    detail: String,
    /// `422` only, when one field is at fault: its path in the body (`team`, `score.home`), or
    /// `Idempotency-Key`.
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

impl<'a> Problem<'a> {
    fn new(status: StatusCode, detail: String, field: Option<&'a str>) -> Self {
        let title = status.canonical_reason().unwrap_or("Error");
        Self { kind: "about:blank", title, status: status.as_u16(), detail, field }
    }
}

/// A problem body for answers written outside actix-web (the refusal of an oversized head).
pub fn problem_json(status: StatusCode, detail: &str) -> String {
    serde_json::to_string(&Problem::new(status, detail.to_owned(), None))
        .expect("problems always serialize")
}

impl ApiError {
    pub fn invalid(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::Invalid { field: Some(field.into()), detail: detail.into() }
    }

    /// A `422` for input that did not parse, naming its field.
    pub fn from_field(err: crate::domain::FieldError) -> Self {
        Self::Invalid { field: err.field, detail: err.detail }
    }

    pub fn no_match(id: impl std::fmt::Display) -> Self {
        Self::NotFound(format!("there is no match with id {id}"))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let field = match self {
            Self::Invalid { field, .. } => field.as_deref(),
            _ => None,
        };
        if let Self::Internal(err) = self {
            tracing::error!(error = ?err, "request failed");
        }
        let problem = Problem::new(status, self.to_string(), field);
        let mut response = HttpResponse::build(status);
        response.content_type("application/problem+json");
        match self {
            Self::Unauthorized(_) => {
                response
                    .insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"scorecast admin\""));
            }
            Self::Unavailable(_) | Self::TooManyRequests(_) => {
                response.insert_header((header::RETRY_AFTER, RETRY_AFTER_SECS.to_string()));
            }
            Self::MethodNotAllowed { allow, .. } => {
                response.insert_header((header::ALLOW, allow.as_str()));
            }
            Self::RequestTimeout(_) => {
                // The rest of the body may still come: the connection cannot carry another request.
                response.force_close();
            }
            _ => {}
        }
        response.body(serde_json::to_string(&problem).expect("problems always serialize"))
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(err: crate::store::StoreError) -> Self {
        match err {
            crate::store::StoreError::Unavailable(e) => {
                tracing::warn!(error = %e, "database unavailable");
                Self::Unavailable("the database is unavailable; retry shortly".into())
            }
            crate::store::StoreError::DiskFull(e) => {
                tracing::error!(error = %e, "the database's disk is full");
                Self::Unavailable(DISK_FULL.into())
            }
            other => Self::Internal(other.into()),
        }
    }
}
