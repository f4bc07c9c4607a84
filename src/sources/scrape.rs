//! `--scrape URL`: a Prometheus exposition endpoint read directly (a Flink reporter on :9249,
//! a lag exporter). What the text holds is recognized by its metric names, not by flags.

use super::exposition::{parse, Sample};
use super::http::Fetcher;
use crate::model::{Job, LagRow, SourceHealth};

#[derive(Clone)]
pub struct ScrapeSource {
    fetcher: Fetcher,
}

/// What one scrape gave.
pub struct ScrapePoll {
    pub jobs: Vec<Job>,
    pub lag: Vec<LagRow>,
    pub health: SourceHealth,
}

impl ScrapeSource {
    pub fn new(fetcher: Fetcher) -> ScrapeSource {
        ScrapeSource { fetcher }
    }

    pub fn fetcher(&self) -> &Fetcher {
        &self.fetcher
    }

    pub async fn poll(&self) -> ScrapePoll {
        let mut health = SourceHealth {
            name: self.fetcher.source().to_string(),
            kind: "prometheus-text".into(),
            endpoint: self.fetcher.endpoint(),
            ok: true,
            error: None,
            partial_errors: Vec::new(),
            requests: 0,
        };
        let mut out = ScrapePoll { jobs: Vec::new(), lag: Vec::new(), health: health.clone() };
        match self.samples().await {
            Ok(samples) => {
                out.jobs = super::flink_prom::jobs(&samples);
                out.lag = super::kafka_lag::lag_rows(&health.name, &samples);
                if out.jobs.is_empty() && out.lag.is_empty() {
                    health.partial_errors.push(format!(
                        "{}: {} samples, none from a Flink reporter or a known lag exporter",
                        self.fetcher.endpoint(),
                        samples.len()
                    ));
                }
            }
            Err(e) => {
                health.ok = false;
                health.error = Some(e);
            }
        }
        health.requests = self.fetcher.take_request_count();
        out.health = health;
        out
    }

    async fn samples(&self) -> Result<Vec<Sample>, String> {
        let resp = self.fetcher.get("").await.map_err(|e| e.to_string())?;
        let url = self.fetcher.url("");
        if resp.status != 200 {
            return Err(format!("GET {url}: HTTP {}", resp.status));
        }
        let text = String::from_utf8_lossy(&resp.body);
        parse(&text).map_err(|e| format!("GET {url}: {e}"))
    }
}
