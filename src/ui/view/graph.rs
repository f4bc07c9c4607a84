//! The job graph as boxes, as the Flink web UI draws it: one column per depth, data flowing
//! left to right, each box coloured by its class with the busy and backpressured time, edges
//! between neighbouring columns drawn, longer ones named on the box ("⇐ #3"). A graph wider or
//! taller than the terminal scrolls to keep the selected vertex in view.

use std::collections::HashMap;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use super::parts::pane_block;
use crate::diagnosis::{Class, JobDiagnosis};
use crate::ui::app::App;
use crate::ui::pane::{Drawn, Pane, RowRef};
use crate::ui::theme::Theme;
use crate::ui::tree;
use crate::units::pct;

const BOX_H: u16 = 4;
const ROW_GAP: u16 = 1;
const COL_GAP: u16 = 4;
const MIN_BOX_W: u16 = 16;
const MAX_BOX_W: u16 = 30;

/// Where each vertex goes: its column (depth) and row within the column.
pub fn layout(job: &JobDiagnosis) -> HashMap<&str, (usize, usize)> {
    let order = tree::rows(job);
    let index: HashMap<&str, usize> = job.vertices.iter().enumerate().map(|(i, v)| (v.id.as_str(), i)).collect();
    let mut depth: HashMap<&str, usize> = HashMap::new();
    for (i, v) in job.vertices.iter().enumerate() {
        let d = v
            .inputs
            .iter()
            .filter(|x| index.get(x.id.as_str()).is_some_and(|&j| j < i))
            .filter_map(|x| depth.get(x.id.as_str()))
            .map(|d| d + 1)
            .max()
            .unwrap_or(0);
        depth.insert(v.id.as_str(), d);
    }
    let mut next_row: HashMap<usize, usize> = HashMap::new();
    let mut at = HashMap::new();
    // Tree order within a column keeps a branch's boxes on neighbouring rows.
    for r in order {
        let col = depth.get(r.vertex.id.as_str()).copied().unwrap_or(0);
        let row = next_row.entry(col).or_default();
        at.insert(r.vertex.id.as_str(), (col, *row));
        *row += 1;
    }
    at
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, job: &JobDiagnosis, theme: &Theme) {
    let block = pane_block(" job graph · v: table ".into(), Pane::Operators, app, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let at = layout(job);
    let cols = at.values().map(|p| p.0).max().map_or(0, |m| m + 1);
    let rows = at.values().map(|p| p.1).max().map_or(0, |m| m + 1);
    if cols == 0 || inner.width < MIN_BOX_W || inner.height < BOX_H {
        app.screen.put(Pane::Operators, Drawn { area, ..Drawn::default() });
        return;
    }
    let box_w = ((inner.width + COL_GAP) / cols as u16).saturating_sub(COL_GAP).clamp(MIN_BOX_W, MAX_BOX_W);
    let fit_cols = usize::from((inner.width + COL_GAP) / (box_w + COL_GAP)).max(1);
    let fit_rows = usize::from((inner.height + ROW_GAP) / (BOX_H + ROW_GAP)).max(1);
    // Scroll so that the selected vertex is on screen.
    let sel = app.vertex().map(|v| v.id.clone());
    let (sc, sr) = sel.as_deref().and_then(|id| at.get(id)).copied().unwrap_or((0, 0));
    let first_col = (sc + 1).saturating_sub(fit_cols);
    let first_row = (sr + 1).saturating_sub(fit_rows);
    let place = |col: usize, row: usize| -> Option<Rect> {
        if col < first_col || col >= first_col + fit_cols || row < first_row || row >= first_row + fit_rows {
            return None;
        }
        Some(Rect {
            x: inner.x + (col - first_col) as u16 * (box_w + COL_GAP),
            y: inner.y + (row - first_row) as u16 * (BOX_H + ROW_GAP),
            width: box_w,
            height: BOX_H,
        })
    };
    let number = tree::numbers(job);
    let mut edges = Edges::new(inner);
    let mut boxes = Vec::new();
    for v in &job.vertices {
        let Some(&(col, row)) = at.get(v.id.as_str()) else { continue };
        let Some(to) = place(col, row) else { continue };
        for input in &v.inputs {
            let Some(&(ucol, urow)) = at.get(input.id.as_str()) else { continue };
            if ucol + 1 != col {
                continue; // longer edges are named on the box
            }
            if let Some(from) = place(ucol, urow) {
                edges.connect(from, to);
            }
        }
    }
    edges.render(frame.buffer_mut(), theme);
    for v in &job.vertices {
        let Some(&(col, row)) = at.get(v.id.as_str()) else { continue };
        let Some(r) = place(col, row) else { continue };
        let selected = sel.as_deref() == Some(v.id.as_str());
        let style = theme.class(v.class);
        let far: Vec<String> = v
            .inputs
            .iter()
            .filter(|i| at.get(i.id.as_str()).is_some_and(|p| p.0 + 1 != col))
            .map(|i| format!("#{}", number.get(i.id.as_str()).copied().unwrap_or(0)))
            .collect();
        let mut b = Block::default()
            .borders(Borders::ALL)
            .border_set(if v.class == Class::Bottleneck { theme.focus_border() } else { theme.border() })
            .border_style(style)
            .title(Span::styled(format!("#{}", number.get(v.id.as_str()).copied().unwrap_or(0)), style));
        if !far.is_empty() {
            let arrow = if theme.ascii { "<=" } else { "⇐" };
            b = b.title_bottom(Line::from(format!("{arrow} {}", far.join(" "))).right_aligned());
        }
        let name_w = usize::from(box_w.saturating_sub(2));
        let name_style = if selected { theme.selected() } else { Style::default() };
        // The number that tells the class's story: a victim's backpressure, the others' busy.
        let story = if v.class == Class::Victim {
            format!("bp {}", pct(v.backpressured))
        } else {
            format!("busy {}", pct(v.busy))
        };
        let stats = format!("{} {story} p{}", theme.class_symbol(v.class), v.parallelism);
        let lines = vec![
            // The border carries the number; the name gets the whole width.
            Line::from(Span::styled(tree::fit(&v.name, name_w), name_style)),
            Line::from(Span::styled(tree::fit(&stats, name_w), style)),
        ];
        frame.render_widget(Paragraph::new(lines).block(b), r);
        boxes.push((r, RowRef::Vertex(v.id.clone())));
    }
    let more_right = first_col + fit_cols < cols;
    let more_down = first_row + fit_rows < rows;
    if more_right || more_down || first_col > 0 || first_row > 0 {
        let note = format!(
            " columns {}–{} of {cols}, rows {}–{} of {rows}: j/k move ",
            first_col + 1,
            (first_col + fit_cols).min(cols),
            first_row + 1,
            (first_row + fit_rows).min(rows)
        );
        let w = (note.chars().count() as u16).min(area.width.saturating_sub(2));
        let x = area.x + area.width.saturating_sub(w + 1);
        frame.buffer_mut().set_stringn(x, area.y + area.height - 1, &note, usize::from(w), theme.dim());
    }
    app.screen.put(Pane::Operators, Drawn { area, max_scroll: 0, page: fit_rows, rows: Vec::new(), boxes });
}

/// Edge lines on a grid of cells, each cell the set of directions it connects (left, right,
/// up, down), turned into box-drawing glyphs at the end so that crossings and joins read right.
struct Edges {
    area: Rect,
    cells: HashMap<(u16, u16), u8>,
    arrows: Vec<(u16, u16)>,
}

const L: u8 = 1;
const R: u8 = 2;
const U: u8 = 4;
const D: u8 = 8;

impl Edges {
    fn new(area: Rect) -> Edges {
        Edges { area, cells: HashMap::new(), arrows: Vec::new() }
    }

    fn add(&mut self, x: u16, y: u16, bits: u8) {
        *self.cells.entry((x, y)).or_default() |= bits;
    }

    fn hline(&mut self, x1: u16, x2: u16, y: u16) {
        let (a, b) = (x1.min(x2), x1.max(x2));
        for x in a..=b {
            let mut bits = 0;
            if x > a {
                bits |= L;
            }
            if x < b {
                bits |= R;
            }
            self.add(x, y, bits);
        }
    }

    fn vline(&mut self, x: u16, y1: u16, y2: u16) {
        let (a, b) = (y1.min(y2), y1.max(y2));
        for y in a..=b {
            let mut bits = 0;
            if y > a {
                bits |= U;
            }
            if y < b {
                bits |= D;
            }
            self.add(x, y, bits);
        }
    }

    /// From the middle of `from`'s right side to the middle of `to`'s left side, turning in
    /// the gap right after `from` (so that a fan-out shares one trunk).
    fn connect(&mut self, from: Rect, to: Rect) {
        let (y1, y2) = (from.y + from.height / 2, to.y + to.height / 2);
        let start = from.x + from.width;
        let turn = start + 1;
        let end = to.x.saturating_sub(1);
        if end <= turn {
            return;
        }
        self.add(start, y1, L);
        self.hline(start, turn, y1);
        self.vline(turn, y1, y2);
        self.hline(turn, end, y2);
        self.arrows.push((end, y2));
    }

    fn render(&self, buf: &mut Buffer, theme: &Theme) {
        for (&(x, y), &bits) in &self.cells {
            if x >= self.area.x + self.area.width || y >= self.area.y + self.area.height {
                continue;
            }
            let glyph = if theme.ascii {
                match bits {
                    b if b == L | R || b == L || b == R => "-",
                    b if b == U | D || b == U || b == D => "|",
                    _ => "+",
                }
            } else {
                match bits {
                    b if b == L | R || b == L || b == R => "─",
                    b if b == U | D || b == U || b == D => "│",
                    b if b == R | D => "┌",
                    b if b == L | D => "┐",
                    b if b == R | U => "└",
                    b if b == L | U => "┘",
                    b if b == L | R | D => "┬",
                    b if b == L | R | U => "┴",
                    b if b == U | D | R => "├",
                    b if b == U | D | L => "┤",
                    _ => "┼",
                }
            };
            buf[(x, y)].set_symbol(glyph).set_style(theme.dim());
        }
        for &(x, y) in &self.arrows {
            if x < self.area.x + self.area.width && y < self.area.y + self.area.height {
                buf[(x, y)].set_symbol(if theme.ascii { ">" } else { "▶" }).set_style(theme.dim());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnosis::test_support::{job_of, vertex_of};

    #[test]
    fn columns_follow_depth_and_a_fan_out_stacks() {
        let job = job_of(vec![
            vertex_of("s", "src", &[]),
            vertex_of("a", "a", &["s".into()]),
            vertex_of("b", "b", &["s".into()]),
            vertex_of("j", "join", &["a".into(), "b".into()]),
        ]);
        let at = layout(&job);
        assert_eq!(at["s"], (0, 0));
        assert_eq!((at["a"].0, at["b"].0), (1, 1));
        assert_ne!(at["a"].1, at["b"].1);
        assert_eq!(at["j"].0, 2);
    }
}
