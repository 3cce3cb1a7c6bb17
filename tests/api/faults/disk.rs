//! SQLite on a full disk: a 2 MiB tmpfs mounted for the test, filled to the last byte while the
//! server runs on it.
//!
//! Mounting needs root; without it the test is skipped, unless `SCORECAST_REQUIRE_TMPFS=1` (CI).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sqlx::{Connection, SqliteConnection};

use crate::common::{spawn_on, TestApp, TestDatabase};
use crate::helpers::assert_problem;
use crate::ws_client::connect;

/// Size of the disk: room for the schema and a few hundred events, filled in well under a second.
const DISK_SIZE: &str = "2m";
/// Most posts before the disk must have refused one (the WAL first reuses the space it has).
const MAX_POSTS: usize = 900;
/// Refused posts to see before freeing space, each with a key of its own.
const REFUSALS: usize = 5;

/// A tmpfs of `DISK_SIZE` on a fresh folder, unmounted and removed when dropped.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// Mounts it; `None` (with a message) when this process may not mount.
    fn mount() -> Option<Self> {
        let dir = tempfile::tempdir().expect("temp dir");
        // SAFETY: geteuid has no preconditions.
        let root = unsafe { libc::geteuid() } == 0;
        let size = format!("size={DISK_SIZE}");
        let mounted = root
            && Command::new("mount")
                .args(["-t", "tmpfs", "-o", &size, "scorecast-test-full-disk"])
                .arg(dir.path())
                .status()
                .is_ok_and(|s| s.success());
        if !mounted {
            assert!(
                std::env::var_os("SCORECAST_REQUIRE_TMPFS").is_none(),
                "a full disk needs root to mount a tmpfs (SCORECAST_REQUIRE_TMPFS is set)"
            );
            eprintln!("skipped: a full disk needs root to mount a tmpfs");
            return None;
        }
        Some(Self { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file that takes every free byte of the disk; returns its path.
    fn fill(&self) -> PathBuf {
        let path = self.path().join("filler");
        let mut file = std::fs::File::create(&path).expect("create the filler");
        let chunk = vec![0u8; 4096];
        // Bounded by the disk's size: 2 MiB in 4 KiB writes.
        for _ in 0..1024 {
            if file.write_all(&chunk).is_err() {
                return path;
            }
        }
        panic!("the disk did not fill up");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        // A file still open (a pool being closed) makes a plain unmount fail: detach it then.
        let unmounted = Command::new("umount").arg(self.path()).stderr(Stdio::null()).status();
        if !unmounted.is_ok_and(|s| s.success()) {
            let _ = Command::new("umount").arg("-l").arg(self.path()).status();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_posts_with_503_keeps_every_201_and_recovers_once_space_is_freed() {
    let Some(disk) = Tmpfs::mount() else { return };
    let url = format!("sqlite://{}/scorecast.db", disk.path().display());
    let mut app = spawn_on(TestDatabase::at(url.clone()), |_| {}).await;
    let id = app.live_match().await;
    let mut subscriber = connect(app.port, &format!("matches={id}")).await;
    assert_eq!(subscriber.next().await["s"], 1);
    let filler = disk.fill();

    let mut acked: Vec<Value> = Vec::new();
    let mut refused: Vec<String> = Vec::new();
    for n in 0..MAX_POSTS {
        let key = format!("k{n}");
        let response = post_goal(&app, id, &key).await;
        if response.status() == 201 {
            acked.push(response.json().await.unwrap());
            continue;
        }
        assert_eq!(response.headers()["retry-after"], "1");
        let problem = assert_problem(response, 503).await;
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains("disk is full"), "the problem says what failed: {detail}");
        assert!(detail.contains("retry") || detail.contains("Retry"), "and to retry: {detail}");
        refused.push(key);
        if refused.len() == REFUSALS {
            break;
        }
    }
    assert_eq!(refused.len(), REFUSALS, "the disk refused posts within {MAX_POSTS}");

    // While the disk is full: nothing acknowledged is lost, reads and subscribers are served.
    assert_intact(&url).await;
    let last = acked.last().map_or(1, |e| e["seq"].as_i64().unwrap());
    assert_eq!(app.snapshot(id).await["seq"], last, "the snapshot has every 201 and no more");
    assert_stored(&app, id, &acked).await;
    for seq in 2..=last {
        assert_eq!(subscriber.next().await["s"], seq, "the subscriber got every 201 in order");
    }

    // Space freed: the refused keys store their events now, once, without a restart.
    std::fs::remove_file(filler).expect("remove the filler");
    let deadline = Instant::now() + Duration::from_secs(10);
    for key in &refused {
        let event = loop {
            let response = post_goal(&app, id, key).await;
            if response.status() == 201 {
                let replayed = response.headers().contains_key("idempotency-replayed");
                assert!(!replayed, "{key} was refused, so nothing of it was stored");
                break response.json::<Value>().await.unwrap();
            }
            assert_problem(response, 503).await;
            assert!(Instant::now() < deadline, "posting did not work again after freeing space");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        acked.push(event);
    }
    let last = acked.last().unwrap()["seq"].as_i64().unwrap();
    assert_eq!(last as usize, acked.len() + 1, "every event after the kickoff is a 201, once");
    assert_stored(&app, id, &acked).await;
    assert_eq!(subscriber.next().await["s"], last - REFUSALS as i64 + 1);
    assert_eq!(app.get("/readyz").await.status(), 200);
    app.stop().await;
    assert_intact(&url).await;
}

async fn post_goal(app: &TestApp, id: i64, key: &str) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/matches/{id}/events")))
        .bearer_auth(crate::common::TOKEN)
        .header("Idempotency-Key", key)
        .json(&json!({"kind": "goal", "team": "home", "minute": 30, "player": key}))
        .send()
        .await
        .unwrap()
}

/// `PRAGMA integrity_check` finds nothing wrong with the database file.
async fn assert_intact(url: &str) {
    let mut conn = SqliteConnection::connect(url).await.expect("open the database");
    let verdict: String =
        sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut conn).await.unwrap();
    assert_eq!(verdict, "ok", "the database is intact");
    conn.close().await.unwrap();
}

/// Every acknowledged event is stored as it was answered, and nothing else is.
async fn assert_stored(app: &TestApp, id: i64, acked: &[Value]) {
    let history = app.get(&format!("/api/v1/matches/{id}/events?limit=1000")).await;
    let history: Value = history.json().await.unwrap();
    assert_eq!(&history["events"].as_array().unwrap()[1..], acked);
}
