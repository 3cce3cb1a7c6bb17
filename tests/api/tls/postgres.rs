//! scorecast on a Postgres that admits TLS connections only (`ssl=on`, `hostnossl ... reject`),
//! with a certificate made for the test: `sslmode=require`, and `verify-full` against the right
//! and the wrong authority.

use scorecast::configuration::Settings;
use scorecast::startup::Application;
use serde_json::json;

use crate::common::postgres::{fresh_database, PgCluster};
use crate::common::tls::TestCa;
use crate::common::{spawn_on, TestDatabase};

/// A TLS-only cluster, or `None` when Postgres is not installed (and not required).
fn tls_cluster(ca: &TestCa) -> Option<PgCluster> {
    let issued = ca.issue("postgres");
    let cluster = PgCluster::start_tls(&issued.cert, &issued.key);
    if cluster.is_none() {
        assert!(
            std::env::var("SCORECAST_REQUIRE_POSTGRES").is_err(),
            "SCORECAST_REQUIRE_POSTGRES is set but no Postgres is installed"
        );
    }
    cluster
}

async fn start_error(url: &str) -> String {
    let mut settings = Settings::with_database(url);
    settings.listen = "127.0.0.1:0".parse().unwrap();
    settings.db_acquire_timeout_ms = 2_000;
    match Application::build(settings).await {
        Ok(_) => panic!("started on {url}"),
        Err(e) => format!("{e:#}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scorecast_stores_events_on_a_postgres_that_requires_tls() {
    let ca = TestCa::new();
    let Some(cluster) = tls_cluster(&ca) else { return };
    let admin = format!("{}?sslmode=require", cluster.admin_url());
    let database = fresh_database(&admin).await;

    for query in [
        "sslmode=require".to_owned(),
        format!("sslmode=verify-full&sslrootcert={}", ca.ca_file().display()),
    ] {
        let app = spawn_on(TestDatabase::at(format!("{database}?{query}")), |_| {}).await;
        let id = app.live_match().await;
        app.store_event(id, &json!({"kind": "goal", "team": "home", "minute": 5})).await;
        assert_eq!(app.snapshot(id).await["seq"], 2, "{query}");
    }

    let refused = start_error(&format!("{database}?sslmode=disable")).await;
    assert!(
        refused.contains("no encryption") || refused.contains("pg_hba"),
        "plaintext is refused: {refused}"
    );
    let stranger = TestCa::new();
    let untrusted =
        format!("{database}?sslmode=verify-full&sslrootcert={}", stranger.ca_file().display());
    let refused = start_error(&untrusted).await;
    assert!(
        refused.to_lowercase().contains("certificate"),
        "an unknown authority is refused: {refused}"
    );
}
