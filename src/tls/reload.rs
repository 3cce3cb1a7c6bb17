//! Certificates re-read on SIGHUP while the server runs.

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::Tls;

/// Re-reads the certificate and key on SIGHUP; a pair that does not load leaves the current one
/// in use and the log says why. Established sessions keep theirs either way.
pub fn spawn_certificate_reloader(tls: Tls, shutdown: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        use tokio::signal::unix::{signal, SignalKind};
        let mut hangup = match signal(SignalKind::hangup()) {
            Ok(hangup) => hangup,
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGHUP: certificates will not be reloaded");
                return;
            }
        };
        loop {
            tokio::select! {
                _ = hangup.recv() => {}
                () = shutdown.cancelled() => return,
            }
            match tls.certificates.reload() {
                Ok(()) => tracing::info!("SIGHUP: TLS certificate and key reloaded"),
                Err(e) => {
                    tracing::error!(error = %e, "SIGHUP: TLS certificate not reloaded; keeping the current one")
                }
            }
        }
    })
}
