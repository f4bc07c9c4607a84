//! Ordinary least squares over (time, value) points: the shared core of every trend bptop
//! states (buffer usage, busy time, later consumer lag). Times are epoch milliseconds; they are
//! centred on their mean before anything is squared, so 1.8e12-sized x values lose no precision.

/// A straight line fitted to a window of points, with what it rests on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fit {
    /// Change per second.
    pub slope: f64,
    /// Fitted value at `t_mean_ms`.
    pub intercept: f64,
    /// Mean of the sample times (the centre of the fit), ms.
    pub t_mean_ms: f64,
    /// Share of the variance the line explains (1 for a flat, noiseless series).
    pub r2: f64,
    /// Standard deviation of the residuals (n − 2 degrees of freedom).
    pub residual_sd: f64,
    /// Standard error of the slope, per second, as if the residuals were independent.
    pub slope_se: f64,
    /// Lag-1 autocorrelation of the residuals (0 when there are too few to tell, never
    /// negative: anti-correlation is not taken as extra certainty).
    pub residual_rho: f64,
    pub samples: usize,
    /// At most this many independent samples, whatever the residuals say: set by the caller
    /// when the values are averages over windows longer than their spacing (`samples` when not).
    pub max_independent: f64,
    /// Time between the first and the last sample, s.
    pub span_s: f64,
    /// Time of the last sample, ms.
    pub last_ms: i64,
}

impl Fit {
    /// The line's value at time `t_ms`.
    pub fn at(&self, t_ms: f64) -> f64 {
        self.intercept + self.slope * (t_ms - self.t_mean_ms) / 1000.0
    }

    /// How many independent samples the fit is worth: consecutive measurements that share
    /// averaging windows (Flink's busy time, rates over 60 s) are correlated, and n of them
    /// carry the information of n·(1 − ρ)/(1 + ρ) independent ones (AR(1) residuals).
    pub fn effective_samples(&self) -> f64 {
        let n = self.samples as f64;
        (n * (1.0 - self.residual_rho) / (1.0 + self.residual_rho)).min(self.max_independent).clamp(2.0_f64.min(n), n)
    }

    /// The slope's standard error widened for correlated residuals: by √((1 + ρ)/(1 − ρ)),
    /// the variance inflation of a trend under AR(1) errors.
    pub fn slope_se_corrected(&self) -> f64 {
        self.slope_se * (self.samples as f64 / self.effective_samples()).sqrt()
    }

    /// Slope over its corrected standard error; infinite for a noiseless rising line.
    pub fn t_stat(&self) -> f64 {
        let se = self.slope_se_corrected();
        if se > 0.0 {
            self.slope / se
        } else if self.slope > 0.0 {
            f64::INFINITY
        } else if self.slope < 0.0 {
            f64::NEG_INFINITY
        } else {
            0.0
        }
    }
}

/// Fits a line to the finite points; `None` with fewer than two distinct times.
pub fn fit(points: &[(i64, f64)]) -> Option<Fit> {
    let pts: Vec<(i64, f64)> = points.iter().copied().filter(|(_, y)| y.is_finite()).collect();
    let n = pts.len();
    if n < 2 {
        return None;
    }
    let nf = n as f64;
    let t_mean = pts.iter().map(|p| p.0 as f64).sum::<f64>() / nf;
    let y_mean = pts.iter().map(|p| p.1).sum::<f64>() / nf;
    // x in seconds from the centre.
    let xs: Vec<f64> = pts.iter().map(|p| (p.0 as f64 - t_mean) / 1000.0).collect();
    let sxx: f64 = xs.iter().map(|x| x * x).sum();
    if sxx <= 0.0 {
        return None;
    }
    let sxy: f64 = xs.iter().zip(&pts).map(|(x, p)| x * (p.1 - y_mean)).sum();
    let slope = sxy / sxx;
    let sse: f64 = xs.iter().zip(&pts).map(|(x, p)| (p.1 - (y_mean + slope * x)).powi(2)).sum();
    let sst: f64 = pts.iter().map(|p| (p.1 - y_mean).powi(2)).sum();
    let r2 = if sst > 0.0 { (1.0 - sse / sst).clamp(0.0, 1.0) } else { 1.0 };
    let residual_sd = if n > 2 { (sse / (nf - 2.0)).sqrt() } else { 0.0 };
    let residuals: Vec<f64> = xs.iter().zip(&pts).map(|(x, p)| p.1 - (y_mean + slope * x)).collect();
    let first = pts.iter().map(|p| p.0).min().unwrap_or(0);
    let last = pts.iter().map(|p| p.0).max().unwrap_or(0);
    Some(Fit {
        slope,
        intercept: y_mean,
        t_mean_ms: t_mean,
        r2,
        residual_sd,
        slope_se: residual_sd / sxx.sqrt(),
        residual_rho: lag1_autocorrelation(&residuals),
        samples: n,
        max_independent: nf,
        span_s: (last - first) as f64 / 1000.0,
        last_ms: last,
    })
}

