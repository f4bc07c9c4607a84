//! Burrow (linkedin/Burrow) through its v3 HTTP API: clusters → consumer groups → the lag of every
//! partition of each group, with Burrow's own status (OK, WARN, STOP, STALL, REWIND …) kept as is.
//!
//! Burrow gives no log start offset and no time lag. Its log end offset is not a field either, but
//! `current_lag` is "latest broker offset − last committed offset in the window", so the row's
//! log end is `end.offset + current_lag`. Shapes and sources: docs/research/kafka-lag-sources.md.

use std::fmt::Write as _;

use serde_json::Value;
use tokio::task::JoinSet;

use super::http::{FetchError, Fetcher};
use super::json::{num, one_line, parse_json, str_field};
use super::SourceError;
use crate::model::{LagRow, SourceHealth, SourceKind, SourcePoll};

/// `GET /v3/kafka`: the names of the clusters Burrow watches.
pub fn parse_clusters(v: &Value) -> Option<Vec<String>> {
    string_list(v, "clusters")
}

/// `GET /v3/kafka/{cluster}/consumer`: the consumer groups Burrow knows in a cluster.
pub fn parse_consumers(v: &Value) -> Option<Vec<String>> {
    string_list(v, "consumers")
}

fn string_list(v: &Value, key: &str) -> Option<Vec<String>> {
    if error_message(v).is_some() {
        return None;
    }
    match v.get(key)? {
        // Go encodes an empty (nil) slice as null.
        Value::Null => Some(Vec::new()),
        Value::Array(items) => Some(items.iter().filter_map(Value::as_str).map(str::to_string).collect()),
        _ => None,
    }
}

/// Burrow's error answer, `{"error": true, "message": "cluster not found", …}`: its message.
pub fn error_message(v: &Value) -> Option<String> {
    (v.get("error").and_then(Value::as_bool) == Some(true))
        .then(|| str_field(v, "message").unwrap_or("error without a message").to_string())
}

/// Burrow answers a group it does not know with HTTP 404 and a regular status, `NOTFOUND`.
fn is_not_found(v: &Value) -> bool {
    v.get("status").and_then(|s| str_field(s, "status")) == Some("NOTFOUND")
}

/// `GET /v3/kafka/{cluster}/consumer/{group}/lag`: one row per partition of the group.
///
/// `None` when the answer is not a consumer status (an error body, another shape); a `NOTFOUND`
/// group gives no rows. `cluster` is the name the request used (the answer repeats it).
pub fn parse_lag(source: &str, cluster: &str, v: &Value) -> Option<Vec<LagRow>> {
    if error_message(v).is_some() {
        return None;
    }
    let status = v.get("status").filter(|s| s.is_object())?;
    let group = str_field(status, "group")?;
    if is_not_found(v) {
        return Some(Vec::new());
    }
    let cluster = Some(cluster).filter(|c| !c.is_empty()).or_else(|| str_field(status, "cluster"));
    let partitions = match status.get("partitions") {
        Some(Value::Array(p)) => p.as_slice(),
        Some(Value::Null) | None => &[],
        Some(_) => return None,
    };
    let mut rows: Vec<LagRow> = partitions.iter().filter_map(|p| partition_row(source, cluster, group, p)).collect();
    rows.sort_by(|a, b| (&a.topic, a.partition).cmp(&(&b.topic, b.partition)));
    Some(rows)
}

