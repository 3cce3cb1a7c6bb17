//! The coordinator's side of the soak workers: starting them (as `soak-worker` processes or as
//! threads), each with its plan, sending `finish`, and receiving their events through one channel
//! (`common::workers`).

use tokio::time::Instant;

use super::protocol::{Command, Event, Plan};
use crate::common::workers;
use crate::fanout::Placement;

pub(super) struct Pool(workers::Pool<Command, Event>);

workers::fatal_variant_is_failure!(Event);

impl Pool {
    pub async fn start(placement: &Placement, plans: Vec<Plan>) -> anyhow::Result<Self> {
        let mut pool = workers::Pool::new("soak worker");
        for plan in plans {
            match placement {
                Placement::Threads => pool.thread(|commands, events| {
                    super::worker::spawn_thread(plan, commands, events)
                })?,
                Placement::Processes { exe } => {
                    // A worker exits after its report: its end is no failure.
                    pool.process(exe, "soak-worker", Some(&plan), false).await?;
                }
            }
        }
        Ok(Self(pool.started()))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn send_all(&self, command: &Command) -> anyhow::Result<()> {
        for w in 0..self.len() {
            self.0.send(w, command.clone())?;
        }
        Ok(())
    }

    /// The next event from any worker, by `deadline`; `None` when the deadline passed. A worker's
    /// `Fatal` is an error.
    pub async fn next(&mut self, deadline: Instant) -> anyhow::Result<Option<(usize, Event)>> {
        self.0.next(deadline).await
    }

    /// Closes the workers' command channels (a worker without a plan to finish stops) and waits.
    pub async fn stop(self) {
        self.0.close().await;
    }
}
