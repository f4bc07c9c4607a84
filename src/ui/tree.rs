//! The job graph as a tree a person can read in a table: each vertex under one parent (its
//! deepest input, so a join sits below the longest branch), rows in depth-first order so that a
//! branch is drawn whole before the next, and the `├ │ └` connectors that say whose child a row
//! is. Inputs beyond the parent are named by number on the row. Also: labels that tell vertices
//! with the same name apart ("Map #3").

use std::collections::HashMap;

use crate::diagnosis::{JobDiagnosis, VertexDiagnosis};

/// One row of the tree.
#[derive(Clone, Debug, PartialEq)]
pub struct TreeRow<'a> {
    pub vertex: &'a VertexDiagnosis,
    /// For each ancestor level below the root: does that ancestor have siblings still to come
    /// (draw `│`)?
    pub rails: Vec<bool>,
    /// Last child of its parent (`└`), else `├`; None for a root.
    pub last: Option<bool>,
    /// Inputs other than the parent (a join).
    pub also_from: Vec<&'a str>,
    /// Outputs drawn under another parent (this vertex is a join's other input).
    pub also_to: Vec<&'a str>,
}

impl TreeRow<'_> {
    pub fn depth(&self) -> usize {
        self.rails.len() + usize::from(self.last.is_some())
    }
}

/// The job's vertices in tree order (every vertex once, even in a graph with a cycle or an
/// input that names no vertex of the job).
pub fn rows(job: &JobDiagnosis) -> Vec<TreeRow<'_>> {
    let index: HashMap<&str, usize> = job.vertices.iter().enumerate().map(|(i, v)| (v.id.as_str(), i)).collect();
    // Longest path from a source, in the job's (topological) order.
    let mut depth = vec![0usize; job.vertices.len()];
    for (i, v) in job.vertices.iter().enumerate() {
        depth[i] = v
            .inputs
            .iter()
            .filter_map(|x| index.get(x.id.as_str()))
            .filter(|&&j| j < i)
            .map(|&j| depth[j] + 1)
            .max()
            .unwrap_or(0);
    }
    let parent: Vec<Option<usize>> = job
        .vertices
        .iter()
        .enumerate()
        .map(|(i, v)| {
            v.inputs
                .iter()
                .filter_map(|x| index.get(x.id.as_str()).copied())
                .filter(|&j| j < i)
                // The deepest input; the first listed among equals.
                .fold(None, |best: Option<usize>, j| match best {
                    Some(b) if depth[b] >= depth[j] => Some(b),
                    _ => Some(j),
                })
        })
        .collect();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); job.vertices.len()];
    for (i, p) in parent.iter().enumerate() {
        if let Some(p) = p {
            children[*p].push(i);
        }
    }
    // Every vertex's consumers, found once (a scan per row would cost V² per frame).
    let mut consumers: Vec<Vec<usize>> = vec![Vec::new(); job.vertices.len()];
    for (j, w) in job.vertices.iter().enumerate() {
        for x in &w.inputs {
            if let Some(&i) = index.get(x.id.as_str()) {
                if !consumers[i].contains(&j) {
                    consumers[i].push(j);
                }
            }
        }
    }
    let mut out = Vec::with_capacity(job.vertices.len());
    let mut seen = vec![false; job.vertices.len()];
    // Iterative depth-first walk: a 500-deep chain must not overflow the stack.
    let mut stack: Vec<(usize, Vec<bool>, Option<bool>)> = Vec::new();
    for root in (0..job.vertices.len()).filter(|&i| parent[i].is_none()).rev() {
        stack.push((root, Vec::new(), None));
    }
    while let Some((i, rails, last)) = stack.pop() {
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        let v = &job.vertices[i];
        let also_from =
            v.inputs.iter().map(|x| x.id.as_str()).filter(|id| index.get(id).copied() != parent[i]).collect();
        let kids = &children[i];
        let mut child_rails = rails.clone();
        if let Some(l) = last {
            child_rails.push(!l);
        }
        for (k, &c) in kids.iter().enumerate().rev() {
            stack.push((c, child_rails.clone(), Some(k + 1 == kids.len())));
        }
        let also_to =
            consumers[i].iter().filter(|&&j| parent[j] != Some(i)).map(|&j| job.vertices[j].id.as_str()).collect();
        out.push(TreeRow { vertex: v, rails, last, also_from, also_to });
    }
    out
}

/// Vertex numbers as the table shows them (1-based, in the job's order).
pub fn numbers(job: &JobDiagnosis) -> HashMap<&str, usize> {
    job.vertices.iter().enumerate().map(|(i, v)| (v.id.as_str(), i + 1)).collect()
}

