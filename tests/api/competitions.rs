//! Following competitions over WebSocket and SSE, `*` within the window, and the list filters.

use std::time::Duration;

use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::backend_tests;
use crate::common::{spawn_app, spawn_app_with, Backend, TestApp};
use crate::helpers::assert_problem;
use crate::sse_client::SseClient;
use crate::ws_client::{connect, refused_status, WsClient};

backend_tests!(
    a_competition_subscriber_gets_its_matches_in_the_window_then_each_new_one_as_a_snapshot,
    an_sse_stream_follows_competitions_named_in_its_url,
    competitions_are_subscribed_and_unsubscribed_by_message,
    percent_encoded_names_keep_their_commas,
    a_match_moved_to_another_competition_joins_its_subscribers_and_leaves_the_old_ones,
    the_competition_limit_is_enforced_with_a_clear_error,
    competition_matches_do_not_count_against_the_subscription_limit,
    a_competition_subscriber_resumes_its_matches_from_since_even_once_they_ended,
    star_together_with_competitions_is_refused,
    a_star_subscriber_gets_only_matches_in_play_or_within_the_window,
    matches_are_listed_by_kickoff_range_and_competitions_with_their_counts,
);

/// Now, moved by `hours`, as RFC 3339.
fn at(hours: i64) -> String {
    (OffsetDateTime::now_utc() + time::Duration::hours(hours)).format(&Rfc3339).unwrap()
}

