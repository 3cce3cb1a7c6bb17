//! The penalty shoot-out, scored apart from the match: kicks, their rules, what subscribers and
//! pollers see, and goals stored as match goals during `penalties` by older servers.

use serde_json::{json, Value};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};

use crate::backend_tests;
use crate::common::{fresh_database, spawn_app, spawn_on, Backend, TestApp};
use crate::helpers::assert_problem;
use crate::ws_client;

backend_tests!(
    a_match_drawn_1_1_and_won_5_4_on_penalties_keeps_its_score_apart,
    shootout_rules_are_answered_with_problems,
    goals_stored_during_penalties_before_the_upgrade_become_shootout_kicks,
);

/// A live match at 1-1, in its shoot-out.
async fn match_in_penalties(app: &TestApp) -> i64 {
    let id = app.live_match().await;
    for event in [
        json!({"kind": "goal", "team": "home", "minute": 10}),
        json!({"kind": "goal", "team": "away", "minute": 80}),
        json!({"kind": "period", "period": "extra_time", "minute": 90}),
        json!({"kind": "period", "period": "penalties", "minute": 120}),
    ] {
        app.store_event(id, &event).await;
    }
    id
}

fn kick(team: &str, scored: bool) -> Value {
    json!({"kind": "kick", "team": team, "scored": scored})
}

async fn a_match_drawn_1_1_and_won_5_4_on_penalties_keeps_its_score_apart(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let id = match_in_penalties(&app).await;
    let mut ws = ws_client::connect(app.port, &format!("matches={id}")).await;
    let snapshot = ws.next().await;
    assert_eq!((&snapshot["sc"], &snapshot["pn"]), (&json!([1, 1]), &json!([0, 0])), "{snapshot}");

    // Home starts; four rounds both score, then home scores and away misses.
    let mut kicks = Vec::new();
    for _ in 0..4 {
        kicks.extend([kick("home", true), kick("away", true)]);
    }
    kicks.extend([json!({"kind": "kick", "team": "home", "scored": true, "player": "Tadic"})]);
    for body in &kicks {
        let stored = app.store_event(id, body).await;
        assert_eq!(stored["score"], json!({"home": 1, "away": 1}), "kicks never touch the score");
    }
    let last = app.store_event(id, &kick("away", false)).await;
    assert_eq!(last["kind"], "kick");
    assert_eq!(last["scored"], false);
    assert_eq!(last["shootout"], json!({"home": 5, "away": 4}));

    let snapshot = app.snapshot(id).await;
    assert_eq!(snapshot["score"], json!({"home": 1, "away": 1}));
    assert_eq!(
        snapshot["shootout"],
        json!({"score": {"home": 5, "away": 4}, "kicks": {"home": 5, "away": 5},
               "next": null, "winner": "home", "rounds": 5})
    );
    let end = app.store_event(id, &json!({"kind": "end", "minute": 120})).await;
    assert_eq!(end["shootout"], json!({"home": 5, "away": 4}));

    // Subscribers get every kick, scored or missed, with the tally apart from the score.
    let mut updates = Vec::new();
    for _ in 0..11 {
        updates.push(ws.next().await);
    }
    assert_eq!(
        updates[8],
        json!({"m": id, "s": 14, "k": "kick", "t": "h", "sc": [1, 1], "p": "Tadic", "ok": true,
               "pn": [5, 4]})
    );
    assert_eq!((&updates[9]["ok"], &updates[9]["pn"]), (&json!(false), &json!([5, 4])));
    assert_eq!((&updates[10]["k"], &updates[10]["pn"]), (&json!("end"), &json!([5, 4])));
    // A new subscriber's snapshot has the finished shoot-out too.
    let mut late = ws_client::connect(app.port, &format!("matches={id}")).await;
    let snapshot = late.next().await;
    assert_eq!(
        (&snapshot["st"], &snapshot["sc"], &snapshot["pn"]),
        (&json!("finished"), &json!([1, 1]), &json!([5, 4]))
    );
    let before_penalties = app.snapshot(app.live_match().await).await;
    assert_eq!(before_penalties["shootout"], Value::Null);
}