/// Names that occur more than once in the job, where a number must tell them apart.
pub fn repeated(job: &JobDiagnosis) -> std::collections::HashSet<&str> {
    let mut count: HashMap<&str, usize> = HashMap::new();
    for v in &job.vertices {
        *count.entry(v.name.as_str()).or_default() += 1;
    }
    count.into_iter().filter(|(_, n)| *n > 1).map(|(name, _)| name).collect()
}

/// The vertex's name, with its number when another vertex has the same name.
pub fn label(job: &JobDiagnosis, id: &str) -> String {
    let Some((i, v)) = job.vertices.iter().enumerate().find(|(_, v)| v.id == id) else { return id.to_string() };
    if job.vertices.iter().filter(|x| x.name == v.name).count() > 1 {
        format!("{} #{}", v.name, i + 1)
    } else {
        v.name.clone()
    }
}

/// Cuts `s` to `width` characters, keeping its start and its end ("jdbc-sink: Wr…: Committer"):
/// an operator chain's last operator matters as much as its first.
pub fn fit(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n <= width {
        return s.to_string();
    }
    if width < 2 {
        return "…".chars().take(width).collect();
    }
    let head = (width - 1) * 2 / 3;
    let tail = width - 1 - head;
    let start: String = s.chars().take(head).collect();
    let end: String = s.chars().skip(n - tail).collect();
    format!("{start}…{end}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnosis::test_support::{job_of, vertex_of};

    fn names(rows: &[TreeRow]) -> Vec<String> {
        rows.iter()
            .map(|r| {
                let mut s: String = r.rails.iter().map(|&on| if on { "│ " } else { "  " }).collect();
                s.push_str(match r.last {
                    Some(true) => "└ ",
                    Some(false) => "├ ",
                    None => "",
                });
                s.push_str(&r.vertex.name);
                s
            })
            .collect()
    }

    #[test]
    fn a_linear_chain_indents_every_level() {
        let vs: Vec<_> = (0..8)
            .map(|i| {
                vertex_of(
                    &format!("v{i}"),
                    &format!("op{i}"),
                    &if i == 0 { vec![] } else { vec![format!("v{}", i - 1)] },
                )
            })
            .collect();
        let job = job_of(vs);
        let rows = rows(&job);
        assert_eq!(rows.len(), 8);
        assert_eq!(rows[7].depth(), 7, "no cap: the sink is the child of its parent");
        assert_eq!(names(&rows)[7], format!("{}└ op7", "  ".repeat(6)));
    }

    #[test]
    fn branches_draw_whole_with_rails_and_a_join_names_its_other_input() {
        // src → a → a2 → join ; src → b → join ; src → c
        let job = job_of(vec![
            vertex_of("src", "src", &[]),
            vertex_of("a", "a", &["src".into()]),
            vertex_of("b", "b", &["src".into()]),
            vertex_of("a2", "a2", &["a".into()]),
            vertex_of("c", "c", &["src".into()]),
            vertex_of("j", "join", &["b".into(), "a2".into()]),
        ]);
        let rows = rows(&job);
        assert_eq!(names(&rows), ["src", "├ a", "│ └ a2", "│   └ join", "├ b", "└ c"]);
        let join = rows.iter().find(|r| r.vertex.id == "j").unwrap();
        assert_eq!(join.also_from, ["b"], "the join hangs under its deepest input and names the other");
        let b = rows.iter().find(|r| r.vertex.id == "b").unwrap();
        assert_eq!(b.also_to, ["j"], "and the other names the join");
    }

    #[test]
    fn every_vertex_once_even_with_a_cycle_or_a_dangling_input() {
        let job = job_of(vec![
            vertex_of("a", "a", &["c".into()]),
            vertex_of("b", "b", &["a".into(), "ghost".into()]),
            vertex_of("c", "c", &["b".into()]),
        ]);
        let rows = rows(&job);
        let mut ids: Vec<&str> = rows.iter().map(|r| r.vertex.id.as_str()).collect();
        ids.sort();
        assert_eq!(ids, ["a", "b", "c"]);
    }

    #[test]
    fn repeated_names_carry_their_number() {
        let job = job_of(vec![
            vertex_of("a", "Map", &[]),
            vertex_of("b", "Map", &["a".into()]),
            vertex_of("c", "sink", &["b".into()]),
        ]);
        assert_eq!(label(&job, "b"), "Map #2");
        assert_eq!(label(&job, "c"), "sink");
        assert!(repeated(&job).contains("Map"));
    }

    #[test]
    fn fit_keeps_both_ends() {
        assert_eq!(fit("jdbc-sink: Writer -> jdbc-sink: Committer", 20), "jdbc-sink: W…mmitter");
        assert_eq!(fit("short", 20), "short");
        assert_eq!(fit("abc", 1), "…");
        assert_eq!(fit("abcdef", 0), "");
    }
}
