//! Liveness and readiness.

use actix_web::{web, HttpResponse};

use crate::cluster::Peers;
use crate::openapi::problems;
use crate::problem::ApiError;
use crate::snapshots::Snapshots;
use crate::store::Store;

/// How many unreadable matches `/readyz` names by id: enough to find them, few enough for a probe.
const NAMED_UNREADABLE: usize = 20;

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

/// Readiness: the database answers, every migration this build knows is applied, and a node of a
/// cluster has connected to NATS at least once (a later outage leaves it ready: the periodic
/// check keeps it in step). Stored matches
/// that did not read back at start are named in the body but leave the node ready: every node
/// sharing the database would read them the same way, and a 503 would take them all out.
#[utoipa::path(
    method(get, head),
    path = "/readyz",
    tag = "operations",
    responses(
        (status = 200, description = "Ready; a second line names stored matches that did not \
            read back at start and are not served", body = String, content_type = "text/plain",
            example = "ready\n"),
        (status = 503, response = problems::ServiceUnavailable),
    )
)]
pub async fn readyz(
    store: web::Data<Store>,
    snapshots: web::Data<Snapshots>,
    peers: web::Data<Peers>,
) -> Result<HttpResponse, ApiError> {
    store.ready().await.map_err(|e| {
        tracing::warn!(error = %e, "not ready");
        ApiError::Unavailable("not ready: the database is unreachable or not migrated".into())
    })?;
    if !peers.reachable() {
        return Err(ApiError::Unavailable(
            "not ready: this node has not connected to NATS yet".into(),
        ));
    }
    let mut body = String::from("ready\n");
    let unreadable = snapshots.unreadable();
    if !unreadable.is_empty() {
        let mut ids: Vec<String> =
            unreadable.iter().take(NAMED_UNREADABLE).map(|row| row.id.to_string()).collect();
        if unreadable.len() > NAMED_UNREADABLE {
            ids.push(format!("and {} more", unreadable.len() - NAMED_UNREADABLE));
        }
        body += &format!("unreadable matches (not served; the log says why): {}\n", ids.join(", "));
    }
    Ok(HttpResponse::Ok().content_type("text/plain").body(body))
}
