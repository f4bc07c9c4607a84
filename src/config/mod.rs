//! Settings from the config file, the environment and the command line, resolved once at start:
//! flags > environment > profile > defaults. Sources receive finished `HttpOptions`; nothing
//! downstream knows where a value came from.

pub mod check;
mod credentials;
mod error;
pub mod file;
mod flags;
pub mod resolve;
mod resolver;

use std::path::{Path, PathBuf};

pub use error::ConfigError;
pub use flags::SourceArgs;
pub use resolve::{resolve, EndpointSettings, Settings};
pub use resolver::Shown;

/// `$XDG_CONFIG_HOME/bptop/config.toml`, else `~/.config/bptop/config.toml`.
pub fn default_path(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let base = match env("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env("HOME").filter(|v| !v.is_empty())?).join(".config"),
    };
    Some(base.join("bptop").join("config.toml"))
}

/// Reads and parses a config file; errors name the file.
pub fn load(path: &Path) -> Result<file::ConfigFile, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::Read { path: path.to_path_buf(), problem: e.to_string() })?;
    file::parse(&text).map_err(|problem| ConfigError::Parse { path: path.to_path_buf(), problem })
}

/// The process environment, as the resolver wants it. A value that is not UTF-8 is passed on
/// (lossily) rather than dropped, so it fails with a message instead of silently falling back
/// to the profile's value.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var_os(name).map(|v| v.to_string_lossy().into_owned())
}
