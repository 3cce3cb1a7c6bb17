//! The client package as an integrator uses it (issue 25): packed with `npm pack`, installed from
//! its tarball into a throwaway project, a TypeScript dashboard type-checked with `tsc` (with the
//! README's three lines, the server's tables and a real REST answer) and bundled with esbuild,
//! then run under Debian's Node and the current Node LTS against the real server, which restarts
//! on the same database and port while the dashboards follow a match.

mod dashboard;
mod project;
mod rest_answers;
mod types;

use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};

use crate::common::{spawn_app, Backend, TestApp};
use crate::tools::{NODE, NPM};
use dashboard::Dashboard;
use project::Project;

/// Node's start, the bundle's load and the first connection, on a busy machine.
const FIRST_SNAPSHOT: Duration = Duration::from_secs(30);
/// A reconnect after the restart is at most a second of backoff away (the dashboard's maxDelay).
const CATCH_UP: Duration = Duration::from_secs(20);

/// An event as the server stored it: what each dashboard must print for its `seq`.
struct Posted {
    seq: i64,
    kind: String,
    score: [i64; 2],
}

async fn post(app: &TestApp, id: i64, bodies: &[Value], posted: &mut Vec<Posted>) {
    for body in bodies {
        let stored = app.store_event(id, body).await;
        let score = &stored["score"];
        posted.push(Posted {
            seq: stored["seq"].as_i64().unwrap(),
            kind: stored["kind"].as_str().unwrap().to_owned(),
            score: [score["home"].as_i64().unwrap(), score["away"].as_i64().unwrap()],
        });
    }
}

fn goal(team: &str, minute: u32) -> Value {
    json!({"kind": "goal", "team": team, "minute": minute})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dashboard_built_from_the_packed_client_follows_a_match_across_a_restart_without_a_gap() {
    let (Some(npm), Some(node)) = (NPM.find(), NODE.find()) else { return };
    let mut app = spawn_app(Backend::Sqlite).await.expect("SQLite is always there");
    let answers = rest_answers::answers(&app).await;
    let files = [("server-tables.ts", types::tables()), ("rest-answers.ts", answers.typescript)];
    let project = tokio::task::spawn_blocking(move || Project::build(&npm, &files)).await.unwrap();
    check_replays(&project, &node, &answers.games);

    let id = app.live_match().await;
    let mut posted = Vec::new();
    post(&app, id, &[goal("home", 10)], &mut posted).await;
    let start = posted.last().unwrap().seq;

    let (debian, bundle, base) = (Path::new(&node), &project.bundle, &app.address);
    let mut dashboards = [
        Dashboard::start("Debian's node with ws", debian, bundle, base, id, &[]),
        Dashboard::start("node LTS", &project.lts_node, bundle, base, id, &[]),
        // The README's three lines on Debian's node, without the `ws` package: it polls.
        Dashboard::start("Debian's node polling", debian, bundle, base, id, &["no-websocket"]),
    ];
    for dashboard in &mut dashboards {
        dashboard.until_seq(start, FIRST_SNAPSHOT).await;
    }

    // Events while the dashboards follow, then a restart straight after them: what did not reach
    // a dashboard before the restart must come with its resume.
    let first = [
        goal("away", 21),
        json!({"kind": "card", "team": "away", "player": "Kees", "color": "yellow"}),
        goal("home", 38),
        json!({"kind": "period", "period": "half_time", "minute": 45}),
    ];
    post(&app, id, &first, &mut posted).await;
    app.stop().await;
    let app = app.restart().await;
    // Posted as soon as the server is back, mostly before the dashboards have reconnected.
    let second = [json!({"kind": "period", "period": "second_half"}), goal("away", 52)];
    post(&app, id, &second, &mut posted).await;
    let resumed = posted.last().unwrap().seq;
    for dashboard in &mut dashboards {
        dashboard.until_seq(resumed, CATCH_UP).await;
    }
    // And live again on the new connection.
    post(&app, id, &[goal("home", 77), json!({"kind": "end", "minute": 94})], &mut posted).await;
    let last = posted.last().unwrap().seq;
    for dashboard in &mut dashboards {
        dashboard.until_seq(last, CATCH_UP).await;
    }

    for dashboard in dashboards {
        let name = dashboard.name.clone();
        let lines = dashboard.stop().await;
        check(&name, &lines, id, start, &posted);
    }
    // Both WebSocket dashboards came back with a resume the new server could serve, not with a
    // fresh snapshot.
    let recovered = app.metric("scorecast_resumes_total{outcome=\"recovered\"}").await;
    assert_eq!(recovered, 2.0, "resumes on the restarted server");
}

/// One snapshot at `start`, then every posted event after it exactly once, in order, with the
/// score the server stored for it.
fn check(name: &str, lines: &[Value], id: i64, start: i64, posted: &[Posted]) {
    let printed: Vec<(i64, i64, String, [i64; 2])> = lines
        .iter()
        .map(|line| {
            let score = &line["score"];
            (
                line["match"].as_i64().unwrap(),
                line["seq"].as_i64().unwrap(),
                line["kind"].as_str().unwrap().to_owned(),
                [score[0].as_i64().unwrap(), score[1].as_i64().unwrap()],
            )
        })
        .collect();
    let at_start = posted.iter().find(|p| p.seq == start).unwrap();
    let mut expected = vec![(id, start, "snapshot".to_owned(), at_start.score)];
    expected.extend(
        posted.iter().filter(|p| p.seq > start).map(|p| (id, p.seq, p.kind.clone(), p.score)),
    );
    assert_eq!(printed, expected, "{name} printed {lines:#?}");
}

/// Polling shows each event as push does: the package makes the pushed updates again from the
/// REST events; and the state it folds from the pushed updates is the one the final answer gives.
fn check_replays(project: &Project, node: &str, games: &Value) {
    let replayed = project.replay(node, games);
    for (sport, game) in games.as_object().unwrap() {
        let (pushed, replayed) = (game["pushed"].as_array().unwrap(), &replayed[sport]);
        let remade = replayed["updates"].as_array().unwrap();
        for (pushed, remade) in pushed.iter().zip(remade) {
            assert_eq!(remade, pushed, "{sport}: eventToUpdate of the REST event, and the push");
        }
        assert_eq!(remade.len(), pushed.len(), "{sport}");
        let (folded, fresh) = (&replayed["folded"], &replayed["fresh"]);
        assert_eq!(folded, fresh, "{sport}: the state from push, from REST");
    }
}
