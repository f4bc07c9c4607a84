//! The resolver's bookkeeping: the environment it reads, and every setting it decides noted
//! with where it came from (for `bptop config check`). `resolve` decides the values;
//! `credentials` the access of an endpoint.

use super::ConfigError;

/// A setting as `config check` shows it: key, value (secrets masked) and where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Shown {
    pub key: String,
    pub value: String,
    pub from: String,
}

/// The environment, passed in: tests resolve without touching the process.
pub(super) type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// A yes/no variable: 1/true/yes/on or 0/false/no/off (or empty); anything else is an error,
/// not a silent "no".
pub(super) fn env_flag(env: Env, var: &str) -> Result<bool, String> {
    match env(var).map(|v| v.trim().to_ascii_lowercase()) {
        None => Ok(false),
        Some(v) => match v.as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "" | "0" | "false" | "no" | "off" => Ok(false),
            _ => Err(format!("{var}: expected 1/true/yes/on or 0/false/no/off")),
        },
    }
}

pub(super) struct Resolver<'a> {
    pub(super) env: Env<'a>,
    pub(super) profile: &'a str,
    pub(super) shown: Vec<Shown>,
}

impl Resolver<'_> {
    pub(super) fn note(&mut self, key: &str, value: &str, from: &str) {
        self.shown.push(Shown { key: key.into(), value: value.into(), from: from.into() });
    }

    pub(super) fn default<T>(&mut self, key: &str, value: T, show: impl Fn(&T) -> String) -> T {
        self.note(key, &show(&value), "default");
        value
    }

    /// The first of flag, environment variable and profile that is set.
    pub(super) fn pick<T>(
        &mut self,
        key: &str,
        flag: Option<T>,
        var: &str,
        parse: impl Fn(&str) -> Result<T, String>,
        profile: Option<T>,
        show: impl Fn(&T) -> String,
    ) -> Result<Option<T>, ConfigError> {
        let (value, from) = if let Some(v) = flag {
            (v, format!("--{key}"))
        } else if let Some(raw) = (self.env)(var).filter(|v| !v.trim().is_empty()) {
            (parse(&raw).map_err(|e| ConfigError::Value(format!("{var}: {e}")))?, format!("env {var}"))
        } else if let Some(v) = profile {
            (v, format!("profile {}", self.profile))
        } else {
            return Ok(None);
        };
        self.note(key, &show(&value), &from);
        Ok(Some(value))
    }
}
