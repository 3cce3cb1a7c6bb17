use super::*;

fn id(raw: i64) -> MatchId {
    MatchId::try_from(raw).unwrap()
}

fn watching(max_matches: usize) -> (Watching, Arc<Followers>) {
    let followers = Arc::new(Followers::default());
    let interval = Duration::from_secs(10);
    let settings = WatchingSettings {
        interval,
        max_matches,
        max_nodes: 8,
        list_max: 2,
        max_messages_per_sec: 1_000,
    };
    (Watching::new(settings, followers.clone()), followers)
}

fn heard(node: &str, number: u64, full: bool, counts: &[(i64, u32)]) -> Heard {
    let counts = counts.iter().map(|(m, c)| (id(*m), *c)).collect();
    Heard { node: node.into(), number, full, counts, asks_me: false }
}

#[tokio::test(start_paused = true)]
async fn followers_are_told_only_when_the_shown_count_changes() {
    let (watching, followers) = watching(100);
    let now = Instant::now();
    for _ in 0..3 {
        followers.add(id(1), true);
    }
    followers.add(id(1), false);
    assert_eq!(watching.tick(now).news, vec![(id(1), 3)], "3 by id or competition; `*` aside");
    assert!(watching.tick(now).news.is_empty(), "unchanged: nothing to tell");
    watching.heard(heard("b", 1, true, &[(1, 1_197)]), now);
    assert_eq!(watching.tick(now).news, vec![(id(1), 1_200)], "1.2k with the other node");
    followers.add(id(1), true);
    assert!(watching.tick(now).news.is_empty(), "1,201 still shows as 1.2k");
    watching.heard(heard("b", 2, false, &[(1, 1_296)]), now);
    assert!(watching.tick(now).news.is_empty(), "1,300 is a rise not yet 2 % past the step");
    watching.heard(heard("b", 3, false, &[(1, 1_323)]), now);
    assert_eq!(watching.tick(now).news, vec![(id(1), 1_327)], "1.3k, clearly");
    assert_eq!(watching.total(id(1)), 1_327);
    watching.heard(heard("b", 4, false, &[(1, 1_295)]), now);
    assert_eq!(watching.tick(now).news, vec![(id(1), 1_299)], "a fall is told at once: 1.2k");
}

#[tokio::test(start_paused = true)]
async fn a_node_that_stops_reporting_stops_counting_after_three_intervals() {
    let (watching, followers) = watching(100);
    let start = Instant::now();
    followers.add(id(4), true);
    watching.heard(heard("b", 1, true, &[(4, 50)]), start);
    assert_eq!(watching.tick(start).news, vec![(id(4), 51)]);
    let interval = Duration::from_secs(10);
    assert!(watching.tick(start + interval * 2).news.is_empty(), "two intervals: still counted");
    assert_eq!(watching.tick(start + interval * 3).news, vec![(id(4), 1)], "expired");
    assert_eq!(watching.total(id(4)), 1);
}

#[tokio::test(start_paused = true)]
async fn reports_carry_changes_and_now_and_then_every_count() {
    let (watching, followers) = watching(100);
    let now = Instant::now();
    followers.add(id(1), true);
    followers.add(id(2), true);
    let first = watching.tick(now).report;
    assert!(first.full, "the first report of a node carries every count");
    assert_eq!((first.number, first.counts), (1, vec![(id(1), 1), (id(2), 1)]));
    followers.remove(id(2), true);
    let second = watching.tick(now).report;
    assert!(!second.full);
    assert_eq!(second.counts, vec![(id(2), 0)], "only the change");
    assert!(watching.tick(now).report.counts.is_empty(), "nothing changed");
    watching.heard(heard("new", 1, true, &[]), now);
    let after_a_new_node = watching.tick(now).report;
    assert!(after_a_new_node.full, "a node new here learns every count at once");
    assert_eq!(after_a_new_node.counts, vec![(id(1), 1)]);
    let mut asked = heard("new", 2, false, &[]);
    asked.asks_me = true;
    watching.heard(asked, now);
    assert!(watching.tick(now).report.full, "asked for");
    watching.heard(heard("new", 9, false, &[]), now);
    let report = watching.tick(now).report;
    assert_eq!(report.ask, vec!["new".to_owned()], "it missed reports 3 to 8 of that node");
}

