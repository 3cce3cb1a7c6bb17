//! nginx serving the snapshot bytes as a static file: the reference the snapshot endpoint is
//! compared with. A process this tool starts, with its own config in a temp folder, on a free
//! loopback port, and stops at the end.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{bail, Context};
use tokio::process::{Child, Command};

/// Where Debian's nginx packages put the binary.
pub const DEFAULT_BINARY: &str = "/usr/sbin/nginx";
/// Time nginx gets to accept connections after start, and to exit after SIGQUIT.
const START_TIMEOUT: Duration = Duration::from_secs(10);
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Nginx {
    child: Child,
    pub pid: u32,
    pub addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Nginx {
    /// Starts `binary` with `workers` worker processes, answering every GET with `body` (as
    /// `application/json`, with nginx's own ETag and `Last-Modified`).
    pub async fn start(binary: &Path, body: &[u8], workers: usize) -> anyhow::Result<Self> {
        let dir = tempfile::Builder::new().prefix("scorecast-bench-nginx-").tempdir()?;
        let root = dir.path().join("www");
        std::fs::create_dir_all(&root)?;
        std::fs::write(root.join("snapshot.json"), body)?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let conf = config(dir.path(), &root, port, workers);
        let conf_path = dir.path().join("nginx.conf");
        std::fs::write(&conf_path, conf)?;
        let log = std::fs::File::create(dir.path().join("stderr.log"))?;
        let child = Command::new(binary)
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&conf_path)
            .arg("-e")
            .arg(dir.path().join("error.log"))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let pid = child.id().context("nginx exited at once")?;
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let mut nginx = Self { child, pid, addr, _dir: dir };
        let deadline = tokio::time::Instant::now() + START_TIMEOUT;
        while tokio::net::TcpStream::connect(addr).await.is_err() {
            if let Some(status) = nginx.child.try_wait()? {
                let log = std::fs::read_to_string(nginx._dir.path().join("error.log"))
                    .unwrap_or_default();
                bail!("nginx exited during start-up ({status}): {log}");
            }
            if tokio::time::Instant::now() > deadline {
                bail!("nginx did not listen on {addr} within {START_TIMEOUT:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(nginx)
    }

    /// Graceful stop (SIGQUIT), then kill if it takes too long.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        // SAFETY: kill(2) on the pid of our own child, not reaped yet.
        unsafe {
            libc::kill(self.pid as libc::pid_t, libc::SIGQUIT);
        }
        if tokio::time::timeout(STOP_TIMEOUT, self.child.wait()).await.is_err() {
            tracing::warn!(pid = self.pid, "nginx did not stop in time; killing it");
            self.child.kill().await?;
        }
        Ok(())
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
