//! scorecast.js as a dashboard of its own would use it: its type declarations, matches added to and
//! removed from a live subscription on each transport, handlers removed.

use std::collections::BTreeSet;
use std::time::Duration;

use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE};
use serde_json::{json, Value};

use crate::common::{spawn_app_with, Backend, TestApp};
use crate::driver::{self, Browser};

const WAIT: Duration = Duration::from_secs(15);

/// A server that notices closed SSE streams fast: it finds out at its next write, a heartbeat.
async fn spawn() -> TestApp {
    spawn_app_with(Backend::Sqlite, |s| s.sse_heartbeat_secs = 1).await.unwrap()
}

/// Imports the module into the page and follows `arguments[0]` over `arguments[1]`; every message
/// applied is noted in `window.seen` as `match:seq:kind`.
const FOLLOW: &str = r#"
    const [ids, transport] = arguments;
    return import("/static/scorecast.js").then((scorecast) => {
      window.seen = [];
      window.sub = scorecast.subscribe(ids, { transport, pollInterval: 500 });
      sub.onSnapshot((state) => seen.push(`${state.m}:${state.s}:snapshot`));
      sub.onUpdate((msg) => seen.push(`${msg.m}:${msg.s}:${msg.k}`));
      sub.onStatus((status) => { window.status = status; });
      return true;
    });
"#;

/// The value of the metric `name` (no labels) on `app`'s `/metrics`.
async fn metric(app: &TestApp, name: &str) -> f64 {
    let text = app.get("/metrics").await.text().await.unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in /metrics"))
}