#[tokio::test(start_paused = true)]
async fn a_node_counts_at_most_its_bound_of_matches() {
    let (watching, followers) = watching(2);
    let now = Instant::now();
    for raw in [3, 1, 2] {
        followers.add(id(raw), true);
    }
    let tick = watching.tick(now);
    assert_eq!(tick.report.counts, vec![(id(1), 1), (id(2), 1)]);
    assert_eq!(tick.news, vec![(id(1), 1), (id(2), 1)], "match 3 is beyond the bound");
    followers.add(id(3), true);
    followers.add(id(1), true);
    assert_eq!(watching.tick(now).report.counts, vec![(id(1), 2)], "3 stays uncounted");
}

#[tokio::test(start_paused = true)]
async fn a_node_that_stops_is_no_longer_counted_as_soon_as_it_says_so() {
    let (a, followers_a) = watching(100);
    let (b, followers_b) = watching(100);
    let now = Instant::now();
    followers_a.add(id(1), true);
    followers_b.add(id(1), true);
    let as_heard = |report: Report| Heard {
        node: "a".into(),
        number: report.number,
        full: report.full,
        counts: report.counts,
        asks_me: false,
    };
    b.heard(as_heard(a.tick(now).report), now);
    assert_eq!(b.total(id(1)), 2);
    b.heard(as_heard(a.farewell()), now);
    assert_eq!(b.total(id(1)), 1, "not three intervals later: now");
}

#[tokio::test(start_paused = true)]
async fn the_most_watched_are_ranked_across_nodes_once_an_interval_and_bounded() {
    let (watching, followers) = watching(100);
    let now = Instant::now();
    for (raw, n) in [(1, 3), (2, 1), (3, 2)] {
        for _ in 0..n {
            followers.add(id(raw), true);
        }
    }
    followers.add(id(4), false);
    assert!(watching.most_watched(10).is_empty(), "nothing before the first interval");
    watching.heard(heard("b", 1, true, &[(2, 4), (5, 9)]), now);
    watching.tick(now);
    let ranked = vec![(id(5), 9), (id(2), 5)];
    assert_eq!(watching.most_watched(10), ranked, "at most `list_max`; `*` aside; b's counted");
    assert_eq!(watching.most_watched(1), ranked[..1]);
    followers.add(id(1), true);
    assert_eq!(watching.most_watched(10), ranked, "until the next interval");
    watching.tick(now + Duration::from_secs(30));
    assert_eq!(watching.most_watched(10), vec![(id(1), 4), (id(3), 2)], "b expired");
}

#[tokio::test(start_paused = true)]
async fn a_large_audience_is_told_again_only_once_its_messages_are_paid_for() {
    let followers = Arc::new(Followers::default());
    let interval = Duration::from_secs(10);
    let settings = WatchingSettings {
        interval,
        max_matches: 10,
        max_nodes: 8,
        list_max: 2,
        max_messages_per_sec: 10,
    };
    let watching = Watching::new(settings, followers.clone());
    let start = Instant::now();
    let at = |s: u64| start + Duration::from_secs(s);
    let add = |raw: i64, n: usize| (0..n).for_each(|_| followers.add(id(raw), true));
    add(1, 150);
    add(2, 3);
    // One interval's budget is 100 messages: the 3 first, then the 150 into debt (53 owed).
    assert_eq!(watching.tick(at(0)).news, vec![(id(1), 150), (id(2), 3)]);
    add(1, 50);
    add(2, 2);
    assert!(watching.tick(at(5)).news.is_empty(), "3 messages still owed after 5 s");
    assert_eq!(watching.tick(at(6)).news, vec![(id(1), 200), (id(2), 5)], "paid back at 5.3 s");
    add(2, 5);
    assert!(watching.tick(at(10)).news.is_empty(), "198 owed: the small audience waits too");
    assert_eq!(watching.tick(at(26)).news, vec![(id(2), 10)]);
}
