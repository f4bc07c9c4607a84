//! Renders a `Diagnosis` for people (text, markdown) and programs (JSON).

mod json;
mod markdown;
mod text;

pub use json::render as json;
pub use markdown::render as markdown;
pub use text::render as text;

use serde::Serialize;

/// Where the data came from, printed with every verdict.
#[derive(Clone, Debug, Serialize)]
pub struct InputInfo {
    /// "live" or "replay"
    pub mode: String,
    /// Endpoint URL (without credentials) or recording path.
    pub source: String,
    /// Polls taken.
    pub polls: usize,
    /// Of those, polls that failed (the verdict rests on the others).
    pub polls_failed: usize,
}

/// Cuts a name to `max` characters with an ellipsis.
fn fit(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}
