//! The REST client: which requests a poll makes, in what order and how many at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::task::JoinSet;

use super::parse::*;
use super::JobFilter;
use crate::model::{
    subtask_entry, BackpressureLevel, Job, Metric, MetricValues, SourceHealth, SourceKind, SourcePoll, Subtask,
    VertexStats,
};
use crate::sources::http::{FetchError, Fetcher};
use crate::sources::json::parse_json;
use crate::sources::SourceError;

/// Longest per-subtask query we send; gateways commonly cut URLs at 4–8 kB.
const MAX_QUERY_LEN: usize = 3000;
/// Per-subtask values that need more than one request are read only when the aggregate hints
/// at skew (busy max − min ≥ SKEW_HINT): at parallelism 32, reading them always tripled the
/// requests of a 200-vertex job (1202 on the first poll instead of 602), and with them the time
/// to the first verdict.
const SKEW_HINT: f64 = 0.2;
/// Registered metric names per (job id, vertex id).
type MetricLists = Arc<Mutex<HashMap<(String, String), Vec<String>>>>;

#[derive(Clone)]
pub struct FlinkSource {
    fetcher: Fetcher,
    filter: JobFilter,
    /// Metric names each vertex registers, keyed by (job, vertex). Asked once: the list only
    /// grows when a job restarts, and then the vertex ids change too.
    metric_lists: MetricLists,
    /// Jobs selected in earlier polls: one that fails stays in view as FAILED.
    selected: Arc<Mutex<std::collections::HashSet<String>>>,
}

impl FlinkSource {
    pub fn new(fetcher: Fetcher, filter: JobFilter) -> FlinkSource {
        FlinkSource { fetcher, filter, metric_lists: Arc::default(), selected: Arc::default() }
    }

    pub fn fetcher(&self) -> &Fetcher {
        &self.fetcher
    }

    /// This source's health before a poll: ok, nothing failed yet.
    pub fn health_template(&self) -> SourceHealth {
        self.fetcher.health(SourceKind::Flink)
    }

    pub async fn poll(&self) -> SourcePoll {
        let mut health = self.health_template();
        let result = self.poll_jobs(&mut health.partial_errors).await.map(|jobs| (jobs, Vec::new()));
        crate::sources::finish_poll(&self.fetcher, health, result)
    }

    async fn get_json(&self, path: &str) -> Result<Value, FetchError> {
        let resp = self.fetcher.get(path).await?;
        parse_json(&self.fetcher.url(path), &resp)
    }

    async fn poll_jobs(&self, partial: &mut Vec<String>) -> Result<Vec<Job>, SourceError> {
        let ids = self.job_ids().await?;
        if let Ok(mut sel) = self.selected.lock() {
            sel.extend(ids.iter().cloned());
        }
        // Forget metric lists of jobs no longer looked at (bounded memory in `watch`).
        if let Ok(mut lists) = self.metric_lists.lock() {
            lists.retain(|(jid, _), _| ids.contains(jid));
        }
        let mut set = JoinSet::new();
        for (n, id) in ids.iter().enumerate() {
            let me = self.clone();
            let id = id.clone();
            set.spawn(async move { (n, me.poll_job(&id).await) });
        }
        let mut results = Vec::new();
        let mut errors = Vec::new();
        while let Some(joined) = set.join_next().await {
            match joined {
                Ok((n, Ok((job, gaps)))) => {
                    results.push((n, job));
                    partial.extend(gaps);
                }
                Ok((_, Err(e))) => errors.push(e),
                Err(e) => errors.push(SourceError::Internal(format!("polling a job: {e}"))),
            }
        }
        // A job that vanished between the overview and its details is not fatal when others
        // answered; when none did, there is nothing to diagnose.
        if results.is_empty() && !errors.is_empty() {
            return Err(errors.remove(0));
        }
        partial.extend(errors.iter().map(ToString::to_string));
        results.sort_by_key(|(n, _)| *n);
        Ok(results.into_iter().map(|(_, j)| j).collect())
    }

