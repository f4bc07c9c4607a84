//! One place decides every setting: flags > environment > profile > defaults. The environment
//! is passed in (not read here), so the precedence is tested without touching the process.

use std::path::PathBuf;
use std::time::Duration;

use super::credentials::merge;
use super::file::{ConfigFile, Connection, Profile, ThresholdsFile};
use super::resolver::{env_flag, Env, Resolver, Shown};
use super::{ConfigError, SourceArgs};
use crate::analysis::forecast::ForecastOptions;
use crate::analysis::Thresholds;
use crate::model::SourceKind;
use crate::sources::access::Access;
use crate::theme_name::ThemeName;
use crate::units::{parse_duration, parse_ratio};

/// Everything a command needs, resolved.
#[derive(Clone, Debug)]
pub struct Settings {
    pub flink: Option<EndpointSettings>,
    pub scrapes: Vec<EndpointSettings>,
    pub prometheus: Option<EndpointSettings>,
    pub burrow: Option<EndpointSettings>,
    pub replay: Option<PathBuf>,
    pub job: Option<String>,
    pub interval: Duration,
    pub timeout: Duration,
    pub concurrency: usize,
    pub retries: u32,
    pub theme: ThemeName,
    /// The dashboard captures the mouse (off with --no-mouse).
    pub mouse: bool,
    /// From the profile and defaults; `diagnose` flags override them.
    pub thresholds: Thresholds,
    pub profile: Option<String>,
    pub config_path: Option<PathBuf>,
    /// Every setting with where it came from, secrets masked, for `bptop config check`.
    pub shown: Vec<Shown>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EndpointSettings {
    pub url: String,
    pub access: Access,
}

/// The sources' keys in the profile (and flags), with the prefix of their environment variables.
/// Scrapes are keyed `scrape` (their kind is prometheus-text): one key for many endpoints.
const FLINK: (&str, &str) = (SourceKind::Flink.name(), "BPTOP_FLINK");
const SCRAPE: (&str, &str) = ("scrape", "BPTOP_SCRAPE");
const PROMETHEUS: (&str, &str) = (SourceKind::Prometheus.name(), "BPTOP_PROMETHEUS");
const BURROW: (&str, &str) = (SourceKind::Burrow.name(), "BPTOP_BURROW");

/// Resolves the command line against the environment and the config file (`file` is the path
/// and content when one was found; `explicit` when the user named it, so a missing one is an error).
pub fn resolve(cli: &SourceArgs, env: Env, file: Option<(PathBuf, ConfigFile)>) -> Result<Settings, ConfigError> {
    let mut shown = Vec::new();
    let (config_path, config) = match file {
        Some((p, c)) => (Some(p), c),
        None => (None, ConfigFile::default()),
    };
    let profile_name = match (&cli.profile, env("BPTOP_PROFILE").filter(|v| !v.is_empty())) {
        (Some(p), _) => Some((p.clone(), "--profile".to_string())),
        (None, Some(p)) => Some((p, "env BPTOP_PROFILE".to_string())),
        (None, None) => config.default_profile.clone().map(|p| (p, "default_profile".to_string())),
    };
    let profile = match &profile_name {
        Some((name, from)) => {
            let Some(p) = config.profiles.get(name) else {
                let Some(file) = &config_path else {
                    return Err(ConfigError::Profile(format!(
                        "profile '{name}' (from {from}): there is no config file (`bptop config path` tells where it goes)"
                    )));
                };
                let known: Vec<&str> = config.profiles.keys().map(String::as_str).collect();
                return Err(ConfigError::Profile(format!(
                    "profile '{name}' (from {from}) is not in {}{}",
                    file.display(),
                    if known.is_empty() { String::new() } else { format!(" (profiles: {})", known.join(", ")) }
                )));
            };
            shown.push(Shown { key: "profile".into(), value: name.clone(), from: from.clone() });
            p.clone()
        }
        None => Profile::default(),
    };
    let explicit_profile = profile_name.as_ref().is_some_and(|(_, from)| from != "default_profile");
    let mut profile = profile;
    // `bptop --flink http://staging:8081` with a default profile for prod: the default profile's
    // sources, job and lag groups would mix prod data into the staging verdict. Named on the
    // command line, a profile is meant whole; by default, only its settings apply.
    let ad_hoc_sources = cli.flink.is_some()
        || !cli.scrape.is_empty()
        || cli.prometheus.is_some()
        || cli.burrow.is_some()
        || cli.replay.is_some()
        || ["BPTOP_FLINK_URL", "BPTOP_SCRAPE", "BPTOP_PROMETHEUS_URL", "BPTOP_BURROW_URL", "BPTOP_REPLAY"]
            .iter()
            .any(|v| env(v).is_some_and(|x| !x.trim().is_empty()));
    if !explicit_profile && ad_hoc_sources && profile_name.is_some() {
        profile = Profile { flink: None, scrape: Vec::new(), prometheus: None, burrow: None, job: None, ..profile };
        profile.lag_groups.clear();
        shown.push(Shown {
            key: "profile sources".into(),
            value: "set aside".into(),
            from: "sources given by flag or environment (name the profile with --profile to use them too)".into(),
        });
    }
    let pname = profile_name.as_ref().map(|(n, _)| n.clone()).unwrap_or_default();
    let mut r = Resolver { env, profile: &pname, shown };

    // Connection settings given on the command line apply to every source named there.
    let cli_access = r.cli_access(cli)?;

    let replay = r.pick(
        "replay",
        cli.replay.clone(),
        "BPTOP_REPLAY",
        |s| Ok(PathBuf::from(s)),
        None,
        |p| p.display().to_string(),
    )?;
    let flink =
        r.endpoint(FLINK, cli.flink.as_ref(), profile.flink.as_ref().map(|e| e.connection()), &profile, &cli_access)?;
    let prometheus = r.endpoint(
        PROMETHEUS,
        cli.prometheus.as_ref(),
        profile.prometheus.as_ref().map(|e| e.connection()),
        &profile,
        &cli_access,
    )?;
    let burrow = r.endpoint(
        BURROW,
        cli.burrow.as_ref(),
        profile.burrow.as_ref().map(|e| e.connection()),
        &profile,
        &cli_access,
    )?;
    let scrapes = r.scrapes(cli, &profile, &cli_access)?;

    let dur = |key: &str, s: &Option<String>| -> Result<Option<Duration>, ConfigError> {
        let bad = |e| ConfigError::Value(format!("profile '{pname}': {key}: {e}"));
        s.as_deref().map(|v| parse_duration(v).map_err(bad)).transpose()
    };
    let show_dur = |d: &Duration| format!("{d:?}");
    let job = r.pick("job", cli.job.clone(), "BPTOP_JOB", |s| Ok(s.to_string()), profile.job.clone(), String::clone)?;
    let interval = r
        .pick(
            "interval",
            cli.interval,
            "BPTOP_INTERVAL",
            parse_duration,
            dur("interval", &profile.interval)?,
            show_dur,
        )?
        .unwrap_or_else(|| r.default("interval", Duration::from_secs(2), show_dur));
    let timeout = r
        .pick("timeout", cli.timeout, "BPTOP_TIMEOUT", parse_duration, dur("timeout", &profile.timeout)?, show_dur)?
        .unwrap_or_else(|| r.default("timeout", Duration::from_secs(10), show_dur));
    let concurrency = r
        .pick(
            "concurrency",
            cli.concurrency,
            "BPTOP_CONCURRENCY",
            parse_concurrency,
            profile.concurrency,
            u16::to_string,
        )?
        .unwrap_or_else(|| r.default("concurrency", 16, u16::to_string));
    if !(1..=256).contains(&concurrency) {
        return Err(ConfigError::Value(format!("concurrency {concurrency} must be between 1 and 256")));
    }
    let retries = r
        .pick("retries", cli.retries, "BPTOP_RETRIES", parse_retries, profile.retries, u32::to_string)?
        .unwrap_or_else(|| r.default("retries", 2, u32::to_string));
    if retries > 10 {
        return Err(ConfigError::Value(format!("retries {retries} must be at most 10")));
    }
    let ascii_flag = cli.ascii || env_flag(env, "BPTOP_ASCII").map_err(ConfigError::Value)?;
    let theme = if ascii_flag {
        r.note("theme", "ascii", if cli.ascii { "--ascii" } else { "env BPTOP_ASCII" });
        ThemeName::Ascii
    } else if let Some(t) = profile.theme {
        r.note("theme", &format!("{t:?}").to_lowercase(), &format!("profile {pname}"));
        t
    } else {
        r.default("theme", ThemeName::Auto, |_| "auto".into())
    };

    let no_mouse = cli.no_mouse || env_flag(env, "BPTOP_NO_MOUSE").map_err(ConfigError::Value)?;
    if no_mouse {
        r.note("mouse", "off", if cli.no_mouse { "--no-mouse" } else { "env BPTOP_NO_MOUSE" });
    } else {
        r.default("mouse", true, |_| "on".into());
    }

    let mut lag_groups: Vec<(String, String)> = cli.lag_group.clone();
    if lag_groups.is_empty() {
        lag_groups = profile.lag_groups.iter().map(|(a, b)| (a.clone(), b.clone())).collect();
    }
    let thresholds = thresholds(&profile.thresholds, &pname, lag_groups).map_err(ConfigError::Value)?;
    let settings = Settings {
        flink,
        scrapes,
        prometheus,
        burrow,
        replay,
        job,
        interval,
        timeout,
        concurrency: usize::from(concurrency),
        retries,
        theme,
        mouse: !no_mouse,
        thresholds,
        profile: profile_name.map(|(n, _)| n),
        config_path,
        shown: r.shown,
    };
    if explicit_profile && settings.endpoint_count() == 0 && settings.replay.is_none() {
        // Not the bundled demo recording: a verdict on it would pass for the profile's cluster.
        return Err(ConfigError::Profile(format!(
            "profile '{pname}' names no source (flink, scrape, prometheus or burrow): add one, or give --flink URL"
        )));
    }
    Ok(settings)
}

impl Settings {
    /// Live endpoints configured (0: a recording, or the bundled one, is read).
    pub fn endpoint_count(&self) -> usize {
        self.endpoints().len()
    }

