//! Every panel of the shipped dashboard, queried from a real Prometheus scraping a loaded scorecast:
//! each query returns series, each value is a number in the panel's unit, and every line names its
//! node. Skipped without the `prometheus` binary, unless `SCORECAST_REQUIRE_PROMETHEUS=1` (CI).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::common::{spawn_app, Backend, TestApp};
use crate::tools::PROMETHEUS;
use crate::ws_client::connect;

const DASHBOARD: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/grafana/dashboards/scorecast.json");
/// How often the test's Prometheus scrapes: often enough to see several samples in seconds.
const SCRAPE: &str = "1s";
/// Load rounds (an event, a poll) a second apart: enough samples for every rate window.
const ROUNDS: usize = 6;

/// A Prometheus of the test's own, on a free loopback port, stopped (by PID) when dropped.
struct Prometheus {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Prometheus {
    async fn scraping(binary: &str, target_port: u16) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global: {{scrape_interval: {SCRAPE}, evaluation_interval: {SCRAPE}}}\n\
                 scrape_configs:\n  - job_name: scorecast\n    static_configs:\n      \
                 - targets: ['127.0.0.1:{target_port}']\n"
            ),
        )
        .unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(binary)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", dir.path().join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start prometheus");
        let prometheus = Self { child, base: format!("http://127.0.0.1:{port}"), _dir: dir };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = reqwest::get(format!("{}/-/ready", prometheus.base)).await;
            if ready.is_ok_and(|r| r.status() == 200) {
                break;
            }
            assert!(Instant::now() < deadline, "prometheus did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        prometheus
    }

    /// The instant vector of `expr`, now.
    async fn query(&self, expr: &str) -> Vec<Value> {
        let response: Value = reqwest::Client::new()
            .get(format!("{}/api/v1/query", self.base))
            .query(&[("query", expr)])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(response["status"], "success", "{expr}: {response}");
        response["data"]["result"].as_array().unwrap().clone()
    }

    /// Waits until the node has been scraped `n` more times.
    async fn scrapes(&self, n: f64) {
        let count = "count_over_time(up[5m])";
        let now = |r: Vec<Value>| r.first().map_or(0.0, value);
        let start = now(self.query(count).await);
        let deadline = Instant::now() + Duration::from_secs(30);
        while now(self.query(count).await) < start + n {
            assert!(Instant::now() < deadline, "prometheus does not scrape scorecast");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn value(series: &Value) -> f64 {
    series["value"][1].as_str().unwrap().parse().unwrap()
}

/// Events, polls, subscribers, a resume and a refusal: what the panels show.
async fn load(app: &TestApp, prometheus: &Prometheus) -> Vec<crate::ws_client::WsClient> {
    let id = app.live_match().await;
    let mut subscribers = Vec::new();
    for _ in 0..3 {
        subscribers.push(connect(app.port, &format!("matches={id}")).await);
    }
    let sse = app.client.get(app.url(&format!("/sse?matches={id}"))).send().await.unwrap();
    assert_eq!(sse.status(), 200);
    for round in 0..ROUNDS {
        let minute = 10 + round as i64;
        let goal = json!({"kind": "goal", "team": "home", "minute": minute});
        assert_eq!(app.post_event(id, &goal).await.status(), 201);
        app.get(&format!("/api/v1/matches/{id}")).await;
        // Labelled series appear at their first count: repeat so that their rate moves.
        let mut resumed = connect(app.port, &format!("matches={id}&since={id}:1")).await;
        assert_eq!(resumed.next().await["k"], "resume");
        subscribers.push(resumed);
        app.get("/ws?matches=nope").await;
        prometheus.scrapes(1.0).await;
    }
    drop(sse);
    subscribers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_dashboard_panel_shows_real_values_in_its_unit_for_each_node() {
    let Some(binary) = PROMETHEUS.find() else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let prometheus = Prometheus::scraping(&binary, app.port).await;
    // Rates and quantiles need samples from before the load.
    prometheus.scrapes(2.0).await;
    let _subscribers = load(&app, &prometheus).await;
    prometheus.scrapes(2.0).await;

    let dashboard: Value =
        serde_json::from_str(&std::fs::read_to_string(DASHBOARD).unwrap()).unwrap();
    let mut failures = Vec::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        let title = panel["title"].as_str().unwrap();
        let unit = panel["fieldConfig"]["defaults"]["unit"].as_str().unwrap();
        assert_eq!(panel["fieldConfig"]["overrides"], json!([]), "{title}: one unit per panel");
        let mut largest = 0.0_f64;
        for target in panel["targets"].as_array().unwrap() {
            let expr = target["expr"].as_str().unwrap();
            let legend = target["legendFormat"].as_str().unwrap();
            if !legend.contains("{{instance}}") {
                failures.push(format!("{title}: the legend {legend:?} does not name the node"));
            }
            if let Some(why) = unit_mismatch(unit, expr) {
                failures.push(format!("{title}: {expr} is not in {unit}: {why}"));
            }
            let result = prometheus.query(expr).await;
            if result.is_empty() {
                failures.push(format!("{title}: {expr} returned nothing"));
            }
            for series in &result {
                let v = value(series);
                if series["metric"]["instance"].as_str().is_none() {
                    failures.push(format!("{title}: {expr} lost the instance label: {series}"));
                }
                if !v.is_finite() || v < 0.0 || !in_range(unit, v) {
                    failures.push(format!("{title}: {expr} = {v}, not a value in {unit}"));
                }
                largest = largest.max(v);
            }
        }
        // The load moves every panel: something in each is above zero.
        if largest <= 0.0 {
            failures.push(format!("{title}: every line is 0 under load"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Why `expr` cannot be in `unit`, judged from its shape: per-second units are rates of counters,
/// seconds are quantiles of `_seconds` histograms, plain numbers are not rates (unless a ratio of
/// two), cores are the rate of a CPU-seconds counter, bytes are a `_bytes` gauge.
fn unit_mismatch(unit: &str, expr: &str) -> Option<&'static str> {
    let rated = |e: &str| e.contains("rate(");
    match unit {
        "ops" | "reqps" | "Bps" => {
            let bare =
                metric_names(expr).iter().any(|(name, in_rate)| !in_rate && !name.is_empty());
            (bare || !rated(expr)).then_some("a per-second unit needs the rate of a counter")
        }
        "s" => (!expr.starts_with("histogram_quantile(") || !expr.contains("_seconds_bucket"))
            .then_some("seconds come from a quantile of a _seconds histogram"),
        "short" => {
            (rated(expr) && !expr.contains(") / rate(")).then_some("a count or a ratio, not a rate")
        }
        "suffix: cores" => (!expr.starts_with("rate(") || !expr.contains("cpu_seconds_total"))
            .then_some("cores busy are the rate of CPU seconds"),
        "bytes" => metric_names(expr)
            .iter()
            .any(|(name, in_rate)| *in_rate || !name.ends_with("_bytes"))
            .then_some("bytes are a _bytes gauge"),
        _ => Some("a unit this test does not know"),
    }
}

/// Whether `v` can be a value in `unit` on a test machine: latencies under a minute, at most as
/// many cores busy as it has, and so on.
fn in_range(unit: &str, v: f64) -> bool {
    let cores = std::thread::available_parallelism().map_or(64, |n| n.get()) as f64;
    match unit {
        "s" => v < 60.0,
        "suffix: cores" => v <= cores * 1.05,
        _ => true,
    }
}

/// The metric names in `expr`, each with whether it is the argument of a `rate(`.
fn metric_names(expr: &str) -> Vec<(String, bool)> {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut names = Vec::new();
    let mut at = 0;
    while let Some(start) = expr[at..].find(|c: char| c.is_ascii_lowercase()).map(|s| at + s) {
        let end = expr[start..].find(|c: char| !is_name(c)).map_or(expr.len(), |e| start + e);
        let word = &expr[start..end];
        if word.starts_with("scorecast_") || word.starts_with("process_") {
            names.push((word.to_owned(), expr[..start].ends_with("rate(")));
        }
        at = end;
    }
    names
}

#[test]
fn the_unit_judge_tells_rates_counts_and_latencies_apart() {
    assert!(unit_mismatch("ops", "rate(scorecast_ws_messages_sent_total[1m])").is_none());
    assert!(unit_mismatch("ops", "scorecast_ingest_queue_depth").is_some(), "a depth is no rate");
    assert!(unit_mismatch("s", "rate(x_sum[5m]) / rate(x_count[5m])").is_some());
    assert!(unit_mismatch("short", "rate(a_sum[5m]) / rate(a_count[5m])").is_none());
    assert!(unit_mismatch("short", "rate(process_cpu_seconds_total[1m])").is_some());
    assert!(unit_mismatch("bytes", "process_resident_memory_bytes").is_none());
    assert!(unit_mismatch("bytes", "process_open_fds").is_some());
    assert!(in_range("s", 0.004) && !in_range("s", 1e9));
}
