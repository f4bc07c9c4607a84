//! The exposition parser bptop had before its own: prometheus-parse, its output turned into
//! bptop's samples as the product did then. The equivalence test and the exposition benchmark
//! measure the new parser against it (`#[path]`-included by both, so there is one copy).

use std::collections::BTreeMap;

use bptop::sources::exposition::Sample;

/// Counter, gauge and untyped samples, as prometheus-parse reads them; an answer without any is
/// an error.
pub fn parse_with_prometheus_parse(text: &str) -> Result<Vec<Sample>, String> {
    let lines = text.lines().map(|l| Ok(l.to_string()));
    let scrape = prometheus_parse::Scrape::parse(lines).map_err(|e| format!("not Prometheus exposition text: {e}"))?;
    let mut out = Vec::with_capacity(scrape.samples.len());
    for s in scrape.samples {
        let value = match s.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => v,
            // Histograms and summaries carry nothing bptop reads.
            _ => continue,
        };
        let labels: BTreeMap<String, String> = s.labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        out.push(Sample { name: s.metric, labels, value });
    }
    if out.is_empty() && !text.trim().is_empty() {
        return Err("no samples in the answer".into());
    }
    Ok(out)
}
