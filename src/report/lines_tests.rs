//! The lines text, markdown and the dashboard share: forecasts, consumer lag, the age of the
//! jobs, a partial verdict, and the words for classes and trends.

use super::*;
use crate::diagnosis::{Class, Diagnosis, Forecast, ForecastStatus, LagGroup, LagPartition, LagTrend, SourceReport};
use crate::model::SourceKind;

fn empty() -> Diagnosis {
    crate::analysis::diagnose(&crate::history::History::new(10, 10), &crate::analysis::Thresholds::default())
}

fn forecast(subject: &str, status: ForecastStatus, eta: Option<f64>, range: (Option<f64>, Option<f64>)) -> Forecast {
    Forecast {
        job_id: "j".into(),
        vertex_id: subject.into(),
        subject: subject.into(),
        metric: "busy".into(),
        current: Some(0.5),
        threshold: 1.0,
        status,
        slope_per_s: None,
        fitted_last: None,
        last_ms: None,
        r2: None,
        samples: 6,
        window_s: 60.0,
        eta_seconds: eta,
        eta_low_seconds: range.0,
        eta_high_seconds: range.1,
        saturated_since_ms: None,
        reason: Some(format!("why {subject}")),
    }
}

#[test]
fn forecast_lines_put_the_nearest_eta_first_with_its_range_then_the_saturated_then_the_rest_counted() {
    let mut d = empty();
    d.forecasts = vec![
        forecast("far", ForecastStatus::Eta, Some(600.0), (Some(300.0), None)),
        forecast("near", ForecastStatus::Eta, Some(120.0), (Some(60.0), Some(240.0))),
        forecast("bare", ForecastStatus::Eta, Some(900.0), (None, None)),
        forecast("full", ForecastStatus::Saturated, None, (None, None)),
        forecast("flat", ForecastStatus::NoTrend, None, (None, None)),
        forecast("noisy", ForecastStatus::PoorFit, None, (None, None)),
        forecast("flat2", ForecastStatus::NoTrend, None, (None, None)),
        Forecast { job_id: "other".into(), ..forecast("elsewhere", ForecastStatus::Eta, Some(1.0), (None, None)) },
    ];
    assert_eq!(
        forecast_lines(&d, "j"),
        [
            "busy of near reaches 100% in ~2 min (1 min – 4 min; why near)",
            "busy of far reaches 100% in ~10 min (at the earliest 5 min; why far)",
            "busy of bare reaches 100% in ~15 min (; why bare)",
            "already saturated: busy of full",
            "no ETA for 3 series: no upward trend (2), poor fit (1); e.g. why flat",
        ]
    );
    assert!(forecast_lines(&d, "nobody").is_empty());
}

#[test]
fn names_are_cut_to_their_width_with_an_ellipsis() {
    assert_eq!(fit("abcde", 5), "abcde");
    assert_eq!(fit("abcdef", 5), "abcd…");
    assert_eq!(fit("äöü", 3), "äöü", "characters, not bytes");
}

#[test]
fn jobs_older_than_the_last_poll_say_how_old() {
    let mut d = empty();
    d.at_ms = 100_000;
    assert_eq!(jobs_age_line(&d), None);
    d.jobs_as_of_ms = Some(100_000);
    assert_eq!(jobs_age_line(&d), None, "as old as the last poll: nothing to say");
    d.jobs_as_of_ms = Some(70_000);
    assert_eq!(
        jobs_age_line(&d).as_deref(),
        Some("(jobs as of 30 s before the last poll: their source did not answer since)")
    );
}

fn partition(n: i32, lag: f64) -> LagPartition {
    LagPartition {
        source: "exporter".into(),
        cluster: Some("prod".into()),
        group: "orders".into(),
        topic: "events".into(),
        partition: n,
        lag: Some(lag),
        lag_seconds: None,
        lag_seconds_estimated: false,
        log_end_offset: None,
        committed_offset: None,
        log_start_offset: None,
        growth_per_s: None,
        produce_per_s: None,
        consume_per_s: None,
        trend: LagTrend::Ok,
        time_to_drain_s: None,
        time_to_data_loss_s: None,
        loss_reason: None,
        status: None,
        client_id: None,
        hot: false,
    }
}

