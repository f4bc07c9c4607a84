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

use super::classify::{classify_as, BottleneckVerdict, Classified};
use super::window::{view, VertexView};
use super::Thresholds;
use crate::diagnosis::{Class, Pattern, Persistence};
use crate::model::{Job, Metric, TimeTotals};
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

/// One interval between two refreshes of the running totals.
#[derive(Clone, Debug, PartialEq)]
pub struct Interval {
    /// Its length (task time per subtask, the median over vertices), ms.
    length_ms: f64,
    /// Per vertex (in `job.vertices` order): the share of the interval spent backpressured,
    /// busy and idle, over all its subtasks.
    backpressured: Vec<Option<f64>>,
    busy: Vec<Option<f64>>,
    idle: Vec<Option<f64>>,
}

/// One step of the timeline: an interval between two refreshes of the running totals (exact),
/// or one measurement of the gauges when there are no totals. `job` is the last poll of the
/// step's refresh: its gauges give the worst subtask's share of the mean, its records and pools.
pub struct Step<'a> {
    pub job: &'a Job,
    interval: Option<Interval>,
}

/// The steps of the window, and what they are ("refreshes" or "measurements").
pub fn steps<'a>(job: &Job, polls: &[&'a Job]) -> (Vec<Step<'a>>, &'static str) {
    let iv = intervals(job, polls);
    if iv.is_empty() {
        (measurements(polls).into_iter().map(|job| Step { job, interval: None }).collect(), "measurements")
    } else {
        (iv.into_iter().map(|(job, i)| Step { job, interval: Some(i) }).collect(), "refreshes")
    }
}

/// The intervals between consecutive distinct readings of the running totals in `polls`, each
/// with the last poll that carried its closing reading.
fn intervals<'a>(job: &Job, polls: &[&'a Job]) -> Vec<(&'a Job, Interval)> {
    let totals = |p: &Job| -> Vec<Option<TimeTotals>> {
        job.vertices.iter().map(|v| p.vertex(&v.id).and_then(|pv| pv.time_totals)).collect()
    };
    let mut readings: Vec<(Vec<Option<TimeTotals>>, &Job)> = Vec::new();
    for &p in polls {
        let r = totals(p);
        match readings.last_mut() {
            Some((last, at)) if *last == r => *at = p,
            _ if r.iter().any(Option::is_some) => readings.push((r, p)),
            _ => {}
        }
    }
    readings
        .windows(2)
        .filter_map(|w| {
            // Deltas per vertex; a total that went down (tasks restarted) is no interval.
            let deltas: Vec<Option<(f64, f64, Option<f64>)>> = w[0]
                .0
                .iter()
                .zip(&w[1].0)
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
            let mut interval = Interval { length_ms, backpressured: Vec::new(), busy: Vec::new(), idle: Vec::new() };
            for (d, v) in deltas.iter().zip(&job.vertices) {
                let (bp, idle, busy) = match *d {
                    Some((bp, idle, busy)) => {
                        let whole = match busy {
                            Some(b) => bp + idle + b.max(0.0),
                            None => length_ms * f64::from(v.parallelism.max(1)),
                        };
                        (share(bp, whole), share(idle, whole), busy.and_then(|b| share(b.max(0.0), whole)))
                    }
                    None => (None, None, None),
                };
                interval.backpressured.push(bp);
                interval.idle.push(idle);
                interval.busy.push(busy);
            }
            Some((w[1].1, interval))
        })
        .collect()
}

