//! The commands: wiring of sources, history, analysis and reports. Returns the exit code.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use crate::analysis::{self, Thresholds};
use crate::cli::{
    Cli, Command, ConfigCommand, DiagnoseArgs, FailOn, Format, RecordArgs, ServeArgs, SimulateArgs, SourceArgs,
};
use crate::collect::{now_ms, Collector, Sources};
use crate::config::{EndpointSettings, Settings};
use crate::diagnosis::Severity;
use crate::history::History;
use crate::record::{Recorder, Replay, SourceInfo};
use crate::report::{self, InputInfo};
use crate::sources::burrow::BurrowSource;
use crate::sources::flink::{FlinkSource, JobFilter};
use crate::sources::http::{Fetcher, HttpOptions};
use crate::sources::prometheus::PromSource;
use crate::sources::scrape::ScrapeSource;

/// Exit codes of `diagnose` (DESIGN.md). 2 is clap's own usage error.
pub const EXIT_OK: i32 = 0;
pub const EXIT_VERDICT: i32 = 1;
pub const EXIT_CANNOT_DIAGNOSE: i32 = 3;

/// Polls kept whole for classification: long enough to smooth Flink's cached values
/// (about five polls repeat one value), short enough to follow a change within ~20 s.
const CLASSIFY_WINDOW: usize = 10;
/// Points per series: one hour at the default 2 s interval.
const SERIES_CAPACITY: usize = 1800;

pub async fn run(cli: Cli) -> i32 {
    let result = match cli.command {
        Some(Command::Config(ConfigCommand::Path)) => config_path(&cli.source),
        Some(Command::Config(ConfigCommand::Check)) => config_check(&cli.source),
        Some(Command::Simulate(args)) => simulate(&args).await,
        command => match settings(&cli.source) {
            Err(e) => Err(e),
            Ok(set) => match command {
                Some(Command::Diagnose(args)) => diagnose(&set, &args).await,
                Some(Command::Record(args)) => record(&set, &args).await,
                Some(Command::ServeRecording(args)) => serve_recording(&set, &args).await,
                _ => watch(&set).await,
            },
        },
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("bptop: {e}");
            EXIT_CANNOT_DIAGNOSE
        }
    }
}

/// The config file bptop reads: `--config`, `BPTOP_CONFIG`, or the XDG path; `true` when
/// named by the user (then it must exist).
fn config_file(src: &SourceArgs) -> (Option<std::path::PathBuf>, bool) {
    let env = crate::config::process_env;
    match src.config.clone().or_else(|| env("BPTOP_CONFIG").filter(|v| !v.is_empty()).map(Into::into)) {
        Some(p) => (Some(p), true),
        None => (crate::config::default_path(&env), false),
    }
}

/// Flags, environment, config file and defaults, resolved.
fn settings(src: &SourceArgs) -> Result<Settings, String> {
    let file = match config_file(src) {
        (Some(p), explicit) if explicit || p.is_file() => Some((p.clone(), crate::config::load(&p)?)),
        _ => None,
    };
    crate::config::resolve(src, &crate::config::process_env, file)
}

fn config_path(src: &SourceArgs) -> Result<i32, String> {
    match config_file(src) {
        (Some(p), _) => {
            let state = if p.is_file() { "exists" } else { "does not exist" };
            println!("{} ({state})", p.display());
            Ok(EXIT_OK)
        }
        (None, _) => Err("no config path: neither XDG_CONFIG_HOME nor HOME is set (use --config FILE)".into()),
    }
}

