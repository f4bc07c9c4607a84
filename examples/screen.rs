//! Prints one dashboard screen as text, for looking at a layout while changing it:
//!
//!     cargo run --example screen -- synthetic/lag-retention 140x45 'Tab j j'
//!
//! The keys are separated by spaces: a single character, or one of Tab BackTab Enter Esc Up
//! Down PgUp PgDn Home End. Same recordings and rendering as the snapshot tests.

#[path = "../tests/support/demo.rs"]
mod demo;
use bptop::ui::keymap::Key;
use bptop::ui::theme::Theme;
use bptop::ui::{app::Msg, view};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn key(s: &str) -> Option<Key> {
    Some(match s {
        "Tab" => Key::Tab,
        "BackTab" => Key::BackTab,
        "Enter" => Key::Enter,
        "Esc" => Key::Esc,
        "Up" => Key::Up,
        "Down" => Key::Down,
        "PgUp" => Key::PageUp,
        "PgDn" => Key::PageDown,
        "Home" => Key::Home,
        "End" => Key::End,
        s if s.chars().count() == 1 => Key::Char(s.chars().next()?),
        _ => return None,
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rel = args.first().ok_or("usage: screen RECORDING [WxH] [KEYS]")?;
    let (w, h) = args
        .get(1)
        .and_then(|s| s.split_once('x'))
        .and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?)))
        .unwrap_or((120, 32));
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut app = demo::app_from_recording(&root.join("fixtures").join(rel), rel, None)?;
    for k in args.get(2).map(|s| s.split_whitespace().collect::<Vec<_>>()).unwrap_or_default() {
        app.update(Msg::Key(key(k).ok_or_else(|| format!("unknown key {k}"))?));
    }
    let mut terminal = Terminal::new(TestBackend::new(w, h))?;
    terminal.draw(|f| view::draw(f, &app, &Theme { color: false, ascii: false }))?;
    let buf = terminal.backend().buffer();
    for y in 0..h {
        let line: String = (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect();
        println!("{}", line.trim_end());
    }
    Ok(())
}