/// Creates `home`–`away` in `competition`, kicking off `hours` from now; returns its id.
async fn create(app: &TestApp, home: &str, competition: &str, hours: i64) -> i64 {
    let body = json!({"home": home, "away": format!("{home} II"), "competition": competition,
                      "kickoff_at": at(hours)});
    let response = app.post_json("/api/v1/matches", &body).await;
    assert_eq!(response.status(), 201);
    response.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn kick_off(app: &TestApp, id: i64) {
    app.store_event(id, &json!({"kind": "kickoff"})).await;
}

async fn goal(app: &TestApp, id: i64) {
    app.store_event(id, &json!({"kind": "goal", "team": "home", "minute": 10})).await;
}

/// The next message's kind, match and sequence number.
async fn next(client: &mut WsClient) -> (String, i64, i64) {
    let message = client.next().await;
    let kind = message["k"].as_str().unwrap_or_else(|| panic!("{message}")).to_owned();
    (kind, message["m"].as_i64().unwrap(), message["s"].as_i64().unwrap())
}

fn snapshot(id: i64, seq: i64) -> (String, i64, i64) {
    ("snapshot".to_owned(), id, seq)
}

const QUIET: Duration = Duration::from_millis(300);

async fn a_competition_subscriber_gets_its_matches_in_the_window_then_each_new_one_as_a_snapshot(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else { return };
    let live = create(&app, "Ajax", "Eredivisie", -1).await;
    kick_off(&app, live).await;
    let today = create(&app, "PSV", "Eredivisie", 5).await;
    let _in_three_days = create(&app, "AZ", "Eredivisie", 72).await;
    let _other = create(&app, "Milan", "Serie A", 1).await;
    let mut client = connect(app.port, "competitions=Eredivisie").await;
    assert_eq!(next(&mut client).await, snapshot(live, 1));
    assert_eq!(next(&mut client).await, snapshot(today, 0), "kicking off within 24 hours");
    client.assert_silent(QUIET).await;

    let new = create(&app, "Twente", "Eredivisie", 2).await;
    assert_eq!(next(&mut client).await, snapshot(new, 0), "a new match arrives whole");
    let _far = create(&app, "Vitesse", "Eredivisie", 72).await;
    let _elsewhere = create(&app, "Inter", "Serie A", 2).await;
    client.assert_silent(QUIET).await;

    goal(&app, live).await;
    assert_eq!(next(&mut client).await, ("goal".to_owned(), live, 2));
    kick_off(&app, new).await;
    assert_eq!(next(&mut client).await, ("kickoff".to_owned(), new, 1), "followed since created");
}

async fn an_sse_stream_follows_competitions_named_in_its_url(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let live = create(&app, "Ajax", "Eredivisie", 0).await;
    kick_off(&app, live).await;
    let mut stream = SseClient::open(&app.url("/sse?competitions=Eredivisie"), None).await;
    let (id, first) = stream.next_event().await;
    assert_eq!((first["k"].as_str(), first["m"].as_i64()), (Some("snapshot"), Some(live)));
    assert_eq!(id.as_deref(), Some(format!("{live}:1").as_str()));
    let new = create(&app, "PSV", "Eredivisie", 1).await;
    let (_, created) = stream.next_event().await;
    assert_eq!((created["k"].as_str(), created["m"].as_i64()), (Some("snapshot"), Some(new)));
    goal(&app, live).await;
    let (id, update) = stream.next_event().await;
    assert_eq!((update["k"].as_str(), update["s"].as_i64()), (Some("goal"), Some(2)));
    assert_eq!(id.as_deref(), Some(format!("{live}:2").as_str()));
}

async fn competitions_are_subscribed_and_unsubscribed_by_message(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let (a, b) =
        (create(&app, "Ajax", "Eredivisie", 0).await, create(&app, "Milan", "Serie A", 0).await);
    let named = create(&app, "PSV", "Eredivisie", 0).await;
    let mut client = connect(app.port, "").await;
    client
        .send_json(&json!({"op": "subscribe", "competitions": ["Eredivisie"], "matches": [b]}))
        .await;
    let mut got = vec![next(&mut client).await, next(&mut client).await, next(&mut client).await];
    got.sort();
    let mut expected = vec![snapshot(a, 0), snapshot(b, 0), snapshot(named, 0)];
    expected.sort();
    assert_eq!(got, expected);
    // Named by id too: it stays when the competition goes.
    client.send_json(&json!({"op": "subscribe", "matches": [named]})).await;
    client.send_json(&json!({"op": "unsubscribe", "competitions": ["Eredivisie"]})).await;
    client.assert_silent(QUIET).await;
    kick_off(&app, a).await;
    kick_off(&app, named).await;
    assert_eq!(next(&mut client).await, ("kickoff".to_owned(), named, 1));
    client.assert_silent(QUIET).await;
    let _new = create(&app, "AZ", "Eredivisie", 0).await;
    client.assert_silent(QUIET).await;
}

async fn percent_encoded_names_keep_their_commas(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let girone = create(&app, "Bari", "Serie C, girone B", 0).await;
    let _plain = create(&app, "Ajax", "Serie C", 0).await;
    let ajax = create(&app, "PSV", "Eredivisie", 0).await;
    let mut client = connect(app.port, "competitions=Serie%20C%2C%20girone%20B,Eredivisie").await;
    let mut got = vec![next(&mut client).await, next(&mut client).await];
    got.sort();
    assert_eq!(got, vec![snapshot(girone, 0), snapshot(ajax, 0)]);
    client.assert_silent(QUIET).await;
}

async fn a_match_moved_to_another_competition_joins_its_subscribers_and_leaves_the_old_ones(
    backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else { return };
    let id = create(&app, "Ajax", "Friendlies", 1).await;
    let mut client = connect(app.port, "competitions=Eredivisie").await;
    client.assert_silent(QUIET).await;
    let mut old = connect(app.port, "competitions=Friendlies").await;
    assert_eq!(next(&mut old).await, snapshot(id, 0));
    let mut named = connect(app.port, &format!("competitions=Friendlies&matches={id}")).await;
    assert_eq!(next(&mut named).await, snapshot(id, 0));
    let path = format!("/api/v1/matches/{id}");
    let patch = app.patch_json(&path, &json!({"competition": "Eredivisie"})).await;
    assert_eq!(patch.status(), 200);
    // The change is the match's event 1: the new competition's subscriber gets the match whole.
    let message = client.next().await;
    assert_eq!((message["k"].as_str(), message["m"].as_i64()), (Some("snapshot"), Some(id)));
    assert_eq!((message["comp"].as_str(), message["s"].as_i64()), (Some("Eredivisie"), Some(1)));

    // The old competition's subscriber gets the change, naming where it went, then no more of it;
    // one that also named it by id keeps it.
    for client in [&mut old, &mut named] {
        let moved = client.next().await;
        assert_eq!(
            (moved["k"].as_str(), moved["comp"].as_str()),
            (Some("match"), Some("Eredivisie"))
        );
    }
    kick_off(&app, id).await;
    assert_eq!(next(&mut client).await, ("kickoff".to_owned(), id, 2));
    assert_eq!(next(&mut named).await, ("kickoff".to_owned(), id, 2));
    old.assert_silent(QUIET).await;
}

async fn the_competition_limit_is_enforced_with_a_clear_error(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |s| s.ws_max_competitions = 2).await else { return };
    let refused = app.get("/sse?competitions=A,B,C").await;
    let problem = assert_problem(refused, 400).await;
    assert!(problem["detail"].as_str().unwrap().contains("competitions: at most 2"), "{problem}");
    assert_eq!(refused_status(app.port, "/ws?competitions=A,B,C", &[]).await, 400);

    let mut client = connect(app.port, "competitions=A").await;
    client.send_json(&json!({"op": "subscribe", "competitions": ["A", "B"]})).await;
    client.assert_silent(QUIET).await;
    client.send_json(&json!({"op": "subscribe", "competitions": ["C"]})).await;
    let (code, reason) = client.close_frame().await;
    assert_eq!((code, reason.as_str()), (Some(1008), "too many competitions (limit 2)"));
}

