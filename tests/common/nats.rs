//! A real `nats-server` for tests, on a free loopback port, stopped when dropped. It can be
//! killed and started again on the same port, as an outage.
//!
//! Without `nats-server` installed, cluster tests are skipped, unless `SCORECAST_REQUIRE_NATS=1`,
//! which CI sets so that a missing server fails the run.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::common::postgres::{free_port, spawn_server};

/// How long nats-server may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(10);

pub struct NatsServer {
    pub port: u16,
    /// Extra arguments, such as `--user` and `--pass`.
    args: Vec<String>,
    process: Option<Child>,
}

impl NatsServer {
    /// Starts a server; `None` when nats-server is not installed (and not required).
    pub fn start() -> Option<Self> {
        Self::start_with(&[])
    }

    /// Like `start`, with extra arguments to nats-server.
    pub fn start_with(args: &[&str]) -> Option<Self> {
        let installed = Command::new("nats-server").arg("--version").output().is_ok();
        if !installed {
            assert!(
                std::env::var("SCORECAST_REQUIRE_NATS").is_err(),
                "SCORECAST_REQUIRE_NATS is set but nats-server is not installed"
            );
            eprintln!("no nats-server installed: cluster tests are skipped");
            return None;
        }
        let args = args.iter().map(|a| a.to_string()).collect();
        let mut server = Self { port: free_port(), args, process: None };
        server.run();
        Some(server)
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// (Re)starts the server on its port.
    pub fn run(&mut self) {
        let mut command = Command::new("nats-server");
        command
            .args(["-a", "127.0.0.1", "-p", &self.port.to_string()])
            .args(&self.args)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        self.process = Some(spawn_server(command, libc::SIGKILL, self.port, START_TIMEOUT));
    }

    /// Kills the server (SIGKILL): every client loses its connection at once.
    pub fn kill(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = process.kill();
            let _ = process.wait();
        }
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.kill();
    }
}
