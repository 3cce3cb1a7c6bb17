//! The operator's client: the side match's POSTs are sent and timed on a thread of their own,
//! with a runtime and an HTTP client of their own, raised as many nice levels as the ingest node.
//! An operator posts from a machine of their own; sharing the coordinator's runtime with the
//! client workers' bookkeeping, on two cores busy with fifty nodes, the time to a `201` would
//! include the wait for this process to be scheduled, not only the server's answer.

use std::future::Future;

use anyhow::Context;
use tokio::runtime::Handle;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::common::scorecast::http_client;
use crate::priority;

pub struct Operator {
    handle: Handle,
    /// The client the POSTs are sent with: its connections live on this runtime.
    pub http: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Operator {
    /// Starts the thread, `levels` nice levels above this process.
    pub fn start(levels: i32) -> anyhow::Result<Self> {
        let (ready, started) = std::sync::mpsc::channel();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new().name("operator".into()).spawn(move || {
            // SAFETY: gettid has no preconditions.
            let tid = unsafe { libc::gettid() } as u32;
            let runtime = priority::raise_thread(tid, levels)
                .context("raising the operator thread (needs root)")
                .and_then(|()| {
                    let mut builder = tokio::runtime::Builder::new_current_thread();
                    Ok(builder.enable_all().build()?)
                });
            match runtime {
                Ok(runtime) => {
                    let _ = ready.send(Ok(runtime.handle().clone()));
                    runtime.block_on(async {
                        let _ = stopped.await;
                    });
                }
                Err(e) => {
                    let _ = ready.send(Err(e));
                }
            }
        })?;
        let handle = started.recv().context("the operator thread ended")??;
        Ok(Self { handle, http: http_client()?, stop: Some(stop), thread: Some(thread) })
    }

    /// Runs `task` on the operator's thread.
    pub fn spawn<F>(&self, task: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(task)
    }
}

impl Drop for Operator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
