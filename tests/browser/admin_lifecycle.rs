//! The admin console changes a match's status and corrects its events; the API shows the result.

use std::time::Duration;

use serde_json::{json, Value};

use crate::admin::console_with_token;
use crate::common::{spawn_app, Backend, TestApp};
use crate::driver::{self, Browser};
use crate::match_page::two_goals;

const WAIT: Duration = Duration::from_secs(10);
/// The amend form is not shown.
const CLOSED: &str = "getComputedStyle(document.getElementById('amend-form')).display === 'none'";

/// Chooses match `id` in the console and waits until it shows it.
pub async fn choose(browser: &Browser, id: i64) {
    browser
        .js(
            "const list = document.getElementById('match'); list.value = String(arguments[0]); \
             list.dispatchEvent(new Event('change'));",
            vec![json!(id)],
        )
        .await;
    // The details form and the event list are filled together, once the match is read.
    let shown = format!("document.getElementById('edit-form').dataset.match === '{id}'");
    browser.wait_for(&format!("match {id} to be chosen"), WAIT, &shown).await;
}

/// Clicks `button` and waits until the feedback line `feedback` is of `class` and says `text`.
pub async fn click_and_expect(
    browser: &Browser,
    button: &str,
    feedback: &str,
    class: &str,
    text: &str,
) {
    browser.js(&format!("document.getElementById('{feedback}').textContent = ''"), vec![]).await;
    browser.click(button).await;
    let condition = format!(
        "document.querySelector('#{feedback}.{class}')?.textContent.includes({})",
        json!(text)
    );
    browser.wait_for(&format!("\"{text}\" after {button}"), WAIT, &condition).await;
}

