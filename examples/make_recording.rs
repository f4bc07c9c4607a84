//! Writes a long recording (issue 8, target 5: `diagnose` over a 1 h recording) by templating
//! the real Flink 2.3 responses of `fixtures/real/slow-sink` (10 polls): poll n replays the
//! requests of recorded poll n mod 10 with its clock moved on by n intervals, Flink's
//! measurement time (`end-timestamp`) advancing every 10 s as its metric store does, job
//! durations growing, and every rate, time-per-second and pool value moved by a slow wave per
//! measurement, so that bodies are as distinct as a real hour's (the recorder stores a body
//! once per distinct content: 1800 copies of ten bodies would be unrealistically cheap).
//!
//! usage: cargo run --release --example make_recording -- --out DIR [--polls 1800]
//!        [--from fixtures/real/slow-sink]

#[path = "../benches/common/mod.rs"]
mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use bptop::record::{IndexEntry, Manifest};
use serde_json::Value;

/// Flink's metric store refreshes about every 10 s.
const MEASUREMENT_MS: i64 = 10_000;

/// Same hash as the recorder (FNV-1a 64), so names look like the real thing.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3))
}

struct Shift {
    /// Time added to every clock of this poll.
    dt: i64,
    /// Flink's measurement time for this poll.
    measured_ms: i64,
    /// Factor for metric values of this measurement.
    wave: f64,
}

fn scaled(id: &str, x: f64, wave: f64) -> f64 {
    let y = x * wave;
    if id.contains("TimeMsPerSecond") {
        y.clamp(0.0, 1000.0)
    } else if id.contains("Usage") {
        y.clamp(0.0, 1.0)
    } else {
        y
    }
}

/// A number as Flink writes it: the same JSON type (string or number) as the original.
fn like(original: &Value, x: f64) -> Value {
    match original {
        Value::String(_) => Value::String(format!("{x}")),
        _ => serde_json::Number::from_f64(x).map(Value::Number).unwrap_or(Value::Null),
    }
}

fn shift(v: &mut Value, s: &Shift) {
    match v {
        Value::Object(map) => {
            let id = map.get("id").and_then(Value::as_str).map(str::to_string);
            for (k, x) in map.iter_mut() {
                match (k.as_str(), &id) {
                    ("end-timestamp", _) => *x = Value::from(s.measured_ms),
                    ("duration" | "now" | "timestamp" | "last-modification", _) => {
                        if let Some(n) = x.as_i64() {
                            *x = Value::from(n + s.dt);
                        }
                    }
                    ("value" | "min" | "max" | "avg" | "sum", Some(id))
                        if id.contains("PerSecond") || id.contains("Usage") =>
                    {
                        let n = x.as_f64().or_else(|| x.as_str().and_then(|t| t.parse().ok()));
                        if let Some(n) = n.filter(|n| n.is_finite()) {
                            *x = like(x, scaled(id, n, s.wave));
                        }
                    }
                    _ => shift(x, s),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|x| shift(x, s)),
        _ => {}
    }
}

fn main() {
    let out = PathBuf::from(common::arg("--out", String::new()));
    assert!(!out.as_os_str().is_empty(), "--out DIR is required");
    let polls: usize = common::arg("--polls", 1800);
    let from = PathBuf::from(common::arg(
        "--from",
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/real/slow-sink").display().to_string(),
    ));
    let manifest: Manifest =
        serde_json::from_str(&std::fs::read_to_string(from.join("manifest.json")).expect("manifest"))
            .expect("manifest");
    let interval = manifest.interval_ms.unwrap_or(2000) as i64;
    let mut by_poll: BTreeMap<u32, Vec<IndexEntry>> = BTreeMap::new();
    for line in std::fs::read_to_string(from.join("index.jsonl")).expect("index").lines() {
        let e: IndexEntry = serde_json::from_str(line).expect("index line");
        by_poll.entry(e.poll).or_default().push(e);
    }
    let template: Vec<Vec<IndexEntry>> = by_poll.into_values().collect();
    let t0 = template[0][0].t_ms;
    std::fs::create_dir_all(out.join("bodies")).expect("create --out");
    let mut bodies: HashMap<String, Value> = HashMap::new();
    let mut written = std::collections::HashSet::new();
    let mut index = String::new();
    for n in 0..polls {
        let src = &template[n % template.len()];
        let src_start = src[0].t_ms;
        let dt = t0 + n as i64 * interval - src_start;
        let elapsed = n as i64 * interval;
        let measurement = elapsed / MEASUREMENT_MS;
        let s = Shift {
            dt,
            measured_ms: t0 + measurement * MEASUREMENT_MS,
            // ±3 % over 20 minutes, plus a small step per measurement.
            wave: 1.0
                + 0.03 * (measurement as f64 / 120.0 * std::f64::consts::TAU).sin()
                + 0.001 * ((measurement % 5) as f64 - 2.0),
        };
        for e in src {
            let mut e = e.clone();
            e.poll = n as u32;
            e.t_ms += dt;
            if let Some(rel) = &e.body {
                let original = bodies.entry(rel.clone()).or_insert_with(|| {
                    let bytes = std::fs::read(from.join(rel)).expect("body");
                    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
                });
                let mut body = original.clone();
                shift(&mut body, &s);
                let bytes = serde_json::to_vec(&body).expect("json");
                let name = format!("bodies/{:016x}.json", fnv(&bytes));
                if written.insert(name.clone()) {
                    std::fs::write(out.join(&name), &bytes).expect("write body");
                }
                e.body = Some(name);
            }
            index.push_str(&serde_json::to_string(&e).expect("index line"));
            index.push('\n');
        }
    }
    let manifest = Manifest {
        note: format!("{polls} polls templated from {} by examples/make_recording.rs", from.display()),
        ..manifest
    };
    std::fs::write(out.join("manifest.json"), serde_json::to_string_pretty(&manifest).expect("manifest") + "\n")
        .expect("write manifest");
    std::fs::write(out.join("index.jsonl"), index).expect("write index");
    println!(
        "recording: {polls} polls, {} responses, {} distinct bodies in {}",
        index_lines(&out),
        written.len(),
        out.display()
    );
}

fn index_lines(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("index.jsonl")).map(|t| t.lines().count()).unwrap_or(0)
}
