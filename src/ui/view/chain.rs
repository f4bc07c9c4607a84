//! The operator chain: vertices in data-flow order with their edges, class, busy /
//! backpressured / idle bar, pools, rates and a sparkline; beside it the bottleneck card and
//! the trend panel.

use std::collections::HashMap;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

use super::parts::{bar, bullet, class_strip, pane_block, sparkline, story_metric, text_pane};
use crate::diagnosis::{Class, Forecast, ForecastStatus, JobDiagnosis, VertexDiagnosis};
use crate::history::SeriesKey;
use crate::model::Metric;
use crate::ui::app::{App, Sort};
use crate::ui::impact::Impact;
use crate::ui::pane::{Drawn, Pane, RowRef};
use crate::ui::theme::Theme;
use crate::ui::tree;
use crate::units::{duration_s, pct, pool, rate};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let Some(job) = app.job() else { return };
    let head_lines = job_header(job, app, theme);
    // The header takes what its sentences need wrapped (the data-loss sentence is never cut),
    // up to a third of the screen.
    let head_h = (Paragraph::new(head_lines.clone()).wrap(Wrap { trim: true }).line_count(area.width) as u16)
        .clamp(2, (area.height / 3).max(2));
    let [head, rest] = Layout::vertical([Constraint::Length(head_h), Constraint::Min(0)]).areas(area);
    frame.render_widget(Paragraph::new(head_lines).wrap(Wrap { trim: true }), head);
    // The tree and the rows once per frame: both walk the graph.
    let tree_rows = tree::rows(job);
    let rows_v = app.vertex_rows_in(&tree_rows);
    let rows = rows_v.len() as u16 + 3;
    // Beside the cards only when the table is long and the terminal wide; a short table goes
    // on top, full width (names whole), with the cards below it.
    let beside = rest.width >= 150 && rows > rest.height / 2;
    let (table_area, side) = if beside {
        let [t, s] = Layout::horizontal([Constraint::Min(90), Constraint::Length(56)]).areas(rest);
        (t, s)
    } else {
        // The table takes what its rows need; the cards get the rest (at least 8 lines).
        let table_h = if app.boxes { rest.height / 2 } else { rows.min(rest.height.saturating_sub(8)).max(5) };
        let [t, s] = Layout::vertical([Constraint::Length(table_h), Constraint::Min(0)]).areas(rest);
        (t, s)
    };
    if app.boxes {
        super::graph::draw(frame, table_area, app, job, theme);
    } else {
        vertex_table(frame, table_area, app, job, &rows_v, tree_rows, theme);
    }
    if beside {
        let [card, trend] = Layout::vertical([Constraint::Min(8), Constraint::Length(16)]).areas(side);
        bottleneck_card(frame, card, app, job, theme);
        trend_panel(frame, trend, app, job, theme);
    } else {
        let [card, trend] = Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(side);
        bottleneck_card(frame, card, app, job, theme);
        trend_panel(frame, trend, app, job, theme);
    }
}

/// The job's title, its impact strip (what pages people: data loss, lag, throughput, the
/// reason for the severity) and its verdict.
fn job_header<'a>(job: &'a JobDiagnosis, app: &App, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = vec![Line::from(vec![
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
    ])];
    if let Some(d) = app.diagnosis() {
        lines.push(super::impact_line(&Impact::of(job, d), theme));
    }
    lines.push(Line::from(format!(" {}", job.summary)));
    lines
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

/// Optional columns of the operator table, dropped in this order when the names need room.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Col {
    Strip,
    Out,
    Pools,
    Idle,
    In,
    /// The sparkline.
    Trend,
}

const STRIP_W: usize = 10;

impl Col {
    fn width(self, spark_w: u16) -> u16 {
        match self {
            Col::Trend => spark_w,
            Col::Strip => STRIP_W as u16,
            Col::Out | Col::In => 7,
            Col::Pools => 11,
            Col::Idle => 6,
        }
    }
}

