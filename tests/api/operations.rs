use serde_json::json;

use crate::backend_tests;
use crate::common::{spawn_app, spawn_app_with, Backend};
use crate::helpers::assert_problem;

backend_tests!(
    health_and_readiness_answer,
    head_on_health_and_readiness_answers_like_get_without_a_body,
    metrics_are_exposed_in_prometheus_text_format,
    process_build_and_database_pool_metrics_are_exposed,
    invented_http_methods_share_one_method_label,
    a_generated_admin_token_works_and_survives_a_restart,
);

async fn health_and_readiness_answer(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert_eq!(app.get("/readyz").await.status(), 200);
}

async fn head_on_health_and_readiness_answers_like_get_without_a_body(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    for (path, body) in [("/healthz", "ok\n"), ("/readyz", "ready\n")] {
        let response = app.client.head(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "HEAD {path}");
        assert_eq!(response.headers()["content-type"], "text/plain");
        assert_eq!(response.headers()["content-length"], body.len().to_string().as_str());
        assert_eq!(response.bytes().await.unwrap().len(), 0, "HEAD {path} sent a body");
    }
}

async fn metrics_are_exposed_in_prometheus_text_format(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let id = app.live_match().await;
    app.post_event(id, &json!({"kind": "goal", "team": "home", "minute": 3})).await;
    app.get("/nowhere").await;
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = response.text().await.unwrap();
    for expected in [
        "# TYPE scorecast_http_requests_total counter",
        "scorecast_http_requests_total{method=\"POST\",route=\"/api/v1/matches/{id}/events\",status=\"201\"} 2",
        "scorecast_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1",
        "# TYPE scorecast_http_request_duration_seconds histogram",
        "scorecast_events_ingested_total{kind=\"goal\"} 1",
        "scorecast_events_ingested_total{kind=\"kickoff\"} 1",
        "# TYPE scorecast_db_commit_duration_seconds histogram",
        "scorecast_db_commit_batch_events_count",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
}

async fn process_build_and_database_pool_metrics_are_exposed(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.live_match().await;
    let text = app.get("/metrics").await.text().await.unwrap();
    let value = |name: &str| -> f64 {
        let line = text
            .lines()
            .find(|l| l.split([' ', '{']).next() == Some(name))
            .unwrap_or_else(|| panic!("missing {name} in\n{text}"));
        line.rsplit(' ').next().unwrap().parse().unwrap()
    };
    // The standard process metrics keep their usual names, without the scorecast prefix.
    assert!(value("process_resident_memory_bytes") > 1e6);
    assert!(value("process_open_fds") > 0.0);
    assert!(value("process_cpu_seconds_total") >= 0.0);
    assert!(value("process_max_fds") > 0.0);

    let commit = scorecast::metrics::COMMIT;
    if std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".git").exists() {
        assert_ne!(commit, "unknown", "built in a git checkout, the commit is known");
    }
    let build_info = format!(
        "scorecast_build_info{{commit=\"{commit}\",version=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION")
    );
    assert!(text.contains(&build_info), "missing {build_info:?} in\n{text}");

    // Read at scrape time: the match and its kickoff have opened at least one connection.
    let open = value("scorecast_db_pool_connections");
    let idle = value("scorecast_db_pool_idle_connections");
    assert!(open >= 1.0 && idle <= open, "open {open}, idle {idle}");
}

async fn invented_http_methods_share_one_method_label(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let app = &app;
    let invent = |n: usize| async move {
        let method = reqwest::Method::from_bytes(format!("INVENTED{n}").as_bytes()).unwrap();
        for path in ["/healthz", "/api/v1/matches", "/nowhere"] {
            app.client.request(method.clone(), app.url(path)).send().await.unwrap();
        }
    };
    let http_series =
        |text: &str| text.lines().filter(|l| l.starts_with("scorecast_http_")).count();
    // Once, so the series of the scrapes themselves exist before counting.
    app.get("/metrics").await;
    invent(0).await;
    let after_one = http_series(&app.get("/metrics").await.text().await.unwrap());
    for n in 1..30 {
        invent(n).await;
    }
    let text = app.get("/metrics").await.text().await.unwrap();
    assert!(!text.contains("INVENTED"), "an invented method became a label value:\n{text}");
    assert_eq!(http_series(&text), after_one, "new series for invented methods:\n{text}");
    assert!(
        text.contains(
            "scorecast_http_requests_total{method=\"other\",route=\"unmatched\",status=\"404\"} 30"
        ),
        "{text}"
    );
}

async fn a_generated_admin_token_works_and_survives_a_restart(backend: Backend) {
    let Some(mut first) = spawn_app_with(backend, |s| s.admin_tokens.clear()).await else {
        return;
    };
    let token = first.generated_token.clone().expect("a token is generated at first start");
    let body =
        json!({"home": "A", "away": "B", "competition": "C", "kickoff_at": "2026-11-21T19:00:00Z"});
    let create = |app: &crate::common::TestApp, token: &str| {
        app.client.post(app.url("/api/v1/matches")).bearer_auth(token).json(&body).send()
    };
    assert_eq!(create(&first, &token).await.unwrap().status(), 201);
    assert_problem(create(&first, "test-admin-token").await.unwrap(), 401).await;
    first.stop().await;

    // A new server on the same database, still with no token configured.
    let second = first.restart_with(0, |_| {}).await;
    assert_eq!(second.generated_token, None, "the stored token is reused, not replaced");
    assert_eq!(create(&second, &token).await.unwrap().status(), 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_subscriber_an_update_is_written_to_counts_one_delivery_with_its_latency() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let id = app.live_match().await;
    let mut subscribers = Vec::new();
    for _ in 0..2 {
        let mut ws = crate::ws_client::connect(app.port, &format!("matches={id}")).await;
        assert_eq!(ws.next().await["k"], "snapshot");
        subscribers.push(ws);
    }
    let before = app.metric("scorecast_delivery_latency_seconds_count").await;
    let posted = std::time::Instant::now();
    app.post_event(id, &json!({"kind": "goal", "team": "home", "minute": 9})).await;
    for ws in &mut subscribers {
        assert_eq!(ws.next().await["k"], "goal");
    }
    let took = posted.elapsed().as_secs_f64();
    let count = app.metric("scorecast_delivery_latency_seconds_count").await - before;
    assert_eq!(count, 2.0, "one delivery per subscriber, snapshots not counted");
    let sum = app.metric("scorecast_delivery_latency_seconds_sum").await;
    assert!(sum > 0.0 && sum <= 2.0 * took, "{sum} s for two deliveries within {took} s");
    let all = app.metric(r#"scorecast_delivery_latency_seconds_bucket{le="+Inf"}"#).await;
    assert_eq!(all, count + before);
    // CPU time to the microsecond: the work so far is well under a second, and not zero.
    let cpu = app.metric("scorecast_process_cpu_seconds_total").await;
    assert!(cpu > 0.0 && cpu.fract() != 0.0, "{cpu}");
}