    /// Every live endpoint as (kind, source name, settings), in the order polls report them:
    /// Flink, the scrapes (`scrape-1`, …), Prometheus, Burrow.
    pub fn endpoints(&self) -> Vec<(SourceKind, String, &EndpointSettings)> {
        fn named(kind: SourceKind, e: &Option<EndpointSettings>) -> Option<(SourceKind, String, &EndpointSettings)> {
            e.as_ref().map(|e| (kind, kind.name().to_string(), e))
        }
        let scrapes =
            self.scrapes.iter().enumerate().map(|(i, e)| (SourceKind::PrometheusText, format!("scrape-{}", i + 1), e));
        let mut out: Vec<_> = named(SourceKind::Flink, &self.flink).into_iter().chain(scrapes).collect();
        out.extend(named(SourceKind::Prometheus, &self.prometheus));
        out.extend(named(SourceKind::Burrow, &self.burrow));
        out
    }
}

fn parse_concurrency(s: &str) -> Result<u16, String> {
    s.trim().parse().map_err(|_| format!("'{s}' is not a number of requests"))
}

fn parse_retries(s: &str) -> Result<u32, String> {
    s.trim().parse().map_err(|_| format!("'{s}' is not a number of retries"))
}

/// The profile's thresholds over the defaults, checked with the same ranges as the flags.
fn thresholds(t: &ThresholdsFile, profile: &str, lag_groups: Vec<(String, String)>) -> Result<Thresholds, String> {
    let ctx = |key: &str, e: String| format!("profile '{profile}': thresholds.{key}: {e}");
    let ratio = |key: &str, v: Option<f64>, lo: f64, hi: f64| -> Result<Option<f64>, String> {
        v.map(|x| parse_ratio(&x.to_string(), lo, hi).map_err(|e| ctx(key, e))).transpose()
    };
    let dur = |key: &str, v: &Option<String>| -> Result<Option<f64>, String> {
        v.as_deref().map(|s| parse_duration(s).map(|d| d.as_secs_f64()).map_err(|e| ctx(key, e))).transpose()
    };
    let d = Thresholds::default();
    let f = ForecastOptions::default();
    if let Some(n) = t.min_samples {
        if !(3..=10_000).contains(&n) {
            return Err(ctx("min_samples", format!("{n} must be between 3 and 10000")));
        }
    }
    Ok(Thresholds {
        bp_low: ratio("bp_threshold", t.bp_threshold, 0.01, 0.9)?.unwrap_or(d.bp_low),
        busy_bottleneck: ratio("busy_threshold", t.busy_threshold, 0.05, 0.95)?.unwrap_or(d.busy_bottleneck),
        target_utilization: ratio("target_utilization", t.target_utilization, 0.1, 1.0)?
            .unwrap_or(d.target_utilization),
        loss_horizon_s: dur("loss_horizon", &t.loss_horizon)?.unwrap_or(d.loss_horizon_s),
        lag_groups,
        forecast: ForecastOptions {
            min_samples: t.min_samples.map_or(f.min_samples, |n| n as usize),
            threshold: ratio("saturation", t.saturation, 0.5, 1.0)?.unwrap_or(f.threshold),
            horizon_s: dur("horizon", &t.horizon)?.unwrap_or(f.horizon_s),
            window_s: dur("forecast_window", &t.forecast_window)?.unwrap_or(f.window_s),
            ..f
        },
        ..d
    })
}

impl Resolver<'_> {
    /// One source's URL and access. A URL from the command line gets only command-line and
    /// environment settings: the profile's credentials are never sent to a host the profile
    /// does not name.
    fn endpoint(
        &mut self,
        (name, prefix): (&str, &str),
        flag: Option<&String>,
        from_profile: Option<Connection>,
        profile: &Profile,
        cli_access: &Access,
    ) -> Result<Option<EndpointSettings>, ConfigError> {
        let var = format!("{prefix}_URL");
        let env_url = (self.env)(&var).filter(|v| !v.trim().is_empty());
        let (url, from, conn) = match (flag, env_url, from_profile) {
            (Some(u), _, _) => (u.clone(), format!("--{name}"), None),
            (None, Some(u), _) => (u, format!("env {var}"), None),
            (None, None, Some(c)) => {
                let url = c
                    .url
                    .clone()
                    .ok_or_else(|| ConfigError::Profile(format!("profile '{}': {name} has no url", self.profile)))?;
                (url, format!("profile {}", self.profile), Some(merge(&c, &profile.http)))
            }
            (None, None, None) => return Ok(None),
        };
        let access = self.access(name, prefix, conn.as_ref(), cli_access)?;
        self.show_endpoint(name, &url, &from, &access);
        Ok(Some(EndpointSettings { url, access }))
    }

