use std::fmt::Write;

use super::{fit, InputInfo};
use crate::diagnosis::{Class, Diagnosis, JobDiagnosis, Severity};
use crate::units::{duration_s, rate};

pub fn render(d: &Diagnosis, input: &InputInfo) -> String {
    let mut out = String::new();
    let what = if input.mode == "replay" { "replay of" } else { "live" };
    let _ = writeln!(
        out,
        "bptop · {what} {} · {}, verdict on the last {}",
        input.source,
        super::polls_taken(input),
        duration_s(d.window_s)
    );
    if d.jobs.is_empty() {
        let _ = writeln!(out, "\nno job to diagnose");
    }
    if let Some(age) = super::jobs_age_line(d) {
        let _ = writeln!(out, "\n{age}");
    }
    for job in super::by_urgency(d) {
        out.push('\n');
        job_block(&mut out, job, d);
    }
    let lag = super::lag_lines(d);
    if !lag.is_empty() {
        let _ = writeln!(out, "\nConsumer lag:");
        for l in lag {
            let _ = writeln!(out, "  {l}");
        }
    }
    out.push('\n');
    for s in &d.sources {
        let state = if s.ok { "ok" } else { "FAILED" };
        let _ = write!(
            out,
            "source {} ({}) {state}: {} · {} requests in the last poll",
            s.name, s.kind, s.endpoint, s.requests
        );
        if let Some(e) = &s.error {
            let _ = write!(out, " · {e}");
        }
        out.push('\n');
        for e in s.partial_errors.iter().take(5) {
            let _ = writeln!(out, "  partial: {e}");
        }
        if s.partial_errors.len() > 5 {
            let _ = writeln!(out, "  … and {} more", s.partial_errors.len() - 5);
        }
    }
    if let Some(m) = super::missing(d) {
        let _ = writeln!(out, "{m}");
    }
    let counts = |s: Severity| d.jobs.iter().filter(|j| j.severity == s).count();
    let _ = writeln!(
        out,
        "verdict: {} ({} job{}: {} critical, {} warning, {} healthy)",
        d.severity.label().to_uppercase(),
        d.jobs.len(),
        if d.jobs.len() == 1 { "" } else { "s" },
        counts(Severity::Critical),
        counts(Severity::Warning),
        counts(Severity::Healthy)
    );
    for r in super::shown_reasons(d) {
        let _ = writeln!(out, "  because ({}): {}", r.severity.label(), r.text);
    }
    if let Some(more) = super::more_reasons(d) {
        let _ = writeln!(out, "  {more}");
    }
    out
}

fn job_block(out: &mut String, job: &JobDiagnosis, d: &Diagnosis) {
    let _ = writeln!(
        out,
        "● {:<8} {}  ({}, {}, {} poll{})",
        job.severity.label().to_uppercase(),
        job.name,
        crate::model::short_id(&job.id),
        job.state,
        job.samples,
        if job.samples == 1 { "" } else { "s" }
    );
    let _ = writeln!(out, "  {}", job.summary);
    let width = job.vertices.iter().map(|v| v.name.chars().count()).max().unwrap_or(6).clamp(6, 44);
    let _ = writeln!(
        out,
        "\n    {:<width$}  {:>3}  {:<10}  {:>5}  {:>6}  {:>6}  {:>6}  {:>4}/{:<4}  {:>7}  {:>7}",
        "vertex", "p", "class", "held", "busy", "bp", "idle", "in", "out", "in/s", "out/s"
    );
    for v in &job.vertices {
        let marker = match v.class {
            Class::Bottleneck => "▶ ",
            Class::Victim => "· ",
            _ => "  ",
        };
        let class = if v.class == Class::Bottleneck { "BOTTLENECK".to_string() } else { v.class.label().to_string() };
        let skew =
            if v.skewed_subtasks.is_empty() { String::new() } else { format!("  skew #{}", join(&v.skewed_subtasks)) };
        let n = super::numbers(v);
        let _ = writeln!(
            out,
            "  {marker}{:<width$}  {:>3}  {:<10}  {:>5}  {:>6}  {:>6}  {:>6}  {:>4}/{:<4}  {:>7}  {:>7}{skew}",
            fit(&v.name, width),
            v.parallelism,
            class,
            super::held(v),
            n.busy,
            n.backpressured,
            n.idle,
            n.in_pool,
            n.out_pool,
            n.records_in,
            n.records_out,
        );
    }
    for b in &job.bottlenecks {
        let _ = writeln!(
            out,
            "\n  Bottleneck: {} ({}, confidence {} {:.2})",
            b.name,
            b.kind.label(),
            b.confidence_label,
            b.confidence
        );
        // What to change before why: the evidence backs the advice up.
        for l in b.advice_lines("→", false) {
            let _ = writeln!(out, "    {l}");
        }
        for e in &b.evidence {
            let _ = writeln!(out, "    · {e}");
        }
        let _ = writeln!(out, "    how long: {}", b.persistence.text);
        let a = &b.advice;
        if let Some(tr) = a.true_rate_per_subtask {
            let _ = writeln!(out, "    true rate ≈ {} rec/s per subtask (records in ÷ busy)", rate(Some(tr)));
        }
        for h in &a.hints {
            let _ = writeln!(out, "    hint ({}): {}", h.kind, h.text);
        }
    }
    let victims: Vec<&str> =
        job.vertices.iter().filter(|v| v.class == Class::Victim).map(|v| v.name.as_str()).collect();
    if !victims.is_empty() && !job.bottlenecks.is_empty() {
        let _ = writeln!(out, "\n  Victims (backpressured, not the cause): {}", victims.join(", "));
    }
    let forecast = super::forecast_lines(d, &job.id);
    if !forecast.is_empty() {
        let _ = writeln!(out, "\n  Forecast (least squares over the last {}):", duration_s(d.forecast_window_s));
        if let Some(o) = job.outlook.as_ref().filter(|o| o.contains("not today's bottleneck")) {
            let _ = writeln!(out, "    ▸ {o}");
        }
        for l in forecast {
            let _ = writeln!(out, "    · {l}");
        }
    }
    if !job.findings.is_empty() {
        let _ = writeln!(out, "\n  Also:");
        for f in &job.findings {
            let _ = writeln!(out, "    · {f}");
        }
    }
}

fn join(ix: &[u32]) -> String {
    ix.iter().map(u32::to_string).collect::<Vec<_>>().join(",#")
}
