//! Help, generated from the keymap, and the legend of the symbols.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::parts::block;
use crate::diagnosis::Class;
use crate::ui::app::App;
use crate::ui::keymap::{Scope, KEYMAP};
use crate::ui::pane::{Drawn, Pane};
use crate::ui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let scroll = app.help_scroll;
    let mut lines = Vec::new();
    for scope in [Scope::Everywhere, Scope::Lists, Scope::Replay] {
        lines.push(Line::from(Span::styled(scope.title(), theme.title())));
        for b in KEYMAP.iter().filter(|b| b.scope == scope) {
            lines.push(Line::from(vec![Span::styled(format!("  {:<14}", b.label), theme.title()), Span::raw(b.help)]));
        }
        lines.push(Line::from(""));
    }
    lines.push(Line::from(Span::styled("Classes", theme.title())));
    for (class, what) in [
        (Class::Bottleneck, "busy, not backpressured, holding back the vertices upstream: fix this one"),
        (Class::Victim, "backpressured: waiting for something downstream, not the cause"),
        (Class::Healthy, "keeping up"),
        (Class::Idle, "mostly waiting for input"),
        (Class::Unknown, "no usable metrics (NaN, not reported yet, job not running)"),
    ] {
        lines.push(Line::from(vec![
            Span::styled(
                format!("  {} {:<11}", theme.class_symbol(class), theme.class_label(class)),
                theme.class(class),
            ),
            Span::raw(what),
        ]));
    }
    let (b, p, i) = theme.bar_glyphs();
    lines.push(Line::from(format!("  bar: {b} busy  {p} backpressured  {i} idle (worst subtask)")));
    let w = area.width.min(100);
    let para = Paragraph::new(lines).wrap(Wrap { trim: false });
    let need = para.line_count(w.saturating_sub(2)) as u16;
    let h = area.height.min(need + 2);
    let popup = Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h };
    // Taller than the screen at 80x24: j/k scroll it.
    let max = usize::from(need.saturating_sub(h.saturating_sub(2)));
    let title = if max > 0 { " help · j/k scroll · any other key closes " } else { " help · any key closes " };
    app.screen.put(Pane::Help, Drawn { area: popup, max_scroll: max, page: usize::from(h), ..Drawn::default() });
    frame.render_widget(Clear, popup);
    frame.render_widget(para.block(block(title, theme)).scroll((scroll.min(max) as u16, 0)), popup);
}
