//! Every job with its severity, impact and one-line verdict, worst first; the consumer lag
//! below.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};
use ratatui::Frame;

use super::parts::{pane_block, text_pane};
use crate::diagnosis::LagTrend;
use crate::ui::app::{App, JobSort};
use crate::ui::impact::Impact;
use crate::ui::pane::{Drawn, Pane, RowRef};
use crate::ui::theme::Theme;
use crate::ui::tree;
use crate::units::{duration_s, pct, rate};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let Some(d) = app.diagnosis() else { return };
    let jobs = app.job_rows();
    let groups = d.lag_groups.len();
    let (jobs_area, lag_area) = if groups > 0 {
        // Without jobs (a lag source alone) the lag is the whole story.
        let lag_h = if d.jobs.is_empty() {
            area.height.saturating_sub(4)
        } else {
            (groups as u16 * 3 + 2).min(area.height / 2)
        };
        let [a, b] = Layout::vertical([Constraint::Min(4), Constraint::Length(lag_h)]).areas(area);
        (a, Some(b))
    } else {
        (area, None)
    };
    let selected = app.job().map(|j| j.id.clone());
    let fit = usize::from(jobs_area.height.saturating_sub(3)).max(1);
    let at = selected.as_deref().and_then(|id| jobs.iter().position(|j| j.id == id)).unwrap_or(0);
    let offset = (at + 1).saturating_sub(fit);
    let mut drawn_rows = Vec::new();
    let rows: Vec<Row> = jobs
        .iter()
        .skip(offset)
        .take(fit)
        .enumerate()
        .map(|(i, j)| {
            drawn_rows.push((jobs_area.y + 2 + i as u16, RowRef::Job(j.id.clone())));
            let is_sel = selected.as_deref() == Some(j.id.as_str());
            let impact = Impact::of(j, d);
            let bottleneck = j.bottlenecks.first().map(|b| tree::label(j, &b.vertex_id)).unwrap_or_else(|| "–".into());
            let lag = match (impact.lag, impact.loss_s) {
                (_, Some(s)) => Span::styled(format!("LOSS ~{}", duration_s(s)), theme.bad()),
                (Some(l), _) => Span::styled(
                    format!(
                        "{}{}",
                        rate(Some(l)),
                        match impact.trend {
                            Some(LagTrend::Growing) =>
                                if theme.ascii {
                                    " ^"
                                } else {
                                    " ↑"
                                },
                            _ => "",
                        }
                    ),
                    if impact.trend == Some(LagTrend::Growing) { theme.warn() } else { Default::default() },
                ),
                (None, _) => Span::styled("–", theme.dim()),
            };
            let row = Row::new(vec![
                Cell::from(if is_sel { theme.cursor() } else { " " }),
                Cell::from(Line::from(Span::styled(
                    format!("{} {}", theme.severity_symbol(j.severity), j.severity.label().to_uppercase()),
                    theme.severity(j.severity),
                ))),
                Cell::from(j.name.as_str()),
                Cell::from(j.state.as_str()),
                Cell::from(Line::from(lag)),
                Cell::from(rate(impact.throughput)),
                Cell::from(pct(impact.max_busy)),
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
        Constraint::Percentage(18),
        Constraint::Length(11),
        Constraint::Length(12),
        Constraint::Length(8),
        Constraint::Length(6),
        Constraint::Percentage(18),
        Constraint::Min(20),
    ];
    let title = format!(
        " jobs ({}) · sort {}{} ",
        jobs.len(),
        app.job_sort.label(),
        if app.filter.is_empty() { String::new() } else { format!(" · filter '{}'", app.filter) }
    );
    // The sorted column is marked, as in k9s and htop.
    let sorted_col = match app.job_sort {
        JobSort::Severity => 1,
        JobSort::Name => 2,
        JobSort::Lag => 4,
        JobSort::Throughput => 5,
        JobSort::Busy => 6,
    };
    let mark = if theme.ascii { "v" } else { "▼" };
    let header: Vec<Cell> = ["", "severity", "job", "state", "lag", "reads/s", "busy", "bottleneck", "verdict"]
        .into_iter()
        .enumerate()
        .map(
            |(i, h)| {
                if i == sorted_col {
                    Cell::from(format!("{h}{mark}")).style(theme.title())
                } else {
                    Cell::from(h)
                }
            },
        )
        .collect();
    frame.render_widget(
        Table::new(rows, widths)
            .header(Row::new(header).style(theme.dim()))
            .block(pane_block(title, Pane::Jobs, app, theme))
            .column_spacing(1),
        jobs_area,
    );
    app.screen
        .put(Pane::Jobs, Drawn { area: jobs_area, max_scroll: 0, page: fit, rows: drawn_rows, boxes: Vec::new() });
    if let Some(lag_area) = lag_area {
        let mut groups: Vec<_> = d.lag_groups.iter().collect();
        groups.sort_by(|a, b| {
            a.time_to_data_loss_s.unwrap_or(f64::MAX).total_cmp(&b.time_to_data_loss_s.unwrap_or(f64::MAX))
        });
        let lines: Vec<Line> = groups
            .into_iter()
            .map(|g| {
                Line::from(vec![
                    Span::styled(format!("{} [{}] ", g.group, g.trend.label()), super::parts::lag_style(g, theme)),
                    Span::raw(g.summary.clone()),
                ])
            })
            .collect();
        text_pane(frame, lag_area, lines, " consumer lag · L: partitions ".into(), Pane::LagSummary, app, theme);
    }
}
