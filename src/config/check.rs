//! What `bptop config check` prints: the file, the profile, every setting with its origin
//! (secrets masked by `Secret`'s Display), and the verdict.

use std::fmt::Write;
use std::path::Path;

use super::Settings;

pub fn render(path: Option<&Path>, result: &Result<Settings, String>) -> String {
    let mut out = String::new();
    match path {
        Some(p) if p.is_file() => {
            let _ = writeln!(out, "config file: {}", p.display());
        }
        Some(p) => {
            let _ = writeln!(out, "config file: {} (none there: flags, environment and defaults only)", p.display());
        }
        None => out.push_str("config file: none (neither XDG_CONFIG_HOME nor HOME is set)\n"),
    }
    let set = match result {
        Ok(set) => set,
        Err(e) => {
            let _ = writeln!(out, "error: {e}");
            return out;
        }
    };
    let key_w = set.shown.iter().map(|s| s.key.chars().count()).max().unwrap_or(0).max(7);
    let val_w = set.shown.iter().map(|s| s.value.chars().count()).max().unwrap_or(0).clamp(5, 60);
    let _ = writeln!(out, "\n  {:key_w$}  {:val_w$}  from", "setting", "value");
    for s in &set.shown {
        let _ = writeln!(out, "  {:key_w$}  {:val_w$}  {}", s.key, s.value, s.from);
    }
    let t = &set.thresholds;
    let _ = writeln!(
        out,
        "  {:key_w$}  bp {:.2} · busy {:.2} · target utilization {:.2} · saturation {:.2} · min samples {} · horizon {} · forecast window {} · loss horizon {}",
        "thresholds",
        t.bp_low,
        t.busy_bottleneck,
        t.target_utilization,
        t.forecast.threshold,
        t.forecast.min_samples,
        crate::units::duration_s(t.forecast.horizon_s),
        crate::units::duration_s(t.forecast.window_s),
        crate::units::duration_s(t.loss_horizon_s),
    );
    for (job, group) in &t.lag_groups {
        let _ = writeln!(out, "  {:key_w$}  {job} = {group}", "lag group");
    }
    let what = match (&set.replay, set.endpoint_count()) {
        (Some(dir), _) => format!("replays {}", dir.display()),
        (None, 0) => "no endpoint: bptop replays its bundled recording".to_string(),
        (None, n) => format!("{n} endpoint{}", if n == 1 { "" } else { "s" }),
    };
    let _ = writeln!(out, "\nok: {what}");
    out
}
