//! Renders a `Diagnosis` for people (text, markdown) and programs (JSON).

mod changes;
mod json;
mod markdown;
mod text;

pub use changes::VerdictChanges;
pub use json::render as json;
pub use markdown::render as markdown;
pub use text::render as text;

use serde::Serialize;

/// Where the data came from, printed with every verdict.
#[derive(Clone, Debug, Default, Serialize)]
pub struct InputInfo {
    /// "live" or "replay"
    pub mode: String,
    /// Endpoint URL (without credentials) or recording path.
    pub source: String,
    /// Polls taken.
    pub polls: usize,
    /// Of those, polls that failed (the verdict rests on the others).
    pub polls_failed: usize,
    /// Points of history read from a Prometheus server before the first poll.
    pub backfilled: usize,
    /// Set when the run was cut short (Ctrl-C): what the verdict rests on instead; null for a
    /// whole run.
    pub partial: Option<String>,
}

/// A vertex's numbers as every surface prints them ("?" when unknown).
pub struct VertexNumbers {
    pub busy: String,
    pub backpressured: String,
    pub idle: String,
    pub in_pool: String,
    pub out_pool: String,
    pub records_in: String,
    pub records_out: String,
}

/// In how many of the window's measurements a vertex had its class ("9/10"), empty when none
/// was classified on its own (a job warming up or not running).
pub fn held(v: &crate::diagnosis::VertexDiagnosis) -> String {
    if v.timeline.is_empty() {
        String::new()
    } else {
        format!("{}/{}", v.held, v.timeline.len())
    }
}

pub fn numbers(v: &crate::diagnosis::VertexDiagnosis) -> VertexNumbers {
    use crate::units::{pct, pool, rate};
    VertexNumbers {
        busy: pct(v.busy),
        backpressured: pct(v.backpressured),
        idle: pct(v.idle),
        in_pool: pool(v.in_pool),
        out_pool: pool(v.out_pool),
        records_in: rate(v.records_in_per_s),
        records_out: rate(v.records_out_per_s),
    }
}

/// "3 polls (1 failed) after 40 points backfilled from Prometheus": what the verdict rests on.
pub fn polls_taken(input: &InputInfo) -> String {
    let mut said = format!("{} poll{}", input.polls, if input.polls == 1 { "" } else { "s" });
    if input.polls_failed > 0 {
        said.push_str(&format!(" ({} failed)", input.polls_failed));
    }
    if input.backfilled > 0 {
        said.push_str(&format!(" after {} points backfilled from Prometheus", input.backfilled));
    }
    if let Some(p) = &input.partial {
        said.push_str(&format!(" (PARTIAL: {p})"));
    }
    said
}

