//! bptop: which operator is choking a streaming pipeline.
//!
//! Data flows one way: sources → `model::Snapshot` → `session` (history) → `analysis` →
//! `diagnosis` → `report` | `ui`. The layers, low to high; a module imports its own layer and
//! the ones below, never one above (tests/layering.rs checks every `crate::` path):
//!
//! | layer       | modules                                                  |
//! |-------------|----------------------------------------------------------|
//! | plain data  | `model`, `diagnosis`, `units`, `secret`, `wire`, `theme_name` |
//! | recording   | `record` (the client's tee and replay transport)         |
//! | sources     | `sources` (one module per system, the GET-only client)   |
//! | history     | `history`                                                |
//! | analysis    | `analysis` (pure: classify, forecast, lag, advice)       |
//! | session     | `session` (history, source states, the rule for polls)   |
//! | driving     | `collect` (registry, lanes, polling), `config`           |
//! | surfaces    | `ui`, `report`                                           |
//! | commands    | `run`, `cli`                                             |
//!
//! `model`, `diagnosis`, `units`, `history`, `analysis` and `session` are pure: no I/O, no
//! clock, no terminal.

pub mod analysis;
pub mod cli;
pub mod collect;
pub mod config;
pub mod diagnosis;
pub mod history;
pub mod model;
pub mod record;
pub mod report;
pub mod run;
pub mod secret;
pub mod session;
pub mod sources;
pub mod theme_name;
pub mod ui;
pub mod units;
pub mod wire;
