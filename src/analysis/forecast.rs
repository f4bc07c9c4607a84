//! How long until buffers or busy time saturate: a least-squares line over the recent history
//! of each vertex, with gates that refuse to give a number the data cannot carry.

use super::regression::{fit, Fit};
use crate::diagnosis::{Forecast, ForecastStatus};
use crate::history::{History, SeriesKey};
use crate::model::{Job, Metric};
use crate::units::{duration_s, pct};

/// The gates and the target of the forecasts.
#[derive(Clone, Debug, PartialEq)]
pub struct ForecastOptions {
    /// Fewer points than this: no ETA.
    pub min_samples: usize,
    /// A window shorter than this: no ETA (seconds).
    pub min_span_s: f64,
    /// A worse fit than this: no ETA.
    pub min_r2: f64,
    /// The slope must be this many standard errors above zero.
    pub min_t: f64,
    /// The value counted as saturated (ratios).
    pub threshold: f64,
    /// Only points this recent are fitted (seconds).
    pub window_s: f64,
    /// An ETA within this raises the severity to warning (seconds), when its whole 95 % range
    /// is within it.
    pub horizon_s: f64,
    /// No ETA further ahead than this many times the span the samples cover: a line is a
    /// local description, and past a few spans of its data it says nothing.
    pub max_projection: f64,
}

impl Default for ForecastOptions {
    fn default() -> Self {
        ForecastOptions {
            min_samples: 6,
            min_span_s: 30.0,
            min_r2: 0.6,
            min_t: 3.0,
            threshold: 1.0,
            window_s: 600.0,
            horizon_s: 1800.0,
            max_projection: 3.0,
        }
    }
}

/// The window Flink averages busy, backpressured and idle time over (`TimerGauge`, since Flink
/// 1.17, FLINK-30090: 60 s in 5 s buckets; 5 s before). The version is not known here: the
/// longer window is assumed, which can only widen a range.
const GAUGE_WINDOW_S: f64 = 60.0;

/// How many independent values `pts` hold when each is an average over the last `window_s`:
/// n measurements Δ apart (Δ the median gap) with Δ < W overlap like a moving average, whose
/// noise adds up over W/Δ of them, so they are worth n·Δ/W; Δ ≥ W: all n.
fn independent_windows(pts: &[(i64, f64)], window_s: f64) -> f64 {
    let n = pts.len() as f64;
    let mut gaps: Vec<f64> = pts.windows(2).map(|w| (w[1].0 - w[0].0) as f64 / 1000.0).collect();
    if gaps.is_empty() {
        return n;
    }
    gaps.sort_by(f64::total_cmp);
    (n * gaps[gaps.len() / 2] / window_s).min(n)
}

/// A series silent for longer than this gets no forecast (seconds).
const STALE_AFTER_S: f64 = 120.0;

/// Counted as at the threshold: Flink reports pools like 0.998 for full.
const AT_THRESHOLD: f64 = 0.005;
/// Pool usage at or below / at or above these is "empty" / "full" for the bimodality test.
const NEAR_EMPTY: f64 = 0.1;
const NEAR_FULL: f64 = 0.9;
/// A series whose values stay within this range is flat: no line is fitted to rounding noise.
const FLAT_RANGE: f64 = 0.005;

/// What is forecast, and how it is named in reports.
pub const FORECAST_METRICS: [(Metric, &str); 3] =
    [(Metric::Busy, "busy"), (Metric::OutPool, "out_pool"), (Metric::InPool, "in_pool")];

/// Forecasts for every vertex of `job` and metric that has history, as of `now_ms`: a series
/// whose newest point is older than `STALE_AFTER_S` gets no ETA (it says nothing about now).
pub fn forecasts(
    job: &Job,
    history: &History,
    skewed: &dyn Fn(&str) -> Vec<u32>,
    now_ms: i64,
    settled_after_ms: Option<i64>,
    o: &ForecastOptions,
) -> Vec<Forecast> {
    let mut out = Vec::new();
    for v in &job.vertices {
        for (metric, label) in FORECAST_METRICS {
            let key = SeriesKey { job_id: job.id.clone(), vertex_id: v.id.clone(), metric };
            let Some(series) = history.series(&key) else { continue };
            let points: Vec<(i64, f64)> = series.points().copied().collect();
            let Some(&(last_ms, _)) = points.last() else { continue };
            // Recent points, and none from the start-up (see warmup.rs).
            let recent: Vec<(i64, f64)> = points
                .into_iter()
                .filter(|(t, _)| (last_ms - t) as f64 <= o.window_s * 1000.0)
                .filter(|(t, _)| settled_after_ms.is_none_or(|after| *t > after))
                .collect();
            // The vertex series is the max over subtasks: under skew, that is the hot subtask.
            let hot = skewed(&v.id);
            let subject = match hot.as_slice() {
                [] => v.name.clone(),
                [one] => format!("{} (subtask #{one})", v.name),
                many => format!(
                    "{} (subtasks {})",
                    v.name,
                    many.iter().map(|i| format!("#{i}")).collect::<Vec<_>>().join(" ")
                ),
            };
            let mut f = forecast(&recent, metric, o);
            let age_s = (now_ms - last_ms) as f64 / 1000.0;
            if age_s > STALE_AFTER_S && matches!(f.status, ForecastStatus::Eta | ForecastStatus::Saturated) {
                f.status = ForecastStatus::NotEnoughData;
                f.eta_seconds = None;
                f.eta_low_seconds = None;
                f.eta_high_seconds = None;
                f.reason =
                    Some(format!("no new sample for {}: the last one says nothing about now", duration_s(age_s)));
            }
            f.subject = subject;
            f.job_id = job.id.clone();
            f.vertex_id = v.id.clone();
            f.metric = label.to_string();
            out.push(f);
        }
    }
    out
}

