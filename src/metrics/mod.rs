//! Prometheus metrics, registered once and shared by every part of the service.

mod cluster;
mod delivery;
mod runtime;

pub use cluster::ClusterMetrics;
pub use delivery::DeliveryLatency;
pub use runtime::{PoolState, COMMIT};

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts,
    Registry, TextEncoder,
};

/// Buckets for HTTP, database and fan-out latencies: 100 us to 10 s, each at most 2.5 times the one
/// before (1-2.5-5 per decade), so no range of latencies hides in one wide bucket: 5 s splits the
/// slow requests (a database acquire times out at 5 s by default) from the stuck ones.
const LATENCY_BUCKETS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0,
];
/// Buckets for events per group commit: 1 up to the largest default batch.
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];

/// Every metric scorecast exports.
pub struct Metrics {
    /// Every scorecast metric, under the `scorecast_` prefix.
    registry: Registry,
    /// The standard `process_*` metrics, which keep their usual names.
    process: Registry,
    pub http_requests: IntCounterVec,
    pub http_duration: HistogramVec,
    pub events_ingested: IntCounterVec,
    pub commit_duration: Histogram,
    pub commit_batch: Histogram,
    pub ingest_queue: IntGauge,
    pub ingest_queue_capacity: IntGauge,
    pub polls: IntCounterVec,
    pub poll_bytes: IntCounter,
    pub ws_connections: IntGauge,
    pub ws_subscriptions: IntGauge,
    pub ws_messages_sent: IntCounter,
    pub ws_bytes_sent: IntCounter,
    pub fanout_duration: Histogram,
    pub delivery_latency: DeliveryLatency,
    pub ws_conflated: IntCounter,
    pub ws_slow_consumers: IntCounter,
    pub ws_heartbeat_timeouts: IntCounter,
    pub ws_refused: IntCounterVec,
    pub ws_worker_lagged: IntCounter,
    pub watching_skipped: IntCounter,
    pub resumes: IntCounterVec,
    pub events_replayed: IntCounter,
    pub replay_queries: IntCounter,
    pub sse_connections: IntGauge,
    pub sse_messages_sent: IntCounter,
    pub sse_bytes_sent: IntCounter,
    /// The sequencer, gap repairs and the link between nodes.
    pub cluster: ClusterMetrics,
}

fn counter(name: &str, help: &str) -> IntCounter {
    IntCounter::new(name, help).expect("valid metric")
}