fn partition_row(source: &str, cluster: Option<&str>, group: &str, p: &Value) -> Option<LagRow> {
    let topic = str_field(p, "topic").filter(|t| !t.is_empty())?;
    let partition = p.get("partition").and_then(Value::as_i64).and_then(|x| i32::try_from(x).ok())?;
    // The last offset of the window is the committed one; without any stored offset Burrow never
    // computed `current_lag` (it stays 0), so then the lag is unknown too.
    let end = p.get("end").filter(|e| e.is_object());
    let committed = end.and_then(|e| e.get("offset")).and_then(num).filter(|o| *o >= 0.0);
    let lag = end.and(p.get("current_lag")).and_then(num).filter(|l| *l != -1.0);
    let log_end = match (committed, lag) {
        (Some(c), Some(l)) if l >= 0.0 => Some(c + l),
        _ => None,
    };
    // client_id when the consumer sets one, else the owner host: either names the member.
    let member = ["client_id", "owner"].iter().find_map(|k| str_field(p, k).filter(|s| !s.is_empty()));
    Some(LagRow {
        source: source.to_string(),
        cluster: cluster.map(str::to_string),
        group: group.to_string(),
        topic: topic.to_string(),
        partition,
        lag,
        lag_seconds: None,
        log_end_offset: log_end,
        committed_offset: committed,
        log_start_offset: None,
        client_id: member.map(str::to_string),
        status: str_field(p, "status").map(str::to_string),
        compacted: None,
    })
}

/// A path segment with everything but RFC 3986 unreserved characters percent-encoded: group
/// names may hold '/', '?', '#', '%' or spaces, which would otherwise change the path.
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Polls every group of every cluster Burrow watches.
#[derive(Clone)]
pub struct BurrowSource {
    fetcher: Fetcher,
}

impl BurrowSource {
    pub fn new(fetcher: Fetcher) -> BurrowSource {
        BurrowSource { fetcher }
    }

    pub fn fetcher(&self) -> &Fetcher {
        &self.fetcher
    }

    /// This source's health before a poll: ok, nothing failed yet.
    pub fn health_template(&self) -> SourceHealth {
        self.fetcher.health(SourceKind::Burrow)
    }

    /// One poll: the rows of every group that answered, and the health of the source. A failed
    /// cluster list fails the poll; a failed group (or one cluster's group list) is a partial error.
    pub async fn poll(&self) -> SourcePoll {
        let mut health = self.health_template();
        let result = self.poll_rows(&mut health.partial_errors).await.map(|rows| (Vec::new(), rows));
        super::finish_poll(&self.fetcher, health, result)
    }

    async fn poll_rows(&self, partial: &mut Vec<String>) -> Result<Vec<LagRow>, SourceError> {
        let path = "/v3/kafka";
        let clusters = parse_clusters(&self.get_json(path).await?).ok_or_else(|| {
            SourceError::unexpected(self.fetcher.url(path), "not a Burrow cluster list (no 'clusters')")
        })?;

        // The group lists of all clusters at once (the fetcher's semaphore bounds the requests).
        let mut set = JoinSet::new();
        for cluster in clusters {
            let me = self.clone();
            set.spawn(async move {
                let groups = me.consumers(&cluster).await;
                (cluster, groups)
            });
        }
        let mut groups = Vec::new();
        let mut listed = 0;
        let mut errors = Vec::new();
        while let Some(joined) = set.join_next().await {
            match joined {
                Ok((cluster, Ok(names))) => {
                    listed += 1;
                    groups.extend(names.into_iter().map(|g| (cluster.clone(), g)));
                }
                Ok((_, Err(e))) => errors.push(e),
                Err(e) => errors.push(SourceError::Internal(format!("listing consumer groups: {e}"))),
            }
        }
        errors.sort_by_cached_key(ToString::to_string);
        // Some clusters answering is a partial poll; none answering leaves nothing to show.
        if listed == 0 && !errors.is_empty() {
            return Err(errors.remove(0));
        }
        partial.extend(errors.iter().map(ToString::to_string));

        let mut set = JoinSet::new();
        for (cluster, group) in groups {
            let me = self.clone();
            set.spawn(async move { me.lag(&cluster, &group).await });
        }
        let mut rows = Vec::new();
        let mut errors = Vec::new();
        while let Some(joined) = set.join_next().await {
            match joined {
                Ok(Ok(r)) => rows.extend(r),
                Ok(Err(e)) => errors.push(e.to_string()),
                Err(e) => errors.push(SourceError::Internal(format!("reading a group's lag: {e}")).to_string()),
            }
        }
        errors.sort();
        partial.extend(errors);
        rows.sort_by(|a, b| {
            (&a.cluster, &a.group, &a.topic, a.partition).cmp(&(&b.cluster, &b.group, &b.topic, b.partition))
        });
        Ok(rows)
    }

