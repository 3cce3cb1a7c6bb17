//! The browser pages: the live scoreboard (`/`), a match page (`/matches/{id}`), the admin console
//! (`/admin`), and the files they use (`/static/...`), among them the client library
//! `/static/scorecast.js`. Everything is embedded in the binary; the pages use only the public API.

mod assets;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};

use crate::domain::MatchId;
use crate::problem::ApiError;
use assets::Asset;

/// For URLs carrying the content's version: the content behind them never changes.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// For pages and unversioned URLs: cache, but ask the server (a 304 if unchanged) every time.
const REVALIDATE: &str = "no-cache";
/// Scripts, styles, connections and forms only from this server; no framing (the admin console).
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

/// Registers the pages and the static files.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(scoreboard))
        .route("/matches/{id}", web::get().to(match_page))
        .route("/admin", web::get().to(admin))
        .route("/static/{name}", web::get().to(static_file));
}

async fn scoreboard(req: HttpRequest) -> HttpResponse {
    page(&req, "index.html")
}

async fn match_page(req: HttpRequest, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    // The page reads its match itself; a path that cannot name one is refused here.
    match id.parse::<MatchId>() {
        Ok(_) => Ok(page(&req, "match.html")),
        Err(_) => Err(ApiError::no_match(id.as_str())),
    }
}

async fn admin(req: HttpRequest) -> HttpResponse {
    page(&req, "admin.html")
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

async fn static_file(req: HttpRequest, name: web::Path<String>) -> Result<HttpResponse, ApiError> {
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
