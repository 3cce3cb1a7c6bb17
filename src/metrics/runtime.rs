//! Metrics read at scrape time rather than counted: the process (memory, CPU, file descriptors),
//! the build, and the database pool.

use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{IntGauge, IntGaugeVec, Opts};

/// The commit this binary was built from (build.rs: `SCORECAST_COMMIT`, else `git rev-parse`).
pub const COMMIT: &str = env!("SCORECAST_COMMIT");

/// The standard `process_*` metrics of this process, to be registered without the scorecast prefix
/// so ready-made dashboards find them. The prometheus crate reads them from /proc: Linux only.
pub fn process_collector() -> Option<Box<dyn Collector>> {
    #[cfg(target_os = "linux")]
    return Some(Box::new(prometheus::process_collector::ProcessCollector::for_self()));
    #[cfg(not(target_os = "linux"))]
    return None;
}

/// `scorecast_process_cpu_seconds_total`: the CPU time of this process, user and system, to the
/// microsecond (`getrusage`), read at each scrape. The standard `process_cpu_seconds_total` of the
/// prometheus crate counts whole seconds only, so its rate reads 0 at a normal load.
pub struct CpuSeconds {
    counter: prometheus::Counter,
}

impl CpuSeconds {
    pub fn new() -> Self {
        let counter = prometheus::Counter::new(
            "process_cpu_seconds_total",
            "CPU time this process has used, user and system, in seconds (to the microsecond)",
        )
        .expect("valid metric");
        Self { counter }
    }
}

/// This process's CPU time so far, in seconds.
pub fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return 0.0;
    }
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

impl Collector for CpuSeconds {
    fn desc(&self) -> Vec<&Desc> {
        self.counter.desc()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        // Scrapes may run at once on two threads: only ever move forwards.
        let more = cpu_seconds() - self.counter.get();
        if more > 0.0 {
            self.counter.inc_by(more);
        }
        self.counter.collect()
    }
}

/// `build_info{version, commit}`, always 1: joins any series to the build that produced it.
pub fn build_info() -> IntGaugeVec {
    let info = IntGaugeVec::new(
        Opts::new("build_info", "The build of this process; always 1"),
        &["version", "commit"],
    )
    .expect("valid metric");
    info.with_label_values(&[env!("CARGO_PKG_VERSION"), COMMIT]).set(1);
    info
}

/// What the database pool holds right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolState {
    /// Open connections, in use or idle.
    pub size: u32,
    pub idle: usize,
}

/// Gauges of the database pool, sampled each time the registry is gathered, so they are never
/// stale and nothing has to keep them up to date.
pub struct PoolGauges<F> {
    sample: F,
    size: IntGauge,
    idle: IntGauge,
}

impl<F: Fn() -> PoolState + Send + Sync> PoolGauges<F> {
    pub fn new(sample: F) -> Self {
        Self {
            sample,
            size: IntGauge::new(
                "db_pool_connections",
                "Open database connections in the pool, in use or idle",
            )
            .expect("valid metric"),
            idle: IntGauge::new(
                "db_pool_idle_connections",
                "Idle database connections in the pool",
            )
            .expect("valid metric"),
        }
    }
}

impl<F: Fn() -> PoolState + Send + Sync> Collector for PoolGauges<F> {
    fn desc(&self) -> Vec<&Desc> {
        self.size.desc().into_iter().chain(self.idle.desc()).collect()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let state = (self.sample)();
        self.size.set(i64::from(state.size));
        self.idle.set(i64::try_from(state.idle).unwrap_or(i64::MAX));
        self.size.collect().into_iter().chain(self.idle.collect()).collect()
    }
}

/// The matches held in memory, hot and cold, sampled each time the registry is gathered.
pub struct HeldGauges<F> {
    sample: F,
    held: prometheus::IntGaugeVec,
}

impl<F: Fn() -> (usize, usize) + Send + Sync> HeldGauges<F> {
    pub fn new(sample: F) -> Self {
        let opts = prometheus::Opts::new(
            "matches_held",
            "Matches held in memory, by residence: hot (the hot set) or cold (read on demand, at most --cold-cache-matches)",
        );
        Self {
            sample,
            held: prometheus::IntGaugeVec::new(opts, &["residence"]).expect("valid metric"),
        }
    }
}

impl<F: Fn() -> (usize, usize) + Send + Sync> Collector for HeldGauges<F> {
    fn desc(&self) -> Vec<&Desc> {
        self.held.desc()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let (hot, cold) = (self.sample)();
        self.held.with_label_values(&["hot"]).set(i64::try_from(hot).unwrap_or(i64::MAX));
        self.held.with_label_values(&["cold"]).set(i64::try_from(cold).unwrap_or(i64::MAX));
        self.held.collect()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[test]
    fn cpu_seconds_move_by_less_than_a_second() {
        let registry = prometheus::Registry::new();
        registry.register(Box::new(CpuSeconds::new())).unwrap();
        let gathered = || registry.gather()[0].get_metric()[0].get_counter().get_value();
        let before = gathered();
        // About 20 ms of work: whole seconds would not see it.
        let started = std::time::Instant::now();
        let mut x = 0u64;
        while started.elapsed() < std::time::Duration::from_millis(20) {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
        }
        let moved = gathered() - before;
        assert!(moved > 0.005 && moved < 1.0, "moved {moved} s");
    }

    #[test]
    fn pool_gauges_show_the_pool_as_it_is_when_gathered() {
        let pool = Arc::new(Mutex::new(PoolState { size: 2, idle: 2 }));
        let registry = prometheus::Registry::new();
        let sampled = pool.clone();
        registry.register(Box::new(PoolGauges::new(move || *sampled.lock().unwrap()))).unwrap();
        let gathered = |name: &str| {
            let families = registry.gather();
            let family = families.iter().find(|f| f.name() == name).unwrap();
            family.get_metric()[0].get_gauge().get_value()
        };
        assert_eq!(
            (gathered("db_pool_connections"), gathered("db_pool_idle_connections")),
            (2.0, 2.0)
        );
        *pool.lock().unwrap() = PoolState { size: 5, idle: 1 };
        assert_eq!(
            (gathered("db_pool_connections"), gathered("db_pool_idle_connections")),
            (5.0, 1.0)
        );
    }
}
