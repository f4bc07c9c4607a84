//! Consumer lag from the Prometheus exposition of Kafka lag exporters: kafka-lag-exporter (and
//! klag-exporter, which reuses its names), danielqsj's kafka_exporter (the one Strimzi ships) and
//! KMinion. Each is recognized by its metric names, so one scrape (or one Prometheus server) may
//! hold several of them, next to a Flink reporter's metrics that are not read here.
//!
//! Names, labels and value conventions, with their sources: docs/research/kafka-lag-sources.md.

use std::collections::BTreeMap;

use super::exposition::Sample;
use crate::model::LagRow;

/// The exporter families, as [`recognized`] names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Format {
    /// seglo/kafka-lag-exporter, and softwaremill/klag-exporter with the same names.
    LagExporter,
    /// danielqsj/kafka_exporter.
    KafkaExporter,
    /// redpanda-data/kminion.
    Kminion,
}

impl Format {
    /// Label names of (group, topic, partition).
    fn labels(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Format::LagExporter => ("group", "topic", "partition"),
            Format::KafkaExporter => ("consumergroup", "topic", "partition"),
            Format::Kminion => ("group_id", "topic_name", "partition_id"),
        }
    }
}

/// What a sample tells about a partition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    /// Per group and partition: messages behind.
    Lag,
    /// Per group and partition: seconds behind.
    LagSeconds,
    /// Per group and partition: committed offset.
    Committed,
    /// Per topic-partition (every group): log end offset / high water mark.
    LogEnd,
    /// Per topic-partition (every group): log start offset / low water mark.
    LogStart,
    /// Per topic: KMinion's info metric, whose `cleanup_policy` label tells compaction.
    TopicInfo,
    /// An aggregate or a health metric: read nothing, but it shows which exporter this is.
    Marker,
}

const LAG_EXPORTER: &[(&str, Field)] = &[
    ("kafka_consumergroup_group_lag", Field::Lag),
    ("kafka_consumergroup_group_lag_seconds", Field::LagSeconds),
    ("kafka_consumergroup_group_offset", Field::Committed),
    ("kafka_partition_latest_offset", Field::LogEnd),
    ("kafka_partition_earliest_offset", Field::LogStart),
    ("kafka_consumergroup_group_max_lag", Field::Marker),
    ("kafka_consumergroup_group_max_lag_seconds", Field::Marker),
    ("kafka_consumergroup_group_sum_lag", Field::Marker),
    ("kafka_consumergroup_group_topic_sum_lag", Field::Marker),
    ("kafka_consumergroup_poll_time_ms", Field::Marker),
];

/// Names only klag-exporter has: with them, the shared names above are klag-exporter's.
const KLAG_ONLY: &[&str] = &[
    "kafka_lag_exporter_up",
    "kafka_lag_exporter_scrape_duration_seconds",
    "kafka_lag_exporter_last_update_timestamp_seconds",
    "kafka_lag_exporter_compaction_detected_total",
    "kafka_lag_exporter_data_loss_partitions_total",
    "kafka_consumergroup_group_messages_lost",
    "kafka_consumergroup_group_retention_margin",
    "kafka_consumergroup_group_lag_retention_ratio",
    "kafka_consumergroup_group_state",
];

const KAFKA_EXPORTER: &[(&str, Field)] = &[
    ("kafka_consumergroup_lag", Field::Lag),
    ("kafka_consumergroup_current_offset", Field::Committed),
    ("kafka_topic_partition_current_offset", Field::LogEnd),
    ("kafka_topic_partition_oldest_offset", Field::LogStart),
    ("kafka_consumergroup_lag_sum", Field::Marker),
    ("kafka_consumergroup_current_offset_sum", Field::Marker),
    ("kafka_consumergroup_members", Field::Marker),
];

/// KMinion names after its configurable namespace (`kminion` by default): `<namespace>_kafka_…`.
const KMINION: &[(&str, Field)] = &[
    ("kafka_consumer_group_topic_partition_lag", Field::Lag),
    ("kafka_topic_partition_high_water_mark", Field::LogEnd),
    ("kafka_topic_partition_low_water_mark", Field::LogStart),
    ("kafka_topic_info", Field::TopicInfo),
    ("kafka_consumer_group_topic_lag", Field::Marker),
    ("kafka_consumer_group_topic_offset_sum", Field::Marker),
    ("kafka_consumer_group_info", Field::Marker),
    ("kafka_consumer_group_members", Field::Marker),
];

