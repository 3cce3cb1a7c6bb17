//! Throwaway Postgres clusters for tests: `initdb` + `postgres` as an unprivileged user, on a free
//! loopback port, killed when the test process (or the thread that started them) ends.
//!
//! `SCORECAST_TEST_POSTGRES_URL` names an already running server instead (an admin URL such as
//! `postgres://postgres@127.0.0.1:5432/postgres`). Without either, Postgres tests are skipped, unless
//! `SCORECAST_REQUIRE_POSTGRES=1`, which CI sets so that a missing Postgres fails the run.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use sqlx::{Connection, Executor, PgConnection};

/// How long a new cluster may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(60);

pub struct PgCluster {
    pub port: u16,
    dir: PathBuf,
    bin: PathBuf,
    server: Option<Child>,
    /// Serves TLS only (`ssl=on`, plaintext connections refused).
    tls: bool,
}

impl PgCluster {
    /// Creates and starts a cluster; `None` when no Postgres is installed.
    pub fn start() -> Option<Self> {
        let mut cluster = Self::create()?;
        cluster.run();
        Some(cluster)
    }

    /// Like `start`, serving TLS only with this PEM certificate and key: `pg_hba.conf` admits
    /// TLS connections and rejects the others.
    pub fn start_tls(cert: &Path, key: &Path) -> Option<Self> {
        let mut cluster = Self::create()?;
        let (uid, gid) = unprivileged_user();
        let data = cluster.dir.join("data");
        for (from, name) in [(cert, "server.crt"), (key, "server.key")] {
            let to = data.join(name);
            std::fs::copy(from, &to).expect("copy TLS file");
            chown(&to, uid, gid);
            std::fs::set_permissions(&to, std::os::unix::fs::PermissionsExt::from_mode(0o600))
                .expect("chmod TLS file");
        }
        std::fs::write(
            data.join("pg_hba.conf"),
            "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostnossl all all 127.0.0.1/32 reject\n",
        )
        .expect("write pg_hba.conf");
        cluster.tls = true;
        cluster.run();
        Some(cluster)
    }

    /// A new cluster folder, `initdb` done, not started.
    fn create() -> Option<Self> {
        let bin = find_bin_dir()?;
        remove_stale_dirs();
        let dir = std::env::temp_dir().join(format!(
            "scorecast-test-pg-{}-{}",
            std::process::id(),
            rand_suffix()
        ));
        std::fs::create_dir_all(&dir).expect("create cluster folder");
        let (uid, gid) = unprivileged_user();
        chown(&dir, uid, gid);
        let status = Command::new(bin.join("initdb"))
            .args(["-D", "data", "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"])
            .current_dir(&dir)
            .uid(uid)
            .gid(gid)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .status()
            .expect("run initdb");
        assert!(status.success(), "initdb failed");
        Some(Self { port: free_port(), dir, bin, server: None, tls: false })
    }

    /// (Re)starts the server process on the same port and data.
    pub fn run(&mut self) {
        let (uid, gid) = unprivileged_user();
        let mut command = Command::new(self.bin.join("postgres"));
        command
            .args(["-D", "data", "-k", "."])
            .args(["-p", &self.port.to_string()])
            .args(["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=400"])
            // Tests kill scorecast, never Postgres; skipping fsync keeps cluster setup fast.
            .args(["-c", "fsync=off", "-c", "full_page_writes=off"])
            .args(if self.tls { &["-c", "ssl=on"][..] } else { &[] })
            .current_dir(&self.dir)
            .uid(uid)
            .gid(gid)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        self.server = Some(spawn_server(command, libc::SIGQUIT, self.port, START_TIMEOUT));
    }

    /// Kills the server at once, as a crash or an outage would.
    pub fn kill(&mut self) {
        if let Some(mut server) = self.server.take() {
            // SIGQUIT: immediate shutdown, children included.
            unsafe { libc::kill(server.id() as i32, libc::SIGQUIT) };
            let _ = server.wait();
        }
    }

    /// Stops the server as `pg_ctl stop -m fast` does (SIGINT to the postmaster: sessions are
    /// ended, open transactions rolled back, and the server exits cleanly), and waits for it.
    pub fn stop_fast(&mut self) {
        if let Some(mut server) = self.server.take() {
            unsafe { libc::kill(server.id() as i32, libc::SIGINT) };
            let _ = server.wait();
        }
    }

