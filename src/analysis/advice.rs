//! What to change: the bottleneck's true processing rate (records in ÷ busy ratio, the DS2 /
//! Flink autoscaler idea), the one parallelism that absorbs the demand at the target
//! utilization, what it buys (today's backlog drained, the data loss averted), the vertices that
//! would be the next limit, the setting that applies it, and hints chosen by the pattern of the
//! evidence.

use super::classify::{BottleneckVerdict, Graph};
use super::demand::{connected, Scale, SourceRates};
use super::window::VertexView;
use super::Thresholds;
use crate::diagnosis::{Advice, ApplyChange, BottleneckKind, Demand, DemandBasis, Drain, Hint, Raise};
use crate::units::{duration_s, pct, rate};

/// Below this busy ratio a rate ÷ busy estimate is mostly noise (1–2 ms per second).
const MIN_MEASURABLE_BUSY: f64 = 0.05;
/// A held-back source's rate ÷ busy is a ceiling worth printing only from this busy share on:
/// below it a millisecond of jitter moves the figure by more than a tenth.
const CREDIBLE_SOURCE_BUSY: f64 = 0.10;
/// Busy with fewer records than this per second: stalled, not slow.
const STALLED_RATE: f64 = 1.0;

fn hint(kind: &str, text: String) -> Hint {
    Hint { kind: kind.into(), text }
}

/// Every source upstream of `i` (ancestors without inputs).
fn upstream_sources(i: usize, graph: &Graph) -> Vec<usize> {
    let mut seen = vec![false; graph.inputs.len()];
    let mut stack = vec![i];
    let mut out = Vec::new();
    while let Some(n) = stack.pop() {
        if std::mem::replace(&mut seen[n], true) {
            continue;
        }
        if graph.inputs[n].is_empty() && n != i {
            out.push(n);
        }
        stack.extend(graph.inputs[n].iter().copied());
    }
    out.sort_unstable();
    out
}

/// Key skew needs a keyed (HASH) input; on other edges uneven load means uneven partitions.
fn keyed(v: &VertexView) -> bool {
    v.vertex.inputs.iter().any(|i| i.ship_strategy.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("HASH")))
}

/// What the advice is computed from, besides the bottleneck.
pub struct Context<'a, 'v> {
    pub views: &'a [VertexView<'v>],
    pub graph: &'a Graph,
    pub t: &'a Thresholds,
    /// Per vertex: how much more it would receive once nothing holds it back.
    pub scales: &'a [Scale],
    /// Per vertex: the lag source's rates of a source vertex.
    pub sources: &'a [Option<SourceRates>],
    /// Per vertex: a consumer group is tied to it (its rates may not be measured yet).
    pub tied: &'a [bool],
    pub job_id: &'a str,
}

/// The busy ratio a capacity is read from (mean over subtasks), when large enough to mean it.
fn measurable_busy(v: &VertexView) -> Option<f64> {
    v.busy_avg.or(v.busy).filter(|b| *b >= MIN_MEASURABLE_BUSY)
}

/// What a vertex receives (a source: emits).
fn load(v: &VertexView) -> Option<f64> {
    if v.vertex.inputs.is_empty() {
        v.records_out
    } else {
        v.records_in
    }
}