/// A group behind and growing.
fn group(cluster: Option<&str>, name: &str) -> LagGroup {
    LagGroup {
        cluster: cluster.map(String::from),
        group: name.into(),
        topics: vec!["events".into()],
        partitions: 5,
        total_lag: Some(1200.0),
        unknown_partitions: 0,
        growth_per_s: None,
        production_per_s: None,
        consumption_per_s: None,
        max_lag_seconds: None,
        max_lag_seconds_estimated: false,
        trend: LagTrend::Growing,
        time_to_data_loss_s: None,
        hot_partitions: vec![],
        job_id: None,
        source_vertex: None,
        source_vertex_id: None,
        summary: "behind and growing".into(),
    }
}

#[test]
fn lag_lines_give_each_group_then_only_its_partitions_worth_a_look() {
    let mut d = empty();
    d.at_ms = 100_000;
    d.lag_groups = vec![group(Some("prod"), "orders")];
    let quiet = partition(0, 10.0);
    let hot = LagPartition { hot: true, lag_seconds: Some(90.0), lag_seconds_estimated: true, ..partition(1, 900.0) };
    let losing = LagPartition { time_to_data_loss_s: Some(600.0), lag_seconds: Some(30.0), ..partition(2, 200.0) };
    let negative = partition(3, -5.0);
    // Read to its end: a lag of exactly 0 is no news.
    let caught_up = partition(6, 0.0);
    let other_cluster = LagPartition { cluster: None, hot: true, ..partition(4, 1.0) };
    let other_group = LagPartition { group: "billing".into(), hot: true, ..partition(5, 1.0) };
    d.lag = vec![quiet, hot, losing, negative, other_cluster, other_group, caught_up];
    assert_eq!(
        lag_lines(&d),
        [
            "prod/orders [growing]: behind and growing",
            "  events-1: lag 900, ~1 min 30 s behind, hot partition",
            "  events-2: lag 200, 30 s behind, data loss in ~10 min",
            "  events-3: lag -5, negative lag: the exporter's offsets are out of step, not a healthy 0",
        ]
    );
    // Rows older than the last poll say so first; rows as old as it do not.
    d.lag_as_of_ms = Some(100_000);
    assert_eq!(lag_lines(&d).len(), 4);
    d.lag_as_of_ms = Some(40_000);
    assert_eq!(lag_lines(&d)[0], "(as of 1 min before the last poll: the lag source did not answer since)");
}

fn source(name: &str, ok: bool, late: bool) -> SourceReport {
    SourceReport {
        name: name.into(),
        kind: SourceKind::Flink,
        endpoint: "http://x".into(),
        ok,
        error: None,
        partial_errors: vec![],
        requests: 1,
        late,
    }
}

#[test]
fn markdown_quotes_each_source_that_failed_or_answered_in_part() {
    let mut d = empty();
    let down = SourceReport { error: Some("HTTP 503".into()), ..source("down", false, false) };
    let partly = SourceReport { partial_errors: vec!["GET /x: HTTP 500".into()], ..source("partly", true, false) };
    d.sources = vec![source("fine", true, false), down, partly];
    let input =
        InputInfo { mode: "live".into(), source: "x".into(), polls: 1, polls_failed: 0, backfilled: 0, partial: None };
    let md = markdown::render(&d, &input);
    assert!(md.contains("> source `down`: HTTP 503\n"), "{md}");
    assert!(md.contains("> source `partly`: partial data\n"), "{md}");
    assert!(!md.contains("`fine`"), "{md}");
}

#[test]
fn a_partial_verdict_names_each_failed_source_and_what_it_lacks() {
    let mut d = empty();
    d.sources = vec![source("flink", true, false)];
    assert_eq!(missing(&d), None);
    d.sources = vec![source("flink", false, false), source("late-one", false, true), source("fine", true, false)];
    let gives = SourceKind::Flink.gives();
    assert_eq!(
        missing(&d).as_deref(),
        Some(format!("partial verdict: flink failed ({gives}); late-one did not answer in time ({gives})").as_str())
    );
}