/// One series' forecast. Subject fields are left for the caller.
pub fn forecast(points: &[(i64, f64)], metric: Metric, o: &ForecastOptions) -> Forecast {
    let pts: Vec<(i64, f64)> = points.iter().copied().filter(|p| p.1.is_finite()).collect();
    let span_s = match (pts.first(), pts.last()) {
        (Some(a), Some(b)) => (b.0 - a.0) as f64 / 1000.0,
        _ => 0.0,
    };
    let mut f = Forecast {
        job_id: String::new(),
        vertex_id: String::new(),
        subject: String::new(),
        metric: String::new(),
        current: pts.last().map(|p| p.1),
        threshold: o.threshold,
        status: ForecastStatus::NotEnoughData,
        slope_per_s: None,
        fitted_last: None,
        last_ms: pts.last().map(|p| p.0),
        r2: None,
        samples: pts.len(),
        window_s: span_s,
        eta_seconds: None,
        eta_low_seconds: None,
        eta_high_seconds: None,
        saturated_since_ms: None,
        reason: None,
    };
    // Already there: say since when, no line needed.
    if let Some(&(_, last)) = pts.last() {
        if last >= o.threshold - AT_THRESHOLD {
            let run = pts.iter().rev().take_while(|p| p.1 >= o.threshold - AT_THRESHOLD).count();
            let run_start = pts.len().checked_sub(run).map(|i| pts[i].0);
            let whole = run == pts.len();
            f.status = ForecastStatus::Saturated;
            f.saturated_since_ms = run_start;
            // One sample has no duration: "for 0 s" would read as "just now, briefly".
            let how_long = if run < 2 {
                "in the newest sample (one sample: how long is not known yet)".to_string()
            } else {
                format!(
                    "{}for {} ({run} samples)",
                    if whole { "in every sample of the window, " } else { "" },
                    duration_s(span_of(&pts, run_start))
                )
            };
            f.reason = Some(format!("at {} of the threshold {how_long}", pct(Some(last))));
            return f;
        }
    }
    if pts.len() < o.min_samples {
        f.reason = Some(format!(
            "only {} sample{} (needs {})",
            pts.len(),
            if pts.len() == 1 { "" } else { "s" },
            o.min_samples
        ));
        return f;
    }
    if span_s < o.min_span_s {
        f.reason = Some(format!("the samples span only {} (needs {})", duration_s(span_s), duration_s(o.min_span_s)));
        return f;
    }
    if matches!(metric, Metric::InPool | Metric::OutPool) {
        let low = pts.iter().filter(|p| p.1 <= NEAR_EMPTY).count();
        let high = pts.iter().filter(|p| p.1 >= NEAR_FULL).count();
        if low >= 2 && high >= 2 && (low + high) as f64 >= 0.8 * pts.len() as f64 {
            f.status = ForecastStatus::Bimodal;
            f.reason = Some(format!(
                "bimodal, no trend: the pool flips between near-empty ({low} samples) and near-full ({high} samples), as Flink's buffers do"
            ));
            return f;
        }
    }
    let (lo, hi) = pts.iter().fold((f64::MAX, f64::MIN), |(l, h), p| (l.min(p.1), h.max(p.1)));
    if hi - lo < FLAT_RANGE {
        f.status = ForecastStatus::NoTrend;
        f.reason = Some(format!("flat at {} over {} samples", pct(f.current), pts.len()));
        return f;
    }
    if let Some(reason) = steps_not_trend(&pts) {
        f.status = ForecastStatus::NoTrend;
        f.reason = Some(reason);
        return f;
    }
    let Some(mut line) = fit(&pts) else {
        f.reason = Some("the samples share one timestamp".into());
        return f;
    };
    // Busy time is an average over Flink's last 60 s: measurements closer than that share most
    // of their window, however little their residuals show it.
    if metric == Metric::Busy {
        line.max_independent = independent_windows(&pts, GAUGE_WINDOW_S);
    }
    f.slope_per_s = Some(line.slope);
    f.fitted_last = Some(line.at(line.last_ms as f64));
    f.r2 = Some(line.r2);
    let basis = basis(&line);
    // A t-statistic at or above the gate implies a positive slope.
    if line.t_stat() < o.min_t {
        f.status = ForecastStatus::NoTrend;
        f.reason = Some(if line.t_stat() <= -o.min_t {
            format!("falling ({}/s), no saturation ahead; {basis}", signed_pct(line.slope))
        } else {
            format!("no clear upward trend (slope {}/s, t = {:.1}); {basis}", signed_pct(line.slope), line.t_stat())
        });
        return f;
    }
    if line.r2 < o.min_r2 {
        f.status = ForecastStatus::PoorFit;
        f.reason = Some(format!("poor fit (R² {:.2} < {:.2}): too noisy for a line; {basis}", line.r2, o.min_r2));
        return f;
    }
    let now = line.last_ms as f64;
    let gap = o.threshold - line.at(now);
    if gap <= 0.0 {
        // The line is past the threshold while the last sample is not: no credible ETA.
        f.status = ForecastStatus::PoorFit;
        f.reason =
            Some(format!("the fitted line is already above the threshold while the last sample is not; {basis}"));
        return f;
    }
    let eta = gap / line.slope;
    let reach_s = o.max_projection * line.span_s;
    if eta > reach_s {
        f.reason = Some(format!(
            "trend too short to project: ~{} ahead is more than {}× the {} the samples cover; {basis}",
            duration_s(eta),
            o.max_projection,
            duration_s(line.span_s)
        ));
        return f;
    }
    f.status = ForecastStatus::Eta;
    f.eta_seconds = Some(eta);
    // 95 % of slopes within t·SE, the SE widened for correlated measurements and Student's t
    // taken for the independent samples they are worth; a slope that could be zero leaves the
    // far end open.
    let se = line.slope_se_corrected();
    let k = t95((line.effective_samples().floor() as usize).saturating_sub(2));
    // A noiseless line has no spread, however few samples it is worth (its error is rounding,
    // a billionth of its slope at most, which an infinite t would make everything).
    let spread = if se * 1e9 > line.slope.abs() { k * se } else { 0.0 };
    f.eta_low_seconds = Some(gap / (line.slope + spread));
    f.eta_high_seconds = (line.slope - spread > 0.0).then(|| gap / (line.slope - spread));
    f.reason = Some(basis);
    f
}

