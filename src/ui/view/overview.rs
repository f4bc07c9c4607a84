//! Every job with its severity and one-line verdict.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

use super::parts::block;
use crate::diagnosis::LagTrend;
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
    let groups = app.diagnosis().map(|d| d.lag_groups.len()).unwrap_or(0);
    let (jobs_area, lag_area) = if groups > 0 {
        // Without jobs (a lag source alone) the lag is the whole story.
        let lag_h =
            if jobs.is_empty() { area.height.saturating_sub(4) } else { (groups as u16 * 3 + 2).min(area.height / 2) };
        let [a, b] = Layout::vertical([Constraint::Min(4), Constraint::Length(lag_h)]).areas(area);
        (a, Some(b))
    } else {
        (area, None)
    };
    frame
        .render_widget(Table::new(rows, widths).header(header).block(block(title, theme)).column_spacing(1), jobs_area);
    if let (Some(lag_area), Some(d)) = (lag_area, app.diagnosis()) {
        let lines: Vec<Line> = d
            .lag_groups
            .iter()
            .map(|g| {
                let style = match g.trend {
                    // A forecast data loss (or one already happened) outranks any trend.
                    _ if g.time_to_data_loss_s.is_some() => theme.bad(),
                    LagTrend::Ok => theme.dim(),
                    _ => theme.warn(),
                };
                Line::from(vec![
                    Span::styled(format!("{} [{}] ", g.group, g.trend.label()), style),
                    Span::raw(g.summary.clone()),
                ])
            })
            .collect();
        frame.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: true }).block(block(" consumer lag ", theme)),
            lag_area,
        );
    }
}
