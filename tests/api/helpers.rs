//! Helpers only the API tests need: problem bodies and one test per backend. The test app itself
//! is shared with the browser tests, in `tests/common`.

use reqwest::Response;
use serde_json::Value;

/// Asserts a problem+json answer with `status`, returning its body.
pub async fn assert_problem(response: Response, status: u16) -> Value {
    assert_eq!(response.status(), status, "unexpected status");
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], status);
    assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()), "{body}");
    body
}

/// Posts `body` as an event of match `id`: the status and the JSON answer (`null` when none).
pub async fn post_event(app: &crate::common::TestApp, id: i64, body: Value) -> (u16, Value) {
    let response = app.post_event(id, &body).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Runs an async test body once per backend: `backend_tests!(name, ...)` makes `name::sqlite` and
/// `name::postgres` out of `async fn name(backend: Backend)`.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::common::Backend::Sqlite).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::common::Backend::Postgres).await;
                }
            }
        )*
    };
}
