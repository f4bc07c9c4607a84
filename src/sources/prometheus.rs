//! `--prometheus URL`: a Prometheus server's HTTP API. One instant query per poll fetches the
//! Flink task metrics and the lag exporters' metrics that server scrapes; at start, one range
//! query backfills history, so trends and forecasts exist on the first screen.

use std::collections::BTreeMap;

use serde_json::Value;

use super::exposition::Sample;
use super::http::Fetcher;
use super::json::{num, parse_json, str_field};
use super::SourceError;
use crate::model::{Job, LagRow, SourceHealth, SourceKind, SourcePoll};

/// Every series bptop reads, as one selector built from the readers' own name tables: Flink's
/// task metrics (both buffer name sets) and the consumer-lag exporters' names (KMinion's under
/// any namespace). Names are `[A-Za-z0-9_]`: nothing to escape.
pub fn selector() -> &'static str {
    static SELECTOR: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SELECTOR.get_or_init(|| {
        let names: Vec<String> = super::flink_prom::names().chain(super::kafka_lag::name_patterns()).collect();
        format!(r#"{{__name__=~"{}"}}"#, names.join("|"))
    })
}

/// `path?query=…` with the parameters URL-encoded.
fn path_with(path: &str, params: &[(&str, String)]) -> String {
    let mut url = reqwest::Url::parse("http://x").expect("a constant URL parses");
    url.set_path(path);
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in params {
            q.append_pair(k, v);
        }
    }
    format!("{}?{}", url.path(), url.query().unwrap_or(""))
}

/// One moment of the server's data, read like a scrape.
pub struct PromPoint {
    pub at_ms: i64,
    pub jobs: Vec<Job>,
    pub lag: Vec<LagRow>,
}

#[derive(Clone)]
pub struct PromSource {
    fetcher: Fetcher,
}

impl PromSource {
    pub fn new(fetcher: Fetcher) -> PromSource {
        PromSource { fetcher }
    }

    pub fn source(&self) -> &str {
        self.fetcher.source()
    }

    /// This source's health before a poll: ok, nothing failed yet.
    pub fn health_template(&self) -> SourceHealth {
        self.fetcher.health(SourceKind::Prometheus)
    }

    /// The newest values (an instant query at the server's now).
    pub async fn poll(&self) -> SourcePoll {
        let health = self.health_template();
        let path = path_with("/api/v1/query", &[("query", selector().to_string())]);
        let result = async {
            let resp = self.fetcher.get(&path).await?;
            let v = parse_json(&self.fetcher.url(&path), &resp)?;
            vector(&v).ok_or_else(|| SourceError::unexpected(self.fetcher.url(&path), "not a Prometheus query answer"))
        }
        .await;
        let result = result
            .map(|samples| (super::flink_prom::jobs(&samples), super::kafka_lag::lag_rows(&health.name, &samples)));
        super::finish_poll(&self.fetcher, health, result)
    }

    /// The range request for history before `end_ms`: one point per `step_s` over `window_s`
    /// (the step widened so that Prometheus' 11 000-point limit is never hit).
    pub fn backfill_path(end_ms: i64, window_s: f64, step_s: f64) -> String {
        let end = end_ms / 1000;
        let start = end - window_s as i64;
        let step = step_s.max(window_s / 10_000.0).max(1.0).round() as i64;
        path_with(
            "/api/v1/query_range",
            &[
                ("query", selector().to_string()),
                ("start", start.to_string()),
                ("end", end.to_string()),
                ("step", format!("{step}s")),
            ],
        )
    }

    /// History from a range request (see `backfill_path`; a replay passes the recorded one).
    pub async fn backfill(&self, path: &str) -> Result<Vec<PromPoint>, SourceError> {
        let path = path.to_string();
        let resp = self.fetcher.get(&path).await?;
        let v = parse_json(&self.fetcher.url(&path), &resp)?;
        let by_time = matrix(&v)
            .ok_or_else(|| SourceError::unexpected(self.fetcher.url(&path), "not a Prometheus range answer"))?;
        let name = self.fetcher.source().to_string();
        Ok(by_time
            .into_iter()
            .map(|(at_ms, samples)| PromPoint {
                at_ms,
                jobs: super::flink_prom::jobs(&samples),
                lag: super::kafka_lag::lag_rows(&name, &samples),
            })
            .collect())
    }
}

fn sample(metric: &Value, value: f64) -> Option<Sample> {
    let labels: BTreeMap<String, String> =
        metric.as_object()?.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect();
    Some(Sample { name: labels.get("__name__")?.clone(), labels, value })
}

fn success_data(v: &Value) -> Option<&Value> {
    (str_field(v, "status") == Some("success")).then(|| v.get("data")).flatten()
}

