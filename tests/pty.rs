//! The real binary in a pseudo-terminal, read back through a terminal emulator (vt100): it
//! starts, draws, answers keys, and leaves the terminal as it found it, also while every
//! endpoint hangs.

mod support;

use std::io::{Read, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, CommandBuilder, PtySize};
use support::{fixture, serve, serve_recording};

const ROWS: u16 = 30;
const COLS: u16 = 110;

struct Tui {
    parser: vt100::Parser,
    bytes: mpsc::Receiver<Vec<u8>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
}

impl Tui {
    fn start(args: &[&str]) -> Tui {
        let pty = native_pty_system()
            .openpty(PtySize { rows: ROWS, cols: COLS, pixel_width: 0, pixel_height: 0 })
            .expect("a pseudo-terminal");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_bptop"));
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("NO_COLOR");
        cmd.env_remove("BPTOP_FLINK_URL");
        // The user's config file never reaches a test.
        cmd.env("XDG_CONFIG_HOME", env!("CARGO_TARGET_TMPDIR"));
        for (k, _) in std::env::vars() {
            if k.starts_with("BPTOP_") {
                cmd.env_remove(k);
            }
        }
        let child = pty.slave.spawn_command(cmd).expect("bptop starts");
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().expect("reader");
        let writer = pty.master.take_writer().expect("writer");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        // The master must outlive the child; leak it into the reader's lifetime.
        std::mem::forget(pty.master);
        Tui { parser: vt100::Parser::new(ROWS, COLS, 0), bytes: rx, writer, child }
    }

    fn pump(&mut self, wait: Duration) {
        if let Ok(b) = self.bytes.recv_timeout(wait) {
            self.parser.process(&b);
        }
        while let Ok(b) = self.bytes.try_recv() {
            self.parser.process(&b);
        }
    }

    fn screen(&self) -> String {
        self.parser.screen().contents()
    }

    /// Waits until the screen shows `text` (the limit only guards against a hang).
    fn wait_for(&mut self, text: &str, limit: Duration) {
        let start = Instant::now();
        while !self.screen().contains(text) {
            assert!(start.elapsed() < limit, "'{text}' not on screen after {limit:?}:\n{}", self.screen());
            self.pump(Duration::from_millis(50));
        }
    }

    fn press(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).expect("key sent");
        self.writer.flush().expect("flush");
    }

    /// Waits for the process to end; returns its success.
    fn wait_exit(&mut self, limit: Duration) -> bool {
        let start = Instant::now();
        loop {
            self.pump(Duration::from_millis(20));
            if let Some(status) = self.child.try_wait().expect("wait") {
                // Whatever it printed last (terminal restore) must be processed too.
                self.pump(Duration::from_millis(100));
                return status.success();
            }
            if start.elapsed() > limit {
                let _ = self.child.kill();
                panic!("bptop did not exit within {limit:?}:\n{}", self.screen());
            }
        }
    }
}

impl Tui {
    /// The screen row (0-based) whose text contains `text`.
    fn row_of(&self, text: &str) -> Option<u16> {
        self.screen().lines().position(|l| l.contains(text)).map(|y| y as u16)
    }

    /// An SGR (1006) mouse report, as xterm sends it with mouse capture on: `code` 0 is the
    /// left button, 64/65 the wheel up/down; cells are 1-based on the wire.
    fn mouse(&mut self, code: u8, x: u16, y: u16) {
        self.press(&format!("\x1b[<{code};{};{}M", x + 1, y + 1));
        if code < 64 {
            self.press(&format!("\x1b[<{code};{};{}m", x + 1, y + 1));
        }
    }

    /// Waits until `check` holds for the screen.
    fn wait_until(&mut self, what: &str, limit: Duration, check: impl Fn(&str) -> bool) {
        let start = Instant::now();
        while !check(&self.screen()) {
            assert!(start.elapsed() < limit, "{what}: not after {limit:?}:\n{}", self.screen());
            self.pump(Duration::from_millis(50));
        }
    }
}

/// Focus, scrolling, `b` and the mouse on the real binary: keys and SGR mouse reports through a
/// pseudo-terminal, the result read back from the screen, and the mouse released at exit.
#[test]
fn focus_scrolling_b_and_the_mouse_drive_the_dashboard() {
    let mut tui = Tui::start(&[]);
    tui.wait_for("BOTTLENECK", Duration::from_secs(20));
    assert_ne!(tui.parser.screen().mouse_protocol_mode(), vt100::MouseProtocolMode::None, "mouse captured");
    // Tab: the bottleneck card has the focus; j scrolls it.
    tui.press("\t");
    tui.wait_for("▸ bottleneck", Duration::from_secs(5));
    tui.press("j");
    tui.wait_for("↑ 1 more", Duration::from_secs(5));
    // b: back to the operators, on the bottleneck.
    tui.press("b");
    tui.wait_until("the cursor on the bottleneck", Duration::from_secs(5), |s| {
        s.lines().any(|l| l.contains("› ") && l.contains("slow-sink: Writer"))
    });
    assert!(tui.screen().contains("▸ operators"), "focus on the operators:\n{}", tui.screen());
    // A click on the first operator selects it.
    let y = tui.row_of("Source: gen-source").expect("the source's row");
    tui.mouse(0, 12, y);
    tui.wait_until("the cursor on the source", Duration::from_secs(5), |s| {
        s.lines().any(|l| l.contains("› ") && l.contains("Source: gen-source"))
    });
    assert!(!tui.screen().contains("busy·bp·idle"), "a single click opens nothing");
    // The wheel over the card scrolls it back to its top without taking the focus.
    let card = tui.row_of("╭ bottleneck").or(tui.row_of("┏▸ bottleneck")).expect("the card");
    tui.mouse(64, 5, card + 2);
    tui.wait_until("the card at its top", Duration::from_secs(5), |s| !s.contains("↑ 1 more"));
    tui.mouse(65, 5, card + 2);
    tui.wait_for("↑ ", Duration::from_secs(5));
    assert!(tui.screen().contains("▸ operators"), "the wheel leaves the focus:\n{}", tui.screen());
    // A double click on a row opens its detail.
    let y = tui.row_of("filter-valid").expect("a row");
    tui.mouse(0, 12, y);
    tui.mouse(0, 12, y);
    // The detail's own subtask table, headed by the clicked operator.
    tui.wait_for("busy·bp·idle", Duration::from_secs(5));
    assert!(tui.screen().lines().nth(1).is_some_and(|l| l.contains("filter-valid")), "{}", tui.screen());
    tui.press("q");
    assert!(tui.wait_exit(Duration::from_secs(10)), "exit status");
    let screen = tui.parser.screen();
    assert_eq!(screen.mouse_protocol_mode(), vt100::MouseProtocolMode::None, "mouse released at exit");
    assert!(!screen.alternate_screen());
}

