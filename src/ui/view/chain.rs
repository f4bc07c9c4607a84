//! The operator chain: vertices in data-flow order with their edges, class, busy /
//! backpressured / idle bar, pools, rates and a sparkline; beside it the bottleneck card and
//! the trend panel.

use std::collections::HashMap;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

use super::parts::{bar, block, bullet, sparkline, story_metric};
use crate::diagnosis::{Class, JobDiagnosis, VertexDiagnosis};
use crate::history::SeriesKey;
use crate::model::Metric;
use crate::ui::app::App;
use crate::ui::theme::Theme;
use crate::units::{pct, pool, rate};

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
        let [card, trend] = Layout::vertical([Constraint::Min(8), Constraint::Length(9)]).areas(side);
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
                format!("  {} · {} · {} polls", crate::model::short_id(&job.id), job.state, job.samples),
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
    let show_pools = w >= 120;
    let show_out = w >= 130;
    let show_idle = w >= 110;
    let show_in = w >= 100;
    let spark_w = if w >= 100 { 12 } else { 6 };
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
    widths.push(Constraint::Length(spark_w as u16));

    let rows: Vec<Row> = rows_v
        .iter()
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
            cells.push(
                Cell::from(sparkline(&app.history, &job.id, &v.id, story_metric(v.class), spark_w, theme)).style(cls),
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
        " operators · sort {} {}",
        app.sort.label(),
        if app.filter.is_empty() { String::new() } else { format!("· filter '{}' ", app.filter) }
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
        for e in &b.evidence {
            lines.push(bullet(e.clone(), Style::default(), theme));
        }
        let a = &b.advice;
        if let Some(tr) = a.true_rate_per_subtask {
            lines.push(bullet(format!("true rate ≈ {} rec/s per subtask", rate(Some(tr))), theme.title(), theme));
        }
        lines.push(bullet(
            match b.suggested_parallelism {
                Some(p) => {
                    format!("parallelism {} {} {p}: {}", a.current_parallelism, theme.arrow(), a.parallelism_basis)
                }
                None => format!("parallelism: {}", a.parallelism_basis),
            },
            theme.title(),
            theme,
        ));
        for h in &a.hints {
            lines.push(bullet(format!("{}: {}", h.kind, h.text), theme.dim(), theme));
        }
        let victims: Vec<&str> =
            job.vertices.iter().filter(|v| v.class == Class::Victim).map(|v| v.name.as_str()).collect();
        if !victims.is_empty() {
            lines.push(Line::from(Span::styled(
                format!("victims (not the cause): {}", victims.join(", ")),
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

/// What exists today: the recent trend of the vertex that matters; and what does not yet.
fn trend_panel(frame: &mut Frame, area: Rect, app: &App, job: &JobDiagnosis, theme: &Theme) {
    let subject =
        job.bottlenecks.first().and_then(|b| job.vertices.iter().find(|v| v.id == b.vertex_id)).or_else(|| {
            job.vertices
                .iter()
                .filter(|v| v.busy.is_some())
                .max_by(|a, b| a.busy.unwrap_or(0.0).total_cmp(&b.busy.unwrap_or(0.0)))
        });
    let mut lines = Vec::new();
    if let Some(v) = subject {
        let key = SeriesKey { job_id: job.id.clone(), vertex_id: v.id.clone(), metric: Metric::Busy };
        match app.history.series(&key) {
            Some(s) if !s.is_empty() => {
                let vals: Vec<f64> = s.points().map(|p| p.1).collect();
                let (lo, hi) = vals.iter().fold((f64::MAX, f64::MIN), |(l, h), x| (l.min(*x), h.max(*x)));
                let span =
                    s.points().last().zip(s.points().next()).map(|(b, a)| (b.0 - a.0) as f64 / 1000.0).unwrap_or(0.0);
                lines.push(Line::from(Span::styled(v.name.clone(), theme.title())));
                lines.push(Line::from(format!(
                    "busy {} (min {} max {}), {} polls over {}",
                    pct(vals.last().copied()),
                    pct(Some(lo)),
                    pct(Some(hi)),
                    vals.len(),
                    crate::units::duration_s(span)
                )));
                let w = area.width.saturating_sub(4) as usize;
                lines.push(Line::from(Span::styled(
                    sparkline(&app.history, &job.id, &v.id, Metric::Busy, w.min(60), theme),
                    theme.class(v.class),
                )));
            }
            _ => lines.push(Line::from("no busy-time history yet")),
        }
    }
    lines
        .push(Line::from(Span::styled("forecast: not computed yet (saturation forecasts are not built)", theme.dim())));
    lines.push(Line::from(Span::styled(
        "kafka lag: no lag source (Prometheus / Burrow not supported yet)",
        theme.dim(),
    )));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }).block(block(" trend ", theme)), area);
}
