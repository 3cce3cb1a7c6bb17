//! nginx serving the snapshot bytes as a static file: the reference the snapshot endpoint is
//! compared with. A process this tool starts, with its own config in a temp folder, on a free
//! loopback port, and stops at the end.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context};
use tokio::process::Command;

use crate::common::process::{free_port, tail, ServerProcess};

/// Where Debian's nginx packages put the binary.
pub const DEFAULT_BINARY: &str = "/usr/sbin/nginx";
/// Time nginx gets to accept connections after start.
const START_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Nginx {
    process: ServerProcess,
    pub pid: u32,
    pub addr: SocketAddr,
}

impl Nginx {
    /// Starts `binary` with `workers` worker processes, answering every GET with `body` (as
    /// `application/json`, with nginx's own ETag and `Last-Modified`).
    pub async fn start(binary: &Path, body: &[u8], workers: usize) -> anyhow::Result<Self> {
        let dir = tempfile::Builder::new().prefix("scorecast-bench-nginx-").tempdir()?;
        let root = dir.path().join("www");
        std::fs::create_dir_all(&root)?;
        std::fs::write(root.join("snapshot.json"), body)?;
        let port = free_port()?;
        let conf_path = dir.path().join("nginx.conf");
        std::fs::write(&conf_path, config(dir.path(), &root, port, workers))?;
        let error_log = dir.path().join("error.log");
        let mut command = Command::new(binary);
        command.arg("-p").arg(dir.path()).arg("-c").arg(&conf_path).arg("-e").arg(&error_log);
        // SIGQUIT: nginx's graceful stop.
        let mut process =
            ServerProcess::spawn_logged(&mut command, dir, "stderr.log", libc::SIGQUIT)
                .with_context(|| format!("starting {}", binary.display()))?;
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let listening = process
            .wait_until(START_TIMEOUT, &format!("nginx did not listen on {addr}"), async || {
                tokio::net::TcpStream::connect(addr).await.is_ok()
            })
            .await;
        if let Err(e) = listening {
            let log = tail(&error_log, 20);
            process.stop().await?;
            bail!("{e:#}: {log}");
        }
        Ok(Self { pid: process.pid, process, addr })
    }

    /// Graceful stop (SIGQUIT), then kill if it takes too long.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.process.stop().await
    }
}

/// A minimal static-file server: every path answers the snapshot file, no access log, keep-alive
/// connections never closed by request count (nginx's default closes them after 1000 requests).
fn config(prefix: &Path, root: &Path, port: u16, workers: usize) -> String {
    format!(
        "daemon off;\nmaster_process on;\nworker_processes {workers};\nuser root;\n\
         pid {prefix}/nginx.pid;\nerror_log {prefix}/error.log warn;\n\
         events {{ worker_connections 4096; }}\n\
         http {{\n  access_log off;\n  keepalive_requests 100000000;\n  keepalive_timeout 60s;\n\
           default_type application/json;\n  client_body_temp_path {prefix}/tmp;\n\
           server {{\n    listen 127.0.0.1:{port} backlog=4096;\n    root {root};\n\
             location / {{ try_files /snapshot.json =404; }}\n  }}\n}}\n",
        prefix = prefix.display(),
        root = root.display(),
    )
}
