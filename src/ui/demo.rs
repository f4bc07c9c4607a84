//! A dashboard state made from a recording without a terminal or a network: the same input
//! drives the snapshot tests, the screenshot generator and the real `--replay`.

use std::path::Path;
use std::sync::Arc;

use super::app::{App, Msg};
use crate::collect::PollEvent;
use crate::record::Replay;
use crate::sources::flink::JobFilter;

/// The state after replaying the first `polls` polls (all when `None`) of the recording.
pub fn app_from_recording(dir: &Path, label: &str, polls: Option<usize>) -> Result<App, String> {
    let replay = Arc::new(Replay::open(dir)?);
    let collector = crate::run::collector_for_recording(replay.clone(), JobFilter::Active)?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    let mut app = App::new(label, true, replay.manifest().interval_ms.unwrap_or(2000), 0);
    for s in &replay.manifest().sources {
        app.expect_source(&s.name, &s.kind, &s.base_url);
    }
    let total = replay.poll_count();
    let n = polls.unwrap_or(total).min(total);
    for i in 0..n {
        let snap = rt.block_on(collector.poll(i));
        app.update(Msg::Poll(PollEvent::Snapshot(Box::new(snap))));
        app.update(Msg::Poll(PollEvent::Replay { position: i + 1, total, speed: 1.0, paused: i + 1 == total }));
    }
    Ok(app)
}
