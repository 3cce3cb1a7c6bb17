//! Reading the nodes' Prometheus text: the sums, over nodes, of the samples a run reports.

use std::collections::BTreeMap;

use reqwest::Url;

/// Each sample whose name (labels included) `wanted` accepts, summed over `nodes`' `/metrics`.
/// A node that does not answer adds nothing.
pub async fn metric_sums(
    http: &reqwest::Client,
    nodes: &[Url],
    wanted: impl Fn(&str) -> bool,
) -> BTreeMap<String, f64> {
    let mut sums = BTreeMap::new();
    for node in nodes {
        let Ok(url) = node.join("metrics") else { continue };
        let Ok(response) = http.get(url).send().await else { continue };
        let Ok(text) = response.text().await else { continue };
        for (name, value) in samples(&text).filter(|(name, _)| wanted(name)) {
            *sums.entry(name.to_owned()).or_default() += value;
        }
    }
    sums
}

/// The samples of a Prometheus text exposition (comments skipped).
fn samples(text: &str) -> impl Iterator<Item = (&str, f64)> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.rsplit_once(' '))
        .filter_map(|(name, value)| Some((name, value.parse::<f64>().ok()?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_read_with_their_labels_and_comments_are_skipped() {
        let text = "# HELP scorecast_ws_connections Open.\n# TYPE scorecast_ws_connections gauge\n\
                    scorecast_ws_connections 3\nscorecast_x_bucket{le=\"0.5\"} 2\nbad line\n";
        let read: Vec<(&str, f64)> = samples(text).collect();
        assert_eq!(
            read,
            vec![("scorecast_ws_connections", 3.0), ("scorecast_x_bucket{le=\"0.5\"}", 2.0)]
        );
    }
}