/// The advice, the one target parallelism, and (without a measured demand) the parallelism past
/// which the sources would be the limit.
pub fn advise(b: &BottleneckVerdict, skewed: &[u32], ctx: &Context) -> (Advice, Option<u32>, Option<u32>) {
    let (views, t) = (ctx.views, ctx.t);
    let v = &views[b.vertex];
    let p = v.vertex.parallelism.max(1);
    let input = if b.kind == BottleneckKind::Source { v.records_out } else { v.records_in };
    let busy = measurable_busy(v);
    let stalled = input.is_some_and(|r| r < STALLED_RATE) && v.busy.is_some_and(|b| b >= t.busy_bottleneck);
    let true_rate = if stalled {
        None
    } else if skewed.is_empty() {
        match (input, busy) {
            (Some(r), Some(b)) => Some(r / f64::from(p) / b),
            _ => None,
        }
    } else {
        // Under skew the average subtask says nothing: what the hot subtask manages is the limit.
        v.subtasks
            .iter()
            .filter(|s| skewed.contains(&s.index))
            .filter_map(|s| Some(s.records_in? / s.busy.filter(|b| *b >= MIN_MEASURABLE_BUSY)?))
            .reduce(f64::min)
    };
    let sources = upstream_sources(b.vertex, ctx.graph);
    let held_back = sources.iter().any(|&s| views[s].backpressured.is_some_and(|bp| bp >= t.bp_low));
    // The sources whose lag the demand rests on: those upstream, or itself when it is one.
    let feeding = if sources.is_empty() { vec![b.vertex] } else { sources.clone() };
    let demand = demand_at(b, input, held_back, &feeding, ctx);
    let mut advice = Advice {
        true_rate_per_subtask: true_rate,
        observed_input_rate: input,
        estimated_demand_rate: demand.rate.filter(|_| demand.basis != DemandBasis::Observed),
        demand,
        current_parallelism: p,
        parallelism_basis: String::new(),
        drain: None,
        also_raise: Vec::new(),
        apply: None,
        hints: hints(b, v, views, skewed, stalled),
    };
    if stalled {
        advice.parallelism_basis = format!(
            "none: busy {} while taking {} rec/s: stalled (blocked on an external call, a lock or endless retries), not slow",
            pct(v.busy),
            rate(input)
        );
        return (advice, None, None);
    }
    if !skewed.is_empty() {
        advice.parallelism_basis = if keyed(v) {
            "none: more parallelism does not help key skew, the hot keys stay on one subtask".into()
        } else {
            "none: the load is uneven across subtasks; more parallelism leaves the hot one hot".into()
        };
        return (advice, None, None);
    }
    if b.kind == BottleneckKind::Unresolved {
        advice.parallelism_basis = "none: the cause is not confirmed".into();
        return (advice, None, None);
    }
    let (Some(demand), Some(true_rate)) = (advice.demand.rate, true_rate) else {
        advice.parallelism_basis = "none: records-per-second or busy time is not measured".into();
        return (advice, None, None);
    };
    let target = t.target_utilization;
    let measured = advice.demand.basis != DemandBasis::Observed;
    let partitions = partitions_of(b.vertex, &sources, ctx);
    let (suggested, limits) = parallelism_for(v, demand / (true_rate * target), partitions);
    let mut basis = format!(
        "absorbs {} {} rec/s at {} utilization ({} rec/s per subtask)",
        if measured { "the demand of" } else { "the observed" },
        rate(Some(demand)),
        pct(Some(target)),
        rate(Some(true_rate))
    );
    if suggested <= p && limits.is_empty() {
        let share = pct(Some(demand / (true_rate * f64::from(p))));
        let most = rate(Some(true_rate * f64::from(p)));
        if advice.demand.lower_bound {
            // What it can see fits, but that is not the demand: no figure to act on.
            advice.parallelism_basis = format!(
                "none: the {} rec/s it can see are {share} of what it takes at parallelism {p} ({most} rec/s), but the real demand is higher and not measured",
                rate(Some(demand))
            );
            return (advice, None, None);
        }
        // The demand fits: what holds the job back is a backlog it drains at full speed.
        advice.parallelism_basis = format!(
            "none needed: the demand of {} rec/s is {share} of what it takes at parallelism {p} ({most} rec/s)",
            rate(Some(demand))
        );
        advice.drain = drain(b.vertex, &[(b.vertex, p)], &feeding, ctx);
        return (advice, None, None);
    }
    for l in &limits {
        basis.push_str(&format!("; {l}"));
    }
    if advice.demand.lower_bound {
        basis.push_str(if measured {
            "; a lower bound: the demand of some sources upstream is not measured"
        } else {
            "; a lower bound: the real demand is higher than what reaches it now"
        });
    }
    let mut ceiling = None;
    if !measured && held_back {
        ceiling = source_ceiling(&sources, input, ctx).map(|d| {
            let n = parallelism_for(v, d / (true_rate * target), partitions).0;
            basis.push_str(&format!(
                "; more than {n} would wait on the sources: at their parallelism they can deliver at most {} rec/s here (their rate ÷ busy)",
                rate(Some(d))
            ));
            n
        });
        if ceiling.is_none() {
            basis.push_str(" (the sources' own limit cannot be measured: they are almost never busy)");
        }
    }
    advice.parallelism_basis = basis;
    let mut targets = vec![(b.vertex, suggested)];
    if measured {
        advice.also_raise = cascade(b.vertex, &sources, ctx);
        targets.extend(
            advice
                .also_raise
                .iter()
                .filter_map(|r| views.iter().position(|w| w.vertex.id == r.vertex_id).map(|i| (i, r.parallelism))),
        );
        advice.drain = drain(b.vertex, &targets, &feeding, ctx);
    }
    advice.apply = Some(apply(&targets, ctx));
    (advice, Some(suggested), ceiling)
}

