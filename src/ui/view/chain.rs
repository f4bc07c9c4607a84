//! The operator chain: vertices in data-flow order with their edges, class, busy /
//! backpressured / idle bar, pools, rates and a sparkline; beside it the bottleneck card and
//! the trend panel.

use std::collections::HashMap;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

use super::parts::{bar, block, bullet, class_strip, sparkline, story_metric};
use crate::diagnosis::{Class, Forecast, ForecastStatus, JobDiagnosis, VertexDiagnosis};
use crate::history::SeriesKey;
use crate::model::Metric;
use crate::ui::app::App;
use crate::ui::theme::Theme;
use crate::units::{duration_s, pct, pool, rate};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let Some(job) = app.job() else { return };
    let [head, rest] = Layout::vertical([Constraint::Length(2), Constraint::Min(0)]).areas(area);
    frame.render_widget(Paragraph::new(job_header(job, theme)).wrap(Wrap { trim: true }), head);
    let wide = rest.width >= 150;
    let (table_area, side) = if wide {
        let [t, s] = Layout::horizontal([Constraint::Min(90), Constraint::Length(56)]).areas(rest);
        (t, s)
    } else {
        // The table takes what its rows need; the cards get the rest (at least 8 lines).
        let rows = app.vertex_rows().len() as u16 + 3;
        let table_h = rows.min(rest.height.saturating_sub(8)).max(5);
        let [t, s] = Layout::vertical([Constraint::Length(table_h), Constraint::Min(0)]).areas(rest);
        (t, s)
    };
    vertex_table(frame, table_area, app, job, theme);
    if wide {
        let [card, trend] = Layout::vertical([Constraint::Min(8), Constraint::Length(16)]).areas(side);
        bottleneck_card(frame, card, job, theme);
        trend_panel(frame, trend, app, job, theme);
    } else {
        let [card, trend] = Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(side);
        bottleneck_card(frame, card, job, theme);
        trend_panel(frame, trend, app, job, theme);
    }
}

fn job_header<'a>(job: &'a JobDiagnosis, theme: &Theme) -> Vec<Line<'a>> {
    vec![
        Line::from(vec![
            Span::styled(
                format!(" {} {} ", theme.severity_symbol(job.severity), job.severity.label().to_uppercase()),
                theme.severity(job.severity),
            ),
            Span::styled(job.name.as_str(), theme.title()),
            Span::styled(
                format!(
                    "  {} · {} · {} poll{}",
                    crate::model::short_id(&job.id),
                    job.state,
                    job.samples,
                    if job.samples == 1 { "" } else { "s" }
                ),
                theme.dim(),
            ),
        ]),
        Line::from(format!(" {}", job.summary)),
    ]
}

/// Depth of each vertex: the longest path from a source, for indentation.
fn depths(job: &JobDiagnosis) -> HashMap<&str, usize> {
    let mut depth: HashMap<&str, usize> = HashMap::new();
    for v in &job.vertices {
        let d = v.inputs.iter().filter_map(|i| depth.get(i.id.as_str())).map(|d| d + 1).max().unwrap_or(0);
        depth.insert(v.id.as_str(), d);
    }
    depth
}

/// Strategy as a short tag: HASH → H.
fn strategy_tag(s: Option<&str>) -> &'static str {
    match s.map(|s| s.to_ascii_uppercase()) {
        Some(s) if s.starts_with("HASH") => "hash",
        Some(s) if s.starts_with("FORWARD") => "fwd",
        Some(s) if s.starts_with("REBALANCE") => "rebal",
        Some(s) if s.starts_with("BROADCAST") => "bcast",
        Some(s) if s.starts_with("RESCALE") => "rescale",
        Some(_) => "edge",
        None => "",
    }
}

