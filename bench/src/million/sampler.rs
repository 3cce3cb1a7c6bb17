//! Readings taken every second on a thread of their own while a run goes on: the connections the
//! kernel holds, the memory of the servers, of the client workers and of the kernel's sockets, and
//! the machine's memory in use. They give the memory-against-connections chart and the peaks.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::procfs;

/// What the client worker processes are called on their command line.
const WORKER_COMMAND: &str = "fanout-worker";

/// One reading.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Sample {
    /// Seconds since the sampler started.
    pub t_s: f64,
    /// The phase running then (`floor`, `scorecast 100000`, ...).
    pub phase: String,
    /// TCP connections open on the machine above the reading before the run: sockets in use
    /// (both ends of each loopback connection count) halved.
    pub connections: u64,
    /// Pages charged to `tcp_mem` (`/proc/net/sockstat`).
    pub tcp_mem_pages: u64,
    /// Summed resident memory of the servers being measured, in KiB.
    pub server_rss_kib: u64,
    /// Summed resident memory of the client workers, in KiB.
    pub client_rss_kib: u64,
    /// The kernel's slab memory (socket structures live there), in KiB.
    pub slab_kib: u64,
    /// `MemTotal - MemAvailable`, in KiB.
    pub memory_used_kib: u64,
}

/// The largest of each reading over a phase.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Peak {
    pub connections: u64,
    pub tcp_mem_pages: u64,
    pub server_rss_kib: u64,
    pub client_rss_kib: u64,
    pub slab_kib: u64,
    pub memory_used_kib: u64,
}

impl Peak {
    pub fn of<'a>(samples: impl Iterator<Item = &'a Sample>) -> Self {
        samples.fold(Self::default(), |p, s| Self {
            connections: p.connections.max(s.connections),
            tcp_mem_pages: p.tcp_mem_pages.max(s.tcp_mem_pages),
            server_rss_kib: p.server_rss_kib.max(s.server_rss_kib),
            client_rss_kib: p.client_rss_kib.max(s.client_rss_kib),
            slab_kib: p.slab_kib.max(s.slab_kib),
            memory_used_kib: p.memory_used_kib.max(s.memory_used_kib),
        })
    }
}

/// Which processes are the servers of a phase.
#[derive(Debug, Clone, Default)]
pub enum Servers {
    #[default]
    None,
    Pids(Vec<u32>),
    /// This process's children with this word on their command line (e.g. `floor-server`).
    ChildrenNamed(&'static str),
}

impl Servers {
    fn pids(&self) -> Vec<u32> {
        match self {
            Servers::None => Vec::new(),
            Servers::Pids(pids) => pids.clone(),
            Servers::ChildrenNamed(name) => procfs::own_children_with(name),
        }
    }
}

/// What the sampler is told as the run moves on.
#[derive(Default)]
struct Watch {
    phase: String,
    servers: Servers,
}

pub struct Sampler {
    watch: Arc<Mutex<Watch>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Vec<Sample>>>,
}

impl Sampler {
    pub fn start(every: Duration) -> Self {
        let watch = Arc::new(Mutex::new(Watch::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (watch, stop) = (watch.clone(), stop.clone());
            std::thread::Builder::new()
                .name("sampler".into())
                .spawn(move || sample_until(&watch, &stop, every))
                .ok()
        };
        Self { watch, stop, thread }
    }

    /// From now on, samples are of `phase`, whose servers are `servers`.
    pub fn phase(&self, phase: &str, servers: Servers) {
        let mut watch = self.watch.lock().unwrap_or_else(|e| e.into_inner());
        watch.phase = phase.to_owned();
        watch.servers = servers;
    }

    /// Stops sampling; every sample taken.
    pub fn finish(mut self) -> Vec<Sample> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.take().and_then(|t| t.join().ok()).unwrap_or_default()
    }
}

fn sample_until(watch: &Mutex<Watch>, stop: &AtomicBool, every: Duration) -> Vec<Sample> {
    let start = Instant::now();
    let baseline = procfs::sockstat().map_or(0, |s| s.inuse);
    let mut samples = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let (phase, servers) = {
            let watch = watch.lock().unwrap_or_else(|e| e.into_inner());
            (watch.phase.clone(), watch.servers.clone())
        };
        let servers = servers.pids();
        let sockets = procfs::sockstat().unwrap_or_default();
        let workers = procfs::own_children_with(WORKER_COMMAND);
        samples.push(Sample {
            t_s: start.elapsed().as_secs_f64(),
            phase,
            connections: sockets.inuse.saturating_sub(baseline) / 2,
            tcp_mem_pages: sockets.mem_pages,
            server_rss_kib: rss_sum(&servers),
            client_rss_kib: rss_sum(&workers),
            slab_kib: procfs::slab_kib().unwrap_or(0),
            memory_used_kib: procfs::memory_used_kib().unwrap_or(0),
        });
        // Sleep in short steps so `finish` does not wait a whole period.
        let next = start + every * samples.len() as u32;
        while !stop.load(Ordering::Relaxed) && Instant::now() < next {
            std::thread::sleep(Duration::from_millis(50).min(next - Instant::now()));
        }
    }
    samples
}

/// Resident memory of `pids`, summed over those still there.
fn rss_sum(pids: &[u32]) -> u64 {
    pids.iter().filter_map(|&pid| procfs::rss_kib(pid).ok()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_name_their_phase_and_read_the_servers_memory() {
        let sampler = Sampler::start(Duration::from_millis(20));
        sampler.phase("one", Servers::Pids(vec![std::process::id()]));
        std::thread::sleep(Duration::from_millis(120));
        let samples = sampler.finish();
        let ours: Vec<&Sample> = samples.iter().filter(|s| s.phase == "one").collect();
        assert!(ours.len() >= 2, "{samples:?}");
        assert!(ours.iter().all(|s| s.server_rss_kib > 0 && s.memory_used_kib > 0));
        let peak = Peak::of(samples.iter());
        assert!(peak.server_rss_kib >= ours[0].server_rss_kib);
    }
}
