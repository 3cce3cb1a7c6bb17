use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use scorecast::configuration::{Command, Settings};
use scorecast::startup::Application;
use scorecast::{healthcheck, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<ExitCode> {
    let settings = match Settings::try_parse() {
        Ok(settings) => settings,
        // Container health checks reserve exit code 2, clap's code for a usage error: a probe that
        // cannot read its settings reports unhealthy (1), on one line, like any other failure.
        Err(e) if e.use_stderr() && std::env::args().any(|arg| arg == "healthcheck") => {
            let reason = e.to_string();
            eprintln!("not ready: {}", reason.lines().next().unwrap_or_default());
            return Ok(ExitCode::FAILURE);
        }
        Err(e) => e.exit(),
    };
    if let Some(Command::Healthcheck { timeout_ms }) = settings.command {
        let tls_cert = settings.tls.tls_cert.as_deref();
        return Ok(health_check(settings.listen, tls_cert, Duration::from_millis(timeout_ms)).await);
    }
    telemetry::init(settings.log_format, &settings.log_filter);
    telemetry::raise_open_file_limit();
    let listen = settings.listen;
    let app = Application::build(settings).await?;
    if let Some(token) = app.generated_admin_token() {
        announce_token(token, listen, app.port());
    }
    tracing::info!(address = %listen.ip(), port = app.port(), "scorecast is listening");
    app.run_until(stop_signal()).await?;
    Ok(ExitCode::SUCCESS)
}

/// One line either way: for `docker inspect`, which keeps the output of health checks.
async fn health_check(
    listen: std::net::SocketAddr,
    tls_cert: Option<&std::path::Path>,
    timeout: Duration,
) -> ExitCode {
    match healthcheck::probe(listen, tls_cert, timeout).await {
        Ok(ready) => {
            println!("{ready}");
            ExitCode::SUCCESS
        }
        Err(reason) => {
            eprintln!("not ready: {reason}");
            ExitCode::FAILURE
        }
    }
}

/// Shown once, on the start that generated the token: only its hash is kept.
fn announce_token(token: &str, listen: std::net::SocketAddr, port: u16) {
    let base = format!("http://{}:{port}", listen.ip());
    eprintln!(
        "\n================ scorecast admin token (shown only now) ================\n\
         {token}\n\n\
         Keep it: only its hash is stored. Try it:\n  \
         curl -X POST {base}/api/v1/matches -H 'Authorization: Bearer {token}' \\\n    \
         -H 'Content-Type: application/json' \\\n    \
         -d '{{\"home\":\"Ajax\",\"away\":\"PSV\",\"competition\":\"Eredivisie\",\"kickoff_at\":\"2026-11-21T19:00:00Z\"}}'\n\
         Lost it? Start once with --rotate-admin-token for a new one.\n\
         =========================================================================\n"
    );
    tracing::warn!("generated a new admin token (printed above)");
}

/// SIGINT or SIGTERM.
async fn stop_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(e) => {
                    tracing::error!(error = %e, "cannot listen for SIGTERM; stop with SIGINT");
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
