//! Outside programs the tests run (validators, fuzzers, Prometheus): found on PATH or named in an
//! environment variable, skipped when missing unless CI says they must run.

use std::process::Command;

/// An outside program a test needs.
pub struct Tool {
    /// Its name on PATH.
    pub name: &'static str,
    /// The variable that may name it instead (a path into a venv, say).
    pub env: &'static str,
    /// The variable that, set to `1` (CI), makes a missing program a failure instead of a skip.
    pub require: &'static str,
    /// How to install it, for the message.
    pub install: &'static str,
}

impl Tool {
    /// The program to run, or `None` (the test is skipped) when it is not installed here.
    pub fn find(&self) -> Option<String> {
        let program = std::env::var(self.env).unwrap_or_else(|_| self.name.to_owned());
        let found =
            Command::new(&program).arg("--version").output().is_ok_and(|o| o.status.success());
        if found {
            return Some(program);
        }
        let message = format!("{program} is not installed ({})", self.install);
        if std::env::var(self.require).is_ok_and(|v| v == "1") {
            panic!("{message}; {}=1 forbids skipping", self.require);
        }
        eprintln!("skipped: {message}");
        None
    }
}

pub const SCHEMATHESIS: Tool = Tool {
    name: "schemathesis",
    env: "SCORECAST_SCHEMATHESIS",
    require: "SCORECAST_REQUIRE_SCHEMATHESIS",
    install: "pip install 'schemathesis>=4.32,<5'",
};

pub const PROMTOOL: Tool = Tool {
    name: "promtool",
    env: "SCORECAST_PROMTOOL",
    require: "SCORECAST_REQUIRE_PROMETHEUS",
    install: "apt-get install prometheus",
};

pub const PROMETHEUS: Tool = Tool {
    name: "prometheus",
    env: "SCORECAST_PROMETHEUS",
    require: "SCORECAST_REQUIRE_PROMETHEUS",
    install: "apt-get install prometheus",
};

pub const NPM: Tool = Tool {
    name: "npm",
    env: "SCORECAST_NPM",
    require: "SCORECAST_REQUIRE_NPM",
    install: "apt-get install npm",
};

/// Debian's Node: the client package must run under it.
pub const NODE: Tool = Tool {
    name: "node",
    env: "SCORECAST_NODE",
    require: "SCORECAST_REQUIRE_NPM",
    install: "apt-get install nodejs",
};
