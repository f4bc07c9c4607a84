//! A recording directory → `Replay::open` → every poll read by the collector through the same
//! source readers as live (Flink REST, scraped text, Prometheus, Burrow, by the manifest's kinds)
//! → analysis → reports.
//!
//! Input: sections separated by 0x1e: `manifest.json`, `index.jsonl`, then body files, each a
//! name line (`bodies/<name>`) and the content. Only plain names are written, inside a fresh
//! temporary directory; an index that points elsewhere must be refused by the replay itself.

#![no_main]

use std::sync::{Arc, OnceLock};

use bptop::collect::collector_for_recording;
use bptop::record::Replay;
use bptop::sources::flink::JobFilter;
use bptop_fuzz::{diagnose_and_render, split};
use libfuzzer_sys::fuzz_target;

/// Polls read at most: each costs every request of a poll, and a few show the same code paths
/// as many.
const MAX_POLLS: usize = 12;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| tokio::runtime::Builder::new_current_thread().enable_time().build().expect("tokio runtime"))
}

/// `bodies/<name>` with a plain file name, or nothing.
fn body_name(line: &[u8]) -> Option<&str> {
    let name = std::str::from_utf8(line).ok()?.strip_prefix("bodies/")?;
    let plain = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    plain.then_some(name)
}

fuzz_target!(|data: &[u8]| {
    let parts = split(data, 64);
    let Ok(dir) = tempfile::tempdir() else { return };
    let bodies = dir.path().join("bodies");
    if std::fs::create_dir(&bodies).is_err() {
        return;
    }
    let write = |name: &str, bytes: &[u8]| std::fs::write(name, bytes).is_ok();
    let path = |p: &std::path::Path| p.to_string_lossy().into_owned();
    if !write(&path(&dir.path().join("manifest.json")), parts[0]) {
        return;
    }
    if let Some(index) = parts.get(1) {
        if !write(&path(&dir.path().join("index.jsonl")), index) {
            return;
        }
    }
    for body in parts.iter().skip(2) {
        let (head, content) = match body.iter().position(|b| *b == b'\n') {
            Some(n) => (&body[..n], &body[n + 1..]),
            None => (&body[..], &[][..]),
        };
        if let Some(name) = body_name(head) {
            write(&path(&bodies.join(name)), content);
        }
    }
    let Ok(replay) = Replay::open(dir.path()) else { return };
    let replay = Arc::new(replay);
    let Ok(collector) = collector_for_recording(replay.clone(), JobFilter::Active) else { return };
    let polls = replay.poll_count().min(MAX_POLLS);
    let snapshots = runtime().block_on(async {
        let mut out = Vec::new();
        for n in 0..polls {
            out.push(collector.poll(n).await);
        }
        out
    });
    diagnose_and_render(snapshots);
});
