//! Command line: flags, environment fallbacks, and their parsing. No behaviour lives here.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub use crate::config::SourceArgs;
use crate::units::{parse_duration, parse_ratio};

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

fn parse_duration_or_zero(s: &str) -> Result<Duration, String> {
    if s.trim() == "0" {
        Ok(Duration::ZERO)
    } else {
        parse_duration(s)
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