/// Two-sided 95 % quantile of Student's t with `df` degrees of freedom: with few points, ±2
/// standard errors would claim more certainty than the fit has.
fn t95(df: usize) -> f64 {
    const T: [f64; 30] = [
        12.71, 4.30, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23, 2.20, 2.18, 2.16, 2.14, 2.13, 2.12, 2.11, 2.10,
        2.09, 2.09, 2.08, 2.07, 2.07, 2.06, 2.06, 2.06, 2.05, 2.05, 2.05, 2.04,
    ];
    match df {
        0 => f64::INFINITY,
        1..=30 => T[df - 1],
        _ => 1.96,
    }
}

/// Values closer than this are one level of a quantised series (pool usage moves in steps of
/// one buffer: 1/10 for ten buffers).
const SAME_LEVEL: f64 = 1e-6;

/// A series that only steps between levels is not a trend: one step (0.0 four times, then 0.1:
/// one more buffer in use), or two levels flipping. A rising quantised series passes: three or
/// more levels, changing more than once.
fn steps_not_trend(pts: &[(i64, f64)]) -> Option<String> {
    let changes = pts.windows(2).filter(|w| (w[1].1 - w[0].1).abs() > SAME_LEVEL).count();
    let mut levels: Vec<f64> = pts.iter().map(|p| p.1).collect();
    levels.sort_by(f64::total_cmp);
    levels.dedup_by(|a, b| (*a - *b).abs() <= SAME_LEVEL);
    match (levels.as_slice(), changes) {
        (_, 1) => {
            let at = pts.windows(2).position(|w| (w[1].1 - w[0].1).abs() > SAME_LEVEL).unwrap_or(0);
            Some(format!(
                "a single step from {} to {}, not a trend (a line through one step projects nothing)",
                pct(Some(pts[at].1)),
                pct(Some(pts[at + 1].1))
            ))
        }
        ([a, b], _) => Some(format!("steps between two levels ({} and {}), not a trend", pct(Some(*a)), pct(Some(*b)))),
        _ => None,
    }
}

fn span_of(pts: &[(i64, f64)], since: Option<i64>) -> f64 {
    match (since, pts.last()) {
        (Some(s), Some(l)) => (l.0 - s) as f64 / 1000.0,
        _ => 0.0,
    }
}

fn signed_pct(slope: f64) -> String {
    format!("{}{:.3}%", if slope >= 0.0 { "+" } else { "−" }, slope.abs() * 100.0)
}

fn basis(line: &Fit) -> String {
    format!(
        "slope {}/s, R² {:.2}, {} samples over {}",
        signed_pct(line.slope),
        line.r2,
        line.samples,
        duration_s(line.span_s)
    )
}