    async fn consumers(&self, cluster: &str) -> Result<Vec<String>, SourceError> {
        let path = format!("/v3/kafka/{}/consumer", encode_segment(cluster));
        let v = self.get_json(&path).await?;
        parse_consumers(&v).ok_or_else(|| {
            SourceError::unexpected(self.fetcher.url(&path), "not a Burrow consumer list (no 'consumers')")
        })
    }

    async fn lag(&self, cluster: &str, group: &str) -> Result<Vec<LagRow>, SourceError> {
        let path = format!("/v3/kafka/{}/consumer/{}/lag", encode_segment(cluster), encode_segment(group));
        let v = self.get_json(&path).await?;
        parse_lag(self.fetcher.source(), cluster, &v).ok_or_else(|| {
            SourceError::unexpected(self.fetcher.url(&path), "not a Burrow consumer status (no 'status')")
        })
    }

    /// GET and parse JSON. Burrow's non-200 answers carry JSON worth reading: a NOTFOUND status
    /// for a group that went away between the list and the lag request (no error: no rows), or
    /// `{"error": true, "message": …}`, a better reason than the status code alone.
    async fn get_json(&self, path: &str) -> Result<Value, SourceError> {
        let resp = self.fetcher.get(path).await?;
        let url = self.fetcher.url(path);
        if resp.status != 200 {
            if let Ok(v) = serde_json::from_slice::<Value>(&resp.body) {
                if is_not_found(&v) {
                    return Ok(v);
                }
                if let Some(message) = error_message(&v) {
                    let what = format!("HTTP {}: {}", resp.status, one_line(&message, 160));
                    return Err(SourceError::Fetch(FetchError { url, what, status: Some(resp.status) }));
                }
            }
        }
        Ok(parse_json(&url, &resp)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CLUSTERS: &str = include_str!("../../fixtures/kafka/burrow/clusters.json");
    const CONSUMERS: &str = include_str!("../../fixtures/kafka/burrow/consumers.json");
    const LAG: &str = include_str!("../../fixtures/kafka/burrow/lag-orders-enrichment.json");

    fn value(text: &str) -> Value {
        serde_json::from_str(text).expect("fixture is JSON")
    }

    #[test]
    fn cluster_and_consumer_lists() {
        assert_eq!(parse_clusters(&value(CLUSTERS)), Some(vec!["prod".to_string()]));
        assert_eq!(parse_consumers(&value(CONSUMERS)), Some(vec!["orders-enrichment".to_string()]));
        assert_eq!(parse_consumers(&json!({"error": false, "consumers": null})), Some(vec![]));
        assert_eq!(parse_clusters(&json!({"jobs": []})), None);
    }

    #[test]
    fn the_lag_fixture() {
        let rows = parse_lag("burrow", "prod", &value(LAG)).expect("a consumer status");
        assert_eq!(rows.len(), 4);
        let total: f64 = rows.iter().filter_map(|r| r.lag).sum();
        assert_eq!(total, 2_100_000.0);
        let p2 = &rows[2];
        assert_eq!((p2.partition, p2.status.as_deref(), p2.lag), (2, Some("WARN"), Some(1_600_000.0)));
        // current_lag, not the lag recorded at commit time (end.lag).
        assert_eq!(p2.committed_offset, Some(46_802_118.0));
        assert_eq!(p2.log_end_offset, Some(48_402_118.0), "end.offset + current_lag");
        assert_eq!(p2.client_id.as_deref(), Some("orders-enrichment-1"));
        assert_eq!((p2.log_start_offset, p2.lag_seconds, p2.compacted), (None, None, None));
        assert!(rows.iter().all(|r| r.cluster.as_deref() == Some("prod") && r.source == "burrow"));
        assert!(rows.iter().filter(|r| r.partition != 2).all(|r| r.status.as_deref() == Some("OK")));
    }

    #[test]
    fn the_same_story_as_the_exporters() {
        let burrow: Vec<_> = parse_lag("burrow", "prod", &value(LAG))
            .unwrap()
            .into_iter()
            .map(|r| (r.group, r.topic, r.partition, r.lag, r.log_end_offset))
            .collect();
        let text = include_str!("../../fixtures/kafka/kafka-lag-exporter.txt");
        let samples = crate::sources::exposition::parse(text).unwrap();
        let exporter: Vec<_> = crate::sources::kafka_lag::lag_rows("kle", &samples)
            .into_iter()
            .map(|r| (r.group, r.topic, r.partition, r.lag, r.log_end_offset))
            .collect();
        assert_eq!(burrow, exporter);
    }

    #[test]
    fn not_found_is_no_rows_and_an_error_body_is_none() {
        let nf = json!({
            "error": false, "message": "consumer status returned",
            "status": {"cluster": "prod", "group": "gone", "status": "NOTFOUND", "complete": 1,
                       "partitions": [], "partition_count": 0, "maxlag": null, "totallag": 0},
            "request": {"url": "/v3/kafka/prod/consumer/gone/lag", "host": "b"}
        });
        assert_eq!(parse_lag("burrow", "prod", &nf), Some(vec![]));
        let err =
            json!({"error": true, "message": "cluster or consumer not found", "request": {"url": "/x", "host": "b"}});
        assert_eq!(parse_lag("burrow", "prod", &err), None);
        assert_eq!(error_message(&err).as_deref(), Some("cluster or consumer not found"));
        assert_eq!(parse_consumers(&json!({"error": true, "message": "cluster not found"})), None);
        assert_eq!(parse_lag("burrow", "prod", &json!({"jobs": []})), None);
    }

    #[test]
    fn negative_lag_an_incomplete_window_and_a_partition_without_offsets() {
        let v = json!({"error": false, "status": {"cluster": "prod", "group": "g", "status": "ERR", "complete": 0.5,
        "partitions": [
            // A fork or an old Burrow with a signed lag: kept, and no log end derived from it.
            {"topic": "t", "partition": 0, "owner": "", "client_id": "", "status": "REWIND",
             "start": {"offset": 900, "timestamp": 1, "lag": 0}, "end": {"offset": 905, "timestamp": 2, "lag": null},
             "current_lag": -5, "complete": 1},
            // Two offsets of ten: Burrow reports the window as incomplete; the status stays its own.
            {"topic": "t", "partition": 1, "owner": "/10.0.0.9", "client_id": "", "status": "OK",
             "start": {"offset": 40, "timestamp": 1, "lag": 10}, "end": {"offset": 41, "timestamp": 2, "lag": 12},
             "current_lag": 12, "complete": 0.2},
            // No offset stored: start and end are null, current_lag an unset 0.
            {"topic": "t", "partition": 2, "owner": "", "client_id": "", "status": "OK",
             "start": null, "end": null, "current_lag": 0, "complete": 0},
            {"topic": "t", "partition": 3, "status": "STOP",
             "end": {"offset": 7, "timestamp": 2, "lag": 1}, "current_lag": -1, "complete": 1},
            {"partition": 4, "status": "OK"}
        ]}});
        let rows = parse_lag("burrow", "prod", &v).unwrap();
        assert_eq!(rows.len(), 4, "an entry without a topic is skipped");
        assert_eq!((rows[0].lag, rows[0].committed_offset, rows[0].log_end_offset), (Some(-5.0), Some(905.0), None));
        assert_eq!((rows[0].status.as_deref(), rows[0].client_id.as_deref()), (Some("REWIND"), None));
        assert_eq!(
            (rows[1].lag, rows[1].log_end_offset, rows[1].status.as_deref()),
            (Some(12.0), Some(53.0), Some("OK"))
        );
        assert_eq!(rows[1].client_id.as_deref(), Some("/10.0.0.9"), "the owner host names the member");
        assert_eq!((rows[2].lag, rows[2].committed_offset, rows[2].log_end_offset), (None, None, None));
        assert_eq!((rows[3].lag, rows[3].committed_offset, rows[3].status.as_deref()), (None, Some(7.0), Some("STOP")));
    }

    #[test]
    fn group_names_are_encoded_in_the_path() {
        assert_eq!(encode_segment("orders-enrichment_v2.1~x"), "orders-enrichment_v2.1~x");
        assert_eq!(encode_segment("team/a b?#%"), "team%2Fa%20b%3F%23%25");
        assert_eq!(encode_segment("zoë"), "zo%C3%AB");
    }

    /// A Burrow stand-in: the fixtures, a group that vanished (404 NOTFOUND), one that fails
    /// (500 with Burrow's error body), and a cluster whose group list fails.
    async fn fake_burrow() -> String {
        use axum::http::{StatusCode, Uri};
        let router = axum::Router::new().fallback(|uri: Uri| async move {
            let gone = r#"{"error":false,"message":"consumer status returned","status":{"cluster":"prod","group":"gone","status":"NOTFOUND","complete":1,"partitions":[],"partition_count":0,"maxlag":null,"totallag":0},"request":{"url":"x","host":"b"}}"#;
            match uri.path() {
                "/v3/kafka" => (StatusCode::OK, r#"{"error":false,"message":"cluster list returned","clusters":["prod","staging"],"request":{"url":"/v3/kafka","host":"b"}}"#.to_string()),
                "/v3/kafka/prod/consumer" => (StatusCode::OK, r#"{"error":false,"message":"consumer list returned","consumers":["orders-enrichment","gone","team/broken"],"request":{"url":"x","host":"b"}}"#.to_string()),
                "/v3/kafka/staging/consumer" => (StatusCode::INTERNAL_SERVER_ERROR, r#"{"error":true,"message":"storage module timed out","request":{"url":"x","host":"b"}}"#.to_string()),
                "/v3/kafka/prod/consumer/orders-enrichment/lag" => (StatusCode::OK, LAG.to_string()),
                "/v3/kafka/prod/consumer/gone/lag" => (StatusCode::NOT_FOUND, gone.to_string()),
                "/v3/kafka/prod/consumer/team%2Fbroken/lag" => (StatusCode::INTERNAL_SERVER_ERROR, r#"{"error":true,"message":"evaluator\nfailed","request":{"url":"x","host":"b"}}"#.to_string()),
                _ => (StatusCode::NOT_FOUND, r#"{"error":true,"message":"invalid request type","result":{}}"#.to_string()),
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, router).await });
        format!("http://{addr}/")
    }

    #[tokio::test]
    async fn poll_reads_every_group_and_reports_partial_errors() {
        let base = fake_burrow().await;
        let fetcher = Fetcher::http("burrow", &base, &Default::default()).unwrap();
        let SourcePoll { lag: rows, health, .. } = BurrowSource::new(fetcher).poll().await;
        assert!(health.ok, "{health:?}");
        assert_eq!(health.kind, SourceKind::Burrow);
        assert_eq!(rows.len(), 4);
        assert!(rows.iter().all(|r| r.group == "orders-enrichment" && r.source == "burrow"));
        // /v3/kafka, 2 group lists, 3 lag requests.
        assert_eq!(health.requests, 6);
        assert_eq!(health.partial_errors.len(), 2, "{:?}", health.partial_errors);
        assert!(
            health.partial_errors[0].contains("staging/consumer: HTTP 500: storage module timed out"),
            "{health:?}"
        );
        assert!(health.partial_errors[1].contains("team%2Fbroken/lag: HTTP 500: evaluator failed"), "{health:?}");
    }

    #[tokio::test]
    async fn a_failed_cluster_list_fails_the_poll() {
        let base = fake_burrow().await;
        let fetcher = Fetcher::http("burrow", &format!("{base}wrong-prefix"), &Default::default()).unwrap();
        let SourcePoll { lag: rows, health, .. } = BurrowSource::new(fetcher).poll().await;
        assert!(rows.is_empty());
        assert!(!health.ok);
        let e = health.error.unwrap();
        assert!(e.contains("/wrong-prefix/v3/kafka: HTTP 404: invalid request type"), "{e}");
    }
}