/// The vertices as seen in one step: the gauges of its poll, with busy, backpressured and idle
/// time replaced by the interval's exact shares when the totals give them. The totals are
/// sums over subtasks, the verdict reads the worst subtask: the mean share is scaled by how far
/// the worst subtask stands from the mean in the gauges.
pub fn step_views<'a>(job: &'a Job, step: &Step<'a>, t: &Thresholds) -> Vec<VertexView<'a>> {
    job.vertices
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let mut view = view(v, std::slice::from_ref(&step.job), t.bp_low);
            let Some(iv) = &step.interval else { return view };
            let Some(bp) = iv.backpressured[i] else { return view };
            let stats = step.job.vertex(&v.id).map(|pv| &pv.stats);
            let worst = |share: f64, m: Metric, worst: fn(&crate::model::Stat) -> Option<f64>| {
                let s = stats.map(|s| s.get(m));
                match (s.and_then(|s| worst(&s)), s.and_then(|s| s.avg)) {
                    (Some(w), Some(avg)) if avg > 0.0 => (share * w / avg).clamp(0.0, 1.0),
                    _ => share,
                }
            };
            view.backpressured = Some(worst(bp, Metric::Backpressured, |s| s.max));
            view.busy = iv.busy[i].map(|b| worst(b, Metric::Busy, |s| s.max));
            view.busy_avg = iv.busy[i];
            view.idle = iv.idle[i].map(|d| worst(d, Metric::Idle, |s| s.min));
            view.backpressured_samples = usize::from(view.backpressured.is_some_and(|b| b >= t.bp_low));
            view.samples = 1;
            view
        })
        .collect()
}

/// The job classified at each step, oldest first; an interval of exact shares as such (a
/// vertex busy for about as long as its upstream was blocked is what blocked it, see
/// `Walk::holds_back`), a gauge reading like the window.
pub fn classify_steps(job: &Job, steps: &[Step], t: &Thresholds) -> Vec<Classified> {
    steps.iter().map(|s| classify_as(&step_views(job, s, t), job.graph_known, t, s.interval.is_some())).collect()
}

/// Each vertex's class at each step: `[vertex][step]`, vertices in `job.vertices` order.
pub fn timeline(job: &Job, classified: &[Classified]) -> Vec<Vec<Class>> {
    (0..job.vertices.len()).map(|i| classified.iter().map(|c| c.vertices[i].class).collect()).collect()
}

/// Whether each step held the bottleneck's victims back (a bottleneck without victims, a
/// saturated source: whether it was saturated), each step's start in ms (`None` when the
/// measurements carry no time), the span, and the share of the time the victims were
/// backpressured when the totals measure it.
struct Held {
    held: Vec<bool>,
    starts_ms: Vec<Option<f64>>,
    span_ms: Option<f64>,
    share_of_time: Option<f64>,
}

