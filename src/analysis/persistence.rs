//! How long a verdict holds. Each vertex gets its class at every measurement of the window, and
//! each bottleneck the intervals in which it held its victims back: in (nearly) all of them it
//! is sustained, a capacity problem; in some, with free intervals between, it is intermittent,
//! a stall (a flush, a GC pause, a checkpoint, a slow external call) that more parallelism
//! would not fix.
//!
//! Intervals come from Flink's running totals of busy/backpressured/idle time where the job's
//! details carry them (newer Flink; the real 2.3 captures do): the difference between two
//! refreshes is the exact share of that interval. The per-second gauges are averages over
//! Flink's last 60 s and smooth a 4 s stall every 30 s into a steady 13 % of backpressure; they
//! are the fallback, one interval per measurement.

use super::classify::{classify, BottleneckVerdict};
use super::window::{view, VertexView};
use super::Thresholds;
use crate::diagnosis::{Class, Pattern, Persistence};
use crate::model::{Job, TimeTotals};
use crate::units::{duration_s, pct};

/// Fewer intervals than this cannot tell sustained from intermittent.
const MIN_INTERVALS: usize = 3;

/// The measurements of the window: of consecutive polls that repeat one refresh of Flink's
/// metric store, the last (a later poll of one refresh carries its fresh values).
pub fn measurements<'a>(polls: &[&'a Job]) -> Vec<&'a Job> {
    let mut out: Vec<&Job> = Vec::with_capacity(polls.len());
    for &j in polls {
        match out.last_mut() {
            Some(prev) if j.measured_at_ms().is_some() && prev.measured_at_ms() == j.measured_at_ms() => *prev = j,
            _ => out.push(j),
        }
    }
    out
}

/// Each vertex's class at each measurement, oldest first: `[vertex][measurement]`, vertices in
/// the order of `job.vertices`. Every measurement is classified on its own, over the whole graph.
pub fn timeline(job: &Job, measurements: &[&Job], t: &Thresholds) -> Vec<Vec<Class>> {
    let mut out = vec![Vec::with_capacity(measurements.len()); job.vertices.len()];
    for m in measurements {
        let views: Vec<VertexView> = job.vertices.iter().map(|v| view(v, std::slice::from_ref(m), t.bp_low)).collect();
        for (classes, verdict) in out.iter_mut().zip(classify(&views, job.graph_known, t).vertices) {
            classes.push(verdict.class);
        }
    }
    out
}

/// One interval between two refreshes of the running totals.
#[derive(Clone, Debug, PartialEq)]
struct Interval {
    /// Its length (task time per subtask, the median over vertices), ms.
    length_ms: f64,
    /// Per vertex (in `job.vertices` order): the share of the interval spent backpressured and busy.
    backpressured: Vec<Option<f64>>,
    busy: Vec<Option<f64>>,
}

