//! Every job with its severity and one-line verdict.

use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};
use ratatui::Frame;

use super::parts::block;
use crate::ui::app::App;
use crate::ui::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let jobs = app.job_rows();
    let selected = app.job().map(|j| j.id.clone());
    let rows: Vec<Row> = jobs
        .iter()
        .map(|j| {
            let is_sel = selected.as_deref() == Some(j.id.as_str());
            let bottleneck = j.bottlenecks.first().map(|b| b.name.clone()).unwrap_or_else(|| "–".into());
            let row = Row::new(vec![
                Cell::from(if is_sel { theme.cursor() } else { " " }),
                Cell::from(Line::from(Span::styled(
                    format!("{} {}", theme.severity_symbol(j.severity), j.severity.label().to_uppercase()),
                    theme.severity(j.severity),
                ))),
                Cell::from(j.name.as_str()),
                Cell::from(j.state.as_str()),
                Cell::from(bottleneck),
                Cell::from(j.summary.as_str()),
            ]);
            if is_sel {
                row.style(theme.selected())
            } else {
                row
            }
        })
        .collect();
    let widths = [
        Constraint::Length(1),
        Constraint::Length(10),
        Constraint::Percentage(22),
        Constraint::Length(11),
        Constraint::Percentage(22),
        Constraint::Min(20),
    ];
    let title = format!(
        " jobs ({}){} ",
        jobs.len(),
        if app.filter.is_empty() { String::new() } else { format!(" · filter '{}'", app.filter) }
    );
    let header = Row::new(vec!["", "severity", "job", "state", "bottleneck", "verdict"]).style(theme.dim());
    frame.render_widget(Table::new(rows, widths).header(header).block(block(title, theme)).column_spacing(1), area);
}
