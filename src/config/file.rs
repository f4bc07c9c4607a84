//! The config file as written: TOML with named profiles. Only shapes and spelling are checked
//! here (unknown keys are errors, so a typo never silently drops a setting); meaning is given
//! by `resolve`.
//!
//! ```toml
//! default_profile = "prod-eu"
//!
//! [profiles.prod-eu]
//! flink = "https://gw.example/flink/"          # or a table with connection settings:
//! prometheus = { url = "https://prom.example", token_env = "PROM_EU_TOKEN" }
//! scrape = ["http://lag-exporter:8000/metrics"]
//! job = "orders-enrichment"
//! interval = "2s"
//! theme = "mono"
//!
//! [profiles.prod-eu.http]                      # every source of the profile, unless it says otherwise
//! username = "oncall"
//! password_env = "PROD_EU_PASSWORD"            # secrets are named, never written here
//! cacert = "/etc/ssl/corp-ca.pem"
//!
//! [profiles.prod-eu.thresholds]
//! bp_threshold = 0.15
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use crate::theme_name::ThemeName;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub default_profile: Option<String>,
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub flink: Option<EndpointSpec>,
    #[serde(default)]
    pub scrape: Vec<EndpointSpec>,
    pub prometheus: Option<EndpointSpec>,
    pub burrow: Option<EndpointSpec>,
    /// Connection settings shared by every source of the profile.
    #[serde(default)]
    pub http: Connection,
    pub job: Option<String>,
    pub interval: Option<String>,
    pub timeout: Option<String>,
    pub concurrency: Option<u16>,
    pub retries: Option<u32>,
    /// JOB = GROUP, as `--lag-group`.
    #[serde(default)]
    pub lag_groups: BTreeMap<String, String>,
    pub theme: Option<ThemeName>,
    #[serde(default)]
    pub thresholds: ThresholdsFile,
}

/// `flink = "URL"` or `flink = { url = "URL", token_env = "…" }`.
#[derive(Clone, Debug)]
pub enum EndpointSpec {
    Url(String),
    Full(Box<Connection>),
}

// By hand rather than `#[serde(untagged)]`: an untagged enum turns a misspelt key inside the
// table into "did not match any variant", where this keeps serde's "unknown field `x`".
impl<'de> Deserialize<'de> for EndpointSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Spec;
        impl<'de> serde::de::Visitor<'de> for Spec {
            type Value = EndpointSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a URL or a table with `url` and connection settings")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<EndpointSpec, E> {
                Ok(EndpointSpec::Url(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<EndpointSpec, A::Error> {
                Connection::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(|c| EndpointSpec::Full(Box::new(c)))
            }
        }
        d.deserialize_any(Spec)
    }
}

impl EndpointSpec {
    pub fn connection(&self) -> Connection {
        match self {
            EndpointSpec::Url(url) => Connection { url: Some(url.clone()), ..Connection::default() },
            EndpointSpec::Full(c) => (**c).clone(),
        }
    }
}

/// How to reach an endpoint. Secrets appear only as the names of environment variables or
/// files that hold them, so a config file can be shared and committed.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Connection {
    pub url: Option<String>,
    pub username: Option<String>,
    pub password_env: Option<String>,
    pub password_file: Option<PathBuf>,
    pub token_env: Option<String>,
    pub token_file: Option<PathBuf>,
    /// Extra headers sent as written (not secret: a tenant, a routing key).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Extra headers whose values come from environment variables (API keys).
    #[serde(default)]
    pub header_env: BTreeMap<String, String>,
    pub cacert: Option<PathBuf>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    pub insecure: Option<bool>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThresholdsFile {
    pub bp_threshold: Option<f64>,
    pub busy_threshold: Option<f64>,
    pub target_utilization: Option<f64>,
    pub saturation: Option<f64>,
    pub min_samples: Option<u32>,
    pub horizon: Option<String>,
    pub forecast_window: Option<String>,
    pub loss_horizon: Option<String>,
}

/// Parses the file's text. The error names the line and says what is wrong, but never quotes
/// the line: toml's own message shows it, and a misplaced `password = "…"` must not be echoed.
pub fn parse(text: &str) -> Result<ConfigFile, String> {
    toml::from_str(text).map_err(|e| {
        let at = e.span().map(|span| {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            format!("line {line}, column {column}: ")
        });
        format!("{}{}", at.unwrap_or_default(), e.message().trim_end())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_profile_with_every_shape_of_endpoint() {
        let f = parse(
            r#"
            default_profile = "eu"
            [profiles.eu]
            flink = "https://gw/flink/"
            prometheus = { url = "https://prom", token_env = "T" }
            scrape = ["http://a/metrics", { url = "http://b/metrics", username = "u", password_env = "P" }]
            interval = "5s"
            theme = "mono"
            lag_groups = { orders = "orders-enrichment" }
            [profiles.eu.http]
            cacert = "/ca.pem"
            headers = { "X-Tenant" = "eu" }
            [profiles.eu.thresholds]
            bp_threshold = 0.2
            "#,
        )
        .unwrap();
        let p = &f.profiles["eu"];
        assert_eq!(f.default_profile.as_deref(), Some("eu"));
        assert_eq!(p.flink.as_ref().unwrap().connection().url.as_deref(), Some("https://gw/flink/"));
        assert_eq!(p.prometheus.as_ref().unwrap().connection().token_env.as_deref(), Some("T"));
        assert_eq!(p.scrape.len(), 2);
        assert_eq!(p.scrape[1].connection().password_env.as_deref(), Some("P"));
        assert_eq!(p.theme, Some(ThemeName::Mono));
        assert_eq!(p.http.headers["X-Tenant"], "eu");
        assert_eq!(p.thresholds.bp_threshold, Some(0.2));
        assert_eq!(p.lag_groups["orders"], "orders-enrichment");
    }

    #[test]
    fn a_typo_is_an_error_that_names_the_key_and_line() {
        let e = parse("[profiles.eu]\nintervall = \"2s\"\n").unwrap_err();
        assert!(e.contains("intervall") && e.contains("line 2"), "{e}");
        let e = parse("[profiles.eu.http]\npassword = \"hunter2\"\n").unwrap_err();
        assert!(e.contains("password") && !e.contains("hunter2"), "{e}");
        let e = parse("[profiles.eu]\nflink = { url = \"http://x\", pasword_env = \"P\" }\n").unwrap_err();
        assert!(e.contains("pasword_env") && e.contains("line 2"), "{e}");
        assert!(parse("[profiles.eu]\ntheme = \"neon\"\n").is_err());
    }
}
