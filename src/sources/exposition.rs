//! Prometheus exposition text (what a `/metrics` endpoint serves) → plain samples. Parsing is
//! prometheus-parse's; this module only makes its output independent of that crate, so that the
//! Flink-reporter and lag-exporter readers work on samples from a scrape and from a Prometheus
//! server's query API alike.

use std::collections::BTreeMap;

/// One sample: a metric name, its labels and its value (NaN kept: readers decide).
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

impl Sample {
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.get(key).map(String::as_str)
    }
}

/// Parses exposition text. Lines the parser cannot read are skipped by prometheus-parse;
/// an answer with no sample at all is an error (an HTML page, a wrong path).
pub fn parse(text: &str) -> Result<Vec<Sample>, String> {
    // prometheus-parse wants an iterator of lines; it tolerates missing HELP/TYPE.
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
        let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        return Err(format!("no samples in the answer (it starts with '{}')", super::json::one_line(first, 60)));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_with_labels_nan_and_exponents() {
        let text = "# HELP x help\n# TYPE x gauge\nx{a=\"1\",b=\"two\"} 1.5e3\ny NaN\nz{q=\"w\"} -1\n";
        let s = parse(text).unwrap();
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].name, "x");
        assert_eq!(s[0].label("b"), Some("two"));
        assert_eq!(s[0].value, 1500.0);
        assert!(s[1].value.is_nan());
        assert_eq!(s[2].value, -1.0);
    }

    #[test]
    fn trailing_commas_and_missing_help_are_fine() {
        let s = parse(
            "flink_taskmanager_job_task_busyTimeMsPerSecond{job_id=\"a\",task_id=\"b\",subtask_index=\"0\",} 1000.0\n",
        )
        .unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].label("subtask_index"), Some("0"));
        assert_eq!(s[0].value, 1000.0);
    }

    #[test]
    fn html_is_not_exposition_text() {
        assert!(parse("<html><body>login</body></html>").is_err());
    }
}
