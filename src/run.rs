//! The commands: each opens its inputs, drives a session and hands the result to a surface.
//! Returns the exit code.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use color_eyre::eyre::{eyre, Result, WrapErr};
use color_eyre::Section;

use crate::analysis::Thresholds;
use crate::cli::{Cli, Command, ConfigCommand, DiagnoseArgs, FailOn, Format, RecordArgs, ServeArgs, SourceArgs};
use crate::collect::{job_filter, now_ms, Inputs};
use crate::config::Settings;
use crate::diagnosis::Severity;
use crate::record::{Recorder, Replay, SourceInfo};
use crate::report::{self, InputInfo};
use crate::session::Session;

/// Exit codes of `diagnose` (README.md). 2 is clap's own usage error.
pub const EXIT_OK: i32 = 0;
pub const EXIT_VERDICT: i32 = 1;
pub const EXIT_CANNOT_DIAGNOSE: i32 = 3;
/// Ctrl-C during `diagnose`: the verdict so far was printed, marked partial (128 + SIGINT).
pub const EXIT_INTERRUPTED: i32 = 130;

pub async fn run(cli: Cli) -> i32 {
    let result = match cli.command {
        Some(Command::Config(ConfigCommand::Path)) => config_path(&cli.source),
        Some(Command::Config(ConfigCommand::Check)) => config_check(&cli.source),
        command => match settings(&cli.source) {
            Err(e) => Err(e.into()),
            Ok(set) => match command {
                Some(Command::Diagnose(args)) => {
                    say_assumed_schemes(&set);
                    diagnose(&set, &args).await
                }
                Some(Command::Record(args)) => {
                    say_assumed_schemes(&set);
                    record(&set, &args).await
                }
                Some(Command::ServeRecording(args)) => serve_recording(&set, &args).await,
                _ => {
                    say_assumed_schemes(&set);
                    watch(&set).await
                }
            },
        },
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            report_error(&e);
            EXIT_CANNOT_DIAGNOSE
        }
    }
}

/// An endpoint given as `host:port` is read as `http://host:port`: said once, on stderr (stdout
/// stays the report's).
fn say_assumed_schemes(set: &Settings) {
    let all = set.flink.iter().chain(&set.scrapes).chain(&set.prometheus).chain(&set.burrow);
    for e in all.filter(|e| !e.url.contains("://")) {
        eprintln!("bptop: {} has no scheme: using http://{}", e.url.trim(), e.url.trim().trim_end_matches('/'));
    }
}