fn held(b: &BottleneckVerdict, job: &Job, steps: &[Step], t: &Thresholds) -> Held {
    let mut out = Held { held: Vec::new(), starts_ms: Vec::new(), span_ms: None, share_of_time: None };
    let (mut clock, mut held_time, mut counted_time) = (0.0, 0.0, 0.0);
    for s in steps {
        let views = step_views(job, s, t);
        let state = if b.victims.is_empty() {
            views[b.vertex].busy.map(|busy| busy >= t.busy_hot)
        } else {
            let worst = b.victims.iter().filter_map(|&v| views[v].backpressured).reduce(f64::max);
            worst.map(|bp| bp >= t.bp_low)
        };
        let start = match &s.interval {
            Some(i) => {
                let start = clock;
                clock += i.length_ms;
                Some(start)
            }
            None => s.job.measured_at_ms().map(|t| t as f64),
        };
        let Some(h) = state else { continue };
        out.held.push(h);
        out.starts_ms.push(start);
        if let Some(i) = &s.interval {
            // The time share of the most backpressured victim, over all its subtasks.
            let share = b.victims.iter().filter_map(|&v| i.backpressured[v]).reduce(f64::max);
            if let Some(share) = share {
                held_time += share * i.length_ms;
                counted_time += i.length_ms;
            }
        }
    }
    out.span_ms = if steps.iter().all(|s| s.interval.is_some()) {
        Some(clock)
    } else {
        let times: Vec<i64> = steps.iter().filter_map(|s| s.job.measured_at_ms()).collect();
        times.first().zip(times.last()).map(|(a, b)| (b - a) as f64)
    };
    out.share_of_time = (counted_time > 0.0).then(|| held_time / counted_time);
    out
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

/// How long bottleneck `b` holds over the steps of the window (`counted_over`: what a step is).
pub fn persistence(
    b: &BottleneckVerdict,
    job: &Job,
    steps: &[Step],
    counted_over: &'static str,
    t: &Thresholds,
) -> Persistence {
    let h = held(b, job, steps, t);
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
    let counted = format!("{what} in {held} of {of} {counted_over}{over}");
    let share = h.share_of_time.map(|s| format!(", {} of the time", pct(Some(s)))).unwrap_or_default();
    let text = match pattern {
        Pattern::Sustained => format!("sustained: {counted}{share}"),
        Pattern::Intermittent => format!(
            "intermittent: {counted}{share}{}",
            period.map(|p| format!(", a stall about every {}", duration_s(p))).unwrap_or_default()
        ),
        Pattern::Undetermined if held == 0 && of >= MIN_INTERVALS => format!(
            "{what} in none of {of} {counted_over} taken one by one, only on average: too weak to tell sustained from intermittent"
        ),
        Pattern::Undetermined => format!(
            "{of} {} so far: {MIN_INTERVALS} are needed to tell a sustained bottleneck from an intermittent stall",
            if of == 1 { counted_over.trim_end_matches("es").trim_end_matches('s') } else { counted_over }
        ),
    };
    Persistence {
        pattern,
        held,
        of,
        counted_over,
        span_s: h.span_ms.map(|s| s / 1000.0),
        share_of_time: h.share_of_time,
        period_s: period,
        text,
    }
}

/// Causes the window's averages miss: a vertex that is healthy or idle on average but the
/// bottleneck in some steps, free in others (a periodic stall whose average stays below the
/// bottleneck's busy threshold). Each comes back as a bottleneck verdict built from the steps
/// that named it (its kind, and every victim it held back in them), when its pattern over the
/// window is intermittent.
pub fn intermittent_causes(
    window: &Classified,
    per_step: &[Classified],
    job: &Job,
    steps: &[Step],
    counted_over: &'static str,
    t: &Thresholds,
) -> Vec<BottleneckVerdict> {
    let mut out = Vec::new();
    for i in 0..job.vertices.len() {
        // A confirmed bottleneck of the window is classed so; an unresolved suspect keeps its
        // own class and may be the cause the intervals show.
        if !matches!(window.vertices[i].class, Class::Healthy | Class::Idle) {
            continue;
        }
        let named: Vec<&BottleneckVerdict> = per_step
            .iter()
            .filter_map(|c| c.bottlenecks.iter().find(|b| b.vertex == i && c.vertices[i].class == Class::Bottleneck))
            .collect();
        if named.len() < 2 {
            continue;
        }
        let mut victims: Vec<usize> = named.iter().flat_map(|b| b.victims.iter().copied()).collect();
        victims.sort_unstable();
        victims.dedup();
        let confidence = 0.8 * named.iter().map(|b| b.confidence).sum::<f64>() / named.len() as f64;
        let mut b = BottleneckVerdict { vertex: i, kind: named[0].kind, confidence, evidence: Vec::new(), victims };
        if persistence(&b, job, steps, counted_over, t).pattern != Pattern::Intermittent {
            continue;
        }
        b.evidence = vec![
            format!(
                "the bottleneck in {} of {} {counted_over} taken one by one, free in the others: its stalls hold back {}",
                named.len(),
                steps.len(),
                b.victims.iter().map(|&v| job.vertices[v].name.as_str()).collect::<Vec<_>>().join(", ")
            ),
            "on average over the window it is not busy enough to be called a bottleneck: the stalls are short".into(),
        ];
        out.push(b);
    }
    out
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
        stalling_at(0.5, intervals, totals, stall_ms)
    }

    /// As `stalling`, the sink `busy` (0..1) between stalls.
    fn stalling_at(busy: f64, intervals: i64, totals: bool, stall_ms: impl Fn(i64) -> f64) -> History {
        // The session's 10-poll classification window: 20 s, two refreshes; persistence reads further back.
        let mut h = History::new(10, 100);
        let (mut src, mut sink) = ((0.0, 0.0, 0.0), (0.0, 0.0, 0.0));
        for k in 0..=intervals {
            if k > 0 {
                let s = stall_ms(k);
                // (busy, backpressured, idle) in ms over the 10 s interval, one subtask each.
                src = (src.0 + 0.2 * (10_000.0 - s), src.1 + s, src.2 + 0.8 * (10_000.0 - s));
                sink = (sink.0 + s + busy * (10_000.0 - s), sink.1, sink.2 + (1.0 - busy) * (10_000.0 - s));
            }
            // The gauge: the last 60 s (six intervals) averaged.
            let bp = (k - 5..=k).map(&stall_ms).sum::<f64>() / 60_000.0;
            for poll in 0..5 {
                let measured = T0 + k * 10_000;
                let mut s = vertex("s", "Source: events", &[], &[(0.2 * (1.0 - bp), bp, 0.8 * (1.0 - bp))]);
                let mut k_ = vertex(
                    "k",
                    "http-sink: Writer",
                    &["s"],
                    &[(bp + busy * (1.0 - bp), 0.0, (1.0 - busy) * (1.0 - bp))],
                );
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
    fn a_stall_too_short_for_the_averages_is_named_from_the_intervals() {
        // The sink is 20 % busy between stalls: 30 % busy on average, never a bottleneck by the
        // window's averages, which see only mild backpressure upstream. In each stall interval
        // it is the bottleneck.
        let d = diagnosed(&stalling_at(0.2, 9, true, |k| if k.rem_euclid(3) == 0 { 4000.0 } else { 0.0 }));
        let j = &d.jobs[0];
        assert_eq!(j.bottlenecks.len(), 1, "{}", j.summary);
        let b = &j.bottlenecks[0];
        assert_eq!((b.vertex_id.as_str(), b.kind), ("k", crate::diagnosis::BottleneckKind::Sink));
        assert_eq!((b.persistence.pattern, b.persistence.held, b.persistence.of), (Pattern::Intermittent, 3, 9));
        assert_eq!(b.victims, ["s"]);
        assert_eq!(b.suggested_parallelism, None);
        assert!(b.evidence[0].starts_with("the bottleneck in 3 of 9 refreshes taken one by one"), "{:?}", b.evidence);
        // Its confidence: four fifths of what the intervals that named it said, on average.
        let h = stalling_at(0.2, 9, true, |k| if k.rem_euclid(3) == 0 { 4000.0 } else { 0.0 });
        let job = &h.latest().unwrap().jobs[0];
        let (found, _) = steps(job, &h.measurements("j"));
        let said: Vec<f64> = classify_steps(job, &found, &Thresholds::default())
            .iter()
            .filter_map(|c| c.bottlenecks.iter().find(|b| b.vertex == 1).map(|b| b.confidence))
            .collect();
        assert_eq!(said.len(), 3);
        let expected = 0.8 * said.iter().sum::<f64>() / 3.0;
        assert!((b.confidence - (expected * 100.0).round() / 100.0).abs() < 1e-9, "{} vs {expected}", b.confidence);
        let sink = j.vertices.iter().find(|v| v.id == "k").unwrap();
        let src = j.vertices.iter().find(|v| v.id == "s").unwrap();
        assert_eq!(
            (sink.class, src.class, src.caused_by.as_slice()),
            (Class::Bottleneck, Class::Victim, &["k".to_string()][..])
        );
        // The victim says what holds it back instead of "likely transient", its own evidence kept.
        assert_eq!(src.evidence.last().map(String::as_str), Some("held back by http-sink: Writer during its stalls"));
        assert!(!src.evidence.iter().any(|e| e.contains("likely transient")), "{:?}", src.evidence);
        assert!(src.evidence[0].starts_with("backpressured "), "{:?}", src.evidence);
        use Class::{Bottleneck as B, Healthy as H};
        assert_eq!(sink.timeline, [H, H, B, H, H, B, H, H, B]);
        assert_eq!(sink.held, 3, "in 3 of its 9 steps it had its class of the window, bottleneck");
        assert_eq!(j.severity, Severity::Warning);
        // Without the totals the gauges (60 s averages) cannot see it: no cause is invented.
        let d = diagnosed(&stalling_at(0.2, 9, false, |k| if k.rem_euclid(3) == 0 { 4000.0 } else { 0.0 }));
        assert!(d.jobs[0].bottlenecks.is_empty(), "{}", d.jobs[0].summary);
        // Two stalls in the window are a pattern already.
        let d = diagnosed(&stalling_at(0.2, 9, true, |k| if k == 3 || k == 6 { 4000.0 } else { 0.0 }));
        let b = &d.jobs[0].bottlenecks;
        assert_eq!(b.len(), 1, "{}", d.jobs[0].summary);
        assert_eq!((b[0].persistence.pattern, b[0].persistence.held), (Pattern::Intermittent, 2));
        // A single stall in the window is no pattern.
        let d = diagnosed(&stalling_at(0.2, 9, true, |k| if k == 3 { 4000.0 } else { 0.0 }));
        assert!(d.jobs[0].bottlenecks.is_empty(), "{}", d.jobs[0].summary);
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
        // Three are enough.
        let d = diagnosed(&stalling(3, true, |_| 9000.0));
        let p = &d.jobs[0].bottlenecks[0].persistence;
        assert_eq!((p.pattern, p.of), (Pattern::Sustained, 3));
        // Two free intervals of twelve are not yet a quarter: sustained; two of three would be.
        let d = diagnosed(&stalling(12, true, |k| if k == 5 || k == 9 { 0.0 } else { 9000.0 }));
        let p = &d.jobs[0].bottlenecks[0].persistence;
        assert_eq!((p.pattern, p.held, p.of), (Pattern::Sustained, 10, 12), "{}", p.text);
    }

    #[test]
    fn a_saturated_source_holds_as_long_as_it_stays_busy() {
        // A source 90 % busy in every interval, nothing backpressured: a source bottleneck whose
        // persistence counts the intervals it was at least 80 % busy.
        let mut h = History::new(10, 100);
        let mut busy_total = 0.0;
        for k in 0..=6i64 {
            busy_total += if k > 0 { 9000.0 } else { 0.0 };
            let mut s = vertex("s", "Source: fast", &[], &[(0.9, 0.0, 0.1)]);
            let mut m = vertex("m", "map", &["s"], &[(0.3, 0.0, 0.7)]);
            s.measured_at_ms = Some(T0 + k * 10_000);
            m.measured_at_ms = Some(T0 + k * 10_000);
            s.time_totals =
                Some(TimeTotals { busy_ms: Some(busy_total), backpressured_ms: 0.0, idle_ms: busy_total / 9.0 });
            m.time_totals = Some(TimeTotals {
                busy_ms: Some(busy_total / 3.0),
                backpressured_ms: 0.0,
                idle_ms: busy_total * 7.0 / 9.0,
            });
            h.push(Snapshot {
                at_ms: T0 + k * 10_000 + 100,
                jobs: vec![running_job("j", vec![s, m])],
                ..Default::default()
            });
        }
        let d = diagnosed(&h);
        let b = &d.jobs[0].bottlenecks[0];
        assert_eq!(b.kind, crate::diagnosis::BottleneckKind::Source);
        let p = &b.persistence;
        assert_eq!((p.pattern, p.held, p.of, p.share_of_time), (Pattern::Sustained, 6, 6, None));
        assert!(p.text.starts_with("sustained: saturated in 6 of 6 refreshes over 1 min"), "{}", p.text);
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
        // Closed by the third poll's reading.
        assert!(std::ptr::eq(iv[0].0, &polls[2]));
        let iv = &iv[0].1;
        assert_eq!(iv.length_ms, 10_000.0);
        assert_eq!(iv.backpressured, [Some(0.25), Some(0.0)]);
        assert_eq!(iv.busy, [None, Some(0.75)]);
        assert_eq!(iv.idle, [Some(0.5), Some(0.25)]);
    }

    #[test]
    fn a_period_needs_three_stalls_at_a_steady_pace() {
        let held = |pattern: &[bool], every_ms: f64| Held {
            held: pattern.to_vec(),
            starts_ms: (0..pattern.len()).map(|i| Some(i as f64 * every_ms)).collect(),
            span_ms: None,
            share_of_time: None,
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
        // 20 s then 25 s: steady enough (within 1.5×), the median gap of the two.
        let mut uneven = held(&[x, o, x, o, x], 10_000.0);
        uneven.starts_ms = [0.0, 10_000.0, 20_000.0, 30_000.0, 45_000.0].iter().map(|t| Some(*t)).collect();
        assert_eq!(period_s(&uneven), Some(25.0));
        assert_eq!(period_s(&held(&[o, x, o, x, o, x, o], 10_000.0)), Some(20.0));
        let mut untimed = held(&[x, o, x, o, x], 10_000.0);
        untimed.starts_ms[2] = None;
        assert_eq!(period_s(&untimed), None, "a measurement without a time");
    }

    #[test]
    fn an_intermittent_stall_is_judged_by_its_share_of_the_two_minutes_not_the_last_minute() {
        // Stalls of 7 s in intervals 2 and 5 to 9: 47 % of the 90 s, but 52 % on Flink's 60 s
        // averages in the window, which alone would make it critical.
        let d = diagnosed(&stalling(9, true, |k| if [2, 5, 6, 7, 8, 9].contains(&k) { 7000.0 } else { 0.0 }));
        let j = &d.jobs[0];
        let p = &j.bottlenecks[0].persistence;
        assert_eq!((p.pattern, p.held), (Pattern::Intermittent, 6));
        assert!((p.share_of_time.unwrap() - 42.0 / 90.0).abs() < 1e-9, "{:?}", p.share_of_time);
        let src = j.vertices.iter().find(|v| v.id == "s").unwrap();
        assert!(src.backpressured.unwrap() > 0.5, "{:?}", src.backpressured);
        assert_eq!(j.severity, Severity::Warning);
    }

    #[test]
    fn start_up_measurements_are_left_out_up_to_and_including_the_cutoff() {
        // The job's tasks started at T0; Flink refreshes every 10 s, so measurements up to and
        // including T0 + 10 s may still describe the start-up.
        let mut h = History::new(10, 100);
        for m in 0..8i64 {
            let mut s = vertex("s", "src", &[], &[(0.1, 0.9, 0.0)]);
            let mut k = vertex("k", "sink", &["s"], &[(0.95, 0.0, 0.05)]);
            s.measured_at_ms = Some(T0 + m * 10_000);
            k.measured_at_ms = Some(T0 + m * 10_000);
            let mut job = running_job("j", vec![s, k]);
            job.started =
                Some(crate::model::Started { at_ms: T0, jm_now_ms: T0 + m * 10_000 + 100, tasks_starting: false });
            h.push(Snapshot { at_ms: T0 + m * 10_000 + 100, jobs: vec![job], ..Default::default() });
        }
        let d = diagnosed(&h);
        let sink = d.jobs[0].vertices.iter().find(|v| v.id == "k").unwrap();
        // Measurements at T0 + 20 s … T0 + 70 s: six.
        assert_eq!(sink.timeline.len(), 6, "{:?}", sink.timeline);
    }

    #[test]
    fn a_cause_found_in_the_intervals_takes_its_place_in_data_flow_order() {
        // Two pipelines in one job: s1 → k1 stalls 2 s every 30 s (on average s1 is only 7 %
        // backpressured: healthy); s2 → k2 is saturated all the time.
        let mut h = History::new(10, 100);
        let (mut s1, mut k1, mut s2, mut k2) = ((0.0, 0.0, 0.0), (0.0, 0.0, 0.0), (0.0, 0.0, 0.0), (0.0, 0.0, 0.0));
        let stall = |k: i64| if k.rem_euclid(3) == 0 { 2000.0 } else { 0.0 };
        for k in 0..=9i64 {
            if k > 0 {
                let st = stall(k);
                s1 = (s1.0 + 0.2 * (10_000.0 - st), s1.1 + st, s1.2 + 0.8 * (10_000.0 - st));
                k1 = (k1.0 + st + 0.2 * (10_000.0 - st), k1.1, k1.2 + 0.8 * (10_000.0 - st));
                s2 = (s2.0 + 100.0, s2.1 + 9900.0, s2.2);
                k2 = (k2.0 + 10_000.0, k2.1, k2.2);
            }
            let bp = (k - 5..=k).map(stall).sum::<f64>() / 60_000.0;
            for poll in 0..5 {
                let measured = T0 + k * 10_000;
                let mut vs = vec![
                    vertex("s1", "Source: a", &[], &[(0.2 * (1.0 - bp), bp, 0.8 * (1.0 - bp))]),
                    vertex("k1", "a-sink: Writer", &["s1"], &[(bp + 0.2 * (1.0 - bp), 0.0, 0.8 * (1.0 - bp))]),
                    vertex("s2", "Source: b", &[], &[(0.01, 0.99, 0.0)]),
                    vertex("k2", "b-sink: Writer", &["s2"], &[(1.0, 0.0, 0.0)]),
                ];
                for (v, t) in vs.iter_mut().zip([s1, k1, s2, k2]) {
                    v.measured_at_ms = Some(measured);
                    v.time_totals = Some(TimeTotals { busy_ms: Some(t.0), backpressured_ms: t.1, idle_ms: t.2 });
                }
                h.push(Snapshot {
                    at_ms: measured + 500 + poll * 2000,
                    jobs: vec![running_job("j", vs)],
                    ..Default::default()
                });
            }
        }
        let d = diagnosed(&h);
        let j = &d.jobs[0];
        let names: Vec<(&str, Pattern)> =
            j.bottlenecks.iter().map(|b| (b.vertex_id.as_str(), b.persistence.pattern)).collect();
        assert_eq!(names, [("k1", Pattern::Intermittent), ("k2", Pattern::Sustained)], "{}", j.summary);
        // s1 is healthy on average: it is named among the stall's victims, but keeps its class
        // and is not said to be held back.
        let s1 = j.vertices.iter().find(|v| v.id == "s1").unwrap();
        assert_eq!(j.bottlenecks[0].victims, ["s1"]);
        assert_eq!((s1.class, s1.caused_by.len()), (Class::Healthy, 0));
    }

    #[test]
    fn intervals_read_every_vertex_on_its_own_terms() {
        // (busy, backpressured, idle) totals per vertex: a legacy source at parallelism 2 (busy
        // NaN), a map whose busy total rounds down by 1 ms, a vertex whose backpressured total
        // falls (its tasks restarted), and two vertices that did not move at all.
        let job = |legacy: (f64, f64), map: (f64, f64, f64), restarted: (f64, f64), busy_gauge: f64| {
            let t = |busy: Option<f64>, bp: f64, idle: f64| {
                Some(TimeTotals { busy_ms: busy, backpressured_ms: bp, idle_ms: idle })
            };
            let mut vs = vec![
                vertex("a", "Source: legacy", &[], &[(f64::NAN, 0.5, 0.5), (f64::NAN, 0.5, 0.5)]),
                vertex("b", "map", &["a"], &[(busy_gauge, 0.0, 1.0 - busy_gauge)]),
                vertex("c", "restarted", &["b"], &[(0.5, 0.0, 0.5)]),
                vertex("d", "still", &["c"], &[(0.5, 0.0, 0.5)]),
                vertex("e", "still too", &["d"], &[(0.5, 0.0, 0.5)]),
            ];
            let totals = [
                t(None, legacy.0, legacy.1),
                t(Some(map.0), map.1, map.2),
                t(Some(1.0), restarted.0, restarted.1),
                t(Some(7.0), 0.0, 0.0),
                t(Some(7.0), 0.0, 0.0),
            ];
            for (v, tt) in vs.iter_mut().zip(totals) {
                v.time_totals = tt;
            }
            running_job("j", vs)
        };
        let mut failed = job((0.0, 0.0), (0.0, 0.0, 0.0), (0.0, 0.0), 0.1);
        for v in &mut failed.vertices {
            v.time_totals = None;
        }
        let polls = [
            job((0.0, 0.0), (459.0, 0.0, 0.0), (5000.0, 0.0), 0.1),
            failed, // a failed request between two refreshes splits nothing
            // 10 s later: the source backpressured 5 s of its 20 s of task time; the map busy
            // total 1 ms lower (Flink's rounding), idle 10 s; "restarted" lost time.
            job((5000.0, 5000.0), (458.0, 0.0, 10_000.0), (1000.0, 9000.0), 0.2),
            // The same reading again, later: its gauges are the ones to use.
            job((5000.0, 5000.0), (458.0, 0.0, 10_000.0), (1000.0, 9000.0), 0.3),
        ];
        let refs: Vec<&Job> = polls.iter().collect();
        let iv = intervals(&polls[0], &refs);
        assert_eq!(iv.len(), 1, "{iv:?}");
        assert!(std::ptr::eq(iv[0].0, &polls[3]), "the later poll of the closing reading");
        let iv = &iv[0].1;
        // The length: the median task time per subtask of the vertices that moved (the map's
        // 10 s; the still ones do not pull it down).
        assert_eq!(iv.length_ms, 10_000.0);
        assert_eq!(iv.backpressured[0], Some(0.25), "5 s of 2 subtasks × 10 s");
        assert_eq!((iv.busy[1], iv.idle[1]), (Some(0.0), Some(1.0)), "rounding is no restart");
        assert_eq!(iv.backpressured[2], None, "a total that fell is no interval");
        assert_eq!((iv.backpressured[3], iv.busy[4]), (None, None), "no time passed: no share, not NaN");
    }

    #[test]
    fn an_interval_reads_the_worst_subtask_from_the_gauges() {
        // One vertex of two subtasks with these gauges, its totals moving 6 s busy and 14 s
        // idle in 10 s: the interval's mean busy share is 0.3. Its view, as the interval sees it.
        let view_of = |gauges: &[(f64, f64, f64)]| {
            let mut v = vertex("v", "op", &[], gauges);
            v.time_totals = Some(TimeTotals { busy_ms: Some(0.0), backpressured_ms: 0.0, idle_ms: 0.0 });
            let first = running_job("j", vec![v.clone()]);
            v.time_totals = Some(TimeTotals { busy_ms: Some(6000.0), backpressured_ms: 0.0, idle_ms: 14_000.0 });
            let second = running_job("j", vec![v]);
            let (found, over) = steps(&second, &[&first, &second]);
            assert_eq!((found.len(), over), (1, "refreshes"));
            // 20 s of task time over two subtasks: a 10 s interval.
            assert_eq!(found[0].interval.as_ref().map(|i| i.length_ms), Some(10_000.0));
            let view = step_views(&second, &found[0], &Thresholds::default()).remove(0);
            assert_eq!((view.samples, view.backpressured_samples), (1, 0), "one interval, not backpressured");
            (view.busy, view.busy_avg, view.idle)
        };
        // The gauges say 0.8 and 0.2 busy (mean 0.5): the worst subtask is 0.3 × 0.8 / 0.5.
        let (busy, busy_avg, idle) = view_of(&[(0.8, 0.0, 0.2), (0.2, 0.0, 0.8)]);
        assert!((busy.unwrap() - 0.48).abs() < 1e-9, "{busy:?}");
        assert_eq!(busy_avg, Some(0.3));
        assert_eq!(idle, Some(0.7 * 0.2 / 0.5), "the least idle subtask, likewise");
        // Gauges reading zero on average say nothing about the spread: the mean share as it is.
        assert_eq!(view_of(&[(0.0, 0.0, 1.0), (0.0, 0.0, 1.0)]).0, Some(0.3));
    }

    #[test]
    fn a_bottleneck_the_intervals_never_show_says_so() {
        // The gauges (60 s averages) still show the source held back, but in none of the last
        // four intervals was it: the averages remember a past the intervals no longer see.
        let intervals = |n: i64| {
            let mut h = History::new(10, 100);
            for k in 0..=n {
                let t = k as f64;
                let mut s = vertex("s", "src", &[], &[(0.05, 0.9, 0.05)]);
                let mut m = vertex("k", "sink", &["s"], &[(0.95, 0.0, 0.05)]);
                s.measured_at_ms = Some(T0 + k * 10_000);
                m.measured_at_ms = Some(T0 + k * 10_000);
                s.time_totals =
                    Some(TimeTotals { busy_ms: Some(1000.0 * t), backpressured_ms: 0.0, idle_ms: 9000.0 * t });
                m.time_totals =
                    Some(TimeTotals { busy_ms: Some(9500.0 * t), backpressured_ms: 0.0, idle_ms: 500.0 * t });
                h.push(Snapshot {
                    at_ms: T0 + k * 10_000 + 100,
                    jobs: vec![running_job("j", vec![s, m])],
                    ..Default::default()
                });
            }
            diagnosed(&h)
        };
        let d = intervals(4);
        let p = &d.jobs[0].bottlenecks[0].persistence;
        assert_eq!((p.pattern, p.held, p.of), (Pattern::Undetermined, 0, 4));
        assert_eq!(
            p.text,
            "held its victims back in none of 4 refreshes taken one by one, only on average: too weak to tell sustained from intermittent"
        );
        // With fewer intervals than it takes to tell, that is what it says, held or not.
        let d = intervals(2);
        let p = &d.jobs[0].bottlenecks[0].persistence;
        assert_eq!((p.pattern, p.held, p.of), (Pattern::Undetermined, 0, 2));
        assert_eq!(
            p.text,
            "2 refreshes so far: 3 are needed to tell a sustained bottleneck from an intermittent stall"
        );
    }
}
