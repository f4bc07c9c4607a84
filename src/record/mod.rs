//! Recordings: raw endpoint responses on disk, so that any diagnosis can be replayed through the
//! very parsers that produced it. Format (the contract with `fixtures/`):
//!
//! ```text
//! DIR/manifest.json   format version, sources {name, kind, base_url}, created_ms, note
//! DIR/index.jsonl     one line per response: t_ms, poll, source, path, status, body, content_type, error
//! DIR/bodies/<hash>.<ext>   response bodies, stored once per distinct content
//! ```

mod format;
mod recorder;
mod replay;
pub mod serve;

pub use format::{IndexEntry, Manifest, SourceInfo, FORMAT_VERSION};
pub use recorder::Recorder;
pub use replay::{Replay, BUNDLED_NAME, BUNDLED_SHORT};
