//! Command line: flags, environment fallbacks, and their parsing. No behaviour lives here.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "bptop",
    version,
    about = "backpressure top: which operator is choking your streaming pipeline",
    long_about = "bptop reads a Flink job through its REST API, walks the operator graph and tells which \
vertex is the bottleneck, which ones only suffer from it, and what to change.\n\n\
With no --flink and no --replay, it replays a bundled recording of a real Flink 2.3 job."
)]
pub struct Cli {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Args)]
pub struct SourceArgs {
    /// Flink REST base URL, may carry a path prefix (https://gw.example/flink/)
    #[arg(long, global = true, env = "BPTOP_FLINK_URL", value_name = "URL")]
    pub flink: Option<String>,
    /// Prometheus exposition endpoint to scrape (a Flink reporter, a Kafka lag exporter); repeatable
    #[arg(long, global = true, env = "BPTOP_SCRAPE", value_name = "URL", value_delimiter = ',')]
    pub scrape: Vec<String>,
    /// Prometheus server whose HTTP API holds the Flink and lag metrics (history is backfilled)
    #[arg(long, global = true, env = "BPTOP_PROMETHEUS_URL", value_name = "URL")]
    pub prometheus: Option<String>,
    /// Burrow (v3 API) for consumer lag
    #[arg(long, global = true, env = "BPTOP_BURROW_URL", value_name = "URL")]
    pub burrow: Option<String>,
    /// Tie a consumer group to a Flink job when names do not tell: JOB=GROUP (job id, prefix or name); repeatable
    #[arg(long, global = true, value_name = "JOB=GROUP", value_parser = parse_pair)]
    pub lag_group: Vec<(String, String)>,
    /// Job id (or 4+ leading hex digits) or exact job name [default: every active job]
    #[arg(long, global = true, env = "BPTOP_JOB", value_name = "ID|NAME")]
    pub job: Option<String>,
    /// Read everything from a recording made by `bptop record` instead of the network
    #[arg(long, global = true, env = "BPTOP_REPLAY", value_name = "DIR", conflicts_with = "flink")]
    pub replay: Option<PathBuf>,
    /// Time between polls (2s, 500ms, 1m)
    #[arg(long, global = true, env = "BPTOP_INTERVAL", default_value = "2s", value_parser = parse_duration)]
    pub interval: Duration,
    /// Timeout of one HTTP request
    #[arg(long, global = true, env = "BPTOP_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Plain ASCII in the dashboard, for fonts without box-drawing or block glyphs
    #[arg(long, global = true, env = "BPTOP_ASCII")]
    pub ascii: bool,
    /// Requests in flight at once per source
    #[arg(long, global = true, env = "BPTOP_CONCURRENCY", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// One-shot verdict for CI and scripts: text, JSON or markdown, exit code by severity
    Diagnose(DiagnoseArgs),
    /// Capture raw responses into a directory, for --replay and bug reports
    Record(RecordArgs),
    /// Live terminal dashboard (the default command)
    Watch,
    /// Serve a recording over HTTP as the cluster answered (tests, gateway checks)
    #[command(hide = true)]
    ServeRecording(ServeArgs),
    /// Serve a simulated Flink REST API from a scenario file (fixtures, tests, benchmarks)
    #[command(hide = true)]
    Simulate(SimulateArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Warning,
    Critical,
    Never,
}

#[derive(Debug, Args)]
pub struct DiagnoseArgs {
    /// Polls to take before the verdict, `--interval` apart, so rates and trends exist
    /// [default: 3 live; every poll of a recording]
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub samples: Option<u32>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Exit with 1 when the verdict reaches this severity
    #[arg(long, value_enum, default_value = "critical")]
    pub fail_on: FailOn,
    /// Backpressured ratio from which a vertex is a victim (0.01 – 0.9)
    #[arg(long, default_value_t = 0.10, value_parser = |s: &str| parse_ratio(s, 0.01, 0.9))]
    pub bp_threshold: f64,
    /// Busy ratio from which a vertex below victims is the bottleneck (0.05 – 0.95)
    #[arg(long, default_value_t = 0.50, value_parser = |s: &str| parse_ratio(s, 0.05, 0.95))]
    pub busy_threshold: f64,
    /// A data loss forecast within this is critical
    #[arg(long, default_value = "6h", value_parser = parse_duration)]
    pub loss_horizon: Duration,
    /// How much history to read from --prometheus before the first poll (0 for none)
    #[arg(long, default_value = "10m", value_parser = parse_duration_or_zero)]
    pub backfill: Duration,
    /// Forecasts need at least this many distinct measurements
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(3..=10_000))]
    pub min_samples: u32,
    /// A forecast saturation within this raises the severity to warning
    #[arg(long, default_value = "30m", value_parser = parse_duration)]
    pub horizon: Duration,
    /// The value counted as saturated for busy time and buffer pools (0.5 – 1)
    #[arg(long, default_value_t = 1.0, value_parser = |s: &str| parse_ratio(s, 0.5, 1.0))]
    pub saturation: f64,
    /// How far back forecasts fit their line
    #[arg(long, default_value = "10m", value_parser = parse_duration)]
    pub forecast_window: Duration,
    /// Utilization the suggested parallelism aims for (0.1 – 1)
    #[arg(long, default_value_t = 0.70, value_parser = |s: &str| parse_ratio(s, 0.1, 1.0))]
    pub target_utilization: f64,
}

#[derive(Debug, Args)]
pub struct RecordArgs {
    /// Directory to create (must not hold a recording yet)
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// How long to record (polls every --interval)
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    pub duration: Duration,
    /// Free text stored in the manifest
    #[arg(long, default_value = "")]
    pub note: String,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1:8081")]
    pub listen: String,
    /// Virtual time runs this many times faster than the wall clock
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Which source of the recording to serve
    #[arg(long, default_value = "flink")]
    pub source: String,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Scenario file (fixtures/scenarios/*.json)
    #[arg(long)]
    pub scenario: PathBuf,
    #[arg(long, default_value = "127.0.0.1:8081")]
    pub listen: String,
}

/// "2s", "500ms", "1m", "1h", or plain seconds ("2", "0.5").
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().map_err(|_| format!("'{s}' is not a duration (try 2s, 500ms, 1m)"))?;
    let secs = match unit.trim() {
        "" | "s" | "sec" => n,
        "ms" => n / 1000.0,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        other => return Err(format!("unknown unit '{other}' in '{s}' (use ms, s, m or h)")),
    };
    if !secs.is_finite() || secs <= 0.0 || secs > 30.0 * 86400.0 {
        return Err(format!("'{s}' is out of range"));
    }
    Ok(Duration::from_secs_f64(secs))
}

fn parse_pair(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((a, b)) if !a.trim().is_empty() && !b.trim().is_empty() => {
            Ok((a.trim().to_string(), b.trim().to_string()))
        }
        _ => Err(format!("'{s}' is not JOB=GROUP")),
    }
}

fn parse_duration_or_zero(s: &str) -> Result<Duration, String> {
    if s.trim() == "0" {
        Ok(Duration::ZERO)
    } else {
        parse_duration(s)
    }
}

fn parse_ratio(s: &str, lo: f64, hi: f64) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("'{s}' is not a number"))?;
    if (lo..=hi).contains(&v) {
        Ok(v)
    } else {
        Err(format!("'{s}' must be between {lo} and {hi}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("2s").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("1m").unwrap(), Duration::from_secs(60));
        assert_eq!(parse_duration("3").unwrap(), Duration::from_secs(3));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("2 parsecs").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn the_cli_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
