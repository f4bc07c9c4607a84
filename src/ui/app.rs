//! Dashboard state and its update function: (state, message) → state (+ a command for the
//! polling task). No terminal and no network here, so every key press is testable.

use crate::collect::{Control, PollEvent};
use crate::diagnosis::{Diagnosis, JobDiagnosis, VertexDiagnosis};
use crate::history::History;
pub use crate::session::SourceStatus;
use crate::session::{Clock, Observed, Session, SourceState};

use super::keymap::{action_for, Action, Key};
pub use super::pane::View;
use super::pane::{Pane, RowRef, ScreenMap, Scrolls};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sort {
    Flow,
    Busy,
    Backpressured,
    Name,
}

impl Sort {
    fn next(self) -> Sort {
        match self {
            Sort::Flow => Sort::Busy,
            Sort::Busy => Sort::Backpressured,
            Sort::Backpressured => Sort::Name,
            Sort::Name => Sort::Flow,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sort::Flow => "data flow",
            Sort::Busy => "busy",
            Sort::Backpressured => "backpressured",
            Sort::Name => "name",
        }
    }
}

/// How the jobs overview is ordered: by default the worst job first, as k9s and htop put what
/// needs attention on top.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobSort {
    Severity,
    Name,
    Lag,
    Throughput,
    Busy,
}

impl JobSort {
    fn next(self) -> JobSort {
        match self {
            JobSort::Severity => JobSort::Name,
            JobSort::Name => JobSort::Lag,
            JobSort::Lag => JobSort::Throughput,
            JobSort::Throughput => JobSort::Busy,
            JobSort::Busy => JobSort::Severity,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            JobSort::Severity => "severity",
            JobSort::Name => "name",
            JobSort::Lag => "lag",
            JobSort::Throughput => "throughput",
            JobSort::Busy => "max busy",
        }
    }
}

/// A mouse event in terminal cells, with the time it came (for double clicks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mouse {
    pub kind: MouseKind,
    pub x: u16,
    pub y: u16,
    pub at_ms: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MouseKind {
    Click,
    WheelUp,
    WheelDown,
}

/// Two clicks on one row within this time open what was clicked.
const DOUBLE_CLICK_MS: i64 = 400;
/// Lines one wheel notch scrolls.
const WHEEL_LINES: i64 = 3;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReplayPos {
    pub position: usize,
    pub total: usize,
    pub speed: f64,
    pub paused: bool,
}

/// Navigation and view state, and the dashboard's clock. What is known of the job, its history
/// and its sources is the session's, shared with `diagnose` and `record`.
pub struct App {
    /// "live" endpoint URL or recording name.
    pub input_label: String,
    pub replay: Option<ReplayPos>,
    /// History, source states and the verdict: the core every surface shares.
    pub session: Session,
    pub view: View,
    pub help: bool,
    pub selected_job: Option<String>,
    pub selected_vertex: Option<String>,
    /// First subtask row shown in the detail view.
    pub detail_scroll: usize,
    pub filter: String,
    pub editing_filter: bool,
    pub sort: Sort,
    pub job_sort: JobSort,
    /// The pane that j/k/PgUp/PgDn/Home/End act on.
    pub focus: Pane,
    pub scrolls: Scrolls,
    /// Where the last frame drew each pane (written by the view).
    pub screen: ScreenMap,
    /// The chain as boxes (the job graph) instead of the table.
    pub boxes: bool,
    /// First line of the help shown.
    pub help_scroll: usize,
    /// The last click on a row: what it hit and when (a double click is two on the same row,
    /// wherever the list scrolled between them).
    last_click: Option<(RowRef, i64)>,
    /// Replay: the severity after each recorded poll, once read.
    pub timeline: Vec<Option<crate::diagnosis::Severity>>,
    pub paused: bool,
    /// Current time: the wall clock live, the time of the newest poll in replay.
    pub now_ms: i64,
    /// A poll under way since this time (live).
    pub polling_since_ms: Option<i64>,
    pub interval_ms: u64,
    /// When the dashboard started, ms (the reference for a source that never answered).
    pub started_ms: i64,
    pub quit: bool,
    /// The user has moved; stop choosing the view for them.
    navigated: bool,
}

const PAGE: usize = 10;