/// The job's outlook: the earliest credible saturation, and whether it is today's bottleneck.
pub fn outlook(forecasts: &[Forecast], bottleneck_ids: &[String]) -> Option<String> {
    let earliest = forecasts
        .iter()
        .filter(|f| f.status == ForecastStatus::Eta)
        .min_by(|a, b| a.eta_seconds.unwrap_or(f64::MAX).total_cmp(&b.eta_seconds.unwrap_or(f64::MAX)))?;
    let eta = earliest.eta_seconds?;
    let range = match (earliest.eta_low_seconds, earliest.eta_high_seconds) {
        (Some(lo), Some(hi)) => format!(" ({} – {})", duration_s(lo), duration_s(hi)),
        (Some(lo), None) => format!(" (at the earliest {})", duration_s(lo)),
        _ => String::new(),
    };
    let which = if bottleneck_ids.is_empty() || bottleneck_ids.contains(&earliest.vertex_id) {
        String::new()
    } else {
        "; that is not today's bottleneck".to_string()
    };
    Some(format!(
        "{} of {} reaches {} in ~{}{range}{which}",
        earliest.metric,
        earliest.subject,
        pct(Some(earliest.threshold)),
        duration_s(eta)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_795_431_482_342;

    fn series(n: i64, step_ms: i64, f: impl Fn(i64) -> f64) -> Vec<(i64, f64)> {
        (0..n).map(|i| (T0 + i * step_ms, f(i))).collect()
    }

    /// Deterministic noise in [-1, 1].
    fn noise(i: i64) -> f64 {
        ((i * 7919 + 13) % 201) as f64 / 100.0 - 1.0
    }

    #[test]
    fn a_perfect_line_gives_the_exact_eta() {
        // 0.40 rising 0.01 per second, sampled every 2 s for 60 s: at the last sample 0.98.
        let pts = series(30, 2000, |i| 0.40 + 0.01 * (2 * i) as f64);
        let f = forecast(&pts, Metric::InPool, &ForecastOptions::default());
        assert_eq!(f.status, ForecastStatus::Eta);
        let eta = f.eta_seconds.unwrap();
        assert!((eta - 2.0).abs() < 1e-6, "{eta}");
        assert!((f.r2.unwrap() - 1.0).abs() < 1e-12);
        assert!((f.eta_low_seconds.unwrap() - eta).abs() < 1e-6, "a noiseless line has no spread");
        // As busy time these samples are worth less than one window, yet no spread is no spread.
        let f = forecast(&pts, Metric::Busy, &ForecastOptions::default());
        assert!((f.eta_low_seconds.unwrap() - 2.0).abs() < 1e-6, "{f:?}");
        assert!((f.eta_high_seconds.unwrap() - 2.0).abs() < 1e-6, "{f:?}");
    }

    #[test]
    fn noisy_but_clear_trends_land_within_ten_percent() {
        // Truth: 0.20 + 0.002/s reaches 1.0 at t = 400 s; 120 s observed, noise ±0.01.
        for (step_ms, n) in [(2000, 61), (1000, 121), (5000, 25)] {
            let pts = series(n, step_ms, |i| 0.20 + 0.002 * (i * step_ms) as f64 / 1000.0 + 0.01 * noise(i));
            let f = forecast(&pts, Metric::OutPool, &ForecastOptions::default());
            assert_eq!(f.status, ForecastStatus::Eta, "{:?}", f.reason);
            assert!(f.r2.unwrap() >= 0.9, "{:?}", f.r2);
            let last_s = ((n - 1) * step_ms) as f64 / 1000.0;
            let truth = 400.0 - last_s;
            let eta = f.eta_seconds.unwrap();
            assert!((eta - truth).abs() <= 0.1 * truth, "eta {eta} truth {truth}");
            assert!(f.eta_low_seconds.unwrap() <= eta && eta <= f.eta_high_seconds.unwrap());
        }
    }

    #[test]
    fn flat_noise_gives_no_eta() {
        let pts = series(60, 2000, |i| 0.5 + 0.05 * noise(i));
        let f = forecast(&pts, Metric::Busy, &ForecastOptions::default());
        assert_eq!(f.eta_seconds, None);
        assert!(matches!(f.status, ForecastStatus::NoTrend | ForecastStatus::PoorFit), "{:?}", f.status);
        assert!(f.reason.is_some());
    }

    #[test]
    fn a_pool_flipping_between_empty_and_full_is_bimodal() {
        // Rising share of "full" samples would fool a line: it is not a trend.
        let pts = series(40, 2000, |i| if i % 3 == 0 || i > 30 { 1.0 } else { 0.0 });
        let pts: Vec<(i64, f64)> = pts.into_iter().map(|(t, v)| (t, if v >= 1.0 { 0.97 } else { 0.02 })).collect();
        let f = forecast(&pts, Metric::OutPool, &ForecastOptions::default());
        assert_eq!(f.status, ForecastStatus::Bimodal);
        assert_eq!(f.eta_seconds, None);
    }

    #[test]
    fn too_few_samples_or_too_short_a_window_give_no_eta() {
        let few = series(5, 10_000, |i| 0.1 * i as f64);
        let f = forecast(&few, Metric::Busy, &ForecastOptions::default());
        assert_eq!(f.status, ForecastStatus::NotEnoughData);
        assert_eq!(f.reason.as_deref(), Some("only 5 samples (needs 6)"));
        let short = series(20, 1000, |i| 0.1 + 0.01 * i as f64);
        let f = forecast(&short, Metric::Busy, &ForecastOptions::default());
        assert_eq!(f.status, ForecastStatus::NotEnoughData);
        assert!(f.reason.unwrap().contains("span only 19 s"));
    }

    #[test]
    fn one_step_of_a_quantised_pool_is_not_a_trend() {
        // Real Flink 1.20, healthy job: outPoolUsage 0.0 for four refreshes, then 0.1 (one
        // buffer of ten), six measurements over 52 s. A line through it reached 100 % in ~7 min.
        let pts: Vec<(i64, f64)> = [0.0, 0.0, 0.0, 0.0, 0.1, 0.1]
            .iter()
            .enumerate()
            .map(|(i, v)| (T0 + [0, 10_400, 20_800, 31_200, 41_600, 52_000][i], *v))
            .collect();
        let f = forecast(&pts, Metric::OutPool, &ForecastOptions::default());
        assert_eq!(f.status, ForecastStatus::NoTrend);
        assert_eq!(f.eta_seconds, None);
        assert!(f.reason.as_deref().unwrap().starts_with("a single step from 0% to 10%"), "{:?}", f.reason);
        // Two levels flipping: no trend either, whatever the order.
        let flip = series(12, 10_000, |i| if i % 3 == 2 || i > 8 { 0.2 } else { 0.1 });
        let f = forecast(&flip, Metric::OutPool, &ForecastOptions::default());
        assert_eq!(f.status, ForecastStatus::NoTrend);
        assert!(f.reason.as_deref().unwrap().starts_with("steps between two levels"), "{:?}", f.reason);
    }

    #[test]
    fn a_quantised_pool_that_keeps_rising_is_a_trend() {
        // One more buffer every 20 s: levels 0.1 … 0.6, a step every other measurement.
        let pts = series(12, 10_000, |i| 0.1 + 0.1 * (i / 2) as f64);
        let f = forecast(&pts, Metric::OutPool, &ForecastOptions::default());
        assert_eq!(f.status, ForecastStatus::Eta, "{:?}", f.reason);
        // 0.6 at 110 s, rising 0.005/s: the fitted line (which runs through the steps) reaches
        // 1.0 some 80 s later.
        let eta = f.eta_seconds.unwrap();
        assert!((60.0..=100.0).contains(&eta), "{eta}");
    }

    #[test]
    fn a_short_trend_is_not_projected_far() {
        // A healthy simulated job: 8 measurements over 86 s, pool usage creeping up with noise;
        // the line would reach 100 % in ~10 min, seven times the span it rests on.
        let pts = series(8, 12_300, |i| 0.20 + 0.0011 * (i * 12_300) as f64 / 1000.0 + 0.004 * noise(i));
        let f = forecast(&pts, Metric::InPool, &ForecastOptions::default());
        assert_eq!(f.status, ForecastStatus::NotEnoughData, "{:?}", f.reason);
        assert_eq!(f.eta_seconds, None);
        let reason = f.reason.unwrap();
        assert!(reason.starts_with("trend too short to project"), "{reason}");
        assert!(reason.contains("more than 3× the 1 min 26 s the samples cover"), "{reason}");
        // The same trend observed four times as long is projected.
        let long = series(32, 12_300, |i| 0.20 + 0.0011 * (i * 12_300) as f64 / 1000.0 + 0.004 * noise(i));
        let f = forecast(&long, Metric::InPool, &ForecastOptions::default());
        assert_eq!(f.status, ForecastStatus::Eta, "{:?}", f.reason);
    }

    #[test]
    fn correlated_measurements_widen_the_range() {
        // The same line and the same residual size, once alternating (independent-looking) and
        // once drifting slowly (each measurement shares most of its averaging window with the
        // last): the second is worth fewer samples, so its 95 % range is wider. (A pool: busy
        // time takes its window's overlap as a floor, see below.)
        let line = |i: i64| 0.30 + 0.001 * (i * 5) as f64;
        let alternating = series(40, 5000, |i| line(i) + if i % 2 == 0 { 0.01 } else { -0.01 });
        let drifting = series(40, 5000, |i| line(i) + 0.01 * (i as f64 * std::f64::consts::FRAC_PI_4).sin());
        let o = ForecastOptions::default();
        let (a, d) = (forecast(&alternating, Metric::InPool, &o), forecast(&drifting, Metric::InPool, &o));
        assert_eq!((a.status, d.status), (ForecastStatus::Eta, ForecastStatus::Eta), "{:?} {:?}", a.reason, d.reason);
        let width = |f: &Forecast| f.eta_high_seconds.unwrap() - f.eta_low_seconds.unwrap();
        assert!(width(&d) > 1.5 * width(&a), "drifting {} vs alternating {}", width(&d), width(&a));
    }

    #[test]
    fn busy_time_measured_within_its_60_s_window_is_worth_fewer_samples() {
        // Flink averages busy time over 60 s: measurements 10 s apart share 5/6 of it, however
        // independent their residuals look. The same points as a pool (sampled, not averaged)
        // get the narrower range.
        let pts = series(10, 10_000, |i| 0.40 + 0.004 * (i * 10) as f64 + if i % 2 == 0 { 0.01 } else { -0.01 });
        let o = ForecastOptions::default();
        let (busy, pool) = (forecast(&pts, Metric::Busy, &o), forecast(&pts, Metric::InPool, &o));
        // Ten such measurements are worth fewer than two independent ones: the range stays open.
        assert!(pool.eta_high_seconds.is_some(), "{pool:?}");
        assert_eq!(busy.eta_high_seconds, None, "{busy:?}");
        assert!(busy.eta_low_seconds.unwrap() < pool.eta_low_seconds.unwrap());
        assert_eq!(busy.eta_seconds, pool.eta_seconds, "the line itself is the same");
        assert!((independent_windows(&pts, GAUGE_WINDOW_S) - 10.0 / 6.0).abs() < 1e-12);
        // A minute or more apart: all independent.
        assert_eq!(independent_windows(&series(5, 60_000, |_| 0.0), GAUGE_WINDOW_S), 5.0);
        assert_eq!(independent_windows(&series(5, 90_000, |_| 0.0), GAUGE_WINDOW_S), 5.0);
        // The median gap counts: gaps of 5, 10, 20 and 30 s make five values worth 5·20/60.
        let uneven: Vec<(i64, f64)> = [0, 5, 15, 35, 65].iter().map(|s| (T0 + s * 1000, 0.0)).collect();
        assert!((independent_windows(&uneven, GAUGE_WINDOW_S) - 5.0 * 20.0 / 60.0).abs() < 1e-12);
        // Sixty measurements 10 s apart (the 10 min forecast window): ten.
        assert!((independent_windows(&series(60, 10_000, |_| 0.0), GAUGE_WINDOW_S) - 10.0).abs() < 1e-12);
    }

    #[test]
    fn a_pool_at_the_threshold_throughout_says_so() {
        // Flink reports a full pool as 0.998: at the threshold in every sample.
        let pts = series(10, 2000, |_| 0.998);
        let f = forecast(&pts, Metric::OutPool, &ForecastOptions::default());
        assert_eq!(f.status, ForecastStatus::Saturated);
        assert_eq!(
            f.reason.as_deref(),
            Some("at 99.8% of the threshold in every sample of the window, for 18 s (10 samples)")
        );
    }

    #[test]
    fn a_pool_rising_into_the_nineties_is_a_trend_not_bimodal() {
        // Never near-empty, a few samples near-full at the end: a rise, not a flip.
        let pts = series(45, 2000, |i| 0.5 + 0.01 * i as f64);
        let f = forecast(&pts, Metric::OutPool, &ForecastOptions::default());
        assert_eq!(f.status, ForecastStatus::Eta, "{:?}", f.reason);
    }

    #[test]
    fn rounding_noise_is_flat_and_a_few_extremes_are_not_bimodal() {
        // Within half a percent: flat, said as such.
        let pts = series(20, 2000, |i| 0.5 + 0.001 * noise(i));
        let f = forecast(&pts, Metric::Busy, &ForecastOptions::default());
        assert_eq!(f.status, ForecastStatus::NoTrend);
        assert!(f.reason.as_deref().unwrap().starts_with("flat at 50"), "{:?}", f.reason);
        // 5 near-empty and 10 near-full samples among 25 in between: not a pool that flips.
        let pts = series(40, 2000, |i| match i % 8 {
            0 => 0.05,
            1 | 2 => 0.95,
            _ => 0.5,
        });
        let f = forecast(&pts, Metric::OutPool, &ForecastOptions::default());
        assert_ne!(f.status, ForecastStatus::Bimodal, "{:?}", f.reason);
    }

    #[test]
    fn a_step_is_named_where_it_happens() {
        let pts = series(8, 10_000, |i| if i < 5 { 0.1 } else { 0.2 });
        let f = forecast(&pts, Metric::OutPool, &ForecastOptions::default());
        assert!(f.reason.as_deref().unwrap().starts_with("a single step from 10% to 20%"), "{:?}", f.reason);
    }

    #[test]
    fn students_t_widens_the_range_for_few_samples() {
        assert_eq!(t95(0), f64::INFINITY);
        assert_eq!(t95(1), 12.71);
        assert_eq!(t95(10), 2.23);
        assert_eq!(t95(30), 2.04);
        assert_eq!(t95(31), 1.96);
    }

    #[test]
    fn a_slope_that_could_be_zero_leaves_the_far_end_open() {
        // A clear rise (t ≈ 10 with the corrected error) whose measurements drift together
        // (ρ ≈ 0.4): eight of them are worth about three independent ones, Student's t for one
        // degree of freedom is 12.7, so the slope could still be zero.
        let wave = |i: i64| (i as f64 * std::f64::consts::PI / 6.0).sin();
        let pts = series(8, 10_000, |i| 0.30 + 0.004 * (i * 10) as f64 + 0.03 * wave(i));
        let f = forecast(&pts, Metric::InPool, &ForecastOptions::default());
        assert_eq!(f.status, ForecastStatus::Eta, "{:?}", f.reason);
        assert!(f.eta_low_seconds.is_some());
        assert_eq!(f.eta_high_seconds, None, "{f:?}");
        // As busy time 10 s apart (sharing 5/6 of Flink's 60 s window), all the more so.
        assert_eq!(forecast(&pts, Metric::Busy, &ForecastOptions::default()).eta_high_seconds, None);
    }

    #[test]
    fn an_eta_of_exactly_the_projection_limit_is_given() {
        // 16 points 4 s apart (60 s), rising 1/256 per second to 0.296875: 180 s to go, exactly
        // 3× the span (every number exact in binary).
        let pts = series(16, 4000, |i| 0.0625 + (i * 4) as f64 / 256.0);
        let f = forecast(&pts, Metric::Busy, &ForecastOptions::default());
        assert_eq!(f.eta_seconds, Some(180.0), "{:?}", f.reason);
        assert_eq!(f.status, ForecastStatus::Eta);
    }

    #[test]
    fn a_falling_series_has_no_saturation_ahead() {
        let pts = series(30, 2000, |i| 0.9 - 0.01 * i as f64);
        let f = forecast(&pts, Metric::Busy, &ForecastOptions::default());
        assert_eq!(f.status, ForecastStatus::NoTrend);
        // −0.01 per 2 s sample: −0.5 % per second, signed as such.
        let reason = f.reason.unwrap();
        assert!(reason.starts_with("falling (−0.500%/s), no saturation ahead; slope −0.500%/s, R² 1.00"), "{reason}");
    }

    #[test]
    fn a_value_at_the_threshold_is_saturated_since_when_it_got_there() {
        let pts = series(20, 2000, |i| if i >= 12 { 0.998 } else { 0.5 + 0.04 * i as f64 });
        let f = forecast(&pts, Metric::OutPool, &ForecastOptions::default());
        assert_eq!(f.status, ForecastStatus::Saturated);
        assert_eq!(f.saturated_since_ms, Some(T0 + 12 * 2000));
        assert!(f.reason.unwrap().contains("for 14 s (8 samples)"));
    }

    #[test]
    fn one_saturated_sample_has_no_duration_yet() {
        // Saturated in the newest sample only: not "for 0 s".
        let pts = series(20, 2000, |i| if i == 19 { 1.0 } else { 0.5 });
        let f = forecast(&pts, Metric::OutPool, &ForecastOptions::default());
        assert_eq!(f.status, ForecastStatus::Saturated);
        assert_eq!(f.saturated_since_ms, Some(T0 + 19 * 2000));
        let reason = f.reason.unwrap();
        assert!(!reason.contains("0 s"), "{reason}");
        assert!(reason.contains("in the newest sample"), "{reason}");
        // Two samples have a duration.
        let two = series(20, 2000, |i| if i >= 18 { 1.0 } else { 0.5 });
        let f = forecast(&two, Metric::OutPool, &ForecastOptions::default());
        assert!(f.reason.as_deref().is_some_and(|r| r.ends_with("for 2 s (2 samples)")), "{:?}", f.reason);
        let one = forecast(&pts[19..], Metric::OutPool, &ForecastOptions::default());
        assert!(!one.reason.unwrap().contains("every sample of the window, for 0 s"));
    }

    #[test]
    fn nan_duplicates_and_a_single_time_do_not_panic() {
        let o = ForecastOptions::default();
        let f = forecast(&[], Metric::Busy, &o);
        assert_eq!(f.status, ForecastStatus::NotEnoughData);
        let nan = series(10, 5000, |i| if i % 2 == 0 { f64::NAN } else { 0.1 * i as f64 });
        let _ = forecast(&nan, Metric::Busy, &o);
        let same_time: Vec<(i64, f64)> = (0..10).map(|i| (T0, 0.1 * i as f64 / 10.0)).collect();
        let f = forecast(&same_time, Metric::Busy, &ForecastOptions { min_span_s: 0.0, ..o.clone() });
        assert_eq!(f.eta_seconds, None);
        let dup: Vec<(i64, f64)> =
            series(20, 4000, |i| 0.3 + 0.02 * i as f64).into_iter().flat_map(|p| [p, p]).collect();
        let f = forecast(&dup, Metric::Busy, &o);
        assert_eq!(f.status, ForecastStatus::Eta);
    }

    #[test]
    fn thresholds_other_than_full_are_honoured() {
        let pts = series(31, 2000, |i| 0.40 + 0.01 * (2 * i) as f64);
        let f = forecast(&pts, Metric::Busy, &ForecastOptions { threshold: 0.9, ..ForecastOptions::default() });
        assert_eq!(f.status, ForecastStatus::Saturated);
        let f = forecast(&pts[..20], Metric::Busy, &ForecastOptions { threshold: 0.9, ..ForecastOptions::default() });
        // At the last sample 0.78: 12 s to 0.9.
        assert!((f.eta_seconds.unwrap() - 12.0).abs() < 1e-6);
    }

    #[test]
    fn a_noisy_rise_is_a_poor_fit_and_only_the_r2_gate_says_so() {
        // 300 samples over 10 min: a real rise (t far above 3) buried in noise as large as it.
        let pts = series(300, 2000, |i| 0.20 + 0.0005 * (2 * i) as f64 + 0.15 * noise(i));
        let o = ForecastOptions::default();
        let f = forecast(&pts, Metric::InPool, &o);
        assert_eq!(f.status, ForecastStatus::PoorFit, "{:?}", f.reason);
        let r2 = f.r2.unwrap();
        assert!(r2 < o.min_r2 && r2 > 0.2, "R² {r2}");
        assert_eq!(f.eta_seconds, None);
        assert!(f.reason.unwrap().starts_with("poor fit (R² "));
        // The slope passed its own test: without the R² gate, this would be an ETA.
        let f = forecast(&pts, Metric::InPool, &ForecastOptions { min_r2: 0.0, ..o });
        assert_eq!(f.status, ForecastStatus::Eta);
    }

    #[test]
    fn start_up_points_are_left_out_up_to_and_including_the_cutoff() {
        use crate::model::test_support::{running_job, vertex};
        let mut history = History::new(10, 100);
        let job_at = |busy: f64| running_job("j", vec![vertex("v", "enrich", &[], &[(busy, 0.0, 1.0 - busy)])]);
        for i in 0..10 {
            history.push(crate::model::Snapshot {
                at_ms: T0 + i * 2000,
                jobs: vec![job_at(0.3)],
                ..Default::default()
            });
        }
        let samples = |after: Option<i64>| {
            let all =
                forecasts(&job_at(0.3), &history, &|_| Vec::new(), T0 + 18_000, after, &ForecastOptions::default());
            all.iter().find(|f| f.metric == "busy").map(|f| f.samples)
        };
        assert_eq!(samples(None), Some(10));
        // The point at the cutoff itself is start-up too.
        assert_eq!(samples(Some(T0 + 4000)), Some(7));
    }

    #[test]
    fn a_series_silent_for_two_minutes_gets_no_eta() {
        use crate::model::test_support::vertex;
        // Busy rising 0.01/s, a sample every 2 s for a minute.
        let mut history = History::new(10, 1800);
        let job_at = |busy: f64| crate::model::Job {
            id: "j".into(),
            name: "j".into(),
            state: "RUNNING".into(),
            graph_known: true,
            started: None,
            vertices: vec![vertex("v", "enrich", &[], &[(busy, 0.0, 1.0 - busy)])],
        };
        for i in 0..30 {
            let snap = crate::model::Snapshot {
                at_ms: T0 + i * 2000,
                jobs: vec![job_at(0.30 + 0.02 * i as f64)],
                ..Default::default()
            };
            history.push(snap);
        }
        let job = job_at(0.88);
        let last = T0 + 29 * 2000;
        let busy = |now_ms| {
            let all = forecasts(&job, &history, &|_| Vec::new(), now_ms, None, &ForecastOptions::default());
            all.into_iter().find(|f| f.metric == "busy").expect("a busy forecast")
        };
        assert_eq!(busy(last + 119_000).status, ForecastStatus::Eta, "fresh enough");
        assert_eq!(busy(last + 120_000).status, ForecastStatus::Eta, "silent for exactly 2 min is not yet more");
        let stale = busy(last + 121_000);
        assert_eq!(stale.status, ForecastStatus::NotEnoughData);
        assert_eq!(stale.eta_seconds, None);
        assert!(stale.reason.unwrap().starts_with("no new sample for 2 min"));
    }

    #[test]
    fn the_gates_admit_exactly_their_minimum() {
        // Six samples (the minimum) over exactly 30 s (the minimum span): an ETA.
        let pts = series(6, 6000, |i| 0.5 + 0.01 * (6 * i) as f64);
        let f = forecast(&pts, Metric::Busy, &ForecastOptions::default());
        assert_eq!(f.status, ForecastStatus::Eta, "{:?}", f.reason);
        assert!((f.eta_seconds.unwrap() - 20.0).abs() < 1e-6);
        // A range of exactly the flat tolerance is not flat (here: a line too slow to project).
        let pts: Vec<(i64, f64)> = [0.0, 0.001, 0.002, 0.003, 0.004, FLAT_RANGE]
            .iter()
            .enumerate()
            .map(|(i, v)| (T0 + i as i64 * 10_000, *v))
            .collect();
        let f = forecast(&pts, Metric::Busy, &ForecastOptions::default());
        assert_eq!(f.status, ForecastStatus::NotEnoughData, "{:?}", f.reason);
        assert!(f.reason.unwrap().contains("too short to project"));
    }

    #[test]
    fn a_rise_the_noise_could_explain_is_no_trend() {
        // Rising 0.0001/s under noise of ±0.05: the slope is positive, its t-statistic far below 3.
        let pts = series(30, 2000, |i| 0.3 + 0.0001 * (2 * i) as f64 + 0.05 * noise(i));
        let f = forecast(&pts, Metric::Busy, &ForecastOptions::default());
        assert!(f.slope_per_s.unwrap() > 0.0);
        assert_eq!(f.status, ForecastStatus::NoTrend);
        assert!(f.reason.as_deref().unwrap().starts_with("no clear upward trend (slope +"), "{:?}", f.reason);
    }

    #[test]
    fn the_outlook_names_the_earliest_saturation_its_range_and_whose_it_is() {
        let eta = |vertex: &str, eta: f64, lo: Option<f64>, hi: Option<f64>| Forecast {
            job_id: "j".into(),
            vertex_id: vertex.into(),
            subject: format!("op-{vertex}"),
            metric: "busy".into(),
            current: Some(0.8),
            threshold: 1.0,
            status: ForecastStatus::Eta,
            slope_per_s: Some(0.001),
            fitted_last: Some(0.8),
            last_ms: Some(T0),
            r2: Some(0.9),
            samples: 30,
            window_s: 60.0,
            eta_seconds: Some(eta),
            eta_low_seconds: lo,
            eta_high_seconds: hi,
            saturated_since_ms: None,
            reason: None,
        };
        let fs = [eta("a", 900.0, Some(600.0), Some(1200.0)), eta("b", 300.0, Some(240.0), Some(420.0))];
        assert_eq!(outlook(&fs, &[]).unwrap(), "busy of op-b reaches 100% in ~5 min (4 min – 7 min)");
        assert_eq!(outlook(&fs, &["b".to_string()]).unwrap(), "busy of op-b reaches 100% in ~5 min (4 min – 7 min)");
        assert_eq!(
            outlook(&fs, &["a".to_string()]).unwrap(),
            "busy of op-b reaches 100% in ~5 min (4 min – 7 min); that is not today's bottleneck"
        );
        let open = [eta("a", 300.0, Some(240.0), None)];
        assert_eq!(outlook(&open, &[]).unwrap(), "busy of op-a reaches 100% in ~5 min (at the earliest 4 min)");
        assert_eq!(outlook(&[eta("a", 300.0, None, None)], &[]).unwrap(), "busy of op-a reaches 100% in ~5 min");
    }
}