fn vertex_table(frame: &mut Frame, area: Rect, app: &App, job: &JobDiagnosis, theme: &Theme) {
    let rows_v = app.vertex_rows();
    let number: HashMap<&str, usize> = job.vertices.iter().enumerate().map(|(i, v)| (v.id.as_str(), i + 1)).collect();
    let outputs: HashMap<&str, usize> =
        job.vertices.iter().flat_map(|v| v.inputs.iter().map(|i| i.id.as_str())).fold(HashMap::new(), |mut m, id| {
            *m.entry(id).or_default() += 1;
            m
        });
    let depth = depths(job);
    let selected = app.vertex().map(|v| v.id.clone());
    let w = area.width;
    // Columns give way, least useful first, so 80 columns still show the verdict.
    let show_pools = w >= 125;
    let show_out = w >= 135;
    let show_idle = w >= 120;
    let show_in = w >= 100;
    let spark_w = if w >= 100 { 12 } else { 6 };
    // The class at each measurement: how long the verdict holds.
    let show_strip = w >= 110;
    const STRIP_W: usize = 10;
    let bar_w = if w >= 100 { 10 } else { 8 };
    let mut header = vec!["", "#", "operator (data flow ↓)", "class", "load", "busy", "bp"];
    if show_idle {
        header.push("idle");
    }
    if show_pools {
        header.push("in/out pool");
    }
    if show_in {
        header.push("in/s");
    }
    if show_out {
        header.push("out/s");
    }
    if show_strip {
        header.push("held");
    }
    header.push("trend");
    let mut widths = vec![
        Constraint::Length(1),
        Constraint::Length(3),
        Constraint::Min(20),
        Constraint::Length(12),
        Constraint::Length(bar_w as u16),
        Constraint::Length(6),
        Constraint::Length(6),
    ];
    if show_idle {
        widths.push(Constraint::Length(6));
    }
    if show_pools {
        widths.push(Constraint::Length(11));
    }
    if show_in {
        widths.push(Constraint::Length(7));
    }
    if show_out {
        widths.push(Constraint::Length(7));
    }
    if show_strip {
        widths.push(Constraint::Length(STRIP_W as u16));
    }
    widths.push(Constraint::Length(spark_w as u16));

    // Only the rows that fit are built (a 200-vertex job would otherwise cost most of a
    // frame), scrolled so that the selected vertex is always on screen.
    let fit = usize::from(area.height.saturating_sub(3)).max(1);
    let at = selected.as_deref().and_then(|id| rows_v.iter().position(|v| v.id == id)).unwrap_or(0);
    let offset = (at + 1).saturating_sub(fit);
    let rows: Vec<Row> = rows_v
        .iter()
        .skip(offset)
        .take(fit)
        .map(|v| {
            let is_sel = selected.as_deref() == Some(v.id.as_str());
            let cls = theme.class(v.class);
            let mut cells = vec![
                Cell::from(if is_sel { theme.cursor() } else { " " }),
                Cell::from(format!("{:>2}", number.get(v.id.as_str()).copied().unwrap_or(0))).style(theme.dim()),
                Cell::from(name_line(v, &number, &outputs, &depth, app, theme)),
                Cell::from(Line::from(vec![Span::styled(
                    format!("{} {}", theme.class_symbol(v.class), theme.class_label(v.class)),
                    cls,
                )])),
                Cell::from(Line::from(bar(v.busy, v.backpressured, v.idle, bar_w, v.class, theme))),
                Cell::from(pct(v.busy)).style(if v.class == Class::Bottleneck { cls } else { Style::default() }),
                Cell::from(pct(v.backpressured)).style(if v.class == Class::Victim { cls } else { Style::default() }),
            ];
            if show_idle {
                cells.push(Cell::from(pct(v.idle)));
            }
            if show_pools {
                cells.push(Cell::from(format!("{}/{}", pool(v.in_pool), pool(v.out_pool))));
            }
            if show_in {
                cells.push(Cell::from(rate(v.records_in_per_s)));
            }
            if show_out {
                cells.push(Cell::from(rate(v.records_out_per_s)));
            }
            if show_strip {
                cells.push(Cell::from(class_strip(&v.timeline, STRIP_W, theme)));
            }
            cells.push(
                Cell::from(sparkline(app.history(), &job.id, &v.id, story_metric(v.class), spark_w, theme)).style(cls),
            );
            let mut row = Row::new(cells);
            if v.class == Class::Bottleneck {
                row = row.style(cls);
            }
            if is_sel {
                row = row.style(if v.class == Class::Bottleneck {
                    cls.patch(theme.selected())
                } else {
                    theme.selected()
                });
            }
            row
        })
        .collect();
    let title = format!(
        " operators · sort {} {}{}",
        app.sort.label(),
        if app.filter.is_empty() { String::new() } else { format!("· filter '{}' ", app.filter) },
        if rows_v.len() > fit {
            format!("· {}–{} of {} ", offset + 1, (offset + fit).min(rows_v.len()), rows_v.len())
        } else {
            String::new()
        }
    );
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(theme.dim()))
        .block(block(title, theme))
        .column_spacing(1);
    frame.render_widget(table, area);
}