    fn scrapes(
        &mut self,
        cli: &SourceArgs,
        profile: &Profile,
        cli_access: &Access,
    ) -> Result<Vec<EndpointSettings>, ConfigError> {
        // BPTOP_SCRAPE holds the URLs (comma-separated), BPTOP_SCRAPE_USER … the credentials.
        let (prefix, var) = (SCRAPE.1, SCRAPE.1.to_string());
        let from_cli: Vec<(String, String)> = if !cli.scrape.is_empty() {
            cli.scrape.iter().map(|u| (u.clone(), "--scrape".to_string())).collect()
        } else if let Some(v) = (self.env)(&var).filter(|v| !v.trim().is_empty()) {
            v.split(',')
                .filter(|u| !u.trim().is_empty())
                .map(|u| (u.trim().to_string(), format!("env {var}")))
                .collect()
        } else {
            Vec::new()
        };
        let mut out = Vec::new();
        if !from_cli.is_empty() {
            for (i, (url, from)) in from_cli.into_iter().enumerate() {
                let access = self.access("scrape", prefix, None, cli_access)?;
                self.show_endpoint(&format!("scrape-{}", i + 1), &url, &from, &access);
                out.push(EndpointSettings { url, access });
            }
            return Ok(out);
        }
        for (i, spec) in profile.scrape.iter().enumerate() {
            let c = spec.connection();
            let url = c.url.clone().ok_or_else(|| {
                ConfigError::Profile(format!("profile '{}': scrape #{} has no url", self.profile, i + 1))
            })?;
            let access = self.access("scrape", prefix, Some(&merge(&c, &profile.http)), cli_access)?;
            self.show_endpoint(&format!("scrape-{}", i + 1), &url, &format!("profile {}", self.profile), &access);
            out.push(EndpointSettings { url, access });
        }
        Ok(out)
    }
}

#[cfg(test)]
#[path = "resolve_tests.rs"]
mod tests;
