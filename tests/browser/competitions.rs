//! scorecast.js following competitions: their matches, each new one, and leaving them, on each
//! transport.

use std::time::Duration;

use serde_json::{json, Value};

use crate::common::{spawn_app_with, Backend, TestApp};
use crate::driver::{self, Browser};

const WAIT: Duration = Duration::from_secs(15);

/// Follows the competitions `arguments[0]` over `arguments[1]`; every message applied is noted in
/// `window.seen` as `match:seq:kind`.
const FOLLOW: &str = r#"
    const [competitions, transport] = arguments;
    return import("/static/scorecast.js").then((scorecast) => {
      window.seen = [];
      window.sub = scorecast.subscribe([], { competitions, transport, pollInterval: 500 });
      sub.onSnapshot((state) => seen.push(`${state.m}:${state.s}:snapshot`));
      sub.onUpdate((msg) => seen.push(`${msg.m}:${msg.s}:${msg.k}`));
      return true;
    });
"#;

/// Creates a match of `competition` kicking off now; returns its id.
async fn create(app: &TestApp, home: &str, competition: &str) -> i64 {
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let body = json!({"home": home, "away": format!("{home} II"), "competition": competition,
                      "kickoff_at": now});
    let response = app.post_json("/api/v1/matches", &body).await;
    assert_eq!(response.status(), 201);
    response.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn wait_seen(browser: &Browser, entry: &str) {
    browser.wait_for(entry, WAIT, &format!("window.seen.includes({})", json!(entry))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_follows_competitions_and_their_new_matches_on_every_transport() {
    let Some(browser) = driver::open().await else { return };
    let app = spawn_app_with(Backend::Sqlite, |s| s.sse_heartbeat_secs = 1).await.unwrap();
    for transport in ["ws", "sse", "poll"] {
        // A comma inside the name: the client encodes each name on its own.
        let competition = format!("Serie C, girone {transport}");
        let live = create(&app, "Bari", &competition).await;
        app.store_event(live, &json!({"kind": "kickoff"})).await;
        let _elsewhere = create(&app, "Ajax", "Eredivisie").await;
        browser.goto(&app.url("/admin")).await;
        browser.js(FOLLOW, vec![json!([competition]), json!(transport)]).await;
        wait_seen(&browser, &format!("{live}:1:snapshot")).await;

        let new = create(&app, "Foggia", &competition).await;
        wait_seen(&browser, &format!("{new}:0:snapshot")).await;
        app.store_event(live, &json!({"kind": "goal", "team": "home", "minute": 3})).await;
        wait_seen(&browser, &format!("{live}:2:goal")).await;

        let mut expected = vec![
            format!("{live}:1:snapshot"),
            format!("{new}:0:snapshot"),
            format!("{live}:2:goal"),
        ];
        // Moved away: reported once more (its `match` update names the new competition; polling
        // reads the match whole when the list no longer has it, and replays that update), then
        // forgotten.
        let path = format!("/api/v1/matches/{new}");
        let moved = app.patch_json(&path, &json!({"competition": "Eredivisie"})).await;
        assert_eq!(moved.status(), 200);
        wait_seen(&browser, &format!("{new}:1:match")).await;
        let held = browser.js(&format!("return sub.state.has({new})"), vec![]).await;
        assert_eq!(held, json!(false), "over {transport}");
        expected.push(format!("{new}:1:match"));
        browser.js("sub.removeCompetitions(arguments[0])", vec![json!(competition)]).await;
        app.store_event(live, &json!({"kind": "goal", "team": "home", "minute": 4})).await;
        // A late message of the competition left would arrive by now.
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let seen = browser.js("return window.seen", vec![]).await;
        assert_eq!(seen, json!(expected), "over {transport}");
        let held = browser.js("return [sub.competitions, sub.state.size]", vec![]).await;
        assert_eq!(held, json!([[], 0]), "over {transport}: its matches are forgotten");
        browser.js("sub.close()", vec![]).await;
    }
    browser.close().await;
}
