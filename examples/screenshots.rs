//! Writes screenshots/*.png of the dashboard from bundled recordings:
//!
//!     cargo run --release --example screenshots
//!
//! Each screen is rendered on ratatui's TestBackend (exactly what the terminal would get),
//! turned into an SVG grid of cells, and rasterized with resvg using a monospace system font
//! (DejaVu Sans Mono: Debian's fonts-dejavu-core). Reproducible: same recordings, same pictures.

use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;

#[path = "../tests/support/demo.rs"]
mod demo;
use bptop::ui::keymap::Key;
use bptop::ui::theme::Theme;
use bptop::ui::{app::Msg, view};
use demo::app_from_recording;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use ratatui::Terminal;
use resvg::{tiny_skia, usvg};

const FONT_PX: f64 = 14.0;
/// DejaVu Sans Mono advances 0.602 em per character.
const CELL_W: f64 = FONT_PX * 0.602;
const CELL_H: f64 = 18.0;
const BG: &str = "#1d1f21";
const FG: &str = "#d0d0d0";

struct Shot {
    name: &'static str,
    recording: &'static str,
    keys: &'static [Key],
    theme: Theme,
    size: (u16, u16),
}

const COLOR: Theme = Theme { color: true, ascii: false };
const MONO: Theme = Theme { color: false, ascii: false };

const SHOTS: &[Shot] = &[
    Shot { name: "overview", recording: "synthetic/two-jobs", keys: &[], theme: COLOR, size: (120, 24) },
    Shot { name: "chain-bottleneck", recording: "real/slow-sink", keys: &[], theme: COLOR, size: (120, 32) },
    Shot { name: "chain-fan-out", recording: "synthetic/fan-out", keys: &[], theme: COLOR, size: (120, 30) },
    Shot {
        name: "detail-skew",
        recording: "synthetic/skew",
        keys: &[Key::Down, Key::Enter],
        theme: COLOR,
        size: (120, 28),
    },
    Shot { name: "forecast-ramp", recording: "synthetic/load-ramp", keys: &[], theme: COLOR, size: (120, 34) },
    Shot { name: "help", recording: "real/slow-sink", keys: &[Key::Char('?')], theme: COLOR, size: (120, 40) },
    Shot { name: "no-color", recording: "real/slow-sink", keys: &[], theme: MONO, size: (120, 32) },
    Shot { name: "data-loss", recording: "synthetic/orders-lag", keys: &[], theme: COLOR, size: (140, 45) },
    Shot {
        name: "lag-view",
        recording: "synthetic/orders-lag",
        keys: &[Key::Char('L')],
        theme: COLOR,
        size: (120, 24),
    },
    Shot { name: "graph", recording: "synthetic/join", keys: &[Key::Char('v')], theme: COLOR, size: (140, 36) },
    Shot {
        name: "card-focused",
        recording: "synthetic/orders-lag",
        keys: &[Key::Tab, Key::Char('j'), Key::Char('j')],
        theme: COLOR,
        size: (80, 24),
    },
];

fn main() -> Result<(), Box<dyn Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut opt = usvg::Options::default();
    opt.fontdb_mut().load_system_fonts();
    if opt.fontdb.faces().all(|f| !f.families.iter().any(|(n, _)| n.contains("DejaVu Sans Mono"))) {
        return Err("DejaVu Sans Mono is not installed (apt-get install fonts-dejavu-core)".into());
    }
    std::fs::create_dir_all(root.join("screenshots"))?;
    for shot in SHOTS {
        let rel = shot.recording;
        let mut app = app_from_recording(&root.join("fixtures").join(rel), rel, None)?;
        for k in shot.keys {
            app.update(Msg::Key(*k));
        }
        let mut terminal = Terminal::new(TestBackend::new(shot.size.0, shot.size.1))?;
        terminal.draw(|f| view::draw(f, &app, &shot.theme))?;
        let svg = to_svg(terminal.backend().buffer());
        let tree = usvg::Tree::from_str(&svg, &opt)?;
        let size = tree.size().to_int_size();
        let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height()).ok_or("empty picture")?;
        resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
        let out = root.join("screenshots").join(format!("{}.png", shot.name));
        pixmap.save_png(&out)?;
        println!("{}", out.display());
    }
    Ok(())
}

/// A terminal palette (16 colours) that reads on a dark background.
fn hex(c: Color, default: &str) -> String {
    match c {
        Color::Reset => default,
        Color::Black => "#1d1f21",
        Color::Red => "#ef5350",
        Color::Green => "#8bc34a",
        Color::Yellow => "#f0c674",
        Color::Blue => "#64a8f0",
        Color::Magenta => "#c678dd",
        Color::Cyan => "#56b6c2",
        Color::Gray => "#c5c8c6",
        Color::DarkGray => "#7a7f85",
        Color::LightRed => "#ff7b72",
        Color::LightGreen => "#b5e890",
        Color::LightYellow => "#ffe9a0",
        Color::LightBlue => "#9cc7ff",
        Color::LightMagenta => "#e2a8f0",
        Color::LightCyan => "#8fe1eb",
        Color::White => "#ffffff",
        Color::Rgb(r, g, b) => return format!("#{r:02x}{g:02x}{b:02x}"),
        Color::Indexed(_) => default,
    }
    .to_string()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// One rectangle per coloured background and one text element per glyph, on the cell grid,
/// so the picture keeps the terminal's alignment whatever the font's kerning.
fn to_svg(buf: &Buffer) -> String {
    let (w, h) = (buf.area.width, buf.area.height);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{:.0}" height="{:.0}"><rect width="100%" height="100%" fill="{BG}"/>"#,
        f64::from(w) * CELL_W + 16.0,
        f64::from(h) * CELL_H + 16.0
    );
    let _ = write!(s, r#"<g transform="translate(8 8)" font-family="DejaVu Sans Mono" font-size="{FONT_PX}">"#);
    for y in 0..h {
        for x in 0..w {
            let cell = &buf[(x, y)];
            let mut fg = hex(cell.fg, FG);
            let mut bg = hex(cell.bg, BG);
            if cell.modifier.contains(Modifier::REVERSED) {
                std::mem::swap(&mut fg, &mut bg);
            }
            let (px, py) = (f64::from(x) * CELL_W, f64::from(y) * CELL_H);
            if bg != BG {
                let _ = write!(
                    s,
                    r#"<rect x="{px:.2}" y="{py:.2}" width="{:.2}" height="{CELL_H}" fill="{bg}"/>"#,
                    CELL_W + 0.3
                );
            }
            let sym = cell.symbol();
            if sym.trim().is_empty() {
                continue;
            }
            let weight = if cell.modifier.contains(Modifier::BOLD) { r#" font-weight="bold""# } else { "" };
            let deco =
                if cell.modifier.contains(Modifier::UNDERLINED) { r#" text-decoration="underline""# } else { "" };
            let _ = write!(
                s,
                r#"<text x="{px:.2}" y="{:.2}" fill="{fg}"{weight}{deco} xml:space="preserve">{}</text>"#,
                py + CELL_H * 0.75,
                escape(sym)
            );
        }
    }
    s.push_str("</g></svg>");
    s
}
