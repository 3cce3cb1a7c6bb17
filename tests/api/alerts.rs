//! The alert rules shipped beside the dashboard (`deploy/rules/`), through promtool: the rules and
//! the compose Prometheus configuration that loads them check, and the rules' unit tests pass.
//! Skipped without promtool, unless `SCORECAST_REQUIRE_PROMETHEUS=1` (CI).

use std::path::Path;
use std::process::{Command, Output};

use crate::tools::PROMTOOL;

const DEPLOY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy");

fn promtool(promtool: &str, args: &[&str]) -> Output {
    let output = Command::new(promtool).args(args).current_dir(DEPLOY).output().expect("promtool");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "promtool {args:?}:\n{said}");
    output
}

#[test]
fn the_alert_rules_and_the_compose_prometheus_that_loads_them_check() {
    let Some(tool) = PROMTOOL.find() else { return };
    let rules = promtool(&tool, &["check", "rules", "rules/scorecast.rules.yml"]);
    let said = String::from_utf8_lossy(&rules.stdout);
    assert!(said.contains("SUCCESS: 10 rules found"), "{said}");
    // The compose configuration names the rule file, so Prometheus there loads them.
    let config = promtool(&tool, &["check", "config", "prometheus.yml"]);
    let said = String::from_utf8_lossy(&config.stdout);
    assert!(said.contains("1 rule files found"), "{said}");
    let compose = std::fs::read_to_string(Path::new(DEPLOY).join("../docker-compose.yml")).unwrap();
    assert!(
        compose.contains("./deploy/rules:/etc/prometheus/rules:ro"),
        "compose mounts the rules"
    );
}

#[test]
fn every_alert_fires_in_its_unit_test_and_stays_quiet_on_healthy_series() {
    let Some(tool) = PROMTOOL.find() else { return };
    promtool(&tool, &["test", "rules", "rules/scorecast.test.yml"]);
    // Every rule has a test that expects it to fire.
    let rules =
        std::fs::read_to_string(Path::new(DEPLOY).join("rules/scorecast.rules.yml")).unwrap();
    let tests =
        std::fs::read_to_string(Path::new(DEPLOY).join("rules/scorecast.test.yml")).unwrap();
    let untested: Vec<&str> = rules
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- alert: "))
        .filter(|alert| {
            !tests.contains(&format!("alertname: {alert}\n        exp_alerts:\n          -"))
        })
        .collect();
    assert!(untested.is_empty(), "alerts no test expects to fire: {untested:?}");
}
