//! A dashboard state made from a recording without a terminal or a network, through the same
//! collector and session as `bptop --replay`: it drives the snapshot tests (tests/ui.rs), the
//! screenshot generator (examples/screenshots.rs) and the render benchmark. Shared by path
//! (`#[path]`) with the examples and benches, which cannot reach `tests/support` as a module.

use std::path::Path;
use std::sync::Arc;

use bptop::collect::{collector_for_recording, PollEvent};
use bptop::model::SourceKind;
use bptop::record::Replay;
use bptop::session::Session;
use bptop::sources::flink::JobFilter;
use bptop::ui::app::{App, Msg};

/// The state after replaying the first `polls` polls (all when `None`) of the recording.
pub fn app_from_recording(dir: &Path, label: &str, polls: Option<usize>) -> Result<App, String> {
    let replay = Arc::new(Replay::open(dir)?);
    let collector = collector_for_recording(replay.clone(), JobFilter::Active)?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    let mut session = Session::new(Default::default());
    for s in &replay.manifest().sources {
        if let Some(kind) = SourceKind::from_name(&s.kind) {
            session.expect_source(&s.name, kind, &s.base_url);
        }
    }
    let mut app = App::new(label, true, replay.manifest().interval_ms.unwrap_or(2000), 0).with_session(session);
    // The timeline the dashboard reads in the background, through a second reader.
    let scan = collector_for_recording(Arc::new(replay.reader()), JobFilter::Active)?;
    let interval_s = replay.manifest().interval_ms.unwrap_or(2000) as f64 / 1000.0;
    let timeline = rt.block_on(bptop::ui::severity_timeline(scan, Default::default(), interval_s));
    app.update(Msg::Poll(PollEvent::Timeline(timeline)));
    let total = replay.poll_count();
    let n = polls.unwrap_or(total).min(total);
    for i in 0..n {
        let snap = rt.block_on(collector.poll(i));
        app.update(Msg::Poll(PollEvent::Snapshot(Box::new(snap))));
        app.update(Msg::Poll(PollEvent::Replay { position: i + 1, total, speed: 1.0, paused: i + 1 == total }));
    }
    Ok(app)
}
