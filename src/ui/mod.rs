//! The live dashboard. `app` holds navigation state and the pure update function (the data is
//! the shared `session`'s), `view` renders it,
//! `keymap` is the single table of keys, `theme` the colours and glyphs; this module runs the
//! event loop, generic over the ratatui backend so tests can drive it on a TestBackend.

pub mod app;
pub mod impact;
pub mod keymap;
pub mod pane;
pub mod theme;
pub mod tree;
pub mod view;

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{
    self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::backend::Backend;
use ratatui::Terminal;
use tokio::sync::mpsc;

use crate::collect::{now_ms, run_polling, Collector, Control, PollEvent};
use crate::model::SourceKind;
use crate::session::Session;
use app::{App, Msg};
use keymap::Key;
use theme::Theme;

/// The slow clock: ages and staleness move on once a second; nothing else redraws unasked.
const TICK: Duration = Duration::from_secs(1);

/// What the input thread reports.
#[derive(Debug)]
pub enum Input {
    Key(Key),
    Mouse(app::MouseKind, u16, u16),
    Resize,
}

/// A click (left button) or a wheel notch; drags, moves and other buttons are not used.
pub fn mouse_of(ev: &MouseEvent) -> Option<app::MouseKind> {
    Some(match ev.kind {
        MouseEventKind::Down(MouseButton::Left) => app::MouseKind::Click,
        MouseEventKind::ScrollUp => app::MouseKind::WheelUp,
        MouseEventKind::ScrollDown => app::MouseKind::WheelDown,
        _ => return None,
    })
}

pub fn key_of(ev: &KeyEvent) -> Option<Key> {
    if ev.kind != KeyEventKind::Press {
        return None;
    }
    Some(match ev.code {
        KeyCode::Char('c') if ev.modifiers.contains(KeyModifiers::CONTROL) => Key::CtrlC,
        KeyCode::Char(c) => Key::Char(c),
        KeyCode::Up => Key::Up,
        KeyCode::Down => Key::Down,
        KeyCode::Left => Key::Left,
        KeyCode::Right => Key::Right,
        KeyCode::PageUp => Key::PageUp,
        KeyCode::PageDown => Key::PageDown,
        KeyCode::Home => Key::Home,
        KeyCode::End => Key::End,
        KeyCode::Enter => Key::Enter,
        KeyCode::Esc => Key::Esc,
        KeyCode::Backspace => Key::Backspace,
        KeyCode::Tab => Key::Tab,
        KeyCode::BackTab => Key::BackTab,
        _ => return None,
    })
}

/// Restores the terminal however the dashboard ends (return, error; panics via ratatui's hook,
/// which restores the screen; mouse reporting is switched off here and in the panic hook).
struct TerminalGuard {
    mouse: bool,
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        if self.mouse {
            let _ = crossterm::execute!(std::io::stdout(), event::DisableMouseCapture);
        }
        ratatui::restore();
    }
}

pub struct WatchOptions {
    pub label: String,
    /// (name, kind, endpoint) of every configured source, shown before they answer.
    pub sources: Vec<(String, SourceKind, String)>,
    pub interval: Duration,
    pub theme: Theme,
    /// The profile's thresholds and `--lag-group`s, as `diagnose` uses them.
    pub thresholds: crate::analysis::Thresholds,
    /// Capture the mouse (clicks select, the wheel scrolls); `--no-mouse` leaves it to the
    /// terminal, for selecting text.
    pub mouse: bool,
    /// Replay: a second reader of the same recording, for the timeline of severities (read in
    /// the background through the same parsers and session rules).
    pub timeline: Option<Collector>,
}

/// The severity after each poll of a recording, as the dashboard would show it played from
/// the start: the replay timeline and its jumps to the next change.
pub async fn severity_timeline(
    collector: Collector,
    thresholds: crate::analysis::Thresholds,
    interval_s: f64,
) -> Vec<Option<crate::diagnosis::Severity>> {
    let total = collector.replay_polls().unwrap_or(0);
    let mut session = Session::new(thresholds);
    // The history the dashboard starts from (a recorded Prometheus backfill), as polling.rs
    // feeds it.
    if let Ok(snaps) = collector.backfill(crate::session::BACKFILL_S, interval_s).await {
        for s in snaps {
            session.take(s);
        }
    }
    let mut out = Vec::with_capacity(total);
    for n in 0..total {
        session.take(collector.poll(n).await);
        out.push(session.diagnosis().map(|d| d.severity));
    }
    out
}

