//! bptop: which operator is choking a streaming pipeline.
//!
//! Data flows one way: `sources` → `model::Snapshot` → `history` → `analysis` → `diagnosis`
//! → `report` | `ui`. `model`, `history`, `analysis`, `diagnosis` and `units` are
//! the pure core: no I/O, no clock, no terminal.

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
pub mod sim;
pub mod sources;
pub mod ui;
pub mod units;