/// Resolves everything a command would, builds every client (so certificate files and URLs
/// are checked), and prints the settings with secrets masked.
fn config_check(src: &SourceArgs) -> Result<i32, String> {
    let (path, _) = config_file(src);
    // Building the inputs checks URLs, CA and certificate files; with no endpoint there is
    // nothing to build (and no need to announce the bundled recording).
    let has_inputs = |set: &Settings| set.replay.is_some() || set.endpoint_count() > 0;
    let result = settings(src).and_then(|set| if has_inputs(&set) { open_inputs(&set).map(|_| set) } else { Ok(set) });
    print!("{}", crate::config::check::render(path.as_deref(), &result));
    let _ = std::io::stdout().flush();
    Ok(if result.is_ok() { EXIT_OK } else { EXIT_CANNOT_DIAGNOSE })
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

fn job_filter(src: &Settings) -> JobFilter {
    match &src.job {
        Some(j) if !j.trim().is_empty() => JobFilter::Named(j.trim().to_string()),
        _ => JobFilter::Active,
    }
}

/// The configured sources, live or from a recording.
struct Inputs {
    flink: Option<Fetcher>,
    scrapes: Vec<Fetcher>,
    prometheus: Option<Fetcher>,
    burrow: Option<Fetcher>,
    replay: Option<Arc<Replay>>,
    /// What the reports call the input.
    label: String,
}

impl Inputs {
    fn collector(&self, src: &Settings, recorder: Option<Arc<Recorder>>) -> Collector {
        self.collector_with(job_filter(src), recorder)
    }

    fn collector_with(&self, filter: JobFilter, recorder: Option<Arc<Recorder>>) -> Collector {
        let with_rec = |f: &Fetcher| match &recorder {
            Some(r) => f.clone().with_recorder(r.clone()),
            None => f.clone(),
        };
        let sources = Sources {
            flink: self.flink.as_ref().map(|f| FlinkSource::new(with_rec(f), filter.clone())),
            scrapes: self.scrapes.iter().map(|f| ScrapeSource::new(with_rec(f))).collect(),
            prometheus: self.prometheus.as_ref().map(|f| PromSource::new(with_rec(f))),
            burrow: self.burrow.as_ref().map(|f| BurrowSource::new(with_rec(f))),
        };
        Collector::new(sources, self.replay.clone(), recorder).with_job_filter(filter)
    }

    /// (name, kind, endpoint) of every source, for the dashboard and recordings.
    fn list(&self) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        if let Some(f) = &self.flink {
            out.push((f.source().to_string(), "flink".to_string(), f.endpoint()));
        }
        for f in &self.scrapes {
            out.push((f.source().to_string(), "prometheus-text".to_string(), f.endpoint()));
        }
        if let Some(f) = &self.prometheus {
            out.push((f.source().to_string(), "prometheus".to_string(), f.endpoint()));
        }
        if let Some(f) = &self.burrow {
            out.push((f.source().to_string(), "burrow".to_string(), f.endpoint()));
        }
        out
    }
}

fn open_inputs(src: &Settings) -> Result<Inputs, String> {
    let opts = http_options(src, None);
    if let Some(dir) = &src.replay {
        let replay = Arc::new(Replay::open(dir)?);
        return from_recording(replay, dir.display().to_string(), &opts);
    }
    if src.endpoint_count() > 0 {
        let open = |name: &str, e: &EndpointSettings| {
            if e.access.tls.insecure {
                eprintln!(
                    "bptop: WARNING: {name}: TLS certificates of {} are NOT verified (--insecure): anyone on \
                     the path can read and change the answers and see the credentials sent",
                    crate::sources::http::redact_url(&e.url)
                );
            }
            Fetcher::http(name, &e.url, &http_options(src, Some(e)))
        };
        let flink = src.flink.as_ref().map(|e| open("flink", e)).transpose()?;
        let prometheus = src.prometheus.as_ref().map(|e| open("prometheus", e)).transpose()?;
        let burrow = src.burrow.as_ref().map(|e| open("burrow", e)).transpose()?;
        let scrapes = src
            .scrapes
            .iter()
            .enumerate()
            .map(|(i, e)| open(&format!("scrape-{}", i + 1), e))
            .collect::<Result<Vec<_>, _>>()?;
        let label = [&flink, &prometheus, &burrow]
            .into_iter()
            .flatten()
            .chain(scrapes.iter())
            .map(|f| f.endpoint())
            .collect::<Vec<_>>()
            .join(", ");
        return Ok(Inputs { flink, scrapes, prometheus, burrow, replay: None, label });
    }
    let replay = Arc::new(Replay::bundled()?);
    eprintln!(
        "bptop: no --flink given: replaying the {} (use --flink URL for your cluster)",
        crate::record::BUNDLED_NAME
    );
    from_recording(replay, crate::record::BUNDLED_SHORT.to_string(), &opts)
}

