//! Pure analysis: `History` in, `Diagnosis` out. No I/O, no clock, no terminal.

pub mod advice;
pub mod classify;
pub mod demand;
pub mod forecast;
mod graph;
pub mod invariants;
pub mod lag;
pub mod persistence;
pub mod regression;
mod verdict;
mod walk;
pub mod warmup;
pub mod window;

use crate::diagnosis::{
    Bottleneck, BottleneckKind, Class, Diagnosis, Forecast, InputEdge, JobDiagnosis, LagGroup, Pattern, Reason,
    Severity, SourceReport, SubtaskRow, VertexDiagnosis, WarmUp, SCHEMA_VERSION,
};
use crate::history::History;
use crate::model::{Job, Snapshot, SourceHealth};
use crate::units::pct;
use classify::{classify, Classified, Graph};
use window::{job_in_window, view, VertexView};

/// The numbers behind the rules, all ratios 0..1. Defaults follow Flink's own levels
/// (backpressure "ok" up to 10 %, "high" above 50 %) and its autoscaler's target utilization.
#[derive(Clone, Debug, PartialEq)]
pub struct Thresholds {
    /// Backpressured at or above this: a victim.
    pub bp_low: f64,
    /// Backpressured at or above this: strongly (Flink's "high").
    pub bp_high: f64,
    /// A non-backpressured vertex below victims is a bottleneck from this busy ratio on.
    pub busy_bottleneck: f64,
    /// Busy at or above this with nothing backpressured: hot (a source: the bottleneck).
    pub busy_hot: f64,
    /// Busy below this and idle at or above `idle`: idle.
    pub idle_busy: f64,
    pub idle: f64,
    /// A subtask this busy and `skew_gap` above its siblings' median is hot.
    pub skew_hot: f64,
    pub skew_gap: f64,
    /// Utilization the suggested parallelism aims for.
    pub target_utilization: f64,
    /// Gates and target of the saturation forecasts.
    pub forecast: forecast::ForecastOptions,
    /// A data loss forecast within this many seconds is critical.
    pub loss_horizon_s: f64,
    /// `--lag-group JOB=GROUP` mappings.
    pub lag_groups: lag::GroupMap,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            bp_low: 0.10,
            bp_high: 0.50,
            busy_bottleneck: 0.50,
            busy_hot: 0.80,
            idle_busy: 0.10,
            idle: 0.80,
            skew_hot: 0.70,
            skew_gap: 0.40,
            target_utilization: 0.70,
            forecast: forecast::ForecastOptions::default(),
            loss_horizon_s: 6.0 * 3600.0,
            lag_groups: Vec::new(),
        }
    }
}

pub fn confidence_label(c: f64) -> &'static str {
    if c >= 0.8 {
        "high"
    } else if c >= 0.5 {
        "medium"
    } else {
        "low"
    }
}