    /// Kills the postmaster and every backend with SIGKILL at once, as the OOM killer or a crash
    /// would, and waits until all of them are gone (a backend left attached to the shared memory
    /// would keep the next start from running).
    pub fn kill_hard(&mut self) {
        let Some(mut server) = self.server.take() else { return };
        let postmaster = server.id() as i32;
        let backends = children_of(postmaster);
        unsafe { libc::kill(postmaster, libc::SIGKILL) };
        for &pid in &backends {
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        let _ = server.wait();
        let deadline = Instant::now() + START_TIMEOUT;
        while backends.iter().any(|&pid| alive(pid)) {
            assert!(Instant::now() < deadline, "Postgres backends outlived SIGKILL");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The admin URL of the Postgres shared by this test process, or `None` to skip Postgres tests.
pub fn shared_admin_url() -> Option<String> {
    static URL: OnceLock<Option<String>> = OnceLock::new();
    URL.get_or_init(|| {
        if let Ok(url) = std::env::var("SCORECAST_TEST_POSTGRES_URL") {
            return Some(url);
        }
        // Started from a thread that never ends, so the cluster lives as long as this process.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let cluster = PgCluster::start();
            let _ = tx.send(cluster.as_ref().map(PgCluster::admin_url));
            let _keep = cluster;
            loop {
                std::thread::park();
            }
        });
        let url = rx.recv().expect("postgres starter thread");
        if url.is_none() {
            assert!(
                std::env::var("SCORECAST_REQUIRE_POSTGRES").is_err(),
                "SCORECAST_REQUIRE_POSTGRES is set but no Postgres is installed (initdb not found)"
            );
            eprintln!("no Postgres installed: Postgres variants of the tests are skipped");
        }
        url
    })
    .clone()
}

/// A new, empty database on the server at `admin_url`; returns its URL.
pub async fn fresh_database(admin_url: &str) -> String {
    let name = format!("scorecast_test_{}", rand_suffix());
    // A cluster that accepts TCP connections may still be starting up (57P03) for a moment.
    let deadline = Instant::now() + START_TIMEOUT;
    let mut conn = loop {
        match PgConnection::connect(admin_url).await {
            Ok(conn) => break conn,
            Err(e) if Instant::now() < deadline => {
                eprintln!("test postgres not ready yet ({e}); retrying");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("connect to test postgres: {e}"),
        }
    };
    conn.execute(format!("CREATE DATABASE {name}").as_str()).await.expect("create test database");
    let base = admin_url.rsplit_once('/').expect("admin URL has a database").0;
    format!("{base}/{name}")
}

fn find_bin_dir() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .find(|p| p.join("initdb").exists() && p.join("postgres").exists())
    });
    on_path.or_else(|| {
        let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| Some(e.ok()?.path().join("bin")))
            .filter(|p| p.join("initdb").exists())
            .collect();
        versions.sort();
        versions.pop()
    })
}

/// initdb refuses to run as root: use the `postgres` account, or `nobody`.
fn unprivileged_user() -> (u32, u32) {
    if unsafe { libc::geteuid() } != 0 {
        return unsafe { (libc::geteuid(), libc::getegid()) };
    }
    for name in [c"postgres", c"nobody"] {
        let entry = unsafe { libc::getpwnam(name.as_ptr()) };
        if !entry.is_null() {
            return unsafe { ((*entry).pw_uid, (*entry).pw_gid) };
        }
    }
    panic!("running as root and there is neither a postgres nor a nobody account");
}

fn chown(path: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::chown(path, Some(uid), Some(gid)).expect("chown cluster folder");
}

/// Starts a test server that gets `death_signal` when the spawning thread ends, and waits until
/// it accepts connections on `port`.
pub fn spawn_server(mut command: Command, death_signal: i32, port: u16, within: Duration) -> Child {
    // SAFETY: prctl is async-signal-safe; it ties the server's life to the spawning thread.
    unsafe {
        command.pre_exec(move || {
            libc::prctl(libc::PR_SET_PDEATHSIG, death_signal);
            Ok(())
        });
    }
    let program = command.get_program().to_string_lossy().into_owned();
    let child = command.spawn().unwrap_or_else(|e| panic!("start {program}: {e}"));
    let deadline = Instant::now() + within;
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{program} did not start within {within:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

/// The processes whose parent is `parent`, from /proc.
fn children_of(parent: i32) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| stat(*pid).is_some_and(|(_, ppid)| ppid == parent))
        .collect()
}

/// Running, or dead but not yet reaped (a zombie holds no shared memory).
fn alive(pid: i32) -> bool {
    stat(pid).is_some_and(|(state, _)| state != 'Z' && state != 'X')
}

/// A process's state letter and parent, from /proc/PID/stat.
fn stat(pid: i32) -> Option<(char, i32)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces: the fields follow the last ')'.
    let mut fields = text.rsplit_once(')')?.1.split_whitespace();
    let state = fields.next()?.chars().next()?;
    Some((state, fields.next()?.parse().ok()?))
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// Clusters left by earlier test processes that were killed before they could clean up.
fn remove_stale_dirs() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.strip_prefix("scorecast-test-pg-").and_then(|r| r.split('-').next())
        else {
            continue;
        };
        if !Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

pub fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{}_{}", nanos, COUNTER.fetch_add(1, Ordering::Relaxed))
}
