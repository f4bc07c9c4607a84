//! bptop's exposition parser against prometheus-parse, the parser it replaced: the same samples
//! on every bundled exposition text, and the differences where prometheus-parse is wrong (commas,
//! `=`, `}` and escapes inside quoted label values) asserted one by one.

#[path = "baseline/prometheus_parse.rs"]
mod baseline;

use std::path::{Path, PathBuf};

use baseline::parse_with_prometheus_parse;
use bptop::sources::exposition::{parse, parse_wanted, Sample};
use bptop::sources::scrape::{self, ScrapeModel};
use bptop::sources::{flink_prom, kafka_lag};

/// Every bundled file that holds exposition text: reporter texts, lag exporters, the bodies of
/// recorded scrapes.
fn exposition_fixtures() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                if text.contains("# TYPE ") {
                    out.push((path, text));
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"), &mut out);
    out.sort();
    out
}

/// Same names, labels and values in the same order; NaN equals NaN.
fn assert_same(new: &[Sample], old: &[Sample], what: &str) {
    assert_eq!(new.len(), old.len(), "{what}: sample count");
    for (n, o) in new.iter().zip(old) {
        let same_value = n.value == o.value || (n.value.is_nan() && o.value.is_nan());
        assert!(n.name == o.name && n.labels == o.labels && same_value, "{what}:\n new {n:?}\n old {o:?}");
    }
}

fn labels(s: &Sample) -> Vec<(&str, &str)> {
    s.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[test]
fn every_bundled_exposition_text_gives_prometheus_parse_samples() {
    let fixtures = exposition_fixtures();
    let names: Vec<String> = fixtures.iter().map(|(p, _)| p.display().to_string()).collect();
    for known in ["real/reporter/slow-sink-taskmanager.txt", "kafka/kminion.txt", "lag-retention/bodies/"] {
        assert!(names.iter().any(|n| n.contains(known)), "{known} is among the fixtures: {names:?}");
    }
    let mut compared = 0;
    for (path, text) in &fixtures {
        let what = path.display().to_string();
        let new = parse(text).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_same(&new, &parse_with_prometheus_parse(text).unwrap(), &what);
        compared += new.len();
    }
    assert!(compared > 500, "{compared} samples compared");
}

#[test]
fn the_filtered_parse_keeps_exactly_the_wanted_samples_and_gives_the_same_model() {
    let mut kept = 0;
    for (path, text) in exposition_fixtures() {
        let what = path.display().to_string();
        let old: Vec<Sample> =
            parse_with_prometheus_parse(&text).unwrap().into_iter().filter(|s| scrape::wanted(&s.name)).collect();
        assert_same(&parse_wanted(&text, scrape::wanted).unwrap(), &old, &what);
        let old_model = ScrapeModel { jobs: flink_prom::jobs(&old), lag: kafka_lag::lag_rows("s", &old) };
        assert_eq!(scrape::read("s", &text).unwrap(), old_model, "{what}");
        kept += old.len();
    }
    assert!(kept > 100, "{kept} wanted samples");
}

#[test]
fn types_specials_timestamps_and_broken_lines_read_alike() {
    let text = "# HELP h a histogram\n# TYPE h histogram\nh_bucket{le=\"0.5\"} 1\nh_bucket{le=\"+Inf\"} 2\n\
                h_sum 0.7\nh_count 2\n# TYPE s summary\ns{quantile=\"0.99\"} 9\ns_sum 5\ns_count 1\n\r\n\
                a{x=\"1\",} NaN 1700000000000\r\nb +Inf\nc{y=\"2\"} -Inf\nd 1e-3\n\
                broken{x=\"1\" 1\nno_value{x=\"1\"}\nbad_value 1,5\n# just a comment\n";
    let new = parse(text).unwrap();
    assert_same(&new, &parse_with_prometheus_parse(text).unwrap(), "hand-written");
    let names: Vec<&str> = new.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["h_sum", "h_count", "s_sum", "s_count", "a", "b", "c", "d"]);
}

#[test]
fn an_answer_without_samples_is_an_error_for_both() {
    for text in
        ["<html><body>login</body></html>", "404 page not found\n", "# TYPE h histogram\nh_bucket{le=\"1\"} 3\n"]
    {
        assert!(parse(text).is_err(), "{text}");
        assert!(parse_with_prometheus_parse(text).is_err(), "{text}");
    }
}

/// prometheus-parse splits the label text on every `,` and `=`, keeps escapes as they are and
/// ends the label set at the first `}`, even inside quotes.
#[test]
fn quoted_commas_equals_braces_and_escapes_are_where_prometheus_parse_errs() {
    let commas = "kminion_kafka_topic_info{cleanup_policy=\"compact,delete\",topic_name=\"a=b\"} 1\n";
    assert_eq!(labels(&parse(commas).unwrap()[0]), [("cleanup_policy", "compact,delete"), ("topic_name", "a=b")]);
    assert_eq!(labels(&parse_with_prometheus_parse(commas).unwrap()[0]), [("cleanup_policy", "compact")]);

    let escapes = r#"m{path="C:\\DIR",msg="say \"hi\"\nbye"} 2"#;
    assert_eq!(labels(&parse(escapes).unwrap()[0]), [("msg", "say \"hi\"\nbye"), ("path", "C:\\DIR")]);
    assert_eq!(
        labels(&parse_with_prometheus_parse(escapes).unwrap()[0]),
        [("msg", r#"say \"hi\"\nbye"#), ("path", r#"C:\\DIR"#)]
    );

    let brace = "m{op=\"{x}\"} 3\nok 1\n";
    assert_eq!(labels(&parse(brace).unwrap()[0]), [("op", "{x}")]);
    let old = parse_with_prometheus_parse(brace).unwrap();
    assert_eq!(old.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["ok"], "the line is lost");
}
