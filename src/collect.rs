//! Polling: turns the configured sources into one `Snapshot` per poll. Live, the snapshot is
//! stamped with the wall clock; in replay, with the recorded time of that poll.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::model::Snapshot;
use crate::record::{Recorder, Replay};
use crate::sources::flink::FlinkSource;

pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

pub struct Collector {
    flink: FlinkSource,
    replay: Option<Arc<Replay>>,
    recorder: Option<Arc<Recorder>>,
}

impl Collector {
    pub fn new(flink: FlinkSource, replay: Option<Arc<Replay>>, recorder: Option<Arc<Recorder>>) -> Collector {
        Collector { flink, replay, recorder }
    }

    pub fn replay(&self) -> Option<&Arc<Replay>> {
        self.replay.as_ref()
    }

    /// Polls of the recording, or `None` live (no end).
    pub fn replay_polls(&self) -> Option<usize> {
        self.replay.as_ref().map(|r| r.poll_count())
    }

    /// The n-th poll (in replay: the n-th recorded poll).
    pub async fn poll(&self, n: usize) -> Snapshot {
        let at_ms = match &self.replay {
            Some(r) => {
                r.set_cursor(n);
                r.poll_time(n).unwrap_or(0)
            }
            None => now_ms(),
        };
        if let Some(rec) = &self.recorder {
            rec.set_poll(n as u32);
        }
        let flink = self.flink.poll().await;
        Snapshot { at_ms, jobs: flink.jobs, sources: vec![flink.health] }
    }
}
