//! Subscribers for the gap-repair and failover runs: the fan-out's own worker processes and
//! clients (connected the same way, tallied the same way), driven by a scenario that posts its own
//! events; and what they received, checked against what was posted.

use anyhow::Context;

use super::model::Delivery;
use crate::common::scorecast::Scorecast;
use crate::fanout::aggregate::Collected;
use crate::fanout::pool::Pool;
use crate::fanout::run::{self, ANSWER_TIMEOUT};
use crate::fanout::target::{Prepared, Target};
use crate::fanout::worker::protocol::{Command, Event, Status, WorkerReport};
use crate::fanout::LoadConfig;

pub struct Audience {
    pub pool: Pool,
    pub prepared: Prepared,
    pub connected: usize,
}

impl Audience {
    /// Creates a live match on the first node and connects `load.subscribers` clients to it,
    /// spread over every node.
    pub async fn connect(
        scorecast: &Scorecast,
        load: &LoadConfig,
        http: &reqwest::Client,
    ) -> anyhow::Result<Self> {
        let prepared = Target::Scorecast(scorecast).prepare(http).await?;
        let mut pool =
            Pool::start(&load.placement, load.worker_count(), load.client_priority).await?;
        let mut collected =
            Collected { sources: load.sources(prepared.ws.len()), ..Default::default() };
        if let Err(e) = run::connect(load, &prepared, &mut pool, &mut collected).await {
            pool.stop().await;
            return Err(e);
        }
        let connected = collected.connects.iter().map(|c| c.connected).sum();
        Ok(Self { pool, prepared, connected })
    }

    /// Every worker's status, summed.
    pub async fn status(&mut self) -> anyhow::Result<Status> {
        let all = self
            .pool
            .ask_all(Command::Status, ANSWER_TIMEOUT, |e| match e {
                Event::Status(s) => Some(s),
                _ => None,
            })
            .await?;
        Ok(all.into_iter().fold(Status::default(), |mut sum, s| {
            sum.delivered += s.delivered;
            sum.closed += s.closed;
            sum.resumed += s.resumed;
            sum.resuming += s.resuming;
            sum
        }))
    }

    /// What every client received of the posted events (`starts`: seq and post time).
    pub async fn reports(&mut self, starts: Vec<(i64, u64)>) -> anyhow::Result<Vec<WorkerReport>> {
        let last_seq = starts.last().map_or(self.prepared.first_seq, |s| s.0);
        let report = Command::Report { first_seq: self.prepared.first_seq, last_seq, starts };
        self.pool
            .ask_all(report, ANSWER_TIMEOUT, |e| match e {
                Event::Report(r) => Some(r),
                _ => None,
            })
            .await
            .context("collecting the workers' reports")
    }

    pub async fn stop(self) {
        self.pool.stop().await;
    }
}

/// Every connected client should have had each of `events` updates exactly once, in order.
pub fn delivery(reports: &[WorkerReport], connected: usize, events: usize) -> Delivery {
    let expected = connected as u64 * events as u64;
    let delivered: u64 = reports.iter().flat_map(|r| &r.events).map(|e| e.received).sum();
    Delivery {
        expected,
        delivered,
        lost: expected.saturating_sub(delivered),
        duplicated: reports.iter().map(|r| r.duplicates).sum(),
        gaps: reports.iter().map(|r| r.gaps).sum(),
        resync_snapshots: reports.iter().map(|r| r.resync_snapshots).sum(),
        unexpected: reports.iter().map(|r| r.unexpected).sum(),
        closed: reports.iter().map(|r| r.closed).sum(),
    }
}

/// The problems a delivery shows, for the report.
pub fn delivery_problems(d: &Delivery) -> Vec<String> {
    let mut problems = Vec::new();
    let counts = [
        (d.lost, "lost"),
        (d.duplicated, "duplicated"),
        (d.gaps, "gaps"),
        (d.resync_snapshots, "snapshots in place of updates"),
        (d.unexpected, "unexpected updates"),
    ];
    for (n, what) in counts {
        if n > 0 {
            problems.push(format!("{n} {what}"));
        }
    }
    problems
}