/// Indentation by depth, an edge glyph, fan-in and fan-out marks, and the name.
fn name_line<'a>(
    v: &'a VertexDiagnosis,
    number: &HashMap<&str, usize>,
    outputs: &HashMap<&str, usize>,
    depth: &HashMap<&str, usize>,
    app: &App,
    theme: &Theme,
) -> Line<'a> {
    let d = depth.get(v.id.as_str()).copied().unwrap_or(0).min(6);
    let mut spans = Vec::new();
    let flow_order = app.sort == crate::ui::app::Sort::Flow;
    if flow_order && d > 0 {
        spans.push(Span::raw(" ".repeat(2 * (d - 1))));
        spans.push(Span::styled(if theme.ascii { "`-> " } else { "└▶ " }, theme.dim()));
    } else if v.inputs.is_empty() {
        spans.push(Span::styled(if theme.ascii { "* " } else { "◆ " }, theme.dim()));
    }
    let name_style = if v.class == Class::Bottleneck { theme.class(v.class) } else { Style::default() };
    spans.push(Span::styled(v.name.as_str(), name_style));
    if v.operators.len() > 1 {
        spans.push(Span::styled(format!(" [{} chained]", v.operators.len()), theme.dim()));
    }
    // Fan-in: name every input; a straight chain needs no label.
    if v.inputs.len() > 1 || !flow_order {
        let ins: Vec<String> = v
            .inputs
            .iter()
            .map(|i| {
                format!(
                    "#{}{}",
                    number.get(i.id.as_str()).copied().unwrap_or(0),
                    match strategy_tag(i.ship_strategy.as_deref()) {
                        "" => String::new(),
                        t => format!(" {t}"),
                    }
                )
            })
            .collect();
        if !ins.is_empty() {
            spans.push(Span::styled(
                format!(" {} {}", if theme.ascii { "<=" } else { "⇐" }, ins.join(", ")),
                theme.dim(),
            ));
        }
    } else if let Some(i) = v.inputs.first() {
        let tag = strategy_tag(i.ship_strategy.as_deref());
        if tag != "fwd" && !tag.is_empty() {
            spans.push(Span::styled(format!(" ({tag})"), theme.dim()));
        }
    }
    if let Some(n) = outputs.get(v.id.as_str()).filter(|n| **n > 1) {
        spans.push(Span::styled(format!(" {} fan-out {n}", if theme.ascii { "=>" } else { "⇉" }), theme.dim()));
    }
    Line::from(spans)
}

/// Victims named on the bottleneck card at most.
const CARD_NAMES: usize = 8;

