//! The integrator's side: the client package packed with `npm pack`, installed into a throwaway
//! project from its tarball beside pinned tools from the npm registry, a dashboard (and what else
//! the test gives) type-checked with `tsc`, the dashboard bundled with esbuild.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

/// The registry packages the project installs, pinned so a run today and a run next year build
/// the same thing: the `ws` package (and its types) for Node without a global WebSocket, esbuild
/// as the bundler and TypeScript as the type checker.
const PINNED: &[&str] = &["ws@8.23.1", "@types/ws@8.18.2", "esbuild@0.28.2", "typescript@7.0.2"];

/// The current Node LTS, fetched from the registry as the `node` package: 26.x has been the
/// Active LTS since 2026-10-28 (the Node.js Release working group's schedule,
/// github.com/nodejs/Release). Debian's node (20.x) has no global WebSocket; 26.x has one.
const NODE_LTS: &str = "node@26.10.0";

/// An install from a cold npm cache downloads esbuild's and TypeScript's native binaries.
const INSTALL_TIMEOUT: Duration = Duration::from_secs(300);
/// Packing, type-checking and bundling a one-file dashboard take a few seconds.
const STEP_TIMEOUT: Duration = Duration::from_secs(120);

const DASHBOARD_TS: &str = include_str!("dashboard.ts");
const TSCONFIG: &str = include_str!("tsconfig.json");
const REPLAY: &str = include_str!("replay.mjs");

/// The throwaway project, with its bundled dashboard.
pub struct Project {
    /// Removed when the test is done.
    _dir: tempfile::TempDir,
    /// `dashboard.mjs`: the dashboard and the client package in one ES module (`ws` is loaded
    /// from the project's node_modules).
    pub bundle: PathBuf,
    /// The current LTS's node binary.
    pub lts_node: PathBuf,
    /// The project's folder.
    project: PathBuf,
}

impl Project {
    /// Packs `clients/js`, installs it into a new project, type-checks the dashboard, the README's
    /// three lines and `files` (more TypeScript, by name), and bundles the dashboard; panics on any
    /// step that fails, with that step's output.
    pub fn build(npm: &str, files: &[(&str, String)]) -> Project {
        let dir = tempfile::tempdir().expect("temp dir");
        let tarball = pack(npm, dir.path());
        let project = dir.path().join("dashboard");
        std::fs::create_dir(&project).unwrap();
        let manifest = r#"{"name": "scorecast-dashboard", "private": true, "type": "module"}"#;
        std::fs::write(project.join("package.json"), manifest).unwrap();
        std::fs::write(project.join("dashboard.ts"), DASHBOARD_TS).unwrap();
        std::fs::write(project.join("tsconfig.json"), TSCONFIG).unwrap();
        std::fs::write(project.join("replay.mjs"), REPLAY).unwrap();

        let mut install = vec!["install", "--save-exact", tarball.to_str().unwrap()];
        install.extend(PINNED);
        run(npm, &project, &install, INSTALL_TIMEOUT);
        // Installed by name from the tarball, as a registry install would.
        let installed = project.join("node_modules/scorecast-client");
        let readme = std::fs::read_to_string(installed.join("README.md"))
            .expect("the tarball installed as scorecast-client, with its README");
        std::fs::write(project.join("readme.ts"), three_lines(&readme)).unwrap();
        for (name, text) in files {
            std::fs::write(project.join(name), text).unwrap();
        }

        // The types as a bundler resolves the package's `exports`, then as Node does.
        run(npm, &project, &["exec", "--", "tsc", "--noEmit", "--strict", "-p", "."], STEP_TIMEOUT);
        let node_resolution = ["--module", "nodenext", "--moduleResolution", "nodenext"];
        let mut tsc = vec!["exec", "--", "tsc", "--noEmit", "--strict", "-p", "."];
        tsc.extend(node_resolution);
        run(npm, &project, &tsc, STEP_TIMEOUT);

        // `ws` is CommonJS and requires Node's built-ins, which an ES module bundle cannot do
        // (esbuild issue #1921): it stays external and Node loads it from node_modules. The client
        // package itself is bundled.
        let esbuild = [
            "exec",
            "--",
            "esbuild",
            "dashboard.ts",
            "--bundle",
            "--platform=node",
            "--format=esm",
            "--external:ws",
            "--outfile=dashboard.mjs",
            "--log-level=warning",
        ];
        run(npm, &project, &esbuild, STEP_TIMEOUT);
        let bundle = project.join("dashboard.mjs");
        let code = std::fs::read_to_string(&bundle).expect("esbuild wrote dashboard.mjs");
        assert!(
            code.contains("\"scorecast.v1\"") && !code.contains("from \"scorecast-client\""),
            "the bundle does not hold the client package (its WebSocket subprotocol)"
        );

        let lts_node = lts_node(npm, dir.path());
        Project { _dir: dir, bundle, lts_node, project }
    }

