//! The scoreboard served over https:// by scorecast itself: the page, its script and its live
//! connection (which the client opens as wss://) all over TLS, with a certificate made now.

use std::time::Duration;

use serde_json::json;

use crate::common::tls::TestCa;
use crate::common::{spawn_app_with, Backend};
use crate::driver;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_https_the_scoreboard_goes_live_over_wss_and_shows_a_goal() {
    // The certificate is from a test authority the browser does not know: this profile, made for
    // this test alone, accepts it.
    let Some(browser) = driver::open_with(&["--ignore-certificate-errors"]).await else { return };
    let ca = TestCa::new();
    let issued = ca.issue("server");
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.tls.tls_cert = Some(issued.cert.clone());
        s.tls.tls_key = Some(issued.key.clone());
    })
    .await
    .unwrap()
    .over_tls(ca.https_client());
    let live = app.live_match_today("Ajax", "PSV").await;

    browser.goto(&app.url("/")).await;
    let wait = Duration::from_secs(10);
    browser.wait_for_connection("live", Some("ws"), wait).await;
    let protocol = browser.js("return location.protocol", vec![]).await;
    assert_eq!(protocol, json!("https:"));
    let opened = browser
        .js(
            "return performance.getEntriesByType('resource').map(e => e.name)\
             .concat([location.href]).filter(u => u.startsWith('http:')).length",
            vec![],
        )
        .await;
    assert_eq!(opened, json!(0), "nothing on the page was fetched over plain http");

    app.store_event(live, &json!({"kind": "goal", "team": "home", "minute": 12})).await;
    browser
        .wait_for(
            "the goal on the page",
            Duration::from_secs(5),
            &format!(
                "document.querySelector('[data-match=\"{live}\"] .goals.home')\
                 ?.textContent === '1'"
            ),
        )
        .await;
    browser.close().await;
}