fn bottleneck_card(frame: &mut Frame, area: Rect, job: &JobDiagnosis, theme: &Theme) {
    let mut lines: Vec<Line> = Vec::new();
    let title;
    if let Some(b) = job.bottlenecks.first() {
        title = format!(
            " bottleneck{} ",
            if job.bottlenecks.len() > 1 { format!(" 1 of {}", job.bottlenecks.len()) } else { String::new() }
        );
        lines.push(Line::from(vec![
            Span::styled(
                format!("{} {}", theme.class_symbol(Class::Bottleneck), b.name),
                theme.class(Class::Bottleneck),
            ),
            Span::styled(
                format!("  {} · confidence {} {:.2}", b.kind.label(), b.confidence_label, b.confidence),
                theme.dim(),
            ),
        ]));
        // What to change first: at 3 a.m. the advice matters before the evidence behind it.
        for (i, l) in b.advice_lines(theme.arrow(), true).into_iter().enumerate() {
            lines.push(bullet(l, if i == 0 { theme.title() } else { Style::default() }, theme));
        }
        for e in &b.evidence {
            lines.push(bullet(e.clone(), Style::default(), theme));
        }
        let a = &b.advice;
        if let Some(tr) = a.true_rate_per_subtask {
            lines.push(bullet(format!("true rate ≈ {} rec/s per subtask", rate(Some(tr))), theme.dim(), theme));
        }
        for h in &a.hints {
            lines.push(bullet(format!("{}: {}", h.kind, h.text), theme.dim(), theme));
        }
        let victims: Vec<&str> =
            job.vertices.iter().filter(|v| v.class == Class::Victim).map(|v| v.name.as_str()).collect();
        if !victims.is_empty() {
            // A card cannot show a hundred names; the table marks every victim anyway.
            let more = victims.len().saturating_sub(CARD_NAMES);
            lines.push(Line::from(Span::styled(
                format!(
                    "victims (not the cause): {}{}",
                    victims[..victims.len().min(CARD_NAMES)].join(", "),
                    if more > 0 { format!(" and {more} more") } else { String::new() }
                ),
                theme.class(Class::Victim),
            )));
        }
    } else {
        title = " verdict ".to_string();
        lines.push(Line::from(job.summary.clone()));
    }
    for f in &job.findings {
        lines.push(bullet(f.clone(), theme.warn(), theme));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }).block(block(title, theme)), area);
}

