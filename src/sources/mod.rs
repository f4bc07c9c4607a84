//! Sources turn endpoint responses into the normalized model. They know nothing of analysis or UI.

pub mod flink;
pub mod http;
mod json;