impl App {
    pub fn new(input_label: &str, replay: bool, interval_ms: u64, now_ms: i64) -> App {
        App {
            input_label: input_label.to_string(),
            replay: replay.then_some(ReplayPos { position: 0, total: 0, speed: 1.0, paused: false }),
            session: Session::new(Default::default()),
            view: View::Overview,
            help: false,
            selected_job: None,
            selected_vertex: None,
            detail_scroll: 0,
            filter: String::new(),
            editing_filter: false,
            sort: Sort::Flow,
            job_sort: JobSort::Severity,
            focus: Pane::Jobs,
            scrolls: Scrolls::default(),
            screen: ScreenMap::default(),
            boxes: false,
            help_scroll: 0,
            last_click: None,
            timeline: Vec::new(),
            paused: false,
            now_ms,
            polling_since_ms: None,
            interval_ms,
            started_ms: now_ms,
            quit: false,
            navigated: false,
        }
    }

    /// The dashboard over `session` (its thresholds, its expected sources).
    pub fn with_session(mut self, session: Session) -> App {
        self.session = session;
        self
    }

    pub fn diagnosis(&self) -> Option<&Diagnosis> {
        self.session.diagnosis()
    }

    pub fn history(&self) -> &History {
        self.session.history()
    }

    pub fn sources(&self) -> &[SourceState] {
        self.session.sources()
    }