fn vertex_table(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    job: &JobDiagnosis,
    rows_v: &[&VertexDiagnosis],
    tree_rows: Vec<tree::TreeRow>,
    theme: &Theme,
) {
    let number = tree::numbers(job);
    let outputs: HashMap<&str, usize> =
        job.vertices.iter().flat_map(|v| v.inputs.iter().map(|i| i.id.as_str())).fold(HashMap::new(), |mut m, id| {
            *m.entry(id).or_default() += 1;
            m
        });
    let tree_rows: HashMap<&str, tree::TreeRow> = tree_rows.into_iter().map(|r| (r.vertex.id.as_str(), r)).collect();
    let repeated = tree::repeated(job);
    // Connectors only when rows are in tree order and none is hidden.
    let connectors = app.sort == Sort::Flow && app.filter.is_empty();
    let max_depth = tree_rows.values().map(|r| r.depth()).max().unwrap_or(0);
    let w = area.width;
    // A deep graph gets a one-cell indent, so that its names keep their room.
    let unit = if max_depth * 2 > usize::from(w / 4) { 1 } else { 2 };
    let max_prefix = usize::from(w / 8).max(8);
    let ctx = NameCtx {
        number: &number,
        outputs: &outputs,
        tree: &tree_rows,
        repeated: &repeated,
        connectors,
        unit,
        max_prefix,
    };
    let selected = app
        .selected_vertex
        .clone()
        .filter(|id| job.vertices.iter().any(|v| &v.id == id))
        .or_else(|| rows_v.first().map(|v| v.id.clone()));
    let spark_w = if w >= 100 { 12 } else { 6 };
    let bar_w = if w >= 100 { 10 } else { 8 };
    // The columns the width allows, least useful given up first so 80 columns still show the
    // verdict; then, while the names do not fit, more of them, down to the verdict itself.
    let mut cols: Vec<Col> =
        [(Col::In, 100), (Col::Idle, 120), (Col::Pools, 125), (Col::Out, 135), (Col::Strip, 110), (Col::Trend, 0)]
            .into_iter()
            .filter(|(_, min)| w >= *min)
            .map(|(c, _)| c)
            .collect();
    let fixed = |cols: &[Col]| -> u16 {
        // border 2, cursor 1, # 3, class 12, bar, busy 6, bp 6; one space between columns.
        let base = 2 + 1 + 3 + 12 + bar_w as u16 + 6 + 6;
        let n = 6 + cols.len() as u16;
        base + cols.iter().map(|c| c.width(spark_w as u16)).sum::<u16>() + n
    };
    // Columns give way to names, not to the edge marks after them (those are cut first).
    let name_need = rows_v.iter().map(|v| name_width(v, &ctx) as u16).max().unwrap_or(20).max(20);
    for drop in [Col::Strip, Col::Out, Col::Pools, Col::Idle, Col::Trend] {
        if fixed(&cols) + name_need <= w {
            break;
        }
        cols.retain(|c| *c != drop);
    }
    let name_w = w.saturating_sub(fixed(&cols)).max(12);
    let has = |c: Col| cols.contains(&c);
    let mut header = vec![
        "",
        "#",
        if app.sort == Sort::Flow { "operator (data flow ↓)" } else { "operator" },
        "class",
        "load",
        "busy",
        "bp",
    ];
    let mut widths = vec![
        Constraint::Length(1),
        Constraint::Length(3),
        Constraint::Length(name_w),
        Constraint::Length(12),
        Constraint::Length(bar_w as u16),
        Constraint::Length(6),
        Constraint::Length(6),
    ];
    for (c, label) in
        [(Col::Idle, "idle"), (Col::Pools, "in/out pool"), (Col::In, "in/s"), (Col::Out, "out/s"), (Col::Strip, "held")]
    {
        if has(c) {
            header.push(label);
            widths.push(Constraint::Length(c.width(spark_w as u16)));
        }
    }
    if has(Col::Trend) {
        header.push("trend");
        widths.push(Constraint::Length(spark_w as u16));
    }
    // The sorted column says so (k9s, htop).
    let sorted_col = match app.sort {
        Sort::Flow | Sort::Name => 2,
        Sort::Busy => 5,
        Sort::Backpressured => 6,
    };
    let mark = if theme.ascii { "v" } else { "▼" };
    let header: Vec<Cell> = header
        .into_iter()
        .enumerate()
        .map(|(i, h)| {
            if i == sorted_col && app.sort != Sort::Flow {
                Cell::from(format!("{h}{mark}")).style(theme.title())
            } else {
                Cell::from(h)
            }
        })
        .collect();

    // Only the rows that fit are built (a 200-vertex job would otherwise cost most of a
    // frame), scrolled so that the selected vertex is always on screen.
    let fit = usize::from(area.height.saturating_sub(3)).max(1);
    let at = selected.as_deref().and_then(|id| rows_v.iter().position(|v| v.id == id)).unwrap_or(0);
    let offset = (at + 1).saturating_sub(fit);
    let mut drawn_rows = Vec::new();
    let rows: Vec<Row> = rows_v
        .iter()
        .skip(offset)
        .take(fit)
        .enumerate()
        .map(|(i, v)| {
            drawn_rows.push((area.y + 2 + i as u16, RowRef::Vertex(v.id.clone())));
            let is_sel = selected.as_deref() == Some(v.id.as_str());
            let cls = theme.class(v.class);
            let mut name = name_line(v, &ctx, theme, true);
            if name.width() > usize::from(name_w) {
                // Cut the name, not the connectors: the tree must stay readable.
                name = shorten(name, usize::from(name_w));
            }
            let mut cells = vec![
                Cell::from(if is_sel { theme.cursor() } else { " " }),
                Cell::from(format!("{:>2}", number.get(v.id.as_str()).copied().unwrap_or(0))).style(theme.dim()),
                Cell::from(name),
                Cell::from(Line::from(vec![Span::styled(
                    format!("{} {}", theme.class_symbol(v.class), theme.class_label(v.class)),
                    cls,
                )])),
                Cell::from(Line::from(bar(v.busy, v.backpressured, v.idle, bar_w, v.class, theme))),
                Cell::from(pct(v.busy)).style(if v.class == Class::Bottleneck { cls } else { Style::default() }),
                Cell::from(pct(v.backpressured)).style(if v.class == Class::Victim { cls } else { Style::default() }),
            ];
            if has(Col::Idle) {
                cells.push(Cell::from(pct(v.idle)));
            }
            if has(Col::Pools) {
                cells.push(Cell::from(format!("{}/{}", pool(v.in_pool), pool(v.out_pool))));
            }
            if has(Col::In) {
                cells.push(Cell::from(rate(v.records_in_per_s)));
            }
            if has(Col::Out) {
                cells.push(Cell::from(rate(v.records_out_per_s)));
            }
            if has(Col::Strip) {
                cells.push(Cell::from(class_strip(&v.timeline, STRIP_W, theme)));
            }
            if has(Col::Trend) {
                cells.push(
                    Cell::from(sparkline(app.history(), &job.id, &v.id, story_metric(v.class), spark_w, theme))
                        .style(cls),
                );
            }
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
        .block(pane_block(title, Pane::Operators, app, theme))
        .column_spacing(1);
    frame.render_widget(table, area);
    app.screen.put(Pane::Operators, Drawn { area, max_scroll: 0, page: fit, rows: drawn_rows, boxes: Vec::new() });
}

/// What every name line needs to know of the job.
struct NameCtx<'a> {
    number: &'a HashMap<&'a str, usize>,
    outputs: &'a HashMap<&'a str, usize>,
    tree: &'a HashMap<&'a str, tree::TreeRow<'a>>,
    repeated: &'a std::collections::HashSet<&'a str>,
    connectors: bool,
    /// Cells of indent per level.
    unit: usize,
    /// The most cells the connectors may take: deeper rows show their last levels after a
    /// "‹" (the view scrolled sideways), so that the name keeps its room.
    max_prefix: usize,
}

/// The tree's connectors, the name (with its number when the name repeats), fan-in and
/// fan-out marks.
fn name_line<'a>(v: &'a VertexDiagnosis, ctx: &NameCtx, theme: &Theme, marks: bool) -> Line<'a> {
    let mut spans = Vec::new();
    let row = ctx.tree.get(v.id.as_str());
    match row {
        Some(r) if ctx.connectors && r.last.is_some() => {
            let (rail, tee, elbow) = if theme.ascii { ("|", "+-", "`-") } else { ("│", "├▶", "└▶") };
            let mut prefix = String::new();
            for &on in &r.rails {
                prefix.push_str(if on { rail } else { " " });
                prefix.push_str(&" ".repeat(ctx.unit - 1));
            }
            prefix.push_str(if r.last == Some(true) { elbow } else { tee });
            prefix.push(' ');
            let n = prefix.chars().count();
            if n > ctx.max_prefix {
                let keep: String = prefix.chars().skip(n - (ctx.max_prefix - 1)).collect();
                prefix = format!("{}{keep}", if theme.ascii { "<" } else { "‹" });
            }
            spans.push(Span::styled(prefix, theme.dim()));
        }
        _ if v.inputs.is_empty() => spans.push(Span::styled(if theme.ascii { "* " } else { "◆ " }, theme.dim())),
        _ => {}
    }
    let name_style = if v.class == Class::Bottleneck { theme.class(v.class) } else { Style::default() };
    spans.push(Span::styled(v.name.as_str(), name_style));
    if ctx.repeated.contains(v.name.as_str()) {
        spans.push(Span::styled(format!(" #{}", ctx.number.get(v.id.as_str()).copied().unwrap_or(0)), theme.title()));
    }
    if !marks {
        return Line::from(spans);
    }
    if v.operators.len() > 1 {
        spans.push(Span::styled(format!(" [{} chained]", v.operators.len()), theme.dim()));
    }
    let edge = |id: &str| {
        let i = v.inputs.iter().find(|i| i.id == id);
        format!(
            "#{}{}",
            ctx.number.get(id).copied().unwrap_or(0),
            match strategy_tag(i.and_then(|i| i.ship_strategy.as_deref())) {
                "" => String::new(),
                t => format!(" {t}"),
            }
        )
    };
    // Inputs the tree does not show (a join's others; every input out of tree order).
    let others: Vec<String> = match row {
        Some(r) if ctx.connectors => r.also_from.iter().map(|id| edge(id)).collect(),
        _ => v.inputs.iter().map(|i| edge(&i.id)).collect(),
    };
    if !others.is_empty() {
        spans.push(Span::styled(
            format!(" {} {}", if theme.ascii { "<=" } else { "⇐" }, others.join(", ")),
            theme.dim(),
        ));
    } else if let Some(i) = v.inputs.first() {
        let tag = strategy_tag(i.ship_strategy.as_deref());
        if tag != "fwd" && !tag.is_empty() {
            spans.push(Span::styled(format!(" ({tag})"), theme.dim()));
        }
    }
    // Outputs the tree draws elsewhere (under a join's deeper input).
    if let Some(r) = row.filter(|r| ctx.connectors && !r.also_to.is_empty()) {
        let to: Vec<String> =
            r.also_to.iter().map(|id| format!("#{}", ctx.number.get(id).copied().unwrap_or(0))).collect();
        spans.push(Span::styled(format!(" {} {}", if theme.ascii { "->" } else { "→" }, to.join(", ")), theme.dim()));
    }
    if let Some(n) = ctx.outputs.get(v.id.as_str()).filter(|n| **n > 1) {
        spans.push(Span::styled(format!(" {} fan-out {n}", if theme.ascii { "=>" } else { "⇉" }), theme.dim()));
    }
    Line::from(spans)
}

