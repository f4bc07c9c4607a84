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

use crate::model::{Job, LagRow, SourceHealth, SourcePoll};

/// The end of every source's poll: its data, or none and the failure in its health; and the
/// requests the poll took.
fn finish_poll(
    fetcher: &http::Fetcher,
    mut health: SourceHealth,
    result: Result<(Vec<Job>, Vec<LagRow>), SourceError>,
) -> SourcePoll {
    let (jobs, lag) = result.unwrap_or_else(|e| {
        health.ok = false;
        health.error = Some(e.to_string());
        (Vec::new(), Vec::new())
    });
    health.requests = fetcher.take_request_count();
    SourcePoll { jobs, lag, health }
}
