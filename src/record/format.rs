use serde::{Deserialize, Serialize};

/// Bumped when a reader of the old format could misread the new one.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SourceInfo {
    pub name: String,
    /// "flink", "prometheus", …
    pub kind: String,
    /// Never carries credentials.
    pub base_url: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub format_version: u32,
    pub sources: Vec<SourceInfo>,
    pub created_ms: i64,
    #[serde(default)]
    pub note: String,
    /// Poll interval the recording was made with, for replay at real speed.
    #[serde(default)]
    pub interval_ms: Option<u64>,
    /// The `--job` it was recorded with: only that job's answers are in it, so a replay asks
    /// for that job alone unless told otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<String>,
}

/// One captured response (or failure to get one).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct IndexEntry {
    pub t_ms: i64,
    /// Which poll of the recording asked for it (0-based).
    pub poll: u32,
    pub source: String,
    /// Path and query relative to the source's base URL, starting with '/'.
    pub path: String,
    /// HTTP status; absent when no response came (see `error`).
    #[serde(default)]
    pub status: Option<u16>,
    /// Body file relative to the recording directory.
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub content_type: Option<String>,
    /// Why no response came (connection refused, timeout …).
    #[serde(default)]
    pub error: Option<String>,
}

/// FNV-1a, 64 bit: a stable content hash for body file names (std's hasher is not stable
/// across Rust versions, and names must not change between runs).
pub fn content_hash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}
