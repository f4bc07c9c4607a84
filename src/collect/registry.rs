//! The source registry: every kind bptop reads, how its client is built from a fetcher, and how
//! it is polled. A new kind of source is a client in `sources/`, a variant of
//! `model::SourceKind` (and its place in `SourceKind::ALL`), and a line in each match below; the
//! collector, its lanes, recordings and reports take it from there.

use crate::model::{SourceHealth, SourceKind, SourcePoll};
use crate::sources::burrow::BurrowSource;
use crate::sources::flink::{FlinkSource, JobFilter};
use crate::sources::http::Fetcher;
use crate::sources::prometheus::PromSource;
use crate::sources::scrape::ScrapeSource;

/// One configured source, ready to poll.
#[derive(Clone)]
pub enum Source {
    Flink(FlinkSource),
    Scrape(ScrapeSource),
    Prometheus(PromSource),
    Burrow(BurrowSource),
}

impl Source {
    /// The client of `kind` over `fetcher` (live or replay; recording or not). `filter` picks
    /// the jobs a Flink source reads.
    pub fn open(kind: SourceKind, fetcher: Fetcher, filter: &JobFilter) -> Source {
        match kind {
            SourceKind::Flink => Source::Flink(FlinkSource::new(fetcher, filter.clone())),
            SourceKind::PrometheusText => Source::Scrape(ScrapeSource::new(fetcher)),
            SourceKind::Prometheus => Source::Prometheus(PromSource::new(fetcher)),
            SourceKind::Burrow => Source::Burrow(BurrowSource::new(fetcher)),
        }
    }

    /// Its health before a poll: ok, nothing failed yet.
    pub fn health_template(&self) -> SourceHealth {
        match self {
            Source::Flink(s) => s.health_template(),
            Source::Scrape(s) => s.health_template(),
            Source::Prometheus(s) => s.health_template(),
            Source::Burrow(s) => s.health_template(),
        }
    }

    pub async fn poll(&self) -> SourcePoll {
        match self {
            Source::Flink(s) => s.poll().await,
            Source::Scrape(s) => s.poll().await,
            Source::Prometheus(s) => s.poll().await,
            Source::Burrow(s) => s.poll().await,
        }
    }
}