/// A collector over every source a recording holds (for the dashboard's demo state and tests).
pub fn collector_for_recording(replay: Arc<Replay>, filter: JobFilter) -> Result<Collector, String> {
    let inputs = from_recording(replay, String::new(), &HttpOptions::default())?;
    Ok(inputs.collector_with(filter, None))
}

/// Every source of the recording that bptop can read, by its kind in the manifest.
fn from_recording(replay: Arc<Replay>, label: String, opts: &HttpOptions) -> Result<Inputs, String> {
    let mut inputs = Inputs {
        flink: None,
        scrapes: Vec::new(),
        prometheus: None,
        burrow: None,
        replay: Some(replay.clone()),
        label,
    };
    for s in &replay.manifest().sources {
        if !replay.has_source(&s.name) {
            continue;
        }
        match s.kind.as_str() {
            "flink" => inputs.flink = Some(Fetcher::replay(&s.name, replay.clone(), opts)),
            "prometheus-text" => inputs.scrapes.push(Fetcher::replay(&s.name, replay.clone(), opts)),
            "prometheus" => inputs.prometheus = Some(Fetcher::replay(&s.name, replay.clone(), opts)),
            "burrow" => inputs.burrow = Some(Fetcher::replay(&s.name, replay.clone(), opts)),
            _ => {}
        }
    }
    if inputs.flink.is_none() && inputs.scrapes.is_empty() && inputs.prometheus.is_none() && inputs.burrow.is_none() {
        return Err(format!("recording {} has no responses of a source bptop reads", replay.name()));
    }
    Ok(inputs)
}

