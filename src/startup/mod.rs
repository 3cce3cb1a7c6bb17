//! Building the application from settings, and running it until told to stop.

mod http;
mod purger;
mod stop;
mod watching;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use actix_http::Protocol;
use actix_server::Server;
use actix_service::{fn_service, ServiceFactoryExt};
use actix_web::web;
use anyhow::Context;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::auth::AdminTokens;
use crate::catalog::{spawn_sweeper, Catalog};
use crate::cluster::{self, Cluster, Peers};
use crate::configuration::Settings;
use crate::extract::{BodyLimits, Linger};
use crate::followers::Followers;
use crate::hub::Hub;
use crate::ingest::{self, CommitterSettings};
use crate::metrics::{Metrics, PoolState};
use crate::routes::ApiDocument;
use crate::snapshots::{Snapshots, RECENT_EVENTS};
use crate::store::{Backend, Store};
use crate::tls::Tls;
use crate::transport::admission::{AllowedOrigins, TrustedProxies};
use crate::transport::handoff::HandOff;
use crate::transport::head_limit::HeadLimit;
use http::{bind, AppState, HttpSettings};
use purger::{spawn_purger, Retention};
use stop::Stopped;

/// A built scorecast server: listening, with its database open and its tasks started.
pub struct Application {
    port: u16,
    server: Server,
    store: Store,
    tasks: Vec<JoinHandle<()>>,
    cluster: Option<Cluster>,
    shutdown: CancellationToken,
    hub: Arc<Hub>,
    drain: Duration,
    generated_admin_token: Option<String>,
}

impl Application {
    /// Opens the database (applying migrations), loads the hot set into memory, and binds the
    /// listener; with port 0 the system picks a free port, which `port()` reports.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        // First: a bad certificate must stop the start before anything else is opened.
        let tls = settings.tls.settings().map(|tls| Tls::load(&tls)).transpose()?;
        let cluster_settings = settings.cluster.settings().map_err(anyhow::Error::msg)?;
        if cluster_settings.is_some()
            && Backend::from_url(&settings.database_url)? != Backend::Postgres
        {
            anyhow::bail!(
                "--nats-url joins this node to a cluster, and several nodes need one shared \
                 database: set --database-url (DATABASE_URL) to a postgres:// URL; SQLite is for \
                 a single node"
            );
        }
        let store = Store::connect(&settings.database()).await.with_context(|| {
            format!("opening the database at {}", redact(&settings.database_url))
        })?;
        let tokens =
            AdminTokens::establish(&settings.admin_tokens, &store, settings.rotate_admin_token)
                .await
                .context("setting up admin tokens")?;
        let metrics = Arc::new(Metrics::new());
        // Subscribed before the snapshots load, so that nothing committed meanwhile is missed.
        let joined = match cluster_settings {
            Some(cluster) => Some(cluster::join(cluster, metrics.clone()).await?),
            None => None,
        };
        // Read before the hot set, so the check sees every change committed after it.
        let last_change = store.last_change().await.context("reading the change sequence")?;
        let hot_set = settings.hot_set();
        let (from, to) = hot_set.bounds(time::OffsetDateTime::now_utc());
        let (hot, recent) = store
            .hot_matches(from, to, RECENT_EVENTS as i64)
            .await
            .context("loading the hot set")?;
        let snapshots = Arc::new(Snapshots::load(hot, recent, hot_set.cold_capacity));
        metrics.report_unreadable_matches(snapshots.unreadable().len());
        let held = snapshots.clone();
        metrics.watch_held(move || held.held());
        let catalog = Arc::new(Catalog::new(
            snapshots.clone(),
            store.clone(),
            settings.cluster.miss_cache(),
            hot_set,
            Arc::new(Followers::default()),
            joined.is_some(),
        ));
        let pool = store.clone();
        metrics.watch_pool(move || PoolState {
            size: pool.pool_size(),
            idle: pool.idle_connections(),
        });
        let shutdown = CancellationToken::new();
        let hub =
            Arc::new(Hub::new(settings.hub(), store.clone(), catalog.clone(), metrics.clone()));
        let cluster = joined.map(|joined| {
            joined.start(hub.clone(), catalog.clone(), store.clone(), metrics.clone(), last_change)
        });
        let peers = cluster.as_ref().map_or_else(Peers::none, Cluster::peers);
        let (ingest, committer) = ingest::spawn(
            store.clone(),
            hub.clone(),
            peers.clone(),
            metrics.clone(),
            CommitterSettings {
                queue_depth: settings.ingest_queue,
                max_batch: settings.commit_batch,
                max_correction_depth: settings.max_correction_depth as usize,
            },
            shutdown.clone(),
        );
        let retention = Retention {
            responses: Duration::from_secs(settings.idempotency_hours * 3600),
            changes: settings.change_log_retention(),
        };
        let purger = spawn_purger(store.clone(), retention, shutdown.clone());
        // Requests refused for their head never reach the App: the bound counts them itself.
        let refusals = metrics.clone();
        let state = AppState {
            store: web::Data::new(store.clone()),
            snapshots: web::Data::from(snapshots),
            catalog: web::Data::from(catalog.clone()),
            peers: web::Data::new(peers.clone()),
            metrics: web::Data::from(metrics),
            ingest: web::Data::new(ingest),
            tokens: web::Data::new(tokens.tokens),
            hub: web::Data::from(hub.clone()),
            origins: web::Data::new(AllowedOrigins(settings.ws_allowed_origins.clone())),
            trusted_proxies: web::Data::new(TrustedProxies(settings.trusted_proxies.clone())),
            api_document: web::Data::new(ApiDocument(crate::openapi::json())),
            body_limits: BodyLimits {
                max_bytes: settings.max_body_bytes,
                timeout: Duration::from_millis(settings.request_body_timeout_ms),
                linger: Linger {
                    max_bytes: settings.refused_body_linger_bytes,
                    max_time: Duration::from_millis(settings.refused_body_linger_ms),
                },
            },
        };