/// The intervals between consecutive distinct readings of the running totals in `polls`.
fn intervals(job: &Job, polls: &[&Job]) -> Vec<Interval> {
    let totals = |p: &Job| -> Vec<Option<TimeTotals>> {
        job.vertices.iter().map(|v| p.vertex(&v.id).and_then(|pv| pv.time_totals)).collect()
    };
    let mut readings: Vec<Vec<Option<TimeTotals>>> = Vec::new();
    for p in polls {
        let r = totals(p);
        if r.iter().any(Option::is_some) && readings.last() != Some(&r) {
            readings.push(r);
        }
    }
    readings
        .windows(2)
        .filter_map(|w| {
            // Deltas per vertex; a total that went down (tasks restarted) is no interval.
            let deltas: Vec<Option<(f64, f64, Option<f64>)>> = w[0]
                .iter()
                .zip(&w[1])
                .map(|(a, b)| {
                    let (a, b) = (a.as_ref()?, b.as_ref()?);
                    let bp = b.backpressured_ms - a.backpressured_ms;
                    let idle = b.idle_ms - a.idle_ms;
                    let busy = a.busy_ms.zip(b.busy_ms).map(|(x, y)| y - x);
                    (bp >= 0.0 && idle >= 0.0 && busy.is_none_or(|b| b >= -1.0)).then_some((bp, idle, busy))
                })
                .collect();
            let mut lengths: Vec<f64> = deltas
                .iter()
                .zip(&job.vertices)
                .filter_map(|(d, v)| {
                    let (bp, idle, busy) = (*d)?;
                    Some((bp + idle + busy?.max(0.0)) / f64::from(v.parallelism.max(1)))
                })
                .filter(|l| *l > 0.0)
                .collect();
            if lengths.is_empty() {
                return None;
            }
            lengths.sort_by(f64::total_cmp);
            let length_ms = lengths[lengths.len() / 2];
            // A vertex whose busy time is NaN is measured against the interval's length.
            let share = |x: f64, whole: f64| (whole > 0.0).then(|| (x / whole).clamp(0.0, 1.0));
            let (backpressured, busy) = deltas
                .iter()
                .zip(&job.vertices)
                .map(|(d, v)| {
                    let Some((bp, idle, busy)) = *d else { return (None, None) };
                    let whole = match busy {
                        Some(b) => bp + idle + b.max(0.0),
                        None => length_ms * f64::from(v.parallelism.max(1)),
                    };
                    (share(bp, whole), busy.and_then(|b| share(b.max(0.0), whole)))
                })
                .unzip();
            Some(Interval { length_ms, backpressured, busy })
        })
        .collect()
}

/// Whether each interval held the bottleneck's victims back (a bottleneck without victims, a
/// saturated source: whether it was saturated), with each interval's start and length in ms
/// (start `None` when the measurements carry no time), and the share of the time the victims
/// were backpressured when the totals measure it.
struct Held {
    held: Vec<bool>,
    starts_ms: Vec<Option<f64>>,
    span_ms: Option<f64>,
    share_of_time: Option<f64>,
    counted_over: &'static str,
}

fn held_by_totals(b: &BottleneckVerdict, job: &Job, polls: &[&Job], t: &Thresholds) -> Option<Held> {
    let iv = intervals(job, polls);
    let mut held = Vec::new();
    let mut starts_ms = Vec::new();
    let (mut clock, mut held_time, mut counted_time) = (0.0, 0.0, 0.0);
    for i in &iv {
        let state = if b.victims.is_empty() {
            i.busy[b.vertex].map(|busy| (busy >= t.busy_hot, busy))
        } else {
            let worst = b.victims.iter().filter_map(|&v| i.backpressured[v]).reduce(f64::max);
            worst.map(|bp| (bp >= t.bp_low, bp))
        };
        if let Some((h, share)) = state {
            held.push(h);
            starts_ms.push(Some(clock));
            held_time += share * i.length_ms;
            counted_time += i.length_ms;
        }
        clock += i.length_ms;
    }
    (!held.is_empty()).then(|| Held {
        held,
        starts_ms,
        span_ms: Some(counted_time),
        share_of_time: (!b.victims.is_empty() && counted_time > 0.0).then(|| held_time / counted_time),
        counted_over: "refreshes",
    })
}

fn held_by_gauges(b: &BottleneckVerdict, measurements: &[&Job], timeline: &[Vec<Class>]) -> Held {
    let held: Vec<bool> = (0..measurements.len())
        .map(|m| {
            if b.victims.is_empty() {
                timeline[b.vertex][m] == Class::Bottleneck
            } else {
                b.victims.iter().any(|&v| timeline[v][m] == Class::Victim)
            }
        })
        .collect();
    let times: Vec<Option<f64>> = measurements.iter().map(|m| m.measured_at_ms().map(|t| t as f64)).collect();
    let span_ms = times.first().copied().flatten().zip(times.last().copied().flatten()).map(|(a, b)| b - a);
    Held { held, starts_ms: times, span_ms, share_of_time: None, counted_over: "measurements" }
}