async fn history(app: &TestApp, id: i64) -> Value {
    let response = app.get(&format!("/api/v1/matches/{id}/events")).await;
    response.json::<Value>().await.unwrap()["events"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_console_postpones_interrupts_resumes_awards_confirms_delays_and_cancels() {
    let Some(browser) = driver::open().await else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let later = app.create_match_today("Ajax", "PSV").await;
    let live = app.live_match_today("Feyenoord", "AZ").await;
    let called_off = app.create_match_today("Twente", "Heracles").await;
    console_with_token(&browser, &app).await;

    choose(&browser, later).await;
    browser.type_into("#status-reason", "waterlogged pitch").await;
    browser
        .js("document.getElementById('postpone-kickoff').value = '2026-12-24T15:00'", vec![])
        .await;
    click_and_expect(&browser, "#postpone", "status-feedback", "ok", "Stored status as event #1")
        .await;
    let kickoff = browser
        .js("return new Date('2026-12-24T15:00').toISOString().replace('.000Z', 'Z')", vec![])
        .await;
    let snapshot = app.snapshot(later).await;
    assert_eq!(
        [&snapshot["status"], &snapshot["reason"], &snapshot["kickoff_at"]],
        [&json!("postponed"), &json!("waterlogged pitch"), &kickoff],
        "{snapshot}"
    );

    choose(&browser, live).await;
    browser.type_into("#status-reason", "storm").await;
    click_and_expect(&browser, "#interrupt", "status-feedback", "ok", "interrupted").await;
    let snapshot = app.snapshot(live).await;
    assert_eq!(
        [&snapshot["status"], &snapshot["reason"]],
        [&json!("interrupted"), &json!("storm")]
    );
    // The reason went with the change it was given for.
    click_and_expect(&browser, "#resume", "status-feedback", "ok", "Stored status as event #3")
        .await;
    let snapshot = app.snapshot(live).await;
    assert_eq!(
        [&snapshot["status"], &snapshot["reason"]],
        [&json!("live"), &Value::Null],
        "{snapshot}"
    );
    browser.type_into("#added-minutes", "4").await;
    click_and_expect(&browser, "#added-time", "events-feedback", "ok", "Stored added_time").await;
    assert_eq!(app.snapshot(live).await["added_time"], 4);

    // A refusal shows the server's own words.
    let refused =
        "Not allowed right now: only a finished, awarded or abandoned result can be confirmed";
    click_and_expect(&browser, "#confirm", "status-feedback", "error", refused).await;

    browser.js("document.getElementById('award-winner').value = 'away'", vec![]).await;
    browser.type_into("#award-home", "0").await;
    browser.type_into("#award-away", "3").await;
    browser.js("document.getElementById('award-method').value = 'decision'", vec![]).await;
    click_and_expect(&browser, "#award", "status-feedback", "ok", "score 0–3; awarded").await;
    let snapshot = app.snapshot(live).await;
    assert_eq!(
        [&snapshot["status"], &snapshot["score"], &snapshot["award"]],
        [
            &json!("awarded"),
            &json!({"home": 0, "away": 3}),
            &json!({"winner": "away", "method": "decision"})
        ],
        "{snapshot}"
    );
    click_and_expect(&browser, "#confirm", "status-feedback", "ok", "Stored confirm").await;
    assert_eq!(app.snapshot(live).await["confirmed"], true);

    choose(&browser, called_off).await;
    click_and_expect(&browser, "#delay", "status-feedback", "ok", "; delayed.").await;
    assert_eq!(app.snapshot(called_off).await["status"], "delayed");
    click_and_expect(&browser, "#cancel", "status-feedback", "ok", "; cancelled.").await;
    assert_eq!(app.snapshot(called_off).await["status"], "cancelled");
    browser.js("document.getElementById('h-status').scrollIntoView()", vec![]).await;
    browser.screenshot("admin-status").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_console_voids_a_goal_and_amends_a_scorer_from_the_event_list() {
    let Some(browser) = driver::open().await else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let id = two_goals(&app).await;
    console_with_token(&browser, &app).await;
    choose(&browser, id).await;
    let row = |seq: u64| format!("#event-list tr[data-seq=\"{seq}\"]");
    browser.wait_for("the goals", WAIT, &format!("document.querySelector('{}')", row(3))).await;

    let refused = "Not allowed right now: a kickoff event cannot be corrected";
    click_and_expect(
        &browser,
        &format!("{} .void", row(1)),
        "corrections-feedback",
        "error",
        refused,
    )
    .await;

    browser.type_into("#correction-reason", "offside (VAR)").await;
    let void = format!("{} .void", row(2));
    click_and_expect(&browser, &void, "corrections-feedback", "ok", "Stored void as event #4")
        .await;
    let events = history(&app, id).await;
    assert_eq!(
        (&events[1]["voided_by"], &events[3]["reason"]),
        (&json!(4), &json!("offside (VAR)"))
    );
    assert_eq!(app.snapshot(id).await["score"], json!({"home": 0, "away": 1}));
    browser
        .wait_for("the struck row", WAIT, &format!("document.querySelector('{} del')", row(2)))
        .await;

    assert_eq!(
        browser.js("return document.getElementById('correction-reason').value", vec![]).await,
        ""
    );
    let shut = browser.js(&format!("return {CLOSED}"), vec![]).await;
    assert_eq!(shut, json!(true), "the amend form shows only once an event is chosen");
    browser.click(&format!("{} .amend", row(3))).await;
    let filled = browser
        .wait_for(
            "the amend form",
            WAIT,
            "getComputedStyle(document.getElementById('amend-form')).display !== 'none' && \
             ['team', 'minute', 'player'].map((f) => document.getElementById(`amend-${f}`).value)",
        )
        .await;
    assert_eq!(filled, json!(["away", "20", "Kees"]));
    browser.type_into("#amend-player", "Godts").await;
    click_and_expect(
        &browser,
        "#amend-save",
        "corrections-feedback",
        "ok",
        "Stored amend as event #5",
    )
    .await;
    let events = history(&app, id).await;
    assert_eq!(events[2]["amended_by"], 5, "{events}");
    assert_eq!(
        events[4]["event"],
        json!({"kind": "goal", "team": "away", "minute": 20, "player": "Godts", "method": "regular"}),
        "{events}"
    );
    browser.wait_for("the amend form to close", WAIT, CLOSED).await;
    let text = format!("document.querySelector('{}').innerText", row(3));
    browser
        .wait_for("the amended row", WAIT, &format!("{text}.includes('Goal, PSV (Godts)')"))
        .await;
    browser.js("document.getElementById('h-corrections').scrollIntoView()", vec![]).await;
    browser.screenshot("admin-corrections").await;
    browser.close().await;
}
