//! Burrow v3 answers → bptop's Burrow readers → lag rows → lag analysis → reports.
//!
//! Input: up to three answers separated by 0x1e: `/v3/kafka`, `/v3/kafka/{cluster}/consumer`
//! and `/v3/kafka/{cluster}/consumer/{group}/lag`; the lag answer is read for the first cluster
//! named by the first, as a poll does.

#![no_main]

use bptop::model::Snapshot;
use bptop::sources::burrow::{error_message, parse_clusters, parse_consumers, parse_lag};
use bptop::sources::http::Response;
use bptop::sources::json::parse_json;
use bptop_fuzz::{diagnose_and_render, split};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let docs: Vec<Value> = split(data, 3)
        .into_iter()
        .map(|body| {
            let resp = Response { status: 200, content_type: None, body: body.to_vec(), attempts: 1 };
            parse_json("http://fuzz/v3/kafka", &resp).unwrap_or(Value::Null)
        })
        .collect();
    let doc = |i: usize| docs.get(i).unwrap_or(&Value::Null);
    for d in &docs {
        let _ = error_message(d);
    }
    let cluster = parse_clusters(doc(0)).and_then(|c| c.into_iter().next()).unwrap_or_default();
    let _ = parse_consumers(doc(1));
    let Some(rows) = parse_lag("burrow", &cluster, doc(2)) else { return };
    // Seven polls: the lag of each grows by a tenth per poll, so trends and ETAs are computed.
    let polls = (0..7)
        .map(|i| {
            let mut lag = rows.clone();
            for r in &mut lag {
                let grow = |x: f64| x + x.abs() * 0.1 * i as f64;
                r.lag = r.lag.map(grow);
                r.log_end_offset = r.log_end_offset.map(grow);
            }
            Snapshot { at_ms: 1_795_431_502_351 + 10_000 * i, lag, ..Snapshot::default() }
        })
        .collect();
    diagnose_and_render(polls);
});