    /// What the installed package makes under `node` of each game (`{sport: {before, pushed,
    /// after}}`): `{sport: {updates, folded, fresh}}` (replay.mjs says which is which).
    pub fn replay(&self, node: &str, games: &Value) -> Value {
        let file = self.project.join("games.json");
        std::fs::write(&file, games.to_string()).unwrap();
        let args = ["replay.mjs", file.to_str().unwrap()];
        let out = run(node, &self.project, &args, STEP_TIMEOUT);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
    }
}

/// The README's three lines a dashboard needs: the first `js` block after their heading.
fn three_lines(readme: &str) -> String {
    let section = readme.split("## The three lines a dashboard needs").nth(1).expect("the heading");
    let block = section.split("```js\n").nth(1).and_then(|b| b.split("```").next());
    let code = block.expect("a js block under the heading").to_owned();
    assert_eq!(code.lines().count(), 3, "the three lines: {code}");
    code
}

/// `npm pack` of clients/js into `dir`; the tarball's path.
fn pack(npm: &str, dir: &Path) -> PathBuf {
    let package = concat!(env!("CARGO_MANIFEST_DIR"), "/clients/js");
    let destination = dir.to_str().unwrap();
    let out = run(
        npm,
        Path::new(package),
        &["pack", "--json", "--pack-destination", destination],
        STEP_TIMEOUT,
    );
    let packed: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let file = packed[0]["filename"].as_str().unwrap_or_else(|| panic!("no filename: {out}"));
    let files: Vec<&str> =
        packed[0]["files"].as_array().unwrap().iter().filter_map(|f| f["path"].as_str()).collect();
    for needed in ["package.json", "scorecast.js", "scorecast.d.ts", "README.md"] {
        assert!(files.contains(&needed), "{needed} is not in the tarball: {files:?}");
    }
    dir.join(file)
}

/// The node binary of the current LTS, fetched through npm (npx).
fn lts_node(npm: &str, dir: &Path) -> PathBuf {
    let args =
        ["exec", "--yes", &format!("--package={NODE_LTS}"), "--", "node", "-p", "process.execPath"];
    let out = run(npm, dir, &args, INSTALL_TIMEOUT);
    PathBuf::from(out.trim())
}

/// Runs `program args` in `dir`, killed (with everything it started) after `timeout`; its stdout.
fn run(program: &str, dir: &Path, args: &[&str], timeout: Duration) -> String {
    let what = format!("{program} {}", args.join(" "));
    let child = Command::new(program)
        .args(args)
        .current_dir(dir)
        // Quiet and deterministic: no audit, funding or update notices on the output.
        .env("npm_config_audit", "false")
        .env("npm_config_fund", "false")
        .env("npm_config_update_notifier", "false")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // A group of its own, so a timeout also ends what it started (npm: esbuild, tsc).
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let group = child.id() as i32;
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(child.wait_with_output());
    });
    let output = match finished.recv_timeout(timeout) {
        Ok(output) => output.unwrap_or_else(|e| panic!("{what}: {e}")),
        Err(_) => {
            // SAFETY: signalling the process group of a child this function started.
            unsafe { libc::kill(-group, libc::SIGKILL) };
            panic!("{what} did not finish within {timeout:?}");
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}