#[test]
fn classes_and_trends_are_spelled_as_in_the_json() {
    for c in [Class::Bottleneck, Class::Victim, Class::Healthy, Class::Idle, Class::Unknown] {
        assert_eq!(serde_json::to_value(c).unwrap(), c.label(), "{c:?}");
    }
    for t in
        [LagTrend::Ok, LagTrend::Growing, LagTrend::Stalled, LagTrend::Stopped, LagTrend::Rewinding, LagTrend::Unknown]
    {
        assert_eq!(serde_json::to_value(t).unwrap(), t.label(), "{t:?}");
    }
}

#[test]
fn the_text_header_says_how_many_polls_failed_and_what_was_backfilled() {
    let d = empty();
    let input = |polls, polls_failed, backfilled| InputInfo {
        mode: "live".into(),
        source: "http://x".into(),
        polls,
        polls_failed,
        backfilled,
        partial: None,
    };
    let first = |i| text::render(&d, &i).lines().next().unwrap().to_string();
    assert_eq!(first(input(1, 0, 0)), "bptop · live http://x · 1 poll, verdict on the last 0 s");
    assert_eq!(first(input(3, 2, 0)), "bptop · live http://x · 3 polls (2 failed), verdict on the last 0 s");
    assert_eq!(
        first(input(3, 0, 40)),
        "bptop · live http://x · 3 polls after 40 points backfilled from Prometheus, verdict on the last 0 s"
    );
}

/// One diagnosis with a bit of everything a report prints: a bottleneck with a skewed subtask
/// and its victims, an unknown vertex (a finding), a healthy second job, forecasts, lag, a
/// failed source and one that answered in part, more reasons than are spelled out.
fn everything() -> Diagnosis {
    use crate::model::test_support::{running_job, vertex};
    let mut h = crate::history::History::new(10, 10);
    for m in 0..3i64 {
        let mut vs = vec![
            vertex("s", "Source: orders", &[], &[(0.05, 0.9, 0.05)]),
            vertex("e", "enrich", &["s"], &[(0.98, 0.0, 0.02), (0.3, 0.0, 0.7)]),
            vertex("k", "sink", &["e"], &[(0.1, 0.0, 0.9)]),
            vertex("x", "side-output", &["e"], &[(f64::NAN, f64::NAN, f64::NAN)]),
        ];
        let mut calm = vec![vertex("a", "Source: clicks", &[], &[(0.1, 0.0, 0.9)])];
        for v in vs.iter_mut().chain(calm.iter_mut()) {
            v.measured_at_ms = Some(10_000 * m);
        }
        let mut other = running_job("calm", calm);
        other.name = "clicks".into();
        let mut job = running_job("orders", vs);
        job.name = "orders".into();
        h.push(crate::model::Snapshot { at_ms: 10_000 * m + 100, jobs: vec![job, other], ..Default::default() });
    }
    let mut d = crate::analysis::diagnose(&h, &crate::analysis::Thresholds::default());
    d.forecasts.push(Forecast {
        job_id: "orders".into(),
        ..forecast("enrich", ForecastStatus::Eta, Some(600.0), (Some(300.0), Some(1200.0)))
    });
    lag_of_one_group(&mut d);
    let down = SourceReport { error: Some("HTTP 503 from http://x/jobs".into()), ..source("down", false, false) };
    let partly = SourceReport {
        partial_errors: (1..=7).map(|i| format!("GET /jobs/{i}: HTTP 500")).collect(),
        ..source("partly", true, false)
    };
    d.sources = vec![source("fine", true, false), down, partly];
    for i in 1..=5 {
        d.add_reason(crate::diagnosis::Reason {
            severity: crate::diagnosis::Severity::Warning,
            text: format!("more {i}"),
        });
    }
    d
}

fn lag_of_one_group(d: &mut Diagnosis) {
    d.lag_groups = vec![group(None, "orders-app")];
    let hot = LagPartition { cluster: None, group: "orders-app".into(), hot: true, ..partition(1, 900.0) };
    d.lag = vec![hot];
}

#[test]
fn the_text_report_of_everything() {
    let input = InputInfo {
        mode: "replay".into(),
        source: "rec".into(),
        polls: 3,
        polls_failed: 1,
        backfilled: 0,
        partial: None,
    };
    insta::assert_snapshot!(text::render(&everything(), &input));
}

