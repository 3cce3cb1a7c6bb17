//! Prometheus scrape endpoint.

use actix_web::{web, HttpResponse};

use crate::metrics::Metrics;

pub async fn metrics(metrics: web::Data<Metrics>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(metrics.render())
}
