use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::format::{IndexEntry, Manifest, FORMAT_VERSION};
use crate::wire::Response;

/// What `bptop` replays when no endpoint is given: a real Flink 2.3 job whose sink is slow.
pub const BUNDLED_NAME: &str = "bundled recording fixtures/real/slow-sink (real Flink 2.3 cluster)";
/// The same, short enough for a status bar.
pub const BUNDLED_SHORT: &str = "bundled real/slow-sink";

mod bundled {
    include!(concat!(env!("OUT_DIR"), "/bundled.rs"));
}

enum Store {
    Dir {
        dir: PathBuf,
        /// `dir` with its links resolved, once: what every body's real path must start with.
        root: PathBuf,
        /// Files already checked to stay inside the recording, with their real path: a body is
        /// read many times in a long replay, and resolving links costs a syscall per component.
        checked: std::sync::Mutex<HashMap<String, PathBuf>>,
    },
    Embedded(&'static [(&'static str, &'static [u8])]),
}

impl Store {
    fn read(&self, rel: &str) -> Result<Vec<u8>, String> {
        match self {
            Store::Dir { dir, root, checked } => {
                let p = dir.join(rel);
                let known = checked.lock().ok().and_then(|c| c.get(rel).cloned());
                let real = match known {
                    Some(real) => real,
                    None => {
                        // A symbolic link inside the recording must not lead out of it.
                        let real = p.canonicalize().map_err(|e| format!("cannot read {}: {e}", p.display()))?;
                        if !real.starts_with(root) {
                            return Err(format!("{} points outside the recording", p.display()));
                        }
                        if let Ok(mut c) = checked.lock() {
                            c.insert(rel.to_string(), real.clone());
                        }
                        real
                    }
                };
                std::fs::read(&real).map_err(|e| format!("cannot read {}: {e}", p.display()))
            }
            Store::Embedded(files) => files
                .iter()
                .find(|(name, _)| *name == rel)
                .map(|(_, bytes)| bytes.to_vec())
                .ok_or_else(|| format!("bundled recording lacks {rel}")),
        }
    }
}

/// A recording opened for replay. Requests are answered from the latest capture of the same
/// path at or before the current poll, like a cluster that was asked at that moment.
pub struct Replay {
    name: String,
    store: Store,
    manifest: Manifest,
    /// Poll number and its start time, ascending.
    polls: Vec<(u32, i64)>,
    by_request: HashMap<(String, String), Vec<IndexEntry>>,
    cursor: AtomicUsize,
}

impl Replay {
    pub fn open(dir: &Path) -> Result<Replay, String> {
        // A directory that cannot be resolved has no manifest either: reading it says why.
        let root = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        let store = Store::Dir { dir: dir.to_path_buf(), root, checked: Default::default() };
        Self::load(dir.display().to_string(), store)
    }

    pub fn bundled() -> Result<Replay, String> {
        Self::load(BUNDLED_NAME.to_string(), Store::Embedded(bundled::FILES))
    }

    fn load(name: String, store: Store) -> Result<Replay, String> {
        let bytes = store.read("manifest.json").map_err(|e| format!("recording {name}: {e}"))?;
        let manifest: Manifest =
            serde_json::from_slice(&bytes).map_err(|e| format!("recording {name}: manifest.json is not valid: {e}"))?;
        if manifest.format_version != FORMAT_VERSION {
            return Err(format!(
                "recording {name}: format version {} (this bptop reads {FORMAT_VERSION})",
                manifest.format_version
            ));
        }
        let index = store.read("index.jsonl").map_err(|e| format!("recording {name}: {e}"))?;
        let index = String::from_utf8(index).map_err(|_| format!("recording {name}: index.jsonl is not UTF-8"))?;
        let mut by_request: HashMap<(String, String), Vec<IndexEntry>> = HashMap::new();
        let mut poll_start: HashMap<u32, i64> = HashMap::new();
        for (n, line) in index.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let entry: IndexEntry =
                serde_json::from_str(line).map_err(|e| format!("recording {name}: index.jsonl line {}: {e}", n + 1))?;
            if !crate::model::plausible_time_ms(entry.t_ms) {
                return Err(format!(
                    "recording {name}: index.jsonl line {}: t_ms {} is no time between 1970 and the year 9999",
                    n + 1,
                    entry.t_ms
                ));
            }
            if let Some(body) = &entry.body {
                check_inside(body)
                    .map_err(|e| format!("recording {name}: index.jsonl line {}: body '{body}' {e}", n + 1))?;
            }
            let t = poll_start.entry(entry.poll).or_insert(entry.t_ms);
            *t = (*t).min(entry.t_ms);
            by_request.entry((entry.source.clone(), entry.path.clone())).or_default().push(entry);
        }
        if by_request.is_empty() {
            return Err(format!("recording {name} is empty (index.jsonl has no responses)"));
        }
        for entries in by_request.values_mut() {
            entries.sort_by_key(|e| (e.poll, e.t_ms));
        }
        let mut polls: Vec<(u32, i64)> = poll_start.into_iter().collect();
        polls.sort();
        Ok(Replay { name, store, manifest, polls, by_request, cursor: AtomicUsize::new(0) })
    }

