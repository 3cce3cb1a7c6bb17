//! WebSocket endpoint `/ws`. The handshake is an ordinary route of the App, so middleware, limits
//! and extractors apply to it; the upgrade service (`upgrade.rs`) then takes the socket out of the
//! HTTP dispatcher and gives it to this thread's hub worker, and `session.rs` carries on the
//! conversation with the client.

mod session;
mod upgrade;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

pub use upgrade::UpgradeFactory;

use super::admission::{self, AllowedOrigins, OriginHeader, SubscribeQuery};
use crate::hub::Hub;
use crate::openapi::problems;
use crate::problem::ApiError;
use crate::protocol::SUBPROTOCOL;

/// Validates a WebSocket handshake and answers 101, with the admission for the upgrade service in
/// the response's extensions; or answers why not (403, 400, 429, 503) before anything is upgraded.
#[utoipa::path(
    get,
    path = "/ws",
    tag = "live",
    summary = "Live updates over WebSocket",
    description = "The WebSocket handshake (RFC 6455): `Connection: Upgrade`, `Upgrade: websocket`, \
        `Sec-WebSocket-Key`, `Sec-WebSocket-Version: 13`. After `101`, the server sends a snapshot \
        of each followed match, then every update as it is stored; the client may subscribe and \
        unsubscribe by message. docs/protocol.md describes the messages, heartbeats, limits and \
        close codes.",
    params(
        SubscribeQuery,
        ("Sec-WebSocket-Protocol" = Option<String>, Header,
            description = "`scorecast.v1`, echoed when offered; offering only others is refused"),
        OriginHeader,
    ),
    responses(
        (status = 101, description = "Switched to the WebSocket protocol",
            headers(("Sec-WebSocket-Protocol" = String, description = "`scorecast.v1`, when offered"))),
        problems::AdmissionErrors,
    )
)]
pub async fn handshake(
    req: HttpRequest,
    query: web::Query<SubscribeQuery>,
    hub: web::Data<Hub>,
    origins: web::Data<AllowedOrigins>,
) -> Result<HttpResponse, ApiError> {
    admission::check_origin(&req, &origins, &hub)?;
    let protocol = choose_subprotocol(&req).inspect_err(|_| hub.refused("subprotocol"))?;
    let request = admission::parse(&query, req.query_string(), None, &hub)?;
    let mut response = actix_http::ws::handshake(req.head()).map_err(|e| {
        hub.refused("handshake");
        ApiError::BadRequest(format!("not a valid WebSocket handshake: {e}"))
    })?;
    let admission = admission::admit(&req, &hub, request)?;
    if let Some(protocol) = protocol {
        response.insert_header((header::SEC_WEBSOCKET_PROTOCOL, protocol));
    }
    let mut response = HttpResponse::from(response.finish()).map_into_boxed_body();
    response.extensions_mut().insert(admission);
    Ok(response)
}

/// Echoes `scorecast.v1` when offered; refuses a handshake that offers only other subprotocols.
fn choose_subprotocol(req: &HttpRequest) -> Result<Option<&'static str>, ApiError> {
    let offered: Vec<&str> = req
        .headers()
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if offered.is_empty() {
        Ok(None)
    } else if offered.contains(&SUBPROTOCOL) {
        Ok(Some(SUBPROTOCOL))
    } else {
        Err(ApiError::BadRequest(format!(
            "unsupported subprotocol {offered:?}: this server speaks {SUBPROTOCOL}"
        )))
    }
}
