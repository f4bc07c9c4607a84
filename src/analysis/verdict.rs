//! What classification says of a job's vertices, before advice and reporting: plain data that
//! the graph walk fills in and `classify` completes.

use crate::diagnosis::{BottleneckKind, Class};

/// The verdict on one vertex before advice and reporting.
#[derive(Clone, Debug, PartialEq)]
pub struct VertexVerdict {
    pub class: Class,
    pub confidence: f64,
    pub evidence: Vec<String>,
    /// Victims: indexes of the bottlenecks holding them back.
    pub caused_by: Vec<usize>,
    pub skewed_subtasks: Vec<u32>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BottleneckVerdict {
    pub vertex: usize,
    pub kind: BottleneckKind,
    pub confidence: f64,
    pub evidence: Vec<String>,
    /// Indexes of the victims it holds back.
    pub victims: Vec<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Classified {
    pub vertices: Vec<VertexVerdict>,
    pub bottlenecks: Vec<BottleneckVerdict>,
    /// Observations that do not make a bottleneck but matter (hot vertex, skew, gaps).
    pub findings: Vec<String>,
    /// Vertex indexes in data-flow order.
    pub order: Vec<usize>,
}
