//! Prometheus exposition text (a Flink reporter, a lag exporter) → `exposition::parse` and the
//! scrape path `scrape::read` (name-filtered parse, Flink reporter reader, lag exporter reader)
//! → the model → analysis → reports.
//!
//! Input: one or more scrapes separated by 0x1e (TaskManagers each serve their own reporter;
//! bptop merges them), read as a scrape is read: lossy UTF-8. The filtered parse must give the
//! same samples as the full one filtered afterwards, and `count_samples` its count.

#![no_main]

use bptop::model::Snapshot;
use bptop::sources::exposition::{count_samples, parse, parse_wanted, Sample};
use bptop::sources::{flink_prom, kafka_lag, scrape};
use bptop_fuzz::{diagnose_and_render, repeated, split};
use libfuzzer_sys::fuzz_target;

/// A sample with its value as bits: NaN is a value the readers see, and must compare equal.
fn key(s: &Sample) -> (&str, &std::collections::BTreeMap<String, String>, u64) {
    (s.name.as_str(), &s.labels, s.value.to_bits())
}

fuzz_target!(|data: &[u8]| {
    let mut jobs = Vec::new();
    let mut lag = Vec::new();
    for part in split(data, 4) {
        let text = String::from_utf8_lossy(part);
        let all = parse(&text);
        let filtered = parse_wanted(&text, scrape::wanted);
        assert_eq!(all.is_ok(), filtered.is_ok(), "the filter changed whether the text is an error");
        let (Ok(all), Ok(filtered)) = (all, filtered) else { continue };
        assert_eq!(count_samples(&text), all.len());
        let wanted: Vec<_> = all.iter().filter(|s| scrape::wanted(&s.name)).map(key).collect();
        assert_eq!(wanted, filtered.iter().map(key).collect::<Vec<_>>(), "filtered parse differs");
        let _ = flink_prom::has_flink_tasks(&all);
        let _ = kafka_lag::recognized(&all);
        let model = scrape::read("fuzz", &text).expect("parsed above");
        jobs.extend(model.jobs);
        lag.extend(model.lag);
    }
    let jobs = flink_prom::merge(jobs);
    // Reporter values also fill the gaps of a REST answer for the same job.
    let mut rest = jobs.clone();
    for v in rest.iter_mut().flat_map(|j| j.vertices.iter_mut()) {
        v.stats = Default::default();
        v.subtasks.clear();
    }
    flink_prom::fill_gaps(&mut rest, &jobs);
    let snap = Snapshot { at_ms: 1_795_431_502_351, jobs, lag, sources: Vec::new() };
    diagnose_and_render(repeated(snap, 7));
    diagnose_and_render(vec![Snapshot { at_ms: 1_795_431_502_351, jobs: rest, ..Snapshot::default() }]);
});