/// The forecast that matters most (the earliest saturation, else the bottleneck's busy time,
/// else the busiest vertex's), its history with the fitted line run on to the threshold, and
/// what is not available.
fn trend_panel(frame: &mut Frame, area: Rect, app: &App, job: &JobDiagnosis, theme: &Theme) {
    use ratatui::symbols::Marker;
    use ratatui::widgets::{Axis, Chart, Dataset, GraphType};

    let Some(d) = app.diagnosis() else { return };
    let fs: Vec<&Forecast> = d.forecasts.iter().filter(|f| f.job_id == job.id).collect();
    let earliest = fs
        .iter()
        .filter(|f| f.status == ForecastStatus::Eta)
        .min_by(|a, b| a.eta_seconds.unwrap_or(f64::MAX).total_cmp(&b.eta_seconds.unwrap_or(f64::MAX)));
    let subject_id = job.bottlenecks.first().map(|b| b.vertex_id.clone()).or_else(|| {
        job.vertices
            .iter()
            .filter(|v| v.busy.is_some())
            .max_by(|a, b| a.busy.unwrap_or(0.0).total_cmp(&b.busy.unwrap_or(0.0)))
            .map(|v| v.id.clone())
    });
    let chosen = earliest
        .copied()
        .or_else(|| fs.iter().find(|f| Some(&f.vertex_id) == subject_id.as_ref() && f.metric == "busy").copied());
    let block = block(" forecast ", theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines = Vec::new();
    let Some(f) = chosen else {
        lines.push(Line::from("no history yet to forecast from"));
        lines.extend(lag_lines(app, job, theme));
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
        return;
    };
    let headline = match f.status {
        ForecastStatus::Eta => format!(
            "{} of {} reaches {} in ~{}",
            f.metric,
            f.subject,
            pct(Some(f.threshold)),
            duration_s(f.eta_seconds.unwrap_or(0.0))
        ),
        ForecastStatus::Saturated => format!("{} of {}: saturated", f.metric, f.subject),
        _ => format!("{} of {}: no ETA", f.metric, f.subject),
    };
    let style = if f.status == ForecastStatus::Eta { theme.warn() } else { theme.title() };
    lines.push(Line::from(Span::styled(headline, style)));
    lines.push(Line::from(Span::styled(f.reason.clone().unwrap_or_default(), theme.dim())));
    let lag = lag_lines(app, job, theme);
    let text_h = (3 + lag.len() as u16).min(inner.height);
    lines.extend(lag);
    let [text_area, chart_area] = Layout::vertical([Constraint::Length(text_h), Constraint::Min(0)]).areas(inner);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), text_area);
    if chart_area.height < 4 {
        return;
    }
    // Seconds relative to the last sample; the line runs on to the threshold (or a quarter of
    // the window when there is no ETA to draw).
    let metric = match f.metric.as_str() {
        "out_pool" => Metric::OutPool,
        "in_pool" => Metric::InPool,
        _ => Metric::Busy,
    };
    let key = SeriesKey { job_id: job.id.clone(), vertex_id: f.vertex_id.clone(), metric };
    let Some(series) = app.history().series(&key) else { return };
    let last = f.last_ms.unwrap_or(0);
    let points: Vec<(f64, f64)> = series
        .points()
        .filter(|p| (last - p.0) as f64 <= d.forecast_window_s * 1000.0)
        .map(|p| ((p.0 - last) as f64 / 1000.0, p.1))
        .collect();
    let x_min = points.first().map(|p| p.0).unwrap_or(-1.0).min(-1.0);
    let ahead = f.eta_seconds.unwrap_or(-x_min / 4.0).max(1.0);
    let x_max = ahead.min(-x_min * 4.0).max(1.0);
    let mut fitted = Vec::new();
    if let (Some(slope), Some(y_last)) = (f.slope_per_s, f.fitted_last) {
        fitted.push((x_min, y_last + slope * x_min));
        fitted.push((x_max, y_last + slope * x_max));
    }
    let threshold = vec![(x_min, f.threshold), (x_max, f.threshold)];
    let marker = if theme.ascii { Marker::Dot } else { Marker::Braille };
    let datasets = vec![
        Dataset::default()
            .name("threshold")
            .marker(marker)
            .graph_type(GraphType::Line)
            .style(theme.bad())
            .data(&threshold),
        Dataset::default().name("fit").marker(marker).graph_type(GraphType::Line).style(theme.warn()).data(&fitted),
        Dataset::default()
            .name(f.metric.as_str())
            .marker(marker)
            .graph_type(GraphType::Scatter)
            .style(theme.title())
            .data(&points),
    ];
    let chart = Chart::new(datasets)
        .x_axis(
            Axis::default()
                .bounds([x_min, x_max])
                // Two labels only: a middle one would sit at the centre, not at "now".
                .labels([Line::from(format!("-{}", duration_s(-x_min))), Line::from(format!("+{}", duration_s(x_max)))])
                .style(theme.dim()),
        )
        .y_axis(
            Axis::default()
                .bounds([0.0, 1.05])
                .labels([Line::from("0"), Line::from("50%"), Line::from("100%")])
                .style(theme.dim()),
        )
        .hidden_legend_constraints((Constraint::Ratio(0, 1), Constraint::Ratio(0, 1)));
    frame.render_widget(chart, chart_area);
}

/// Consumer lag of the groups this job reads (all groups when none is tied to a job), or what
/// is missing.
fn lag_lines<'a>(app: &App, job: &JobDiagnosis, theme: &Theme) -> Vec<Line<'a>> {
    use crate::diagnosis::{LagGroup, LagTrend};
    let Some(d) = app.diagnosis() else { return Vec::new() };
    if d.lag_groups.is_empty() {
        return vec![Line::from(Span::styled(
            "kafka lag: no lag source (give --scrape with a lag exporter, --prometheus or --burrow)",
            theme.dim(),
        ))];
    }
    let tied: Vec<&LagGroup> = d.lag_groups.iter().filter(|g| g.job_id.as_deref() == Some(job.id.as_str())).collect();
    let groups: Vec<&LagGroup> = if tied.is_empty() { d.lag_groups.iter().collect() } else { tied };
    groups
        .into_iter()
        .map(|g| {
            let style = match g.trend {
                // A forecast data loss (or one already happened) outranks any trend.
                _ if g.time_to_data_loss_s.is_some() => theme.bad(),
                LagTrend::Ok => theme.dim(),
                _ => theme.warn(),
            };
            Line::from(Span::styled(format!("lag {} [{}]: {}", g.group, g.trend.label(), g.summary), style))
        })
        .collect()
}
