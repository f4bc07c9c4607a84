//! The configured sources as fetchers: live endpoints from the settings, or every source a
//! recording holds (the bundled one when nothing is configured). Commands turn them into a
//! `Collector`.

use std::sync::Arc;

use super::{Collector, Source};
use crate::config::{EndpointSettings, Settings};
use crate::model::SourceKind;
use crate::record::{Recorder, Replay};
use crate::sources::flink::JobFilter;
use crate::sources::http::{Fetcher, HttpOptions};

/// The configured sources, live or from a recording, in the order polls report them.
pub struct Inputs {
    sources: Vec<(SourceKind, Fetcher)>,
    replay: Option<Arc<Replay>>,
    /// What the reports call the input.
    label: String,
}

impl Inputs {
    /// The sources the settings name; `--replay DIR`; or, with neither, the bundled recording.
    pub fn open(set: &Settings) -> Result<Inputs, String> {
        let opts = http_options(set, None);
        if let Some(dir) = &set.replay {
            let replay = Arc::new(Replay::open(dir)?);
            return Inputs::from_recording(replay, dir.display().to_string(), &opts);
        }
        if set.endpoint_count() > 0 {
            // Opened (warnings, the first error) and labelled with the single endpoints first,
            // then the scrapes, as bptop always has; polled in the order polls report them.
            let mut endpoints = set.endpoints();
            endpoints.sort_by_key(|(kind, ..)| *kind == SourceKind::PrometheusText);
            let mut sources = endpoints
                .into_iter()
                .map(|(kind, name, e)| open_endpoint(set, &name, e).map(|f| (kind, f)))
                .collect::<Result<Vec<_>, _>>()?;
            let label = sources.iter().map(|(_, f)| f.endpoint()).collect::<Vec<_>>().join(", ");
            sort_for_polls(&mut sources);
            return Ok(Inputs { sources, replay: None, label });
        }
        let replay = Arc::new(Replay::bundled()?);
        eprintln!(
            "bptop: no --flink given: replaying the {} (use --flink URL for your cluster)",
            crate::record::BUNDLED_NAME
        );
        Inputs::from_recording(replay, crate::record::BUNDLED_SHORT.to_string(), &opts)
    }

    /// Every source of the recording that bptop can read, by its kind in the manifest.
    pub fn from_recording(replay: Arc<Replay>, label: String, opts: &HttpOptions) -> Result<Inputs, String> {
        let mut sources: Vec<(SourceKind, Fetcher)> = replay
            .manifest()
            .sources
            .iter()
            .filter(|s| replay.has_source(&s.name))
            .filter_map(|s| SourceKind::from_name(&s.kind).map(|k| (k, Fetcher::replay(&s.name, replay.clone(), opts))))
            .collect();
        if sources.is_empty() {
            return Err(format!("recording {} has no responses of a source bptop reads", replay.name()));
        }
        sort_for_polls(&mut sources);
        Ok(Inputs { sources, replay: Some(replay), label })
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    pub fn replay(&self) -> Option<&Arc<Replay>> {
        self.replay.as_ref()
    }

    /// A collector over these sources; `recorder` tees every answer into a recording. A
    /// recording made with `--job` is replayed for that job unless another is asked for.
    pub fn collector(&self, filter: JobFilter, recorder: Option<Arc<Recorder>>) -> Collector {
        let recorded_job = self.replay.as_ref().and_then(|r| r.manifest().job.clone());
        let filter = match (filter, recorded_job) {
            (JobFilter::Active, Some(job)) => JobFilter::Named(job),
            (filter, _) => filter,
        };
        let sources = self
            .sources
            .iter()
            .map(|(kind, f)| {
                let f = match &recorder {
                    Some(r) => f.clone().with_recorder(r.clone()),
                    None => f.clone(),
                };
                Source::open(*kind, f, &filter)
            })
            .collect();
        Collector::new(sources, self.replay.clone(), recorder).with_job_filter(filter)
    }

    /// (name, kind, endpoint) of every source, for the dashboard and recordings.
    pub fn list(&self) -> Vec<(String, SourceKind, String)> {
        self.sources.iter().map(|(k, f)| (f.source().to_string(), *k, f.endpoint())).collect()
    }
}

/// Polls report Flink first, then the scrapes, then the other lag and metric sources (the
/// order of `SourceKind::ALL`; sources of one kind keep their order).
fn sort_for_polls(sources: &mut [(SourceKind, Fetcher)]) {
    sources.sort_by_key(|(k, _)| SourceKind::ALL.iter().position(|x| x == k));
}

/// A collector over every source a recording holds (the dashboard's demo state, tests).
pub fn collector_for_recording(replay: Arc<Replay>, filter: JobFilter) -> Result<Collector, String> {
    let inputs = Inputs::from_recording(replay, String::new(), &HttpOptions::default())?;
    Ok(inputs.collector(filter, None))
}

/// `--job`, or every active job.
pub fn job_filter(set: &Settings) -> JobFilter {
    match &set.job {
        Some(j) if !j.trim().is_empty() => JobFilter::Named(j.trim().to_string()),
        _ => JobFilter::Active,
    }
}

fn http_options(set: &Settings, endpoint: Option<&EndpointSettings>) -> HttpOptions {
    HttpOptions {
        request_timeout: set.timeout,
        connect_timeout: set.timeout.min(std::time::Duration::from_secs(3)),
        max_concurrency: set.concurrency,
        retry: crate::sources::retry::RetryPolicy { retries: set.retries, ..Default::default() },
        access: endpoint.map(|e| e.access.clone()).unwrap_or_default(),
    }
}

fn open_endpoint(set: &Settings, name: &str, e: &EndpointSettings) -> Result<Fetcher, String> {
    if e.access.tls.insecure {
        eprintln!(
            "bptop: WARNING: {name}: TLS certificates of {} are NOT verified (--insecure): anyone on the path \
             can read and change the answers and see the credentials sent",
            crate::sources::http::redact_url(&e.url)
        );
    }
    Fetcher::http(name, &e.url, &http_options(set, Some(e)))
}
