//! Building the application from settings, and running it until told to stop.

use std::future::Future;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use anyhow::Context;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::auth::AdminTokens;
use crate::configuration::Settings;
use crate::extract::BodyLimit;
use crate::ingest::{self, CommitterSettings};
use crate::metrics::Metrics;
use crate::routes;
use crate::snapshots::{Snapshots, RECENT_EVENTS};
use crate::store::Store;

/// How often expired Idempotency-Key answers are deleted.
const PURGE_INTERVAL: Duration = Duration::from_secs(3600);

/// A built scorecast server: listening, with its database open and its tasks started.
pub struct Application {
    port: u16,
    server: Server,
    store: Store,
    tasks: Vec<JoinHandle<()>>,
    shutdown: CancellationToken,
    generated_admin_token: Option<String>,
}

impl Application {
    /// Opens the database (applying migrations), loads every match into memory, and binds the
    /// listener; with port 0 the system picks a free port, which `port()` reports.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let store = Store::connect(&settings.database())
            .await
            .with_context(|| format!("opening the database at {}", redact(&settings.database_url)))?;
        let tokens =
            AdminTokens::establish(&settings.admin_tokens, &store, settings.rotate_admin_token)
                .await
                .context("setting up admin tokens")?;
        let snapshots = Arc::new(Snapshots::load(
            store.all_matches().await.context("loading matches")?,
            store.recent_events(RECENT_EVENTS as i64).await.context("loading recent events")?,
        ));
        let metrics = Arc::new(Metrics::new());
        let shutdown = CancellationToken::new();
        let (ingest, committer) = ingest::spawn(
            store.clone(),
            snapshots.clone(),
            metrics.clone(),
            CommitterSettings { queue_depth: settings.ingest_queue, max_batch: settings.commit_batch },
            shutdown.clone(),
        );
        let purger = spawn_purger(
            store.clone(),
            Duration::from_secs(settings.idempotency_hours * 3600),
            shutdown.clone(),
        );

        let listener = TcpListener::bind(settings.listen)
            .with_context(|| format!("binding {}", settings.listen))?;
        let port = listener.local_addr()?.port();
        let data = (
            web::Data::new(store.clone()),
            web::Data::from(snapshots),
            web::Data::from(metrics),
            web::Data::new(ingest),
            web::Data::new(tokens.tokens),
        );
        let body_limit = BodyLimit(settings.max_body_bytes);
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(routes::record_metrics))
                .app_data(data.0.clone())
                .app_data(data.1.clone())
                .app_data(data.2.clone())
                .app_data(data.3.clone())
                .app_data(data.4.clone())
                .app_data(body_limit)
                .configure(routes::configure)
                .default_service(web::to(routes::not_found))
        })
        .max_connections(settings.max_http_connections)
        .client_request_timeout(Duration::from_millis(settings.request_timeout_ms))
        .keep_alive(Duration::from_secs(settings.keep_alive_secs))
        .shutdown_timeout(settings.drain_secs)
        .disable_signals();
        if settings.workers > 0 {
            server = server.workers(settings.workers);
        }
        let server = server.listen(listener)?.run();

        Ok(Self {
            port,
            server,
            store,
            tasks: vec![committer, purger],
            shutdown,
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
        let Self { server, store, tasks, shutdown, .. } = self;
        let handle = server.handle();
        let mut server = std::pin::pin!(server);
        tokio::select! {
            result = &mut server => result.context("HTTP server failed")?,
            () = stop => {
                tracing::info!("shutting down: finishing in-flight requests");
                // The server future runs its own stop command: poll both together.
                let (result, ()) = tokio::join!(server, handle.stop(true));
                result.context("HTTP server failed while stopping")?;
            }
        }
        shutdown.cancel();
        for task in tasks {
            if let Err(e) = task.await {
                tracing::error!(error = %e, "background task ended abnormally");
            }
        }
        store.close().await;
        tracing::info!("stopped");
        Ok(())
    }
}

fn spawn_purger(store: Store, retention: Duration, shutdown: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(PURGE_INTERVAL);
        loop {
            tokio::select! {
                _ = every.tick() => {}
                () = shutdown.cancelled() => return,
            }
            let cutoff = time::OffsetDateTime::now_utc() - retention;
            match store.purge_responses(cutoff).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(removed = n, "expired Idempotency-Key answers removed"),
                Err(e) => tracing::warn!(error = %e, "could not remove expired Idempotency-Key answers"),
            }
        }
    })
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