/// Which exporter a metric name belongs to, and what it says.
fn classify(name: &str) -> Option<(Format, Field)> {
    let exact = |table: &[(&str, Field)]| table.iter().find(|(n, _)| *n == name).map(|(_, f)| *f);
    if let Some(f) = exact(LAG_EXPORTER) {
        return Some((Format::LagExporter, f));
    }
    if KLAG_ONLY.contains(&name) {
        return Some((Format::LagExporter, Field::Marker));
    }
    if let Some(f) = exact(KAFKA_EXPORTER) {
        return Some((Format::KafkaExporter, f));
    }
    // Any namespace, even an empty one (then the name starts with `kafka_`).
    KMINION
        .iter()
        .find(|(suffix, _)| name.strip_suffix(suffix).is_some_and(|prefix| prefix.is_empty() || prefix.ends_with('_')))
        .map(|(_, f)| (Format::Kminion, *f))
}

/// The names [`lag_rows`] and [`recognized`] read, as the alternatives of a Prometheus regular
/// expression (anchored at both ends, as PromQL anchors them): the exporters' exact names, and
/// KMinion's after any namespace.
pub fn name_patterns() -> impl Iterator<Item = String> {
    let exact = LAG_EXPORTER.iter().chain(KAFKA_EXPORTER).map(|(n, _)| n.to_string());
    let klag = KLAG_ONLY.iter().map(|n| n.to_string());
    let kminion = KMINION.iter().map(|(suffix, _)| format!("(.+_)?{suffix}"));
    exact.chain(klag).chain(kminion)
}

/// True for the names [`lag_rows`] and [`recognized`] read: the scrape parser skips every other
/// line unread.
pub fn wanted(name: &str) -> bool {
    classify(name).is_some()
}

/// The exporter formats seen in these samples, for the source health line: "kafka-lag-exporter"
/// or "klag-exporter" (same names; klag-exporter adds a few), "kafka_exporter", "kminion".
pub fn recognized(samples: &[Sample]) -> Vec<&'static str> {
    let mut lag_exporter = false;
    let mut klag = false;
    let mut kafka_exporter = false;
    let mut kminion = false;
    for s in samples {
        match classify(&s.name) {
            Some((Format::LagExporter, _)) => {
                lag_exporter = true;
                klag |= KLAG_ONLY.contains(&s.name.as_str()) || s.labels.contains_key("compaction_detected");
            }
            Some((Format::KafkaExporter, _)) => kafka_exporter = true,
            Some((Format::Kminion, _)) => kminion = true,
            None => {}
        }
    }
    let mut out = Vec::new();
    if lag_exporter {
        out.push(if klag { "klag-exporter" } else { "kafka-lag-exporter" });
    }
    if kafka_exporter {
        out.push("kafka_exporter");
    }
    if kminion {
        out.push("kminion");
    }
    out
}

/// (cluster, group, topic, partition)
type RowKey = (Option<String>, String, String, i32);
/// (cluster, topic, partition): offsets of the log, the same for every group.
type PartitionKey = (Option<String>, String, i32);

#[derive(Default)]
struct LogOffsets {
    end: Option<f64>,
    start: Option<f64>,
}

