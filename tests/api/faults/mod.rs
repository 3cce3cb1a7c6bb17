//! The fault suite: the server killed, its disk full, its database stopped or killed, under load.
//! Each test asserts that nothing acknowledged is lost, nothing is stored twice, and subscribers
//! see a gapless sequence.

mod disk;
mod kill;
mod postgres;