async fn competition_matches_do_not_count_against_the_subscription_limit(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |s| s.ws_max_subscriptions = 1).await else { return };
    let mut ids = Vec::new();
    for home in ["Ajax", "PSV", "AZ"] {
        ids.push(create(&app, home, "Eredivisie", 0).await);
    }
    let other = create(&app, "Milan", "Serie A", 0).await;
    let mut client = connect(app.port, &format!("competitions=Eredivisie&matches={other}")).await;
    let mut got: Vec<i64> = Vec::new();
    for _ in 0..4 {
        got.push(next(&mut client).await.1);
    }
    got.sort();
    let mut expected = ids.clone();
    expected.push(other);
    expected.sort();
    assert_eq!(got, expected);
    let third = create(&app, "Inter", "Serie A", 0).await;
    client.send_json(&json!({"op": "subscribe", "matches": [third]})).await;
    assert_eq!(client.close_code().await, Some(1008), "a second match by id is over the limit");
}

async fn star_together_with_competitions_is_refused(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let problem =
        assert_problem(app.get("/sse?matches=*&competitions=Eredivisie").await, 400).await;
    assert!(problem["detail"].as_str().unwrap().contains("matches=*"), "{problem}");
    let status = refused_status(app.port, "/ws?matches=*&competitions=Eredivisie", &[]).await;
    assert_eq!(status, 400);

    let mut star = connect(app.port, "matches=*").await;
    star.send_json(&json!({"op": "subscribe", "competitions": ["Eredivisie"]})).await;
    let error = star.next().await;
    assert_eq!((error["k"].as_str(), error["code"].as_str()), (Some("error"), Some("bad_message")));
    assert!(error["detail"].as_str().unwrap().contains("competitions"), "{error}");
}

async fn a_star_subscriber_gets_only_matches_in_play_or_within_the_window(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let old_live = create(&app, "Ajax", "Eredivisie", -72).await;
    kick_off(&app, old_live).await;
    let finished = create(&app, "PSV", "Eredivisie", -72).await;
    kick_off(&app, finished).await;
    app.store_event(finished, &json!({"kind": "end", "minute": 90})).await;
    let today = create(&app, "AZ", "Serie A", 3).await;
    let _next_week = create(&app, "Milan", "Serie A", 168).await;
    let mut star = connect(app.port, "matches=*").await;
    let mut got = vec![next(&mut star).await, next(&mut star).await];
    got.sort();
    assert_eq!(got, vec![snapshot(old_live, 1), snapshot(today, 0)]);
    star.assert_silent(QUIET).await;
    let created = create(&app, "Inter", "Serie A", -2).await;
    assert_eq!(next(&mut star).await, snapshot(created, 0), "created within the window");
    let _later = create(&app, "Roma", "Serie A", 30).await;
    star.assert_silent(QUIET).await;
}

