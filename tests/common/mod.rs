//! The test app both test crates share: the real application in-process on a loopback port, with
//! a fresh database of its own, typed request helpers and restarts on the same database.
//!
//! `tests/api/main.rs` and `tests/browser/main.rs` each include this folder with
//! `#[path = "../common/mod.rs"] mod common;`.

// Each crate uses only part of this module (the browser tests no Postgres, the API tests no
// restart on the same port), so what the other crate needs would otherwise warn as dead code.
#![allow(dead_code)]

mod app;
mod database;
pub mod nats;
pub mod pg_proxy;
pub mod postgres;
#[path = "../../bench/src/history/seed.rs"]
pub mod seed;
pub mod tls;

// For the same reason, each crate imports only some of these.
#[allow(unused_imports)]
pub use app::{spawn_app, spawn_app_with, spawn_on, TestApp, TOKEN};
#[allow(unused_imports)]
pub use database::{fresh_database, Backend, TestDatabase};
