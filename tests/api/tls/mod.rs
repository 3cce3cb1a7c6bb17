//! TLS: scorecast serving HTTPS, wss:// and SSE over TLS itself (`serving`, `reload`, and the
//! hand-off of a session record by record, `handoff`), and
//! speaking TLS to Postgres (`postgres`) and NATS (`nats`). Every certificate is made at test time.

mod handoff;
mod nats;
mod postgres;
mod reload;
mod serving;

use crate::common::tls::{Issued, TestCa};
use crate::common::{spawn_app_with, Backend, TestApp};

/// A SQLite server speaking TLS with a certificate from a new test authority.
async fn spawn_tls_app(
    configure: impl FnOnce(&mut scorecast::configuration::Settings),
) -> (TestCa, Issued, TestApp) {
    let ca = TestCa::new();
    let issued = ca.issue("server");
    let (cert, key) = (issued.cert.clone(), issued.key.clone());
    let app = spawn_app_with(Backend::Sqlite, |settings| {
        settings.tls.tls_cert = Some(cert);
        settings.tls.tls_key = Some(key);
        configure(settings);
    })
    .await
    .expect("SQLite is always available");
    let app = app.over_tls(ca.https_client());
    (ca, issued, app)
}
