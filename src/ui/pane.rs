//! The dashboard's views and the panes of each, which pane has the focus, how far each text
//! pane is scrolled, and where the last frame drew them. The view writes the last part (`ScreenMap`) as it draws, so
//! that the update function can clamp a scroll to what the text needs and turn a mouse click
//! into a row or a pane without knowing the layout rules.

use std::cell::RefCell;
use std::collections::HashMap;

use ratatui::layout::Rect;

/// The screens of the dashboard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    /// Every job with its verdict.
    Overview,
    /// One job's operators in data-flow order.
    Chain,
    /// One operator: subtasks, evidence, advice.
    Detail,
    /// Endpoints: ok / stale / last error.
    Sources,
    /// Consumer groups and their partitions.
    Lag,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pane {
    /// Overview: the jobs table.
    Jobs,
    /// Overview: the consumer-lag summary.
    LagSummary,
    /// Chain: the operator table (or the box graph).
    Operators,
    /// Chain: the bottleneck card.
    Card,
    /// Chain: forecast and lag.
    Forecast,
    /// Detail: the subtask table.
    Subtasks,
    /// Detail: evidence and advice.
    Why,
    /// Lag view: groups and their partitions.
    Partitions,
    /// Sources view.
    Sources,
    /// The help over any view (its scroll only).
    Help,
}

impl Pane {
    /// The panes of a view in Tab order; the first has the focus when the view opens.
    pub fn of(view: View) -> &'static [Pane] {
        match view {
            View::Overview => &[Pane::Jobs, Pane::LagSummary],
            View::Chain => &[Pane::Operators, Pane::Card, Pane::Forecast],
            View::Detail => &[Pane::Subtasks, Pane::Why],
            View::Lag => &[Pane::Partitions],
            View::Sources => &[Pane::Sources],
        }
    }

    /// A pane whose keys move a selection (the rest scroll text).
    pub fn is_list(self) -> bool {
        matches!(self, Pane::Jobs | Pane::Operators)
    }
}

/// What a row of a list pane stands for, for a click.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowRef {
    Job(String),
    Vertex(String),
}

/// One pane as the last frame drew it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Drawn {
    pub area: Rect,
    /// Text panes: the largest useful scroll offset, in lines.
    pub max_scroll: usize,
    /// Lines visible at once (a page).
    pub page: usize,
    /// List panes: the screen row of each list row shown.
    pub rows: Vec<(u16, RowRef)>,
    /// The box graph: each vertex's box.
    pub boxes: Vec<(Rect, RowRef)>,
}

/// Where the last frame put each pane.
#[derive(Debug, Default)]
pub struct ScreenMap {
    panes: RefCell<HashMap<Pane, Drawn>>,
    /// The forecast series the trend panel shows (vertex id, metric), kept from frame to frame.
    forecast: RefCell<Option<(String, String)>>,
}

impl ScreenMap {
    /// Called by the view at the start of a frame: panes not drawn again are gone.
    pub fn clear(&self) {
        self.panes.borrow_mut().clear();
    }

    pub fn put(&self, pane: Pane, drawn: Drawn) {
        self.panes.borrow_mut().insert(pane, drawn);
    }

    pub fn get(&self, pane: Pane) -> Option<Drawn> {
        self.panes.borrow().get(&pane).cloned()
    }

    pub fn shown_forecast(&self) -> Option<(String, String)> {
        self.forecast.borrow().clone()
    }

    pub fn show_forecast(&self, series: Option<(String, String)>) {
        *self.forecast.borrow_mut() = series;
    }

    /// The pane under a screen cell.
    pub fn at(&self, x: u16, y: u16) -> Option<(Pane, Drawn)> {
        let panes = self.panes.borrow();
        panes
            .iter()
            .find(|(_, d)| {
                x >= d.area.x && x < d.area.x + d.area.width && y >= d.area.y && y < d.area.y + d.area.height
            })
            .map(|(p, d)| (*p, d.clone()))
    }
}

/// Per text pane, the first line shown.
#[derive(Debug, Default, Clone)]
pub struct Scrolls(HashMap<Pane, usize>);

impl Scrolls {
    pub fn of(&self, pane: Pane) -> usize {
        self.0.get(&pane).copied().unwrap_or(0)
    }

    /// Moves by `delta` lines within 0..=max.
    pub fn by(&mut self, pane: Pane, delta: i64, max: usize) {
        let now = self.of(pane).min(max) as i64;
        self.0.insert(pane, (now + delta).clamp(0, max as i64) as usize);
    }

    pub fn reset(&mut self, pane: Pane) {
        self.0.remove(&pane);
    }
}
