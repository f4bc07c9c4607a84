//! What every fuzz target shares: cutting one input into the several answers a poll is made of,
//! and carrying what the readers made of them through history, analysis and every report format,
//! where the analysis' promises (`bptop::analysis::invariants`) are checked.

use bptop::analysis::{diagnose, invariants, Thresholds};
use bptop::history::History;
use bptop::model::Snapshot;
use bptop::report::{self, InputInfo};

/// Separates the answers inside one fuzz input (ASCII record separator: never in the seeds).
pub const SEP: u8 = 0x1e;

/// The input cut at `SEP` into at most `max` parts (the last part keeps any further separators).
pub fn split(data: &[u8], max: usize) -> Vec<&[u8]> {
    data.splitn(max, |b| *b == SEP).collect()
}

/// The same snapshot as `polls` polls two seconds apart, so the window and the forecasts have
/// more than one point.
pub fn repeated(snap: Snapshot, polls: usize) -> Vec<Snapshot> {
    (0..polls).map(|i| Snapshot { at_ms: snap.at_ms.saturating_add(2000 * i as i64), ..snap.clone() }).collect()
}

/// Pushes the snapshots into a history, diagnoses, checks the analysis' promises and renders the
/// verdict as text, JSON and Markdown. Panics (a fuzz finding) when a promise is broken.
pub fn diagnose_and_render(snapshots: Vec<Snapshot>) {
    let Some(latest) = snapshots.last().cloned() else { return };
    let mut history = History::new(10, 1800);
    for s in snapshots {
        history.push(s);
    }
    let t = Thresholds::default();
    let d = diagnose(&history, &t);
    let broken = invariants::violations(&d, &latest, &t);
    assert!(broken.is_empty(), "analysis promises broken: {broken:#?}");
    let input = InputInfo {
        mode: "replay".into(),
        source: "fuzz".into(),
        polls: history.len(),
        polls_failed: 0,
        backfilled: 0,
        partial: None,
    };
    let json = report::json(&d, &input);
    assert!(serde_json::from_str::<serde_json::Value>(&json).is_ok(), "the JSON report is not JSON");
    let _ = report::text(&d, &input);
    let _ = report::markdown(&d, &input);
}
