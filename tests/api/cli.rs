//! The binary's command line, as an operator sees it.

use std::process::Command;

/// `scorecast <args>` with secrets in the environment; returns what it printed.
fn help(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_scorecast"))
        .args(args)
        .env("DATABASE_URL", "postgres://scorecast:pw-in-the-url@db.example:5432/scorecast")
        .env("SCORECAST_ADMIN_TOKENS", "token-one-secret,token-two-secret")
        .output()
        .expect("run scorecast");
    assert!(output.status.success(), "{output:?}");
    // Help is wrapped to the terminal's width: one space between words, whatever the width.
    String::from_utf8(output.stdout).unwrap().split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn help_names_secret_variables_without_printing_their_values() {
    for args in [&["--help"][..], &["-h"], &["healthcheck", "--help"]] {
        let text = help(args);
        for secret in ["pw-in-the-url", "token-one-secret", "token-two-secret", "db.example"] {
            assert!(
                !text.contains(secret),
                "`scorecast {}` prints {secret:?}:\n{text}",
                args.join(" ")
            );
        }
        if args[0] != "healthcheck" {
            assert!(text.contains("[env: DATABASE_URL]"), "{text}");
            assert!(text.contains("[env: SCORECAST_ADMIN_TOKENS]"), "{text}");
        }
    }
}
