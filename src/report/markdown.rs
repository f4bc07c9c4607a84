use std::fmt::Write;

use super::InputInfo;
use crate::diagnosis::{Class, Diagnosis, Severity};

fn icon(s: Severity) -> &'static str {
    match s {
        Severity::Healthy => "🟢",
        Severity::Warning => "🟡",
        Severity::Critical => "🔴",
    }
}

/// Table cells must not break the table.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Text inside an HTML element (a `<summary>` renders no markdown).
fn html(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('\n', " ")
}

/// A comment for a pull request or an incident channel.
pub fn render(d: &Diagnosis, input: &InputInfo) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## {} bptop: {}\n", icon(d.severity), d.severity.label());
    let _ = writeln!(out, "_{} `{}` · {}_\n", input.mode, cell(&input.source), super::polls_taken(input));
    if let Some(age) = super::jobs_age_line(d) {
        let _ = writeln!(out, "_{}_\n", cell(&age));
    }
    // Why, first: every cause of the severity (the summary a reviewer reads before the tables).
    if !d.reasons.is_empty() {
        for r in super::shown_reasons(d) {
            let _ = writeln!(out, "- **{}**: {}", r.severity.label(), cell(&r.text));
        }
        if let Some(more) = super::more_reasons(d) {
            let _ = writeln!(out, "- {more}");
        }
        out.push('\n');
    }
    // Several jobs: one line each first, the details folded.
    let folded = d.jobs.len() > 1;
    if folded {
        let _ = writeln!(out, "| job | severity | bottleneck | action |");
        let _ = writeln!(out, "|---|---|---|---|");
        for job in super::by_urgency(d) {
            let names: Vec<&str> = job.bottlenecks.iter().map(|b| b.name.as_str()).collect();
            let _ = writeln!(
                out,
                "| {} | {} {} | {} | {} |",
                cell(&job.name),
                icon(job.severity),
                job.severity.label(),
                if names.is_empty() { "–".to_string() } else { cell(&names.join(", ")) },
                cell(&super::action(job))
            );
        }
        out.push('\n');
    }
    for job in super::by_urgency(d) {
        if folded {
            let _ = writeln!(
                out,
                "<details><summary>{} <b>{}</b> ({}, {}): {}</summary>\n",
                icon(job.severity),
                html(&job.name),
                html(&job.id),
                html(&job.state),
                html(&job.summary)
            );
        } else {
            let _ = writeln!(out, "### {} {} (`{}`, {})\n", icon(job.severity), cell(&job.name), job.id, job.state);
            let _ = writeln!(out, "{}\n", cell(&job.summary));
        }
        let _ =
            writeln!(out, "| vertex | p | class | held | busy | backpressured | idle | in/out pool | in/s | out/s |");
        let _ = writeln!(out, "|---|--:|---|--:|--:|--:|--:|--:|--:|--:|");
        for v in &job.vertices {
            let class =
                if v.class == Class::Bottleneck { "**bottleneck**".to_string() } else { v.class.label().to_string() };
            let n = super::numbers(v);
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {}/{} | {} | {} |",
                cell(&v.name),
                v.parallelism,
                class,
                super::held(v),
                n.busy,
                n.backpressured,
                n.idle,
                n.in_pool,
                n.out_pool,
                n.records_in,
                n.records_out
            );
        }
        for b in &job.bottlenecks {
            let _ = writeln!(
                out,
                "\n**Bottleneck: {}** ({}, confidence {} {:.2})\n",
                cell(&b.name),
                b.kind.label(),
                b.confidence_label,
                b.confidence
            );
            // What to change first, then the evidence.
            let a = &b.advice;
            match b.suggested_parallelism {
                Some(p) => {
                    let _ = writeln!(
                        out,
                        "- parallelism {} → **{p}**: {}",
                        a.current_parallelism,
                        cell(&a.parallelism_basis)
                    );
                }
                None => {
                    let _ = writeln!(out, "- parallelism: {}", cell(&a.parallelism_basis));
                }
            }
            for l in b.what_it_takes(false) {
                let _ = writeln!(out, "- {}", cell(&l));
            }
            if let Some(c) = &a.apply {
                let _ = writeln!(out, "- apply (Flink 1.17+, on resubmission): `{}: {}`", c.setting, c.value);
                let _ = writeln!(
                    out,
                    "- or live (adaptive scheduler, Flink 1.18+): `PUT {}` with `{}`",
                    c.rest_path, c.rest_body
                );
            }
            for e in &b.evidence {
                let _ = writeln!(out, "- {}", cell(e));
            }
            let _ = writeln!(out, "- how long: {}", cell(&b.persistence.text));
            for h in &b.advice.hints {
                let _ = writeln!(out, "- _{}_: {}", h.kind, cell(&h.text));
            }
        }
        let forecast = super::forecast_lines(d, &job.id);
        if !forecast.is_empty() {
            let _ = writeln!(
                out,
                "\n**Forecast**{}\n",
                job.outlook.as_ref().map(|o| format!(": {}", cell(o))).unwrap_or_default()
            );
            for l in forecast {
                let _ = writeln!(out, "- {}", cell(l.trim()));
            }
        }
        if !job.findings.is_empty() {
            let _ = writeln!(out);
            for f in &job.findings {
                let _ = writeln!(out, "- {}", cell(f));
            }
        }
        out.push('\n');
        if folded {
            let _ = writeln!(out, "</details>\n");
        }
    }
    let lag = super::lag_lines(d);
    if !lag.is_empty() {
        let _ = writeln!(out, "### Consumer lag\n");
        for l in lag {
            let indent = if l.starts_with("  ") { "  " } else { "" };
            let _ = writeln!(out, "{indent}- {}", cell(l.trim()));
        }
        out.push('\n');
    }
    for s in d.sources.iter().filter(|s| !s.ok || !s.partial_errors.is_empty()) {
        let _ = writeln!(out, "> source `{}`: {}", s.name, cell(s.error.as_deref().unwrap_or("partial data")));
    }
    if let Some(m) = super::missing(d) {
        let _ = writeln!(out, ">\n> **{}**", cell(&m));
    }
    out
}