async fn diagnose(src: &Settings, args: &DiagnoseArgs) -> Result<i32, String> {
    let inputs = open_inputs(src)?;
    let replay = inputs.replay.clone();
    let label = inputs.label.clone();
    let collector = inputs.collector(src, None).with_budget(poll_budget(src));
    let samples = match (args.samples, collector.replay_polls()) {
        (Some(n), Some(polls)) => (n as usize).min(polls),
        (Some(n), None) => n as usize,
        (None, Some(polls)) => polls,
        (None, None) => 3,
    };
    let mut history = History::new(CLASSIFY_WINDOW, SERIES_CAPACITY);
    // History from the Prometheus server first, so trends exist from the first poll.
    let mut backfilled = 0;
    match collector.backfill(args.backfill.as_secs_f64(), src.interval.as_secs_f64()).await {
        Ok(snaps) => {
            backfilled = snaps.len();
            for s in snaps {
                history.push(s);
            }
        }
        Err(e) => eprintln!("bptop: no backfill from Prometheus: {e}"),
    }
    let mut last_error = None;
    let mut failed_polls = 0;
    let mut latest_sources = Vec::new();
    for i in 0..samples {
        if i > 0 && replay.is_none() {
            tokio::time::sleep(src.interval).await;
        }
        // The last poll waits for every source (up to its timeout): the verdict should have
        // all there is; earlier ones go on without a late source.
        let snap = if i + 1 == samples { collector.poll_within(i, None).await } else { collector.poll(i).await };
        // A poll fails when no source answered; one failing source among several is partial.
        let failed = if snap.sources.iter().all(|s| !s.ok) {
            snap.sources.iter().find_map(|s| s.error.clone()).or_else(|| Some("no source answered".into()))
        } else {
            None
        };
        latest_sources = snap.sources.clone();
        match failed {
            // A failed poll adds nothing: the verdict rests on the polls that answered, and
            // the report says the source is failing now.
            Some(e) => {
                last_error = Some(e);
                failed_polls += 1;
            }
            None => history.push(snap),
        }
    }
    if history.is_empty() {
        return Err(format!("could not diagnose: {}", last_error.unwrap_or_else(|| "no poll answered".into())));
    }
    let thresholds = diagnose_thresholds(&src.thresholds, args);
    let mut diagnosis = analysis::diagnose(&history, &thresholds);
    // Every request for metrics failed: the graph alone is no diagnosis.
    let all_unknown =
        diagnosis.jobs.iter().all(|j| j.vertices.iter().all(|v| v.class == crate::diagnosis::Class::Unknown));
    let first_failure = diagnosis.sources.iter().flat_map(|s| s.partial_errors.first()).next().cloned();
    if all_unknown && diagnosis.jobs.iter().all(|j| j.state == "RUNNING") {
        if let Some(e) = first_failure {
            return Err(format!("could not diagnose: every metrics request failed, e.g. {e}"));
        }
    }
    if last_error.is_some() {
        // Report the sources as they are now, not as they were at the last good poll.
        diagnosis.sources = analysis::source_reports(&latest_sources);
        diagnosis.severity = diagnosis.severity.max(Severity::Warning);
    }
    let input = InputInfo {
        mode: if replay.is_some() { "replay" } else { "live" }.into(),
        source: label,
        polls: samples,
        polls_failed: failed_polls,
        backfilled,
    };
    let text = match args.format {
        Format::Text => report::text(&diagnosis, &input),
        Format::Json => report::json(&diagnosis, &input),
        Format::Markdown => report::markdown(&diagnosis, &input),
    };
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth a message.
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
    let limit = match args.fail_on {
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Critical => Some(Severity::Critical),
        FailOn::Never => None,
    };
    Ok(match limit {
        Some(l) if diagnosis.severity >= l => EXIT_VERDICT,
        _ => EXIT_OK,
    })
}

/// The flags of `diagnose` over the profile's thresholds.
fn diagnose_thresholds(base: &Thresholds, args: &DiagnoseArgs) -> Thresholds {
    let f = &base.forecast;
    Thresholds {
        bp_low: args.bp_threshold.unwrap_or(base.bp_low),
        busy_bottleneck: args.busy_threshold.unwrap_or(base.busy_bottleneck),
        target_utilization: args.target_utilization.unwrap_or(base.target_utilization).max(0.05),
        loss_horizon_s: args.loss_horizon.map_or(base.loss_horizon_s, |d| d.as_secs_f64()),
        forecast: crate::analysis::forecast::ForecastOptions {
            min_samples: args.min_samples.map_or(f.min_samples, |n| n as usize),
            threshold: args.saturation.unwrap_or(f.threshold),
            horizon_s: args.horizon.map_or(f.horizon_s, |d| d.as_secs_f64()),
            window_s: args.forecast_window.map_or(f.window_s, |d| d.as_secs_f64()),
            ..f.clone()
        },
        ..base.clone()
    }
}

/// How long a poll waits for a late source once others have answered: the poll interval, so
/// a dead endpoint never holds the others' data back by more than one poll.
fn poll_budget(src: &Settings) -> std::time::Duration {
    src.interval.max(std::time::Duration::from_secs(1))
}

async fn watch(src: &Settings) -> Result<i32, String> {
    let inputs = open_inputs(src)?;
    let collector = inputs.collector(src, None).with_budget(poll_budget(src));
    let opts = crate::ui::WatchOptions {
        label: inputs.label.clone(),
        sources: inputs.list(),
        interval: src.interval,
        theme: crate::ui::theme::Theme::from_settings(src.theme),
        thresholds: src.thresholds.clone(),
    };
    crate::ui::watch(collector, opts).await?;
    Ok(EXIT_OK)
}

