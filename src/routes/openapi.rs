//! The OpenAPI document of this server (`crate::openapi`).

use actix_web::http::header;
use actix_web::HttpResponse;

/// This document: every path, operation, schema and error answer, generated from the code.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "operations",
    responses((status = 200, description = "The OpenAPI 3.1 document", body = Object,
        content_type = "application/json"))
)]
pub async fn spec() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(crate::openapi::json())
}
