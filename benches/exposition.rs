//! Scrape-to-model throughput on a large Flink reporter text: bptop's one-pass parser, which
//! skips the families bptop does not read, then the readers (`scrape::read`), against the
//! baseline measured in the same run: prometheus-parse (the parser bptop had) then the same
//! readers. Both must give the same model.
//!
//! The text is the bundled real reporter scrape (fixtures/real/reporter) scaled up: each family
//! once with its HELP/TYPE, its task samples repeated for 11 jobs at parallelism 16 (≈ 21 MB,
//! ≈ 49 k samples), plus RocksDB gauges of a stateful operator. `--quick`,
//! `BPTOP_BENCH_QUICK=1` or a run outside `cargo bench` (criterion's test mode) take 1 job at
//! parallelism 4 and few rounds.
//!
//! First line on stdout: `exposition: new X MB/s, prometheus-parse Y MB/s, ratio Z×` (MB =
//! 10⁶ bytes, medians of rounds alternating the two); criterion's statistics follow.

#[path = "../tests/baseline/prometheus_parse.rs"]
mod baseline;

use std::hint::black_box;
use std::time::{Duration, Instant};

use bptop::sources::scrape::{self, ScrapeModel};
use bptop::sources::{flink_prom, kafka_lag};
use criterion::{Criterion, SamplingMode, Throughput};

const TEMPLATE: &str = "fixtures/real/reporter/slow-sink-taskmanager.txt";
const TEMPLATE_JOB: &str = "6852c2b6ac1babbcd3c295f61e11f609";
const TEMPLATE_JOB_NAME: &str = "realflink_slow_sink";
const TEMPLATE_TASKS: [&str; 4] = [
    "bc764cd8ddf7a0cff126f51c16239658",
    "0a448493b4782967b150582570326227",
    "ea632d67b7d595e5b851708ae9ad79d6",
    "6d2677a0ecc3fd8df0b72ec675edf8f4",
];
/// The stateful vertex of the template ("parse") gets RocksDB native metrics, as a keyed
/// operator with `state.backend.rocksdb.metrics.*` on would.
const STATEFUL_TASK: &str = "0a448493b4782967b150582570326227";
const ROCKSDB: [&str; 8] = [
    "estimate_num_keys",
    "estimate_live_data_size",
    "cur_size_all_mem_tables",
    "num_running_compactions",
    "num_running_flushes",
    "block_cache_usage",
    "total_sst_files_size",
    "background_errors",
];

struct Shape {
    jobs: usize,
    parallelism: usize,
    rounds: usize,
}

fn quick() -> bool {
    let args: Vec<String> = std::env::args().collect();
    std::env::var("BPTOP_BENCH_QUICK").is_ok_and(|v| v == "1")
        || args.iter().any(|a| a == "--quick")
        || !args.iter().any(|a| a == "--bench")
}

/// A 32-hex id derived from a template id and the copy's number.
fn id(template: &str, n: usize) -> String {
    format!("{n:08x}{}", &template[8..])
}

/// One template sample line as it reads for job `j`, subtask `k`.
fn copy_of(line: &str, j: usize, k: usize) -> String {
    let mut out = line
        .replace(TEMPLATE_JOB, &id(TEMPLATE_JOB, j))
        .replace(TEMPLATE_JOB_NAME, &format!("orders_enrichment_{j}"))
        .replace("subtask_index=\"0\"", &format!("subtask_index=\"{k}\""));
    for t in TEMPLATE_TASKS {
        out = out.replace(t, &id(t, j));
    }
    out
}

/// The template's families in order, each as (HELP/TYPE lines, sample lines).
fn families(template: &str) -> Vec<(Vec<&str>, Vec<&str>)> {
    let mut out: Vec<(Vec<&str>, Vec<&str>)> = Vec::new();
    for line in template.lines().filter(|l| !l.trim().is_empty()) {
        let starts_family = line.starts_with('#') && out.last().is_none_or(|(_, samples)| !samples.is_empty());
        if starts_family || out.is_empty() {
            out.push((Vec::new(), Vec::new()));
        }
        let family = out.last_mut().expect("pushed above");
        if line.starts_with('#') {
            family.0.push(line);
        } else {
            family.1.push(line);
        }
    }
    out
}

