//! Prometheus scrape endpoint.

use actix_web::{web, HttpResponse};

use crate::metrics::Metrics;

/// Prometheus metrics, in the text exposition format (docs/api.md lists them).
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses((status = 200, description = "Every metric", body = String,
        content_type = "text/plain; version=0.0.4; charset=utf-8"))
)]
pub async fn metrics(metrics: web::Data<Metrics>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(metrics.render())
}
