use super::client::chunk_ids;
use super::*;
use crate::model::BackpressureLevel;
use crate::sources::SourceError;
use serde_json::json;

#[test]
fn unknown_names_are_never_asked() {
    // A vertex's list as Flink gives it: names bptop does not read, a metric under both its
    // Flink 1.x and 2.x names, and wanted metrics this vertex does not register (idle, rates).
    let list: Vec<String> = [
        "numBytesOut",
        "busyTimeMsPerSecond",
        "checkpointStartDelayNanos",
        "buffers.inPoolUsage",
        "Shuffle.Netty.Input.Buffers.inPoolUsage",
        "Shuffle.Netty.Output.Buffers.outPoolUsage",
        "isBackPressured",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let names = resolve_names(&list);
    let got: Vec<&str> = names.iter().map(|n| n.1).collect();
    // Only registered names (one unknown name empties Flink's whole aggregated answer), the
    // newest of two spellings, nothing bptop does not read.
    assert_eq!(
        got,
        ["busyTimeMsPerSecond", "Shuffle.Netty.Input.Buffers.inPoolUsage", "Shuffle.Netty.Output.Buffers.outPoolUsage"]
    );
    assert!(got.iter().all(|g| list.iter().any(|l| l == g)));
}

#[test]
fn long_queries_are_split() {
    let ids: Vec<String> = (0..200).map(|i| format!("{i}.busyTimeMsPerSecond")).collect();
    let chunks = chunk_ids(&ids, 300);
    assert!(chunks.len() > 1);
    assert!(chunks.iter().all(|c| c.len() <= 300));
    assert_eq!(chunks.join(",").split(',').count(), 200);
}

#[test]
fn backpressure_in_both_spellings_and_nan_busy() {
    let v = json!({"status":"ok","backpressure-level":"high","subtasks":[{"subtask":0,"backpressure-level":"high","ratio":0.997,"idleRatio":0.0,"busyRatio":"NaN"}]});
    let bp = parse_backpressure(&v).unwrap();
    assert_eq!(bp.level, Some(BackpressureLevel::High));
    assert_eq!(bp.subtasks[0].busy, None);
    assert_eq!(bp.subtasks[0].ratio, Some(0.997));
    assert!(parse_backpressure(&json!({"status":"deprecated"})).is_none());
}

#[test]
fn jobs_are_selected_by_name_id_or_state() {
    let jobs = vec![
        ("6852c2b6ac1babbcd3c295f61e11f609".to_string(), "orders".to_string(), "RUNNING".to_string()),
        ("aaaa0000000000000000000000000000".to_string(), "old".to_string(), "FINISHED".to_string()),
    ];
    let none = Default::default();
    assert_eq!(select_jobs(&jobs, &JobFilter::Active, &none).unwrap(), vec![jobs[0].0.clone()]);
    assert_eq!(select_jobs(&jobs, &JobFilter::Named("old".into()), &none).unwrap(), vec![jobs[1].0.clone()]);
    assert_eq!(select_jobs(&jobs, &JobFilter::Named("6852c2b6".into()), &none).unwrap(), vec![jobs[0].0.clone()]);
    let e = select_jobs(&jobs, &JobFilter::Named("nope".into()), &none).unwrap_err();
    assert!(matches!(&e, SourceError::NoJob { wanted: Some(w), .. } if w == "nope"), "{e:?}");
    assert_eq!(
        e.to_string(),
        "no job matches --job 'nope' (jobs: orders (6852c2b6, RUNNING), old (aaaa0000, FINISHED))"
    );
    // Any case, and a unique part of a name.
    assert_eq!(select_jobs(&jobs, &JobFilter::Named("ORDERS".into()), &none).unwrap(), vec![jobs[0].0.clone()]);
    assert_eq!(select_jobs(&jobs, &JobFilter::Named("rde".into()), &none).unwrap(), vec![jobs[0].0.clone()]);
    let more = vec![
        jobs[0].clone(),
        ("bbbb0000000000000000000000000000".to_string(), "orders-eu".to_string(), "RUNNING".to_string()),
        ("cccc0000000000000000000000000000".to_string(), "Orders".to_string(), "RUNNING".to_string()),
    ];
    let e = select_jobs(&more, &JobFilter::Named("rders-".into()), &none).unwrap();
    assert_eq!(e, vec![more[1].0.clone()]);
    // The exact name wins over the same name in another case.
    assert_eq!(select_jobs(&more, &JobFilter::Named("Orders".into()), &none).unwrap(), vec![more[2].0.clone()]);
    let e = select_jobs(&more, &JobFilter::Named("RDER".into()), &none).unwrap_err();
    assert_eq!(
        e.to_string(),
        "--job 'RDER' is part of the names of several jobs: orders (6852c2b6, RUNNING), orders-eu (bbbb0000, RUNNING), Orders (cccc0000, RUNNING); give more of the name, the whole name or the job id"
    );
    // A finished namesake is no rival; a job chosen before stays chosen when another appears.
    let later = vec![
        ("dddd0000000000000000000000000000".to_string(), "orders-enrich".to_string(), "RUNNING".to_string()),
        ("eeee0000000000000000000000000000".to_string(), "old-enrich-test".to_string(), "FINISHED".to_string()),
    ];
    assert_eq!(select_jobs(&later, &JobFilter::Named("enrich".into()), &none).unwrap(), vec![later[0].0.clone()]);
    let mut grown = later.clone();
    grown.push(("ffff0000000000000000000000000000".to_string(), "enrich-v2".to_string(), "RUNNING".to_string()));
    let chosen: std::collections::HashSet<String> = [later[0].0.clone()].into();
    assert_eq!(select_jobs(&grown, &JobFilter::Named("enrich".into()), &chosen).unwrap(), vec![later[0].0.clone()]);
    assert!(select_jobs(&grown, &JobFilter::Named("enrich".into()), &none).is_err(), "two running: ambiguous");
    let only_finished = &jobs[1..];
    let e = select_jobs(only_finished, &JobFilter::Active, &none).unwrap_err();
    assert!(matches!(e, SourceError::NoJob { wanted: None, .. }), "{e:?}");
    assert!(e.to_string().starts_with("no active job to diagnose (jobs: old (aaaa0000, FINISHED))"), "{e}");
}

#[test]
fn restarting_jobs_are_active_and_a_job_that_failed_stays_in_view() {
    let mut jobs = vec![
        ("a".repeat(32), "crashloop".to_string(), "RESTARTING".to_string()),
        ("b".repeat(32), "done".to_string(), "FINISHED".to_string()),
    ];
    let none = Default::default();
    assert_eq!(select_jobs(&jobs, &JobFilter::Active, &none).unwrap(), vec!["a".repeat(32)]);
    jobs[0].2 = "FAILED".into();
    assert!(select_jobs(&jobs, &JobFilter::Active, &none).is_err());
    let seen: std::collections::HashSet<String> = [("a".repeat(32))].into_iter().collect();
    assert_eq!(select_jobs(&jobs, &JobFilter::Active, &seen).unwrap(), vec!["a".repeat(32)]);
}

#[test]
fn the_start_of_the_tasks_is_read_from_a_real_job_answer() {
    // /jobs/:jid of the real Flink 2.3 slow-sink recording.
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/real/slow-sink/bodies/ce0fdc163a81865d.json");
    let details: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let started = parse::parse_started(&details).expect("a start");
    // The last vertex started 273 ms after the job switched to RUNNING (1795431420356).
    assert_eq!(started.at_ms, 1_795_431_420_629);
    assert_eq!(started.jm_now_ms, 1_795_431_502_365);
    assert!(!started.tasks_starting);
    // A vertex still deploying, by its task counts or (older answers) its status.
    let mut deploying = details.clone();
    deploying["vertices"][2]["tasks"]["DEPLOYING"] = json!(1);
    assert!(parse::parse_started(&deploying).unwrap().tasks_starting);
    let mut by_status = details.clone();
    for v in by_status["vertices"].as_array_mut().unwrap() {
        v.as_object_mut().unwrap().remove("tasks");
    }
    assert!(!parse::parse_started(&by_status).unwrap().tasks_starting);
    by_status["vertices"][0]["status"] = json!("INITIALIZING");
    assert!(parse::parse_started(&by_status).unwrap().tasks_starting);
    // Never RUNNING yet, or no clock: unknown.
    let mut never = details.clone();
    never["timestamps"]["RUNNING"] = json!(0);
    assert_eq!(parse::parse_started(&never), None);
    let mut zero_now = details.clone();
    zero_now["now"] = json!(0);
    assert_eq!(parse::parse_started(&zero_now), None);
    let mut no_now = details;
    no_now.as_object_mut().unwrap().remove("now");
    assert_eq!(parse::parse_started(&no_now), None);
}

#[test]
fn running_totals_of_time_are_read_from_a_real_job_answer() {
    // /jobs/:jid of the real Flink 2.3 python-udf recording: the legacy-style source's busy time is "NaN".
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/real/python-udf/bodies/1f61c9161f1beca7.json");
    let details: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let job = parse::parse_job(&details, &json!({})).expect("a job");
    let totals: Vec<_> = job.vertices.iter().map(|v| v.time_totals).collect();
    use crate::model::TimeTotals;
    assert_eq!(totals[0], Some(TimeTotals { busy_ms: None, backpressured_ms: 89487.0, idle_ms: 0.0 }));
    assert_eq!(totals[2], Some(TimeTotals { busy_ms: Some(87352.0), backpressured_ms: 0.0, idle_ms: 0.0 }));
    // Older Flink (no totals), or a total that is not a time: none.
    let mut older = details.clone();
    older["vertices"][0]["metrics"].as_object_mut().unwrap().remove("accumulated-idle-time");
    older["vertices"][1]["metrics"]["accumulated-backpressured-time"] = json!(-5);
    let job = parse::parse_job(&older, &json!({})).unwrap();
    assert_eq!((job.vertices[0].time_totals, job.vertices[1].time_totals), (None, None));
}
