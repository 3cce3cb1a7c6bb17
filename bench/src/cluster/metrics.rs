//! Reading the cluster's counters from each node's `/metrics`: the database reads of gap repair
//! and resumes, and what NATS did, as deltas over a scenario.

use std::collections::BTreeMap;

use reqwest::Url;

/// Series the cluster report follows (every label combination of each).
pub const FOLLOWED: &[&str] = &[
    "scorecast_gap_repairs_total",
    "scorecast_gap_reads_total",
    "scorecast_gap_events_total",
    "scorecast_replay_queries_total",
    "scorecast_resumes_total",
    "scorecast_events_replayed_total",
    "scorecast_updates_stale_total",
    "scorecast_nats_",
];

/// One node's followed series, by their full name with labels (`name{label="value"}`).
pub type Sample = BTreeMap<String, f64>;

/// The followed series of the node at `node`; empty when it does not answer (e.g. stopped).
pub async fn scrape(http: &reqwest::Client, node: &Url) -> Sample {
    let Ok(url) = node.join("metrics") else { return Sample::new() };
    let Ok(response) = http.get(url).send().await else { return Sample::new() };
    let Ok(text) = response.text().await else { return Sample::new() };
    parse(&text)
}

/// Every node's sample, in node order.
pub async fn scrape_all(http: &reqwest::Client, nodes: &[Url]) -> Vec<Sample> {
    let mut samples = Vec::new();
    for node in nodes {
        samples.push(scrape(http, node).await);
    }
    samples
}

fn parse(text: &str) -> Sample {
    text.lines()
        .filter(|l| !l.starts_with('#') && FOLLOWED.iter().any(|f| l.starts_with(f)))
        .filter_map(|l| {
            let (name, value) = l.rsplit_once(' ')?;
            Some((name.to_owned(), value.parse().ok()?))
        })
        .collect()
}

/// `after - before` per series, leaving out those that did not move.
pub fn delta(before: &Sample, after: &Sample) -> Sample {
    after
        .iter()
        .map(|(k, v)| (k.clone(), v - before.get(k).copied().unwrap_or(0.0)))
        .filter(|(_, d)| *d != 0.0)
        .collect()
}

/// The sum of every series whose name (labels included) starts with `prefix`.
pub fn total(sample: &Sample, prefix: &str) -> f64 {
    // Folded from +0.0: an empty `sum()` of floats is -0.0, which prints as "-0".
    sample.iter().filter(|(k, _)| k.starts_with(prefix)).fold(0.0, |sum, (_, v)| sum + v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn followed_series_are_read_with_their_labels_and_compared() {
        let before = parse(
            "# HELP x\nscorecast_gap_reads_total 2\nscorecast_gap_repairs_total{reason=\"check\"} 1\nscorecast_ws_connections 9\n",
        );
        assert_eq!(before.len(), 2);
        let after = parse(
            "scorecast_gap_reads_total 5\nscorecast_gap_repairs_total{reason=\"check\"} 1\nscorecast_gap_repairs_total{reason=\"reconnect\"} 3\n",
        );
        let d = delta(&before, &after);
        assert_eq!(d.get("scorecast_gap_reads_total"), Some(&3.0));
        assert_eq!(d.get("scorecast_gap_repairs_total{reason=\"check\"}"), None);
        assert_eq!(total(&d, "scorecast_gap_repairs_total"), 3.0);
        assert_eq!(format!("{}", total(&d, "scorecast_replay_queries_total")), "0");
    }
}
