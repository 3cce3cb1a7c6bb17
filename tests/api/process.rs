//! The scorecast binary as an operator runs it: a child process with its own signals.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::Client;

use crate::helpers::TOKEN;

/// The scorecast binary, as an operator runs it.
pub struct Server {
    child: Child,
    pub base: String,
    pub port: u16,
}

impl Server {
    pub async fn start(database_url: &str) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(env!("CARGO_BIN_EXE_scorecast"))
            .args(["--listen", &format!("127.0.0.1:{port}"), "--database-url", database_url])
            .args(["--admin-token", TOKEN, "--drain-secs", "5"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start scorecast");
        let server = Self { child, base: format!("http://127.0.0.1:{port}"), port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Client::new().get(format!("{}/healthz", server.base)).send().await.is_err() {
            assert!(Instant::now() < deadline, "scorecast did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server
    }

    pub fn signal(&self, signal: i32) {
        // SAFETY: sending a signal to our own child process.
        unsafe { libc::kill(self.child.id() as i32, signal) };
    }

    pub fn wait(&mut self) -> std::process::ExitStatus {
        self.child.wait().expect("wait for scorecast")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