    /// Another reader of the same recording, with a cursor of its own: the dashboard's
    /// background read of the whole recording (its severity timeline) must not move the
    /// cursor of the replay on screen.
    pub fn reader(&self) -> Replay {
        let store = match &self.store {
            Store::Dir { dir, root, .. } => {
                Store::Dir { dir: dir.clone(), root: root.clone(), checked: Default::default() }
            }
            Store::Embedded(files) => Store::Embedded(files),
        };
        Replay {
            name: self.name.clone(),
            store,
            manifest: self.manifest.clone(),
            polls: self.polls.clone(),
            by_request: self.by_request.clone(),
            cursor: AtomicUsize::new(0),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    pub fn base_url(&self, source: &str) -> Option<String> {
        self.manifest.sources.iter().find(|s| s.name == source).map(|s| s.base_url.clone())
    }

    pub fn has_source(&self, source: &str) -> bool {
        self.by_request.keys().any(|(s, _)| s == source)
    }

    pub fn poll_count(&self) -> usize {
        self.polls.len()
    }

    /// Start time of the i-th poll (0-based position, not poll number).
    pub fn poll_time(&self, i: usize) -> Option<i64> {
        self.polls.get(i).map(|p| p.1)
    }

    /// Position of the latest poll that started at or before `t_ms` (the first poll if none).
    pub fn poll_at(&self, t_ms: i64) -> usize {
        self.polls.iter().rposition(|p| p.1 <= t_ms).unwrap_or(0)
    }

    pub fn set_cursor(&self, i: usize) {
        self.cursor.store(i.min(self.polls.len().saturating_sub(1)), Ordering::Relaxed);
    }

    pub fn cursor(&self) -> usize {
        self.cursor.load(Ordering::Relaxed)
    }

    /// The earliest recorded request of `source` whose path starts with `prefix` (a request
    /// whose query carries times, such as a Prometheus range query).
    pub fn first_path_with_prefix(&self, source: &str, prefix: &str) -> Option<String> {
        self.by_request
            .iter()
            .filter(|((s, p), _)| s == source && p.starts_with(prefix))
            .min_by_key(|(_, entries)| entries.first().map(|e| (e.poll, e.t_ms)))
            .map(|((_, p), _)| p.clone())
    }

    pub fn get(&self, source: &str, path: &str) -> Result<Response, String> {
        self.get_at(source, path, self.cursor())
    }

    /// The answer to `path` as of the i-th poll.
    pub fn get_at(&self, source: &str, path: &str, i: usize) -> Result<Response, String> {
        let Some(entries) = self.entries(source, path) else {
            return Err(format!("recording {} holds no response to this request", self.name));
        };
        let poll = self.polls.get(i).map(|p| p.0).unwrap_or(u32::MAX);
        // Entries are in poll order (sorted at load): the latest at or before this poll.
        let at = entries.partition_point(|e| e.poll <= poll);
        let Some(entry) = at.checked_sub(1).map(|i| &entries[i]) else {
            return Err(format!(
                "recording {} first answers this request at poll {}, after poll {poll}",
                self.name, entries[0].poll
            ));
        };
        if let Some(err) = &entry.error {
            // Failures are part of the record: replay them as failures.
            return Err(format!("{err} (recorded)"));
        }
        let body = match &entry.body {
            Some(b) => self.store.read(b).map_err(|e| format!("recording {}: {e}", self.name))?,
            None => Vec::new(),
        };
        Ok(Response {
            status: entry.status.unwrap_or(200),
            content_type: entry.content_type.clone(),
            body,
            attempts: 1,
        })
    }
}

impl Replay {
    /// The recorded answers to `path`. A request whose query is bptop's own text, which changes
    /// between versions (a Prometheus selector grows with the names its readers know), is
    /// answered by the one such request of that source the recording holds, whatever its text
    /// was then: a recording made by an earlier bptop replays in a later one.
    fn entries(&self, source: &str, path: &str) -> Option<&Vec<IndexEntry>> {
        if let Some(exact) = self.by_request.get(&(source.to_string(), path.to_string())) {
            return Some(exact);
        }
        let prefix = VERSIONED_QUERIES.iter().find(|p| path.starts_with(*p))?;
        let mut same_kind = self.by_request.iter().filter(|((s, p), _)| s == source && p.starts_with(prefix));
        match (same_kind.next(), same_kind.next()) {
            (Some((_, entries)), None) => Some(entries),
            _ => None,
        }
    }
}

/// Requests whose query text bptop composes and may change from one version to the next.
const VERSIONED_QUERIES: &[&str] = &["/api/v1/query?"];

/// A body path must stay inside the recording: relative, no `..`, no root.
fn check_inside(rel: &str) -> Result<(), String> {
    let p = Path::new(rel);
    if rel.is_empty() || p.is_absolute() || rel.contains('\\') {
        return Err("must be a relative path inside the recording".into());
    }
    if p.components().any(|c| !matches!(c, Component::Normal(_))) {
        return Err("points outside the recording".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::SourceInfo;

    #[test]
    fn a_second_reader_has_a_cursor_of_its_own_and_the_same_answers() {
        let first = Replay::bundled().unwrap();
        let second = first.reader();
        first.set_cursor(5);
        assert_eq!(second.cursor(), 0, "the background read does not move the replay on screen");
        second.set_cursor(7);
        assert_eq!(first.cursor(), 5);
        assert_eq!(second.poll_count(), first.poll_count());
        let a = first.get_at("flink", "/jobs/overview", 3).unwrap();
        let b = second.get_at("flink", "/jobs/overview", 3).unwrap();
        assert_eq!(a.body, b.body);
        // A recording on disk too.
        let disk =
            Replay::open(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/real/slow-sink")).unwrap();
        let other = disk.reader();
        disk.set_cursor(4);
        assert_eq!(other.cursor(), 0);
        assert_eq!(
            other.get_at("flink", "/jobs/overview", 4).unwrap().body,
            disk.get("flink", "/jobs/overview").unwrap().body
        );
    }

    #[test]
    fn bodies_outside_the_recording_are_refused() {
        assert!(check_inside("bodies/abc.json").is_ok());
        assert!(check_inside("../etc/passwd").is_err());
        assert!(check_inside("bodies/../../x").is_err());
        assert!(check_inside("/etc/passwd").is_err());
        assert!(check_inside("./a").is_err());
        assert!(check_inside("").is_err());
    }

    #[test]
    fn a_prometheus_query_of_an_earlier_version_still_answers() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("rec");
        let source = SourceInfo { name: "prometheus".into(), kind: "prometheus".into(), base_url: "http://p".into() };
        let rec = crate::record::Recorder::create(&out, vec![source], "", None, 2000, 0, || 0).unwrap();
        let answer = |body: &str| Ok(Response { status: 200, content_type: None, body: body.into(), attempts: 1 });
        rec.write("prometheus", "/api/v1/query?query=%7B__name__%3D%7E%22old%22%7D", &answer("instant"));
        rec.write("prometheus", "/api/v1/query_range?query=x&start=1&end=2&step=1s", &answer("range"));
        assert_eq!(rec.finish().1, None);
        let r = Replay::open(&out).unwrap();
        let body = r.get("prometheus", "/api/v1/query?query=%7B__name__%3D%7E%22new%22%7D").unwrap().body;
        assert_eq!(body, b"instant");
        assert!(r.get("prometheus", "/api/v1/status/buildinfo").is_err(), "only bptop's own queries");
        assert!(r.get("flink", "/api/v1/query?query=x").is_err(), "only of the same source");
    }

    #[test]
    fn the_bundled_recording_opens() {
        let r = Replay::bundled().expect("bundled recording");
        assert!(r.poll_count() >= 3);
        assert!(r.has_source("flink"));
    }
}
