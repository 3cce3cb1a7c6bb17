//! The API reference page renders the served OpenAPI document, with no file from elsewhere.

use std::time::Duration;

use serde_json::Value;

use crate::common::{spawn_app, Backend};
use crate::driver;

/// Every resource the page loaded, as URLs.
const REQUESTS: &str = "return performance.getEntriesByType('resource').map((e) => e.name)";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_page_lists_every_documented_route_from_this_server_alone() {
    let Some(browser) = driver::open().await else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    let mut expected: Vec<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object().unwrap().keys().map(move |m| format!("{m} {path}"))
        })
        .collect();
    expected.sort();

    browser.goto(&app.url("/api/docs")).await;
    let wait = Duration::from_secs(15);
    browser
        .wait_for("the route list", wait, "document.querySelectorAll('#routes li').length > 0")
        .await;
    let listed = browser
        .js(
            "return [...document.querySelectorAll('#routes li')]
               .map((li) => `${li.dataset.method} ${li.dataset.path}`).sort()",
            vec![],
        )
        .await;
    let listed: Vec<String> = serde_json::from_value(listed).unwrap();
    assert_eq!(listed, expected);

    // Each route leads to its operation, with its parameters and answers.
    let snapshot = browser
        .js(
            "const link = [...document.querySelectorAll('#routes li')]
               .find((li) => li.dataset.method === 'get' && li.dataset.path === '/api/v1/matches/{id}')
               .querySelector('a');
             return document.querySelector(link.getAttribute('href')).innerText",
            vec![],
        )
        .await;
    let snapshot = snapshot.as_str().unwrap();
    for text in ["If-None-Match", "ETag", "304", "MatchSnapshot"] {
        assert!(snapshot.contains(text), "the polling endpoint's entry lacks {text}:\n{snapshot}");
    }
    let schemas = browser.js("return document.getElementById('schemas').innerText", vec![]).await;
    assert!(schemas.as_str().unwrap().contains("Problem"), "{schemas}");
    // Each event kind is a schema of its own, its `kind` shown with the one value it takes.
    assert!(schemas.as_str().unwrap().contains(r#"always "goal""#), "{schemas}");
    let error_hidden =
        browser.js("return document.getElementById('api-error').hidden", vec![]).await;
    assert_eq!(error_hidden, Value::Bool(true));

    let requests = browser.js(REQUESTS, vec![]).await;
    for url in requests.as_array().unwrap() {
        let url = url.as_str().unwrap();
        assert!(url.starts_with(&app.address), "the page loaded {url} from elsewhere");
    }
    browser.screenshot("api-docs").await;
    browser.close().await;
}
