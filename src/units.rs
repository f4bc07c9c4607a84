//! How numbers read to a person (ratios as percentages, rates with k/M, durations in h/min/s),
//! and how a person's numbers are read (durations like "2s", ratios within bounds).

use std::time::Duration;

/// 0.998 → "99.8%", 0.5 → "50%", 0.002 → "0.2%", None → "?".
pub fn pct(r: Option<f64>) -> String {
    match r {
        None => "?".into(),
        Some(r) => {
            let p = r * 100.0;
            if p == 0.0 || p == 100.0 || (5.0..=95.0).contains(&p) {
                format!("{p:.0}%")
            } else {
                let s = format!("{p:.1}");
                format!("{}%", s.strip_suffix(".0").unwrap_or(&s))
            }
        }
    }
}

/// Records per second: 931.6 → "932", 46512 → "46.5k", 2.1e6 → "2.1M".
pub fn rate(r: Option<f64>) -> String {
    match r {
        None => "?".into(),
        Some(r) if r.abs() >= 1e6 => format!("{:.1}M", r / 1e6),
        Some(r) if r.abs() >= 1e4 => format!("{:.1}k", r / 1e3),
        Some(r) => format!("{r:.0}"),
    }
}

/// Pool usage 0..1 with two decimals.
pub fn pool(r: Option<f64>) -> String {
    r.map(|r| format!("{r:.2}")).unwrap_or_else(|| "?".into())
}

pub fn duration_s(s: f64) -> String {
    let s = s.max(0.0).round() as u64;
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 if s % 60 == 0 => format!("{} min", s / 60),
        60..=3599 => format!("{} min {} s", s / 60, s % 60),
        _ if s % 3600 < 60 => format!("{} h", s / 3600),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

/// "2s", "500ms", "1m", "1h", or plain seconds ("2", "0.5").
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().map_err(|_| format!("'{s}' is not a duration (try 2s, 500ms, 1m)"))?;
    let secs = match unit.trim() {
        "" | "s" | "sec" => n,
        "ms" => n / 1000.0,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        other => return Err(format!("unknown unit '{other}' in '{s}' (use ms, s, m or h)")),
    };
    if !secs.is_finite() || secs <= 0.0 || secs > 30.0 * 86400.0 {
        return Err(format!("'{s}' is out of range"));
    }
    Ok(Duration::from_secs_f64(secs))
}

pub fn parse_ratio(s: &str, lo: f64, hi: f64) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("'{s}' is not a number"))?;
    if (lo..=hi).contains(&v) {
        Ok(v)
    } else {
        Err(format!("'{s}' must be between {lo} and {hi}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_naturally() {
        assert_eq!(pct(Some(0.998)), "99.8%");
        assert_eq!(pct(Some(1.0)), "100%");
        assert_eq!(pct(Some(0.5)), "50%");
        assert_eq!(pct(Some(0.002)), "0.2%");
        assert_eq!(pct(Some(0.0)), "0%");
        assert_eq!(pct(Some(0.99)), "99%");
        assert_eq!(pct(None), "?");
        assert_eq!(rate(Some(931.6)), "932");
        assert_eq!(rate(Some(46_512.0)), "46.5k");
        assert_eq!(rate(Some(2_100_000.0)), "2.1M");
        assert_eq!(duration_s(125.0), "2 min 5 s");
        assert_eq!(duration_s(7800.0), "2 h 10 min");
    }
}