/// The scaled-up reporter text: TaskManager-scope samples once, task-scope samples once per job
/// and subtask, grouped by family as the reporter serves them.
fn reporter_text(shape: &Shape) -> String {
    let template = std::fs::read_to_string(format!("{}/{TEMPLATE}", env!("CARGO_MANIFEST_DIR"))).expect(TEMPLATE);
    let mut out = String::new();
    let copies = || (0..shape.jobs).flat_map(|j| (0..shape.parallelism).map(move |k| (j, k)));
    for (headers, samples) in families(&template) {
        for h in headers {
            out.push_str(h);
            out.push('\n');
        }
        for s in &samples {
            if s.contains("job_id=") {
                for (j, k) in copies() {
                    out.push_str(&copy_of(s, j, k));
                    out.push('\n');
                }
            } else {
                out.push_str(s);
                out.push('\n');
            }
        }
    }
    let stateful = template
        .lines()
        .find(|l| l.starts_with("flink_taskmanager_job_task_operator_") && l.contains(STATEFUL_TASK))
        .expect("an operator line of the stateful task");
    let labels = &stateful[stateful.find('{').expect("labels")..stateful.rfind('}').expect("labels") + 1];
    for (i, metric) in ROCKSDB.iter().enumerate() {
        let name = format!("flink_taskmanager_job_task_operator_window_contents_rocksdb_{metric}");
        out.push_str(&format!("# HELP {name} {metric} (scope: taskmanager_job_task_operator)\n# TYPE {name} gauge\n"));
        for (j, k) in copies() {
            out.push_str(&format!("{name}{} {}.0\n", copy_of(labels, j, k), (i + 1) * 1000 + k));
        }
    }
    out
}

/// The baseline: prometheus-parse, then the readers over every sample, as `--scrape` did.
fn model_with_prometheus_parse(text: &str) -> ScrapeModel {
    let samples = baseline::parse_with_prometheus_parse(text).expect("exposition text");
    ScrapeModel { jobs: flink_prom::jobs(&samples), lag: kafka_lag::lag_rows("bench", &samples) }
}

fn model_with_bptop(text: &str) -> ScrapeModel {
    scrape::read("bench", text).expect("exposition text")
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Median time of each, over rounds that alternate the two so both see the same machine noise.
fn time_both(text: &str, rounds: usize) -> (Duration, Duration) {
    let (mut new, mut old) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = Instant::now();
        black_box(model_with_bptop(black_box(text)));
        new.push(t.elapsed());
        let t = Instant::now();
        black_box(model_with_prometheus_parse(black_box(text)));
        old.push(t.elapsed());
    }
    (median(new), median(old))
}

fn main() {
    let shape = if quick() {
        Shape { jobs: 1, parallelism: 4, rounds: 3 }
    } else {
        Shape { jobs: 11, parallelism: 16, rounds: 7 }
    };
    let text = reporter_text(&shape);
    let samples = bptop::sources::exposition::count_samples(&text);

    let new_model = model_with_bptop(&text);
    assert_eq!(new_model, model_with_prometheus_parse(&text), "both parsers give the same model");
    assert_eq!(new_model.jobs.len(), shape.jobs, "every generated job is read");
    assert!(new_model
        .jobs
        .iter()
        .all(|j| j.vertices.len() == 4 && j.vertices.iter().all(|v| v.subtasks.len() == shape.parallelism)));

    let (new, old) = time_both(&text, shape.rounds);
    let mb_s = |d: Duration| text.len() as f64 / 1e6 / d.as_secs_f64();
    println!(
        "exposition: new {:.0} MB/s, prometheus-parse {:.1} MB/s, ratio {:.1}×",
        mb_s(new),
        mb_s(old),
        old.as_secs_f64() / new.as_secs_f64()
    );
    println!(
        "exposition input: {:.1} MB, {samples} samples ({} jobs × {} vertices × parallelism {}); medians of {} rounds",
        text.len() as f64 / 1e6,
        shape.jobs,
        4,
        shape.parallelism,
        shape.rounds
    );

    let mut c = Criterion::default();
    if quick() {
        c = c.warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(1));
    }
    let mut c = c.configure_from_args();
    let mut group = c.benchmark_group("exposition");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sampling_mode(SamplingMode::Flat).sample_size(10);
    group.bench_function("bptop", |b| b.iter(|| model_with_bptop(black_box(&text))));
    group.bench_function("prometheus_parse", |b| b.iter(|| model_with_prometheus_parse(black_box(&text))));
    group.finish();
    c.final_summary();
}