async fn shootout_rules_are_answered_with_problems(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let live = app.live_match().await;
    let early = assert_problem(app.post_event(live, &kick("home", true)).await, 409).await;
    assert!(early["detail"]
        .as_str()
        .unwrap()
        .contains("only allowed during the penalty shoot-out"));

    let id = match_in_penalties(&app).await;
    let goal = json!({"kind": "goal", "team": "home", "minute": 121});
    let goal = assert_problem(app.post_event(id, &goal).await, 409).await;
    assert!(goal["detail"].as_str().unwrap().contains("`kick` events"), "{goal}");
    let back = json!({"kind": "period", "period": "extra_time"});
    assert_problem(app.post_event(id, &back).await, 409).await;
    let end = assert_problem(app.post_event(id, &json!({"kind": "end"})).await, 409).await;
    assert!(end["detail"].as_str().unwrap().contains("not decided (0-0 after 0 and 0 kicks)"));
    let bad = json!({"kind": "kick", "team": "home", "scored": "yes"});
    let bad = assert_problem(app.post_event(id, &bad).await, 422).await;
    assert_eq!(bad["field"], "scored");
    let unsaid =
        assert_problem(app.post_event(id, &json!({"kind": "kick", "team": "home"})).await, 422)
            .await;
    assert!(unsaid["detail"].as_str().unwrap().contains("scored"), "{unsaid}");

    // Away starts, so away kicks first in every round.
    app.store_event(id, &kick("away", true)).await;
    let twice = assert_problem(app.post_event(id, &kick("away", true)).await, 409).await;
    assert!(twice["detail"].as_str().unwrap().contains("the next kick is the home team's"));
    // 3-0 to away after three rounds: home cannot catch up with two kicks left.
    for (team, scored) in [("home", false), ("away", true), ("home", false), ("away", true)] {
        app.store_event(id, &kick(team, scored)).await;
    }
    let end = assert_problem(app.post_event(id, &json!({"kind": "end"})).await, 409).await;
    assert!(end["detail"].as_str().unwrap().contains("not decided (0-3"), "{end}");
    app.store_event(id, &kick("home", false)).await;
    let after = assert_problem(app.post_event(id, &kick("away", true)).await, 409).await;
    assert!(after["detail"].as_str().unwrap().contains("decided (0-3"), "{after}");
    let snapshot = app.snapshot(id).await;
    assert_eq!((&snapshot["shootout"]["winner"], &snapshot["seq"]), (&json!("away"), &json!(11)));
    app.store_event(id, &json!({"kind": "end"})).await;
}

