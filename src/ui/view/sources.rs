//! Per endpoint: ok, stale since when, failing since when, the last error.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

use super::parts::block;
use crate::ui::app::{App, SourceStatus};
use crate::ui::theme::Theme;
use crate::units::duration_s;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let [table_area, errors] =
        Layout::vertical([Constraint::Length(app.sources().len() as u16 + 4), Constraint::Min(0)]).areas(area);
    let age = |t: Option<i64>| {
        t.map(|t| format!("{} ago", duration_s((app.now_ms - t).max(0) as f64 / 1000.0)))
            .unwrap_or_else(|| "never".into())
    };
    let rows: Vec<Row> = app
        .sources()
        .iter()
        .map(|s| {
            let for_ = |t: i64| duration_s((app.now_ms - t).max(0) as f64 / 1000.0);
            let (state, style) = match app.status(s) {
                SourceStatus::Failing { since_ms } => (format!("FAILING for {}", for_(since_ms)), theme.bad()),
                SourceStatus::Stale { since_ms, answered: true } => {
                    (format!("STALE for {}", for_(since_ms)), theme.warn())
                }
                SourceStatus::Stale { since_ms, answered: false } => {
                    (format!("STALE: no answer in {}", for_(since_ms)), theme.warn())
                }
                SourceStatus::Waiting => ("waiting".to_string(), theme.dim()),
                SourceStatus::Late => ("late: answer pending".to_string(), theme.warn()),
                SourceStatus::Ok => ("ok".to_string(), ratatui::style::Style::default()),
            };
            Row::new(vec![
                Cell::from(s.health.name.as_str()),
                Cell::from(s.health.kind.name()),
                Cell::from(Line::from(Span::styled(state, style))),
                Cell::from(age(s.last_ok_ms)),
                Cell::from(s.health.requests.to_string()),
                Cell::from(s.health.endpoint.as_str()),
            ])
        })
        .collect();
    let widths = [
        Constraint::Length(10),
        Constraint::Length(8),
        Constraint::Length(26),
        Constraint::Length(14),
        Constraint::Length(8),
        Constraint::Min(20),
    ];
    let header = Row::new(vec!["source", "kind", "state", "last answer", "requests", "endpoint"]).style(theme.dim());
    let mut title = " sources ".to_string();
    if let Some(since) = app.polling_since_ms {
        title = format!(" sources · poll under way for {} ", duration_s((app.now_ms - since).max(0) as f64 / 1000.0));
    }
    frame.render_widget(Table::new(rows, widths).header(header).block(block(title, theme)), table_area);
    let mut lines = Vec::new();
    if app.sources().is_empty() {
        lines.push(Line::from("no poll has finished yet"));
    }
    for s in app.sources() {
        if let Some(e) = &s.health.error {
            lines.push(Line::from(Span::styled(format!("{}: {e}", s.health.name), theme.bad())));
        }
        for e in &s.health.partial_errors {
            lines.push(Line::from(Span::styled(format!("{} (partial): {e}", s.health.name), theme.warn())));
        }
    }
    if lines.is_empty() {
        lines.push(Line::from("no errors in the last poll"));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }).block(block(" last errors ", theme)), errors);
}