/// The cells `name_line(.., marks: false)` takes, counted without building it (every row is
/// measured on every frame).
fn name_width(v: &VertexDiagnosis, ctx: &NameCtx) -> usize {
    let prefix = match ctx.tree.get(v.id.as_str()) {
        Some(r) if ctx.connectors && r.last.is_some() => (r.rails.len() * ctx.unit + 3).min(ctx.max_prefix),
        _ if v.inputs.is_empty() => 2,
        _ => 0,
    };
    let number = if ctx.repeated.contains(v.name.as_str()) {
        2 + ctx.number.get(v.id.as_str()).map_or(1, |n| n.to_string().len())
    } else {
        0
    };
    prefix + ratatui::text::Span::raw(v.name.as_str()).width() + number
}

/// A name line cut to `width` cells: the connectors stay, the name keeps its start and end, the
/// marks after it go first.
fn shorten(line: Line<'_>, width: usize) -> Line<'static> {
    let mut spans: Vec<Span<'static>> =
        line.spans.into_iter().map(|s| Span::styled(s.content.into_owned(), s.style)).collect();
    // Marks after the name (numbers stay: they tell repeated names apart).
    while spans.len() > 2 && Line::from(spans.clone()).width() > width {
        let last = spans.last().map(|s| s.content.to_string()).unwrap_or_default();
        if last.starts_with(" #") && !last.contains(',') {
            break;
        }
        spans.pop();
    }
    let total = Line::from(spans.clone()).width();
    if total > width {
        // The name is the longest span that is not the prefix.
        if let Some(i) = (0..spans.len()).max_by_key(|&i| spans[i].content.chars().count()) {
            let over = total - width;
            let keep = spans[i].content.chars().count().saturating_sub(over);
            let style = spans[i].style;
            spans[i] = Span::styled(tree::fit(&spans[i].content, keep), style);
        }
    }
    Line::from(spans)
}

/// Victims named on the bottleneck card at most.
const CARD_NAMES: usize = 8;

fn bottleneck_card(frame: &mut Frame, area: Rect, app: &App, job: &JobDiagnosis, theme: &Theme) {
    let mut lines: Vec<Line> = Vec::new();
    let title;
    // The bottleneck selected (`b` walks them), else the first.
    let k = job.bottlenecks.iter().position(|b| app.selected_vertex.as_ref() == Some(&b.vertex_id)).unwrap_or(0);
    if let Some(b) = job.bottlenecks.get(k) {
        title = format!(
            " bottleneck{} ",
            if job.bottlenecks.len() > 1 {
                format!(" {} of {} (b: next)", k + 1, job.bottlenecks.len())
            } else {
                String::new()
            }
        );
        lines.push(Line::from(vec![
            Span::styled(
                format!("{} {}", theme.class_symbol(Class::Bottleneck), tree::label(job, &b.vertex_id)),
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
        let victims: Vec<&VertexDiagnosis> = job.vertices.iter().filter(|v| v.class == Class::Victim).collect();
        if !victims.is_empty() {
            // A card cannot show a hundred names (nor label them: each label scans the job);
            // the table marks every victim anyway.
            let more = victims.len().saturating_sub(CARD_NAMES);
            let named: Vec<String> = victims.iter().take(CARD_NAMES).map(|v| tree::label(job, &v.id)).collect();
            lines.push(Line::from(Span::styled(
                format!(
                    "victims (not the cause; n/N walks them): {}{}",
                    named.join(", "),
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
    text_pane(frame, area, lines, title, Pane::Card, app, theme);
}

/// The forecast on the trend panel: the earliest credible saturation, else the bottleneck's
/// busy time, else the busiest vertex's. A victim's busy time is no forecast (it waits, its
/// busy time says nothing of saturation): its pools are.
/// The series shown before (`prev`) stays while it still has an ETA, or while no other series
/// has one: the panel must not flip between series from poll to poll.
pub fn chosen_forecast<'a>(
    forecasts: &'a [Forecast],
    job: &JobDiagnosis,
    prev: Option<&(String, String)>,
) -> Option<&'a Forecast> {
    let victims: std::collections::HashSet<&str> =
        job.vertices.iter().filter(|v| v.class == Class::Victim).map(|v| v.id.as_str()).collect();
    let fs: Vec<&Forecast> = forecasts
        .iter()
        .filter(|f| f.job_id == job.id)
        .filter(|f| !(f.metric == "busy" && victims.contains(f.vertex_id.as_str())))
        .collect();
    let earliest = fs
        .iter()
        .filter(|f| f.status == ForecastStatus::Eta)
        .min_by(|a, b| a.eta_seconds.unwrap_or(f64::MAX).total_cmp(&b.eta_seconds.unwrap_or(f64::MAX)));
    let shown = prev.and_then(|(v, m)| fs.iter().find(|f| &f.vertex_id == v && &f.metric == m));
    if let Some(f) = shown {
        if f.status == ForecastStatus::Eta || earliest.is_none() {
            return Some(f);
        }
    }
    let subject_id = job.bottlenecks.first().map(|b| b.vertex_id.clone()).or_else(|| {
        job.vertices
            .iter()
            .filter(|v| v.busy.is_some() && v.class != Class::Victim)
            .max_by(|a, b| a.busy.unwrap_or(0.0).total_cmp(&b.busy.unwrap_or(0.0)))
            .map(|v| v.id.clone())
    });
    earliest
        .copied()
        .or_else(|| fs.iter().find(|f| Some(&f.vertex_id) == subject_id.as_ref() && f.metric == "busy").copied())
}

/// The forecast that matters most, its history with the fitted line run on to the threshold,
/// and the consumer lag. The text comes first and wraps; the chart only gets the room left.
fn trend_panel(frame: &mut Frame, area: Rect, app: &App, job: &JobDiagnosis, theme: &Theme) {
    let Some(d) = app.diagnosis() else { return };
    let chosen = chosen_forecast(&d.forecasts, job, app.screen.shown_forecast().as_ref());
    app.screen.show_forecast(chosen.map(|f| (f.vertex_id.clone(), f.metric.clone())));
    let mut lines = Vec::new();
    lines.extend(lag_lines(app, job, theme));
    match chosen {
        None => lines.push(Line::from("no history yet to forecast from")),
        Some(f) => {
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
        }
    }
    let title = " forecast & lag ".to_string();
    let inner_w = area.width.saturating_sub(2);
    let text_h = Paragraph::new(lines.clone()).wrap(Wrap { trim: false }).line_count(inner_w) as u16;
    // A chart needs 6 lines to say anything; without them the text alone, scrollable.
    let chart_room = area.height.saturating_sub(2).saturating_sub(text_h);
    let points = chosen.map(|f| chart_points(app, job, f, d.forecast_window_s)).unwrap_or_default();
    if chart_room < 6 || points.len() < 3 {
        text_pane(frame, area, lines, title, Pane::Forecast, app, theme);
        return;
    }
    let block = pane_block(title, Pane::Forecast, app, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [text_area, chart_area] = Layout::vertical([Constraint::Length(text_h), Constraint::Min(0)]).areas(inner);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), text_area);
    app.screen.put(
        Pane::Forecast,
        Drawn { area, max_scroll: 0, page: usize::from(inner.height), rows: Vec::new(), boxes: Vec::new() },
    );
    if let Some(f) = chosen {
        chart(frame, chart_area, f, &points, theme);
    }
}

/// The forecast's samples within the window, in seconds before its last sample.
fn chart_points(app: &App, job: &JobDiagnosis, f: &Forecast, window_s: f64) -> Vec<(f64, f64)> {
    let metric = match f.metric.as_str() {
        "out_pool" => Metric::OutPool,
        "in_pool" => Metric::InPool,
        _ => Metric::Busy,
    };
    let key = SeriesKey { job_id: job.id.clone(), vertex_id: f.vertex_id.clone(), metric };
    let Some(series) = app.history().series(&key) else { return Vec::new() };
    let last = f.last_ms.unwrap_or(0);
    series
        .points()
        .filter(|p| p.0 <= last && (last - p.0) as f64 <= window_s * 1000.0)
        .map(|p| ((p.0 - last) as f64 / 1000.0, p.1))
        .collect()
}

/// Seconds relative to the last sample; the fitted line runs on to the threshold (or a quarter
/// of the span when there is no ETA to draw).
fn chart(frame: &mut Frame, area: Rect, f: &Forecast, points: &[(f64, f64)], theme: &Theme) {
    use ratatui::symbols::Marker;
    use ratatui::widgets::{Axis, Chart, Dataset, GraphType};
    // The axis spans the samples themselves: never a made-up "-1 s … +1 s".
    let x_min = points.first().map(|p| p.0).unwrap_or(0.0);
    let span = -x_min;
    if span <= 0.0 {
        return;
    }
    let ahead = f.eta_seconds.unwrap_or(span / 4.0);
    let x_max = ahead.clamp(span / 10.0, span * 4.0);
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
            .data(points),
    ];
    let chart = Chart::new(datasets)
        .x_axis(
            Axis::default()
                .bounds([x_min, x_max])
                // Two labels only: a middle one would sit at the centre, not at "now".
                .labels([Line::from(format!("-{}", duration_s(span))), Line::from(format!("+{}", duration_s(x_max)))])
                .style(theme.dim()),
        )
        .y_axis(
            Axis::default()
                .bounds([0.0, 1.05])
                .labels([Line::from("0"), Line::from("50%"), Line::from("100%")])
                .style(theme.dim()),
        )
        .hidden_legend_constraints((Constraint::Ratio(0, 1), Constraint::Ratio(0, 1)));
    frame.render_widget(chart, area);
}

/// Consumer lag of the groups this job reads (all groups when none is tied to a job), or what
/// is missing; whole sentences, data loss first.
fn lag_lines<'a>(app: &App, job: &JobDiagnosis, theme: &Theme) -> Vec<Line<'a>> {
    use crate::diagnosis::LagGroup;
    let Some(d) = app.diagnosis() else { return Vec::new() };
    if d.lag_groups.is_empty() {
        return vec![Line::from(Span::styled(
            "kafka lag: no lag source (give --scrape with a lag exporter, --prometheus or --burrow)",
            theme.dim(),
        ))];
    }
    let tied: Vec<&LagGroup> = d.lag_groups.iter().filter(|g| g.job_id.as_deref() == Some(job.id.as_str())).collect();
    let mut groups: Vec<&LagGroup> = if tied.is_empty() { d.lag_groups.iter().collect() } else { tied };
    groups.sort_by(|a, b| {
        a.time_to_data_loss_s.unwrap_or(f64::MAX).total_cmp(&b.time_to_data_loss_s.unwrap_or(f64::MAX))
    });
    let mut out: Vec<Line> = groups
        .into_iter()
        .map(|g| {
            Line::from(Span::styled(
                format!("lag {} [{}]: {}", g.group, g.trend.label(), g.summary),
                super::parts::lag_style(g, theme),
            ))
        })
        .collect();
    out.push(Line::from(Span::styled("L: partitions", theme.dim())));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnosis::test_support::{job_of, vertex_of};

    fn forecast(vertex: &str, metric: &str, status: ForecastStatus, eta: Option<f64>) -> Forecast {
        Forecast {
            job_id: "job".into(),
            vertex_id: vertex.into(),
            subject: vertex.into(),
            metric: metric.into(),
            current: Some(0.5),
            threshold: 1.0,
            status,
            slope_per_s: None,
            fitted_last: None,
            last_ms: None,
            r2: None,
            samples: 10,
            window_s: 60.0,
            eta_seconds: eta,
            eta_low_seconds: None,
            eta_high_seconds: None,
            saturated_since_ms: None,
            reason: None,
        }
    }

    fn job() -> JobDiagnosis {
        let mut victim = vertex_of("v", "victim", &[]);
        victim.class = Class::Victim;
        victim.busy = Some(0.9);
        let mut busy = vertex_of("b", "busy", &["v".into()]);
        busy.busy = Some(0.6);
        job_of(vec![victim, busy])
    }

    #[test]
    fn a_victims_busy_time_is_never_the_forecast_shown() {
        let fs = vec![
            forecast("v", "busy", ForecastStatus::Eta, Some(10.0)),
            forecast("b", "busy", ForecastStatus::NoTrend, None),
        ];
        let f = chosen_forecast(&fs, &job(), None).unwrap();
        assert_eq!(f.vertex_id, "b", "the busiest non-victim, not the victim's ETA");
        // A victim's pool is a forecast like any other.
        let fs = vec![forecast("v", "out_pool", ForecastStatus::Eta, Some(10.0))];
        assert_eq!(chosen_forecast(&fs, &job(), None).unwrap().metric, "out_pool");
    }

    #[test]
    fn the_series_shown_stays_until_another_has_an_eta_and_it_has_none() {
        let prev = ("b".to_string(), "busy".to_string());
        // It lost its ETA, but nothing else has one: it stays (no flip to another no-ETA).
        let fs = vec![
            forecast("b", "busy", ForecastStatus::PoorFit, None),
            forecast("b", "in_pool", ForecastStatus::NoTrend, None),
        ];
        assert_eq!(chosen_forecast(&fs, &job(), Some(&prev)).unwrap().metric, "busy");
        // It keeps its ETA while another gets a sooner one: it stays.
        let fs = vec![
            forecast("b", "busy", ForecastStatus::Eta, Some(100.0)),
            forecast("b", "in_pool", ForecastStatus::Eta, Some(10.0)),
        ];
        assert_eq!(chosen_forecast(&fs, &job(), Some(&prev)).unwrap().metric, "busy");
        // It has none and another has one: the one with the ETA.
        let fs = vec![
            forecast("b", "busy", ForecastStatus::NoTrend, None),
            forecast("b", "in_pool", ForecastStatus::Eta, Some(10.0)),
        ];
        assert_eq!(chosen_forecast(&fs, &job(), Some(&prev)).unwrap().metric, "in_pool");
    }
}
