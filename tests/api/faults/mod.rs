//! Fault suite: parts of the system failing under load, each checked for lost, duplicated or
//! out-of-order events.

mod postgres;
