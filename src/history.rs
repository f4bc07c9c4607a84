//! What bptop remembers between polls, bounded by design: the last few whole snapshots for the
//! analysis window, and per-series ring buffers of (time, value) for trends and sparklines.

use std::collections::{HashMap, VecDeque};

use crate::model::{Job, Metric, Snapshot};

/// Key of one time series: a vertex-level statistic of a metric.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SeriesKey {
    pub job_id: String,
    pub vertex_id: String,
    pub metric: Metric,
}

/// Which number of a consumer-lag row a series holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LagField {
    Lag,
    Committed,
    LogEnd,
    LogStart,
}

/// Key of a consumer-lag series: one partition of one topic for one group.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LagKey {
    pub cluster: String,
    pub group: String,
    pub topic: String,
    pub partition: i32,
    pub field: LagField,
}

impl LagKey {
    /// The series of `field` for a row's partition (no cluster label reads as "").
    pub fn of(row: &crate::model::LagRow, field: LagField) -> LagKey {
        LagKey {
            cluster: row.cluster.clone().unwrap_or_default(),
            group: row.group.clone(),
            topic: row.topic.clone(),
            partition: row.partition,
            field,
        }
    }
}

/// A fixed-capacity ring of (ms since epoch, value).
#[derive(Clone, Debug)]
pub struct Series {
    points: VecDeque<(i64, f64)>,
    capacity: usize,
}

impl Series {
    pub fn new(capacity: usize) -> Series {
        Series { points: VecDeque::with_capacity(capacity.min(1024)), capacity: capacity.max(1) }
    }

    /// Appends a point; a point at the time of the last one replaces it (a later poll of the
    /// same measurement is the better copy), and an older one is dropped (several clocks
    /// must not fold a series back in time).
    pub fn push(&mut self, t_ms: i64, v: f64) {
        match self.points.back_mut() {
            Some(last) if last.0 == t_ms => {
                last.1 = v;
                return;
            }
            Some(last) if last.0 > t_ms => return,
            _ => {}
        }
        if self.points.len() == self.capacity {
            self.points.pop_front();
        }
        self.points.push_back((t_ms, v));
    }

    pub fn points(&self) -> impl DoubleEndedIterator<Item = &(i64, f64)> + ExactSizeIterator {
        self.points.iter()
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }
}

#[derive(Clone, Debug)]
pub struct History {
    snapshots: VecDeque<Snapshot>,
    window: usize,
    series: HashMap<SeriesKey, Series>,
    series_capacity: usize,
    /// The last measurement time put into the series, per (job, vertex): polls that repeat
    /// Flink's cached values add no point.
    last_measured: HashMap<(String, String), i64>,
    lag_series: HashMap<LagKey, Series>,
    /// When each (cluster, group, topic, partition) was last reported, changed or not.
    lag_seen: HashMap<(String, String, String, i32), i64>,
    /// The newest snapshot that knew the jobs and has left the window: during an outage of
    /// Flink longer than the window (lag polls still counting), the jobs are still these.
    jobs_before_window: Option<Snapshot>,
    /// Per job, its last distinct measurements (the last poll of each), oldest first: how long
    /// a verdict holds is judged over more than the classification window's ~20 s.
    measurements: HashMap<String, VecDeque<Job>>,
}

/// Distinct measurements kept per job: 13 readings, 12 intervals, two minutes at Flink's default
/// 10 s metric refresh.
pub const MEASUREMENTS_KEPT: usize = 13;

/// Whether two polls of a job carry one measurement: the same running time totals where Flink
/// gives them (they are what the intervals are made of), else the same measurement time. Polls
/// with neither are each their own.
fn same_measurement(a: &Job, b: &Job) -> bool {
    let totals = |j: &Job| j.vertices.iter().map(|v| v.time_totals).collect::<Vec<_>>();
    let (ta, tb) = (totals(a), totals(b));
    if ta.iter().any(Option::is_some) || tb.iter().any(Option::is_some) {
        return ta == tb;
    }
    a.measured_at_ms().is_some() && a.measured_at_ms() == b.measured_at_ms()
}

impl History {
    /// `window`: snapshots kept whole for classification; `series_capacity`: points per series.
    pub fn new(window: usize, series_capacity: usize) -> History {
        History {
            snapshots: VecDeque::new(),
            window: window.max(1),
            series: HashMap::new(),
            series_capacity,
            last_measured: HashMap::new(),
            lag_series: HashMap::new(),
            lag_seen: HashMap::new(),
            jobs_before_window: None,
            measurements: HashMap::new(),
        }
    }

