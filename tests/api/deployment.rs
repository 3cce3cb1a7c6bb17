//! The Docker image's build context, replayed without Docker: the builder stage's `COPY` lines
//! (minus what `.dockerignore` leaves out) copied into an empty folder, checked with cargo at each
//! point where the Dockerfile runs `cargo build`.

use std::path::{Path, PathBuf};
use std::process::Command;

const REPO: &str = env!("CARGO_MANIFEST_DIR");

#[test]
fn the_docker_build_context_holds_a_loadable_workspace_at_every_cargo_build() {
    let dockerfile = std::fs::read_to_string(Path::new(REPO).join("Dockerfile")).unwrap();
    let ignored =
        dockerignore(&std::fs::read_to_string(Path::new(REPO).join(".dockerignore")).unwrap());
    let context = tempfile::tempdir().unwrap();
    let mut workdir = PathBuf::from("/");
    let stage = builder_stage(&dockerfile);
    let builds: Vec<usize> = (0..stage.len()).filter(|&i| runs_cargo_build(&stage[i])).collect();
    assert!(builds.len() >= 2, "expected the dependency build and the real build: {builds:?}");
    for (index, instruction) in stage.iter().enumerate() {
        let (keyword, rest) = instruction.split_once(' ').unwrap_or((instruction, ""));
        match keyword.to_ascii_uppercase().as_str() {
            "WORKDIR" => workdir = workdir.join(rest.trim()),
            "COPY" => copy(rest, &ignored, &inside(context.path(), &workdir)),
            "RUN" if builds.contains(&index) => {
                let root = inside(context.path(), &workdir);
                assert_workspace_loads(&root, instruction);
                if builds.last() == Some(&index) {
                    // The real build, after the placeholder one: every source cargo reads is here.
                    assert_package_sources_present(&root);
                }
            }
            _ => {}
        }
    }
}

fn runs_cargo_build(instruction: &str) -> bool {
    instruction.to_ascii_uppercase().starts_with("RUN ") && instruction.contains("cargo build")
}

/// The instructions of the stage named `builder`, continuation lines joined, comments dropped.
fn builder_stage(dockerfile: &str) -> Vec<String> {
    let mut instructions = Vec::new();
    let mut current = String::new();
    for line in dockerfile.lines() {
        let line = line.trim();
        if line.starts_with('#') || (line.is_empty() && current.is_empty()) {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(start) => current.push_str(start),
            None => {
                current.push_str(line);
                instructions.push(std::mem::take(&mut current));
            }
        }
    }
    let start = instructions
        .iter()
        .position(|i| i.to_ascii_uppercase().starts_with("FROM ") && i.ends_with(" AS builder"))
        .expect("a stage named builder");
    instructions[start + 1..]
        .iter()
        .take_while(|i| !i.to_ascii_uppercase().starts_with("FROM "))
        .cloned()
        .collect()
}

/// `.dockerignore` patterns. Only plain paths are understood: a wildcard or an exception fails
/// the test rather than being silently misread.
fn dockerignore(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            assert!(!l.contains(['*', '?', '[', '!']), "teach this test the pattern {l:?}");
            l.trim_matches('/').to_owned()
        })
        .collect()
}

fn is_ignored(path: &Path, ignored: &[String]) -> bool {
    ignored.iter().any(|pattern| path.starts_with(pattern))
}

fn inside(context: &Path, absolute: &Path) -> PathBuf {
    context.join(absolute.strip_prefix("/").unwrap())
}

/// `COPY [--flags] SRC... DEST` from the build context (`--from` copies from a stage: skipped).
fn copy(arguments: &str, ignored: &[String], workdir: &Path) {
    let words: Vec<&str> = arguments.split_whitespace().collect();
    if words.iter().any(|w| w.starts_with("--from")) {
        return;
    }
    let words: Vec<&str> = words.into_iter().filter(|w| !w.starts_with("--")).collect();
    let (&raw_dest, sources) = words.split_last().expect("COPY has a destination");
    let into_folder = raw_dest.ends_with('/') || sources.len() > 1;
    let dest = workdir.join(raw_dest);
    for source in sources {
        let from = Path::new(REPO).join(source);
        assert!(from.exists(), "COPY names {source}, which is not in the repository");
        if from.is_dir() {
            copy_tree(&from, Path::new(source), &dest, ignored);
        } else if !is_ignored(Path::new(source), ignored) {
            let to = if into_folder { dest.join(from.file_name().unwrap()) } else { dest.clone() };
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(&from, &to).unwrap();
        }
    }
}

/// Docker copies a folder's contents into the destination.
fn copy_tree(from: &Path, relative: &Path, to: &Path, ignored: &[String]) {
    if is_ignored(relative, ignored) {
        return;
    }
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        let path = entry.path();
        if path.is_dir() {
            copy_tree(&path, &relative.join(&name), &to.join(&name), ignored);
        } else if !is_ignored(&relative.join(&name), ignored) {
            std::fs::copy(&path, to.join(&name)).unwrap();
        }
    }
}

fn cargo() -> Command {
    Command::new(option_env!("CARGO").unwrap_or("cargo"))
}

/// `cargo tree` must load every member's manifest and check the lock file, with no network.
fn assert_workspace_loads(root: &Path, instruction: &str) {
    let output = cargo()
        .args(["tree", "--offline", "--locked", "--edges", "normal,build", "--depth", "0"])
        .current_dir(root)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "the workspace does not load before `{instruction}`:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Every source file of the scorecast package's targets (library, binary, build script), as the
/// repository's own manifest names them, is in the context, and so are the migrations.
fn assert_package_sources_present(root: &Path) {
    let output = cargo()
        .args(["metadata", "--offline", "--no-deps", "--format-version", "1"])
        .current_dir(REPO)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let package = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "scorecast")
        .expect("the scorecast package");
    let mut needed: Vec<PathBuf> = package["targets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| {
            t["kind"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k == "lib" || k == "bin" || k == "custom-build")
        })
        .map(|t| {
            let path = Path::new(t["src_path"].as_str().unwrap());
            path.strip_prefix(REPO).unwrap().to_owned()
        })
        .collect();
    needed.push("migrations".into());
    for path in needed {
        assert!(root.join(&path).exists(), "the Docker build context lacks {}", path.display());
    }
}
