//! Liveness and readiness.

use actix_web::{web, HttpResponse};

use crate::openapi::problems;
use crate::problem::ApiError;
use crate::store::Store;

/// Liveness: the process is up and serving HTTP (the database is not asked).
#[utoipa::path(
    method(get, head),
    path = "/healthz",
    tag = "operations",
    responses((status = 200, description = "Serving", body = String, content_type = "text/plain",
        example = "ok\n"))
)]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok\n")
}

/// Readiness: the database answers and every migration this build knows is applied.
#[utoipa::path(
    method(get, head),
    path = "/readyz",
    tag = "operations",
    responses(
        (status = 200, description = "Ready", body = String, content_type = "text/plain",
            example = "ready\n"),
        (status = 503, response = problems::ServiceUnavailable),
    )
)]
pub async fn readyz(store: web::Data<Store>) -> Result<HttpResponse, ApiError> {
    store.ready().await.map_err(|e| {
        tracing::warn!(error = %e, "not ready");
        ApiError::Unavailable("not ready: the database is unreachable or not migrated".into())
    })?;
    Ok(HttpResponse::Ok().content_type("text/plain").body("ready\n"))
}