/// Seconds between the starts of consecutive stalls, when there are three or more and they come
/// at a steady pace (the longest gap at most 1.5 times the shortest).
fn period_s(h: &Held) -> Option<f64> {
    let starts: Vec<f64> = (0..h.held.len())
        .filter(|&i| h.held[i] && (i == 0 || !h.held[i - 1]))
        .map(|i| h.starts_ms[i])
        .collect::<Option<Vec<f64>>>()?;
    if starts.len() < 3 {
        return None;
    }
    let mut gaps: Vec<f64> = starts.windows(2).map(|w| w[1] - w[0]).collect();
    gaps.sort_by(f64::total_cmp);
    let (shortest, longest) = (gaps[0], gaps[gaps.len() - 1]);
    (shortest > 0.0 && longest <= 1.5 * shortest).then(|| gaps[gaps.len() / 2] / 1000.0)
}

/// How long bottleneck `b` holds, over the settled polls of the window.
pub fn persistence(
    b: &BottleneckVerdict,
    job: &Job,
    polls: &[&Job],
    measurements: &[&Job],
    timeline: &[Vec<Class>],
    t: &Thresholds,
) -> Persistence {
    let h = held_by_totals(b, job, polls, t).unwrap_or_else(|| held_by_gauges(b, measurements, timeline));
    let of = h.held.len();
    let held = h.held.iter().filter(|x| **x).count();
    let free = of - held;
    let pattern = if of < MIN_INTERVALS || held == 0 {
        Pattern::Undetermined
    } else if free >= 2 && free * 4 >= of {
        Pattern::Intermittent
    } else {
        Pattern::Sustained
    };
    let period = (pattern == Pattern::Intermittent).then(|| period_s(&h)).flatten();
    let what = if b.victims.is_empty() { "saturated" } else { "held its victims back" };
    let over = h.span_ms.filter(|s| *s > 0.0).map(|s| format!(" over {}", duration_s(s / 1000.0))).unwrap_or_default();
    let counted = format!("{what} in {held} of {of} {}{over}", h.counted_over);
    let share = h.share_of_time.map(|s| format!(", {} of the time", pct(Some(s)))).unwrap_or_default();
    let text = match pattern {
        Pattern::Sustained => format!("sustained: {counted}{share}"),
        Pattern::Intermittent => format!(
            "intermittent: {counted}{share}{}",
            period.map(|p| format!(", a stall about every {}", duration_s(p))).unwrap_or_default()
        ),
        Pattern::Undetermined if held == 0 && of >= MIN_INTERVALS => format!(
            "{what} in none of {of} {} on their own, only on Flink's 60 s averages: too weak to tell sustained from intermittent",
            h.counted_over
        ),
        Pattern::Undetermined => format!(
            "{of} {} so far: {MIN_INTERVALS} are needed to tell a sustained bottleneck from an intermittent stall",
            if of == 1 { h.counted_over.trim_end_matches("es").trim_end_matches('s') } else { h.counted_over }
        ),
    };
    Persistence {
        pattern,
        held,
        of,
        counted_over: h.counted_over,
        span_s: h.span_ms.map(|s| s / 1000.0),
        share_of_time: h.share_of_time,
        period_s: period,
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{diagnose, Thresholds};
    use crate::diagnosis::{Diagnosis, Severity};
    use crate::history::History;
    use crate::model::test_support::{running_job, vertex};
    use crate::model::Snapshot;

    const T0: i64 = 1_795_431_420_000;

    /// A source feeding a sink, polled every 2 s while Flink refreshes every 10 s. In refresh
    /// interval `k`, the sink stalls for `stall_ms(k)` ms (its source backpressured for that
    /// long, the sink busy); otherwise the sink is half busy and the source 20 % busy. The gauges are what Flink's 60 s averages
    /// make of that; the running totals add up each interval exactly.
    /// The job has run long before the first poll (the gauges average full minutes).
    fn stalling(intervals: i64, totals: bool, stall_ms: impl Fn(i64) -> f64) -> History {
        let mut h = History::new(10 * 5, 100);
        let (mut src, mut sink) = ((0.0, 0.0, 0.0), (0.0, 0.0, 0.0));
        for k in 0..=intervals {
            if k > 0 {
                let s = stall_ms(k);
                // (busy, backpressured, idle) in ms over the 10 s interval, one subtask each.
                src = (src.0 + 0.2 * (10_000.0 - s), src.1 + s, src.2 + 0.8 * (10_000.0 - s));
                sink = (sink.0 + s + 0.5 * (10_000.0 - s), sink.1, sink.2 + 0.5 * (10_000.0 - s));
            }
            // The gauge: the last 60 s (six intervals) averaged.
            let bp = (k - 5..=k).map(&stall_ms).sum::<f64>() / 60_000.0;
            for poll in 0..5 {
                let measured = T0 + k * 10_000;
                let mut s = vertex("s", "Source: events", &[], &[(0.2 * (1.0 - bp), bp, 0.8 * (1.0 - bp))]);
                let mut k_ = vertex("k", "http-sink: Writer", &["s"], &[(0.5 + bp / 2.0, 0.0, 0.5 - bp / 2.0)]);
                for (v, t) in [(&mut s, src), (&mut k_, sink)] {
                    v.measured_at_ms = Some(measured);
                    v.time_totals =
                        totals.then_some(TimeTotals { busy_ms: Some(t.0), backpressured_ms: t.1, idle_ms: t.2 });
                }
                h.push(Snapshot {
                    at_ms: measured + 500 + poll * 2000,
                    jobs: vec![running_job("j", vec![s, k_])],
                    ..Default::default()
                });
            }
        }
        h
    }

    fn diagnosed(h: &History) -> Diagnosis {
        diagnose(h, &Thresholds::default())
    }

    #[test]
    fn a_stall_every_30_s_is_intermittent_though_the_averages_call_it_a_bottleneck() {
        // 4 s in every third interval: 13 % of the time, a steady 13 % in Flink's 60 s gauges.
        let d = diagnosed(&stalling(9, true, |k| if k.rem_euclid(3) == 0 { 4000.0 } else { 0.0 }));
        let j = &d.jobs[0];
        let b = &j.bottlenecks[0];
        assert_eq!(b.vertex_id, "k");
        let p = &b.persistence;
        assert_eq!((p.pattern, p.held, p.of, p.counted_over), (Pattern::Intermittent, 3, 9, "refreshes"));
        let share = p.share_of_time.unwrap();
        assert!((share - 4.0 / 30.0).abs() < 1e-9, "{share}");
        assert_eq!(p.period_s, Some(30.0));
        assert_eq!(p.span_s, Some(90.0));
        assert_eq!(p.text, "intermittent: held its victims back in 3 of 9 refreshes over 1 min 30 s, 13% of the time, a stall about every 30 s");
        // No parallelism for a stall; the hints say where stalls come from, the sink's flush first.
        assert_eq!((b.suggested_parallelism, b.suggested_parallelism_max), (None, None));
        assert!(b.advice.parallelism_basis.contains("intermittent"), "{}", b.advice.parallelism_basis);
        assert_eq!(b.advice.hints[0].kind, "intermittent");
        assert!(b.advice.hints[0].text.starts_with("a periodic flush or commit of the sink"));
        // Held back 13 % of the time: a warning, not critical; the summary says what kind.
        assert_eq!(j.severity, Severity::Warning);
        assert!(j.summary.starts_with("http-sink: Writer is an intermittent bottleneck (sink"), "{}", j.summary);
    }

    #[test]
    fn held_back_in_every_interval_is_sustained_and_keeps_its_advice() {
        let d = diagnosed(&stalling(9, true, |_| 9000.0));
        let b = &d.jobs[0].bottlenecks[0];
        assert_eq!((b.persistence.pattern, b.persistence.held, b.persistence.of), (Pattern::Sustained, 9, 9));
        assert!(
            b.persistence.text.starts_with("sustained: held its victims back in 9 of 9 refreshes"),
            "{}",
            b.persistence.text
        );
        assert_eq!(b.persistence.period_s, None);
        assert!(b.suggested_parallelism.is_some());
        assert_eq!(d.jobs[0].severity, Severity::Critical);
        // One free interval of nine is still sustained (a single quiet interval is no pattern).
        let d = diagnosed(&stalling(9, true, |k| if k == 5 { 0.0 } else { 9000.0 }));
        assert_eq!(d.jobs[0].bottlenecks[0].persistence.pattern, Pattern::Sustained);
    }

    #[test]
    fn an_intermittent_stall_held_back_most_of_the_time_is_critical() {
        // 9 s of 10 in two intervals of three: 60 % of the time held back.
        let d = diagnosed(&stalling(9, true, |k| if k.rem_euclid(3) == 0 { 0.0 } else { 9000.0 }));
        let b = &d.jobs[0].bottlenecks[0];
        assert_eq!((b.persistence.pattern, b.persistence.held), (Pattern::Intermittent, 6));
        assert_eq!(d.jobs[0].severity, Severity::Critical);
    }

    #[test]
    fn two_intervals_cannot_tell() {
        let d = diagnosed(&stalling(2, true, |_| 9000.0));
        let p = &d.jobs[0].bottlenecks[0].persistence;
        assert_eq!((p.pattern, p.of), (Pattern::Undetermined, 2));
        assert_eq!(
            p.text,
            "2 refreshes so far: 3 are needed to tell a sustained bottleneck from an intermittent stall"
        );
        let d = diagnosed(&stalling(1, true, |_| 9000.0));
        assert!(d.jobs[0].bottlenecks[0].persistence.text.starts_with("1 refresh so far"));
    }

    #[test]
    fn without_running_totals_the_gauges_count_one_measurement_each() {
        let d = diagnosed(&stalling(9, false, |_| 9000.0));
        let p = &d.jobs[0].bottlenecks[0].persistence;
        // Ten measurements (the first too), each held back by its gauge.
        assert_eq!((p.pattern, p.held, p.of, p.counted_over), (Pattern::Sustained, 10, 10, "measurements"));
        assert_eq!((p.share_of_time, p.span_s), (None, Some(90.0)));
    }

    #[test]
    fn each_measurement_is_classified_on_its_own() {
        // Gauges held back in measurements 0–4, free in 5–9 (a stall that ended).
        let mut h = History::new(10, 100);
        for m in 0..10i64 {
            let bp = if m < 5 { 0.9 } else { 0.0 };
            let mut s = vertex("s", "src", &[], &[(0.1, bp, 0.9 - bp)]);
            let mut k = vertex("k", "sink", &["s"], &[(0.95, 0.0, 0.05)]);
            s.measured_at_ms = Some(T0 + m * 10_000);
            k.measured_at_ms = Some(T0 + m * 10_000);
            h.push(Snapshot {
                at_ms: T0 + m * 10_000 + 100,
                jobs: vec![running_job("j", vec![s, k])],
                ..Default::default()
            });
        }
        let d = diagnosed(&h);
        let j = &d.jobs[0];
        let src = j.vertices.iter().find(|v| v.id == "s").unwrap();
        use Class::{Bottleneck as B, Healthy as H, Victim as V};
        assert_eq!(src.timeline, [V, V, V, V, V, H, H, H, H, H]);
        let sink = j.vertices.iter().find(|v| v.id == "k").unwrap();
        assert_eq!(sink.timeline, [B, B, B, B, B, H, H, H, H, H]);
        // The window's classes, and how many measurements each held in.
        assert_eq!((src.class, src.held, sink.class, sink.held), (V, 5, B, 5));
        // One run of stalls: intermittent, no period (one stall is no rhythm).
        let p = &j.bottlenecks[0].persistence;
        assert_eq!((p.pattern, p.held, p.of, p.period_s), (Pattern::Intermittent, 5, 10, None));
    }

    #[test]
    fn measurements_keep_the_later_poll_of_one_refresh() {
        let at = |measured: Option<i64>, busy: f64| {
            let mut v = vertex("v", "v", &[], &[(busy, 0.0, 1.0 - busy)]);
            v.measured_at_ms = measured;
            running_job("j", vec![v])
        };
        let polls = [at(Some(1), 0.1), at(Some(1), 0.2), at(Some(2), 0.3), at(None, 0.4), at(None, 0.5)];
        let refs: Vec<&Job> = polls.iter().collect();
        let busy: Vec<Option<f64>> =
            measurements(&refs).iter().map(|j| j.vertices[0].stats.get(crate::model::Metric::Busy).max).collect();
        // Polls without a measurement time are each their own.
        assert_eq!(busy, [Some(0.2), Some(0.3), Some(0.4), Some(0.5)]);
    }

    #[test]
    fn intervals_come_from_the_totals_and_skip_a_restart() {
        let job = |totals: [(Option<f64>, f64, f64); 2]| {
            let mut a = vertex("a", "Source: legacy", &[], &[(f64::NAN, 0.5, 0.5)]);
            let mut b = vertex("b", "sink", &["a"], &[(0.5, 0.0, 0.5), (0.5, 0.0, 0.5)]);
            a.time_totals =
                Some(TimeTotals { busy_ms: totals[0].0, backpressured_ms: totals[0].1, idle_ms: totals[0].2 });
            b.time_totals =
                Some(TimeTotals { busy_ms: totals[1].0, backpressured_ms: totals[1].1, idle_ms: totals[1].2 });
            running_job("j", vec![a, b])
        };
        let polls = [
            job([(None, 0.0, 0.0), (Some(0.0), 0.0, 0.0)]),
            job([(None, 0.0, 0.0), (Some(0.0), 0.0, 0.0)]), // a repeat: no interval
            // 10 s: the legacy source (busy NaN) backpressured 2.5 s; the sink's two subtasks
            // 20 s of task time, 15 s of it busy.
            job([(None, 2500.0, 5000.0), (Some(15_000.0), 0.0, 5000.0)]),
            // The tasks restarted: totals fell, no interval.
            job([(None, 100.0, 100.0), (Some(100.0), 0.0, 100.0)]),
        ];
        let refs: Vec<&Job> = polls.iter().collect();
        let iv = intervals(&polls[0], &refs);
        assert_eq!(iv.len(), 1, "{iv:?}");
        assert_eq!(iv[0].length_ms, 10_000.0);
        assert_eq!(iv[0].backpressured, [Some(0.25), Some(0.0)]);
        assert_eq!(iv[0].busy, [None, Some(0.75)]);
    }

    #[test]
    fn a_period_needs_three_stalls_at_a_steady_pace() {
        let held = |pattern: &[bool], every_ms: f64| Held {
            held: pattern.to_vec(),
            starts_ms: (0..pattern.len()).map(|i| Some(i as f64 * every_ms)).collect(),
            span_ms: None,
            share_of_time: None,
            counted_over: "refreshes",
        };
        let (x, o) = (true, false);
        assert_eq!(period_s(&held(&[x, o, o, x, o, o, x, o, o], 10_000.0)), Some(30.0));
        assert_eq!(
            period_s(&held(&[x, x, o, x, x, o, x, x, o], 10_000.0)),
            Some(30.0),
            "a stall spanning two refreshes"
        );
        assert_eq!(period_s(&held(&[x, o, o, x, o, o], 10_000.0)), None, "two stalls are one gap");
        assert_eq!(period_s(&held(&[x, o, x, o, o, o, o, x], 10_000.0)), None, "20 s then 50 s: no rhythm");
        assert_eq!(period_s(&held(&[o, x, o, x, o, x, o], 10_000.0)), Some(20.0));
        let mut untimed = held(&[x, o, x, o, x], 10_000.0);
        untimed.starts_ms[2] = None;
        assert_eq!(period_s(&untimed), None, "a measurement without a time");
    }
}
