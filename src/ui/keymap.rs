//! Every key bptop answers, in one table: the update function looks keys up here and the help
//! screen is generated from it, so the two cannot disagree.

/// A key press, independent of the terminal library (tests build these directly).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    Char(char),
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    Enter,
    Esc,
    Backspace,
    Tab,
    /// Shift-Tab.
    BackTab,
    /// Ctrl-C: always quits.
    CtrlC,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    Back,
    Filter,
    Sort,
    Pause,
    Refresh,
    Sources,
    Help,
    Quit,
    FocusNext,
    FocusPrev,
    Bottleneck,
    NextVictim,
    PrevVictim,
    Lag,
    Boxes,
    NextChange,
    PrevChange,
    StepBack,
    StepForward,
    Slower,
    Faster,
}

/// Where a binding applies (for the help screen).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Everywhere,
    Lists,
    Replay,
}

impl Scope {
    pub fn title(self) -> &'static str {
        match self {
            Scope::Everywhere => "Everywhere",
            Scope::Lists => "Jobs, operators, subtasks",
            Scope::Replay => "Replay (--replay or the bundled recording)",
        }
    }
}

pub struct Binding {
    pub keys: &'static [Key],
    /// How the keys read in the help.
    pub label: &'static str,
    pub action: Action,
    pub scope: Scope,
    pub help: &'static str,
}

pub const KEYMAP: &[Binding] = &[
    Binding {
        keys: &[Key::Up, Key::Char('k')],
        label: "↑ k",
        action: Action::Up,
        scope: Scope::Lists,
        help: "previous row",
    },
    Binding {
        keys: &[Key::Down, Key::Char('j')],
        label: "↓ j",
        action: Action::Down,
        scope: Scope::Lists,
        help: "next row",
    },
    Binding { keys: &[Key::PageUp], label: "PgUp", action: Action::PageUp, scope: Scope::Lists, help: "ten rows up" },
    Binding {
        keys: &[Key::PageDown],
        label: "PgDn",
        action: Action::PageDown,
        scope: Scope::Lists,
        help: "ten rows down",
    },
    Binding {
        keys: &[Key::Home, Key::Char('g')],
        label: "Home g",
        action: Action::Top,
        scope: Scope::Lists,
        help: "first row",
    },
    Binding {
        keys: &[Key::End, Key::Char('G')],
        label: "End G",
        action: Action::Bottom,
        scope: Scope::Lists,
        help: "last row",
    },
    Binding {
        keys: &[Key::Enter, Key::Right, Key::Char('l')],
        label: "Enter → l",
        action: Action::Open,
        scope: Scope::Lists,
        help: "drill in: job → operator chain → operator detail",
    },
    Binding {
        keys: &[Key::Esc, Key::Left, Key::Char('h'), Key::Backspace],
        label: "Esc ← h",
        action: Action::Back,
        scope: Scope::Lists,
        help: "back out one level",
    },
    Binding {
        keys: &[Key::Char('/')],
        label: "/",
        action: Action::Filter,
        scope: Scope::Lists,
        help: "filter by name (Enter keeps, Esc clears)",
    },
    Binding {
        keys: &[Key::Char('s')],
        label: "s",
        action: Action::Sort,
        scope: Scope::Lists,
        help: "sort the table in view (its column is marked ▼)",
    },
    Binding {
        keys: &[Key::Char('p'), Key::Char(' ')],
        label: "p Space",
        action: Action::Pause,
        scope: Scope::Everywhere,
        help: "pause / resume polling",
    },
    Binding {
        keys: &[Key::Char('r')],
        label: "r",
        action: Action::Refresh,
        scope: Scope::Everywhere,
        help: "poll now",
    },
    Binding {
        keys: &[Key::Tab],
        label: "Tab",
        action: Action::FocusNext,
        scope: Scope::Everywhere,
        help: "focus the next pane (j/k, PgUp/PgDn, Home/End then act on it)",
    },
    Binding {
        keys: &[Key::BackTab],
        label: "Shift-Tab",
        action: Action::FocusPrev,
        scope: Scope::Everywhere,
        help: "focus the previous pane",
    },
    Binding {
        keys: &[Key::Char('b')],
        label: "b",
        action: Action::Bottleneck,
        scope: Scope::Everywhere,
        help: "jump to the bottleneck (again: the next one)",
    },
    Binding {
        keys: &[Key::Char('n')],
        label: "n",
        action: Action::NextVictim,
        scope: Scope::Lists,
        help: "next victim",
    },
    Binding {
        keys: &[Key::Char('N')],
        label: "N",
        action: Action::PrevVictim,
        scope: Scope::Lists,
        help: "previous victim",
    },
    Binding {
        keys: &[Key::Char('L')],
        label: "L",
        action: Action::Lag,
        scope: Scope::Everywhere,
        help: "consumer lag: groups and partitions",
    },
    Binding {
        keys: &[Key::Char('v')],
        label: "v",
        action: Action::Boxes,
        scope: Scope::Everywhere,
        help: "operators as a table / as the job graph in boxes",
    },
    Binding {
        keys: &[Key::Char('S')],
        label: "S",
        action: Action::Sources,
        scope: Scope::Everywhere,
        help: "sources: ok / stale / last error",
    },
    Binding {
        keys: &[Key::Char('?'), Key::Char('H')],
        label: "?",
        action: Action::Help,
        scope: Scope::Everywhere,
        help: "this help",
    },
    Binding {
        keys: &[Key::Char('q'), Key::CtrlC],
        label: "q Ctrl-C",
        action: Action::Quit,
        scope: Scope::Everywhere,
        help: "quit",
    },
    Binding {
        keys: &[Key::Char(',')],
        label: ",",
        action: Action::StepBack,
        scope: Scope::Replay,
        help: "one poll back",
    },
    Binding {
        keys: &[Key::Char('.')],
        label: ".",
        action: Action::StepForward,
        scope: Scope::Replay,
        help: "one poll forward",
    },
    Binding {
        keys: &[Key::Char('[')],
        label: "[",
        action: Action::Slower,
        scope: Scope::Replay,
        help: "half the speed",
    },
    Binding {
        keys: &[Key::Char(']')],
        label: "]",
        action: Action::Faster,
        scope: Scope::Replay,
        help: "double the speed",
    },
    Binding {
        keys: &[Key::Char('>')],
        label: ">",
        action: Action::NextChange,
        scope: Scope::Replay,
        help: "to the next poll where the severity changes",
    },
    Binding {
        keys: &[Key::Char('<')],
        label: "<",
        action: Action::PrevChange,
        scope: Scope::Replay,
        help: "to the previous change of severity",
    },
];

pub fn action_for(key: Key) -> Option<Action> {
    KEYMAP.iter().find(|b| b.keys.contains(&key)).map(|b| b.action)
}

/// The label of an action's keys, for the status bar.
pub fn label_of(action: Action) -> &'static str {
    KEYMAP.iter().find(|b| b.action == action).map(|b| b.label).unwrap_or("?")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_is_bound_twice() {
        let mut seen = Vec::new();
        for b in KEYMAP {
            for k in b.keys {
                assert!(!seen.contains(k), "{k:?} bound twice");
                seen.push(*k);
            }
        }
    }

    #[test]
    fn vim_and_arrow_keys_agree() {
        assert_eq!(action_for(Key::Char('j')), action_for(Key::Down));
        assert_eq!(action_for(Key::Char('k')), action_for(Key::Up));
        assert_eq!(action_for(Key::Char('l')), Some(Action::Open));
        assert_eq!(action_for(Key::Esc), Some(Action::Back));
    }
}