/// One line on stderr, the error and its causes (scripts and CI read it; the tests hold it to
/// one line). With `BPTOP_DEBUG=1`, color-eyre's full report instead: causes on lines of their
/// own, the suggestion, and (with `RUST_BACKTRACE`) where it came from, for a bug report.
fn report_error(e: &color_eyre::Report) {
    match std::env::var("BPTOP_DEBUG").is_ok_and(|v| v == "1") {
        true => eprintln!("bptop: {e:?}"),
        false => eprintln!("bptop: {e:#}"),
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
fn settings(src: &SourceArgs) -> Result<Settings, crate::config::ConfigError> {
    let file = match config_file(src) {
        (Some(p), explicit) if explicit || p.is_file() => Some((p.clone(), crate::config::load(&p)?)),
        _ => None,
    };
    crate::config::resolve(src, &crate::config::process_env, file)
}

fn config_path(src: &SourceArgs) -> Result<i32> {
    match config_file(src) {
        (Some(p), _) => {
            let state = if p.is_file() { "exists" } else { "does not exist" };
            println!("{} ({state})", p.display());
            Ok(EXIT_OK)
        }
        (None, _) => Err(eyre!("no config path: neither XDG_CONFIG_HOME nor HOME is set (use --config FILE)")),
    }
}

/// Resolves everything a command would, builds every client (so certificate files and URLs
/// are checked), and prints the settings with secrets masked.
fn config_check(src: &SourceArgs) -> Result<i32> {
    let (path, _) = config_file(src);
    // Building the inputs checks URLs, CA and certificate files; with no endpoint there is
    // nothing to build (and no need to announce the bundled recording).
    let has_inputs = |set: &Settings| set.replay.is_some() || set.endpoint_count() > 0;
    let result = settings(src).map_err(|e| e.to_string()).and_then(|set| {
        if has_inputs(&set) {
            Inputs::open(&set).map(|_| set)
        } else {
            Ok(set)
        }
    });
    print!("{}", crate::config::check::render(path.as_deref(), &result));
    let _ = std::io::stdout().flush();
    Ok(if result.is_ok() { EXIT_OK } else { EXIT_CANNOT_DIAGNOSE })
}

async fn diagnose(src: &Settings, args: &DiagnoseArgs) -> Result<i32> {
    let inputs = Inputs::open(src).map_err(|e| eyre!(e))?;
    let replaying = inputs.replay().is_some();
    let collector = inputs.collector(job_filter(src), None).with_budget(poll_budget(src));
    let samples = match (args.samples, collector.replay_polls()) {
        (Some(n), Some(polls)) => (n as usize).min(polls),
        (Some(n), None) => n as usize,
        (None, Some(polls)) => polls,
        (None, None) => 3,
    };
    let mut session = Session::new(diagnose_thresholds(&src.thresholds, args));
    // History from the Prometheus server first, so trends exist from the first poll.
    match collector.backfill(args.backfill.as_secs_f64(), src.interval.as_secs_f64()).await {
        Ok(snaps) => session.backfill(snaps),
        Err(e) => eprintln!("bptop: no backfill from Prometheus: {e}"),
    }
    // Ctrl-C stops the polls: the verdict so far is printed, marked partial, and the exit code
    // is 130 (as a shell reports SIGINT), whatever the severity.
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let mut interrupted = false;
    for i in 0..samples {
        let poll = async {
            if i > 0 && !replaying {
                tokio::time::sleep(src.interval).await;
            }
            // The last poll waits for every source (up to its timeout): the verdict should have
            // all there is; earlier ones go on without a late source.
            if i + 1 == samples {
                collector.poll_within(i, None).await
            } else {
                collector.poll(i).await
            }
        };
        tokio::select! {
            snap = poll => {
                session.observe(snap);
            }
            _ = &mut ctrl_c => {
                interrupted = true;
                break;
            }
        }
    }
    let counts = session.counts();
    let diagnosis = match session.verdict() {
        Ok(d) => d,
        Err(e) if interrupted => {
            eprintln!("bptop: interrupted after {} of {samples} polls, before a verdict: {e}", counts.taken);
            return Ok(EXIT_INTERRUPTED);
        }
        Err(e) => return Err(eyre!(e)).suggestion(
            "bptop config check shows the endpoints and settings in use; bptop record keeps the answers for a bug report",
        ),
    };
    let input = InputInfo {
        mode: if replaying { "replay" } else { "live" }.into(),
        source: inputs.label().to_string(),
        polls: counts.taken,
        polls_failed: counts.failed,
        backfilled: counts.backfilled,
        partial: interrupted.then(|| format!("interrupted by Ctrl-C after {} of {samples} polls", counts.taken)),
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
        _ if interrupted => EXIT_INTERRUPTED,
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

async fn watch(src: &Settings) -> Result<i32> {
    let inputs = Inputs::open(src).map_err(|e| eyre!(e))?;
    let collector = inputs.collector(job_filter(src), None).with_budget(poll_budget(src));
    let opts = crate::ui::WatchOptions {
        label: inputs.label().to_string(),
        sources: inputs.list(),
        interval: src.interval,
        theme: crate::ui::theme::Theme::from_settings(src.theme),
        thresholds: src.thresholds.clone(),
        mouse: src.mouse,
        // A reader of its own: sharing the replay's cursor would mix the two reads' polls.
        timeline: inputs
            .replay()
            .and_then(|r| crate::collect::collector_for_recording(Arc::new(r.reader()), job_filter(src)).ok()),
    };
    crate::ui::watch(collector, opts).await.map_err(|e| eyre!(e))?;
    Ok(EXIT_OK)
}

async fn record(src: &Settings, args: &RecordArgs) -> Result<i32> {
    if src.replay.is_some() {
        return Err(eyre!("record reads live endpoints: give --flink URL and/or --scrape URL, not --replay"));
    }
    if src.endpoint_count() == 0 {
        return Err(eyre!("record needs an endpoint: --flink, --scrape, --prometheus or --burrow"));
    }
    let inputs = Inputs::open(src).map_err(|e| eyre!(e))?;
    let sources = inputs
        .list()
        .into_iter()
        .map(|(name, kind, base_url)| SourceInfo { name, kind: kind.name().to_string(), base_url })
        .collect();
    let interval_ms = src.interval.as_millis() as u64;
    let recorder = Arc::new(
        Recorder::create(&args.out, sources, &args.note, src.job.as_deref(), interval_ms, now_ms(), now_ms)
            .map_err(|e| eyre!(e))?,
    );
    let collector = inputs.collector(job_filter(src), Some(recorder.clone()));
    // The recording is judged as it is taken, by the same session a replay of it will drive:
    // the last line says whether it holds what it was taken for.
    let mut session = Session::new(src.thresholds.clone());
    // The history a later replay will backfill from, recorded like any other answer.
    match collector.backfill(crate::session::BACKFILL_S, src.interval.as_secs_f64()).await {
        Ok(snaps) => session.backfill(snaps),
        Err(e) => eprintln!("bptop: no backfill from Prometheus: {e}"),
    }
    let polls = (args.duration.as_secs_f64() / src.interval.as_secs_f64()).round().max(1.0) as usize;
    let mut ticker = tokio::time::interval(src.interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // One Ctrl-C listener for the whole recording, raced against waiting and polling alike,
    // so a press is never lost and what was recorded is kept.
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    // Each job's verdict whenever it changes, as a replay of the recording up to that poll will
    // say it: a failover or a freeze can be followed as it happens and compared afterwards.
    let mut said = report::VerdictChanges::default();
    for n in 0..polls {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = &mut ctrl_c => break,
        }
        let snap = tokio::select! {
            s = collector.poll(n) => s,
            _ = &mut ctrl_c => break,
        };
        let requests: u32 = snap.sources.iter().map(|s| s.requests).sum();
        let failed: Vec<String> =
            snap.sources.iter().filter_map(|s| s.error.as_ref().map(|e| format!("{}: {e}", s.name))).collect();
        match failed.is_empty() {
            true => eprintln!("poll {}/{polls}: {} job(s), {requests} requests", n + 1, snap.jobs.len()),
            false => eprintln!("poll {}/{polls}: {requests} requests, failed: {}", n + 1, failed.join("; ")),
        }
        session.observe(snap);
        if let Ok(d) = session.verdict() {
            for line in said.changes(&d) {
                eprintln!("  {line}");
            }
        }
    }
    let (responses, error) = recorder.finish();
    if let Some(e) = error {
        return Err(eyre!(e)).wrap_err(format!("recording to {} failed", args.out.display()));
    }
    let counts = session.counts();
    eprintln!("recorded {} polls ({responses} responses) into {}", counts.taken, recorder.dir().display());
    match session.verdict() {
        Ok(d) => eprintln!(
            "its verdict: {} ({} of {} polls answered)",
            d.severity.label(),
            counts.taken - counts.failed,
            counts.taken
        ),
        Err(e) => eprintln!("its verdict: none ({e})"),
    }
    Ok(EXIT_OK)
}

async fn serve_recording(src: &Settings, args: &ServeArgs) -> Result<i32> {
    let Some(dir) = &src.replay else {
        return Err(eyre!("serve-recording needs --replay DIR"));
    };
    let replay = Arc::new(Replay::open(dir).map_err(|e| eyre!(e))?);
    let listener = bind(&args.listen).await?;
    crate::record::serve::serve(replay, &args.source, args.speed, listener).await?;
    Ok(EXIT_OK)
}

/// Binds and prints the address (port 0 picks a free one), for scripts that start us.
async fn bind(addr: &str) -> Result<tokio::net::TcpListener> {
    let listener = tokio::net::TcpListener::bind(addr).await.wrap_err_with(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    println!("listening on http://{local}");
    let _ = std::io::stdout().flush();
    Ok(listener)
}

/// Used by tests and scripts to check a path is a recording.
pub fn is_recording(dir: &Path) -> bool {
    dir.join("manifest.json").is_file() && dir.join("index.jsonl").is_file()
}
