//! The route table: every resource scorecast serves, each method with the OpenAPI operation its
//! handler's `#[utoipa::path]` declares. `configure` mounts exactly this table and
//! `crate::openapi::document` documents exactly this table, so what is served and what the
//! document says cannot drift apart: a route's path and methods are written once, in its annotation.

use actix_web::http::Method;
use actix_web::{web, FromRequest, Handler, HttpRequest, HttpResponse, Responder, Route};
use utoipa::openapi::path::{HttpMethod, Operation};

use super::{competitions, cors, events, health, matches, metrics, openapi, watching};
use crate::problem::ApiError;
use crate::transport::admission::AllowedOrigins;
use crate::{transport, web as pages};

/// One handler, mounted at the path and for the methods of its annotation.
pub struct Endpoint {
    pub path: String,
    pub methods: Vec<HttpMethod>,
    pub operation: Operation,
    routes: Vec<Route>,
}

/// `handler` with the annotation `P` (`__path_<handler>`, made by `#[utoipa::path]`).
fn endpoint<P, F, Args>(_annotation: P, handler: F) -> Endpoint
where
    P: utoipa::Path,
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    let methods = P::methods();
    let routes = methods.iter().map(|m| web::method(actix_method(m)).to(handler.clone())).collect();
    Endpoint { path: P::path(), methods, operation: P::operation(), routes }
}

/// The endpoints of one path. Other methods answer `405` with `Allow` naming these.
pub struct Resource {
    pub path: String,
    pub endpoints: Vec<Endpoint>,
    /// Whether pages on other origins may read it (CORS, `routes::cors`).
    public_read: bool,
}

impl Resource {
    fn new(endpoints: Vec<Endpoint>) -> Self {
        let path = endpoints[0].path.clone();
        assert!(
            endpoints.iter().all(|e| e.path == path),
            "the endpoints of one resource share its path ({path})"
        );
        Self { path, endpoints, public_read: false }
    }

    fn public_read(self) -> Self {
        Self { public_read: true, ..self }
    }

    /// The methods served here, as the `Allow` header lists them.
    fn allow(&self) -> String {
        let methods: Vec<String> = self
            .endpoints
            .iter()
            .flat_map(|e| &e.methods)
            .map(|m| actix_method(m).to_string())
            .collect();
        methods.join(", ")
    }
}

/// Every resource, in the order of the document.
pub fn table() -> Vec<Resource> {
    use Resource as R;
    vec![
        R::new(vec![
            endpoint(matches::__path_list, matches::list),
            endpoint(matches::__path_create, matches::create),
        ])
        .public_read(),
        R::new(vec![
            endpoint(matches::__path_snapshot, matches::snapshot),
            endpoint(matches::__path_patch, matches::patch),
        ])
        .public_read(),
        R::new(vec![
            endpoint(events::__path_history, events::history),
            endpoint(events::__path_post, events::post),
        ])
        .public_read(),
        R::new(vec![endpoint(watching::__path_watching, watching::watching)]).public_read(),
        R::new(vec![endpoint(watching::__path_most_watched, watching::most_watched)]).public_read(),
        R::new(vec![endpoint(competitions::__path_list, competitions::list)]).public_read(),
        // The handler refuses origins that are not allowed (403); CORS lets an allowed page on
        // another origin read the stream (EventSource).
        R::new(vec![endpoint(transport::sse::__path_stream, transport::sse::stream)]).public_read(),
        R::new(vec![endpoint(transport::ws::__path_handshake, transport::ws::handshake)]),
        R::new(vec![endpoint(health::__path_healthz, health::healthz)]).public_read(),
        R::new(vec![endpoint(health::__path_readyz, health::readyz)]),
        R::new(vec![endpoint(metrics::__path_metrics, metrics::metrics)]),
        R::new(vec![endpoint(openapi::__path_spec, openapi::spec)]).public_read(),
        R::new(vec![endpoint(pages::__path_api_docs, pages::api_docs)]),
        R::new(vec![endpoint(pages::__path_scoreboard, pages::scoreboard)]),
        R::new(vec![endpoint(pages::__path_match_page, pages::match_page)]),
        R::new(vec![endpoint(pages::__path_admin, pages::admin)]),
        R::new(vec![endpoint(pages::__path_static_file, pages::static_file)]),
    ]
}

/// Mounts the table; the public reads allow cross-origin reads from `origins` (every origin when
/// empty).
pub fn mount(cfg: &mut web::ServiceConfig, origins: &AllowedOrigins) {
    for resource in table() {
        let allow = resource.allow();
        let public_read = resource.public_read;
        let service = resource
            .endpoints
            .into_iter()
            .flat_map(|e| e.routes)
            .fold(web::resource(resource.path), |r, route| r.route(route))
            .default_service(web::to(move |req: HttpRequest| {
                let allow = allow.clone();
                async move { not_allowed(&req, allow) }
            }));
        if public_read {
            cfg.service(service.wrap(cors::public_read(origins)));
        } else {
            cfg.service(service);
        }
    }
}

/// The answer for a method a resource does not support: 405 naming the ones it does.
fn not_allowed(req: &HttpRequest, allow: String) -> Result<HttpResponse, ApiError> {
    Err(ApiError::MethodNotAllowed {
        detail: format!("{} is not supported on {}", req.method(), req.path()),
        allow,
    })
}

fn actix_method(method: &HttpMethod) -> Method {
    match method {
        HttpMethod::Get => Method::GET,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Delete => Method::DELETE,
        HttpMethod::Options => Method::OPTIONS,
        HttpMethod::Head => Method::HEAD,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Trace => Method::TRACE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_is_one_resource() {
        let table = table();
        let mut paths: Vec<&str> = table.iter().map(|r| r.path.as_str()).collect();
        paths.sort_unstable();
        paths.dedup();
        assert_eq!(paths.len(), table.len(), "a path listed twice would be mounted twice");
    }

    #[test]
    fn allow_lists_every_method_of_the_resource() {
        let health = table().into_iter().find(|r| r.path == "/healthz").unwrap();
        assert_eq!(health.allow(), "GET, HEAD");
    }
}