/// Waits until the server counts `expected` subscriptions (WebSocket and SSE, one per match).
async fn wait_for_subscriptions(app: &TestApp, expected: f64) {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let now = metric(app, "scorecast_ws_subscriptions").await;
        if now == expected {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{now} subscriptions, not {expected}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn wait_seen(browser: &Browser, entry: &str) {
    browser.wait_for(entry, WAIT, &format!("window.seen.includes({})", json!(entry))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn matches_added_and_removed_on_a_live_subscription_follow_on_every_transport() {
    let Some(browser) = driver::open().await else { return };
    let app = spawn().await;
    for transport in ["ws", "sse", "poll"] {
        let first = app.live_match_today("Ajax", "PSV").await;
        let second = app.live_match_today("Feyenoord", "AZ").await;
        browser.goto(&app.url("/admin")).await;
        browser.js(FOLLOW, vec![json!([first]), json!(transport)]).await;
        wait_seen(&browser, &format!("{first}:1:snapshot")).await;
        let pushed = transport != "poll";
        if pushed {
            wait_for_subscriptions(&app, 1.0).await;
        }

        browser.js(&format!("sub.add({second})"), vec![]).await;
        wait_seen(&browser, &format!("{second}:1:snapshot")).await;
        if pushed {
            wait_for_subscriptions(&app, 2.0).await;
        }
        app.store_event(second, &json!({"kind": "goal", "team": "home", "minute": 3})).await;
        wait_seen(&browser, &format!("{second}:2:goal")).await;

        browser.js(&format!("sub.remove([{first}])"), vec![]).await;
        if pushed {
            wait_for_subscriptions(&app, 1.0).await;
        }
        app.store_event(first, &json!({"kind": "goal", "team": "away", "minute": 4})).await;
        app.store_event(second, &json!({"kind": "goal", "team": "home", "minute": 5})).await;
        wait_seen(&browser, &format!("{second}:3:goal")).await;
        // A late message of the removed match would arrive with the other goal: give it time to.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let seen = browser.js("return window.seen", vec![]).await;
        let expected = [
            format!("{first}:1:snapshot"),
            format!("{second}:1:snapshot"),
            format!("{second}:2:goal"),
            format!("{second}:3:goal"),
        ];
        assert_eq!(
            seen,
            json!(expected),
            "over {transport}: each message once, none of {first} after its removal"
        );
        let held =
            browser.js("return [sub.matches, [...sub.state.keys()], window.status]", vec![]).await;
        let status = if pushed { "live" } else { "polling" };
        assert_eq!(held, json!([[second], [second], status]), "over {transport}");
        browser.js("sub.close()", vec![]).await;
        if pushed {
            wait_for_subscriptions(&app, 0.0).await;
        }
    }
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_emptied_and_refilled_reconnects_and_removed_handlers_are_not_called() {
    let Some(browser) = driver::open().await else { return };
    let app = spawn().await;
    let id = app.live_match_today("Ajax", "PSV").await;
    browser.goto(&app.url("/admin")).await;
    browser.js(FOLLOW, vec![json!([]), json!("sse")]).await;
    browser.wait_for("an idle subscription", WAIT, "window.status === 'live'").await;
    browser
        .js(
            "window.calls = {kept: 0, removed: 0, status: 0};
             const removed = () => calls.removed++;
             const status = () => calls.status++;
             sub.onUpdate(removed).onUpdate(() => calls.kept++).onUpdate(removed).onStatus(status);
             sub.off('update', removed).off('status', status);
             sub.add(arguments[0]);",
            vec![json!(id)],
        )
        .await;
    wait_seen(&browser, &format!("{id}:1:snapshot")).await;
    app.store_event(id, &json!({"kind": "goal", "team": "home", "minute": 3})).await;
    wait_seen(&browser, &format!("{id}:2:goal")).await;
    let calls = browser.js("return window.calls", vec![]).await;
    // onStatus calls its handler once at registration; none after its removal.
    assert_eq!(calls, json!({"kept": 1, "removed": 0, "status": 1}));

    // Emptied, an SSE subscription closes its stream; refilled, it opens one again.
    browser.js(&format!("sub.remove({id})"), vec![]).await;
    wait_for_subscriptions(&app, 0.0).await;
    assert_eq!(metric(&app, "scorecast_sse_connections").await, 0.0);
    browser.js(&format!("sub.add({id})"), vec![]).await;
    wait_seen(&browser, &format!("{id}:2:snapshot")).await;
    assert_eq!(metric(&app, "scorecast_sse_connections").await, 1.0);
    let refused = browser
        .js("try { sub.off('goal', () => {}); return null } catch (e) { return e.message }", vec![])
        .await;
    assert_eq!(refused, json!("scorecast: no event \"goal\""));
    browser.js("sub.close()", vec![]).await;
    let after = browser.js("return [window.status, window.calls.status]", vec![]).await;
    assert_eq!(after, json!(["closed", 1]), "the removed status handler missed the close");
    browser.close().await;
}

/// The names a declaration file exports as values (functions, classes, constants), and the members
/// its `Subscription` class declares.
fn declared(dts: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let name = |rest: &str| {
        rest.split(|c: char| !c.is_alphanumeric() && c != '_').next().unwrap().to_owned()
    };
    let mut exports = BTreeSet::new();
    let mut members = BTreeSet::new();
    let mut in_class = false;
    for line in dts.lines() {
        for kind in ["export declare function ", "export declare class ", "export declare const "] {
            if let Some(rest) = line.strip_prefix(kind) {
                exports.insert(name(rest));
            }
        }
        if line.starts_with("export declare class Subscription ") {
            in_class = true;
        } else if in_class && line == "}" {
            in_class = false;
        } else if in_class {
            let member = line.trim_start().trim_start_matches("readonly ");
            if line.starts_with("  ") && !line.starts_with("   ") && !member.starts_with("/") {
                let member = name(member);
                if member != "constructor" {
                    members.insert(member);
                }
            }
        }
    }
    (exports, members)
}

/// What the module exports, and the public members of a `Subscription` it makes.
const EXPORTED: &str = r#"
    return import("/static/scorecast.js").then((scorecast) => {
      const sub = scorecast.subscribe([]);
      sub.close();
      const proto = Object.getOwnPropertyNames(scorecast.Subscription.prototype)
        .filter((n) => n !== "constructor" && !n.startsWith("_"));
      return { exports: Object.keys(scorecast), proto, has: arguments[0].filter((n) => n in sub) };
    });
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_type_declarations_are_served_beside_the_module_and_declare_all_it_exports() {
    let Some(browser) = driver::open().await else { return };
    let app = spawn().await;
    let client = reqwest::Client::new();
    let module = client.get(app.url("/static/scorecast.js")).send().await.unwrap();
    let module = module.text().await.unwrap();
    // The module names its declarations by their current version, as the pages name the module.
    let start = module.find("@ts-self-types=\"").expect("the module names its types") + 16;
    let url = &module[start..start + module[start..].find('"').unwrap()];
    // Relative, as the package lies on disk: beside the module.
    let url = url.strip_prefix("./").map(|name| format!("/static/{name}")).unwrap_or_default();
    assert!(url.starts_with("/static/scorecast.d.ts?v="), "{url}");
    let types = client.get(app.url(&url)).send().await.unwrap();
    assert_eq!(types.status(), 200);
    assert_eq!(types.headers()[CONTENT_TYPE], "application/typescript; charset=utf-8");
    assert_eq!(types.headers()[CACHE_CONTROL], "public, max-age=31536000, immutable");
    let dts = types.text().await.unwrap();
    let unversioned = client.get(app.url("/static/scorecast.d.ts")).send().await.unwrap();
    assert_eq!(unversioned.headers()[CACHE_CONTROL], "no-cache");

    let (exports, members) = declared(&dts);
    browser.goto(&app.url("/admin")).await;
    let found = browser.js(EXPORTED, vec![json!(members)]).await;
    let set = |v: &Value| -> BTreeSet<String> {
        v.as_array().unwrap().iter().map(|n| n.as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(set(&found["exports"]), exports, "the module's exports and the declared ones");
    let proto = set(&found["proto"]);
    assert!(proto.is_subset(&members), "undeclared methods: {:?}", proto.difference(&members));
    assert_eq!(set(&found["has"]), members, "declared members a Subscription lacks");
    for expected in ["add", "remove", "off", "onUpdate", "state", "matches", "close"] {
        assert!(members.contains(expected), "{expected} declared: {members:?}");
    }
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_match_removed_and_added_again_while_the_websocket_opens_starts_from_its_snapshot() {
    let Some(browser) = driver::open().await else { return };
    let app = spawn().await;
    let id = app.live_match_today("Ajax", "PSV").await;
    browser.goto(&app.url("/admin")).await;
    // Resuming from 1 would send nothing for this match; removed and added again, its state is
    // gone, so the connection must start it from a snapshot.
    let follow = r#"
        const [id] = arguments;
        return import("/static/scorecast.js").then((scorecast) => {
          window.seen = [];
          window.sub = scorecast.subscribe([id], { transport: "ws", since: { [id]: 1 } });
          sub.onSnapshot((state) => seen.push(`${state.m}:${state.s}:snapshot`));
          sub.onUpdate((msg) => seen.push(`${msg.m}:${msg.s}:${msg.k}`));
          queueMicrotask(() => sub.remove(id).add(id)); // after the socket was created
          return true;
        });
    "#;
    browser.js(follow, vec![json!(id)]).await;
    wait_seen(&browser, &format!("{id}:1:snapshot")).await;
    let home = browser.js(&format!("return sub.state.get({id}).home"), vec![]).await;
    assert_eq!(home, json!("Ajax"));
    wait_for_subscriptions(&app, 1.0).await;
    browser.close().await;
}
