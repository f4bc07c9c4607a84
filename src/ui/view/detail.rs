//! One operator: its subtasks (skew at a glance), chained operators, the evidence behind its
//! class and, for a bottleneck, the advice.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

use super::parts::{bar, bullet, class_strip, kv, pane_block, text_pane};
use crate::diagnosis::Class;
use crate::ui::app::App;
use crate::ui::pane::{Drawn, Pane};
use crate::ui::theme::Theme;
use crate::ui::tree;
use crate::units::{duration_s, pct, rate};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let (Some(job), Some(v)) = (app.job(), app.vertex()) else { return };
    let [head, rest] = Layout::vertical([Constraint::Length(4), Constraint::Min(0)]).areas(area);
    let cls = theme.class(v.class);
    let n = crate::report::numbers(v);
    let head_lines = vec![
        Line::from(vec![
            Span::styled(format!(" {} {} ", theme.class_symbol(v.class), theme.class_label(v.class)), cls),
            Span::styled(tree::label(job, &v.id), theme.title()),
            Span::styled(
                format!("  in {} · parallelism {} · confidence {:.2}", job.name, v.parallelism, v.confidence),
                theme.dim(),
            ),
        ]),
        Line::from(format!(
            " busy {} (mean {}) · backpressured {} · idle {} · pools in {} out {} · {} rec/s in · {} rec/s out{}",
            n.busy,
            pct(v.busy_avg),
            n.backpressured,
            n.idle,
            n.in_pool,
            n.out_pool,
            n.records_in,
            n.records_out,
            v.backpressure_level.as_ref().map(|l| format!(" · Flink level {l}")).unwrap_or_default()
        )),
    ];
    frame.render_widget(Paragraph::new(head_lines).wrap(Wrap { trim: true }), head);
    let [left, right] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(rest);

    let bar_w = 12;
    let rows: Vec<Row> = v
        .subtasks
        .iter()
        .skip(app.detail_scroll)
        .map(|s| {
            let hot = v.skewed_subtasks.contains(&s.index);
            let row = Row::new(vec![
                Cell::from(format!("#{}", s.index)),
                Cell::from(if hot {
                    if theme.ascii {
                        "HOT"
                    } else {
                        "HOT▲"
                    }
                } else {
                    ""
                })
                .style(if hot { theme.bad() } else { Style::default() }),
                Cell::from(Line::from(bar(
                    s.busy,
                    s.backpressured,
                    s.idle,
                    bar_w,
                    if hot { Class::Bottleneck } else { v.class },
                    theme,
                ))),
                Cell::from(pct(s.busy)),
                Cell::from(pct(s.backpressured)),
                Cell::from(pct(s.idle)),
                Cell::from(rate(s.records_in_per_s)),
            ]);
            if hot {
                row.style(theme.bad())
            } else {
                row
            }
        })
        .collect();
    let widths = [
        Constraint::Length(5),
        Constraint::Length(4),
        Constraint::Length(bar_w as u16),
        Constraint::Length(6),
        Constraint::Length(6),
        Constraint::Length(6),
        Constraint::Length(7),
    ];
    let title = if v.skewed_subtasks.is_empty() {
        format!(" {} subtasks ", v.subtasks.len())
    } else {
        format!(
            " {} subtasks · skew: hot {} ",
            v.subtasks.len(),
            v.skewed_subtasks.iter().map(|i| format!("#{i}")).collect::<Vec<_>>().join(" ")
        )
    };
    let header = Row::new(vec!["", "", "busy·bp·idle", "busy", "bp", "idle", "in/s"]).style(theme.dim());
    frame.render_widget(
        Table::new(rows, widths).header(header).block(pane_block(title, Pane::Subtasks, app, theme)).column_spacing(1),
        left,
    );
    let page = usize::from(left.height.saturating_sub(3));
    app.screen.put(Pane::Subtasks, Drawn { area: left, max_scroll: 0, page, rows: Vec::new(), boxes: Vec::new() });

    let mut lines = Vec::new();
    // What to change first, as on the bottleneck card.
    if let Some(b) = job.bottlenecks.iter().find(|b| b.vertex_id == v.id) {
        lines.push(Line::from(Span::styled("advice", theme.title())));
        for (i, l) in b.advice_lines(theme.arrow(), false).into_iter().enumerate() {
            lines.push(bullet(l, if i == 0 { theme.title() } else { Style::default() }, theme));
        }
        if let Some(tr) = b.advice.true_rate_per_subtask {
            lines.push(bullet(
                format!("true processing rate ≈ {} rec/s per subtask (records in ÷ busy)", rate(Some(tr))),
                Style::default(),
                theme,
            ));
        }
        for h in &b.advice.hints {
            lines.push(bullet(format!("{}: {}", h.kind, h.text), theme.dim(), theme));
        }
    }
    // A source reading a consumer group: the lag it leaves behind.
    if let Some(d) = app.diagnosis() {
        for g in d.lag_groups.iter().filter(|g| g.source_vertex_id.as_deref() == Some(v.id.as_str())) {
            let style = if g.time_to_data_loss_s.is_some() { theme.bad() } else { theme.warn() };
            lines.push(Line::from(Span::styled(format!("consumer lag of {}", g.group), theme.title())));
            lines.push(bullet(g.summary.clone(), style, theme));
            if let Some(s) = g.time_to_data_loss_s {
                lines.push(bullet(format!("data loss in ~{} (L: partitions)", duration_s(s)), theme.bad(), theme));
            }
        }
    }
    if v.operators.len() > 1 {
        lines.push(kv("chained operators", format!("{} (the slow one is among them)", v.operators.len()), theme));
        for (i, op) in v.operators.iter().enumerate() {
            lines.push(Line::from(format!("  {}. {op}", i + 1)));
        }
    }
    lines.push(Line::from(Span::styled("evidence", theme.title())));
    for e in &v.evidence {
        lines.push(bullet(e.clone(), Style::default(), theme));
    }
    if !v.timeline.is_empty() {
        let mut held = class_strip(&v.timeline, v.timeline.len(), theme);
        held.spans.insert(0, Span::styled("over time ", theme.dim()));
        held.spans.push(Span::raw(format!("  {} in {} of {}", v.class.label(), v.held, v.timeline.len())));
        lines.push(held);
    }
    if let Some(b) = job.bottlenecks.iter().find(|b| b.vertex_id == v.id) {
        lines.push(bullet(format!("how long: {}", b.persistence.text), Style::default(), theme));
    }
    if !v.caused_by.is_empty() {
        let names: Vec<String> = v.caused_by.iter().map(|id| tree::label(job, id)).collect();
        lines.push(kv("held back by", names.join(", "), theme));
    }
    text_pane(frame, right, lines, " why ".into(), Pane::Why, app, theme);
}
