//! `--scrape URL`: a Prometheus exposition endpoint read directly (a Flink reporter on :9249,
//! a lag exporter). What the text holds is recognized by its metric names, not by flags.

use super::exposition::{count_samples, parse_wanted};
use super::http::{FetchError, Fetcher};
use super::{flink_prom, kafka_lag, SourceError};
use crate::model::{Job, LagRow, SourceHealth, SourceKind, SourcePoll};

#[derive(Clone)]
pub struct ScrapeSource {
    fetcher: Fetcher,
}

/// What bptop reads from one exposition text.
#[derive(Debug, PartialEq)]
pub struct ScrapeModel {
    pub jobs: Vec<Job>,
    pub lag: Vec<LagRow>,
}

/// The metric names a scrape is read for: the Flink reporter's task metrics and the lag
/// exporters' families. Lines of any other name are skipped before their labels are read.
pub fn wanted(name: &str) -> bool {
    flink_prom::wanted(name) || kafka_lag::wanted(name)
}

/// Exposition text → the Flink reporter's jobs and the lag rows (`source` names the rows).
/// An answer without any sample (an HTML page) is an error.
pub fn read(source: &str, text: &str) -> Result<ScrapeModel, String> {
    let samples = parse_wanted(text, wanted)?;
    Ok(ScrapeModel { jobs: flink_prom::jobs(&samples), lag: kafka_lag::lag_rows(source, &samples) })
}

impl ScrapeSource {
    pub fn new(fetcher: Fetcher) -> ScrapeSource {
        ScrapeSource { fetcher }
    }

    pub fn fetcher(&self) -> &Fetcher {
        &self.fetcher
    }

    /// This source's health before a poll: ok, nothing failed yet.
    pub fn health_template(&self) -> SourceHealth {
        self.fetcher.health(SourceKind::PrometheusText)
    }

    pub async fn poll(&self) -> SourcePoll {
        let mut health = self.health_template();
        let result = self.fetch_and_read().await.map(|(model, text)| {
            if model.jobs.is_empty() && model.lag.is_empty() {
                // Only here are the skipped lines counted: the message tells what was there.
                health.partial_errors.push(format!(
                    "{}: {} samples, none from a Flink reporter or a known lag exporter",
                    self.fetcher.endpoint(),
                    count_samples(&text)
                ));
            }
            (model.jobs, model.lag)
        });
        super::finish_poll(&self.fetcher, health, result)
    }

    /// The model read from the answer, and the answer's text.
    async fn fetch_and_read(&self) -> Result<(ScrapeModel, String), SourceError> {
        let text = self.text().await?;
        let model = read(self.fetcher.source(), &text).map_err(|e| SourceError::unexpected(self.fetcher.url(""), e))?;
        Ok((model, text))
    }

    /// The answer's text; invalid UTF-8 is replaced, not refused.
    async fn text(&self) -> Result<String, SourceError> {
        let resp = self.fetcher.get("").await?;
        if resp.status != 200 {
            let what = format!("HTTP {}", resp.status);
            return Err(SourceError::Fetch(FetchError { url: self.fetcher.url(""), what, status: Some(resp.status) }));
        }
        Ok(String::from_utf8(resp.body).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
    }
}
