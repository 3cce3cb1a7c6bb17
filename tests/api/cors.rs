//! CORS on the public read API and the polling endpoint, from the allowed-origin list.

use reqwest::Method;

use crate::common::{spawn_app, spawn_app_with, Backend, TestApp};

const DASHBOARD: &str = "https://scores.example";

async fn get_from(app: &TestApp, path: &str, origin: &str) -> reqwest::Response {
    app.client.get(app.url(path)).header("Origin", origin).send().await.unwrap()
}

async fn preflight(app: &TestApp, path: &str, method: &str, headers: &str) -> reqwest::Response {
    app.client
        .request(Method::OPTIONS, app.url(path))
        .header("Origin", DASHBOARD)
        .header("Access-Control-Request-Method", method)
        .header("Access-Control-Request-Headers", headers)
        .send()
        .await
        .unwrap()
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn a_dashboard_on_another_origin_may_poll_with_its_etag_when_every_origin_is_allowed() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let id = app.live_match().await;
    let path = format!("/api/v1/matches/{id}");
    let answer = get_from(&app, &path, DASHBOARD).await;
    assert_eq!(answer.status(), 200);
    assert_eq!(header(&answer, "access-control-allow-origin"), Some("*"));
    let exposed = header(&answer, "access-control-expose-headers").unwrap().to_lowercase();
    assert!(exposed.contains("etag"), "the page can read the ETag to poll with it: {exposed}");
    let check = preflight(&app, &path, "GET", "if-none-match").await;
    assert!(check.status().is_success(), "{}", check.status());
    assert!(header(&check, "access-control-allow-headers").unwrap().contains("if-none-match"));
    for list in ["/api/v1/matches", &format!("/api/v1/matches/{id}/events"), "/healthz"] {
        let answer = get_from(&app, list, DASHBOARD).await;
        assert_eq!(header(&answer, "access-control-allow-origin"), Some("*"), "{list}");
    }
}

#[tokio::test]
async fn another_origin_may_not_write_even_when_it_may_read() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let check = preflight(&app, "/api/v1/matches", "POST", "content-type,authorization").await;
    assert_eq!(header(&check, "access-control-allow-origin"), None, "no write across origins");
}

#[tokio::test]
async fn only_listed_origins_get_cors_headers_and_others_still_get_their_answer() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.ws_allowed_origins = vec![DASHBOARD.into()])
        .await
        .unwrap();
    let id = app.live_match().await;
    let path = format!("/api/v1/matches/{id}");
    let listed = get_from(&app, &path, DASHBOARD).await;
    assert_eq!(header(&listed, "access-control-allow-origin"), Some(DASHBOARD));
    let other = get_from(&app, &path, "https://elsewhere.example").await;
    assert_eq!(other.status(), 200, "not a refusal: the browser keeps it from the page");
    assert_eq!(header(&other, "access-control-allow-origin"), None);
}

#[tokio::test]
async fn an_allowed_page_elsewhere_may_read_the_event_stream() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.ws_allowed_origins = vec![DASHBOARD.into()])
        .await
        .unwrap();
    let id = app.live_match().await;
    let stream = get_from(&app, &format!("/sse?matches={id}"), DASHBOARD).await;
    assert_eq!(stream.status(), 200);
    assert_eq!(header(&stream, "access-control-allow-origin"), Some(DASHBOARD));
    let refused = get_from(&app, &format!("/sse?matches={id}"), "https://elsewhere.example").await;
    assert_eq!(refused.status(), 403, "the stream itself still refuses other origins");
}
