//! Prometheus exposition text (what a `/metrics` endpoint serves) → plain samples, so that the
//! Flink-reporter and lag-exporter readers work on samples from a scrape and from a Prometheus
//! server's query API alike.
//!
//! One pass over the text, line by line. A sample line's name is looked at first: with a name
//! filter ([`parse_wanted`]), a line whose family bptop does not read is skipped before its
//! labels are touched — a Flink reporter serves ~90 % JVM, RocksDB and operator metrics.
//! What is returned is what prometheus-parse (this module's parser until it was too slow for
//! large reporters) gave, except that quoted label values are read as the format says: commas,
//! `=` and `}` inside quotes stay in the value and escapes are resolved.

mod line;

use std::collections::{BTreeMap, HashSet};

use line::Line;

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

/// Every counter, gauge and untyped sample. Lines that cannot be read are skipped; an answer
/// with no sample at all is an error (an HTML page, a wrong path).
pub fn parse(text: &str) -> Result<Vec<Sample>, String> {
    parse_wanted(text, |_| true)
}

/// The samples whose name `wanted` accepts; the others are skipped unread. The error is
/// [`parse`]'s: an answer without any sample, wanted or not.
pub fn parse_wanted(text: &str, wanted: impl Fn(&str) -> bool) -> Result<Vec<Sample>, String> {
    let mut out = Vec::new();
    for_each_sample(text, wanted, |name, labels_text, value| {
        let mut labels = BTreeMap::new();
        line::labels(labels_text, |k, v, escaped| {
            // A repeated label name: the last one wins, as prometheus-parse's map had it.
            labels.insert(k.to_string(), line::label_value(v, escaped).into_owned());
        });
        out.push(Sample { name: name.to_string(), labels, value });
    });
    if out.is_empty() && count_samples(text) == 0 && !text.trim().is_empty() {
        let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        return Err(format!("no samples in the answer (it starts with '{}')", super::json::one_line(first, 60)));
    }
    Ok(out)
}

/// How many samples [`parse`] would return, without building them.
pub fn count_samples(text: &str) -> usize {
    let mut n = 0;
    for_each_sample(text, |_| true, |_, _, _| n += 1);
    n
}

/// Calls `each(name, label set text, value)` for every sample line whose name is wanted, whose
/// labels and value read, and that is no histogram bucket or summary quantile.
fn for_each_sample<'a>(text: &'a str, wanted: impl Fn(&str) -> bool, mut each: impl FnMut(&'a str, &'a str, f64)) {
    let mut typed = DroppedFamilies::default();
    // Samples of a family come together: the filter's answer for the last name is kept.
    let mut last: Option<(&str, bool)> = None;
    for raw in lines(text) {
        let trimmed = raw.trim_ascii();
        if trimmed.is_empty() {
            continue;
        }
        let (name, rest) = match line::classify(trimmed) {
            Line::Sample { name, rest } => (name, rest),
            Line::Type { name, kind } => {
                typed.declare(name, kind, &wanted);
                continue;
            }
            Line::Other => continue,
        };
        let is_wanted = match last {
            Some((n, w)) if n == name => w,
            _ => {
                let w = wanted(name);
                last = Some((name, w));
                w
            }
        };
        if !is_wanted {
            continue;
        }
        let Some(after_labels) = line::labels(rest, |_, _, _| {}) else { continue };
        let labels_text = &rest[..rest.len() - after_labels.len()];
        let Some(value) = line::value(after_labels) else { continue };
        if labels_text.len() > 2 && typed.drops(name) {
            continue;
        }
        each(name, labels_text, value);
    }
}

/// The lines of `text`: split on `\n` (a `\r` before it goes with the trimming).
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= bytes.len() {
            return None;
        }
        let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
        let line = &text[start..end];
        start = end + 1;
        Some(line)
    })
}

/// Names whose labelled samples are no plain values, after prometheus-parse: `# TYPE h histogram`
/// makes `h_bucket{le=…}` a bucket, `# TYPE s summary` makes `s{quantile=…}` a quantile; bptop
/// reads neither. `h_sum`, `h_count`, `s_sum`, `s_count` and unlabelled ones stay plain samples.
/// A later TYPE line for the same name overrides. Only wanted names are kept.
#[derive(Default)]
struct DroppedFamilies(HashSet<String>);

impl DroppedFamilies {
    fn declare(&mut self, family: &str, kind: &str, wanted: impl Fn(&str) -> bool) {
        match kind {
            "histogram" => {
                let bucket = format!("{family}_bucket");
                if wanted(&bucket) {
                    self.0.insert(bucket);
                }
            }
            "summary" if wanted(family) => {
                self.0.insert(family.to_string());
            }
            _ if !self.0.is_empty() => {
                self.0.remove(family);
            }
            _ => {}
        }
    }

    fn drops(&self, name: &str) -> bool {
        !self.0.is_empty() && self.0.contains(name)
    }
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
        assert!(parse("404 page not found\n").is_err());
        assert_eq!(parse("").unwrap(), vec![], "an empty answer is no sample, not an error");
    }

    #[test]
    fn crlf_blank_lines_timestamps_and_infinities() {
        let s = parse("\r\n  a 1 1700000000000\r\n\r\nb{x=\"y\"} +Inf\r\nc -Inf\r\n").unwrap();
        let got: Vec<_> = s.iter().map(|s| (s.name.as_str(), s.value)).collect();
        assert_eq!(got, vec![("a", 1.0), ("b", f64::INFINITY), ("c", f64::NEG_INFINITY)]);
        assert_eq!(s[1].label("x"), Some("y"));
    }

    #[test]
    fn buckets_and_quantiles_are_dropped_their_sums_and_counts_kept() {
        let text = "# TYPE h histogram\nh_bucket{le=\"1\"} 3\nh_bucket{le=\"+Inf\"} 4\nh_sum 9\nh_count 4\n\
                    # TYPE s summary\ns{quantile=\"0.5\"} 2\ns_sum 7\ns_count 3\n\
                    # TYPE s gauge\ns{quantile=\"0.9\"} 5\n";
        let names: Vec<_> = parse(text).unwrap().into_iter().map(|s| (s.name, s.value)).collect();
        let expected = [("h_sum", 9.0), ("h_count", 4.0), ("s_sum", 7.0), ("s_count", 3.0), ("s", 5.0)];
        assert_eq!(names, expected.map(|(n, v)| (n.to_string(), v)), "a later TYPE overrides");
    }

    #[test]
    fn a_text_of_buckets_only_has_no_samples() {
        assert!(parse("# TYPE h histogram\nh_bucket{le=\"1\"} 3\n").is_err());
    }

    #[test]
    fn unwanted_names_are_skipped_but_still_count_as_samples() {
        let text = "jvm_memory{area=\"heap\"} 5\nflink_x{a=\"b\"} 1\nflink_y 2\n";
        let s = parse_wanted(text, |n| n == "flink_x").unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].name.as_str(), s[0].label("a")), ("flink_x", Some("b")));
        assert_eq!(parse_wanted(text, |_| false).unwrap(), vec![], "samples there, none wanted: no error");
        assert_eq!(count_samples(text), 3);
    }

    #[test]
    fn broken_lines_are_skipped_not_fatal() {
        let text = "a{x=\"1\" 1\nb{x=\"unterminated} 2\nc{x=\"1\"}3\nd 1\ne{=\"\"} 4\n\u{feff}f 5\nZ\u{0}\n";
        let s = parse(text).unwrap();
        assert_eq!(s.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), vec!["d"]);
    }
}
