//! API tests: the real server over HTTP, on SQLite and on Postgres.

mod helpers;
mod postgres;
mod process;
mod sse_client;
mod ws_client;

mod durability;
mod errors;
mod events;
mod matches;
mod operations;
mod polling;
mod resume;
mod websocket;
mod websocket_limits;
