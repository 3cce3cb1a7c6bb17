//! Server-Sent Events endpoint `/sse`: the same compact messages as the WebSocket, from the same hub,
//! for clients and networks where WebSocket is not available.

mod body;

use std::os::fd::{AsRawFd, BorrowedFd, RawFd};

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::admission::{self, AllowedOrigins, OriginHeader, SubscribeQuery};
use crate::hub::{Hub, Worker};
use crate::openapi::problems;
use crate::problem::ApiError;
use body::SseBody;

/// The socket of an HTTP connection, noted when it is accepted (`startup/http.rs`), so that an SSE
/// stream can take its own handle on it: a stuck client's response stays in actix's dispatcher,
/// which stops polling the body once its write buffer is full, so only the socket can end it.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionSocket(RawFd);

impl ConnectionSocket {
    pub fn of(stream: &impl AsRawFd) -> Self {
        Self(stream.as_raw_fd())
    }

    /// A handle of its own on the socket (a duplicate descriptor), for the stream's lifetime.
    fn handle(&self) -> Option<socket2::Socket> {
        // SAFETY: the request being served runs on this connection, so the descriptor noted when
        // it was accepted is open and still this connection's for the duration of this call.
        let fd = unsafe { BorrowedFd::borrow_raw(self.0) };
        fd.try_clone_to_owned().ok().map(socket2::Socket::from)
    }
}

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
    let request = admission::parse(&query, req.query_string(), last_event_id, &hub)?;
    let admission = admission::admit(&req, &hub, request)?;
    let socket = req.conn_data::<ConnectionSocket>().and_then(ConnectionSocket::handle);
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        // Tells buffering proxies (nginx) to pass each event through at once.
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(SseBody::new(worker.attach_sse(admission, socket))))
}
