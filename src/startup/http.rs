//! The HTTP service of each worker thread: the App with every route and middleware, the
//! upgrade service for WebSockets, and the listener they are served from.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_http::{HttpService, KeepAlive, Protocol};
use actix_server::GracefulShutdownSignal;
use actix_service::{map_config, IntoServiceFactory, ServiceFactory};
use actix_web::body::MessageBody;
use actix_web::dev::{AppConfig, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{web, App};

use crate::auth::AdminTokens;
use crate::catalog::Catalog;
use crate::cluster::Peers;
use crate::extract::BodyLimits;
use crate::hub::{Hub, Worker};
use crate::ingest::Ingest;
use crate::metrics::Metrics;
use crate::routes::{self, ApiDocument};
use crate::snapshots::Snapshots;
use crate::store::Store;
use crate::transport::admission::{AllowedOrigins, TrustedProxies};
use crate::transport::handoff::HandOff;
use crate::transport::sse::ConnectionSocket;
use crate::transport::ws::UpgradeFactory;

/// Everything the routes share, cloned into each worker's App.
#[derive(Clone)]
pub(super) struct AppState {
    pub(super) store: web::Data<Store>,
    pub(super) snapshots: web::Data<Snapshots>,
    pub(super) catalog: web::Data<Catalog>,
    pub(super) peers: web::Data<Peers>,
    pub(super) metrics: web::Data<Metrics>,
    pub(super) ingest: web::Data<Ingest>,
    pub(super) tokens: web::Data<AdminTokens>,
    pub(super) hub: web::Data<Hub>,
    pub(super) origins: web::Data<AllowedOrigins>,
    pub(super) trusted_proxies: web::Data<TrustedProxies>,
    pub(super) body_limits: BodyLimits,
    pub(super) api_document: web::Data<ApiDocument>,
}

/// The App of one HTTP worker thread, with that thread's hub worker: every route and middleware.
/// Built for ordinary requests and, separately, for the handshakes the upgrade service runs
/// through it.
fn build_app(
    state: &AppState,
    worker: &Worker,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .wrap(from_fn(routes::record_metrics))
        .wrap(from_fn(routes::log_request))
        .app_data(state.store.clone())
        .app_data(state.snapshots.clone())
        .app_data(state.catalog.clone())
        .app_data(state.peers.clone())
        .app_data(state.metrics.clone())
        .app_data(state.ingest.clone())
        .app_data(state.tokens.clone())
        .app_data(state.hub.clone())
        .app_data(state.origins.clone())
        .app_data(state.trusted_proxies.clone())
        .app_data(web::Data::new(worker.clone()))
        .app_data(state.body_limits)
        .app_data(state.api_document.clone())
        .configure(|cfg| routes::configure(cfg, &state.origins))
        .default_service(web::to(routes::not_found))
}

/// What every HTTP worker thread's service is built from.
#[derive(Clone)]
pub(super) struct HttpSettings {
    pub(super) state: AppState,
    pub(super) hub: Arc<Hub>,
    pub(super) draining: GracefulShutdownSignal,
    pub(super) keep_alive: Duration,
    pub(super) request_timeout: Duration,
}

impl HttpSettings {
    /// The HTTP service of one worker thread, over plain TCP or TLS (`T`): its hub worker starts
    /// here, and both the App (for SSE) and the upgrade service (for WebSockets) get it.
    pub(super) fn factory<T: HandOff>(
        &self,
    ) -> impl ServiceFactory<
        (T, Protocol, Option<std::net::SocketAddr>),
        Config = (),
        Response = (),
        Error = actix_http::error::DispatchError,
        InitError = (),
    > {
        let worker = Worker::start(self.hub.clone());
        let state = self.state.clone();
        let app_worker = worker.clone();
        let make_app = move || build_app(&state, &app_worker).into_factory();
        let draining = self.draining.clone();
        HttpService::build()
            .graceful_shutdown_signal(move || {
                let draining = draining.clone();
                async move { draining.notified().await }
            })
            .keep_alive(KeepAlive::Timeout(self.keep_alive))
            // An SSE stream takes a handle on its socket from here (`ConnectionSocket`).
            .on_connect_ext(|io: &T, ext| {
                ext.insert(ConnectionSocket::of(io.socket()));
            })
            .client_request_timeout(self.request_timeout)
            .upgrade(UpgradeFactory::new(worker, make_app.clone()))
            .finish(map_config(make_app(), |_| AppConfig::default()))
    }
}

/// A listener with room for `backlog` connections waiting to be accepted: a crowd reconnecting at
/// once overflows the standard library's 128 and waits a second for SYN retries.
pub(super) fn bind(address: std::net::SocketAddr, backlog: u32) -> std::io::Result<TcpListener> {
    let socket = socket2::Socket::new(
        socket2::Domain::for_address(address),
        socket2::Type::STREAM,
        Some(socket2::Protocol::TCP),
    )?;
    socket.set_reuse_address(true)?;
    socket.bind(&address.into())?;
    socket.listen(backlog.min(i32::MAX as u32) as i32)?;
    Ok(socket.into())
}