    /// Jobs as listed on the overview (filtered by name, sorted).
    pub fn job_rows(&self) -> Vec<&JobDiagnosis> {
        let Some(d) = self.diagnosis() else { return Vec::new() };
        let f = self.filter.to_lowercase();
        let mut rows: Vec<&JobDiagnosis> = d
            .jobs
            .iter()
            .filter(|j| f.is_empty() || self.view != View::Overview || j.name.to_lowercase().contains(&f))
            .collect();
        let by_name = |a: &&JobDiagnosis, b: &&JobDiagnosis| a.name.to_lowercase().cmp(&b.name.to_lowercase());
        let desc = |a: Option<f64>, b: Option<f64>| b.unwrap_or(-1.0).total_cmp(&a.unwrap_or(-1.0));
        let impact = |j: &JobDiagnosis| super::impact::Impact::of(j, d);
        match self.job_sort {
            JobSort::Severity => rows.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| by_name(a, b))),
            JobSort::Name => rows.sort_by(by_name),
            JobSort::Lag => rows.sort_by(|a, b| desc(impact(a).lag, impact(b).lag).then_with(|| by_name(a, b))),
            JobSort::Throughput => {
                rows.sort_by(|a, b| desc(impact(a).throughput, impact(b).throughput).then_with(|| by_name(a, b)))
            }
            JobSort::Busy => {
                rows.sort_by(|a, b| desc(impact(a).max_busy, impact(b).max_busy).then_with(|| by_name(a, b)))
            }
        }
        rows
    }

    pub fn job(&self) -> Option<&JobDiagnosis> {
        let d = self.diagnosis()?;
        match &self.selected_job {
            Some(id) => d.jobs.iter().find(|j| &j.id == id),
            None => self.job_rows().first().copied().or(d.jobs.first()),
        }
    }

    /// Operators of the selected job as listed on the chain view (filtered, sorted).
    pub fn vertex_rows(&self) -> Vec<&VertexDiagnosis> {
        let Some(job) = self.job() else { return Vec::new() };
        self.vertex_rows_in(&super::tree::rows(job))
    }

    /// As `vertex_rows`, with the job's tree already built (the view builds it once a frame).
    pub fn vertex_rows_in<'a>(&'a self, tree: &[super::tree::TreeRow<'a>]) -> Vec<&'a VertexDiagnosis> {
        let Some(job) = self.job() else { return Vec::new() };
        let f = self.filter.to_lowercase();
        let mut rows: Vec<&VertexDiagnosis> = job
            .vertices
            .iter()
            .filter(|v| f.is_empty() || self.view == View::Overview || v.name.to_lowercase().contains(&f))
            .collect();
        let desc = |a: Option<f64>, b: Option<f64>| b.unwrap_or(-1.0).total_cmp(&a.unwrap_or(-1.0));
        match self.sort {
            Sort::Flow => {
                // Tree order: each branch whole, as the connectors draw it.
                let at: std::collections::HashMap<&str, usize> =
                    tree.iter().enumerate().map(|(i, r)| (r.vertex.id.as_str(), i)).collect();
                rows.sort_by_key(|v| at.get(v.id.as_str()).copied().unwrap_or(usize::MAX));
            }
            Sort::Busy => rows.sort_by(|a, b| desc(a.busy, b.busy)),
            Sort::Backpressured => rows.sort_by(|a, b| desc(a.backpressured, b.backpressured)),
            Sort::Name => rows.sort_by_key(|v| v.name.to_lowercase()),
        }
        rows
    }

    pub fn vertex(&self) -> Option<&VertexDiagnosis> {
        let job = self.job()?;
        match &self.selected_vertex {
            Some(id) => job.vertices.iter().find(|v| &v.id == id),
            None => self.vertex_rows().first().copied(),
        }
    }

    /// The dashboard's clock, as the session's freshness rules read it.
    fn clock(&self) -> Clock {
        Clock {
            now_ms: self.now_ms,
            polling_since_ms: self.polling_since_ms,
            started_ms: self.started_ms,
            interval_ms: self.interval_ms,
            live: self.replay.is_none(),
        }
    }

    pub fn status(&self, s: &SourceState) -> SourceStatus {
        s.status(&self.clock())
    }

    /// Age of the data on screen, when it is stale.
    pub fn stale_for_ms(&self) -> Option<i64> {
        self.session.stale_for_ms(&self.clock())
    }

    pub fn update(&mut self, msg: Msg) -> Option<Control> {
        match msg {
            Msg::Key(k) => self.key(k),
            Msg::Mouse(m) => {
                self.mouse(m);
                None
            }
            Msg::Poll(ev) => {
                self.poll_event(ev);
                None
            }
            Msg::Tick(now) => {
                if self.replay.is_none() {
                    self.now_ms = now;
                }
                None
            }
        }
    }

    fn poll_event(&mut self, ev: PollEvent) {
        match ev {
            PollEvent::Started { at_ms } => self.polling_since_ms = Some(at_ms),
            PollEvent::Reset => self.session.reset(),
            PollEvent::Timeline(t) => self.timeline = t,
            PollEvent::Replay { position, total, speed, paused } => {
                self.replay = Some(ReplayPos { position, total, speed, paused });
            }
            PollEvent::Snapshot(snap) => {
                self.polling_since_ms = None;
                if self.replay.is_some() {
                    self.now_ms = snap.at_ms;
                }
                // The session decides whether the poll counts (as for `diagnose`); a poll that
                // does not leaves the last verdict on screen, marked stale by the sources view.
                if self.session.take(*snap) == Observed::Counted {
                    self.choose_view();
                }
            }
        }
    }

    /// One job: go straight to its chain, unless the user already moved.
    fn choose_view(&mut self) {
        if self.navigated {
            return;
        }
        let jobs = self.diagnosis().map(|d| d.jobs.len()).unwrap_or(0);
        if jobs == 1 && self.view == View::Overview {
            self.go(View::Chain);
        }
    }

    fn key(&mut self, k: Key) -> Option<Control> {
        if k == Key::CtrlC {
            self.quit = true;
            return None;
        }
        if self.editing_filter {
            match k {
                Key::Char(c) => self.filter.push(c),
                Key::Backspace => {
                    self.filter.pop();
                }
                Key::Enter => self.editing_filter = false,
                Key::Esc => {
                    self.filter.clear();
                    self.editing_filter = false;
                }
                _ => {}
            }
            return None;
        }
        let Some(action) = action_for(k) else {
            // Any key closes the help, also one bound to nothing.
            self.help = false;
            return None;
        };
        if self.help {
            match action {
                Action::Quit => self.quit = true,
                Action::Down | Action::PageDown | Action::Up | Action::PageUp => {
                    let max = self.screen.get(Pane::Help).map(|d| d.max_scroll).unwrap_or(1 << 20);
                    let by = if matches!(action, Action::PageDown | Action::PageUp) { PAGE as i64 } else { 1 };
                    let by = if matches!(action, Action::Up | Action::PageUp) { -by } else { by };
                    self.help_scroll = (self.help_scroll.min(max) as i64 + by).clamp(0, max as i64) as usize;
                }
                // Any other key closes the help first.
                _ => self.help = false,
            }
            return None;
        }
        self.navigated = true;
        match action {
            Action::Quit => self.quit = true,
            Action::Help => {
                self.help = true;
                self.help_scroll = 0;
            }
            Action::Up => self.scroll_focused(-1),
            Action::Down => self.scroll_focused(1),
            Action::PageUp => self.scroll_focused(-self.page()),
            Action::PageDown => self.scroll_focused(self.page()),
            Action::Top => self.scroll_focused(i64::MIN / 2),
            Action::Bottom => self.scroll_focused(i64::MAX / 2),
            Action::Open => self.open(),
            Action::Back => self.back(),
            Action::FocusNext => self.cycle_focus(1),
            Action::FocusPrev => self.cycle_focus(-1),
            Action::Bottleneck => self.jump_to_bottleneck(),
            Action::NextVictim => self.jump_to_victim(1),
            Action::PrevVictim => self.jump_to_victim(-1),
            Action::Lag => {
                let to = if self.view == View::Lag { self.return_view() } else { View::Lag };
                self.go(to);
            }
            Action::Boxes => {
                self.boxes = !self.boxes;
                if self.view != View::Chain && self.job().is_some() {
                    self.go(View::Chain);
                }
            }
            Action::Filter => {
                if matches!(self.view, View::Overview | View::Chain) {
                    self.editing_filter = true;
                }
            }
            Action::Sort => match self.view {
                View::Overview => self.job_sort = self.job_sort.next(),
                View::Chain => self.sort = self.sort.next(),
                _ => {}
            },
            Action::Sources => {
                let to = if self.view == View::Sources { self.return_view() } else { View::Sources };
                self.go(to);
            }
            Action::Pause => {
                self.paused = !self.paused;
                return Some(Control::Pause(self.paused));
            }
            Action::Refresh => return Some(Control::Refresh),
            Action::StepBack if self.replay.is_some() => return Some(Control::Step(-1)),
            Action::StepForward if self.replay.is_some() => return Some(Control::Step(1)),
            Action::Slower | Action::Faster if self.replay.is_some() => {
                let r = self.replay.as_mut()?;
                r.speed = if action == Action::Faster { (r.speed * 2.0).min(64.0) } else { (r.speed / 2.0).max(0.125) };
                return Some(Control::Speed(r.speed));
            }
            Action::NextChange | Action::PrevChange if self.replay.is_some() => {
                let shown = self.replay.as_ref()?.position.checked_sub(1)?;
                let to = self.severity_change(shown, action == Action::NextChange)?;
                return Some(Control::Step(to as i64 - shown as i64));
            }
            Action::StepBack
            | Action::StepForward
            | Action::Slower
            | Action::Faster
            | Action::NextChange
            | Action::PrevChange => {}
        }
        None
    }

    /// The poll (0-based) where the severity next changes after `shown` (or last changed
    /// before it), from the replay timeline.
    pub fn severity_change(&self, shown: usize, forward: bool) -> Option<usize> {
        let t = &self.timeline;
        if t.is_empty() {
            // Not read yet: no jump (a jump to the start would lose the place).
            return None;
        }
        let changed = |i: usize| i > 0 && i < t.len() && t[i] != t[i - 1];
        if forward {
            (shown + 1..t.len()).find(|&i| changed(i))
        } else {
            (1..shown.min(t.len())).rev().find(|&i| changed(i)).or((shown > 0).then_some(0))
        }
    }

    /// Opens `view` with its first pane focused.
    pub(crate) fn go(&mut self, view: View) {
        if view != self.view {
            self.view = view;
            self.focus = Pane::of(view)[0];
        }
    }

    /// Where Esc or a second S / L leads from the sources and lag views.
    fn return_view(&self) -> View {
        if self.job().is_some() && self.diagnosis().is_some_and(|d| !d.jobs.is_empty()) {
            View::Chain
        } else {
            View::Overview
        }
    }

    fn cycle_focus(&mut self, step: i64) {
        let panes = Pane::of(self.view);
        let at = panes.iter().position(|p| *p == self.focus).unwrap_or(0) as i64;
        // Panes the last frame did not draw (no lag source) are skipped; before any frame,
        // none is.
        let drawn = |p: Pane| self.screen.get(p).is_some() || panes.iter().all(|q| self.screen.get(*q).is_none());
        for k in 1..=panes.len() as i64 {
            let p = panes[(at + step * k).rem_euclid(panes.len() as i64) as usize];
            if drawn(p) || k == panes.len() as i64 {
                self.focus = p;
                return;
            }
        }
    }

    /// A page of the focused pane: what it showed last, else ten rows.
    fn page(&self) -> i64 {
        self.screen.get(self.focus).map(|d| d.page.saturating_sub(1).max(1)).unwrap_or(PAGE) as i64
    }

    /// j/k and friends: a list moves its selection, a text pane scrolls. A focused pane the
    /// last frame no longer drew (the lag groups went away) hands the focus to the view's first.
    fn scroll_focused(&mut self, delta: i64) {
        let panes = Pane::of(self.view);
        let any_drawn = panes.iter().any(|p| self.screen.get(*p).is_some());
        if any_drawn && self.screen.get(self.focus).is_none() || !panes.contains(&self.focus) {
            self.focus = panes[0];
        }
        if self.focus.is_list() || self.view == View::Detail && self.focus == Pane::Subtasks {
            self.move_selection(delta);
        } else {
            let max = self.screen.get(self.focus).map(|d| d.max_scroll).unwrap_or(0);
            self.scrolls.by(self.focus, delta, max);
        }
    }

    /// `b`: the (next) bottleneck of the job in view, from anywhere.
    fn jump_to_bottleneck(&mut self) {
        if self.view == View::Overview {
            // The job the cursor is on, as Enter would open it; the jobs' filter stays behind.
            self.select_job_on_screen();
            if self.selected_job.is_none() {
                return;
            }
            self.filter.clear();
            self.go(View::Chain);
            self.scrolls = Scrolls::default();
        }
        let Some(job) = self.job() else { return };
        let ids: Vec<String> = job.bottlenecks.iter().map(|b| b.vertex_id.clone()).collect();
        if ids.is_empty() {
            return;
        }
        let at = self.selected_vertex.as_ref().and_then(|s| ids.iter().position(|i| i == s));
        let next = at.map_or(0, |i| (i + 1) % ids.len());
        self.selected_vertex = Some(ids[next].clone());
        self.detail_scroll = 0;
        self.scrolls.reset(Pane::Why);
        // The bottleneck must be on screen: a filter that hides it goes.
        if !self.vertex_rows().iter().any(|v| v.id == ids[next]) {
            self.filter.clear();
        }
        if !matches!(self.view, View::Chain | View::Detail) {
            self.go(View::Chain);
        }
        self.focus = Pane::of(self.view)[0];
    }

    /// `n` / `N`: the next or previous victim in the order the chain lists them.
    fn jump_to_victim(&mut self, step: i64) {
        let rows: Vec<String> = self
            .vertex_rows()
            .iter()
            .filter(|v| v.class == crate::diagnosis::Class::Victim)
            .map(|v| v.id.clone())
            .collect();
        if rows.is_empty() || !matches!(self.view, View::Chain | View::Detail) {
            return;
        }
        let order: Vec<String> = self.vertex_rows().iter().map(|v| v.id.clone()).collect();
        let cur = self.selected_vertex.as_ref().and_then(|s| order.iter().position(|i| i == s));
        let pick = match cur {
            // The first victim after (or before) the selection, wrapping around.
            Some(c) => {
                let pos = |id: &String| order.iter().position(|i| i == id).unwrap_or(0);
                if step > 0 {
                    rows.iter().find(|v| pos(v) > c).or(rows.first())
                } else {
                    rows.iter().rev().find(|v| pos(v) < c).or(rows.last())
                }
            }
            None => {
                if step > 0 {
                    rows.first()
                } else {
                    rows.last()
                }
            }
        };
        self.selected_vertex = pick.cloned();
        self.detail_scroll = 0;
        self.scrolls.reset(Pane::Why);
    }

    fn mouse(&mut self, m: Mouse) {
        if self.help {
            self.help = false;
            return;
        }
        let Some((pane, drawn)) = self.screen.at(m.x, m.y) else { return };
        self.navigated = true;
        match m.kind {
            MouseKind::WheelUp | MouseKind::WheelDown => {
                let delta = if m.kind == MouseKind::WheelUp { -WHEEL_LINES } else { WHEEL_LINES };
                let was = self.focus;
                self.focus = pane;
                self.scroll_focused(delta);
                self.focus = was;
            }
            MouseKind::Click => {
                self.focus = pane;
                let hit = drawn.rows.iter().find(|(y, _)| *y == m.y).map(|(_, r)| r).or_else(|| {
                    drawn
                        .boxes
                        .iter()
                        .find(|(r, _)| m.x >= r.x && m.x < r.x + r.width && m.y >= r.y && m.y < r.y + r.height)
                        .map(|(_, r)| r)
                });
                let Some(row) = hit.cloned() else {
                    self.last_click = None;
                    return;
                };
                // The same row again, soon enough: the selection scrolls the list, so the row,
                // not the screen cell, is what must match.
                let double = self
                    .last_click
                    .as_ref()
                    .is_some_and(|(r, t)| *r == row && (0..=DOUBLE_CLICK_MS).contains(&(m.at_ms - t)));
                self.last_click = if double { None } else { Some((row.clone(), m.at_ms)) };
                match &row {
                    RowRef::Job(id) => self.selected_job = Some(id.clone()),
                    RowRef::Vertex(id) => self.selected_vertex = Some(id.clone()),
                }
                if double {
                    self.open();
                }
            }
        }
    }

    /// The job the cursor is on, as the overview shows it: a selection the filter hides gives
    /// way to the first row (None when no row is left).
    fn select_job_on_screen(&mut self) {
        let rows: Vec<String> = self.job_rows().iter().map(|j| j.id.clone()).collect();
        if !self.selected_job.as_ref().is_some_and(|s| rows.contains(s)) {
            self.selected_job = rows.first().cloned();
        }
    }

    fn move_selection(&mut self, delta: i64) {
        let step = |len: usize, cur: Option<usize>| -> Option<usize> {
            (len > 0).then(|| (cur.unwrap_or(0) as i64 + delta).clamp(0, len as i64 - 1) as usize)
        };
        match self.view {
            View::Overview => {
                let ids: Vec<String> = self.job_rows().iter().map(|j| j.id.clone()).collect();
                let cur = self.selected_job.as_ref().and_then(|id| ids.iter().position(|i| i == id));
                if let Some(i) = step(ids.len(), cur) {
                    self.selected_job = Some(ids[i].clone());
                }
            }
            View::Chain => {
                let ids: Vec<String> = self.vertex_rows().iter().map(|v| v.id.clone()).collect();
                let cur = self.selected_vertex.as_ref().and_then(|id| ids.iter().position(|i| i == id));
                if let Some(i) = step(ids.len(), cur) {
                    self.selected_vertex = Some(ids[i].clone());
                }
            }
            View::Detail => {
                let n = self.vertex().map(|v| v.subtasks.len()).unwrap_or(0);
                self.detail_scroll = step(n, Some(self.detail_scroll)).unwrap_or(0);
            }
            View::Sources | View::Lag => {}
        }
    }

    fn open(&mut self) {
        match self.view {
            View::Overview => {
                // Enter opens the row the cursor is on: one the filter hides is not on screen.
                self.select_job_on_screen();
                if self.selected_job.is_some() && self.job().is_some() {
                    self.filter.clear();
                    self.go(View::Chain);
                    // Another job's card starts at its top.
                    self.scrolls = Scrolls::default();
                }
            }
            View::Chain => {
                let rows: Vec<String> = self.vertex_rows().iter().map(|v| v.id.clone()).collect();
                if !self.selected_vertex.as_ref().is_some_and(|s| rows.contains(s)) {
                    self.selected_vertex = rows.first().cloned();
                }
                if self.selected_vertex.is_some() && self.vertex().is_some() {
                    self.go(View::Detail);
                    self.detail_scroll = 0;
                    self.scrolls.reset(Pane::Why);
                }
            }
            View::Detail | View::Sources | View::Lag => {}
        }
    }

    fn back(&mut self) {
        // The filter belongs to the list on screen: Esc in the detail view goes back to the
        // chain, filter and all.
        if matches!(self.view, View::Overview | View::Chain) && !self.filter.is_empty() {
            self.filter.clear();
            return;
        }
        let to = match self.view {
            View::Detail => View::Chain,
            View::Chain | View::Overview => View::Overview,
            View::Sources | View::Lag => self.return_view(),
        };
        self.go(to);
    }
}

pub enum Msg {
    Key(Key),
    Mouse(Mouse),
    Poll(PollEvent),
    /// The slow clock: ages and "stale" labels move on.
    Tick(i64),
}

#[cfg(test)]
#[path = "app_tests.rs"]
mod tests;
