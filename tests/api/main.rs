//! API tests: the real server over HTTP, on SQLite and on Postgres.

mod helpers;
mod postgres;

mod durability;
mod errors;
mod events;
mod matches;
mod operations;
mod polling;