/// `needed` subtasks, rounded up, capped by the max parallelism and (for a source) by the
/// partitions it reads; with the caps that applied, in words.
fn parallelism_for(v: &VertexView, needed: f64, partitions: Option<usize>) -> (u32, Vec<String>) {
    let mut n = needed.ceil().clamp(1.0, f64::from(u32::MAX)) as u32;
    let mut limits = Vec::new();
    if let Some(m) = v.vertex.max_parallelism.filter(|m| n > *m) {
        limits.push(format!(
            "capped at the max parallelism {m}: it takes {} of the demand",
            pct(Some(f64::from(m) / needed))
        ));
        n = m;
    }
    if let Some(parts) = partitions.filter(|&k| (n as usize) > k) {
        limits.push(format!(
            "capped at the {parts} partitions it reads (more subtasks would have none): it takes {} of the demand; add partitions or make each record cheaper",
            pct(Some(parts as f64 / needed))
        ));
        n = parts as u32;
    }
    (n, limits)
}

/// For a source vertex: the partitions of the groups its lag source ties to it.
fn partitions_of(i: usize, upstream: &[usize], ctx: &Context) -> Option<usize> {
    (upstream.is_empty()).then(|| ctx.sources[i].as_ref().map(|s| s.partitions)).flatten()
}

/// The demand at the bottleneck: the producers' rate carried down when measured, else what it
/// receives now.
/// `feeding`: the sources the bottleneck reads through (itself when it is one).
fn demand_at(b: &BottleneckVerdict, input: Option<f64>, held_back: bool, feeding: &[usize], ctx: &Context) -> Demand {
    let scale = &ctx.scales[b.vertex];
    match (input, scale.ratio) {
        (Some(r), Some(ratio)) => {
            let basis = if scale.complete { DemandBasis::Production } else { DemandBasis::PartlyProduction };
            let rates: Vec<&SourceRates> = feeding.iter().filter_map(|&s| ctx.sources[s].as_ref()).collect();
            let (production, consumption): (f64, f64) =
                rates.iter().fold((0.0, 0.0), |(p, c), s| (p + s.production, c + s.consumption));
            let from = rates.first().map_or("", |s| s.consumption_from);
            let mut text = format!(
                "{} rec/s: the producers write {} rec/s to group {} and it reads {} rec/s (from {from}), {:.2}× what reaches {} now ({} rec/s), carried down by each vertex's out/in ratio",
                rate(Some(r * ratio)),
                rate(Some(production)),
                scale.groups.join(", "),
                rate(Some(consumption)),
                ratio,
                ctx.views[b.vertex].vertex.name,
                rate(Some(r))
            );
            if !scale.complete {
                text.push_str("; a lower bound: not every source upstream has a lag source tied to it");
            }
            Demand { rate: Some(r * ratio), basis, lower_bound: !scale.complete, groups: scale.groups.clone(), text }
        }
        (Some(r), None) => {
            let lower = held_back || b.kind == BottleneckKind::Source;
            let text = if lower {
                let now = if b.kind == BottleneckKind::Source {
                    "what it reads now, at full capacity"
                } else {
                    "what reaches it now, held back"
                };
                let how = if feeding.iter().any(|&s| ctx.tied[s]) {
                    // Same wait as the lag trend's: exporters refresh about every 30 s.
                    let o = &ctx.t.forecast;
                    format!(
                        "the lag source tied to it has not measured the producers' rate yet: that needs {} distinct measurements over at least {}, and exporters refresh about every 30 s (poll ~{}, e.g. --samples {})",
                        o.min_samples,
                        duration_s(o.min_span_s),
                        duration_s(o.min_samples as f64 * 30.0),
                        o.min_samples * 15
                    )
                } else {
                    "a lag source tied to the job's sources (--scrape of a lag exporter, --burrow, --lag-group JOB=GROUP) measures the real demand".to_string()
                };
                format!("at least {} rec/s: {now}; {how}", rate(Some(r)))
            } else {
                format!("{} rec/s: what reaches it now; nothing upstream is held back", rate(Some(r)))
            };
            Demand { rate: Some(r), basis: DemandBasis::Observed, lower_bound: lower, groups: Vec::new(), text }
        }
        (None, _) => Demand {
            rate: None,
            basis: DemandBasis::Observed,
            lower_bound: true,
            groups: Vec::new(),
            text: "unknown: its records per second are not measured".into(),
        },
    }
}