/// Cuts a name to `max` characters with an ellipsis.
fn fit(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// The forecast lines of one job, shared by text and markdown: every ETA, the saturated
/// series grouped, and how many have no ETA and why (the most common reason).
pub fn forecast_lines(d: &crate::diagnosis::Diagnosis, job_id: &str) -> Vec<String> {
    use crate::diagnosis::ForecastStatus;
    use crate::units::{duration_s, pct};
    let fs: Vec<&crate::diagnosis::Forecast> = d.forecasts.iter().filter(|f| f.job_id == job_id).collect();
    if fs.is_empty() {
        return Vec::new();
    }
    let mut lines = Vec::new();
    let mut etas: Vec<&&crate::diagnosis::Forecast> = fs.iter().filter(|f| f.status == ForecastStatus::Eta).collect();
    etas.sort_by(|a, b| a.eta_seconds.unwrap_or(f64::MAX).total_cmp(&b.eta_seconds.unwrap_or(f64::MAX)));
    for f in etas {
        let range = match (f.eta_low_seconds, f.eta_high_seconds) {
            (Some(lo), Some(hi)) => format!("{} – {}", duration_s(lo), duration_s(hi)),
            (Some(lo), None) => format!("at the earliest {}", duration_s(lo)),
            _ => String::new(),
        };
        lines.push(format!(
            "{} of {} reaches {} in ~{} ({range}; {})",
            f.metric,
            f.subject,
            pct(Some(f.threshold)),
            duration_s(f.eta_seconds.unwrap_or(0.0)),
            f.reason.as_deref().unwrap_or("")
        ));
    }
    let saturated: Vec<String> = fs
        .iter()
        .filter(|f| f.status == ForecastStatus::Saturated)
        .map(|f| format!("{} of {}", f.metric, f.subject))
        .collect();
    if !saturated.is_empty() {
        lines.push(format!("already saturated: {}", saturated.join(", ")));
    }
    let none: Vec<&&crate::diagnosis::Forecast> =
        fs.iter().filter(|f| !matches!(f.status, ForecastStatus::Eta | ForecastStatus::Saturated)).collect();
    if let Some(first) = none.first() {
        let label = |s: ForecastStatus| match s {
            ForecastStatus::NotEnoughData => "not enough data",
            ForecastStatus::NoTrend => "no upward trend",
            ForecastStatus::PoorFit => "poor fit",
            ForecastStatus::Bimodal => "bimodal",
            ForecastStatus::Eta | ForecastStatus::Saturated => "",
        };
        let mut counts: Vec<(&str, usize)> = Vec::new();
        for f in &none {
            match counts.iter_mut().find(|(k, _)| *k == label(f.status)) {
                Some((_, n)) => *n += 1,
                None => counts.push((label(f.status), 1)),
            }
        }
        lines.push(format!(
            "no ETA for {} series: {}; e.g. {}",
            none.len(),
            counts.iter().map(|(k, n)| format!("{k} ({n})")).collect::<Vec<_>>().join(", "),
            first.reason.as_deref().unwrap_or("")
        ));
    }
    lines
}

/// "(jobs as of … before the last poll …)" when the jobs shown are older than the last poll: the
/// sources of jobs failed since while another source answered.
pub fn jobs_age_line(d: &crate::diagnosis::Diagnosis) -> Option<String> {
    let t = d.jobs_as_of_ms.filter(|t| *t < d.at_ms)?;
    Some(format!(
        "(jobs as of {} before the last poll: their source did not answer since)",
        crate::units::duration_s((d.at_ms - t) as f64 / 1000.0)
    ))
}

/// The consumer-lag lines: one per group, then its hot or dangerous partitions.
pub fn lag_lines(d: &crate::diagnosis::Diagnosis) -> Vec<String> {
    use crate::units::{duration_s, rate};
    let mut out = Vec::new();
    if let Some(t) = d.lag_as_of_ms.filter(|t| *t < d.at_ms) {
        out.push(format!(
            "(as of {} before the last poll: the lag source did not answer since)",
            duration_s((d.at_ms - t) as f64 / 1000.0)
        ));
    }
    for g in &d.lag_groups {
        let trend = g.trend.label();
        out.push(format!(
            "{}{} [{}]: {}",
            g.cluster.as_ref().map(|c| format!("{c}/")).unwrap_or_default(),
            g.group,
            trend,
            g.summary
        ));
        for p in d.lag.iter().filter(|p| p.group == g.group && p.cluster == g.cluster) {
            let negative = p.lag.is_some_and(|l| l < 0.0);
            if !(p.hot || negative || p.time_to_data_loss_s.is_some()) {
                continue;
            }
            let mut what = vec![format!("lag {}", rate(p.lag))];
            if let Some(s) = p.lag_seconds {
                what.push(format!("{}{} behind", if p.lag_seconds_estimated { "~" } else { "" }, duration_s(s)));
            }
            if let Some(l) = p.time_to_data_loss_s {
                what.push(format!("data loss in ~{}", duration_s(l)));
            }
            if negative {
                what.push("negative lag: the exporter's offsets are out of step, not a healthy 0".into());
            }
            if p.hot {
                what.push("hot partition".into());
            }
            out.push(format!("  {}-{}: {}", p.topic, p.partition, what.join(", ")));
        }
    }
    out
}

/// "partial verdict: …" naming each failed source and what the verdict lacks without it, or
/// `None` when every source answered.
pub fn missing(d: &crate::diagnosis::Diagnosis) -> Option<String> {
    let failed: Vec<String> = d
        .sources
        .iter()
        .filter(|s| !s.ok)
        .map(|s| {
            let lacks = s.kind.gives();
            let what = if s.late { "did not answer in time" } else { "failed" };
            format!("{} {what} ({lacks})", s.name)
        })
        .collect();
    (!failed.is_empty()).then(|| format!("partial verdict: {}", failed.join("; ")))
}

/// The reasons a report spells out: the first five (worst first).
const REASONS_SHOWN: usize = 5;

/// The action for a summary table: the targets, or why there is none.
pub fn action(job: &crate::diagnosis::JobDiagnosis) -> String {
    let acts: Vec<String> = job
        .bottlenecks
        .iter()
        .map(|b| match b.target_change(", ") {
            Some(t) => format!("{}: parallelism {t}", b.name),
            None => format!("{}: {}", b.name, b.advice.parallelism_basis),
        })
        .collect();
    if acts.is_empty() {
        "–".into()
    } else {
        acts.join("; ")
    }
}

/// The jobs most urgent first: by severity, then the soonest data loss of the groups they read,
/// otherwise in the source's order.
pub fn by_urgency(d: &crate::diagnosis::Diagnosis) -> Vec<&crate::diagnosis::JobDiagnosis> {
    let loss = |j: &crate::diagnosis::JobDiagnosis| {
        d.lag_groups
            .iter()
            .filter(|g| g.job_id.as_deref() == Some(j.id.as_str()))
            .filter_map(|g| g.time_to_data_loss_s)
            .reduce(f64::min)
            .unwrap_or(f64::INFINITY)
    };
    let mut jobs: Vec<&crate::diagnosis::JobDiagnosis> = d.jobs.iter().collect();
    jobs.sort_by(|a, b| b.severity.cmp(&a.severity).then(loss(a).total_cmp(&loss(b))));
    jobs
}

pub fn shown_reasons(d: &crate::diagnosis::Diagnosis) -> &[crate::diagnosis::Reason] {
    &d.reasons[..d.reasons.len().min(REASONS_SHOWN)]
}

/// "… and N more reasons" when some were left out.
pub fn more_reasons(d: &crate::diagnosis::Diagnosis) -> Option<String> {
    let more = d.reasons.len().saturating_sub(REASONS_SHOWN);
    (more > 0).then(|| format!("… and {more} more reason{} (see --format json)", if more == 1 { "" } else { "s" }))
}

#[cfg(test)]
mod lines_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnosis::{Reason, Severity};

    fn with_reasons(n: usize) -> crate::diagnosis::Diagnosis {
        let mut d =
            crate::analysis::diagnose(&crate::history::History::new(10, 10), &crate::analysis::Thresholds::default());
        d.severity = Severity::Warning;
        d.reasons = (1..=n).map(|i| Reason { severity: Severity::Warning, text: format!("reason {i}") }).collect();
        d
    }

    #[test]
    fn five_reasons_are_spelled_out_and_the_rest_counted() {
        let input = InputInfo {
            mode: "replay".into(),
            source: "x".into(),
            polls: 1,
            polls_failed: 0,
            backfilled: 0,
            partial: None,
        };
        let five = with_reasons(5);
        assert_eq!(shown_reasons(&five).len(), 5);
        assert_eq!(more_reasons(&five), None);
        let text = text::render(&five, &input);
        assert!(text.ends_with("  because (warning): reason 5\n"), "{text}");
        let seven = with_reasons(7);
        assert_eq!(shown_reasons(&seven).len(), 5);
        assert_eq!(more_reasons(&seven).as_deref(), Some("… and 2 more reasons (see --format json)"));
        assert_eq!(more_reasons(&with_reasons(6)).as_deref(), Some("… and 1 more reason (see --format json)"));
        let text = text::render(&seven, &input);
        assert!(
            text.ends_with("  because (warning): reason 5\n  … and 2 more reasons (see --format json)\n"),
            "{text}"
        );
        let md = markdown::render(&seven, &input);
        assert!(
            md.contains("- **warning**: reason 1\n") && md.contains("- … and 2 more reasons (see --format json)\n"),
            "{md}"
        );
    }

    #[test]
    fn every_report_says_how_long_each_class_held() {
        use crate::model::test_support::{running_job, vertex};
        let mut h = crate::history::History::new(10, 10);
        for m in 0..3i64 {
            let bp = if m == 1 { 0.0 } else { 0.9 };
            let mut s = vertex("s", "src", &[], &[(0.1, bp, 0.9 - bp)]);
            let mut k = vertex("k", "sink", &["s"], &[(0.95, 0.0, 0.05)]);
            s.measured_at_ms = Some(10_000 * m);
            k.measured_at_ms = Some(10_000 * m);
            h.push(crate::model::Snapshot {
                at_ms: 10_000 * m + 100,
                jobs: vec![running_job("j", vec![s, k])],
                ..Default::default()
            });
        }
        let d = crate::analysis::diagnose(&h, &crate::analysis::Thresholds::default());
        let src = &d.jobs[0].vertices[0];
        assert_eq!(held(src), "2/3", "a victim in 2 of its 3 measurements");
        let input = InputInfo {
            mode: "replay".into(),
            source: "x".into(),
            polls: 3,
            polls_failed: 0,
            backfilled: 0,
            partial: None,
        };
        let text = text::render(&d, &input);
        assert!(text.contains(" held ") && text.contains("  2/3  "), "{text}");
        assert!(
            text.contains("    how long: sustained: held its victims back in 2 of 3 measurements over 20 s\n"),
            "{text}"
        );
        let md = markdown::render(&d, &input);
        assert!(md.contains("| held |") && md.contains("| 2/3 |"), "{md}");
        assert!(md.contains("- how long: sustained: held its victims back in 2 of 3 measurements over 20 s\n"), "{md}");
        // Nothing classified on its own (no measurement): no count.
        let mut none = src.clone();
        none.timeline.clear();
        assert_eq!(held(&none), "");
    }
}
