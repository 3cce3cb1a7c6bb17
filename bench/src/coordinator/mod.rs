//! The coordinator: sets up the target, drives the worker processes that hold the clients, posts
//! the events and sums up what everyone measured.

mod aggregate;
mod pool;
pub mod run;
pub mod spawn;
pub mod target;

pub use target::Target;