/// Without a lag source: what the held-back sources could read at full speed (their rate ÷ busy,
/// DS2), scaled to the bottleneck, when every one is busy enough for that to be credible. It is
/// no demand (a caught-up source reads what is produced), only the most it could be given.
fn source_ceiling(sources: &[usize], input: Option<f64>, ctx: &Context) -> Option<f64> {
    let input = input?;
    let (mut observed, mut capacity) = (0.0, 0.0);
    for &s in sources {
        let v = &ctx.views[s];
        let busy = v.busy_avg.or(v.busy).filter(|b| *b >= CREDIBLE_SOURCE_BUSY)?;
        let r = v.records_out?;
        observed += r;
        capacity += r / busy;
    }
    (observed > 0.0).then(|| input * capacity / observed)
}

/// The vertices around the bottleneck that could not carry the demand once it does: each with
/// the parallelism that puts it at the target utilization.
fn cascade(bottleneck: usize, upstream: &[usize], ctx: &Context) -> Vec<Raise> {
    let mut out = Vec::new();
    for w in connected(bottleneck, ctx.graph) {
        let v = &ctx.views[w];
        let (Some(ratio), Some(busy), Some(now)) = (ctx.scales[w].ratio, measurable_busy(v), load(v)) else {
            continue;
        };
        // Its share of the time busy at the demand, at today's parallelism.
        if busy * ratio <= 1.0 {
            continue;
        }
        let p = v.vertex.parallelism.max(1);
        let parts = upstream.contains(&w).then(|| ctx.sources[w].as_ref().map(|s| s.partitions)).flatten();
        let (n, limits) = parallelism_for(v, f64::from(p) * busy * ratio / ctx.t.target_utilization, parts);
        let capacity = now / busy;
        let mut text = format!(
            "then {} becomes the limit at {} rec/s (it would have to take {}): raise it to {n} too",
            v.vertex.name,
            rate(Some(capacity)),
            rate(Some(now * ratio))
        );
        for l in limits {
            text.push_str(&format!("; {l}"));
        }
        out.push(Raise {
            vertex_id: v.vertex.id.clone(),
            name: v.vertex.name.clone(),
            current_parallelism: p,
            parallelism: n,
            demand_rate: Some(now * ratio),
            capacity_rate: Some(capacity),
            text,
        });
    }
    out
}

