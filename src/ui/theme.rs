//! Colours and glyphs. Meaning never rests on colour alone: every class has a symbol and a
//! label, so the dashboard reads the same under NO_COLOR, on 16 colours, and to colour-blind eyes
//! (the palette avoids red/green pairs: bottleneck red, victims blue, unknown magenta).

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::border;

use crate::diagnosis::{Class, Severity};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    /// False under NO_COLOR: no colour is ever set, emphasis by reverse video and symbols.
    pub color: bool,
    /// Plain ASCII for fonts without box-drawing or block glyphs.
    pub ascii: bool,
}

/// An ASCII border for `--ascii`.
const ASCII_BORDER: border::Set = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

/// The focused pane in ASCII: '=' and '#' where the others have '-' and '|'.
const ASCII_FOCUS_BORDER: border::Set = border::Set {
    top_left: "#",
    top_right: "#",
    bottom_left: "#",
    bottom_right: "#",
    vertical_left: "#",
    vertical_right: "#",
    horizontal_top: "=",
    horizontal_bottom: "=",
};

impl Theme {
    /// NO_COLOR set to anything non-empty turns colour off (https://no-color.org).
    pub fn from_env(ascii: bool) -> Theme {
        let no_color = std::env::var("NO_COLOR").is_ok_and(|v| !v.is_empty());
        Theme { color: !no_color, ascii }
    }

    /// The configured theme; NO_COLOR still wins over a profile's "color" (the user's
    /// environment beats a shared config file).
    pub fn from_settings(name: crate::theme_name::ThemeName) -> Theme {
        use crate::theme_name::ThemeName;
        let env = Theme::from_env(name == ThemeName::Ascii);
        match name {
            ThemeName::Mono => Theme { color: false, ascii: false },
            ThemeName::Ascii | ThemeName::Auto | ThemeName::Color => env,
        }
    }

    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::default().fg(c)
        } else {
            Style::default()
        }
    }

    pub fn class(&self, c: Class) -> Style {
        match (c, self.color) {
            (Class::Bottleneck, true) => Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
            (Class::Bottleneck, false) => Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            (Class::Victim, _) => self.fg(Color::Blue),
            (Class::Healthy, _) => Style::default(),
            (Class::Idle, _) => self.fg(Color::DarkGray),
            (Class::Unknown, _) => self.fg(Color::Magenta),
        }
    }

    pub fn class_symbol(&self, c: Class) -> &'static str {
        match (c, self.ascii) {
            (Class::Bottleneck, false) => "▶",
            (Class::Bottleneck, true) => ">",
            (Class::Victim, false) => "⇡",
            (Class::Victim, true) => "^",
            (Class::Healthy, _) => " ",
            (Class::Idle, false) => "○",
            (Class::Idle, true) => "o",
            (Class::Unknown, _) => "?",
        }
    }

    pub fn class_label(&self, c: Class) -> &'static str {
        match c {
            Class::Bottleneck => "BOTTLENECK",
            other => other.label(),
        }
    }

    pub fn severity(&self, s: Severity) -> Style {
        match s {
            Severity::Critical => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            Severity::Warning => self.fg(Color::Yellow).add_modifier(Modifier::BOLD),
            Severity::Healthy => self.fg(Color::Green),
        }
    }

    pub fn severity_symbol(&self, s: Severity) -> &'static str {
        match (s, self.ascii) {
            (Severity::Critical, false) => "●",
            (Severity::Critical, true) => "X",
            (Severity::Warning, false) => "▲",
            (Severity::Warning, true) => "!",
            (Severity::Healthy, false) => "✓",
            (Severity::Healthy, true) => "+",
        }
    }

    /// The row under the cursor.
    pub fn selected(&self) -> Style {
        if self.color {
            Style::default().bg(Color::DarkGray)
        } else {
            Style::default().add_modifier(Modifier::UNDERLINED)
        }
    }

    pub fn cursor(&self) -> &'static str {
        if self.ascii {
            ">"
        } else {
            "›"
        }
    }

    pub fn dim(&self) -> Style {
        self.fg(Color::DarkGray)
    }

    pub fn title(&self) -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }

    pub fn warn(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    pub fn bad(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn border(&self) -> border::Set<'static> {
        if self.ascii {
            ASCII_BORDER
        } else {
            border::ROUNDED
        }
    }

    /// The focused pane's border: thick, so that focus shows without colour.
    pub fn focus_border(&self) -> border::Set<'static> {
        if self.ascii {
            ASCII_FOCUS_BORDER
        } else {
            border::THICK
        }
    }

    /// Glyphs of the busy / backpressured / idle bar.
    pub fn bar_glyphs(&self) -> (&'static str, &'static str, &'static str) {
        if self.ascii {
            ("#", "=", ".")
        } else {
            ("█", "▒", "·")
        }
    }

    pub fn bar_styles(&self, class: Class) -> (Style, Style, Style) {
        let busy = if class == Class::Bottleneck { self.fg(Color::Red) } else { self.fg(Color::Yellow) };
        (busy, self.fg(Color::Blue), self.dim())
    }

    /// Eight levels, lowest first.
    pub fn spark_levels(&self) -> &'static [&'static str] {
        if self.ascii {
            &["_", ".", ",", ":", "-", "=", "+", "#"]
        } else {
            &["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
        }
    }

    pub fn arrow(&self) -> &'static str {
        if self.ascii {
            "->"
        } else {
            "→"
        }
    }
}
