//! Rendering: a pure function of `App` and `Theme` onto a ratatui frame.

mod chain;
mod detail;
mod graph;
mod help;
mod lag;
mod overview;
mod parts;
mod sources;

pub use chain::chosen_forecast;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::app::{App, SourceStatus, View};
use super::impact::{Impact, Urgency};
use super::keymap::{label_of, Action};
use super::theme::Theme;
use crate::units::duration_s;

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

pub fn draw(frame: &mut Frame, app: &App, theme: &Theme) {
    let area = frame.area();
    app.screen.clear();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(frame, area, theme);
        return;
    }
    // Replay: a timeline of the recording's severities above the key bar.
    let strip = u16::from(app.replay.is_some());
    let [top, body, timeline, bottom] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(0), Constraint::Length(strip), Constraint::Length(1)])
            .areas(area);
    if strip > 0 {
        frame.render_widget(Paragraph::new(timeline_line(app, theme, timeline.width)), timeline);
    }
    frame.render_widget(Paragraph::new(top_bar(app, theme)), top);
    if app.diagnosis().is_none() && app.view != View::Sources {
        waiting(frame, body, app, theme);
    } else {
        match app.view {
            View::Overview => overview::draw(frame, body, app, theme),
            View::Chain => chain::draw(frame, body, app, theme),
            View::Detail => detail::draw(frame, body, app, theme),
            View::Sources => sources::draw(frame, body, app, theme),
            View::Lag => lag::draw(frame, body, app, theme),
        }
    }
    frame.render_widget(Paragraph::new(bottom_bar(app, theme, bottom.width)), bottom);
    if app.help {
        help::draw(frame, body, app, theme);
    }
    if theme.ascii {
        asciify(frame.buffer_mut());
    }
}

/// `--ascii` promises a screen any font can show: the theme picks ASCII glyphs, and whatever
/// text still carries others (evidence "≥ 0.90", a job named in Cyrillic) is transliterated
/// here, at the last step, so no code path can leak one.
fn asciify(buf: &mut ratatui::buffer::Buffer) {
    for cell in buf.content.iter_mut() {
        let sym = cell.symbol();
        if sym.is_ascii() {
            continue;
        }
        let plain = match sym {
            "│" | "┃" | "║" => "|",
            "─" | "━" | "–" | "—" => "-",
            "·" | "•" | "…" => ".",
            "×" => "x",
            "↓" => "v",
            "↑" | "⇡" => "^",
            "→" | "▶" | "›" | "≥" => ">",
            "←" | "◀" | "≤" => "<",
            "≈" => "~",
            "÷" => "/",
            _ => "?",
        };
        cell.set_symbol(plain);
    }
}

fn too_small(frame: &mut Frame, area: Rect, theme: &Theme) {
    let text = vec![
        Line::from(Span::styled("terminal too small", theme.warn())),
        Line::from(format!("bptop needs {MIN_WIDTH}×{MIN_HEIGHT}; this one is {}×{}", area.width, area.height)),
        Line::from("enlarge the window, or use `bptop diagnose` for a one-shot text verdict"),
        Line::from("q quits"),
    ];
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
}

fn waiting(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut lines = vec![
        Line::from(""),
        Line::from(Span::styled(format!("  waiting for the first answer from {}", app.input_label), theme.title())),
    ];
    if let Some(since) = app.polling_since_ms {
        lines.push(Line::from(format!("  request under way for {}", duration_s((app.now_ms - since) as f64 / 1000.0))));
    }
    for s in app.sources() {
        let line = match (app.status(s), &s.health.error) {
            (_, Some(e)) => Span::styled(format!("  {} failing: {e}", s.health.name), theme.bad()),
            (SourceStatus::Stale { since_ms, .. }, None) => Span::styled(
                format!(
                    "  {} {} STALE: no answer in {}",
                    s.health.name,
                    s.health.endpoint,
                    duration_s((app.now_ms - since_ms) as f64 / 1000.0)
                ),
                theme.warn(),
            ),
            _ => Span::styled(format!("  {} {} waiting", s.health.name, s.health.endpoint), theme.dim()),
        };
        lines.push(Line::from(line));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("  keys still work: ? help · S sources · q quit", theme.dim())));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