async fn matches_are_listed_by_kickoff_range_and_competitions_with_their_counts(backend: Backend) {
    let Some(app) = spawn_app(backend).await else { return };
    let early = create(&app, "Ajax", "Eredivisie", -30).await;
    let soon = create(&app, "PSV", "Eredivisie", 2).await;
    let late = create(&app, "Milan", "Serie A, girone B", 50).await;
    kick_off(&app, soon).await;
    let list = |query: String| {
        let app = &app;
        async move {
            let page: Value =
                app.get(&format!("/api/v1/matches?{query}")).await.json().await.unwrap();
            let ids: Vec<i64> = page["matches"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["id"].as_i64().unwrap())
                .collect();
            ids
        }
    };
    let encode = |t: String| t.replace('+', "%2B").replace(':', "%3A");
    assert_eq!(list(format!("from={}", encode(at(-1)))).await, vec![soon, late]);
    assert_eq!(list(format!("to={}", encode(at(1)))).await, vec![early]);
    assert_eq!(
        list(format!("from={}&to={}", encode(at(-40)), encode(at(40)))).await,
        vec![early, soon]
    );
    assert_eq!(list(format!("from={}&status=live", encode(at(-40)))).await, vec![soon]);
    let offset = (OffsetDateTime::now_utc() + time::Duration::hours(49))
        .to_offset(time::UtcOffset::from_hms(2, 0, 0).unwrap())
        .format(&Rfc3339)
        .unwrap();
    assert_eq!(list(format!("from={}", encode(offset))).await, vec![late], "any offset");

    let bad = assert_problem(app.get("/api/v1/matches?from=yesterday").await, 422).await;
    assert_eq!(bad["field"], "from", "{bad}");
    let bad = assert_problem(app.get("/api/v1/matches?to=2026-12-07").await, 422).await;
    assert_eq!(bad["field"], "to", "{bad}");
    let backwards = format!("from={}&to={}", encode(at(1)), encode(at(-1)));
    assert_eq!(list(backwards).await, Vec::<i64>::new(), "a range of no time");

    let competitions: Value = app.get("/api/v1/competitions").await.json().await.unwrap();
    assert_eq!(
        competitions,
        json!({"competitions": [
            {"name": "Eredivisie", "sports": ["football"], "matches": 2, "in_play": 1},
            {"name": "Serie A, girone B", "sports": ["football"], "matches": 1, "in_play": 0},
        ]})
    );
}

async fn a_competition_subscriber_resumes_its_matches_from_since_even_once_they_ended(
    backend: Backend,
) {
    let Some(app) = spawn_app_with(backend, |s| s.ws_max_subscriptions = 1).await else { return };
    let ended = create(&app, "Ajax", "Eredivisie", -72).await;
    kick_off(&app, ended).await;
    let live = create(&app, "PSV", "Eredivisie", -1).await;
    kick_off(&app, live).await;
    let other = create(&app, "Milan", "Serie A", 0).await;
    // Away: a goal in each, and the end of the first.
    goal(&app, ended).await;
    app.store_event(ended, &json!({"kind": "end", "minute": 90})).await;
    goal(&app, live).await;
    let query = format!("competitions=Eredivisie&since={ended}:1,{live}:1,{other}:0");
    let mut client = connect(app.port, &query).await;
    let mut got = Vec::new();
    for _ in 0..6 {
        got.push(next(&mut client).await);
    }
    got.sort();
    let mut expected = vec![
        ("resume".to_owned(), ended, 1),
        ("goal".to_owned(), ended, 2),
        ("end".to_owned(), ended, 3),
        ("resume".to_owned(), live, 1),
        ("goal".to_owned(), live, 2),
        ("resume".to_owned(), other, 0),
    ];
    expected.sort();
    assert_eq!(got, expected, "each match resumed, the ended one outside the window too");
    client.assert_silent(QUIET).await;
    // Only the match resumed by id counts against the limit of one.
    let more = create(&app, "Inter", "Serie A", 0).await;
    client.send_json(&json!({"op": "subscribe", "matches": [more]})).await;
    assert_eq!(client.close_code().await, Some(1008));
}