/// Lag-1 autocorrelation of residuals in time order, in [0, 0.95]: below four residuals it
/// cannot be told from noise (0); the cap keeps the effective sample size above zero.
fn lag1_autocorrelation(residuals: &[f64]) -> f64 {
    if residuals.len() < 4 {
        return 0.0;
    }
    let sum_sq: f64 = residuals.iter().map(|e| e * e).sum();
    if sum_sq <= 0.0 {
        return 0.0;
    }
    let lagged: f64 = residuals.windows(2).map(|w| w[0] * w[1]).sum();
    (lagged / sum_sq).clamp(0.0, 0.95)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_795_431_482_342;

    #[test]
    fn a_perfect_line_is_fitted_exactly_even_at_epoch_scale() {
        let pts: Vec<(i64, f64)> = (0..20).map(|i| (T0 + 2000 * i, 0.2 + 0.005 * (2 * i) as f64)).collect();
        let f = fit(&pts).unwrap();
        assert!((f.slope - 0.005).abs() < 1e-12, "{}", f.slope);
        assert!((f.at(T0 as f64) - 0.2).abs() < 1e-9);
        assert!((f.r2 - 1.0).abs() < 1e-12);
        assert!(f.residual_sd < 1e-9);
        assert_eq!(f.samples, 20);
        assert_eq!(f.span_s, 38.0);
        assert!(f.t_stat() > 1e6, "{}", f.t_stat());
    }

    #[test]
    fn correlated_residuals_count_as_fewer_samples() {
        let line = |i: i64| 0.3 + 0.001 * i as f64;
        let pts = |wiggle: &dyn Fn(i64) -> f64| -> Vec<(i64, f64)> {
            (0..40).map(|i| (T0 + i * 5000, line(i) + wiggle(i))).collect()
        };
        let alternating = fit(&pts(&|i| if i % 2 == 0 { 0.01 } else { -0.01 })).unwrap();
        assert_eq!(alternating.residual_rho, 0.0, "anti-correlation is not extra certainty");
        assert_eq!(alternating.effective_samples(), 40.0);
        assert_eq!(alternating.slope_se_corrected(), alternating.slope_se);
        let drifting = fit(&pts(&|i| 0.01 * (i as f64 * std::f64::consts::FRAC_PI_4).sin())).unwrap();
        assert!(drifting.residual_rho > 0.5, "{}", drifting.residual_rho);
        let n_eff = drifting.effective_samples();
        let rho = drifting.residual_rho;
        assert!((n_eff - 40.0 * (1.0 - rho) / (1.0 + rho)).abs() < 1e-9, "{n_eff}");
        assert!((drifting.slope_se_corrected() / drifting.slope_se - (40.0 / n_eff).sqrt()).abs() < 1e-9);
        assert!(drifting.t_stat() < drifting.slope / drifting.slope_se);
        // Too few residuals to tell: no correction.
        assert_eq!(fit(&pts(&|i| 0.01 * i as f64 % 0.02)[..3]).unwrap().residual_rho, 0.0);
    }

    #[test]
    fn noise_shows_in_r2_and_the_slope_error() {
        // Deterministic noise, ±0.05 around a slope of 0.001/s.
        let pts: Vec<(i64, f64)> =
            (0..60).map(|i| (T0 + 1000 * i, 0.3 + 0.001 * i as f64 + 0.05 * ((i * 7919) % 13) as f64 / 13.0)).collect();
        let f = fit(&pts).unwrap();
        assert!(f.r2 < 0.9 && f.r2 > 0.0, "{}", f.r2);
        assert!(f.slope_se > 0.0);
        assert!((f.slope - 0.001).abs() < 3.0 * f.slope_se);
    }

    #[test]
    fn degenerate_inputs_give_none_not_a_panic() {
        assert!(fit(&[]).is_none());
        assert!(fit(&[(T0, 0.5)]).is_none());
        assert!(fit(&[(T0, 0.5), (T0, 0.7), (T0, 0.9)]).is_none(), "one time, several values");
        assert!(fit(&[(T0, f64::NAN), (T0 + 1000, f64::INFINITY)]).is_none());
        let f = fit(&[(T0, 0.5), (T0 + 1000, f64::NAN), (T0 + 2000, 0.7)]).unwrap();
        assert_eq!(f.samples, 2);
        // Duplicate times among others are fine.
        let f = fit(&[(T0, 0.1), (T0, 0.1), (T0 + 1000, 0.2), (T0 + 1000, 0.2)]).unwrap();
        assert!((f.slope - 0.1).abs() < 1e-12);
    }

    #[test]
    fn a_flat_series_has_no_slope() {
        let pts: Vec<(i64, f64)> = (0..10).map(|i| (T0 + 1000 * i, 0.4)).collect();
        let f = fit(&pts).unwrap();
        assert_eq!(f.slope, 0.0);
        assert_eq!(f.t_stat(), 0.0);
        // Exactly flat (no residual at all): a zero slope over a zero error is 0, not NaN.
        let exact: Vec<(i64, f64)> = (0..8).map(|i| (T0 + 1000 * i, 0.5)).collect();
        let f = fit(&exact).unwrap();
        assert_eq!((f.slope, f.slope_se), (0.0, 0.0));
        assert_eq!(f.t_stat(), 0.0);
    }

    #[test]
    fn a_constant_series_is_fitted_perfectly_and_two_points_leave_no_spread() {
        let flat: Vec<(i64, f64)> = (0..6).map(|i| (T0 + 1000 * i, 0.5)).collect();
        let f = fit(&flat).unwrap();
        assert_eq!((f.slope, f.r2), (0.0, 1.0), "no variance to explain is explained");
        let two = [(T0, 0.1), (T0 + 1000, 0.3)];
        let f = fit(&two).unwrap();
        assert_eq!(f.residual_sd, 0.0, "a line through two points has no residuals to spread");
        assert!((f.slope - 0.2).abs() < 1e-12);
    }
}