        let listener = bind(settings.listen, settings.listen_backlog)
            .with_context(|| format!("binding {}", settings.listen))?;
        let port = listener.local_addr()?.port();
        let mut builder = actix_server::Server::build()
            .max_concurrent_connections(settings.max_http_connections)
            .shutdown_timeout(settings.drain_secs)
            .disable_signals();
        if settings.workers > 0 {
            builder = builder.workers(settings.workers);
        }
        let http = HttpSettings {
            state,
            hub: hub.clone(),
            // Fires when the server stops gracefully, so idle keep-alive connections close at
            // once instead of holding the stop for the whole drain time.
            draining: builder.graceful_shutdown_signal(),
            keep_alive: Duration::from_secs(settings.keep_alive_secs),
            request_timeout: Duration::from_millis(settings.request_timeout_ms),
        };
        let sweeper = spawn_sweeper(catalog, shutdown.clone());
        let audience = watching::spawn_watching(hub.clone(), peers.clone(), shutdown.clone());
        let mut tasks = vec![committer, purger, sweeper, audience];
        // Every connection reaches the dispatcher behind the bound on request heads; a TLS
        // session, when there is one, sits between the socket and that bound.
        let max_header_bytes = settings.max_header_bytes;
        let server = match tls {
            None => builder.listen("scorecast", listener, move || {
                let refusals = refusals.clone();
                fn_service(move |io: tokio::net::TcpStream| {
                    let refusals = refusals.clone();
                    async move {
                        let peer = io.peer_addr().ok();
                        Ok((HeadLimit::new(io, max_header_bytes, refusals), Protocol::Http1, peer))
                    }
                })
                .and_then(http.factory())
            })?,
            Some(tls) => {
                tasks.push(crate::tls::spawn_certificate_reloader(tls.clone(), shutdown.clone()));
                builder.listen("scorecast", listener, move || {
                    let acceptor = tls.acceptor.clone();
                    let refusals = refusals.clone();
                    fn_service(move |io: tokio::net::TcpStream| {
                        let acceptor = acceptor.clone();
                        let refusals = refusals.clone();
                        async move {
                            let stream = acceptor.accept(io).await.map_err(|e| {
                                tracing::debug!(error = %e, "TLS handshake failed");
                                actix_http::error::DispatchError::Io(e)
                            })?;
                            let peer = stream.socket().peer_addr().ok();
                            let limited = HeadLimit::new(stream, max_header_bytes, refusals);
                            Ok((limited, Protocol::Http1, peer))
                        }
                    })
                    .and_then(http.factory())
                })?
            }
        }
        .run();

        Ok(Self {
            port,
            server,
            store,
            tasks,
            cluster,
            shutdown,
            hub,
            drain: Duration::from_secs(settings.drain_secs),
            generated_admin_token: tokens.generated,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The admin token generated at this start, if one was; it is not stored in clear anywhere.
    pub fn generated_admin_token(&self) -> Option<&str> {
        self.generated_admin_token.as_deref()
    }

    /// Serves until `stop` completes, then finishes in-flight requests, stores every queued event,
    /// and closes the database.
    pub async fn run_until(self, stop: impl Future<Output = ()>) -> anyhow::Result<()> {
        let Self { server, store, tasks, cluster, shutdown, hub, drain, .. } = self;
        let stopped = Stopped { shutdown, tasks, cluster, store };
        let handle = server.handle();
        let mut server = std::pin::pin!(server);
        tokio::select! {
            result = &mut server => return stopped.finish(result).await,
            () = stop => {
                tracing::info!(websockets = hub.connections(), "shutting down: closing WebSockets with 1001");
                // Stop accepting first. The server future carries out its commands, so it is
                // polled (by the select below) while the WebSockets drain.
                drop(handle.pause());
                hub.shut_down();
                tokio::select! {
                    result = &mut server => return stopped.finish(result).await,
                    left = hub.drained(drain) => if left > 0 {
                        tracing::warn!(websockets = left, "WebSockets still open after the drain time; dropping them");
                    },
                }
                tracing::info!("finishing in-flight requests");
                // The server future runs its own stop command: poll both together.
                let (result, ()) = tokio::join!(server, handle.stop(true));
                result.context("HTTP server failed while stopping")?;
            }
        }
        stopped.finish(Ok(())).await
    }
}

/// The URL without its password, for logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}
