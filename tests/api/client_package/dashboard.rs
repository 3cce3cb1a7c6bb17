//! The bundled dashboard running under a node binary: its JSON lines, read with a deadline.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc;

/// Lines the reader may hold before the test takes them: far more than the test's events.
const LINE_BUFFER: usize = 1024;

/// One dashboard process; killed when dropped, so a failing test leaves none behind.
pub struct Dashboard {
    pub name: String,
    child: Child,
    lines: mpsc::Receiver<Value>,
    /// Every line read so far.
    pub seen: Vec<Value>,
}

impl Dashboard {
    /// Starts `node bundle base match_id args...`; its stderr (what happens to its connection)
    /// goes to the test's.
    pub fn start(
        name: &str,
        node: &Path,
        bundle: &Path,
        base: &str,
        id: i64,
        args: &[&str],
    ) -> Dashboard {
        let mut child = Command::new(node)
            .arg(bundle)
            .args([base, &id.to_string()])
            .args(args)
            .current_dir(bundle.parent().unwrap())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("{name}: {} {e}", node.display()));
        let stdout = child.stdout.take().unwrap();
        let (send, lines) = mpsc::channel(LINE_BUFFER);
        let label = name.to_owned();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("{label} printed {line:?}, not JSON: {e}"));
                if send.blocking_send(value).is_err() {
                    return;
                }
            }
        });
        Dashboard { name: name.to_owned(), child, lines, seen: Vec::new() }
    }

    /// Reads lines until one with `seq` at least `seq` has been seen, within `timeout`.
    pub async fn until_seq(&mut self, seq: i64, timeout: Duration) {
        let deadline = tokio::time::Instant::now() + timeout;
        while !self.seen.iter().any(|line| line["seq"].as_i64() >= Some(seq)) {
            match tokio::time::timeout_at(deadline, self.lines.recv()).await {
                Ok(Some(line)) => self.seen.push(line),
                Ok(None) => panic!("{} exited; it printed {:#?}", self.name, self.seen),
                Err(_) => panic!(
                    "{} did not see seq {seq} within {timeout:?}: {:#?}",
                    self.name, self.seen
                ),
            }
        }
    }

    /// Stops the process, which must still be running, and takes what it printed last.
    pub async fn stop(mut self) -> Vec<Value> {
        let exited = self.child.try_wait().expect("the dashboard's status");
        assert_eq!(exited, None, "{} ended by itself; it printed {:#?}", self.name, self.seen);
        let _ = self.child.kill();
        let _ = self.child.wait();
        while let Ok(Some(line)) =
            tokio::time::timeout(Duration::from_secs(5), self.lines.recv()).await
        {
            self.seen.push(line);
        }
        std::mem::take(&mut self.seen)
    }
}

impl Drop for Dashboard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