/// What the targets buy the groups the bottleneck's sources read (`feeding`): how fast they
/// would gain on the producers (the slowest vertex the flow passes decides) and when today's
/// backlog is read.
fn drain(bottleneck: usize, targets: &[(usize, u32)], feeding: &[usize], ctx: &Context) -> Option<Drain> {
    let rates: Vec<&SourceRates> = feeding.iter().filter_map(|&s| ctx.sources[s].as_ref()).collect();
    if rates.len() != feeding.len() {
        return None;
    }
    let production: f64 = rates.iter().map(|s| s.production).sum();
    let consumption: f64 = rates.iter().map(|s| s.consumption).sum();
    let backlog: Option<f64> = rates.iter().map(|s| s.backlog).sum();
    let data_loss_in_s = rates.iter().filter_map(|s| s.data_loss_in_s).reduce(f64::min);
    // How many times today's flow each vertex could carry at its (new) parallelism.
    let mut headroom: Option<(f64, usize)> = None;
    let mut assumed = Vec::new();
    for w in std::iter::once(bottleneck).chain(connected(bottleneck, ctx.graph)) {
        let v = &ctx.views[w];
        let (Some(busy), Some(ratio)) = (v.busy_avg.or(v.busy), ctx.scales[w].ratio) else { continue };
        if busy < MIN_MEASURABLE_BUSY {
            // Too rarely busy to read its limit: it counts as keeping up, and the text says so
            // when the demand could reach what the smallest readable busy share allows.
            if ratio * MIN_MEASURABLE_BUSY > 1.0 {
                assumed.push(v.vertex.name.as_str());
            }
            continue;
        }
        let p = v.vertex.parallelism.max(1);
        let n = targets.iter().find(|(i, _)| *i == w).map_or(p, |t| t.1);
        let h = f64::from(n) / (f64::from(p) * busy);
        if headroom.is_none_or(|(best, _)| h < best) {
            headroom = Some((h, w));
        }
    }
    let (headroom, slowest) = headroom?;
    let catch_up = consumption * headroom - production;
    let gaining = catch_up > 0.0;
    let seconds = backlog.filter(|_| gaining).map(|b| b / catch_up);
    let averts = data_loss_in_s.map(|_| gaining);
    let mut text = if gaining {
        format!("the consumers would gain {} rec/s on the producers", rate(Some(catch_up)))
    } else {
        format!(
            "still {} rec/s short of the producers: {} stays the limit",
            rate(Some(-catch_up)),
            ctx.views[slowest].vertex.name
        )
    };
    if let (Some(b), Some(s)) = (backlog, seconds) {
        text.push_str(&format!(": today's backlog of {} records drains in ~{}", rate(Some(b)), duration_s(s)));
    }
    if !assumed.is_empty() {
        text.push_str(&format!(
            "; assuming {} keep{} up (too rarely busy to measure what {} can take)",
            assumed.join(", "),
            if assumed.len() == 1 { "s" } else { "" },
            if assumed.len() == 1 { "it" } else { "they" }
        ));
    }
    if let (Some(l), Some(a)) = (data_loss_in_s, averts) {
        text.push_str(&if a {
            format!("; the data loss forecast in ~{} goes away once it runs", duration_s(l))
        } else {
            format!("; the data loss forecast in ~{} stays", duration_s(l))
        });
    }
    Some(Drain { backlog, catch_up_per_s: Some(catch_up), seconds, data_loss_in_s, averts_data_loss: averts, text })
}

/// The setting that applies `targets`, and the REST call that does it without a resubmission.
fn apply(targets: &[(usize, u32)], ctx: &Context) -> ApplyChange {
    let value: Vec<String> = targets.iter().map(|(i, n)| format!("{}:{n}", ctx.views[*i].vertex.id)).collect();
    let body: Vec<String> = targets
        .iter()
        .map(|(i, n)| {
            format!("\"{}\":{{\"parallelism\":{{\"lowerBound\":1,\"upperBound\":{n}}}}}", ctx.views[*i].vertex.id)
        })
        .collect();
    ApplyChange {
        setting: "pipeline.jobvertex-parallelism-overrides".into(),
        value: value.join(","),
        rest_path: format!("/jobs/{}/resource-requirements", ctx.job_id),
        rest_body: format!("{{{}}}", body.join(",")),
        caveat: "Flink 1.17+ (FLINK-29501): applied when the job is submitted, so stop it with a savepoint and resubmit from it with this setting (Kubernetes operator: spec.flinkConfiguration); keys are job vertex ids, which change when the job graph changes. With the adaptive scheduler (Flink 1.18+) a PUT of the body to the REST path rescales the running job instead (FLINK-38770 reports the setting ignored at submission on Flink 2.2 in application mode with the adaptive scheduler: use the REST call there); before 1.17, setParallelism() in the job".into(),
    }
}

