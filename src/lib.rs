//! scorecast: live match scores, stored durably and pushed to every subscriber.

pub mod auth;
pub mod catalog;
pub mod cluster;
pub mod configuration;
#[cfg(test)]
mod doc_tables;
pub mod domain;
pub mod extract;
pub mod followers;
pub mod healthcheck;
pub mod hub;
pub mod ingest;
pub mod metrics;
pub mod openapi;
pub mod problem;
pub mod protocol;
pub mod routes;
pub mod snapshots;
pub mod startup;
pub mod store;
pub mod strict_json;
pub mod telemetry;
pub mod tls;
pub mod transport;
pub mod watching;
pub mod web;