fn top_bar<'a>(app: &'a App, theme: &Theme) -> Line<'a> {
    let mut spans = vec![Span::styled(" bptop ", theme.title()), Span::raw("│ ")];
    match &app.replay {
        Some(r) => {
            spans.push(Span::raw(format!("replay {} ", app.input_label)));
            spans.push(Span::styled(
                format!(
                    "poll {}/{} ×{}{} ",
                    r.position,
                    r.total,
                    fmt_speed(r.speed),
                    if r.paused || app.paused {
                        if r.position >= r.total && r.total > 0 {
                            " end"
                        } else {
                            " paused"
                        }
                    } else {
                        ""
                    }
                ),
                theme.dim(),
            ));
            // The time the poll on screen was recorded: what happened when, in the cluster's day.
            if let Some(latest) = app.history().latest() {
                spans.push(Span::styled(format!("recorded {} ", clock_utc(latest.at_ms)), theme.title()));
            }
        }
        None => {
            spans.push(Span::raw(format!("{} ", app.input_label)));
            if app.paused {
                spans.push(Span::styled("paused ", theme.warn()));
            }
        }
    }
    if let Some(d) = app.diagnosis() {
        spans.push(Span::raw("│ "));
        spans.push(Span::styled(
            format!("{} {} ", theme.severity_symbol(d.severity), d.severity.label().to_uppercase()),
            theme.severity(d.severity),
        ));

        if let (Some(latest), None) = (app.history().latest(), &app.replay) {
            let age = (app.now_ms - latest.at_ms).max(0) as f64 / 1000.0;
            spans.push(Span::styled(format!("│ updated {} ago ", duration_s(age)), theme.dim()));
        }
    }
    if let Some(stale) = app.stale_for_ms() {
        spans.push(Span::styled(
            format!("│ STALE: last good data {} old ", duration_s(stale as f64 / 1000.0)),
            theme.bad(),
        ));
    }
    // Never a severity without its reason: the worst one, last, so that the terminal's width
    // clips it rather than the freshness.
    if let Some(r) = app.diagnosis().and_then(|d| d.reasons.first()) {
        spans.push(Span::styled(format!("│ {} ", r.text), theme.severity(r.severity)));
    }
    Line::from(spans)
}

/// The replay's timeline: the severity after each recorded poll, a mark where it changed, the
/// poll on screen reversed, and where the next change is.
pub fn timeline_line<'a>(app: &App, theme: &Theme, width: u16) -> Line<'a> {
    use crate::diagnosis::Severity;
    let Some(r) = &app.replay else { return Line::default() };
    let t = &app.timeline;
    let mut spans = vec![Span::styled(" timeline ", theme.dim())];
    if t.is_empty() {
        spans.push(Span::styled("reading the recording…", theme.dim()));
        return Line::from(spans);
    }
    let shown = r.position.saturating_sub(1);
    let next = app.severity_change(shown, true);
    let tail = match next {
        Some(i) => format!(
            " poll {}/{} · > next change at poll {} ({}) · < previous",
            r.position,
            t.len(),
            i + 1,
            t[i].map(|s| s.label()).unwrap_or("no verdict")
        ),
        None => format!(" poll {}/{} · no change of severity after this poll · < previous", r.position, t.len()),
    };
    let cells = usize::from(width).saturating_sub(10 + tail.chars().count()).clamp(1, t.len());
    let bucket = |c: usize| (c * t.len() / cells)..((c + 1) * t.len() / cells).max(c * t.len() / cells + 1);
    for c in 0..cells {
        let range = bucket(c);
        let worst = t[range.clone()].iter().flatten().max().copied();
        let change = range.clone().any(|i| i > 0 && t[i] != t[i - 1]);
        let glyph = match (worst, change, theme.ascii) {
            (_, true, true) => "|",
            (_, true, false) => "┃",
            (None, _, true) => ".",
            (None, _, false) => "·",
            (Some(Severity::Healthy), _, true) => "_",
            (Some(Severity::Healthy), _, false) => "▁",
            (Some(Severity::Warning), _, true) => "=",
            (Some(Severity::Warning), _, false) => "▄",
            (Some(Severity::Critical), _, true) => "#",
            (Some(Severity::Critical), _, false) => "█",
        };
        let mut style = worst.map(|s| theme.severity(s)).unwrap_or(theme.dim());
        if range.contains(&shown) {
            style = style.patch(theme.selected());
        }
        spans.push(Span::styled(glyph, style));
    }
    spans.push(Span::styled(tail, theme.dim()));
    Line::from(spans)
}

