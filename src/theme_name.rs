//! Which look the dashboard takes, as a setting: named by the config file and flags, turned
//! into colours and glyphs by `ui::theme`. Plain data, so configuration need not know the UI.

use serde::Deserialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ThemeName {
    /// Colour unless NO_COLOR is set.
    Auto,
    Color,
    Mono,
    Ascii,
}
