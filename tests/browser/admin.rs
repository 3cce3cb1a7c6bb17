//! The admin console creates and scores a match; a scoreboard open elsewhere shows it.

use std::time::Duration;

use serde_json::json;

use crate::common::{spawn_app, Backend, TOKEN};
use crate::driver::{self, Browser};

const WAIT: Duration = Duration::from_secs(10);

/// Waits until the feedback next to the event buttons is of `class` (`ok`, `error`) and says `text`.
async fn event_feedback(browser: &Browser, class: &str, text: &str) {
    let condition = format!(
        "document.querySelector('#events-feedback.{class}')?.textContent.includes({})",
        json!(text)
    );
    browser.wait_for(&format!("\"{text}\""), WAIT, &condition).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_match_created_and_scored_in_the_admin_console_shows_on_an_open_scoreboard() {
    let Some(browser) = driver::open().await else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    browser.goto(&app.url("/")).await;
    browser.wait_for_connection("live", None, WAIT).await;
    let scoreboard = browser.client.window().await.unwrap();

    let admin = browser.client.new_window(true).await.unwrap().handle;
    browser.client.switch_to_window(admin).await.unwrap();
    browser.goto(&app.url("/admin")).await;
    browser.type_into("#token", TOKEN).await;
    browser.click("#token-form button[type=submit]").await;
    browser.wait_for("the token", WAIT, "document.body.dataset.token === 'set'").await;
    let stored = browser.js("return sessionStorage.getItem('scorecast.adminToken')", vec![]).await;
    assert_eq!(stored, json!(TOKEN));

    browser.type_into("#home", "Heracles").await;
    browser.type_into("#away", "Twente").await;
    browser.type_into("#competition", "Eredivisie").await;
    browser.click("#create").await;
    let created = browser
        .wait_for(
            "the new match",
            WAIT,
            "document.getElementById('create-feedback').textContent.match(/Created match #(\\d+)/)?.[1]",
        )
        .await;
    let id: i64 = created.as_str().unwrap().parse().unwrap();

    // Refused events show the server's reason in plain words next to the form.
    browser.click("#goal-home").await;
    event_feedback(&browser, "error", "Please check the form: missing field `minute`").await;
    browser.type_into("#minute", "9").await;
    browser.click("#goal-home").await;
    event_feedback(
        &browser,
        "error",
        "Not allowed right now: a goal event is not allowed while the match is scheduled",
    )
    .await;

    browser.click("#kickoff-btn").await;
    event_feedback(&browser, "ok", "Stored kickoff").await;
    browser.click("#goal-home").await;
    event_feedback(&browser, "ok", "Stored goal as event #2").await;
    browser
        .wait_for(
            "the score in the console",
            WAIT,
            "document.getElementById('current').dataset.score === '1-0'",
        )
        .await;
    browser.js("document.getElementById('h-events').scrollIntoView()", vec![]).await;
    browser.screenshot("admin").await;

    browser.client.switch_to_window(scoreboard).await.unwrap();
    let card = format!("[data-group=live] [data-match=\"{id}\"]");
    browser
        .wait_for(
            "the match on the scoreboard",
            WAIT,
            &format!("document.querySelector('{card} .goals.home')?.textContent === '1'"),
        )
        .await;
    let text =
        browser.js(&format!("return document.querySelector('{card}').innerText"), vec![]).await;
    let text = text.as_str().unwrap();
    assert!(text.contains("Heracles") && text.contains("Twente") && text.contains("9'"), "{text}");
    browser.close().await;
}
