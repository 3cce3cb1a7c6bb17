//! `history --cluster K`: K idle nodes on the seeded Postgres database and one nats-server (this
//! tool starts it, as `cluster` does), and what their periodic checks cost Postgres: the rows of
//! `matches` it read over a fixed window, against the nodes' own count of rows their checks read.

use std::time::Duration;

use anyhow::Context;
use sqlx::AnyConnection;
use tokio::time::Instant;

use super::database::{self, HistoryDatabase, POSTGRES_ROWS_SOURCE};
use super::model::ClusterFigures;
use super::{metric, HistoryConfig};
use crate::cluster::infra::Nats;
use crate::common::meta::Meta;
use crate::common::runner;
use crate::common::scorecast::{Scorecast, ServerConfig};
use crate::procfs;

const CHECKS: &str = "scorecast_cluster_checks_total{outcome=\"ok\"}";
const CHECK_ROWS: &str = "scorecast_cluster_check_rows_total";

pub async fn measure(
    cfg: &HistoryConfig,
    db: &HistoryDatabase,
    conn: &mut AnyConnection,
    match_rows: i64,
    meta: &mut Meta,
) -> anyhow::Result<ClusterFigures> {
    let nats = Nats::start().await.context("starting nats-server")?;
    let mut args = vec![
        "--nats-url".to_owned(),
        nats.url(),
        "--nats-check-secs".to_owned(),
        cfg.check_secs.to_string(),
    ];
    args.extend(cfg.server_args.iter().cloned());
    let server = ServerConfig {
        spawn_server: Some(cfg.binary.clone()),
        server_args: args,
        spawn_nodes: cfg.cluster,
        ..Default::default()
    };
    tracing::info!(nodes = cfg.cluster, "starting the cluster on the history");
    let measured = runner::with_scorecast(meta, &server, Some(&db.url), async |s, http| {
        window(s, http, cfg, conn, match_rows).await
    })
    .await;
    nats.stop().await?;
    measured.context("the cluster on the seeded database")
}

async fn window(
    server: &Scorecast,
    http: &reqwest::Client,
    cfg: &HistoryConfig,
    conn: &mut AnyConnection,
    match_rows: i64,
) -> anyhow::Result<ClusterFigures> {
    // Every node has checked at least once (its first check reads the changes since its start)
    // and settled before the window opens.
    tokio::time::sleep(Duration::from_secs(cfg.check_secs + 1) + cfg.settle).await;
    let counts = async || {
        let (mut checks, mut rows) = (0.0, 0.0);
        for node in &server.nodes {
            checks += metric(http, node, CHECKS).await.unwrap_or(f64::NAN);
            rows += metric(http, node, CHECK_ROWS).await.unwrap_or(f64::NAN);
        }
        (checks, rows)
    };
    let read_before = database::postgres_rows_read(conn).await?;
    let (checks_before, rows_before) = counts().await;
    let opened = Instant::now();
    tokio::time::sleep(cfg.window).await;
    let read_after = database::postgres_rows_read(conn).await?;
    let (checks_after, rows_after) = counts().await;
    let window_s = opened.elapsed().as_secs_f64();
    let postgres_rows = read_after - read_before;
    let (checks, check_rows) = (checks_after - checks_before, rows_after - rows_before);
    let nodes = server.nodes.len();
    Ok(ClusterFigures {
        nodes,
        check_secs: cfg.check_secs,
        window_s,
        source: POSTGRES_ROWS_SOURCE.into(),
        postgres_rows,
        postgres_rows_per_s: postgres_rows as f64 / window_s,
        old_check_rows_per_s: match_rows as f64 * nodes as f64 / cfg.check_secs as f64,
        checks,
        check_rows,
        rows_per_check_per_node: (checks > 0.0).then(|| check_rows / checks),
        ready_s_max: server.ready_in.iter().map(Duration::as_secs_f64).fold(0.0, f64::max),
        rss_kib_max: server.pids.iter().filter_map(|&pid| procfs::rss_kib(pid).ok()).max(),
    })
}
