//! The sports options at tiny scale, in-process, against a scorecast spawned from this build's
//! binary: ingest with every sport's matches (alone and side by side with football), and the
//! fan-out of a tennis match compared with a football match by the same binary.

// This file starts no cluster: the helpers' cluster check goes unused here.
#[allow(dead_code)]
mod helpers;

use std::time::Duration;

use scorecast_bench::common::sport::{Sport, SportMix};
use scorecast_bench::ingest::versus::{run_ingest_versus, VersusConfig};
use scorecast_bench::{run_compare, run_ingest, IngestConfig, ServerConfig};

fn spawned() -> ServerConfig {
    ServerConfig { spawn_server: Some(helpers::scorecast_binary()), ..Default::default() }
}

/// Two closed levels and a paced one over ten matches, two of each sport.
fn tiny_ingest() -> IngestConfig {
    let mut cfg = IngestConfig::new(spawned());
    cfg.levels = vec![1, 5];
    cfg.level_duration = Duration::from_millis(800);
    cfg.matches = 10;
    cfg.paced_rate = Some(100.0);
    cfg.paced_duration = Duration::from_millis(500);
    cfg.paced_concurrency = 4;
    cfg
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_of_every_sport_stores_each_sports_scoring_events_without_ending_a_match() {
    let mut cfg = tiny_ingest();
    cfg.sports = SportMix::parse("mix").unwrap();

    let report = run_ingest(cfg).await.expect("the run completes");

    // A refused event (a tennis match that ended, a kind its sport lacks) is a problem.
    assert!(report.passed, "problems: {:?}", report.problems);
    assert_eq!(report.sports.sports(), &Sport::ALL);
    for level in &report.levels {
        assert!(level.refused.is_empty() && level.errors == 0, "{level:?}");
        assert!(level.stored > 0 && level.undelivered == 0, "{level:?}");
        // Every update is a compact message of tens of bytes (docs/protocol.md: within 100).
        let bytes = level.update_bytes_mean.expect("updates were measured");
        assert!((30.0..=100.0).contains(&bytes), "{bytes}");
    }
    let text = scorecast_bench::ingest::markdown::render(&report);
    assert!(text.contains("Sports: mix (football, basketball, ice_hockey, tennis, volleyball)."));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_refuses_tennis_matches_shared_by_more_clients_than_there_are_matches() {
    let mut cfg = tiny_ingest();
    cfg.sports = SportMix::parse("tennis").unwrap();
    cfg.levels = vec![12];

    let err = run_ingest(cfg).await.expect_err("points could arrive out of order");

    assert!(format!("{err:#}").contains("--matches at least"), "{err:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_side_by_side_interleaves_both_sides_and_judges_every_level() {
    let mut ingest = tiny_ingest();
    ingest.levels = vec![4];
    ingest.paced_rate = None;
    let cfg = VersusConfig {
        ingest,
        baseline: SportMix::default(),
        candidate: SportMix::parse("tennis,volleyball").unwrap(),
        rounds: 2,
        own_postgres: false,
        baseline_binary: None,
    };

    let report = run_ingest_versus(cfg).await.expect("the run completes");

    let order: Vec<(usize, usize, bool)> =
        report.runs.iter().map(|r| (r.round, r.position, r.candidate)).collect();
    assert_eq!(order, [(1, 1, false), (1, 2, true), (2, 1, true), (2, 2, false)]);
    for run in &report.runs {
        assert!(run.report.passed, "{:?}", run.report.problems);
        let want = if run.candidate {
            &[Sport::Tennis, Sport::Volleyball][..]
        } else {
            &[Sport::Football]
        };
        assert_eq!(run.report.sports.sports(), want);
    }
    let [level] = &report.levels[..] else { panic!("one level: {:?}", report.levels) };
    assert_eq!((level.mode.as_str(), level.concurrency), ("closed", 4));
    let (b, c) = (level.baseline.events_per_s.unwrap(), level.candidate.events_per_s.unwrap());
    assert_eq!(level.ratio_events_per_s, Some(c / b));
    assert_eq!(level.met, c / b >= 0.9);
    // A point's update (`gs`, `gp`, `sv`) is longer than a goal's.
    assert!(level.candidate.update_bytes > level.baseline.update_bytes, "{level:?}");
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["runs"][1]["report"]["sports"], serde_json::json!(["tennis", "volleyball"]));
    let text = scorecast_bench::ingest::versus::markdown::render(&report);
    assert!(text.contains("tennis, volleyball (candidate) vs football (baseline)"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_side_by_side_spawns_the_baseline_binary_for_the_baseline_side() {
    let mut ingest = tiny_ingest();
    ingest.levels = vec![2];
    ingest.paced_rate = None;
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("scorecast-base");
    std::fs::copy(helpers::scorecast_binary(), &baseline).unwrap();
    let cfg = VersusConfig {
        ingest: ingest.clone(),
        baseline: SportMix::default(),
        candidate: SportMix::default(),
        rounds: 1,
        own_postgres: false,
        baseline_binary: Some(baseline.clone()),
    };

    let report = run_ingest_versus(cfg.clone()).await.expect("the run completes");

    let binaries = report.binaries.as_ref().expect("the report names both binaries");
    assert_eq!(binaries.baseline, baseline.display().to_string());
    assert_eq!(binaries.candidate, helpers::scorecast_binary().display().to_string());
    assert!(report.runs.iter().all(|r| r.report.passed), "{:?}", report.problems);
    let text = scorecast_bench::ingest::versus::markdown::render(&report);
    assert!(text.contains(&format!("baseline `{}`", baseline.display())), "{text}");
    // The baseline side really starts that binary: without it, its run (and only it) fails.
    std::fs::remove_file(&baseline).unwrap();
    let err = run_ingest_versus(cfg).await.expect_err("the baseline binary is gone");
    assert!(format!("{err:#}").contains("round 1, football"), "{err:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compare_measures_a_tennis_match_against_a_football_match_with_one_binary() {
    let cfg = helpers::small_compare(30, 4, Sport::Tennis);

    let report = run_compare(cfg).await.expect("the comparison completes");

    assert!(report.problems.is_empty(), "problems: {:?}", report.problems);
    assert_eq!((report.baseline_sport, report.candidate_sport), (Sport::Football, Sport::Tennis));
    let [size] = &report.sizes[..] else { panic!("one size") };
    let ([b], [c]) = (&size.baseline.rounds[..], &size.candidate.rounds[..]) else {
        panic!("one round each")
    };
    for round in [b, c] {
        assert!(round.passed, "{round:?}");
        assert_eq!((round.connected, round.lost, round.duplicated), (30, 0, 0));
    }
    // Football's goal `{"m":..,"s":..,"k":"goal","t":"h","mn":..,"sc":[..]}` is shorter than a
    // tennis point, which also carries the set's games, the game's points and the server.
    let (goal, point) = (b.update_bytes.unwrap(), c.update_bytes.unwrap());
    assert!((30.0..point).contains(&goal) && point <= 100.0, "goal {goal}, point {point}");
    assert_eq!(size.candidate.median.update_bytes, Some(point));
    assert!(size.ratio_p99.is_some() && size.ratio_cpu_per_delivery.is_some());
    let text = scorecast_bench::compare::markdown::render(&report);
    assert!(text.contains("tennis (candidate) vs football (baseline)"), "{text}");
    assert!(text.contains("| candidate | tennis |"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_side_by_side_on_its_own_postgres_gives_every_run_a_fresh_database() {
    if !scorecast_bench::cluster::infra::postgres_installed() {
        assert!(std::env::var("SCORECAST_REQUIRE_POSTGRES").is_err(), "Postgres is missing");
        eprintln!("Postgres (initdb) is not installed: skipped");
        return;
    }
    let mut ingest = tiny_ingest();
    ingest.levels = vec![2];
    ingest.paced_rate = None;
    let cfg = VersusConfig {
        ingest,
        baseline: SportMix::default(),
        candidate: SportMix::parse("mix").unwrap(),
        rounds: 1,
        own_postgres: true,
        baseline_binary: None,
    };

    let report = run_ingest_versus(cfg).await.expect("the run completes");

    assert!(report.database.starts_with("postgres (started by this tool"), "{}", report.database);
    let databases: Vec<&str> = report.runs.iter().map(|r| r.report.database.as_str()).collect();
    assert_eq!(databases.len(), 2);
    assert!(databases.iter().all(|d| d.starts_with("postgres://")), "{databases:?}");
    assert_ne!(databases[0], databases[1], "each run has a database of its own");
    for run in &report.runs {
        assert!(run.report.passed, "{:?}", run.report.problems);
        assert!(run.report.levels[0].stored > 0);
    }
}