/// The schema and rows an older server left: its only migration, and a match whose shoot-out goals
/// counted in the score (1-1 after extra time, stored as 3-2, with an operator's `score` correction
/// to 2-1 between the kicks), plus a match that never reached penalties.
async fn store_as_an_older_server(url: &str, backend: Backend) {
    sqlx::any::install_default_drivers();
    let folder = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let old = tempfile::tempdir().unwrap();
    let init = "20261121000001_init.sql";
    let source = format!("{}/migrations/{folder}/{init}", env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(source, old.path().join(init)).unwrap();
    if backend == Backend::Sqlite {
        let path = url.trim_start_matches("sqlite://");
        std::fs::File::create(path).unwrap();
    }
    let pool = AnyPool::connect(url).await.unwrap();
    Migrator::new(old.path()).await.unwrap().run(&pool).await.unwrap();
    pool.execute(
        "INSERT INTO matches (home, away, competition, kickoff_at, status, period, minute, \
         home_score, away_score, seq, created_at, updated_at) VALUES \
         ('Ajax', 'PSV', 'Cup', 1795201200000, 'live', 'penalties', 120, 3, 2, 9, 0, 0), \
         ('AZ', 'Twente', 'Cup', 1795201200000, 'live', 'first_half', 5, 1, 0, 2, 0, 0)",
    )
    .await
    .unwrap();
    let at = r#""recorded_at":"2026-11-21T21:00:00Z""#;
    let rows = [
        (
            1,
            1,
            "kickoff",
            format!(
                r#"{{"match_id":1,"seq":1,"kind":"kickoff","score":{{"home":0,"away":0}},{at}}}"#
            ),
        ),
        (
            1,
            2,
            "goal",
            format!(
                r#"{{"match_id":1,"seq":2,"kind":"goal","team":"home","minute":10,"score":{{"home":1,"away":0}},{at}}}"#
            ),
        ),
        (
            1,
            3,
            "goal",
            format!(
                r#"{{"match_id":1,"seq":3,"kind":"goal","team":"away","minute":80,"score":{{"home":1,"away":1}},{at}}}"#
            ),
        ),
        (
            1,
            4,
            "period",
            format!(
                r#"{{"match_id":1,"seq":4,"kind":"period","period":"penalties","minute":120,"score":{{"home":1,"away":1}},{at}}}"#
            ),
        ),
        (
            1,
            5,
            "goal",
            format!(
                r#"{{"match_id":1,"seq":5,"kind":"goal","team":"home","minute":120,"player":"Tadic","score":{{"home":2,"away":1}},{at}}}"#
            ),
        ),
        (
            1,
            6,
            "score",
            format!(
                r#"{{"match_id":1,"seq":6,"kind":"score","home":2,"away":1,"minute":120,"score":{{"home":2,"away":1}},{at}}}"#
            ),
        ),
        (
            1,
            7,
            "goal",
            format!(
                r#"{{"match_id":1,"seq":7,"kind":"goal","team":"away","minute":120,"score":{{"home":2,"away":2}},{at}}}"#
            ),
        ),
        (
            1,
            8,
            "goal",
            format!(
                r#"{{"match_id":1,"seq":8,"kind":"goal","team":"home","minute":120,"score":{{"home":3,"away":2}},{at}}}"#
            ),
        ),
        (
            1,
            9,
            "card",
            format!(
                r#"{{"match_id":1,"seq":9,"kind":"card","team":"away","player":"Veerman","color":"yellow","score":{{"home":3,"away":2}},{at}}}"#
            ),
        ),
        (
            2,
            1,
            "kickoff",
            format!(
                r#"{{"match_id":2,"seq":1,"kind":"kickoff","score":{{"home":0,"away":0}},{at}}}"#
            ),
        ),
        (
            2,
            2,
            "goal",
            format!(
                r#"{{"match_id":2,"seq":2,"kind":"goal","team":"home","minute":5,"score":{{"home":1,"away":0}},{at}}}"#
            ),
        ),
    ];
    for (match_id, seq, kind, body) in rows {
        sqlx::query(
            "INSERT INTO events (match_id, seq, kind, body, created_at) VALUES ($1, $2, $3, $4, 0)",
        )
        .bind(match_id as i64)
        .bind(seq as i64)
        .bind(kind)
        .bind(body)
        .execute(&pool)
        .await
        .unwrap();
    }
    // The answer kept for a retry of event 8, under the hash the server computes of its body.
    let hash = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(serde_json::to_vec(&retried_goal()).unwrap()))
    };
    let answer = r#"{"match_id":1,"seq":8,"kind":"goal","team":"home","minute":120,"score":{"home":3,"away":2},"recorded_at":"2026-11-21T21:00:00Z"}"#;
    sqlx::query("INSERT INTO idempotency_keys (match_id, key, request_hash, response, created_at) VALUES (1, 'pen-8', $1, $2, $3)")
        .bind(hash)
        .bind(answer)
        .bind(time::OffsetDateTime::now_utc().unix_timestamp() * 1000)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}

