//! The coordinator's side of its workers: starting them (as processes or threads), sending
//! commands, and receiving their events through one channel (`common::workers`).

use std::time::Duration;

use anyhow::Context;
use tokio::process::Child;
use tokio::time::Instant;

use super::load::Placement;
use super::worker::{self, protocol::Command, protocol::Event};
use crate::common::workers;

/// Workers told to stop at once (each holds up to ~15,000 connections).
const STOP_TOGETHER: usize = 4;

pub struct Pool(workers::Pool<Command, Event>);

workers::fatal_variant_is_failure!(Event);

impl Pool {
    /// `count` workers; processes run `priority` nice levels above this one (0: the same).
    pub async fn start(placement: &Placement, count: usize, priority: i32) -> anyhow::Result<Self> {
        let mut pool = workers::Pool::new("worker");
        for _ in 0..count {
            match placement {
                Placement::Threads => pool.thread(worker::spawn_thread)?,
                Placement::Processes { exe } => {
                    // Workers never exit on their own before `Exit`: an end is a failure.
                    let child = pool.process(exe, "fanout-worker", None::<&()>, true).await?;
                    if priority != 0 {
                        raise_priority(child, priority)?;
                    }
                }
            }
        }
        Ok(Self(pool.started()))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn send(&self, worker: usize, command: Command) -> anyhow::Result<()> {
        self.0.send(worker, command)
    }

    /// The next event from any worker, by `deadline`. A worker's `Fatal` is an error.
    pub async fn next(&mut self, deadline: Instant) -> anyhow::Result<(usize, Event)> {
        self.0.next(deadline).await?.context("no answer from the workers in time")
    }

    /// Sends `command` to every worker and waits for each one's answer, as picked by `pick`
    /// (other events, such as late progress reports, are skipped).
    pub async fn ask_all<T>(
        &mut self,
        command: Command,
        timeout: Duration,
        pick: impl FnMut(Event) -> Option<T>,
    ) -> anyhow::Result<Vec<T>> {
        for w in 0..self.len() {
            self.send(w, command.clone())?;
        }
        self.0.answers(Instant::now() + timeout, pick).await
    }

    /// Tells the workers to close their connections and stop, `STOP_TOGETHER` at a time, and
    /// waits for them: a million sockets closed at once would charge the kernel's tcp_mem with
    /// their last frames all together (measured: ~0.5 page per closing connection), pushing it
    /// past the pressure threshold, while one worker at a time took 72 s for a million.
    pub async fn stop(mut self) {
        let count = self.len();
        for first in (0..count).step_by(STOP_TOGETHER) {
            let group = first..(first + STOP_TOGETHER).min(count);
            for w in group.clone() {
                let _ = self.send(w, Command::Exit);
            }
            for w in group {
                self.0.reap(w).await;
            }
        }
        self.0.close().await;
    }
}

/// Lowers the nice value of a just-started worker by `levels` (root may go below 0): the threads
/// it starts later inherit it.
fn raise_priority(child: &Child, levels: i32) -> anyhow::Result<()> {
    let pid = child.id().context("the worker exited at once")?;
    crate::priority::raise(pid, levels).context("raising a client worker's priority")
}