fn hints(b: &BottleneckVerdict, v: &VertexView, views: &[VertexView], skewed: &[u32], stalled: bool) -> Vec<Hint> {
    let mut out = Vec::new();
    let name = &v.vertex.name;
    if stalled {
        out.push(hint(
            "stalled",
            "busy but moving almost no records: take a thread dump of its TaskManager (or the Flink UI's flame graph) to see what it waits on".into(),
        ));
    }
    if !skewed.is_empty() {
        let list: Vec<String> = skewed.iter().map(|i| format!("#{i}")).collect();
        out.push(if keyed(v) {
            hint(
                "skew",
                format!(
                    "key skew: subtask {} does most of the work; rescaling will not help. Spread the hot keys (salting, local pre-aggregation) or check the key selector",
                    list.join(", ")
                ),
            )
        } else {
            hint(
                "skew",
                format!(
                    "uneven load: subtask {} does most of the work without a keyed input; check how partitions or splits are spread over the subtasks, or rebalance()",
                    list.join(", ")
                ),
            )
        });
    }
    match b.kind {
        // Under skew or a stall the generic advice (more parallelism) would be wrong.
        _ if !skewed.is_empty() || stalled => {}
        BottleneckKind::Sink => out.push(hint(
            "sink",
            "the sink writes slower than records arrive: check the external system's latency and errors, batch / flush settings, and whether writes can be asynchronous or more parallel".into(),
        )),
        BottleneckKind::Operator => out.push(hint(
            "operator",
            "the operator's own work is the limit: profile its per-record cost (flame graph), move external calls to async I/O, check state access (RocksDB), then raise its parallelism".into(),
        )),
        BottleneckKind::Source => out.push(hint(
            "source",
            "the source is at full capacity and nothing downstream pushes back: raise its parallelism (up to the number of partitions or splits) or make deserialization cheaper; watch consumer lag".into(),
        )),
        BottleneckKind::Chain => {}
        BottleneckKind::Unresolved => {
            let full = b.victims.iter().any(|&i| views[i].out_pool.is_some_and(|p| p >= 0.9));
            if full {
                out.push(hint(
                    "network",
                    "output buffers upstream are full but nothing below is busy: look at the network between TaskManagers (taskmanager.network.memory.*), checkpoint barrier alignment, or a two-input operator blocking one input".into(),
                ));
            }
            out.push(hint(
                "unresolved",
                "the evidence disagrees: poll longer (--samples), and check checkpoint alignment, the TaskManagers' GC and CPU".into(),
            ));
        }
    }
    if v.vertex.operators.len() > 1 {
        out.push(hint(
            "chain",
            format!(
                "{name} runs {} chained operators; to see which one is slow, disable chaining for the suspect (disableChaining() or pipeline.operator-chaining.enabled: false) and diagnose again",
                v.vertex.operators.len()
            ),
        ));
    }
    if name.contains("Python") {
        out.push(hint(
            "python",
            "a Python UDF runs in a separate Python process, so per-row cost dominates: use vectorized (Pandas) UDFs, tune python.fn-execution.bundle.size, or raise its parallelism".into(),
        ));
    }
    out
}

/// Where a stall that comes and goes usually comes from, for an intermittent bottleneck of
/// `kind`: what to compare its period and length with.
pub fn stall_hints(kind: BottleneckKind) -> Vec<Hint> {
    let hint = |text: &str| Hint { kind: "intermittent".into(), text: text.into() };
    let mut hints = Vec::new();
    if kind == BottleneckKind::Sink {
        hints.push(hint("a periodic flush or commit of the sink: its batch size and flush interval, or transactions committed on each checkpoint"));
    }
    hints.push(hint("checkpoints: compare the stall's period with the checkpoint interval (barrier alignment blocks the inputs; see the checkpoint history)"));
    hints.push(hint("garbage-collection pauses on its TaskManagers: long pauses stop every task of the JVM at once (see the JVM metrics)"));
    hints.push(hint(
        "a slow, batched or rate-limited external call (a lookup, async I/O at its capacity, a throttled API)",
    ));
    hints
}
