//! Consumer lag, group by group and partition by partition: how far behind, in records and
//! seconds, how fast it grows, when retention deletes unread data, and which partitions are hot.
//! Groups losing data first.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

use super::parts::pane_block;
use crate::diagnosis::{LagGroup, LagPartition, LagTrend};
use crate::ui::app::App;
use crate::ui::pane::{Drawn, Pane};
use crate::ui::theme::Theme;
use crate::units::{duration_s, rate};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let Some(d) = app.diagnosis() else { return };
    if d.lag_groups.is_empty() {
        let text = vec![
            Line::from(""),
            Line::from(Span::styled("  no consumer lag source", theme.title())),
            Line::from("  give --scrape with a lag exporter (kafka-lag-exporter, kafka_exporter, kminion),"),
            Line::from("  --prometheus with their metrics, or --burrow"),
        ];
        frame.render_widget(
            Paragraph::new(text).block(pane_block(" consumer lag ".into(), Pane::Partitions, app, theme)),
            area,
        );
        app.screen.put(Pane::Partitions, Drawn { area, ..Drawn::default() });
        return;
    }
    let mut groups: Vec<&LagGroup> = d.lag_groups.iter().collect();
    groups.sort_by(|a, b| {
        a.time_to_data_loss_s
            .unwrap_or(f64::MAX)
            .total_cmp(&b.time_to_data_loss_s.unwrap_or(f64::MAX))
            .then_with(|| b.trend.rank().cmp(&a.trend.rank()))
    });
    // The groups' sentences, whole, above the table.
    let sentences: Vec<Line> = groups
        .iter()
        .map(|g| {
            let who = match (&g.source_vertex, &g.job_id) {
                (Some(_), Some(j)) => {
                    let job = d.jobs.iter().find(|x| &x.id == j).map(|x| x.name.as_str()).unwrap_or(j.as_str());
                    format!(" (job {job})")
                }
                _ => " (no job matched it: --lag-group JOB=GROUP ties it to one)".into(),
            };
            Line::from(vec![
                Span::styled(format!("{}{who}: ", g.group), theme.title()),
                Span::styled(g.summary.clone(), group_style(g, theme)),
            ])
        })
        .collect();
    let text_h = (Paragraph::new(sentences.clone()).wrap(Wrap { trim: true }).line_count(area.width) as u16)
        .min(area.height / 3);
    let [text_area, table_area] = Layout::vertical([Constraint::Length(text_h), Constraint::Min(0)]).areas(area);
    frame.render_widget(Paragraph::new(sentences).wrap(Wrap { trim: true }), text_area);

    let mut rows: Vec<Row> = Vec::new();
    for g in &groups {
        let hot_count = g.hot_partitions.len();
        rows.push(
            Row::new(vec![
                Cell::from(format!(
                    "{}{} ({})",
                    g.group,
                    g.cluster.as_ref().map(|c| format!(" @{c}")).unwrap_or_default(),
                    g.partitions
                )),
                Cell::from(rate(g.total_lag)),
                Cell::from(secs(g.max_lag_seconds, g.max_lag_seconds_estimated)),
                Cell::from(signed_rate(g.growth_per_s)),
                Cell::from(g.time_to_data_loss_s.map(|s| format!("~{}", duration_s(s))).unwrap_or_else(|| "–".into())),
                Cell::from(g.trend.label()),
                Cell::from(if hot_count == 0 { String::new() } else { format!("{hot_count}") }),
            ])
            .style(group_style(g, theme).patch(theme.title())),
        );
        let mut parts: Vec<&LagPartition> =
            d.lag.iter().filter(|p| p.group == g.group && p.cluster == g.cluster).collect();
        parts.sort_by(|a, b| a.topic.cmp(&b.topic).then(a.partition.cmp(&b.partition)));
        for p in parts {
            let hot = if p.hot {
                if theme.ascii {
                    "HOT"
                } else {
                    "HOT▲"
                }
            } else {
                ""
            };
            let style = if p.time_to_data_loss_s.is_some() {
                theme.bad()
            } else if p.hot {
                theme.warn()
            } else {
                Style::default()
            };
            rows.push(
                Row::new(vec![
                    Cell::from(format!("  {}-{}", p.topic, p.partition)),
                    Cell::from(rate(p.lag)),
                    Cell::from(secs(p.lag_seconds, p.lag_seconds_estimated)),
                    Cell::from(signed_rate(p.growth_per_s)),
                    Cell::from(p.time_to_data_loss_s.map(|s| format!("~{}", duration_s(s))).unwrap_or_else(|| {
                        if p.loss_reason.is_some() {
                            "?".into()
                        } else {
                            "–".into()
                        }
                    })),
                    Cell::from(p.trend.label()),
                    Cell::from(hot),
                ])
                .style(style),
            );
        }
    }
    let fit = usize::from(table_area.height.saturating_sub(3)).max(1);
    let max_scroll = rows.len().saturating_sub(fit);
    let scroll = app.scrolls.of(Pane::Partitions).min(max_scroll);
    let total = rows.len();
    let rows: Vec<Row> = rows.into_iter().skip(scroll).take(fit).collect();
    let widths = [
        Constraint::Min(18),
        Constraint::Length(7),
        Constraint::Length(9),
        Constraint::Length(8),
        Constraint::Length(13),
        Constraint::Length(9),
        Constraint::Length(6),
    ];
    let header =
        Row::new(vec!["group (partitions) / partition", "lag", "behind", "growth/s", "loss in", "trend", "hot"])
            .style(theme.dim());
    let title = format!(
        " consumer lag · {} groups{} ",
        groups.len(),
        if total > fit {
            format!(" · rows {}–{} of {total}", scroll + 1, (scroll + fit).min(total))
        } else {
            String::new()
        }
    );
    frame.render_widget(
        Table::new(rows, widths)
            .header(header)
            .block(pane_block(title, Pane::Partitions, app, theme))
            .column_spacing(1),
        table_area,
    );
    app.screen
        .put(Pane::Partitions, Drawn { area: table_area, max_scroll, page: fit, rows: Vec::new(), boxes: Vec::new() });
}

/// As everywhere a group is named (`parts::lag_style`), except that in its own table a trend
/// not known yet reads plain rather than as a warning.
fn group_style(g: &LagGroup, theme: &Theme) -> Style {
    if g.trend == LagTrend::Unknown && g.time_to_data_loss_s.is_none() {
        Style::default()
    } else {
        super::parts::lag_style(g, theme)
    }
}

/// Seconds behind; "~" when bptop estimated it from the log-end history.
fn secs(s: Option<f64>, estimated: bool) -> String {
    match s {
        Some(s) => format!("{}{}", if estimated { "~" } else { "" }, duration_s(s)),
        None => "?".into(),
    }
}

fn signed_rate(r: Option<f64>) -> String {
    match r {
        Some(r) if r > 0.0 => format!("+{}", rate(Some(r))),
        Some(r) => rate(Some(r)),
        None => "?".into(),
    }
}