/// One row per (cluster, group, topic, partition), joined over every lag metric in the samples.
///
/// Lag and committed offset come per group; log end and log start per topic-partition, and are
/// attached to every group row of that partition. `-1` and NaN mean unknown (`None`); a negative
/// lag is kept as reported (the analysis flags it). Rows come sorted by their key.
pub fn lag_rows(source: &str, samples: &[Sample]) -> Vec<LagRow> {
    let mut rows: BTreeMap<RowKey, LagRow> = BTreeMap::new();
    let mut logs: BTreeMap<PartitionKey, LogOffsets> = BTreeMap::new();
    let mut compacted_topics: BTreeMap<(Option<String>, String), bool> = BTreeMap::new();

    for s in samples {
        let Some((format, field)) = classify(&s.name) else { continue };
        let (group_label, topic_label, partition_label) = format.labels();
        let cluster = cluster_of(s);
        let Some(topic) = s.label(topic_label).filter(|t| !t.is_empty()) else { continue };
        if field == Field::TopicInfo {
            if let Some(c) = compaction_of_policy(s) {
                compacted_topics.insert((cluster, topic.to_string()), c);
            }
            continue;
        }
        let Some(partition) = s.label(partition_label).and_then(|p| p.trim().parse::<i32>().ok()) else { continue };
        match field {
            Field::LogEnd | Field::LogStart => {
                let log = logs.entry((cluster, topic.to_string(), partition)).or_default();
                let slot = if field == Field::LogEnd { &mut log.end } else { &mut log.start };
                first(slot, offset(s.value));
            }
            Field::Lag | Field::LagSeconds | Field::Committed => {
                let Some(group) = s.label(group_label).filter(|g| !g.is_empty()) else { continue };
                let key = (cluster.clone(), group.to_string(), topic.to_string(), partition);
                let row = rows.entry(key).or_insert_with(|| LagRow {
                    source: source.to_string(),
                    cluster,
                    group: group.to_string(),
                    topic: topic.to_string(),
                    partition,
                    ..LagRow::default()
                });
                match field {
                    Field::Lag => first(&mut row.lag, lag(s.value)),
                    Field::LagSeconds => first(&mut row.lag_seconds, lag(s.value)),
                    _ => first(&mut row.committed_offset, offset(s.value)),
                }
                if row.client_id.is_none() {
                    row.client_id = client_of(s);
                }
                if row.compacted.is_none() {
                    row.compacted = s.label("compaction_detected").and_then(parse_bool);
                }
            }
            Field::TopicInfo | Field::Marker => {}
        }
    }

    for ((cluster, _, topic, partition), row) in rows.iter_mut() {
        if let Some(log) = logs.get(&(cluster.clone(), topic.clone(), *partition)) {
            first(&mut row.log_end_offset, log.end);
            first(&mut row.log_start_offset, log.start);
        }
        if row.compacted.is_none() {
            row.compacted = compacted_topics.get(&(cluster.clone(), topic.clone())).copied();
        }
    }
    rows.into_values().collect()
}

/// Keeps the first known value: the same series can come twice (two exporter replicas behind one
/// Prometheus, a series of the previous owner after a rebalance), and they agree closely enough.
fn first(slot: &mut Option<f64>, v: Option<f64>) {
    if slot.is_none() {
        *slot = v;
    }
}

/// kafka-lag-exporter and klag-exporter label the cluster `cluster_name`; the others have no
/// cluster label, but users add one (kafka_exporter's `--kafka.labels`, Prometheus relabeling),
/// usually `cluster`.
fn cluster_of(s: &Sample) -> Option<String> {
    ["cluster_name", "cluster"].iter().find_map(|k| s.label(k)).filter(|c| !c.is_empty()).map(str::to_string)
}

/// kafka-lag-exporter says "unknown" for a group without members, klag-exporter "".
fn client_of(s: &Sample) -> Option<String> {
    s.label("client_id").filter(|c| !c.is_empty() && *c != "unknown").map(str::to_string)
}

/// Lag in messages or seconds: NaN (kafka-lag-exporter: no committed offset, too few points)
/// and `-1` (kafka_exporter: no committed offset) are unknown; other negatives are kept.
fn lag(v: f64) -> Option<f64> {
    (v.is_finite() && v != -1.0).then_some(v)
}

