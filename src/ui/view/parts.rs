//! Small pieces shared by the views: bars, sparklines, boxes.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use crate::diagnosis::{Class, LagGroup, LagTrend};
use crate::history::{History, SeriesKey};
use crate::model::Metric;
use crate::ui::app::App;
use crate::ui::pane::{Drawn, Pane};
use crate::ui::theme::Theme;

pub fn block<'a>(title: impl Into<Line<'a>>, theme: &Theme) -> Block<'a> {
    Block::default().borders(Borders::ALL).border_set(theme.border()).title(title)
}

/// A pane's box: the focused one says so in its border and title (colour alone would not
/// survive NO_COLOR).
pub fn pane_block<'a>(title: String, pane: Pane, app: &App, theme: &Theme) -> Block<'a> {
    let focused = app.focus == pane && Pane::of(app.view).len() > 1;
    if focused {
        let mark = if theme.ascii { "> " } else { "▸ " };
        Block::default()
            .borders(Borders::ALL)
            .border_set(theme.focus_border())
            .border_style(theme.title())
            .title(Line::from(Span::styled(format!("{mark}{}", title.trim_start()), theme.title())))
    } else {
        block(title, theme)
    }
}

/// Wrapped text in a box that scrolls: the app's scroll for `pane`, clamped to the text, with
/// "more" marks in the border when lines are hidden above or below. Records the pane for the
/// keys and the mouse.
pub fn text_pane(frame: &mut Frame, area: Rect, lines: Vec<Line>, title: String, pane: Pane, app: &App, theme: &Theme) {
    let inner_h = usize::from(area.height.saturating_sub(2));
    let para = Paragraph::new(lines).wrap(Wrap { trim: false });
    let total = para.line_count(area.width.saturating_sub(2));
    let max_scroll = total.saturating_sub(inner_h);
    let scroll = app.scrolls.of(pane).min(max_scroll);
    let mut block = pane_block(title, pane, app, theme);
    let (up, down) = if theme.ascii { ("^", "v") } else { ("↑", "↓") };
    if scroll > 0 {
        block = block.title_bottom(Line::from(Span::styled(format!(" {up} {scroll} more "), theme.dim())));
    }
    if scroll < max_scroll {
        let rest = max_scroll - scroll;
        block = block.title_bottom(
            Line::from(Span::styled(format!(" {down} {rest} more (Tab, j/k) "), theme.dim())).right_aligned(),
        );
    }
    frame.render_widget(para.block(block).scroll((scroll as u16, 0)), area);
    app.screen.put(pane, Drawn { area, max_scroll, page: inner_h, rows: Vec::new(), boxes: Vec::new() });
}

/// Stacked busy / backpressured / idle bar of `width` cells; unknown parts stay blank.
pub fn bar(
    busy: Option<f64>,
    bp: Option<f64>,
    idle: Option<f64>,
    width: usize,
    class: Class,
    theme: &Theme,
) -> Vec<Span<'static>> {
    let (gb, gp, gi) = theme.bar_glyphs();
    let (sb, sp, si) = theme.bar_styles(class);
    let cells = |r: Option<f64>| (r.unwrap_or(0.0).clamp(0.0, 1.0) * width as f64).round() as usize;
    let b = cells(busy).min(width);
    let p = cells(bp).min(width - b);
    let i = cells(idle).min(width - b - p);
    let rest = width - b - p - i;
    let unknown = if busy.is_none() && bp.is_none() && idle.is_none() { "?" } else { " " };
    vec![
        Span::styled(gb.repeat(b), sb),
        Span::styled(gp.repeat(p), sp),
        Span::styled(gi.repeat(i), si),
        Span::raw(unknown.repeat(rest)),
    ]
}

/// The last `width` points of a vertex series as an eight-level sparkline (ratios 0..1).
pub fn sparkline(history: &History, job: &str, vertex: &str, metric: Metric, width: usize, theme: &Theme) -> String {
    let key = SeriesKey { job_id: job.to_string(), vertex_id: vertex.to_string(), metric };
    let Some(series) = history.series(&key) else { return " ".repeat(width) };
    let levels = theme.spark_levels();
    let points: Vec<f64> = series.points().rev().take(width).map(|p| p.1).collect();
    let mut s: String = " ".repeat(width.saturating_sub(points.len()));
    for v in points.iter().rev() {
        let idx = (v.clamp(0.0, 1.0) * (levels.len() - 1) as f64).round() as usize;
        s.push_str(levels[idx]);
    }
    s
}

/// Which series tells a vertex's story: victims by their backpressure, the rest by busy time.
/// A vertex's class at each of the last `width` measurements, oldest first, one coloured mark
/// each (healthy a dot, so that a gap shows as a gap): a stall that comes and goes reads as a
/// broken row of bottleneck marks, a sustained one as an unbroken row.
pub fn class_strip<'a>(timeline: &[Class], width: usize, theme: &Theme) -> Line<'a> {
    let recent = &timeline[timeline.len().saturating_sub(width)..];
    let mut spans: Vec<Span> = vec![Span::raw(" ".repeat(width - recent.len()))];
    spans.extend(recent.iter().map(|&c| {
        let mark = match (c, theme.ascii) {
            (Class::Healthy, false) => "·",
            (Class::Healthy, true) => ".",
            _ => theme.class_symbol(c),
        };
        Span::styled(mark, theme.class(c))
    }));
    Line::from(spans)
}

pub fn story_metric(class: Class) -> Metric {
    if class == Class::Victim {
        Metric::Backpressured
    } else {
        Metric::Busy
    }
}

/// A consumer group's colour: a forecast data loss (or one already happening) outranks any
/// trend; a group keeping up is dim, any other trend a warning.
pub fn lag_style(g: &LagGroup, theme: &Theme) -> Style {
    match g.trend {
        _ if g.time_to_data_loss_s.is_some() => theme.bad(),
        LagTrend::Ok => theme.dim(),
        _ => theme.warn(),
    }
}

pub fn kv<'a>(k: &'a str, v: String, theme: &Theme) -> Line<'a> {
    Line::from(vec![Span::styled(format!("{k}: "), theme.dim()), Span::raw(v)])
}

pub fn bullet<'a>(text: String, style: Style, theme: &Theme) -> Line<'a> {
    Line::from(vec![Span::styled(if theme.ascii { " - " } else { " · " }, theme.dim()), Span::styled(text, style)])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(l: &Line) -> String {
        l.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn the_class_strip_ends_at_now_and_shows_a_stall_as_gaps() {
        use Class::{Bottleneck as B, Healthy as H, Idle as I, Unknown as U, Victim as V};
        let theme = Theme { color: true, ascii: false };
        // Fewer measurements than room: padded on the left, so the newest is always last.
        assert_eq!(text(&class_strip(&[B, H, H, B], 6, &theme)), "  ▶··▶");
        // More: the newest `width`.
        assert_eq!(text(&class_strip(&[U, V, I, B], 3, &theme)), "⇡○▶");
        let ascii = Theme { color: false, ascii: true };
        assert_eq!(text(&class_strip(&[B, H, V, I, U], 5, &ascii)), ">.^o?");
        // Each mark in its class's style.
        let strip = class_strip(&[B, V], 2, &theme);
        assert_eq!(strip.spans[1].style, theme.class(B));
        assert_eq!(strip.spans[2].style, theme.class(V));
    }
}