    async fn job_ids(&self) -> Result<Vec<String>, SourceError> {
        if let JobFilter::Named(wanted) = &self.filter {
            // A full id needs no overview, and a missing job then gets Flink's own 404.
            if wanted.len() == 32 && wanted.chars().all(|c| c.is_ascii_hexdigit()) {
                return Ok(vec![wanted.to_ascii_lowercase()]);
            }
        }
        let url = self.fetcher.url("/jobs/overview");
        let overview = self.get_json("/jobs/overview").await?;
        let jobs = parse_overview(&overview).ok_or_else(|| {
            SourceError::unexpected(url, "answer has no \"jobs\" list; is this a Flink REST endpoint?")
        })?;
        let previously = self.selected.lock().map(|s| s.clone()).unwrap_or_default();
        select_jobs(&jobs, &self.filter, &previously)
    }

    async fn poll_job(&self, jid: &str) -> Result<(Job, Vec<String>), SourceError> {
        let details = self.get_json(&format!("/jobs/{jid}")).await?;
        let mut gaps = Vec::new();
        let plan = match details.get("plan") {
            Some(p) if p.get("nodes").is_some() => p.clone(),
            _ => match self.get_json(&format!("/jobs/{jid}/plan")).await {
                Ok(v) => v.get("plan").cloned().unwrap_or(Value::Null),
                Err(e) => {
                    gaps.push(e.to_string());
                    Value::Null
                }
            },
        };
        let mut job = parse_job(&details, &plan).ok_or_else(|| {
            SourceError::unexpected(self.fetcher.url(&format!("/jobs/{jid}")), "not a Flink job description")
        })?;
        // Metrics of a job that is not running are stale or zero: reading them would only
        // produce a false verdict.
        if job.state != "RUNNING" {
            return Ok((job, gaps));
        }
        // Task metrics are named alike on every vertex of a job: one vertex's list serves the
        // others' first requests (a 200-vertex job saves 199 requests on its first poll); a
        // vertex whose answer then comes back empty asks for its own list.
        let template = match job.vertices.first() {
            Some(first) if job.vertices.len() > 1 => self.metric_list(&job.id, &first.id).await.ok(),
            _ => None,
        };
        let mut set = JoinSet::new();
        for (n, v) in job.vertices.iter().enumerate() {
            let me = self.clone();
            let (jid, vid, p) = (job.id.clone(), v.id.clone(), v.parallelism);
            let template = template.clone();
            set.spawn(async move { (n, me.vertex_metrics(&jid, &vid, p, template).await) });
        }
        let mut done = vec![false; job.vertices.len()];
        while let Some(joined) = set.join_next().await {
            let Ok((n, vm)) = joined else { continue };
            done[n] = true;
            let v = &mut job.vertices[n];
            v.stats = vm.stats;
            v.subtasks = vm.subtasks;
            v.backpressure_level = vm.level;
            v.measured_at_ms = vm.measured_at;
            // Only failed requests make the source's poll partial; notes explain gaps.
            for f in &vm.failures {
                gaps.push(format!("{}: {f}", v.name));
            }
            v.gaps = vm.failures.into_iter().chain(vm.notes).collect();
        }
        for (v, done) in job.vertices.iter_mut().zip(done) {
            if !done {
                v.gaps.push("internal error while reading this vertex's metrics".into());
                gaps.push(format!("{}: internal error while reading its metrics", v.name));
            }
        }
        Ok((job, gaps))
    }

