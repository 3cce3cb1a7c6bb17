//! The upgrade service: every request with `Upgrade: websocket` arrives here with its connection.
//! It runs the request through the App (the `/ws` route validates it), writes the App's answer, and
//! on a 101 takes the raw socket, with any bytes already read (and its TLS session, over TLS), out
//! of the HTTP dispatcher and gives it to this thread's hub worker. The dispatcher and its buffers
//! are freed when this returns.

use std::rc::Rc;

use actix_codec::Framed;
use actix_http::body::{BodySize, MessageBody};
use actix_http::h1::{Codec, Message};
use actix_http::{ConnectionType, Request, Response, StatusCode};
use actix_service::{Service, ServiceFactory};
use actix_web::dev::{AppConfig, ServiceResponse};
use actix_web::HttpResponse;
use futures_util::future::LocalBoxFuture;
use futures_util::SinkExt;

use super::session;
use crate::hub::{Admission, Worker};
use crate::transport::handoff::HandOff;

type Upgrade<T> = (Request, Framed<T, Codec>);

/// Builds the upgrade service of one HTTP worker thread, with that thread's hub worker and App.
pub struct UpgradeFactory<F> {
    worker: Worker,
    make_app: F,
}

impl<F> UpgradeFactory<F> {
    pub fn new(worker: Worker, make_app: F) -> Self {
        Self { worker, make_app }
    }
}

/// `make_app` returns the App as a service factory (`build_app(..).into_factory()`).
impl<F, A, B, T: HandOff> ServiceFactory<Upgrade<T>> for UpgradeFactory<F>
where
    F: Fn() -> A,
    A: ServiceFactory<
            Request,
            Config = AppConfig,
            Response = ServiceResponse<B>,
            Error = actix_web::Error,
            InitError = (),
        > + 'static,
    A::Service: 'static,
    B: MessageBody + 'static,
{
    type Response = ();
    type Error = actix_web::Error;
    type Config = ();
    type Service = UpgradeService<A::Service>;
    type InitError = ();
    type Future = LocalBoxFuture<'static, Result<Self::Service, ()>>;

    fn new_service(&self, _: ()) -> Self::Future {
        let worker = self.worker.clone();
        let app = (self.make_app)();
        Box::pin(async move {
            let app = app.new_service(AppConfig::default()).await?;
            Ok(UpgradeService { app: Rc::new(app), worker })
        })
    }
}

pub struct UpgradeService<S> {
    app: Rc<S>,
    worker: Worker,
}

impl<S, B, T: HandOff> Service<Upgrade<T>> for UpgradeService<S>
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ();
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<(), actix_web::Error>>;

    actix_service::always_ready!();

    fn call(&self, (req, framed): Upgrade<T>) -> Self::Future {
        let (app, worker) = (self.app.clone(), self.worker.clone());
        Box::pin(async move {
            let mut response: HttpResponse<B> = match app.call(req).await {
                Ok(response) => response.into_parts().1,
                Err(err) => return answer_and_close(framed, err.error_response()).await,
            };
            let admission = response.extensions_mut().remove::<Admission>();
            match admission {
                Some(admission) if response.status() == StatusCode::SWITCHING_PROTOCOLS => {
                    hand_over(framed, response, admission, &worker).await
                }
                _ => answer_and_close(framed, response).await,
            }
        })
    }
}

/// Sends the 101 and gives the socket to the hub worker; its conversation runs as its own task.
async fn hand_over<B: MessageBody, T: HandOff>(
    mut framed: Framed<T, Codec>,
    response: HttpResponse<B>,
    admission: Admission,
    worker: &Worker,
) -> Result<(), actix_web::Error> {
    let (head, _) = Response::from(response).into_parts();
    if let Err(e) = framed.send(Message::Item((head, BodySize::None))).await {
        tracing::debug!(error = %e, "client left during the WebSocket handshake");
        return Ok(());
    }
    let parts = framed.into_parts();
    let (stream, tls) = match parts.io.hand_off() {
        Ok(parts) => parts,
        Err(e) => {
            tracing::debug!(error = %e, "WebSocket could not leave the dispatcher; dropping it");
            return Ok(());
        }
    };
    let conn = worker.attach_websocket(stream, tls, parts.read_buf, admission);
    tokio::task::spawn_local(session::run(conn));
    Ok(())
}

/// Writes a non-101 answer (an error, or an ordinary response to a request that asked to upgrade)
/// and closes the connection.
async fn answer_and_close<B: MessageBody, T: HandOff>(
    mut framed: Framed<T, Codec>,
    response: HttpResponse<B>,
) -> Result<(), actix_web::Error> {
    let (mut head, body) = Response::from(response).into_parts();
    let body = actix_http::body::to_bytes(body).await.unwrap_or_default();
    head.head_mut().set_connection_type(ConnectionType::Close);
    let sent = async {
        framed.send(Message::Item((head, BodySize::Sized(body.len() as u64)))).await?;
        framed.send(Message::Chunk(Some(body))).await?;
        framed.send(Message::Chunk(None)).await
    };
    if let Err(e) = sent.await {
        tracing::debug!(error = %e, "client left before the handshake answer was written");
    }
    Ok(())
}
