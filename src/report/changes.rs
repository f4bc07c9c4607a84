//! A job's verdict in one line, said again only when it changes: what `bptop record` prints as
//! it records, so a failover or a freeze can be followed poll by poll.

use std::collections::HashMap;

use crate::diagnosis::Diagnosis;

/// The last line said for each job (by id).
#[derive(Default)]
pub struct VerdictChanges {
    said: HashMap<String, String>,
}

impl VerdictChanges {
    /// "verdict of NAME: STATE SEVERITY: SUMMARY" for each job whose line differs from the last
    /// one said for it (a job seen for the first time included), in the diagnosis' order.
    pub fn changes(&mut self, d: &Diagnosis) -> Vec<String> {
        let mut out = Vec::new();
        for j in &d.jobs {
            let line = format!("verdict of {}: {} {}: {}", j.name, j.state, j.severity.label(), j.summary);
            if self.said.get(&j.id) != Some(&line) {
                self.said.insert(j.id.clone(), line.clone());
                out.push(line);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{diagnose, Thresholds};
    use crate::history::History;
    use crate::model::test_support::{running_job, vertex};
    use crate::model::Snapshot;

    fn verdict(state: &str) -> Diagnosis {
        let mut h = History::new(10, 100);
        let mut job = running_job("orders", vec![vertex("k", "sink", &[], &[(0.1, 0.0, 0.9)])]);
        job.state = state.into();
        h.push(Snapshot { at_ms: 1_000, jobs: vec![job], ..Snapshot::default() });
        diagnose(&h, &Thresholds::default())
    }

    #[test]
    fn a_verdict_is_said_once_and_again_only_when_it_changes() {
        let mut said = VerdictChanges::default();
        let healthy = verdict("RUNNING");
        let first = said.changes(&healthy);
        assert_eq!(first.len(), 1);
        assert!(first[0].starts_with("verdict of orders: RUNNING healthy: "), "{}", first[0]);
        assert!(said.changes(&healthy).is_empty(), "the same verdict is not said twice");
        let restarting = verdict("RESTARTING");
        let next = said.changes(&restarting);
        assert_eq!(next.len(), 1);
        assert!(next[0].starts_with("verdict of orders: RESTARTING critical: "), "{}", next[0]);
        assert_eq!(said.changes(&healthy).len(), 1, "back to the earlier verdict is a change too");
    }
}
