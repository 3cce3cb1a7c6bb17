//! API tests: the real server over HTTP, on SQLite and on Postgres.

mod helpers;
mod postgres;
mod process;
mod ws_client;

mod durability;
mod errors;
mod events;
mod matches;
mod operations;
mod polling;
mod websocket;
mod websocket_limits;