/// The verdict on everything in the history's window.
pub fn diagnose(history: &History, t: &Thresholds) -> Diagnosis {
    let window: Vec<&Snapshot> = history.recent().collect();
    let Some(latest) = window.last() else {
        return Diagnosis {
            schema_version: SCHEMA_VERSION,
            severity: Severity::Healthy,
            at_ms: 0,
            window_s: 0.0,
            jobs: Vec::new(),
            forecasts: Vec::new(),
            forecast_window_s: t.forecast.window_s,
            lag: Vec::new(),
            lag_groups: Vec::new(),
            lag_as_of_ms: None,
            jobs_as_of_ms: None,
            sources: Vec::new(),
            reasons: Vec::new(),
        };
    };
    let window_s = (latest.at_ms - window[0].at_ms) as f64 / 1000.0;
    // A poll in which the sources of jobs failed while a lag source answered (a Flink outage)
    // brings lag, not an empty cluster: the jobs are those of the newest poll that knew them.
    let jobs_snap = history.jobs_snapshot().unwrap_or(latest);
    let jobs_as_of_ms = (jobs_snap.at_ms != latest.at_ms).then_some(jobs_snap.at_ms);
    // A lag source that fails keeps its last rows on the report, dated, instead of its verdict
    // silently disappearing.
    let lag_snap = window.iter().rev().find(|s| !s.lag.is_empty());
    let lag_rows: &[crate::model::LagRow] = lag_snap.map(|s| s.lag.as_slice()).unwrap_or(&[]);
    let lag_as_of_ms = lag_snap.map(|s| s.at_ms);
    let lag = lag::partitions(lag_rows, history, lag_as_of_ms.unwrap_or(latest.at_ms), &t.forecast);
    // Groups are tied to their jobs first: the producers' rate they measure is the demand the
    // jobs' advice is sized for.
    let candidates: Vec<lag::Candidate> = jobs_snap.jobs.iter().map(lag::Candidate::of).collect();
    let mut lag_groups = lag::tie(&lag, &candidates, &t.lag_groups);
    let mut jobs = Vec::new();
    let mut forecasts = Vec::new();
    for job in &jobs_snap.jobs {
        let mut measured = job_in_window(&window, &job.id);
        // Known only from before the window (an outage longer than it): judged on that poll.
        if measured.is_empty() {
            measured.push(job);
        }
        let tied: Vec<&LagGroup> = lag_groups.iter().filter(|g| g.job_id.as_deref() == Some(job.id.as_str())).collect();
        let (d, f) = diagnose_job(job, &measured, history, t, &tied);
        jobs.push(d);
        forecasts.extend(f);
    }
    lag::describe(&mut lag_groups, &jobs);
    let sources = source_reports(&latest.sources);
    let mut reasons: Vec<Reason> = jobs
        .iter()
        .filter_map(|j| {
            j.severity_reason.as_ref().map(|r| Reason { severity: j.severity, text: format!("{}: {r}", j.name) })
        })
        .collect();
    for g in &lag_groups {
        if g.time_to_data_loss_s.is_some_and(|s| s <= t.loss_horizon_s) {
            reasons.push(Reason { severity: Severity::Critical, text: g.summary.clone() });
        } else if g.trend == crate::diagnosis::LagTrend::Unknown {
            let of_group = |p: &&crate::diagnosis::LagPartition| p.group == g.group && p.cluster == g.cluster;
            let unreported = lag.iter().filter(of_group).filter(|p| p.lag.is_none()).count();
            if lag
                .iter()
                .filter(of_group)
                .any(|p| p.trend == crate::diagnosis::LagTrend::Unknown && p.lag.is_some_and(|l| l > 0.0))
            {
                // Behind with too short a history. Exporters refresh every ~30 s and a poll
                // that repeats a row is no new point.
                let n = t.forecast.min_samples;
                reasons.push(Reason {
                    severity: Severity::Warning,
                    text: format!(
                        "lag trend of group {} unknown: it needs {n} distinct measurements of the lag over at least {}, and exporters refresh about every 30 s: poll ~{} (e.g. --samples {} at the default 2 s interval)",
                        g.group,
                        crate::units::duration_s(t.forecast.min_span_s),
                        crate::units::duration_s(n as f64 * 30.0),
                        n * 15
                    ),
                });
            } else if unreported > 0 {
                reasons.push(Reason {
                    severity: Severity::Warning,
                    text: format!(
                        "lag of group {} unknown on {unreported} of {} partitions: the source reports no lag for them",
                        g.group, g.partitions
                    ),
                });
            }
            // Otherwise the unknown comes from negative lag, which has its own reason below.
        } else if g.trend != crate::diagnosis::LagTrend::Ok {
            reasons.push(Reason { severity: Severity::Warning, text: g.summary.clone() });
        }
    }
    for p in lag.iter().filter(|p| p.lag.is_some_and(|l| l < 0.0)) {
        reasons.push(Reason {
            severity: Severity::Warning,
            text: format!(
                "negative lag on {}-{} of group {}: the exporter's offsets are out of step",
                p.topic, p.partition, p.group
            ),
        });
    }
    // A failed request warns, except one about a job warming up: Flink answers errors while
    // its tasks deploy (real Flink 2.3: HTTP 500 on /backpressure), and they say nothing yet.
    let warming: Vec<String> =
        jobs.iter().filter(|j| j.warming_up.is_some()).map(|j| format!("/jobs/{}/", j.id)).collect();
    let counts = |e: &&String| !warming.iter().any(|w| e.contains(w.as_str()));
    for s in &sources {
        let failed: Vec<&String> = s.partial_errors.iter().filter(counts).collect();
        if !s.ok {
            let why = s.error.clone().unwrap_or_else(|| if s.late { "late".into() } else { "failed".into() });
            reasons.push(Reason { severity: Severity::Warning, text: format!("source {} failed: {why}", s.name) });
        } else if let Some(first) = failed.first() {
            reasons.push(Reason {
                severity: Severity::Warning,
                text: format!("source {}: {} request(s) failed, e.g. {first}", s.name, failed.len()),
            });
        }
    }
    // The severity is the worst reason's (every job above healthy has its `severity_reason`,
    // so the jobs are among them).
    let mut d = Diagnosis {
        schema_version: SCHEMA_VERSION,
        severity: Severity::Healthy,
        at_ms: latest.at_ms,
        window_s,
        jobs,
        forecasts,
        forecast_window_s: t.forecast.window_s,
        lag,
        lag_groups,
        lag_as_of_ms,
        jobs_as_of_ms,
        sources,
        reasons: Vec::new(),
    };
    for r in reasons {
        d.add_reason(r);
    }
    d
}

