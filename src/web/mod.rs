//! The browser pages: the live scoreboard (`/`), a match page (`/matches/{id}`), the admin console
//! (`/admin`), the API reference (`/api/docs`), and the files they use (`/static/...`), among them
//! the client library `/static/scorecast.js`. Everything is embedded in the binary; the pages use
//! only the public API. `routes::table` mounts them.

mod assets;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};

use utoipa::IntoParams;

use crate::domain::MatchId;
use crate::openapi::problems;
use crate::problem::ApiError;
use crate::routes::MatchPath;
use assets::Asset;

/// For URLs carrying the content's version: the content behind them never changes.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// For pages and unversioned URLs: cache, but ask the server (a 304 if unchanged) every time.
const REVALIDATE: &str = "no-cache";
/// Scripts, styles, connections and forms only from this server; no framing (the admin console).
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

/// The live scoreboard: the matches of the day (`?date=all`: every day), updating live.
#[utoipa::path(get, path = "/", tag = "pages", responses(
    (status = 200, description = "The page", body = String, content_type = "text/html"),
    (status = 304, description = "The client's copy is current"),
))]
pub async fn scoreboard(req: HttpRequest) -> HttpResponse {
    page(&req, "index.html")
}

/// One match, with its events newest first, updating live.
#[utoipa::path(get, path = "/matches/{id}", tag = "pages", params(MatchPath), responses(
    (status = 200, description = "The page", body = String, content_type = "text/html"),
    (status = 304, description = "The client's copy is current"),
    (status = 404, response = problems::NotFound),
))]
pub async fn match_page(req: HttpRequest, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    // The page reads its match itself; a path that cannot name one is refused here.
    match id.parse::<MatchId>() {
        Ok(_) => Ok(page(&req, "match.html")),
        Err(_) => Err(ApiError::no_match(id.as_str())),
    }
}

/// The admin console: it calls the admin API with the token pasted into it.
#[utoipa::path(get, path = "/admin", tag = "pages", responses(
    (status = 200, description = "The page", body = String, content_type = "text/html"),
    (status = 304, description = "The client's copy is current"),
))]
pub async fn admin(req: HttpRequest) -> HttpResponse {
    page(&req, "admin.html")
}

/// This API's reference, rendered in the browser from `/api/v1/openapi.json`, without any file
/// from elsewhere.
#[utoipa::path(get, path = "/api/docs", tag = "pages", responses(
    (status = 200, description = "The page", body = String, content_type = "text/html"),
    (status = 304, description = "The client's copy is current"),
))]
pub async fn api_docs(req: HttpRequest) -> HttpResponse {
    page(&req, "api.html")
}

fn page(req: &HttpRequest, name: &str) -> HttpResponse {
    let mut response = respond(req, assets::page(name), REVALIDATE);
    let headers = response.headers_mut();
    headers
        .insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    response
}

/// The query of a static file's URL.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StaticQuery {
    /// The file's version, as the pages name it: with the current one the answer may be cached
    /// for a year (`immutable`), otherwise it is revalidated every time.
    pub v: Option<String>,
}

/// A page asset or the client library (`scorecast.js`, `scorecast.d.ts`); readable from any origin.
#[utoipa::path(
    get,
    path = "/static/{name}",
    tag = "pages",
    params(
        ("name" = String, Path, description = "The file name, like `scorecast.js`",
            example = "scorecast.js"),
        StaticQuery,
    ),
    responses(
        (status = 200, description = "The file", content(
            ("text/javascript"), ("application/typescript"), ("text/css"), ("image/svg+xml"))),
        (status = 304, description = "The client's copy is current"),
        (status = 404, response = problems::NotFound),
    )
)]
pub async fn static_file(
    req: HttpRequest,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let asset =
        assets::file(&name).ok_or_else(|| ApiError::NotFound(format!("no file /static/{name}")))?;
    // Only the current version may be cached for good: an old or missing `v` is revalidated.
    let versioned = req
        .query_string()
        .split('&')
        .any(|pair| pair.strip_prefix("v=") == Some(asset.version.as_str()));
    let mut response = respond(&req, asset, if versioned { IMMUTABLE } else { REVALIDATE });
    // Public files: dashboards on other sites may import the client library from here.
    response
        .headers_mut()
        .insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    Ok(response)
}

fn respond(req: &HttpRequest, asset: &Asset, cache_control: &'static str) -> HttpResponse {
    let etag = asset.etag();
    let unchanged = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim().trim_start_matches("W/") == etag));
    let mut response = if unchanged { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    response
        .insert_header((header::CACHE_CONTROL, cache_control))
        .insert_header((header::ETAG, etag))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if unchanged {
        response.finish()
    } else {
        response.content_type(asset.content_type).body(asset.body.clone())
    }
}