    pub fn push(&mut self, snap: Snapshot) {
        // Jobs gone from a poll that knows the jobs leave their measurements behind.
        if snap.knows_jobs() {
            self.measurements.retain(|id, _| snap.jobs.iter().any(|j| &j.id == id));
        }
        for job in &snap.jobs {
            let kept = self.measurements.entry(job.id.clone()).or_default();
            match kept.back_mut() {
                // The later poll of one measurement wins (it carries the fresh values).
                Some(last) if same_measurement(last, job) => *last = job.clone(),
                _ => {
                    if kept.len() == MEASUREMENTS_KEPT {
                        kept.pop_front();
                    }
                    kept.push_back(job.clone());
                }
            }
            for v in &job.vertices {
                // A point per measurement, at the time Flink measured it (when known): a later
                // poll of the same measurement replaces the earlier (Flink stamps the time
                // before it fetches, so the first poll can still carry the old values), and a
                // poll without busy/backpressured/idle data adds nothing.
                if !v.has_time_data() {
                    continue;
                }
                if let Some(t) = v.measured_at_ms {
                    self.last_measured.insert((job.id.clone(), v.id.clone()), t);
                }
                let at = v.measured_at_ms.unwrap_or(snap.at_ms);
                for m in Metric::ALL {
                    // Ratios: the worst subtask is what backpressure follows; rates: the total.
                    let s = v.stats.get(m);
                    let value = if m.is_ratio() { s.max } else { s.sum };
                    if let Some(x) = value {
                        let key = SeriesKey { job_id: job.id.clone(), vertex_id: v.id.clone(), metric: m };
                        let cap = self.series_capacity;
                        self.series.entry(key).or_insert_with(|| Series::new(cap)).push(at, x);
                    }
                }
            }
        }
        for row in &snap.lag {
            self.lag_seen.insert(
                (row.cluster.clone().unwrap_or_default(), row.group.clone(), row.topic.clone(), row.partition),
                snap.at_ms,
            );
            // An exporter refreshes every 30 s or so: a poll that repeats every number of the
            // row is the same measurement, not a new point.
            let lag_key = |field| LagKey::of(row, field);
            let unchanged = [
                (LagField::Lag, row.lag),
                (LagField::Committed, row.committed_offset),
                (LagField::LogEnd, row.log_end_offset),
                (LagField::LogStart, row.log_start_offset),
            ]
            .iter()
            .all(|(f, v)| {
                self.lag_series.get(&lag_key(*f)).and_then(|s| s.points().last()).map(|p| p.1)
                    == v.filter(|x| x.is_finite())
            });
            if unchanged && self.lag_series.contains_key(&lag_key(LagField::Lag)) {
                continue;
            }
            for (field, value) in [
                (LagField::Lag, row.lag),
                (LagField::Committed, row.committed_offset),
                (LagField::LogEnd, row.log_end_offset),
                (LagField::LogStart, row.log_start_offset),
            ] {
                let Some(v) = value.filter(|v| v.is_finite()) else { continue };
                let key = LagKey::of(row, field);
                let cap = self.series_capacity;
                self.lag_series.entry(key).or_insert_with(|| Series::new(cap)).push(snap.at_ms, v);
            }
        }
        if self.snapshots.len() == self.window {
            if let Some(old) = self.snapshots.pop_front().filter(Snapshot::knows_jobs) {
                self.jobs_before_window = Some(old);
            }
        }
        self.snapshots.push_back(snap);
        // Series of jobs gone from the whole window go too: `watch` runs for days, through
        // resubmissions that bring new job ids.
        if self.snapshots.len() == self.window {
            // And the jobs still shown although no poll of the window knew them (an outage).
            let known = newest_knowing_jobs(&self.snapshots, &self.jobs_before_window);
            let live: std::collections::HashSet<&str> =
                self.snapshots.iter().chain(known).flat_map(|s| s.jobs.iter().map(|j| j.id.as_str())).collect();
            self.series.retain(|k, _| live.contains(k.job_id.as_str()));
            self.last_measured.retain(|k, _| live.contains(k.0.as_str()));
            let groups: std::collections::HashSet<(&str, &str)> = self
                .snapshots
                .iter()
                .flat_map(|s| s.lag.iter().map(|r| (r.group.as_str(), r.topic.as_str())))
                .collect();
            self.lag_series.retain(|k, _| groups.contains(&(k.group.as_str(), k.topic.as_str())));
            self.lag_seen.retain(|k, _| groups.contains(&(k.1.as_str(), k.2.as_str())));
        }
    }

