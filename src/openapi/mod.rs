//! The OpenAPI 3.1 document of everything scorecast serves, generated from the code: the paths and
//! operations from the route table (`routes::table`, from each handler's `#[utoipa::path]`), the
//! schemas from the domain types (`ToSchema`). Served at `/api/v1/openapi.json`, browsable at
//! `/api/docs`.

mod links;
mod parameters;
pub mod problems;
mod sports;
mod status;
mod tagged;

use std::sync::OnceLock;

use bytes::Bytes;
use utoipa::openapi::path::HttpMethod;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The name admin operations give their security requirement.
pub const ADMIN_TOKEN: &str = "admin_token";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "scorecast",
        description = "Live match scores: an admin REST API for score operators, a public read \
            API with a polling endpoint, and live updates over WebSocket (`/ws`) and Server-Sent \
            Events (`/sse`; their messages are described in docs/protocol.md). Every error is an \
            `application/problem+json` body (RFC 9457). A method a path does not list answers \
            `405` with `Allow`; a path not listed answers `404`. Every answer carries \
            `X-Request-Id`."
    ),
    components(
        schemas(
            crate::domain::NewMatch,
            crate::domain::MatchPatch,
            crate::domain::EventKind,
            crate::domain::StoredEvent,
            crate::snapshots::Summary,
            crate::snapshots::Full,
            crate::routes::Listed,
            crate::routes::MatchPage,
            crate::routes::WatchingCount,
            crate::routes::MostWatched,
            crate::routes::CompetitionList,
            crate::routes::EventHistory,
            crate::problem::Problem,
        ),
        responses(
            problems::BadRequest,
            problems::Unauthorized,
            problems::Forbidden,
            problems::NotFound,
            problems::RequestTimeout,
            problems::Conflict,
            problems::PayloadTooLarge,
            problems::UnsupportedMediaType,
            problems::UnprocessableEntity,
            problems::TooManyRequests,
            problems::InternalServerError,
            problems::ServiceUnavailable,
        )
    ),
    tags(
        (name = "admin", description = "For score operators; needs the admin bearer token"),
        (name = "read", description = "The public read API, open to other origins (CORS)"),
        (name = "live", description = "Live updates: docs/protocol.md describes the messages"),
        (name = "operations", description = "Health checks, metrics and this document"),
        (name = "pages", description = "The browser pages and their files"),
    ),
    modifiers(&AdminTokenScheme)
)]
struct ApiDoc;

/// The bearer scheme of the admin token.
struct AdminTokenScheme;

impl Modify for AdminTokenScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(
                "An admin token (`--admin-token`, or the one generated at first start). The \
                 scheme name is case-insensitive (RFC 9110).",
            ))
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(ADMIN_TOKEN, SecurityScheme::Http(scheme));
    }
}

/// The whole document: every path and method of the route table, with tagged enums as schemas a
/// generator can satisfy (`tagged`), parameters that are never `null` (`parameters`) and the links
/// between operations (`links`).
pub fn document() -> serde_json::Value {
    let mut doc = serde_json::to_value(operations()).expect("the OpenAPI document serializes");
    tagged::rewrite(&mut doc);
    status::split(&mut doc);
    sports::split(&mut doc);
    parameters::not_null(&mut doc);
    links::add(&mut doc);
    doc
}

/// The document as utoipa generates it: every path and method of the route table.
fn operations() -> utoipa::openapi::OpenApi {
    let mut openapi = ApiDoc::openapi();
    for resource in crate::routes::table() {
        for endpoint in resource.endpoints {
            for method in endpoint.methods {
                let mut operation = endpoint.operation.clone();
                if method == HttpMethod::Head {
                    // The GET operation without bodies, under its own (unique) id.
                    operation.operation_id = operation.operation_id.map(|id| format!("{id}_head"));
                    for response in operation.responses.responses.values_mut() {
                        if let utoipa::openapi::RefOr::T(response) = response {
                            response.content.clear();
                        }
                    }
                }
                openapi.paths.add_path_operation(&endpoint.path, vec![method], operation);
            }
        }
    }
    openapi
}

/// The document as JSON, encoded once.
pub fn json() -> Bytes {
    static JSON: OnceLock<Bytes> = OnceLock::new();
    JSON.get_or_init(|| {
        Bytes::from(
            serde_json::to_vec_pretty(&document()).expect("the OpenAPI document serializes"),
        )
    })
    .clone()
}
