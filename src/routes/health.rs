//! Liveness and readiness.

use actix_web::{web, HttpResponse};

use crate::problem::ApiError;
use crate::store::Store;

/// The process is up and serving.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok\n")
}

/// The database answers and every migration is applied.
pub async fn readyz(store: web::Data<Store>) -> Result<HttpResponse, ApiError> {
    store.ready().await.map_err(|e| {
        tracing::warn!(error = %e, "not ready");
        ApiError::Unavailable("not ready: the database is unreachable or not migrated".into())
    })?;
    Ok(HttpResponse::Ok().content_type("text/plain").body("ready\n"))
}