/// A job's impact strip: " DATA LOSS in ~25 min · lag 6.0M records, growing 780/s · reads
/// 1.2k rec/s · busiest 100%".
pub fn impact_line<'a>(impact: &Impact, theme: &Theme) -> Line<'a> {
    let mut spans = vec![Span::raw(" ")];
    for (i, (text, urgency)) in impact.parts().into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", theme.dim()));
        }
        let style = match urgency {
            Urgency::Bad => theme.bad(),
            Urgency::Warn => theme.warn(),
            Urgency::Plain => ratatui::style::Style::default(),
        };
        spans.push(Span::styled(text, style));
    }
    Line::from(spans)
}

/// The recorded wall-clock time of a replayed poll, UTC ("2026-12-06 04:12:09 UTC").
pub fn clock_utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC", rem / 3600, rem % 3600 / 60, rem % 60)
}

fn fmt_speed(s: f64) -> String {
    if s >= 1.0 {
        format!("{s:.0}")
    } else {
        format!("{s}")
    }
}

fn bottom_bar<'a>(app: &App, theme: &Theme, width: u16) -> Line<'a> {
    if app.editing_filter {
        return Line::from(vec![
            Span::styled(" filter: ", theme.title()),
            Span::raw(format!("{}_", app.filter)),
            Span::styled("   Enter keep · Esc clear", theme.dim()),
        ]);
    }
    // Most useful first: what does not fit the width is left out whole (? lists every key).
    let mut keys: Vec<(&str, String)> =
        vec![(label_of(Action::Quit), "quit".into()), (label_of(Action::Help), "help".into())];
    if super::pane::Pane::of(app.view).len() > 1 {
        keys.push(("Tab", "focus".into()));
    }
    if matches!(app.view, View::Chain | View::Detail | View::Overview) {
        keys.push(("b", "bottleneck".into()));
    }
    match app.view {
        View::Overview => keys.push(("Enter", "open job".into())),
        View::Chain => keys.push(("Enter", "detail".into())),
        _ => {}
    }
    if app.view != View::Overview {
        keys.push(("Esc", "back".into()));
    }
    keys.push(("L", "lag".into()));
    if app.view == View::Chain {
        keys.push(("v", if app.boxes { "table".into() } else { "graph".into() }));
    }
    if matches!(app.view, View::Overview | View::Chain) {
        keys.push(("/", if app.filter.is_empty() { "filter".into() } else { format!("filter '{}'", app.filter) }));
    }
    match app.view {
        View::Chain => keys.push(("s", format!("sort: {}", app.sort.label()))),
        View::Overview => keys.push(("s", format!("sort: {}", app.job_sort.label()))),
        _ => {}
    }
    keys.push(("p", if app.paused { "resume".into() } else { "pause".into() }));
    keys.push(("S", "sources".into()));
    if app.replay.is_some() {
        keys.push((", .", "step".into()));
        keys.push(("[ ]", "speed".into()));
    }
    let mut used = 1usize;
    keys.retain(|(k, what)| {
        let w = k.split(' ').next().unwrap_or(k).chars().count() + what.chars().count() + 3;
        used += w;
        used <= usize::from(width)
    });
    let mut spans = vec![Span::raw(" ")];
    for (k, what) in keys {
        spans.push(Span::styled(k.split(' ').next().unwrap_or(k).to_string(), theme.title()));
        spans.push(Span::styled(format!(" {what}  "), theme.dim()));
    }
    Line::from(spans)
}
