//! The settings a command line gives: sources and connection flags. `cli` flattens them into
//! every command; `resolve` weighs them against the environment, the profile and the defaults.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::units::parse_duration;

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
    /// Job id (or 4+ leading hex digits), job name, or a part of a name that names one job (any case) [default: every active job] [env: BPTOP_JOB]
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
    /// Leave the mouse to the terminal (to select text): no clicks or wheel in the dashboard [env: BPTOP_NO_MOUSE]
    #[arg(long, global = true)]
    pub no_mouse: bool,
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

fn parse_pair(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((a, b)) if !a.trim().is_empty() && !b.trim().is_empty() => {
            Ok((a.trim().to_string(), b.trim().to_string()))
        }
        _ => Err(format!("'{s}' is not JOB=GROUP")),
    }
}
