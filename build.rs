//! Passes the commit this build comes from to the code as `SCORECAST_COMMIT` (for the
//! `scorecast_build_info` metric): the environment variable of that name when set (the Docker
//! build, which has no .git, takes it as a build argument), else `git rev-parse --short HEAD`,
//! else `unknown`.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=SCORECAST_COMMIT");
    let commit = std::env::var("SCORECAST_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(|| git(&["rev-parse", "--short", "HEAD"]))
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=SCORECAST_COMMIT={}", commit.trim());
    // A new commit moves the branch's ref (or HEAD itself, when detached): build again then. Only
    // files that exist are named, since a missing one would rerun this script on every build.
    let mut watched = vec!["HEAD".to_owned(), "packed-refs".to_owned()];
    watched.extend(git(&["symbolic-ref", "-q", "HEAD"]));
    for name in watched {
        if let Some(path) = git(&["rev-parse", "--git-path", name.trim()]) {
            if std::path::Path::new(&path).exists() {
                println!("cargo:rerun-if-changed={path}");
            }
        }
    }
}

/// The trimmed output of a successful git command.
fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    (output.status.success() && !text.trim().is_empty()).then(|| text.trim().to_owned())
}
