//! The job graph by vertex index: who feeds whom, and the order data flows in.

use std::collections::{BTreeSet, HashMap};

use super::window::VertexView;

/// Edges by index: inputs and outputs of each vertex.
pub struct Graph {
    pub inputs: Vec<Vec<usize>>,
    pub outputs: Vec<Vec<usize>>,
}

impl Graph {
    pub fn of(views: &[VertexView]) -> Graph {
        let index: HashMap<&str, usize> = views.iter().enumerate().map(|(i, v)| (v.vertex.id.as_str(), i)).collect();
        let mut inputs = vec![Vec::new(); views.len()];
        let mut outputs = vec![Vec::new(); views.len()];
        for (i, v) in views.iter().enumerate() {
            for input in &v.vertex.inputs {
                if let Some(&from) = index.get(input.from.as_str()) {
                    if !inputs[i].contains(&from) {
                        inputs[i].push(from);
                        outputs[from].push(i);
                    }
                }
            }
        }
        Graph { inputs, outputs }
    }

    /// Kahn's order, ties kept in the order the source listed the vertices; vertices on a
    /// cycle (iterations) follow in listed order.
    pub fn topological(&self) -> Vec<usize> {
        let n = self.inputs.len();
        let mut pending: Vec<usize> = self.inputs.iter().map(Vec::len).collect();
        let mut ready: BTreeSet<usize> = (0..n).filter(|&i| pending[i] == 0).collect();
        let mut order = Vec::with_capacity(n);
        while let Some(i) = ready.pop_first() {
            order.push(i);
            for &o in &self.outputs[i] {
                pending[o] -= 1;
                if pending[o] == 0 {
                    ready.insert(o);
                }
            }
        }
        for i in 0..n {
            if !order.contains(&i) {
                order.push(i);
            }
        }
        order
    }
}
