//! `scorecast healthcheck`, the probe the Docker image and compose file use, run as the binary.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output};

use crate::common::{spawn_app_with, Backend};

/// Runs `scorecast healthcheck` with `args`, with no scorecast settings from this environment.
fn healthcheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scorecast"))
        .arg("healthcheck")
        .args(args)
        .env_remove("SCORECAST_LISTEN")
        .output()
        .expect("run scorecast healthcheck")
}

fn one_line(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes).into_owned();
    assert_eq!(text.lines().count(), 1, "expected one line, got {text:?}");
    text.trim_end().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthcheck_exits_0_for_a_ready_server_listening_on_every_interface() {
    let app =
        spawn_app_with(Backend::Sqlite, |s| s.listen = "0.0.0.0:0".parse().unwrap()).await.unwrap();
    let listen = format!("0.0.0.0:{}", app.port);
    let output =
        tokio::task::spawn_blocking(move || healthcheck(&["--listen", &listen])).await.unwrap();
    assert!(output.status.success(), "{output:?}");
    let line = one_line(&output.stdout);
    assert_eq!(line, format!("http://127.0.0.1:{}/readyz is ready", app.port));
}

#[test]
fn healthcheck_exits_1_with_a_reason_when_nothing_listens() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let output = healthcheck(&["--listen", &format!("127.0.0.1:{port}")]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let line = one_line(&output.stderr);
    assert!(line.starts_with(&format!("not ready: cannot reach http://127.0.0.1:{port}/readyz")));
}

#[test]
fn healthcheck_exits_1_with_the_problem_detail_when_readyz_is_not_200() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut socket, _) = listener.accept().unwrap();
        let mut request = [0; 1024];
        let n = socket.read(&mut request).unwrap();
        let body =
            r#"{"status":503,"detail":"not ready: the database is unreachable or not migrated"}"#;
        write!(
            socket,
            "HTTP/1.1 503 Service Unavailable\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        String::from_utf8_lossy(&request[..n]).into_owned()
    });
    let output = healthcheck(&["--listen", &format!("127.0.0.1:{port}")]);
    let request = server.join().unwrap();
    assert!(request.starts_with("GET /readyz HTTP/1.1\r\n"), "{request:?}");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert_eq!(
        one_line(&output.stderr),
        format!(
            "not ready: http://127.0.0.1:{port}/readyz answered 503 Service Unavailable: \
             not ready: the database is unreachable or not migrated"
        )
    );
}

#[test]
fn healthcheck_gives_up_after_its_timeout_on_a_server_that_does_not_answer() {
    // Accepted by the kernel (the backlog), never answered.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let started = std::time::Instant::now();
    let output = healthcheck(&["--listen", &format!("127.0.0.1:{port}"), "--timeout-ms", "300"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert_eq!(
        one_line(&output.stderr),
        format!("not ready: no answer from http://127.0.0.1:{port}/readyz within 300ms")
    );
}

#[test]
fn healthcheck_with_unreadable_settings_exits_1_not_the_reserved_2() {
    let output = healthcheck(&["--listen", "not-an-address"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(one_line(&output.stderr).starts_with("not ready: error: invalid value"), "{output:?}");
}
