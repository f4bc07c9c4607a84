//! Sources turn endpoint responses into the normalized model. They know nothing of analysis or UI.

pub mod access;
pub mod burrow;
mod error;
pub mod exposition;
pub mod flink;
pub mod flink_prom;
pub mod http;
pub mod json;
pub mod kafka_lag;
pub mod prometheus;
pub mod retry;
pub mod scrape;

pub use error::SourceError;