    async fn metric_list(&self, jid: &str, vid: &str) -> Result<Vec<String>, FetchError> {
        let key = (jid.to_string(), vid.to_string());
        if let Some(list) = self.metric_lists.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(list);
        }
        let v = self.get_json(&format!("/jobs/{jid}/vertices/{vid}/subtasks/metrics")).await?;
        let list = parse_metric_list(&v);
        // Metrics register when tasks start: an early, short list is asked again next poll.
        if list.iter().any(|n| n == "busyTimeMsPerSecond") {
            if let Ok(mut m) = self.metric_lists.lock() {
                m.insert(key, list.clone());
            }
        }
        Ok(list)
    }

    /// The metrics of one vertex. `template`: another vertex's metric list, used until this
    /// vertex's own is known (see `poll_job`).
    async fn vertex_metrics(
        &self,
        jid: &str,
        vid: &str,
        parallelism: u32,
        template: Option<Vec<String>>,
    ) -> VertexMetrics {
        let key = (jid.to_string(), vid.to_string());
        let own = self.metric_lists.lock().ok().and_then(|m| m.get(&key).cloned());
        if let (None, Some(list)) = (own, template) {
            let out = self.vertex_metrics_with(jid, vid, parallelism, Ok(list.clone())).await;
            if !out.aggregate_empty && out.failures.is_empty() {
                // The borrowed names worked: they are this vertex's list too.
                if let Ok(mut m) = self.metric_lists.lock() {
                    m.insert(key, list);
                }
                return out;
            }
            // Empty or refused: a name this vertex lacks, or a cold cache or a real failure;
            // its own list tells which.
            match self.metric_list(jid, vid).await {
                Ok(own) if resolve_names(&own) == resolve_names(&list) => return out,
                own => return self.vertex_metrics_with(jid, vid, parallelism, own).await,
            }
        }
        let list = self.metric_list(jid, vid).await;
        self.vertex_metrics_with(jid, vid, parallelism, list).await
    }

    async fn vertex_metrics_with(
        &self,
        jid: &str,
        vid: &str,
        parallelism: u32,
        list: Result<Vec<String>, FetchError>,
    ) -> VertexMetrics {
        let mut out = VertexMetrics::default();
        let base = format!("/jobs/{jid}/vertices/{vid}");
        let names = match list {
            Ok(list) => resolve_names(&list),
            Err(e) => {
                out.failures.push(e.to_string());
                Vec::new()
            }
        };
        let missing: Vec<&str> =
            WANTED.iter().filter(|(m, ..)| !names.iter().any(|(n, ..)| n == m)).map(|(m, ..)| m.label()).collect();
        if !names.is_empty() && !missing.is_empty() {
            out.notes.push(format!("not reported by this Flink: {}", missing.join(", ")));
        }
        let bp_path = format!("{base}/backpressure");
        // Per-subtask values go out with the others when one request holds them; otherwise
        // only when the aggregate suggests skew.
        let eager = parallelism > 1 && chunk_ids(&subtask_ids(&names, parallelism), MAX_QUERY_LEN).len() == 1;
        let (agg, bp, eager_subtasks) = tokio::join!(self.aggregates(&base, &names), self.get_json(&bp_path), async {
            if eager {
                self.per_subtask(&base, &names, parallelism).await
            } else {
                Ok(Vec::new())
            }
        },);
        let agg = match agg {
            Ok(Some(stats)) => Some(stats),
            Ok(None) => {
                out.notes.push("no metric values yet (the JobManager's metric cache is cold)".into());
                out.aggregate_empty = true;
                None
            }
            Err(e) => {
                out.failures.push(e.to_string());
                None
            }
        };
        let spread = agg.as_ref().and_then(|s| {
            let b = s.get(Metric::Busy);
            Some(b.max? - b.min?)
        });
        let per_subtask = if eager {
            eager_subtasks
        } else if parallelism > 1 && spread.is_none_or(|d| d >= SKEW_HINT) {
            self.per_subtask(&base, &names, parallelism).await
        } else {
            Ok(Vec::new())
        };
        out.subtasks = match per_subtask {
            Ok(subtasks) => subtasks,
            Err(e) => {
                out.failures.push(e.to_string());
                Vec::new()
            }
        };
        out.stats = match agg {
            Some(stats) => stats,
            // The aggregate was empty or failed, the subtasks answered: compute it ourselves.
            None => VertexStats::from_subtasks(&out.subtasks),
        };
        if parallelism == 1 && out.subtasks.is_empty() {
            // With one subtask the aggregate is that subtask.
            let mut m = MetricValues::default();
            for metric in Metric::ALL {
                m.set(metric, out.stats.get(metric).avg);
            }
            if !m.is_empty() {
                out.subtasks.push(Subtask { index: 0, metrics: m, backpressure_level: None });
            }
        }
        match bp {
            Ok(v) => {
                if let Some(bp) = parse_backpressure(&v) {
                    out.measured_at = bp.end_timestamp;
                    merge_backpressure(&mut out, bp);
                }
            }
            Err(e) => out.failures.push(e.to_string()),
        }
        out
    }

    async fn aggregates(
        &self,
        base: &str,
        names: &[(Metric, &'static str, f64)],
    ) -> Result<Option<VertexStats>, FetchError> {
        if names.is_empty() {
            return Ok(None);
        }
        let get: Vec<&str> = names.iter().map(|(_, n, _)| *n).collect();
        let path = format!("{base}/subtasks/metrics?get={}&agg=min,max,avg,sum", get.join(","));
        let v = self.get_json(&path).await?;
        Ok(parse_aggregates(&v, names))
    }

    async fn per_subtask(
        &self,
        base: &str,
        names: &[(Metric, &'static str, f64)],
        parallelism: u32,
    ) -> Result<Vec<Subtask>, FetchError> {
        if parallelism <= 1 || names.is_empty() {
            return Ok(Vec::new());
        }
        let ids = subtask_ids(names, parallelism);
        let mut values: HashMap<u32, MetricValues> = HashMap::new();
        let mut set = JoinSet::new();
        for chunk in chunk_ids(&ids, MAX_QUERY_LEN) {
            let me = self.clone();
            let path = format!("{base}/metrics?get={chunk}");
            set.spawn(async move { me.get_json(&path).await });
        }
        while let Some(joined) = set.join_next().await {
            let v = joined.map_err(|e| FetchError {
                url: self.fetcher.url(base),
                what: format!("internal error: {e}"),
                status: None,
            })??;
            parse_subtask_values(&v, names, &mut values);
        }
        let mut subtasks: Vec<Subtask> =
            values.into_iter().map(|(index, metrics)| Subtask { index, metrics, backpressure_level: None }).collect();
        subtasks.sort_by_key(|s| s.index);
        Ok(subtasks)
    }
}

#[derive(Default)]
struct VertexMetrics {
    stats: VertexStats,
    subtasks: Vec<Subtask>,
    level: Option<BackpressureLevel>,
    measured_at: Option<i64>,
    /// Requests that failed.
    failures: Vec<String>,
    /// Why values are missing although every request went through.
    notes: Vec<String>,
    /// The aggregated answer came back without values (a cold cache, or a name it lacks).
    aggregate_empty: bool,
}

/// Splits `0.a,0.b,…` into comma lists no longer than `max` characters.
/// `i.name` for every subtask and every metric that skew and the subtask table need (rates
/// come from the aggregate).
fn subtask_ids(names: &[(Metric, &'static str, f64)], parallelism: u32) -> Vec<String> {
    (0..parallelism)
        .flat_map(|i| {
            names
                .iter()
                .filter(|(m, ..)| {
                    matches!(
                        m,
                        Metric::Busy
                            | Metric::Backpressured
                            | Metric::Idle
                            | Metric::InPool
                            | Metric::OutPool
                            | Metric::RecordsIn
                            | Metric::RecordsOut
                    )
                })
                .map(move |(_, n, _)| format!("{i}.{n}"))
        })
        .collect()
}

pub(super) fn chunk_ids(ids: &[String], max: usize) -> Vec<String> {
    let mut chunks = Vec::new();
    let mut cur = String::new();
    for id in ids {
        if !cur.is_empty() && cur.len() + 1 + id.len() > max {
            chunks.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(',');
        }
        cur.push_str(id);
    }
    if !cur.is_empty() {
        chunks.push(cur);
    }
    chunks
}

/// Adds the backpressure endpoint's view: levels always, and its ratios where the metric
/// queries left busy / backpressured / idle unknown (cold cache, failed request).
fn merge_backpressure(out: &mut VertexMetrics, bp: Backpressure) {
    out.level = bp.level;
    let mut filled = false;
    for sb in &bp.subtasks {
        let st = subtask_entry(&mut out.subtasks, sb.index);
        st.backpressure_level = sb.level;
        for (metric, value) in [(Metric::Backpressured, sb.ratio), (Metric::Busy, sb.busy), (Metric::Idle, sb.idle)] {
            if st.metrics.get(metric).is_none() && value.is_some() {
                st.metrics.set(metric, value);
                filled = true;
            }
        }
    }
    out.subtasks.sort_by_key(|s| s.index);
    if filled {
        out.stats.fill_missing_from(&out.subtasks, &[Metric::Busy, Metric::Backpressured, Metric::Idle]);
        out.notes.push("busy/backpressured/idle taken from the /backpressure answer".into());
    }
}
