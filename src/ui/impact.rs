//! What a job's trouble does, in the terms that page people: data loss first, then the lag and
//! how it moves, then what the job reads. The jobs overview sorts by it and the impact strip
//! under each job's title prints it.

use crate::diagnosis::{Class, Diagnosis, JobDiagnosis, LagGroup, LagTrend};
use crate::units::{duration_s, pct, rate};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Impact {
    /// Records behind, over the consumer groups tied to the job; None without a lag source.
    pub lag: Option<f64>,
    /// Records per second the lag changes by (positive: growing).
    pub growth_per_s: Option<f64>,
    /// The worst trend of those groups.
    pub trend: Option<LagTrend>,
    /// Seconds until retention deletes unread data, the soonest group's.
    pub loss_s: Option<f64>,
    /// Records per second the job's sources emit; None when no source reports it.
    pub throughput: Option<f64>,
    pub max_busy: Option<f64>,
    pub groups: usize,
}

/// The consumer groups read by `job`.
pub fn groups_of<'a>(job: &JobDiagnosis, d: &'a Diagnosis) -> Vec<&'a LagGroup> {
    d.lag_groups.iter().filter(|g| g.job_id.as_deref() == Some(job.id.as_str())).collect()
}

impl Impact {
    pub fn of(job: &JobDiagnosis, d: &Diagnosis) -> Impact {
        let groups = groups_of(job, d);
        let sum = |f: fn(&LagGroup) -> Option<f64>| {
            let v: Vec<f64> = groups.iter().filter_map(|g| f(g)).collect();
            (!v.is_empty()).then(|| v.iter().sum())
        };
        let sources: Vec<f64> = job
            .vertices
            .iter()
            .filter(|v| v.inputs.is_empty() && v.class != Class::Unknown)
            .filter_map(|v| v.records_out_per_s)
            .collect();
        Impact {
            lag: sum(|g| g.total_lag),
            growth_per_s: sum(|g| g.growth_per_s),
            trend: groups.iter().map(|g| g.trend).max_by_key(|t| t.rank()),
            loss_s: groups.iter().filter_map(|g| g.time_to_data_loss_s).reduce(f64::min),
            throughput: (!sources.is_empty()).then(|| sources.iter().sum()),
            max_busy: job.vertices.iter().filter_map(|v| v.busy).reduce(f64::max),
            groups: groups.len(),
        }
    }

    /// The strip's parts, most urgent first: "DATA LOSS in ~25 min", "lag 6.0M records,
    /// growing 780/s", "reads 1.2k rec/s", "busiest 100%".
    pub fn parts(&self) -> Vec<(String, Urgency)> {
        let mut out = Vec::new();
        if let Some(s) = self.loss_s {
            let text = if s <= 0.0 {
                "DATA LOSS: retention is deleting unread data".to_string()
            } else {
                format!("DATA LOSS in ~{}", duration_s(s))
            };
            out.push((text, Urgency::Bad));
        }
        match (self.lag, self.trend) {
            (Some(lag), trend) => {
                let moving = match (trend, self.growth_per_s) {
                    (Some(LagTrend::Growing), Some(g)) => format!(", growing {}/s", rate(Some(g))),
                    (Some(LagTrend::Ok), Some(g)) if g < 0.0 => format!(", draining {}/s", rate(Some(-g))),
                    (Some(t), _) if t != LagTrend::Ok => format!(", {}", t.label()),
                    _ => String::new(),
                };
                let urgency = match trend {
                    Some(LagTrend::Ok) | None => Urgency::Plain,
                    Some(LagTrend::Unknown) => Urgency::Plain,
                    _ => Urgency::Warn,
                };
                out.push((format!("lag {} records{moving}", rate(Some(lag))), urgency));
            }
            (None, _) if self.groups > 0 => out.push(("lag unknown".into(), Urgency::Plain)),
            (None, _) => {}
        }
        match self.throughput {
            Some(t) => out.push((format!("reads {} rec/s", rate(Some(t))), Urgency::Plain)),
            None => out.push(("reads ? rec/s".into(), Urgency::Plain)),
        }
        if self.max_busy.is_some() {
            out.push((format!("busiest {}", pct(self.max_busy)), Urgency::Plain));
        }
        out
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Urgency {
    Plain,
    Warn,
    Bad,
}