async fn record(src: &Settings, args: &RecordArgs) -> Result<i32, String> {
    if src.replay.is_some() {
        return Err("record reads live endpoints: give --flink URL and/or --scrape URL, not --replay".into());
    }
    if src.endpoint_count() == 0 {
        return Err("record needs an endpoint: --flink, --scrape, --prometheus or --burrow".into());
    }
    let inputs = open_inputs(src)?;
    let sources = inputs.list().into_iter().map(|(name, kind, base_url)| SourceInfo { name, kind, base_url }).collect();
    let interval_ms = src.interval.as_millis() as u64;
    let recorder = Arc::new(Recorder::create(&args.out, sources, &args.note, interval_ms, now_ms(), now_ms)?);
    let collector = inputs.collector(src, Some(recorder.clone()));
    // The history a later replay will backfill from, recorded like any other answer.
    if let Err(e) = collector.backfill(600.0, src.interval.as_secs_f64()).await {
        eprintln!("bptop: no backfill from Prometheus: {e}");
    }
    let polls = (args.duration.as_secs_f64() / src.interval.as_secs_f64()).round().max(1.0) as usize;
    let mut ticker = tokio::time::interval(src.interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut taken = 0;
    // One Ctrl-C listener for the whole recording, raced against waiting and polling alike,
    // so a press is never lost and what was recorded is kept.
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    for n in 0..polls {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = &mut ctrl_c => break,
        }
        let snap = tokio::select! {
            s = collector.poll(n) => s,
            _ = &mut ctrl_c => break,
        };
        taken += 1;
        let requests: u32 = snap.sources.iter().map(|s| s.requests).sum();
        let failed: Vec<String> =
            snap.sources.iter().filter_map(|s| s.error.as_ref().map(|e| format!("{}: {e}", s.name))).collect();
        match failed.is_empty() {
            true => eprintln!("poll {}/{polls}: {} job(s), {requests} requests", n + 1, snap.jobs.len()),
            false => eprintln!("poll {}/{polls}: {requests} requests, failed: {}", n + 1, failed.join("; ")),
        }
    }
    let (responses, error) = recorder.finish();
    if let Some(e) = error {
        return Err(format!("recording to {} failed: {e}", args.out.display()));
    }
    eprintln!("recorded {taken} polls ({responses} responses) into {}", recorder.dir().display());
    Ok(EXIT_OK)
}

async fn serve_recording(src: &Settings, args: &ServeArgs) -> Result<i32, String> {
    let Some(dir) = &src.replay else {
        return Err("serve-recording needs --replay DIR".into());
    };
    let replay = Arc::new(Replay::open(dir)?);
    let listener = bind(&args.listen).await?;
    crate::record::serve::serve(replay, &args.source, args.speed, listener).await.map_err(|e| e.to_string())?;
    Ok(EXIT_OK)
}

async fn simulate(args: &SimulateArgs) -> Result<i32, String> {
    let text =
        std::fs::read_to_string(&args.scenario).map_err(|e| format!("cannot read {}: {e}", args.scenario.display()))?;
    let scenario = crate::sim::Scenario::from_json(&text).map_err(|e| format!("{}: {e}", args.scenario.display()))?;
    let listener = bind(&args.listen).await?;
    crate::sim::serve(scenario, listener).await.map_err(|e| e.to_string())?;
    Ok(EXIT_OK)
}

/// Binds and prints the address (port 0 picks a free one), for scripts that start us.
async fn bind(addr: &str) -> Result<tokio::net::TcpListener, String> {
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    println!("listening on http://{local}");
    let _ = std::io::stdout().flush();
    Ok(listener)
}

/// Used by tests and scripts to check a path is a recording.
pub fn is_recording(dir: &Path) -> bool {
    dir.join("manifest.json").is_file() && dir.join("index.jsonl").is_file()
}