    /// The job's last distinct measurements, oldest first (at most `MEASUREMENTS_KEPT`).
    pub fn measurements(&self, job_id: &str) -> Vec<&Job> {
        self.measurements.get(job_id).map(|m| m.iter().collect()).unwrap_or_default()
    }

    /// Oldest first.
    pub fn recent(&self) -> impl DoubleEndedIterator<Item = &Snapshot> + ExactSizeIterator {
        self.snapshots.iter()
    }

    pub fn latest(&self) -> Option<&Snapshot> {
        self.snapshots.back()
    }

    /// The newest snapshot that knew the jobs (`Snapshot::knows_jobs`): in the window, or the
    /// last one before it.
    pub fn jobs_snapshot(&self) -> Option<&Snapshot> {
        newest_knowing_jobs(&self.snapshots, &self.jobs_before_window)
    }

    pub fn series(&self, key: &SeriesKey) -> Option<&Series> {
        self.series.get(key)
    }

    pub fn lag_series(&self, key: &LagKey) -> Option<&Series> {
        self.lag_series.get(key)
    }

    /// When a partition's row was last reported (its series only grow when a number changes).
    pub fn lag_last_seen(&self, cluster: &str, group: &str, topic: &str, partition: i32) -> Option<i64> {
        self.lag_seen.get(&(cluster.to_string(), group.to_string(), topic.to_string(), partition)).copied()
    }

    pub fn len(&self) -> usize {
        self.snapshots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.snapshots.is_empty()
    }
}

