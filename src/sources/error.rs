//! Why a source gave no data. `Display` is one line that names the URL, as every message of
//! bptop about an endpoint; the variants tell the kinds of trouble apart for the code (and the
//! tests) that need to.

use std::fmt;

use crate::wire::FetchError;

#[derive(Clone, Debug, PartialEq)]
pub enum SourceError {
    /// The GET gave no usable answer: network, TLS, an HTTP status, a body that is not JSON.
    Fetch(FetchError),
    /// An answer came, but not the one this endpoint gives (`what` says what it is not).
    Unexpected { url: String, what: String },
    /// No job to diagnose: none is active, or none matches `--job` (`why` lists the jobs).
    NoJob { wanted: Option<String>, why: String },
    /// `--job` is part of the names of several jobs.
    AmbiguousJob { wanted: String, matches: String },
    /// A task of the poll ended without an answer (a panic): bptop's fault, not the endpoint's.
    Internal(String),
}

impl SourceError {
    pub fn unexpected(url: String, what: impl Into<String>) -> SourceError {
        SourceError::Unexpected { url, what: what.into() }
    }
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceError::Fetch(e) => e.fmt(f),
            SourceError::Unexpected { url, what } => write!(f, "GET {url}: {what}"),
            SourceError::NoJob { wanted: None, why } => {
                write!(f, "no active job to diagnose ({why}); pick one with --job")
            }
            SourceError::NoJob { wanted: Some(w), why } => write!(f, "no job matches --job '{w}' ({why})"),
            SourceError::AmbiguousJob { wanted, matches } => write!(
                f,
                "--job '{wanted}' is part of the names of several jobs: {matches}; give more of the name, the whole name or the job id"
            ),
            SourceError::Internal(what) => write!(f, "internal error {what}"),
        }
    }
}

impl std::error::Error for SourceError {}

impl From<FetchError> for SourceError {
    fn from(e: FetchError) -> SourceError {
        SourceError::Fetch(e)
    }
}