#[test]
fn the_markdown_report_of_everything() {
    let input = InputInfo {
        mode: "replay".into(),
        source: "rec".into(),
        polls: 3,
        polls_failed: 1,
        backfilled: 0,
        partial: None,
    };
    insta::assert_snapshot!(markdown::render(&everything(), &input));
}

#[test]
fn the_text_report_lists_victims_only_beside_a_bottleneck_and_counts_only_errors_left_out() {
    use crate::model::test_support::{running_job, vertex};
    let mut h = crate::history::History::new(10, 10);
    for m in 0..3i64 {
        // A source at capacity: a bottleneck with nothing held back.
        let mut s = vertex("s", "Source: gen", &[], &[(0.99, 0.0, 0.01)]);
        s.measured_at_ms = Some(10_000 * m);
        h.push(crate::model::Snapshot {
            at_ms: 10_000 * m + 100,
            jobs: vec![running_job("j", vec![s])],
            ..Default::default()
        });
    }
    let mut d = crate::analysis::diagnose(&h, &crate::analysis::Thresholds::default());
    assert_eq!(d.jobs[0].bottlenecks.len(), 1, "{}", d.jobs[0].summary);
    let five =
        SourceReport { partial_errors: (1..=5).map(|i| format!("e{i}")).collect(), ..source("partly", true, false) };
    d.sources = vec![five];
    let input =
        InputInfo { mode: "live".into(), source: "x".into(), polls: 3, polls_failed: 0, backfilled: 0, partial: None };
    let text = text::render(&d, &input);
    assert!(!text.contains("Victims"), "{text}");
    assert!(text.contains("  partial: e5\n") && !text.contains("… and"), "all five errors shown, none counted: {text}");
}

/// Four simulated jobs whose demand the simulator knows, polled with their lag exporter for
/// 5 minutes (retention 10 min): one losing data behind a slow sink, one whose fix cascades to
/// the operator before it, one with a hot key, one healthy.
fn four_jobs() -> Diagnosis {
    use flink_sim::flow::{Feed, Flow, Stage};
    let feed = |source: &str, name: &str, production: f64, backlog: f64| Feed {
        source: source.into(),
        group: format!("{name}-app"),
        topic: name.into(),
        partitions: 12,
        production,
        backlog,
    };
    let losing = Flow {
        stages: vec![
            Stage::new("src", "Source: orders", 2, &[], 5000.0, 1.0),
            Stage::new("enrich", "enrich", 4, &["src"], 2000.0, 1.0),
            Stage::new("sink", "jdbc-sink: Writer", 2, &["enrich"], 500.0, 0.0),
        ],
        feeds: vec![feed("src", "orders", 4000.0, 2e6)],
    };
    let cascading = Flow {
        stages: vec![
            Stage::new("src", "Source: clicks", 2, &[], 20_000.0, 1.0),
            Stage::new("geo", "geo-lookup", 4, &["src"], 1200.0, 1.0),
            Stage::new("sink", "es-sink: Writer", 2, &["geo"], 400.0, 0.0),
        ],
        feeds: vec![feed("src", "clicks", 6000.0, 3e6)],
    };
    let mut skewed = Flow {
        stages: vec![
            Stage::new("src", "Source: sessions", 2, &[], 5000.0, 1.0),
            Stage::new("win", "session-window", 4, &["src"], 1500.0, 1.0),
            Stage::new("sink", "sink: Writer", 2, &["win"], 50_000.0, 0.0),
        ],
        feeds: vec![feed("src", "sessions", 4000.0, 1e6)],
    };
    skewed.stages[1].shares = Some(vec![0.85, 0.05, 0.05, 0.05]);
    let healthy = Flow {
        stages: vec![
            Stage::new("src", "Source: audit", 2, &[], 5000.0, 1.0),
            Stage::new("sink", "audit-sink: Writer", 2, &["src"], 2000.0, 0.0),
        ],
        feeds: vec![feed("src", "audit", 1000.0, 0.0)],
    };
    crate::analysis::advice_tests::observe_jobs(
        &[("audit", &healthy), ("sessions", &skewed), ("orders", &losing), ("clicks", &cascading)],
        true,
        Some(600.0),
    )
}

fn five_minutes() -> InputInfo {
    InputInfo {
        mode: "live".into(),
        source: "http://flink:8081".into(),
        polls: 61,
        polls_failed: 0,
        backfilled: 0,
        partial: None,
    }
}