/// An instant query's vector as samples (NaN kept as NaN, like the exposition text).
pub fn vector(v: &Value) -> Option<Vec<Sample>> {
    let result = success_data(v)?.get("result")?.as_array()?;
    Some(
        result
            .iter()
            .filter_map(|r| {
                let value = r.get("value")?.as_array()?.get(1)?;
                sample(r.get("metric")?, num(value).unwrap_or(f64::NAN))
            })
            .collect(),
    )
}

/// A range query's matrix regrouped by time: one sample set per step.
pub fn matrix(v: &Value) -> Option<BTreeMap<i64, Vec<Sample>>> {
    let result = success_data(v)?.get("result")?.as_array()?;
    let mut by_time: BTreeMap<i64, Vec<Sample>> = BTreeMap::new();
    for r in result {
        let Some(metric) = r.get("metric") else { continue };
        for pair in r.get("values").and_then(Value::as_array).into_iter().flatten() {
            let Some(pair) = pair.as_array() else { continue };
            let (Some(t), Some(val)) = (pair.first().and_then(num), pair.get(1)) else { continue };
            let t = (t * 1000.0).round() as i64;
            if !crate::model::plausible_time_ms(t) {
                continue;
            }
            if let Some(s) = sample(metric, num(val).unwrap_or(f64::NAN)) {
                by_time.entry(t).or_default().push(s);
            }
        }
    }
    Some(by_time)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn real(name: &str) -> Value {
        let path = format!("{}/fixtures/real/prometheus/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn a_real_instant_answer_reads_like_a_scrape() {
        let samples = vector(&real("query-busy.json")).unwrap();
        assert_eq!(samples.len(), 4);
        let jobs = super::super::flink_prom::jobs(&samples);
        let sink = jobs[0].vertex("6d2677a0ecc3fd8df0b72ec675edf8f4").unwrap();
        assert_eq!(sink.stats.get(crate::model::Metric::Busy).max, Some(1.0));
    }

    #[test]
    fn a_real_range_answer_gives_one_point_per_step() {
        let by_time = matrix(&real("query-range-busy.json")).unwrap();
        assert_eq!(by_time.len(), 61);
        let (first, _) = by_time.iter().next().unwrap();
        assert_eq!(*first, 1_795_431_482_509);
        assert!(by_time.values().all(|s| s.len() == 4));
    }

    /// Whether `name` matches the selector's regular expression (its only two shapes: a name,
    /// or `(.+_)?suffix`), fully anchored as Prometheus matches.
    fn selected(name: &str) -> bool {
        let alternatives = selector().trim_start_matches(r#"{__name__=~""#).trim_end_matches(r#""}"#);
        alternatives.split('|').any(|alt| match alt.strip_prefix("(.+_)?") {
            Some(suffix) => {
                name.strip_suffix(suffix).is_some_and(|p| p.is_empty() || (p.len() > 1 && p.ends_with('_')))
            }
            None => alt == name,
        })
    }

    #[test]
    fn the_selector_asks_for_every_name_a_reader_reads_and_kminion_under_any_namespace() {
        let root = env!("CARGO_MANIFEST_DIR");
        let mut wanted = 0;
        let files = [
            "kafka/kafka-lag-exporter.txt",
            "kafka/kafka_exporter.txt",
            "kafka/kminion.txt",
            "real/reporter/slow-sink-taskmanager.txt",
            "real/reporter/python-udf-taskmanager.txt",
        ];
        for file in files {
            let text = std::fs::read_to_string(format!("{root}/fixtures/{file}")).unwrap();
            for s in super::super::exposition::parse(&text).unwrap() {
                if super::super::scrape::wanted(&s.name) {
                    wanted += 1;
                    assert!(selected(&s.name), "{file}: {} is read but not asked for", s.name);
                }
            }
        }
        assert!(wanted > 100, "{wanted}");
        assert!(selected("acme_kafka_consumer_group_topic_partition_lag"), "a custom KMinion namespace");
        assert!(!selected("kafka_consumergroup_group_lag_total"), "anchored at the end");
        assert!(!selected("jvm_memory_used_bytes"));
    }

    #[test]
    fn queries_are_url_encoded_and_errors_are_refused() {
        let p = path_with("/api/v1/query", &[("query", selector().to_string())]);
        assert!(p.starts_with("/api/v1/query?query=%7B__name__%3D%7E%22flink_taskmanager_job_task_"), "{p}");
        assert!(!p.contains(' ') && !p.contains('"'));
        assert!(vector(&serde_json::json!({"status":"error","errorType":"bad_data","error":"x"})).is_none());
    }
}
