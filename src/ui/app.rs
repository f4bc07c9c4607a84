//! Dashboard state and its update function: (state, message) → state (+ a command for the
//! polling task). No terminal and no network here, so every key press is testable.

use crate::collect::{Control, PollEvent};
use crate::diagnosis::{Diagnosis, JobDiagnosis, VertexDiagnosis};
use crate::history::History;
pub use crate::session::SourceStatus;
use crate::session::{Clock, Observed, Session, SourceState};

use super::keymap::{action_for, Action, Key};

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
}

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

    /// Jobs as listed on the overview (filtered by name).
    pub fn job_rows(&self) -> Vec<&JobDiagnosis> {
        let Some(d) = self.diagnosis() else { return Vec::new() };
        let f = self.filter.to_lowercase();
        d.jobs
            .iter()
            .filter(|j| f.is_empty() || self.view != View::Overview || j.name.to_lowercase().contains(&f))
            .collect()
    }

    pub fn job(&self) -> Option<&JobDiagnosis> {
        let d = self.diagnosis()?;
        match &self.selected_job {
            Some(id) => d.jobs.iter().find(|j| &j.id == id),
            None => d.jobs.first(),
        }
    }

    /// Operators of the selected job as listed on the chain view (filtered, sorted).
    pub fn vertex_rows(&self) -> Vec<&VertexDiagnosis> {
        let Some(job) = self.job() else { return Vec::new() };
        let f = self.filter.to_lowercase();
        let mut rows: Vec<&VertexDiagnosis> = job
            .vertices
            .iter()
            .filter(|v| f.is_empty() || self.view == View::Overview || v.name.to_lowercase().contains(&f))
            .collect();
        let desc = |a: Option<f64>, b: Option<f64>| b.unwrap_or(-1.0).total_cmp(&a.unwrap_or(-1.0));
        match self.sort {
            Sort::Flow => {}
            Sort::Busy => rows.sort_by(|a, b| desc(a.busy, b.busy)),
            Sort::Backpressured => rows.sort_by(|a, b| desc(a.backpressured, b.backpressured)),
            Sort::Name => rows.sort_by(|a, b| a.name.cmp(&b.name)),
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
            self.view = View::Chain;
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
        let action = action_for(k)?;
        if self.help {
            match action {
                Action::Quit => self.quit = true,
                // Any other key closes the help first.
                _ => self.help = false,
            }
            return None;
        }
        self.navigated = true;
        match action {
            Action::Quit => self.quit = true,
            Action::Help => self.help = true,
            Action::Up => self.move_selection(-1),
            Action::Down => self.move_selection(1),
            Action::PageUp => self.move_selection(-(PAGE as i64)),
            Action::PageDown => self.move_selection(PAGE as i64),
            Action::Top => self.move_selection(i64::MIN / 2),
            Action::Bottom => self.move_selection(i64::MAX / 2),
            Action::Open => self.open(),
            Action::Back => self.back(),
            Action::Filter => {
                if matches!(self.view, View::Overview | View::Chain) {
                    self.editing_filter = true;
                }
            }
            Action::Sort => self.sort = self.sort.next(),
            Action::Sources => {
                self.view = if self.view == View::Sources { View::Chain } else { View::Sources };
                if self.view == View::Chain && self.job().is_none() {
                    self.view = View::Overview;
                }
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
            Action::StepBack | Action::StepForward | Action::Slower | Action::Faster => {}
        }
        None
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
            View::Sources => {}
        }
    }

    fn open(&mut self) {
        match self.view {
            View::Overview => {
                if self.selected_job.is_none() {
                    self.selected_job = self.job_rows().first().map(|j| j.id.clone());
                }
                if self.job().is_some() {
                    self.view = View::Chain;
                    self.filter.clear();
                }
            }
            View::Chain => {
                if self.selected_vertex.is_none() {
                    self.selected_vertex = self.vertex_rows().first().map(|v| v.id.clone());
                }
                if self.vertex().is_some() {
                    self.view = View::Detail;
                    self.detail_scroll = 0;
                }
            }
            View::Detail | View::Sources => {}
        }
    }

    fn back(&mut self) {
        if !self.filter.is_empty() {
            self.filter.clear();
            return;
        }
        self.view = match self.view {
            View::Detail => View::Chain,
            View::Chain | View::Overview => View::Overview,
            View::Sources => {
                if self.job().is_some() {
                    View::Chain
                } else {
                    View::Overview
                }
            }
        };
    }
}

pub enum Msg {
    Key(Key),
    Poll(PollEvent),
    /// The slow clock: ages and "stale" labels move on.
    Tick(i64),
}

#[cfg(test)]
#[path = "app_tests.rs"]
mod tests;
