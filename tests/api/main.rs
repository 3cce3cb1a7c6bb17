//! API tests: the real server over HTTP, on SQLite and on Postgres.

#[path = "../common/mod.rs"]
mod common;
mod helpers;
mod process;
mod raw_client;
mod sse_client;
mod ws_client;

mod access_log;
mod address_limits;
mod bad_peers;
mod cli;
mod clock;
mod cluster;
mod commit_failures;
mod competitions;
mod corrections;
mod cors;
mod dashboards;
mod deployment;
mod durability;
mod errors;
mod events;
mod faults;
mod fixtures;
mod head_limits;
mod healthcheck;
mod lifecycle;
mod load_balancer;
mod load_balancer_tls;
mod matches;
mod openapi;
mod operations;
mod polling;
mod request_limits;
mod resume;
mod shootout;
mod sse_limits;
mod tls;
mod upgrade;
mod websocket;
mod websocket_frames;
mod websocket_limits;