#[test]
fn the_text_report_of_four_jobs_with_measured_demand() {
    let d = four_jobs();
    let text = text::render(&d, &five_minutes());
    insta::assert_snapshot!(text);
    // Most urgent first: the soonest data loss among the critical ones.
    let order: Vec<usize> = ["● CRITICAL clicks", "● CRITICAL orders", "● CRITICAL sessions", "● HEALTHY  audit"]
        .iter()
        .map(|h| text.find(h).unwrap_or(usize::MAX))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}\n{text}");
}

#[test]
fn the_markdown_report_of_four_jobs_opens_with_a_summary_table_and_folds_the_details() {
    let d = four_jobs();
    let md = markdown::render(&d, &five_minutes());
    insta::assert_snapshot!(md);
    assert_eq!(md.matches("<details>").count(), 4, "{md}");
    assert_eq!(md.matches("</details>").count(), 4, "{md}");
    let table = md.find("| job | severity | bottleneck | action |").expect("the summary table");
    assert!(table < md.find("<details>").unwrap());
}

#[test]
fn every_json_field_is_documented() {
    // The documented schema names each key the JSON of a rich verdict carries.
    let doc = include_str!("../../docs/json-schema.md");
    let mut d = four_jobs();
    d.jobs.extend(everything().jobs);
    let json = serde_json::to_value(&d).expect("JSON");
    let mut keys = std::collections::BTreeSet::new();
    fn walk(v: &serde_json::Value, keys: &mut std::collections::BTreeSet<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    keys.insert(k.clone());
                    walk(x, keys);
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, keys)),
            _ => {}
        }
    }
    walk(&json, &mut keys);
    for k in [
        "demand",
        "also_raise",
        "catch_up_per_s",
        "averts_data_loss",
        "rest_body",
        "production_per_s",
        "skewed_subtasks",
    ] {
        assert!(keys.contains(k), "the verdict carries no {k}");
    }
    let missing: Vec<&String> = keys.iter().filter(|k| !doc.contains(&format!("\"{k}\""))).collect();
    assert!(missing.is_empty(), "keys not in docs/json-schema.md: {missing:?}");
}

#[test]
fn the_card_is_brief_and_the_report_complete() {
    // Without a lag source the demand is what arrives (a lower bound): the report says so and
    // how to measure it, and gives the setting; the dashboard's card keeps only the target.
    let (_, flow, _) = crate::analysis::advice_tests::cases().remove(0);
    let d = crate::analysis::advice_tests::observe_jobs(&[("job", &flow)], false, None);
    let b = &d.jobs[0].bottlenecks[0];
    let full = b.advice_lines("→", false);
    let brief = b.advice_lines("->", true);
    assert!(full[0].starts_with("parallelism 2 → ") && brief[0].starts_with("parallelism 2 -> "), "{full:?} {brief:?}");
    assert!(full.iter().any(|l| l.starts_with("demand: at least")), "{full:?}");
    assert!(
        full.iter()
            .any(|l| l
                .starts_with("apply (Flink 1.17+, on resubmission): pipeline.jobvertex-parallelism-overrides: sink:")),
        "{full:?}"
    );
    assert_eq!(brief.len(), 1, "{brief:?}");
    // A measured demand is worth the card's room.
    let d = crate::analysis::advice_tests::observe_jobs(&[("job", &flow)], true, None);
    let brief = d.jobs[0].bottlenecks[0].advice_lines("->", true);
    assert!(brief.iter().any(|l| l.starts_with("demand: 40")), "{brief:?}");
    assert!(brief.iter().any(|l| l.starts_with("what it buys: ")), "{brief:?}");
    assert!(!brief.iter().any(|l| l.starts_with("apply")), "{brief:?}");
}

#[test]
fn markdown_of_one_job_is_not_folded() {
    let (_, flow, _) = crate::analysis::advice_tests::cases().remove(0);
    let d = crate::analysis::advice_tests::observe_jobs(&[("orders", &flow)], true, None);
    let md = markdown::render(&d, &five_minutes());
    assert!(!md.contains("<details>") && !md.contains("| job | severity |"), "{md}");
    assert!(md.contains("### 🔴 orders (`orders`, RUNNING)\n"), "{md}");
}
