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

/// Sources and connection settings. Each may also come from the environment (named in its
/// help) or from a profile of the config file: flags > environment > profile > defaults. The
/// environment is read by `config::resolve`, not by clap, so that precedence lives in one place.
#[derive(Debug, Clone, Default, Args)]
pub struct SourceArgs {
    /// Flink REST base URL, may carry a path prefix (https://gw.example/flink/) [env: BPTOP_FLINK_URL]
    #[arg(long, global = true, value_name = "URL")]
    pub flink: Option<String>,
    /// Prometheus exposition endpoint to scrape (a Flink reporter, a Kafka lag exporter); repeatable [env: BPTOP_SCRAPE]
    #[arg(long, global = true, value_name = "URL", value_delimiter = ',')]
    pub scrape: Vec<String>,
    /// Prometheus server whose HTTP API holds the Flink and lag metrics (history is backfilled) [env: BPTOP_PROMETHEUS_URL]
    #[arg(long, global = true, value_name = "URL")]
    pub prometheus: Option<String>,
    /// Burrow (v3 API) for consumer lag [env: BPTOP_BURROW_URL]
    #[arg(long, global = true, value_name = "URL")]
    pub burrow: Option<String>,
    /// Tie a consumer group to a Flink job when names do not tell: JOB=GROUP (job id, prefix or name); repeatable
    #[arg(long, global = true, value_name = "JOB=GROUP", value_parser = parse_pair)]
    pub lag_group: Vec<(String, String)>,
    /// Job id (or 4+ leading hex digits) or exact job name [default: every active job] [env: BPTOP_JOB]
    #[arg(long, global = true, value_name = "ID|NAME")]
    pub job: Option<String>,
    /// Read everything from a recording made by `bptop record` instead of the network [env: BPTOP_REPLAY]
    #[arg(long, global = true, value_name = "DIR", conflicts_with = "flink")]
    pub replay: Option<PathBuf>,
    /// Time between polls (2s, 500ms, 1m) [default: 2s] [env: BPTOP_INTERVAL]
    #[arg(long, global = true, value_parser = parse_duration)]
    pub interval: Option<Duration>,
    /// The most one HTTP request may take, retries included [default: 10s] [env: BPTOP_TIMEOUT]
    #[arg(long, global = true, value_parser = parse_duration)]
    pub timeout: Option<Duration>,
    /// Retries of a GET after a refused connection or a 429/502/503/504, with backoff [default: 2] [env: BPTOP_RETRIES]
    #[arg(long, global = true, value_parser = clap::value_parser!(u32).range(0..=10))]
    pub retries: Option<u32>,
    /// Plain ASCII in the dashboard, for fonts without box-drawing or block glyphs [env: BPTOP_ASCII]
    #[arg(long, global = true)]
    pub ascii: bool,
    /// Requests in flight at once per source [default: 16] [env: BPTOP_CONCURRENCY]
    #[arg(long, global = true, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: Option<u16>,
    /// Config file [default: $XDG_CONFIG_HOME/bptop/config.toml] [env: BPTOP_CONFIG]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Profile of the config file to use [default: its default_profile] [env: BPTOP_PROFILE]
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// PEM CA bundle to trust instead of the built-in roots (as curl's --cacert) [env: BPTOP_CACERT]
    #[arg(long, global = true, value_name = "FILE")]
    pub cacert: Option<PathBuf>,
    /// PEM client certificate for mutual TLS (with --key) [env: BPTOP_CLIENT_CERT]
    #[arg(long, global = true, value_name = "FILE")]
    pub cert: Option<PathBuf>,
    /// PEM private key of --cert [env: BPTOP_CLIENT_KEY]
    #[arg(long, global = true, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Do NOT verify TLS certificates: anyone on the path can read and change the answers and
    /// see the credentials sent. For a lab, never for production [env: BPTOP_INSECURE=1]
    #[arg(long, global = true)]
    pub insecure: bool,
    /// Extra request header, 'Name: value' (not for secrets: use --header-env); repeatable
    #[arg(long, global = true, value_name = "NAME: VALUE")]
    pub header: Vec<String>,
    /// Extra request header whose value is read from an environment variable, Name=ENV_VAR; repeatable
    #[arg(long, global = true, value_name = "NAME=ENV_VAR")]
    pub header_env: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// One-shot verdict for CI and scripts: text, JSON or markdown, exit code by severity
    Diagnose(DiagnoseArgs),
    /// Capture raw responses into a directory, for --replay and bug reports
    Record(RecordArgs),
    /// Live terminal dashboard (the default command)
    Watch,
    /// The config file: `bptop config check` validates it and prints the resolved settings
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Serve a recording over HTTP as the cluster answered (tests, gateway checks)
    #[command(hide = true)]
    ServeRecording(ServeArgs),
    /// Serve a simulated Flink REST API from a scenario file (fixtures, tests, benchmarks)
    #[command(hide = true)]
    Simulate(SimulateArgs),
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate the config file and profile, and print every resolved setting with where it
    /// came from (flag, environment, profile, default); secrets masked. Exit 0 when usable, 3 when not
    Check,
    /// Print the path bptop reads the config file from
    Path,
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
    /// Backpressured ratio from which a vertex is a victim (0.01 – 0.9) [default: 0.10]
    #[arg(long, value_parser = |s: &str| parse_ratio(s, 0.01, 0.9))]
    pub bp_threshold: Option<f64>,
    /// Busy ratio from which a vertex below victims is the bottleneck (0.05 – 0.95) [default: 0.50]
    #[arg(long, value_parser = |s: &str| parse_ratio(s, 0.05, 0.95))]
    pub busy_threshold: Option<f64>,
    /// A data loss forecast within this is critical [default: 6h]
    #[arg(long, value_parser = parse_duration)]
    pub loss_horizon: Option<Duration>,
    /// How much history to read from --prometheus before the first poll (0 for none)
    #[arg(long, default_value = "10m", value_parser = parse_duration_or_zero)]
    pub backfill: Duration,
    /// Forecasts need at least this many distinct measurements [default: 6]
    #[arg(long, value_parser = clap::value_parser!(u32).range(3..=10_000))]
    pub min_samples: Option<u32>,
    /// A forecast saturation within this raises the severity to warning [default: 30m]
    #[arg(long, value_parser = parse_duration)]
    pub horizon: Option<Duration>,
    /// The value counted as saturated for busy time and buffer pools (0.5 – 1) [default: 1]
    #[arg(long, value_parser = |s: &str| parse_ratio(s, 0.5, 1.0))]
    pub saturation: Option<f64>,
    /// How far back forecasts fit their line [default: 10m]
    #[arg(long, value_parser = parse_duration)]
    pub forecast_window: Option<Duration>,
    /// Utilization the suggested parallelism aims for (0.1 – 1) [default: 0.70]
    #[arg(long, value_parser = |s: &str| parse_ratio(s, 0.1, 1.0))]
    pub target_utilization: Option<f64>,
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

pub fn parse_ratio(s: &str, lo: f64, hi: f64) -> Result<f64, String> {
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
