//! Server-Sent Events endpoint `/sse`: the same compact messages as the WebSocket, from the same hub,
//! for clients and networks where WebSocket is not available.

mod body;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::admission::{self, AllowedOrigins, OriginHeader, SubscribeQuery};
use crate::hub::{Hub, Worker};
use crate::openapi::problems;
use crate::problem::ApiError;
use body::SseBody;

/// Opens an event stream. Each message has `id: <match>:<seq>`, so a browser's `EventSource`
/// resumes by itself through `Last-Event-ID`.
#[utoipa::path(
    get,
    path = "/sse",
    tag = "live",
    summary = "Live updates over Server-Sent Events",
    description = "An event stream: a snapshot of each followed match, then every update as it is \
        stored, each `data:` line one JSON message with `id: MATCH:SEQ`, and `: keep-alive` \
        comments between. docs/protocol.md describes the messages.",
    params(
        SubscribeQuery,
        ("Last-Event-ID" = Option<String>, Header,
            description = "`MATCH:SEQ`: resume that match after this position, like `since`"),
        OriginHeader,
    ),
    responses(
        (status = 200, description = "The stream, open until the client or the server ends it",
            body = String, content_type = "text/event-stream"),
        problems::AdmissionErrors,
    )
)]
pub async fn stream(
    req: HttpRequest,
    query: web::Query<SubscribeQuery>,
    hub: web::Data<Hub>,
    origins: web::Data<AllowedOrigins>,
    worker: web::Data<Worker>,
) -> Result<HttpResponse, ApiError> {
    if req.headers().contains_key(header::UPGRADE) {
        return Err(ApiError::BadRequest(
            "an event stream is not an upgrade: drop the Upgrade header".into(),
        ));
    }
    admission::check_origin(&req, &origins, &hub)?;
    let last_event_id = req.headers().get("Last-Event-ID").and_then(|v| v.to_str().ok());
    let request = admission::parse(&query, last_event_id, &hub)?;
    let admission = admission::admit(&req, &hub, request)?;
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        // Tells buffering proxies (nginx) to pass each event through at once.
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(SseBody::new(worker.attach_sse(admission))))
}