/// The newest snapshot of the window that knew the jobs, else the last one before the window.
/// A function of the two fields, not a method: `push` asks while it changes the others.
fn newest_knowing_jobs<'a>(window: &'a VecDeque<Snapshot>, before: &'a Option<Snapshot>) -> Option<&'a Snapshot> {
    window.iter().rev().find(|s| s.knows_jobs()).or(before.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rings_stay_bounded() {
        let mut s = Series::new(3);
        for i in 0..10 {
            s.push(i, i as f64);
        }
        assert_eq!(s.len(), 3);
        assert_eq!(s.points().next(), Some(&(7, 7.0)));
        let mut h = History::new(2, 5);
        for i in 0..5 {
            h.push(Snapshot { at_ms: i, ..Default::default() });
        }
        assert_eq!(h.len(), 2);
        assert_eq!(h.latest().map(|s| s.at_ms), Some(4));
    }

    #[test]
    fn the_later_poll_of_one_measurement_wins_and_older_points_are_dropped() {
        let mut s = Series::new(10);
        s.push(1000, 0.2);
        // Flink answers the poll that triggered its refresh with the old values under the new
        // time, and the fresh values a moment later under the same time.
        s.push(2000, 0.2);
        s.push(2000, 0.9);
        assert_eq!(s.points().copied().collect::<Vec<_>>(), [(1000, 0.2), (2000, 0.9)]);
        // A point older than the last (another source's clock) never folds the series back.
        s.push(1500, 0.5);
        assert_eq!(s.points().copied().collect::<Vec<_>>(), [(1000, 0.2), (2000, 0.9)]);
        s.push(3000, 0.95);
        assert_eq!(s.len(), 3);
    }

    fn job_of(id: &str, busy: f64) -> crate::model::Job {
        let v = crate::model::test_support::vertex("v", "enrich", &[], &[(busy, 0.0, 1.0 - busy)]);
        crate::model::test_support::running_job(id, vec![v])
    }

    #[test]
    fn a_series_is_empty_until_its_first_point() {
        let mut s = Series::new(3);
        assert!(s.is_empty());
        assert_eq!(s.points().count(), 0);
        s.push(1000, 0.5);
        assert!(!s.is_empty() && s.len() == 1);
    }

    #[test]
    fn series_of_a_job_go_once_it_has_left_the_whole_window_and_not_before() {
        let key = |job: &str| SeriesKey { job_id: job.into(), vertex_id: "v".into(), metric: Metric::Busy };
        let mut h = History::new(3, 100);
        // Job "old" once, then only its resubmission "new" (a new job id).
        h.push(Snapshot { at_ms: 0, jobs: vec![job_of("old", 0.5)], ..Default::default() });
        for at in [2000, 4000] {
            h.push(Snapshot { at_ms: at, jobs: vec![job_of("new", 0.5)], ..Default::default() });
        }
        // The window (3 snapshots) still holds the poll that saw "old": its series stays.
        assert!(h.series(&key("old")).is_some(), "pruned while still in the window");
        h.push(Snapshot { at_ms: 6000, jobs: vec![job_of("new", 0.5)], ..Default::default() });
        assert!(h.series(&key("old")).is_none(), "kept after leaving the whole window");
        assert_eq!(h.series(&key("new")).map(Series::len), Some(3));
    }

    #[test]
    fn a_vertex_series_takes_its_points_at_the_measurement_time() {
        use crate::model::test_support::vertex;
        let job = |busy: f64, measured: i64| {
            let mut v = vertex("v", "enrich", &[], &[(busy, 0.0, 1.0 - busy)]);
            v.measured_at_ms = Some(measured);
            crate::model::test_support::running_job("j", vec![v])
        };
        let mut h = History::new(10, 100);
        // Three polls, two of one measurement (the first still stale), one of the next.
        for (at, busy, measured) in [(1000, 0.3, 900), (3000, 0.3, 2900), (5000, 0.8, 2900), (7000, 0.85, 6900)] {
            h.push(Snapshot { at_ms: at, jobs: vec![job(busy, measured)], ..Default::default() });
        }
        let key = SeriesKey { job_id: "j".into(), vertex_id: "v".into(), metric: Metric::Busy };
        let points: Vec<(i64, f64)> = h.series(&key).unwrap().points().copied().collect();
        assert_eq!(points, [(900, 0.3), (2900, 0.8), (6900, 0.85)]);
    }

    #[test]
    fn measurements_are_kept_per_job_the_later_poll_winning_and_go_with_their_job() {
        use crate::model::test_support::{running_job, vertex};
        use crate::model::TimeTotals;
        let job = |id: &str, busy_total: Option<f64>, measured: Option<i64>, busy: f64| {
            let mut v = vertex("v", "v", &[], &[(busy, 0.0, 1.0 - busy)]);
            v.time_totals = busy_total.map(|b| TimeTotals { busy_ms: Some(b), backpressured_ms: 0.0, idle_ms: 0.0 });
            v.measured_at_ms = measured;
            running_job(id, vec![v])
        };
        let busy = |h: &History, id: &str| -> Vec<f64> {
            h.measurements(id).iter().map(|j| j.vertices[0].stats.get(Metric::Busy).max.unwrap()).collect()
        };
        let mut h = History::new(2, 10);
        let mut at = 0;
        let mut poll = |h: &mut History, jobs: Vec<Job>| {
            at += 2000;
            h.push(Snapshot { at_ms: at, jobs, ..Default::default() });
        };
        // Totals decide where Flink gives them (the measurement time moved, the totals did not:
        // one measurement, the later poll kept); without totals the measurement time does.
        poll(&mut h, vec![job("a", Some(1.0), Some(10), 0.1), job("b", None, Some(10), 0.1)]);
        poll(&mut h, vec![job("a", Some(1.0), Some(20), 0.2), job("b", None, Some(10), 0.2)]);
        poll(&mut h, vec![job("a", Some(2.0), Some(20), 0.3), job("b", None, Some(20), 0.3)]);
        assert_eq!(busy(&h, "a"), [0.2, 0.3]);
        assert_eq!(busy(&h, "b"), [0.2, 0.3]);
        // Totals in one poll and not in the next (a failed request): two measurements, even
        // under one measurement time.
        let mut g = History::new(2, 10);
        g.push(Snapshot { at_ms: 1, jobs: vec![job("c", Some(1.0), Some(10), 0.1)], ..Default::default() });
        g.push(Snapshot { at_ms: 2, jobs: vec![job("c", None, Some(10), 0.2)], ..Default::default() });
        assert_eq!(busy(&g, "c"), [0.1, 0.2]);
        // Beyond the classification window (2 polls here), up to MEASUREMENTS_KEPT of them.
        for i in 0..20 {
            poll(&mut h, vec![job("a", Some(3.0 + i as f64), None, 0.5), job("b", None, None, 0.5)]);
        }
        assert_eq!(h.measurements("a").len(), MEASUREMENTS_KEPT);
        assert_eq!(h.measurements("b").len(), MEASUREMENTS_KEPT, "no time and no totals: every poll counts");
        // A poll that knows the jobs without "b": its measurements go.
        poll(&mut h, vec![job("a", Some(100.0), None, 0.5)]);
        assert!(h.measurements("b").is_empty());
        assert_eq!(h.measurements("a").len(), MEASUREMENTS_KEPT);
    }
}
