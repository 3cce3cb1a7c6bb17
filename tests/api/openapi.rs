//! The OpenAPI document against the routes actually mounted: every documented operation is served
//! and answers with a documented status; every mounted route is in the document; and a standard
//! validator accepts it (`openapi-spec-validator`, required in CI by `SCORECAST_REQUIRE_OPENAPI_VALIDATOR=1`).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{spawn_app, Backend, TestApp, TOKEN};

/// Each documented operation as `METHOD path`.
fn operations(doc: &Value) -> BTreeSet<String> {
    let paths = doc["paths"].as_object().expect("paths");
    paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object().unwrap().keys().map(move |m| format!("{} {path}", m.to_uppercase()))
        })
        .collect()
}

async fn document(app: &TestApp) -> Value {
    let response = app.get("/api/v1/openapi.json").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    response.json().await.unwrap()
}

/// What a probe of `method path` got back, and why it shows the route is not mounted, if it does.
async fn probe(app: &TestApp, method: &Method, path: &str, admin: bool) -> (u16, Option<String>) {
    let mut request = app.client.request(method.clone(), app.url(path));
    if admin {
        request = request.bearer_auth(TOKEN).json(&json!({}));
    }
    let response = request.send().await.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    let status = response.status().as_u16();
    let is_problem = response
        .headers()
        .get("content-type")
        .is_some_and(|t| t.to_str().unwrap().starts_with("application/problem+json"));
    // Never read a body we do not need: `/sse` streams for as long as we let it. A HEAD answer
    // has none, and no HEAD operation documents a 404.
    let detail = if !is_problem {
        String::new()
    } else if method == Method::HEAD {
        "no route for HEAD (no body to tell)".into()
    } else {
        response.json::<Value>().await.unwrap()["detail"].as_str().unwrap().to_owned()
    };
    let unmounted = (status == 404 && detail.starts_with("no route for")) || status == 405;
    (status, unmounted.then_some(format!("{status} {detail}")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_operation_is_mounted_and_answers_a_documented_status() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let id = app.live_match().await;
    let doc = document(&app).await;
    assert_eq!(doc["openapi"], "3.1.0");

    let mut failures = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let concrete = path.replace("{id}", &id.to_string()).replace("{name}", "scorecast.js");
        for (method, operation) in item.as_object().unwrap() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let documented: BTreeSet<&str> =
                operation["responses"].as_object().unwrap().keys().map(String::as_str).collect();
            let admin = operation.get("security").is_some();
            // Without a token, and for admin operations also with one (and a body missing every
            // field): both answers must be documented.
            let tries = if admin { vec![false, true] } else { vec![false] };
            for with_token in tries {
                let (status, unmounted) = probe(&app, &method, &concrete, with_token).await;
                if let Some(detail) = unmounted {
                    failures
                        .push(format!("{method} {path} is documented but not mounted: {detail}"));
                } else if !documented.contains(status.to_string().as_str()) {
                    failures.push(format!(
                        "{method} {path} answered {status} (token: {with_token}), documented: {documented:?}"
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // The polling endpoint documents its conditional requests.
    let poll = &doc["paths"]["/api/v1/matches/{id}"]["get"];
    let params: Vec<&str> = poll["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(params.contains(&"If-None-Match"), "{params:?}");
    assert!(poll["responses"]["200"]["headers"]["ETag"].is_object(), "{poll}");
    assert!(poll["responses"]["304"].is_object(), "{poll}");

    // The probe can tell an unmounted route: these are not mounted.
    assert!(probe(&app, &Method::GET, "/api/v1/nothing", false).await.1.is_some());
    assert!(probe(&app, &Method::DELETE, "/api/v1/matches", false).await.1.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_mounted_route_is_documented() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let doc = document(&app).await;
    // The route table is what `routes::configure` mounts ...
    let mounted: BTreeSet<String> = scorecast::routes::table()
        .iter()
        .flat_map(|r| &r.endpoints)
        .flat_map(|e| e.methods.iter().map(move |m| format!("{} {}", method_name(m), e.path)))
        .collect();
    assert_eq!(operations(&doc), mounted);
    // ... and nothing else mounts a route: every actix call that adds one is in the table's file.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stray = Vec::new();
    for file in rust_files(&src) {
        let name = file.strip_prefix(&src).unwrap().display().to_string();
        if name == "routes/table.rs" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let mounts = [".route(", "web::resource(", ".service(", "web::scope(", ".configure("]
                .iter()
                .any(|call| line.contains(call));
            let the_table = line.contains("routes::configure(");
            if mounts && !the_table {
                stray.push(format!("src/{name}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(stray.is_empty(), "routes mounted outside routes/table.rs:\n{}", stray.join("\n"));
}

fn method_name(method: &utoipa::openapi::path::HttpMethod) -> String {
    serde_json::to_value(method).unwrap().as_str().unwrap().to_uppercase()
}

fn rust_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The CI variable that makes a missing validator a failure instead of a skip.
const REQUIRE: &str = "SCORECAST_REQUIRE_OPENAPI_VALIDATOR";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standard_validator_accepts_the_document() {
    let Some(validator) = validator() else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let doc = document(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let output = Command::new(&validator).arg(&file).output().expect("run the validator");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "openapi-spec-validator refused the document:\n{said}");
    assert!(said.contains("OK"), "{said}");
}

/// `openapi-spec-validator` on PATH (or `$SCORECAST_OPENAPI_VALIDATOR`); `None` (skipped) when it
/// is not installed, unless CI requires it.
fn validator() -> Option<String> {
    let name = std::env::var("SCORECAST_OPENAPI_VALIDATOR")
        .unwrap_or_else(|_| "openapi-spec-validator".into());
    let found = Command::new(&name).arg("--help").output().is_ok_and(|o| o.status.success());
    if found {
        return Some(name);
    }
    let message = format!("{name} is not installed (pip install openapi-spec-validator)");
    if std::env::var(REQUIRE).is_ok_and(|v| v == "1") {
        panic!("{message}; {REQUIRE}=1 forbids skipping");
    }
    eprintln!("skipped: {message}");
    None
}

#[test]
fn the_route_table_of_docs_api_md_names_every_documented_path() {
    let doc = serde_json::to_value(scorecast::openapi::document()).unwrap();
    let docs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/api.md")).unwrap();
    let table = &docs[..docs.find("## Conventions").expect("docs/api.md has Conventions")];
    let missing: Vec<&String> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|path| !table.contains(&format!("`{path}`")))
        .collect();
    assert!(missing.is_empty(), "docs/api.md's route table lacks {missing:?}");
}