/// An offset is never negative: `-1` (none committed) and NaN are unknown.
fn offset(v: f64) -> Option<f64> {
    (v.is_finite() && v >= 0.0).then_some(v)
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// KMinion's `cleanup_policy` label ("delete", "compact", "compact,delete"; "N/A" when it could
/// not read the topic config, or absent when configKeys leaves it out).
fn compaction_of_policy(s: &Sample) -> Option<bool> {
    let policy = s.label("cleanup_policy")?.trim();
    if policy.is_empty() || policy.eq_ignore_ascii_case("n/a") {
        return None;
    }
    // "compact,delete" still deletes by retention: only compaction alone spares unread data.
    let parts: Vec<&str> = policy.split(',').map(str::trim).collect();
    Some(
        parts.iter().any(|p| p.eq_ignore_ascii_case("compact"))
            && !parts.iter().any(|p| p.eq_ignore_ascii_case("delete")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::exposition::parse;

    fn rows(text: &str) -> Vec<LagRow> {
        lag_rows("lag", &parse(text).expect("exposition text"))
    }

    fn find<'a>(rows: &'a [LagRow], cluster: Option<&str>, group: &str, partition: i32) -> &'a LagRow {
        rows.iter()
            .find(|r| r.cluster.as_deref() == cluster && r.group == group && r.partition == partition)
            .unwrap_or_else(|| panic!("no row for {cluster:?} {group} {partition} in {rows:#?}"))
    }

    #[test]
    fn kafka_lag_exporter_two_clusters_nan_and_a_group_without_members() {
        // Java simpleclient style: trailing commas, exponents, NaN.
        let text = r#"
# TYPE kafka_consumergroup_group_lag gauge
kafka_consumergroup_group_lag{cluster_name="eu",group="billing",topic="invoices",partition="0",member_host="/10.0.0.7",consumer_id="billing-1-9f2c",client_id="billing-1",} 1.2E7
kafka_consumergroup_group_lag{cluster_name="us",group="billing",topic="invoices",partition="0",member_host="unknown",consumer_id="unknown",client_id="unknown",} 250.0
kafka_consumergroup_group_lag{cluster_name="us",group="audit",topic="invoices",partition="0",member_host="unknown",consumer_id="unknown",client_id="unknown",} NaN
kafka_consumergroup_group_lag_seconds{cluster_name="eu",group="billing",topic="invoices",partition="0",member_host="/10.0.0.7",consumer_id="billing-1-9f2c",client_id="billing-1",} NaN
kafka_consumergroup_group_lag_seconds{cluster_name="us",group="billing",topic="invoices",partition="0",member_host="unknown",consumer_id="unknown",client_id="unknown",} 3.5
kafka_consumergroup_group_offset{cluster_name="eu",group="billing",topic="invoices",partition="0",member_host="/10.0.0.7",consumer_id="billing-1-9f2c",client_id="billing-1",} 1000.0
kafka_consumergroup_group_offset{cluster_name="us",group="audit",topic="invoices",partition="0",member_host="unknown",consumer_id="unknown",client_id="unknown",} NaN
kafka_partition_latest_offset{cluster_name="eu",topic="invoices",partition="0",} 1.2001E7
kafka_partition_earliest_offset{cluster_name="eu",topic="invoices",partition="0",} 0.0
kafka_partition_latest_offset{cluster_name="us",topic="invoices",partition="0",} 9000.0
kafka_partition_earliest_offset{cluster_name="us",topic="invoices",partition="0",} 4000.0
kafka_consumergroup_group_sum_lag{cluster_name="eu",group="billing",} 1.2E7
"#;
        let r = rows(text);
        assert_eq!(r.len(), 3, "{r:#?}");
        let eu = find(&r, Some("eu"), "billing", 0);
        assert_eq!(eu.lag, Some(12_000_000.0));
        assert_eq!(eu.lag_seconds, None, "NaN is unknown");
        assert_eq!(eu.committed_offset, Some(1000.0));
        assert_eq!(eu.log_end_offset, Some(12_001_000.0));
        assert_eq!(eu.log_start_offset, Some(0.0));
        assert_eq!(eu.client_id.as_deref(), Some("billing-1"));
        assert_eq!(eu.source, "lag");
        // Same group name in another cluster: its own row, its own log offsets.
        let us = find(&r, Some("us"), "billing", 0);
        assert_eq!(us.lag, Some(250.0));
        assert_eq!(us.lag_seconds, Some(3.5));
        assert_eq!(us.client_id, None, "member-less: 'unknown' is no client");
        assert_eq!((us.log_end_offset, us.log_start_offset), (Some(9000.0), Some(4000.0)));
        // Log offsets belong to the partition: every group on it gets them.
        let audit = find(&r, Some("us"), "audit", 0);
        assert_eq!((audit.lag, audit.committed_offset), (None, None));
        assert_eq!((audit.log_end_offset, audit.log_start_offset), (Some(9000.0), Some(4000.0)));
        assert_eq!(recognized(&parse(text).unwrap()), vec!["kafka-lag-exporter"]);
    }

    #[test]
    fn kafka_exporter_minus_one_and_negative_lag() {
        let text = r#"
kafka_consumergroup_current_offset{consumergroup="etl",partition="0",topic="clicks"} -1
kafka_consumergroup_lag{consumergroup="etl",partition="0",topic="clicks"} -1
kafka_consumergroup_current_offset{consumergroup="etl",partition="1",topic="clicks"} 5003
kafka_consumergroup_lag{consumergroup="etl",partition="1",topic="clicks"} -3
kafka_consumergroup_lag{consumergroup="idle-group",partition="1",topic="clicks"} 4000
kafka_consumergroup_members{consumergroup="idle-group"} 0
kafka_topic_partition_current_offset{partition="0",topic="clicks"} 7000
kafka_topic_partition_oldest_offset{partition="0",topic="clicks"} 10
kafka_topic_partition_current_offset{partition="1",topic="clicks"} 5000
kafka_topic_partition_oldest_offset{partition="1",topic="clicks"} 20
"#;
        let r = rows(text);
        assert_eq!(r.len(), 3);
        let p0 = find(&r, None, "etl", 0);
        assert_eq!((p0.lag, p0.committed_offset), (None, None), "-1 is unknown");
        assert_eq!((p0.log_end_offset, p0.log_start_offset), (Some(7000.0), Some(10.0)));
        let p1 = find(&r, None, "etl", 1);
        assert_eq!(p1.lag, Some(-3.0), "a negative lag is kept for the analysis to flag");
        assert_eq!(p1.committed_offset, Some(5003.0));
        let idle = find(&r, None, "idle-group", 1);
        assert_eq!((idle.lag, idle.log_end_offset, idle.client_id.clone()), (Some(4000.0), Some(5000.0), None));
        assert!(r.iter().all(|r| r.lag_seconds.is_none() && r.compacted.is_none()));
        assert_eq!(recognized(&parse(text).unwrap()), vec!["kafka_exporter"]);
    }

    #[test]
    fn kafka_exporter_with_a_cluster_label_from_kafka_labels() {
        let r = rows("kafka_consumergroup_lag{cluster=\"prod\",consumergroup=\"g\",partition=\"2\",topic=\"t\"} 9\n");
        assert_eq!(r[0].cluster.as_deref(), Some("prod"));
    }

    #[test]
    fn kminion_any_namespace_and_compaction_from_topic_info() {
        let text = r#"
kminion_kafka_consumer_group_topic_partition_lag{group_id="search-indexer",partition_id="0",topic_name="products"} 42
kminion_kafka_topic_partition_high_water_mark{partition_id="0",topic_name="products"} 1042
kminion_kafka_topic_partition_low_water_mark{partition_id="0",topic_name="products"} 17
kminion_kafka_topic_info{cleanup_policy="compact",partition_count="1",replication_factor="3",topic_name="products"} 1
kminion_kafka_consumer_group_topic_partition_lag{group_id="audit",partition_id="0",topic_name="audit-log"} 5
kminion_kafka_topic_info{cleanup_policy="compact,delete",partition_count="1",replication_factor="3",topic_name="audit-log"} 1
edge_kafka_consumer_group_topic_partition_lag{group_id="sync",partition_id="3",topic_name="events"} 7
edge_kafka_topic_info{cleanup_policy="N/A",partition_count="4",replication_factor="3",topic_name="events"} 1
"#;
        let r = rows(text);
        assert_eq!(r.len(), 3);
        let p = find(&r, None, "search-indexer", 0);
        assert_eq!((p.lag, p.log_end_offset, p.log_start_offset), (Some(42.0), Some(1042.0), Some(17.0)));
        assert_eq!(p.committed_offset, None, "KMinion has no per-partition committed offset");
        assert_eq!(p.compacted, Some(true));
        let a = find(&r, None, "audit", 0);
        assert_eq!(a.compacted, Some(false), "compact,delete still deletes (the comma is inside the quotes)");
        let e = find(&r, None, "sync", 3);
        assert_eq!((e.lag, e.compacted), (Some(7.0), None), "a custom namespace; N/A policy is unknown");
        assert_eq!(recognized(&parse(text).unwrap()), vec!["kminion"]);
    }

    #[test]
    fn klag_exporter_compaction_label_and_empty_client() {
        let text = r#"
kafka_consumergroup_group_lag{client_id="",cluster_name="prod",compaction_detected="true",consumer_id="",data_loss_detected="false",group="snapshots",member_host="",partition="0",topic="state"} 12
kafka_consumergroup_group_lag_seconds{client_id="",cluster_name="prod",compaction_detected="true",consumer_id="",data_loss_detected="false",group="snapshots",member_host="",partition="0",topic="state"} 0.8
kafka_lag_exporter_up 1
"#;
        let r = rows(text);
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].lag, r[0].lag_seconds, r[0].compacted), (Some(12.0), Some(0.8), Some(true)));
        assert_eq!(r[0].client_id, None);
        assert_eq!(recognized(&parse(text).unwrap()), vec!["klag-exporter"]);
    }

    #[test]
    fn flink_reporter_metrics_in_the_same_scrape_are_ignored() {
        let text = r#"
# TYPE flink_taskmanager_job_task_busyTimeMsPerSecond gauge
flink_taskmanager_job_task_busyTimeMsPerSecond{job_id="a1",task_id="b2",subtask_index="0",task_name="Source:_orders",} 12.0
flink_taskmanager_job_task_operator_KafkaSourceReader_topic_partition_currentOffset{job_id="a1",task_id="b2",subtask_index="0",topic="orders",partition="2",} 4.6802118E7
flink_taskmanager_job_task_operator_pendingRecords{job_id="a1",task_id="b2",subtask_index="0",} 1600000.0
kafka_consumergroup_lag{consumergroup="orders-enrichment",partition="2",topic="orders"} 1.6e+06
kafka_topic_partition_current_offset{partition="2",topic="orders"} 4.8402118e+07
"#;
        let samples = parse(text).unwrap();
        let r = lag_rows("scrape", &samples);
        assert_eq!(r.len(), 1, "{r:#?}");
        assert_eq!((r[0].group.as_str(), r[0].partition, r[0].lag), ("orders-enrichment", 2, Some(1_600_000.0)));
        assert_eq!(r[0].committed_offset, None, "the Flink reader's offset is not the group's commit");
        assert_eq!(recognized(&samples), vec!["kafka_exporter"]);
    }

    #[test]
    fn several_exporters_in_one_scrape() {
        let text = r#"
kafka_consumergroup_group_lag{cluster_name="prod",group="a",topic="t",partition="0",member_host="h",consumer_id="c",client_id="a-0",} 5.0
kafka_consumergroup_lag{consumergroup="b",partition="0",topic="t"} 6
kminion_kafka_consumer_group_topic_partition_lag{group_id="c",partition_id="0",topic_name="t"} 7
"#;
        let samples = parse(text).unwrap();
        assert_eq!(recognized(&samples), vec!["kafka-lag-exporter", "kafka_exporter", "kminion"]);
        let groups: Vec<_> = lag_rows("x", &samples).into_iter().map(|r| (r.group, r.lag)).collect();
        assert_eq!(
            groups,
            vec![("b".to_string(), Some(6.0)), ("c".to_string(), Some(7.0)), ("a".to_string(), Some(5.0))]
        );
        assert!(recognized(&parse("up 1\nprocess_cpu_seconds_total 3\n").unwrap()).is_empty());
    }

    #[test]
    fn the_three_exporter_fixtures_tell_the_same_story() {
        let fixtures = [
            ("kafka-lag-exporter", include_str!("../../fixtures/kafka/kafka-lag-exporter.txt")),
            ("kafka_exporter", include_str!("../../fixtures/kafka/kafka_exporter.txt")),
            ("kminion", include_str!("../../fixtures/kafka/kminion.txt")),
        ];
        let mut stories = Vec::new();
        for (name, text) in fixtures {
            let samples = parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(recognized(&samples), vec![name]);
            let r = lag_rows(name, &samples);
            assert_eq!(r.len(), 4, "{name}: {r:#?}");
            let total: f64 = r.iter().filter_map(|r| r.lag).sum();
            assert_eq!(total, 2_100_000.0, "{name}");
            let hot = r.iter().max_by(|a, b| a.lag.partial_cmp(&b.lag).unwrap()).unwrap();
            assert_eq!(hot.partition, 2, "{name}");
            for row in &r {
                assert!(row.log_end_offset.is_some() && row.log_start_offset.is_some(), "{name}: {row:?}");
                if let (Some(c), Some(e), Some(l)) = (row.committed_offset, row.log_end_offset, row.lag) {
                    assert_eq!(e - c, l, "{name}: lag = log end − committed");
                }
            }
            let story: Vec<_> = r.iter().map(|r| (r.group.clone(), r.topic.clone(), r.partition, r.lag)).collect();
            stories.push((name, story, r));
        }
        assert_eq!(stories[0].1, stories[1].1);
        assert_eq!(stories[0].1, stories[2].1);
        // What each exporter adds beyond the shared facts.
        let (kle, ke, km) = (&stories[0].2, &stories[1].2, &stories[2].2);
        assert!(kle.iter().all(|r| r.cluster.as_deref() == Some("prod") && r.lag_seconds.is_some()));
        assert_eq!(kle[2].client_id.as_deref(), Some("orders-enrichment-1"));
        assert!(ke.iter().all(|r| r.cluster.is_none() && r.committed_offset.is_some() && r.lag_seconds.is_none()));
        assert!(km.iter().all(|r| r.committed_offset.is_none() && r.compacted == Some(false)));
    }
}
