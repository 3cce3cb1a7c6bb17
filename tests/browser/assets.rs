//! Caching of the pages and their files (plain HTTP, no browser needed).

use reqwest::header::{CACHE_CONTROL, ETAG, IF_NONE_MATCH};

use crate::common::{spawn_app, Backend};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_are_cached_for_a_year_only_under_their_current_version() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let client = reqwest::Client::new();

    let page = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()[CACHE_CONTROL], "no-cache");
    let html = page.text().await.unwrap();
    assert!(html.len() < 4096, "the scoreboard page is small: {} bytes", html.len());
    let start = html.find("/static/board.js?v=").expect("a versioned script");
    let versioned = &html[start..start + html[start..].find('"').unwrap()];

    let file = client.get(app.url(versioned)).send().await.unwrap();
    assert_eq!(file.status(), 200);
    assert_eq!(file.headers()[CACHE_CONTROL], "public, max-age=31536000, immutable");
    assert!(file.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"));
    let etag = file.headers()[ETAG].clone();
    let body = file.text().await.unwrap();
    assert!(body.contains("/static/scorecast.js?v="), "imports name exact versions");

    for stale in ["/static/board.js", "/static/board.js?v=000000000000"] {
        let file = client.get(app.url(stale)).send().await.unwrap();
        assert_eq!(file.headers()[CACHE_CONTROL], "no-cache", "{stale}");
    }
    let unchanged =
        client.get(app.url("/static/board.js")).header(IF_NONE_MATCH, etag).send().await.unwrap();
    assert_eq!(unchanged.status(), 304);

    for (path, status) in
        [("/admin", 200), ("/matches/7", 200), ("/matches/x", 404), ("/static/nope.js", 404)]
    {
        let response = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), status, "{path}");
    }
}
