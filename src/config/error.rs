//! Why the settings cannot be used. `Display` is today's one line; the variants say which kind
//! of trouble it is (the file, the profile, a value, an endpoint's access), for `config check`
//! and the tests. No message quotes a secret or a line of the file.

use std::fmt;
use std::path::PathBuf;

#[derive(Clone, Debug, PartialEq)]
pub enum ConfigError {
    /// The config file cannot be read.
    Read { path: PathBuf, problem: String },
    /// The config file is not what bptop reads: TOML with known keys (line and column given).
    Parse { path: PathBuf, problem: String },
    /// The profile asked for is not in the file, there is no file, or it names no source.
    Profile(String),
    /// A flag, environment variable or profile key whose value bptop cannot use.
    Value(String),
    /// An endpoint's URL, credentials, headers or TLS files: missing, empty, unreadable or
    /// contradictory.
    Access(String),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Read { path, problem } => {
                write!(f, "cannot read the config file {}: {problem}", path.display())
            }
            ConfigError::Parse { path, problem } => write!(f, "config file {}: {problem}", path.display()),
            ConfigError::Profile(m) | ConfigError::Value(m) | ConfigError::Access(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for ConfigError {}