/// Runs the dashboard until the user quits.
pub async fn watch(collector: Collector, opts: WatchOptions) -> Result<(), String> {
    if !std::io::stdout().is_terminal() {
        return Err("the dashboard needs a terminal; for text, JSON or markdown use `bptop diagnose`".into());
    }
    // bptop applies NO_COLOR itself (the mono theme sets no colour at all). Left to crossterm,
    // NO_COLOR turns every colour change into a bare SGR reset that also wipes reverse video.
    crossterm::style::force_color_output(true);
    let replay = collector.replay_polls().is_some();
    let (ctl_tx, ctl_rx) = mpsc::channel::<Control>(16);
    let (data_tx, mut data_rx) = mpsc::channel::<PollEvent>(64);
    if let Some(scan) = opts.timeline {
        let tx = data_tx.clone();
        let thresholds = opts.thresholds.clone();
        let interval_s = opts.interval.as_secs_f64();
        tokio::spawn(async move {
            let _ = tx.send(PollEvent::Timeline(severity_timeline(scan, thresholds, interval_s).await)).await;
        });
    }
    tokio::spawn(run_polling(collector, opts.interval, ctl_rx, data_tx));
    let (key_tx, mut key_rx) = mpsc::unbounded_channel::<Input>();
    let stop = Arc::new(AtomicBool::new(false));
    let input_stop = stop.clone();
    std::thread::spawn(move || read_input(key_tx, input_stop));

    let mut session = Session::new(opts.thresholds.clone());
    for (name, kind, endpoint) in &opts.sources {
        session.expect_source(name, *kind, endpoint);
    }
    let mut app = App::new(&opts.label, replay, opts.interval.as_millis() as u64, now_ms()).with_session(session);
    let mut terminal = ratatui::try_init().map_err(|e| format!("cannot set up the terminal: {e}"))?;
    let _guard = TerminalGuard { mouse: opts.mouse };
    if opts.mouse {
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = crossterm::execute!(std::io::stdout(), event::DisableMouseCapture);
            hook(info);
        }));
        crossterm::execute!(std::io::stdout(), event::EnableMouseCapture)
            .map_err(|e| format!("cannot capture the mouse (try --no-mouse): {e}"))?;
    }
    let result = run_loop(&mut terminal, &mut app, &mut data_rx, &mut key_rx, &ctl_tx, &opts.theme).await;
    stop.store(true, Ordering::Relaxed);
    result.map_err(|e| format!("terminal error: {e}"))
}

/// Reads keys on a thread of its own: a blocked read never holds up drawing or polling.
fn read_input(tx: mpsc::UnboundedSender<Input>, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::Relaxed) {
        // Wakes four times a second to notice `stop`; costs nothing measurable.
        match event::poll(Duration::from_millis(250)) {
            Ok(true) => {}
            Ok(false) => continue,
            Err(_) => return,
        }
        let sent = match event::read() {
            Ok(Event::Key(k)) => match key_of(&k) {
                Some(k) => tx.send(Input::Key(k)),
                None => Ok(()),
            },
            Ok(Event::Mouse(m)) => match mouse_of(&m) {
                Some(kind) => tx.send(Input::Mouse(kind, m.column, m.row)),
                None => Ok(()),
            },
            Ok(Event::Resize(..)) => tx.send(Input::Resize),
            Ok(_) => Ok(()),
            Err(_) => return,
        };
        if sent.is_err() {
            return;
        }
    }
}

/// The event loop: redraws on input, on new data and on the slow clock, never in a busy loop,
/// and never waits on the network (polling runs in its own task).
pub async fn run_loop<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    data_rx: &mut mpsc::Receiver<PollEvent>,
    key_rx: &mut mpsc::UnboundedReceiver<Input>,
    ctl_tx: &mpsc::Sender<Control>,
    theme: &Theme,
) -> Result<(), B::Error> {
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut data_open = true;
    let mut keys_open = true;
    let mut dirty = true;
    loop {
        if dirty {
            terminal.draw(|f| view::draw(f, app, theme))?;
            dirty = false;
        }
        tokio::select! {
            input = key_rx.recv(), if keys_open => match input {
                Some(Input::Key(k)) => {
                    if let Some(c) = app.update(Msg::Key(k)) {
                        // A full control queue means the poller is busy; the newest wish wins later.
                        let _ = ctl_tx.try_send(c);
                    }
                    dirty = true;
                }
                Some(Input::Mouse(kind, x, y)) => {
                    app.update(Msg::Mouse(app::Mouse { kind, x, y, at_ms: now_ms() }));
                    dirty = true;
                }
                Some(Input::Resize) => {
                    terminal.autoresize()?;
                    dirty = true;
                }
                None => keys_open = false,
            },
            ev = data_rx.recv(), if data_open => match ev {
                Some(ev) => {
                    app.update(Msg::Poll(ev));
                    dirty = true;
                }
                None => data_open = false,
            },
            _ = tick.tick() => {
                app.update(Msg::Tick(now_ms()));
                dirty = true;
            }
        }
        if app.quit {
            return Ok(());
        }
    }
}