fn gauge(name: &str, help: &str) -> IntGauge {
    IntGauge::new(name, help).expect("valid metric")
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new_custom(Some("scorecast".into()), None)
            .expect("the prefix is a valid metric name");
        let http_requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests by method, route pattern and status"),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let http_duration = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency")
                .buckets(LATENCY_BUCKETS.to_vec()),
            &["method", "route"],
        )
        .expect("valid metric");
        let events_ingested = IntCounterVec::new(
            Opts::new("events_ingested_total", "Events durably committed, by kind"),
            &["kind"],
        )
        .expect("valid metric");
        let commit_duration = Histogram::with_opts(
            HistogramOpts::new(
                "db_commit_duration_seconds",
                "Time of one group commit of events, from BEGIN to durable COMMIT",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
        )
        .expect("valid metric");
        let commit_batch = Histogram::with_opts(
            HistogramOpts::new("db_commit_batch_events", "Events per group commit")
                .buckets(BATCH_BUCKETS.to_vec()),
        )
        .expect("valid metric");
        let ingest_queue = IntGauge::new("ingest_queue_depth", "Events waiting for the committer")
            .expect("valid metric");
        let polls = IntCounterVec::new(
            Opts::new("poll_responses_total", "Snapshot (polling) answers by status: 200 or 304"),
            &["status"],
        )
        .expect("valid metric");
        let poll_bytes = IntCounter::new(
            "poll_body_bytes_total",
            "Body bytes sent by the snapshot (polling) endpoint",
        )
        .expect("valid metric");
        let metrics = Self {
            ws_connections: gauge(
                "ws_connections",
                "Open subscriber connections: WebSockets and SSE streams",
            ),
            ws_subscriptions: gauge(
                "ws_subscriptions",
                "Subscriptions of WebSocket and SSE clients: one per match followed by id, one per `*`, one per competition",
            ),
            ws_messages_sent: counter(
                "ws_messages_sent_total",
                "Update messages delivered to WebSocket clients (written or queued)",
            ),
            ws_bytes_sent: counter(
                "ws_bytes_sent_total",
                "Bytes written to WebSocket clients, framing included",
            ),
            fanout_duration: Histogram::with_opts(
                HistogramOpts::new(
                    "fanout_duration_seconds",
                    "From an event's commit to the last socket write of its update on a worker",
                )
                .buckets(LATENCY_BUCKETS.to_vec()),
            )
            .expect("valid metric"),
            delivery_latency: DeliveryLatency::new(LATENCY_BUCKETS),
            ingest_queue_capacity: gauge(
                "ingest_queue_capacity",
                "Events the committer's queue holds (--ingest-queue); posts beyond it get 503",
            ),
            watching_skipped: counter(
                "watching_skipped_total",
                "Audience news (how many watch) not handed to a worker whose queue was more than half full",
            ),
            ws_conflated: counter(
                "ws_conflated_total",
                "Updates a slow WebSocket or SSE client skipped, replaced by the match's latest snapshot",
            ),
            ws_slow_consumers: counter(
                "ws_slow_consumer_disconnects_total",
                "WebSocket and SSE connections closed for not reading their updates in time",
            ),
            ws_heartbeat_timeouts: counter(
                "ws_heartbeat_timeouts_total",
                "WebSocket connections closed for not answering a ping",
            ),
            ws_refused: IntCounterVec::new(
                Opts::new(
                    "ws_refused_handshakes_total",
                    "Subscribers refused before they were admitted (WebSocket handshakes and SSE requests), by reason",
                ),
                &["reason"],
            )
            .expect("valid metric"),
            ws_worker_lagged: counter(
                "ws_worker_lagged_total",
                "Broadcasts a worker's full queue could not take (its WebSocket and SSE clients were resynchronized)",
            ),
            resumes: IntCounterVec::new(
                Opts::new("resumes_total", "Resumes by outcome: recovered or not_recovered"),
                &["outcome"],
            )
            .expect("valid metric"),
            events_replayed: counter(
                "events_replayed_total",
                "Missed events replayed to resuming clients",
            ),
            replay_queries: counter(
                "replay_queries_total",
                "Database reads for resumes (identical resumes share one; recent ones need none)",
            ),
            sse_connections: gauge("sse_connections", "Open Server-Sent Events streams"),
            sse_messages_sent: counter(
                "sse_messages_sent_total",
                "Messages and comments sent over SSE",
            ),
            sse_bytes_sent: counter("sse_bytes_sent_total", "Bytes sent over SSE"),
            cluster: ClusterMetrics::new(),
            registry,
            process: Registry::new(),
            http_requests,
            http_duration,
            events_ingested,
            commit_duration,
            commit_batch,
            ingest_queue,
            polls,
            poll_bytes,
        };
        metrics.register_all();
        metrics
    }

    fn register_all(&self) {
        let collectors: Vec<Box<dyn prometheus::core::Collector>> = vec![
            Box::new(self.http_requests.clone()),
            Box::new(self.http_duration.clone()),
            Box::new(self.events_ingested.clone()),
            Box::new(self.commit_duration.clone()),
            Box::new(self.commit_batch.clone()),
            Box::new(self.ingest_queue.clone()),
            Box::new(self.ingest_queue_capacity.clone()),
            Box::new(self.polls.clone()),
            Box::new(self.poll_bytes.clone()),
            Box::new(self.ws_connections.clone()),
            Box::new(self.ws_subscriptions.clone()),
            Box::new(self.ws_messages_sent.clone()),
            Box::new(self.ws_bytes_sent.clone()),
            Box::new(self.fanout_duration.clone()),
            Box::new(self.delivery_latency.clone()),
            Box::new(self.ws_conflated.clone()),
            Box::new(self.ws_slow_consumers.clone()),
            Box::new(self.ws_heartbeat_timeouts.clone()),
            Box::new(self.ws_refused.clone()),
            Box::new(self.ws_worker_lagged.clone()),
            Box::new(self.watching_skipped.clone()),
            Box::new(self.resumes.clone()),
            Box::new(self.events_replayed.clone()),
            Box::new(self.replay_queries.clone()),
            Box::new(self.sse_connections.clone()),
            Box::new(self.sse_messages_sent.clone()),
            Box::new(self.sse_bytes_sent.clone()),
        ];
        for collector in collectors {
            self.registry.register(collector).expect("each metric is registered once");
        }
        self.cluster.register(&self.registry);
        self.registry
            .register(Box::new(runtime::CpuSeconds::new()))
            .expect("each metric is registered once");
        self.registry
            .register(Box::new(runtime::build_info()))
            .expect("each metric is registered once");
        if let Some(process) = runtime::process_collector() {
            self.process.register(process).expect("each metric is registered once");
        }
    }

    /// Exports the database pool's size and idle connections, read from `sample` at each scrape.
    pub fn watch_pool(&self, sample: impl Fn() -> PoolState + Send + Sync + 'static) {
        self.registry
            .register(Box::new(runtime::PoolGauges::new(sample)))
            .expect("one pool is watched");
    }

    /// Exports how many matches are held in memory, hot and cold, as `sample` tells at scrape time.
    pub fn watch_held(&self, sample: impl Fn() -> (usize, usize) + Send + Sync + 'static) {
        self.registry
            .register(Box::new(runtime::HeldGauges::new(sample)))
            .expect("one set of snapshots is watched");
    }

    /// Exports how many stored matches did not read back at start (each is logged, and not served).
    pub fn report_unreadable_matches(&self, count: usize) {
        let unreadable = gauge(
            "unreadable_matches",
            "Stored matches whose rows did not read back at start: logged, not served",
        );
        unreadable.set(count as i64);
        self.registry.register(Box::new(unreadable)).expect("reported once, at start");
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut families = self.registry.gather();
        families.extend(self.process.gather());
        let mut out = Vec::new();
        TextEncoder::new().encode(&families, &mut out).expect("encoding into a Vec cannot fail");
        String::from_utf8(out).expect("the text format is UTF-8")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_buckets_grow_by_at_most_two_and_a_half_times() {
        assert_eq!(
            (LATENCY_BUCKETS[0], LATENCY_BUCKETS[LATENCY_BUCKETS.len() - 1]),
            (0.0001, 10.0)
        );
        for pair in LATENCY_BUCKETS.windows(2) {
            let ratio = pair[1] / pair[0];
            assert!(ratio > 1.0 && ratio <= 2.5 + 1e-9, "{} s to {} s", pair[0], pair[1]);
        }
    }
}