fn retried_goal() -> Value {
    json!({"kind": "goal", "team": "home", "minute": 120})
}

async fn goals_stored_during_penalties_before_the_upgrade_become_shootout_kicks(backend: Backend) {
    let Some(database) = fresh_database(backend).await else {
        return;
    };
    store_as_an_older_server(&database.url, backend).await;
    let app = spawn_on(database, |_| {}).await;

    let snapshot = app.snapshot(1).await;
    // The operator's correction set 2-1 during the shoot-out; the kick after it is taken out.
    assert_eq!(snapshot["score"], json!({"home": 2, "away": 1}), "{snapshot}");
    assert_eq!(
        snapshot["shootout"],
        json!({"score": {"home": 2, "away": 1}, "kicks": {"home": 2, "away": 1},
               "next": "away", "winner": null, "rounds": 5})
    );
    let kinds: Vec<(&str, Value, Value)> = snapshot["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), e["score"].clone(), e["shootout"].clone()))
        .collect();
    let score = |h: i64, a: i64| json!({"home": h, "away": a});
    assert_eq!(
        kinds,
        [
            ("kickoff", score(0, 0), Value::Null),
            ("goal", score(1, 0), Value::Null),
            ("goal", score(1, 1), Value::Null),
            ("period", score(1, 1), score(0, 0)),
            ("kick", score(1, 1), score(1, 0)),
            // The correction set 2-1 outright; only the kicks after it are taken out of its score.
            ("score", score(2, 1), score(1, 0)),
            ("kick", score(2, 1), score(1, 1)),
            ("kick", score(2, 1), score(2, 1)),
            ("card", score(2, 1), score(2, 1)),
        ]
    );
    // Rows of earlier releases carry no state: it is rebuilt from the stored events, and the
    // period's start is the `penalties` event's `recorded_at`.
    assert_eq!(snapshot["period_started_at"], "2026-11-21T21:00:00Z");
    let first_kick = &snapshot["events"][4];
    assert_eq!((&first_kick["scored"], &first_kick["player"]), (&json!(true), &json!("Tadic")));
    // The match row took the last event's score: the corrected 2-1, without the kick after it.
    let listed: Value = app.get("/api/v1/matches?competition=Cup").await.json().await.unwrap();
    assert_eq!(listed["matches"][0]["score"], score(2, 1));
    assert_eq!(listed["matches"][1]["score"], score(1, 0), "untouched without penalties");
    assert_eq!(listed["matches"][1]["shootout"], Value::Null);

    // A retry of a migrated goal gets the event as it is stored now.
    let retry = app
        .client
        .post(app.url("/api/v1/matches/1/events"))
        .bearer_auth(crate::common::TOKEN)
        .header("Idempotency-Key", "pen-8")
        .json(&retried_goal())
        .send()
        .await
        .unwrap();
    assert_eq!(retry.status(), 201);
    assert_eq!(retry.headers()["idempotency-replayed"], "true");
    let replayed: Value = retry.json().await.unwrap();
    assert_eq!(
        (&replayed["seq"], &replayed["kind"], &replayed["score"], &replayed["shootout"]),
        (&json!(8), &json!("kick"), &score(2, 1), &score(2, 1))
    );

    // The shoot-out goes on under the new rules: away is due, then home.
    let wrong = assert_problem(app.post_event(1, &kick("home", true)).await, 409).await;
    assert!(wrong["detail"].as_str().unwrap().contains("away team's"), "{wrong}");
    let stored = app.store_event(1, &kick("away", false)).await;
    assert_eq!((&stored["score"], &stored["shootout"]), (&score(2, 1), &score(2, 1)));
    let history: Value =
        app.get("/api/v1/matches/1/events?since=7&limit=1").await.json().await.unwrap();
    assert_eq!(history["events"][0]["kind"], "kick");
}
