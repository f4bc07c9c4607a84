//! What crosses the wire: an HTTP answer and why a GET gave none. Plain data shared by the
//! client (`sources::http`) and the recordings (`record`), which tee and replay the same bytes.

use std::fmt;

/// An answer as it came over the wire (or out of a recording).
#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    /// Requests it took (retries of a 503 and the like): said in messages about a bad status.
    pub attempts: u32,
}

/// Why a GET gave no usable answer. `Display` is one line that names the URL.
#[derive(Clone, Debug, PartialEq)]
pub struct FetchError {
    pub url: String,
    pub what: String,
    pub status: Option<u16>,
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GET {}: {}", self.url, self.what)
    }
}

impl std::error::Error for FetchError {}
