//! Headless Chromium through chromedriver, both started here with a fresh profile and kept off the
//! network, and the few WebDriver steps the tests use.

use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// How often a condition in the page is checked while waiting for it.
const POLL: Duration = Duration::from_millis(20);

/// One test at a time drives a browser: two Chromiums on two cores would measure each other.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub struct Browser {
    pub client: Client,
    driver: Child,
    _serial: tokio::sync::MutexGuard<'static, ()>,
    _profile: tempfile::TempDir,
}

/// Starts chromedriver and a headless Chromium; `None` (the test is skipped) when they are not
/// installed, unless `SCORECAST_REQUIRE_BROWSER=1`.
pub async fn open() -> Option<Browser> {
    open_with(&[]).await
}

/// Like `open`, with extra Chromium switches (for this test-only profile).
pub async fn open_with(extra_args: &[&str]) -> Option<Browser> {
    open_configured(extra_args, json!({})).await
}

/// Like `open`, with the notification permission granted to every site (a profile preference
/// chromedriver writes before Chromium starts): `Notification.permission` is "granted".
pub async fn open_granting_notifications() -> Option<Browser> {
    // 1 is "allow" among Chromium's content settings (2 is "block", 3 "ask").
    open_configured(&[], json!({ "profile.default_content_setting_values.notifications": 1 })).await
}

async fn open_configured(extra_args: &[&str], prefs: Value) -> Option<Browser> {
    let chromium = std::env::var("SCORECAST_CHROMIUM").unwrap_or_else(|_| CHROMIUM.into());
    let chromedriver =
        std::env::var("SCORECAST_CHROMEDRIVER").unwrap_or_else(|_| CHROMEDRIVER.into());
    let missing: Vec<&str> = [chromium.as_str(), chromedriver.as_str()]
        .into_iter()
        .filter(|p| !Path::new(p).exists())
        .collect();
    if !missing.is_empty() {
        let message = format!(
            "browser tests need {} (apt-get install chromium chromium-driver)",
            missing.join(" and ")
        );
        if std::env::var("SCORECAST_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
            panic!("{message}; SCORECAST_REQUIRE_BROWSER=1 forbids skipping");
        }
        eprintln!("skipped: {message}");
        return None;
    }
    let serial = SERIAL.lock().await;
    let port = free_port();
    let driver = Command::new(&chromedriver)
        .arg(format!("--port={port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Its own process group, so that dropping the Browser ends chromedriver and Chromium.
        .process_group(0)
        .spawn()
        .expect("start chromedriver");
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not listen on port {port}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let profile = tempfile::tempdir().expect("profile dir");
    let mut args: Vec<String> = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-background-timer-throttling",
        "--disable-renderer-backgrounding",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
    ]
    .into_iter()
    .chain(extra_args.iter().copied())
    .map(str::to_owned)
    .collect();
    args.push(format!("--user-data-dir={}", profile.path().display()));
    let mut capabilities = serde_json::Map::new();
    let mut options = json!({ "binary": chromium, "args": args });
    if prefs.as_object().is_some_and(|p| !p.is_empty()) {
        options["prefs"] = prefs;
    }
    capabilities.insert("goog:chromeOptions".into(), options);
    let mut builder = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
    builder.capabilities(capabilities);
    let client = builder
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("start a Chromium session");
    Some(Browser { client, driver, _serial: serial, _profile: profile })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Browser {
    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Waits until `expression` is truthy in the page and returns its value; on timeout, fails
    /// with `what` and what the page shows.
    pub async fn wait_for(&self, what: &str, timeout: Duration, expression: &str) -> Value {
        let script = format!("return ({expression});");
        let deadline = Instant::now() + timeout;
        loop {
            let value = self.js(&script, vec![]).await;
            if !matches!(value, Value::Null | Value::Bool(false))
                && value != json!("")
                && value != json!(0)
            {
                return value;
            }
            if Instant::now() > deadline {
                let page = self.js("return document.body.innerText", vec![]).await;
                let conn = self
                    .js("const c = document.getElementById('conn'); return c && c.dataset", vec![])
                    .await;
                panic!("waited {timeout:?} for {what}; connection {conn}; the page shows:\n{page}");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until the connection indicator says `state` (`live`, `reconnecting`, `polling`) over
    /// `transport` (`ws`, `sse`, `poll`), when one is given.
    pub async fn wait_for_connection(
        &self,
        state: &str,
        transport: Option<&str>,
        timeout: Duration,
    ) {
        let over =
            transport.map_or(String::new(), |t| format!(" && conn.dataset.transport === '{t}'"));
        let condition = format!(
            "(() => {{ const conn = document.getElementById('conn'); \
             return conn.dataset.state === '{state}'{over}; }})()"
        );
        self.wait_for(&format!("the connection to be {state}"), timeout, &condition).await;
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let field =
            self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    pub async fn click(&self, css: &str) {
        let button =
            self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
        button.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Saves a screenshot of the window as `target/screenshots/{name}.png`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("screenshot");
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap().join("screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        eprintln!("screenshot: {}", path.display());
        path
    }

    /// Ends the session (Chromium exits) and chromedriver.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // The whole group: chromedriver and the Chromium it started, even after a failed test.
        let group = self.driver.id() as i32;
        unsafe {
            libc::kill(-group, libc::SIGKILL);
        }
        let _ = self.driver.wait();
    }
}