#[test]
fn no_mouse_leaves_the_mouse_to_the_terminal() {
    let mut tui = Tui::start(&["--no-mouse"]);
    tui.wait_for("BOTTLENECK", Duration::from_secs(20));
    assert_eq!(tui.parser.screen().mouse_protocol_mode(), vt100::MouseProtocolMode::None);
    tui.press("q");
    assert!(tui.wait_exit(Duration::from_secs(10)), "exit status");
}

#[test]
fn bptop_with_no_arguments_plays_the_bundled_recording_and_quits_cleanly() {
    let mut tui = Tui::start(&[]);
    tui.wait_for("slow-sink: Writer", Duration::from_secs(20));
    tui.wait_for("BOTTLENECK", Duration::from_secs(5));
    assert!(tui.parser.screen().alternate_screen(), "the dashboard draws on the alternate screen");
    tui.press("?");
    tui.wait_for("this help", Duration::from_secs(5));
    tui.press("x");
    tui.press("j");
    tui.press("\r");
    tui.wait_for("why", Duration::from_secs(5));
    tui.press("q");
    assert!(tui.wait_exit(Duration::from_secs(10)), "exit status");
    let screen = tui.parser.screen();
    assert!(!screen.alternate_screen(), "left on the alternate screen");
    assert!(!screen.hide_cursor(), "cursor left hidden");
}

#[test]
fn when_every_source_hangs_keys_still_work_and_sources_read_stale() {
    let server = serve(axum::Router::new().fallback(|| async {
        tokio::time::sleep(Duration::from_secs(3600)).await;
        "never"
    }));
    let url = server.url();
    let mut tui = Tui::start(&["--flink", &url, "--interval", "200ms", "--timeout", "60s"]);
    tui.wait_for("waiting for the first answer", Duration::from_secs(20));
    tui.press("?");
    tui.wait_for("this help", Duration::from_secs(5));
    tui.press("S");
    tui.press("S");
    tui.wait_for("STALE: no answer in", Duration::from_secs(15));
    assert!(tui.screen().contains(&url), "the endpoint is named:\n{}", tui.screen());
    tui.press("q");
    assert!(tui.wait_exit(Duration::from_secs(10)), "exit status");
    assert!(!tui.parser.screen().alternate_screen());
}

#[test]
fn a_source_that_refuses_credentials_shows_as_failing_while_the_others_answer() {
    let flink = serve_recording(&fixture("real/slow-sink"), 1.0);
    let exporter = serve(axum::Router::new().fallback(|| async {
        (axum::http::StatusCode::UNAUTHORIZED, [("www-authenticate", "Basic realm=\"lag\"")], "no")
    }));
    let scrape = format!("{}/metrics", exporter.url());
    let mut tui = Tui::start(&["--flink", &flink.url(), "--scrape", &scrape, "--interval", "300ms"]);
    // The Flink verdict arrives although the other source fails on every poll.
    tui.wait_for("BOTTLENECK", Duration::from_secs(20));
    tui.press("S");
    // "HTTP 401", not "401": a port in the title bar (":40135") must not pass for the error.
    tui.wait_for("HTTP 401", Duration::from_secs(10));
    assert!(tui.screen().contains("scrape-1"), "the failing source is named:\n{}", tui.screen());
    tui.press("q");
    assert!(tui.wait_exit(Duration::from_secs(10)), "exit status");
}

#[test]
fn a_hanging_source_never_holds_back_the_others() {
    let flink = serve_recording(&fixture("real/slow-sink"), 1.0);
    let hanging = serve(axum::Router::new().fallback(|| async {
        tokio::time::sleep(Duration::from_secs(3600)).await;
        "never"
    }));
    let scrape = format!("{}/metrics", hanging.url());
    // With a 60 s timeout, a poll that waited for every source would show nothing for a minute.
    let mut tui = Tui::start(&["--flink", &flink.url(), "--scrape", &scrape, "--interval", "1s", "--timeout", "60s"]);
    tui.wait_for("BOTTLENECK", Duration::from_secs(20));
    tui.press("S");
    tui.wait_for("no answer yet", Duration::from_secs(10));
    tui.press("q");
    assert!(tui.wait_exit(Duration::from_secs(10)), "exit status");
}
