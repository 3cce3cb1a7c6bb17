//! The node's link to NATS at start: how it logs in, one attempt before the node starts (a refused
//! login stops the start; an unreachable NATS only delays readiness), and whether the link has
//! ever been up, which readiness waits for.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::Context;
use async_nats::{ConnectErrorKind, ConnectOptions, ServerAddr};

use super::{ClusterSettings, Credentials};

/// Whether the link to NATS has been up at least once; cheap to clone.
#[derive(Clone, Default)]
pub struct Linked(Arc<AtomicBool>);

impl Linked {
    /// Recorded at each connect; only the first matters.
    pub(super) fn connected(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn has_connected(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// How this node logs in to NATS: its credentials and TLS, and the bound on one connection
/// attempt.
pub(super) async fn login(settings: &ClusterSettings) -> anyhow::Result<ConnectOptions> {
    let mut options = ConnectOptions::new().connection_timeout(settings.connect_timeout);
    options = match &settings.credentials {
        Credentials::None => options,
        Credentials::UserPassword(user, password) => {
            options.user_and_password(user.clone(), password.clone())
        }
        Credentials::Token(token) => options.token(token.clone()),
        Credentials::File(path) => {
            options.credentials_file(path).await.context("reading the NATS credentials file")?
        }
    };
    if settings.tls.is_set() {
        settings.tls.check()?;
        options = options.require_tls(true);
        if let Some(ca) = &settings.tls.ca {
            options = options.add_root_certificates(ca.clone());
        }
        if let Some((cert, key)) = &settings.tls.client {
            options = options.add_client_certificate(cert.clone(), key.clone());
        }
    }
    Ok(options)
}

/// One attempt to log in before the node starts. Credentials NATS refuses stop the start: a node
/// that can never join must not come up and report ready. NATS not answering is no reason to stop:
/// the node starts unready and the link keeps trying in the background.
pub(super) async fn try_once(
    settings: &ClusterSettings,
    servers: &[ServerAddr],
) -> anyhow::Result<()> {
    match login(settings).await?.connect(servers.to_vec()).await {
        Ok(client) => {
            drop(client);
            Ok(())
        }
        Err(e)
            if matches!(
                e.kind(),
                ConnectErrorKind::AuthorizationViolation | ConnectErrorKind::Authentication
            ) =>
        {
            anyhow::bail!(
                "NATS refused this node's credentials ({e}): check --nats-user and \
                 --nats-password, --nats-token or --nats-credentials"
            )
        }
        Err(e) => {
            tracing::warn!(error = %e, "NATS is not reachable at start; this node is not ready (/readyz 503) until it first connects");
            Ok(())
        }
    }
}