pub fn source_reports(sources: &[SourceHealth]) -> Vec<SourceReport> {
    sources
        .iter()
        .map(|s| SourceReport {
            name: s.name.clone(),
            kind: s.kind,
            endpoint: s.endpoint.clone(),
            ok: s.ok,
            error: s.error.clone(),
            partial_errors: s.partial_errors.clone(),
            requests: s.requests,
            late: s.late,
        })
        .collect()
}

/// The verdict on one job, and its forecasts. `history`: the job in each poll of the window;
/// `series`: the long history the forecasts are fitted on.
/// `lag_groups`: the consumer groups tied to this job's sources.
pub fn diagnose_job(
    job: &Job,
    history: &[&Job],
    series: &History,
    t: &Thresholds,
    lag_groups: &[&LagGroup],
) -> (JobDiagnosis, Vec<Forecast>) {
    let settled = warmup::settled(job, history);
    let (polls, settled_after_ms, warming_up) = match settled {
        Ok(s) => (s.polls, s.after_ms, None),
        Err(w) => (Vec::new(), None, Some(w)),
    };
    let views: Vec<VertexView> = job.vertices.iter().map(|v| view(v, &polls, t.bp_low)).collect();
    let running = job.state == "RUNNING";
    let mut classified = match warming_up {
        Some(w) => warming(&views, &w),
        None if running => classify(&views, job.graph_known, t),
        None => not_running(job, &views),
    };
    let graph = Graph::of(&views);
    // Each step of the window (an interval between two refreshes of Flink's running totals, or
    // one measurement) classified on its own: how long each class holds, and the causes whose
    // stalls the window's averages hide.
    // The job's last distinct measurements (about two minutes), start-up left out as above.
    let kept: Vec<&Job> = match (&warming_up, settled_after_ms) {
        (Some(_), _) => Vec::new(),
        (None, Some(after)) => {
            series.measurements(&job.id).into_iter().filter(|j| j.measured_at_ms().is_some_and(|t| t > after)).collect()
        }
        (None, None) => series.measurements(&job.id),
    };
    let (steps, counted_over) = if running { persistence::steps(job, &kept) } else { (Vec::new(), "measurements") };
    let per_step = persistence::classify_steps(job, &steps, t);
    for b in persistence::intermittent_causes(&classified, &per_step, job, &steps, counted_over, t) {
        promote(&mut classified, b, job);
    }
    let timeline = persistence::timeline(job, &per_step);
    let source_rates: Vec<Option<demand::SourceRates>> =
        (0..views.len()).map(|i| demand::source_rates(i, &views, lag_groups)).collect();
    let scales = demand::scales(&views, &graph, &source_rates);
    let tied: Vec<bool> = views.iter().map(|v| !demand::tied_to(v, lag_groups).is_empty()).collect();
    let ctx = advice::Context {
        views: &views,
        graph: &graph,
        t,
        scales: &scales,
        sources: &source_rates,
        tied: &tied,
        job_id: &job.id,
    };
    let bottlenecks: Vec<Bottleneck> = classified
        .bottlenecks
        .iter()
        .map(|b| {
            let v = &views[b.vertex];
            let skewed = &classified.vertices[b.vertex].skewed_subtasks;
            let (mut advice, mut suggested, mut suggested_max) = advice::advise(b, skewed, &ctx);
            let persistence = persistence::persistence(b, job, &steps, counted_over, t);
            if persistence.pattern == Pattern::Intermittent {
                // A stall is not a capacity problem: more subtasks would sit idle between stalls.
                (suggested, suggested_max) = (None, None);
                (advice.drain, advice.also_raise, advice.apply) = (None, Vec::new(), None);
                advice.parallelism_basis =
                    "none: the bottleneck is intermittent, and more subtasks would sit idle between its stalls".into();
                advice.hints.splice(0..0, advice::stall_hints(b.kind));
            }
            Bottleneck {
                vertex_id: v.vertex.id.clone(),
                name: v.vertex.name.clone(),
                kind: b.kind,
                subtasks: if skewed.is_empty() { (0..v.vertex.parallelism).collect() } else { skewed.clone() },
                operators: v.vertex.operators.clone(),
                confidence: round2(b.confidence),
                confidence_label: confidence_label(b.confidence),
                evidence: b.evidence.clone(),
                victims: b.victims.iter().map(|&i| views[i].vertex.id.clone()).collect(),
                suggested_parallelism: suggested,
                suggested_parallelism_max: suggested_max,
                advice,
                persistence,
            }
        })
        .collect();
    let vertices: Vec<VertexDiagnosis> = classified
        .order
        .iter()
        .map(|&i| {
            let v = &views[i];
            let verdict = &classified.vertices[i];
            VertexDiagnosis {
                id: v.vertex.id.clone(),
                name: v.vertex.name.clone(),
                parallelism: v.vertex.parallelism,
                inputs: v
                    .vertex
                    .inputs
                    .iter()
                    .map(|i| InputEdge { id: i.from.clone(), ship_strategy: i.ship_strategy.clone() })
                    .collect(),
                operators: v.vertex.operators.clone(),
                class: verdict.class,
                confidence: round2(verdict.confidence),
                measurements: v.samples,
                busy: v.busy,
                busy_avg: v.busy_avg,
                backpressured: v.backpressured,
                idle: v.idle,
                in_pool: v.in_pool,
                out_pool: v.out_pool,
                records_in_per_s: v.records_in,
                records_out_per_s: v.records_out,
                backpressure_level: v.level.map(|l| l.to_string()),
                skewed_subtasks: verdict.skewed_subtasks.clone(),
                held: timeline[i].iter().filter(|c| **c == verdict.class).count(),
                timeline: timeline[i].clone(),
                caused_by: verdict.caused_by.iter().map(|&c| views[c].vertex.id.clone()).collect(),
                evidence: verdict.evidence.clone(),
                subtasks: v
                    .subtasks
                    .iter()
                    .map(|s| SubtaskRow {
                        index: s.index,
                        busy: s.busy,
                        backpressured: s.backpressured,
                        idle: s.idle,
                        records_in_per_s: s.records_in,
                    })
                    .collect(),
            }
        })
        .collect();
    let mut severity = job_severity(job, &classified, &bottlenecks, &views, t);
    let (forecasts, outlook) = if running && warming_up.is_none() {
        let skewed =
            |id: &str| vertices.iter().find(|v| v.id == id).map(|v| v.skewed_subtasks.clone()).unwrap_or_default();
        // "Now" in the series' own clock: Flink's newest measurement time of this job when the
        // points carry it (a vertex silent while others refresh is stale), the poll's otherwise.
        let measured = history.last().and_then(|j| j.measured_at_ms());
        let now = measured.unwrap_or_else(|| series.latest().map(|s| s.at_ms).unwrap_or(0));
        let f = forecast::forecasts(job, series, &skewed, now, settled_after_ms, &t.forecast);
        let confirmed: Vec<String> =
            bottlenecks.iter().filter(|b| b.kind != BottleneckKind::Unresolved).map(|b| b.vertex_id.clone()).collect();
        let o = forecast::outlook(&f, &confirmed);
        (f, o)
    } else {
        (Vec::new(), None)
    };
    let mut findings = classified.findings;
    // A forecast alarms only when its whole 95 % range is within the horizon: a line whose
    // slope could be half as steep (or zero) is shown, not alarmed.
    let horizon = t.forecast.horizon_s;
    let within = |f: &&crate::diagnosis::Forecast| f.eta_seconds.is_some_and(|e| e <= horizon);
    let alarmed = forecasts.iter().filter(within).any(|f| f.eta_high_seconds.is_some_and(|h| h <= horizon));
    // Only an alarmed forecast makes the headline: one whose range reaches past the horizon is
    // shown beside the chart, not announced.
    let summary = match &warming_up {
        Some(w) => warm_up_summary(w),
        None => summary(job, &bottlenecks, &vertices, outlook.as_deref().filter(|_| alarmed), lag_groups, t),
    };
    if alarmed {
        severity = severity.max(Severity::Warning);
        findings.push(format!("a saturation is forecast within the horizon of {}", crate::units::duration_s(horizon)));
    } else if let Some(f) = forecasts.iter().find(within) {
        findings.push(format!(
            "{} of {} may saturate within {} (ETA ~{}), but its 95 % range reaches past it: shown, not alarmed",
            f.metric,
            f.subject,
            crate::units::duration_s(horizon),
            crate::units::duration_s(f.eta_seconds.unwrap_or(0.0))
        ));
    }
    // The one line that says why: the job's state, its bottleneck, the forecast that alarmed,
    // or the first finding, in that order.
    let severity_reason = (severity > Severity::Healthy).then(|| {
        if matches!(job.state.as_str(), "RESTARTING" | "FAILING" | "FAILED") {
            format!("the job is {}", job.state)
        } else if !bottlenecks.is_empty() {
            summary.clone()
        } else if let (true, Some(o)) = (alarmed, &outlook) {
            format!("saturation forecast: {o}")
        } else {
            findings.first().cloned().unwrap_or_else(|| summary.clone())
        }
    });
    let job_diagnosis = JobDiagnosis {
        id: job.id.clone(),
        name: job.name.clone(),
        state: job.state.clone(),
        severity,
        summary,
        bottlenecks,
        vertices,
        findings,
        samples: history.len(),
        outlook,
        severity_reason,
        warming_up,
    };
    (job_diagnosis, forecasts)
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Names an intermittent cause the window's averages missed: its vertex becomes the bottleneck
/// (an unresolved suspect at the same vertex gives way) and its victims say what holds them back.
fn promote(c: &mut Classified, b: classify::BottleneckVerdict, job: &Job) {
    c.bottlenecks.retain(|x| x.vertex != b.vertex);
    let v = &mut c.vertices[b.vertex];
    v.class = Class::Bottleneck;
    v.confidence = b.confidence;
    v.evidence = b.evidence.clone();
    for &w in &b.victims {
        let victim = &mut c.vertices[w];
        if victim.class == Class::Victim && !victim.caused_by.contains(&b.vertex) {
            victim.caused_by.push(b.vertex);
            // The window alone found nothing busy below it; the intervals did.
            victim.evidence.retain(|e| !e.starts_with("mild backpressure with no busy vertex downstream"));
            victim.evidence.push(format!("held back by {} during its stalls", job.vertices[b.vertex].name));
        }
    }
    c.bottlenecks.push(b);
    let order = c.order.clone();
    c.bottlenecks.sort_by_key(|b| order.iter().position(|&o| o == b.vertex));
}

/// A job that is not running has no meaningful metrics: every vertex is unknown.
fn not_running(job: &Job, views: &[VertexView]) -> Classified {
    all_unknown(
        views,
        format!("job is {}: its metrics say nothing about throughput", job.state),
        vec![format!("job is {}, not RUNNING: no verdict on its operators", job.state)],
    )
}

/// A job warming up: every vertex unknown for a stated reason, no finding (nothing to alarm).
fn warming(views: &[VertexView], w: &WarmUp) -> Classified {
    let why = match w.settles_in_s {
        Some(_) => "warming up: Flink's first measurements after the tasks start describe the start-up",
        None => "warming up: tasks are still being deployed or initialised",
    };
    all_unknown(views, why.to_string(), Vec::new())
}

/// Every vertex unknown for one reason, no bottleneck, in data-flow order.
fn all_unknown(views: &[VertexView], why: String, findings: Vec<String>) -> Classified {
    let verdict = classify::VertexVerdict {
        class: Class::Unknown,
        confidence: 0.0,
        evidence: vec![why],
        caused_by: Vec::new(),
        skewed_subtasks: Vec::new(),
    };
    Classified {
        vertices: vec![verdict; views.len()],
        bottlenecks: Vec::new(),
        findings,
        order: Graph::of(views).topological(),
    }
}

fn warm_up_summary(w: &WarmUp) -> String {
    let started = crate::units::duration_s(w.started_s_ago);
    match w.settles_in_s {
        Some(s) => format!("warming up: job started {started} ago; metrics settle in ~{}", crate::units::duration_s(s)),
        None => format!("warming up: job started {started} ago; tasks are still starting"),
    }
}

fn job_severity(
    job: &Job,
    c: &Classified,
    bottlenecks: &[Bottleneck],
    views: &[VertexView],
    t: &Thresholds,
) -> Severity {
    if matches!(job.state.as_str(), "RESTARTING" | "FAILING" | "FAILED") {
        return Severity::Critical;
    }
    let mut severity = Severity::Healthy;
    if !c.findings.is_empty() || job.state != "RUNNING" {
        severity = Severity::Warning;
    }
    for b in bottlenecks {
        // How much of the time the victims are held back: measured exactly for a stall (Flink's
        // running totals), else their backpressured time averaged over the window.
        let pushed_hard = match (b.persistence.pattern, b.persistence.share_of_time) {
            (Pattern::Intermittent, Some(share)) => share >= t.bp_high,
            _ => b
                .victims
                .iter()
                .filter_map(|id| views.iter().find(|v| &v.vertex.id == id))
                .any(|v| v.backpressured.is_some_and(|bp| bp >= t.bp_high)),
        };
        // Throughput is held back hard: critical whether the cause is confirmed or only a
        // suspect (a source at capacity pushes back on nothing, so it is a warning).
        let confirmed = !matches!(b.kind, BottleneckKind::Unresolved | BottleneckKind::Source | BottleneckKind::Chain);
        let s = if pushed_hard && (b.kind == BottleneckKind::Unresolved || (confirmed && b.confidence >= 0.5)) {
            Severity::Critical
        } else {
            Severity::Warning
        };
        severity = severity.max(s);
    }
    severity
}

/// The headline, in the order a person acts on it: the impact (data loss, lag), the cause, then
/// what to change or the qualifier that decides the fix.
fn summary(
    job: &Job,
    bottlenecks: &[Bottleneck],
    vertices: &[VertexDiagnosis],
    outlook: Option<&str>,
    lag_groups: &[&LagGroup],
    t: &Thresholds,
) -> String {
    if job.state != "RUNNING" {
        return format!("no verdict: the job is {}", job.state);
    }
    let unknown = vertices.iter().filter(|v| v.class == Class::Unknown).count();
    if unknown == vertices.len() {
        return "no verdict yet: no vertex has reported busy/backpressured/idle time".into();
    }
    let tail = if unknown > 0 {
        format!(" ({unknown} vert{} unknown)", if unknown == 1 { "ex" } else { "ices" })
    } else {
        String::new()
    };
    if bottlenecks.is_empty() {
        let victims = vertices.iter().filter(|v| v.class == Class::Victim).count();
        let busiest = vertices
            .iter()
            .filter(|v| v.busy.is_some())
            .max_by(|a, b| a.busy.unwrap_or(0.0).total_cmp(&b.busy.unwrap_or(0.0)));
        let busiest = busiest.map(|v| format!("; busiest: {} at {}", v.name, pct(v.busy))).unwrap_or_default();
        return if victims > 0 {
            format!(
                "mild backpressure on {victims} vert{} with no clear bottleneck{busiest}{tail}",
                if victims == 1 { "ex" } else { "ices" }
            )
        } else if let Some(o) = outlook {
            format!("no bottleneck yet: {o}{tail}")
        } else {
            format!("no bottleneck: nothing is backpressured{busiest}{tail}")
        };
    }
    let parts: Vec<String> = bottlenecks
        .iter()
        .map(|b| {
            let victims = b.victims.len();
            let plural = if victims == 1 { "ex" } else { "ices" };
            let held = if victims > 0 { format!(", holding back {victims} upstream vert{plural}") } else { String::new() };
            if b.kind == BottleneckKind::Unresolved {
                format!(
                    "{victims} vert{plural} backpressured without a confirmed cause; nearest suspect: {} (confidence {})",
                    b.name, b.confidence_label
                )
            } else if b.persistence.pattern == Pattern::Intermittent {
                format!(
                    "{} is an intermittent bottleneck ({}, confidence {}){held}: {}",
                    b.name,
                    b.kind.label(),
                    b.confidence_label,
                    b.persistence.text.trim_start_matches("intermittent: ")
                )
            } else {
                format!(
                    "{} is the bottleneck ({}, confidence {}){held}{}",
                    b.name,
                    b.kind.label(),
                    b.confidence_label,
                    qualifier(b, vertices)
                )
            }
        })
        .collect();
    format!("{}{}{tail}", impact(lag_groups, t), parts.join("; "))
}

/// What the lag of the job's groups does, as the headline's opening words: data loss first.
fn impact(groups: &[&LagGroup], t: &Thresholds) -> String {
    let behind = |g: &LagGroup| {
        g.total_lag
            .map(|l| format!("group {} is {} records behind", g.group, crate::units::rate(Some(l))))
            .unwrap_or_else(|| format!("group {} is behind", g.group))
    };
    let loss = groups
        .iter()
        .filter(|g| g.time_to_data_loss_s.is_some_and(|s| s <= t.loss_horizon_s))
        .min_by(|a, b| a.time_to_data_loss_s.unwrap_or(f64::MAX).total_cmp(&b.time_to_data_loss_s.unwrap_or(f64::MAX)));
    if let Some(g) = loss {
        return format!(
            "DATA LOSS in ~{}: {} because ",
            crate::units::duration_s(g.time_to_data_loss_s.unwrap_or(0.0)),
            behind(g)
        );
    }
    let growing = groups.iter().find(|g| g.trend == crate::diagnosis::LagTrend::Growing);
    match growing {
        Some(g) => format!(
            "{} and growing{} because ",
            behind(g),
            g.growth_per_s.map(|r| format!(" by {}/s", crate::units::rate(Some(r)))).unwrap_or_default()
        ),
        None => String::new(),
    }
}

/// The words after "X is the bottleneck": the change to make, or why none would help.
fn qualifier(b: &Bottleneck, vertices: &[VertexDiagnosis]) -> String {
    let v = vertices.iter().find(|v| v.id == b.vertex_id);
    let skewed = v.map(|v| v.skewed_subtasks.clone()).unwrap_or_default();
    if !skewed.is_empty() {
        let list: Vec<String> = skewed.iter().map(|i| format!("#{i}")).collect();
        let keyed = v.is_some_and(|v| {
            v.inputs.iter().any(|i| i.ship_strategy.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("HASH")))
        });
        let what = if keyed { "key skew" } else { "uneven load" };
        return format!("; {what} on subtask {}: rescaling will not help", list.join(", "));
    }
    if b.advice.hints.iter().any(|h| h.kind == "stalled") {
        return "; stalled, not slow: more subtasks will not help".into();
    }
    match (b.target_change(", and "), &b.advice.drain) {
        (Some(t), _) => format!(": raise its parallelism {t}"),
        // What it buys without a target: the demand fits, the backlog drains as it is (the
        // bottleneck is the slowest vertex, so nothing else falls short).
        (None, Some(d)) => {
            let drains = d.seconds.map(|s| format!("; the backlog drains in ~{}", crate::units::duration_s(s)));
            format!(": it keeps up with the producers{}", drains.unwrap_or_default())
        }
        _ => String::new(),
    }
}

#[cfg(test)]
pub(crate) mod advice_tests;
#[cfg(test)]
mod tests;
