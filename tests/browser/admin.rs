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
    // The console chooses the new match once its list is read again (slow on a loaded machine).
    let chosen = format!("document.getElementById('match').value === '{id}'");
    browser.wait_for("the new match to be chosen", WAIT, &chosen).await;

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
    // The clock runs from the kickoff posted moments ago, whatever minute the goal gave.
    let clock = text.contains("1'") || text.contains("2'");
    assert!(text.contains("Heracles") && text.contains("Twente") && clock, "{text}");
    browser.close().await;
}

/// Opens the console in the browser's window with the admin token set.
pub async fn console_with_token(browser: &Browser, app: &crate::common::TestApp) {
    browser.goto(&app.url("/admin")).await;
    browser.type_into("#token", TOKEN).await;
    browser.click("#token-form button[type=submit]").await;
    browser.wait_for("the token", WAIT, "document.body.dataset.token === 'set'").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_substitution_and_a_match_edit_made_in_the_admin_console_are_stored() {
    let Some(browser) = driver::open().await else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let id = app.live_match_today("Ajax", "PSV").await;
    console_with_token(&browser, &app).await;
    browser
        .wait_for(
            "the match in the details form",
            WAIT,
            &format!("document.getElementById('edit-form').dataset.match === '{id}'"),
        )
        .await;
    let filled = browser
        .js("return ['edit-home', 'edit-away', 'edit-competition'].map((id) => document.getElementById(id).value)", vec![])
        .await;
    assert_eq!(filled, json!(["Ajax", "PSV", "Eredivisie"]));

    browser.type_into("#minute", "61").await;
    browser.type_into("#player-in", "Godts").await;
    browser.type_into("#player-out", "Berghuis").await;
    browser.js("document.getElementById('team').value = 'away'", vec![]).await;
    browser.click("#substitution").await;
    event_feedback(&browser, "ok", "Stored substitution as event #2").await;
    let events = app.get(&format!("/api/v1/matches/{id}/events?since=1")).await;
    let events: serde_json::Value = events.json().await.unwrap();
    let sub = &events["events"][0];
    assert_eq!(
        [&sub["kind"], &sub["team"], &sub["player_in"], &sub["player_out"], &sub["minute"]],
        [&json!("substitution"), &json!("away"), &json!("Godts"), &json!("Berghuis"), &json!(61)],
        "{sub}"
    );
    // A substitution needs both players: the server's reason shows in plain words.
    browser.type_into("#player-in", "").await;
    browser.click("#substitution").await;
    event_feedback(&browser, "error", "Please check the form").await;

    // Unchanged fields are not sent; changed ones are, the kick-off as the browser's local time.
    browser.click("#save").await;
    browser
        .wait_for(
            "the nothing-to-save answer",
            WAIT,
            "document.getElementById('edit-feedback').textContent.includes('Nothing to save')",
        )
        .await;
    browser.type_into("#edit-home", "AFC Ajax").await;
    browser.type_into("#edit-competition", "Johan Cruijff Schaal").await;
    browser.js("document.getElementById('edit-kickoff').value = '2026-11-21T20:30'", vec![]).await;
    browser.click("#save").await;
    browser
        .wait_for(
            "the saved match",
            WAIT,
            "document.querySelector('#edit-feedback.ok')?.textContent.startsWith('Saved match')",
        )
        .await;
    let expected_kickoff = browser
        .js("return new Date('2026-11-21T20:30').toISOString().replace('.000Z', 'Z')", vec![])
        .await;
    let snapshot = app.snapshot(id).await;
    assert_eq!(
        [&snapshot["home"], &snapshot["away"], &snapshot["competition"], &snapshot["kickoff_at"]],
        [&json!("AFC Ajax"), &json!("PSV"), &json!("Johan Cruijff Schaal"), &expected_kickoff],
        "{snapshot}"
    );
    browser
        .wait_for(
            "the new name in the match list",
            WAIT,
            "document.getElementById('match').selectedOptions[0].textContent.includes('AFC Ajax–PSV')",
        )
        .await;
    // A refused edit keeps the form as typed and says why.
    browser.type_into("#edit-away", "AFC Ajax").await;
    browser.click("#save").await;
    browser
        .wait_for(
            "the refused edit",
            WAIT,
            "document.querySelector('#edit-feedback.error')?.textContent.includes('Please check the form')",
        )
        .await;
    browser.js("document.getElementById('h-edit').scrollIntoView()", vec![]).await;
    browser.screenshot("admin-edit").await;
    browser.close().await;
}
