use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::format::{content_hash, IndexEntry, Manifest, SourceInfo, FORMAT_VERSION};
use crate::wire::{FetchError, Response};

/// Writes responses into a recording directory as they arrive.
pub struct Recorder {
    dir: PathBuf,
    state: Mutex<State>,
}

struct State {
    index: File,
    poll: u32,
    /// Time of the poll under way; a response's own time comes from the wall clock.
    clock: fn() -> i64,
    /// First write error, reported once at the end instead of on every response.
    error: Option<String>,
    responses: u64,
}

impl Recorder {
    /// Creates `dir` (which must not hold a recording yet) and writes the manifest.
    pub fn create(
        dir: &Path,
        sources: Vec<SourceInfo>,
        note: &str,
        job: Option<&str>,
        interval_ms: u64,
        now_ms: i64,
        clock: fn() -> i64,
    ) -> Result<Recorder, String> {
        if dir.join("index.jsonl").exists() {
            return Err(format!("{} already holds a recording; choose another --out", dir.display()));
        }
        fs::create_dir_all(dir.join("bodies")).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let manifest = Manifest {
            format_version: FORMAT_VERSION,
            sources,
            created_ms: now_ms,
            note: note.to_string(),
            interval_ms: Some(interval_ms),
            job: job.map(str::to_string),
        };
        let text = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?;
        fs::write(dir.join("manifest.json"), text + "\n")
            .map_err(|e| format!("cannot write {}: {e}", dir.join("manifest.json").display()))?;
        let index = OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("index.jsonl"))
            .map_err(|e| format!("cannot write {}: {e}", dir.join("index.jsonl").display()))?;
        Ok(Recorder {
            dir: dir.to_path_buf(),
            state: Mutex::new(State { index, poll: 0, clock, error: None, responses: 0 }),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn set_poll(&self, poll: u32) {
        if let Ok(mut s) = self.state.lock() {
            s.poll = poll;
        }
    }

    /// Number of responses written and the first write error, if any.
    pub fn finish(&self) -> (u64, Option<String>) {
        match self.state.lock() {
            Ok(mut s) => {
                let _ = s.index.flush();
                (s.responses, s.error.clone())
            }
            Err(_) => (0, Some("recorder state poisoned".into())),
        }
    }

    pub fn write(&self, source: &str, path: &str, result: &Result<Response, FetchError>) {
        let Ok(mut s) = self.state.lock() else { return };
        if s.error.is_some() {
            return;
        }
        let mut entry = IndexEntry {
            t_ms: (s.clock)(),
            poll: s.poll,
            source: source.to_string(),
            path: path.to_string(),
            status: None,
            body: None,
            content_type: None,
            error: None,
        };
        match result {
            Ok(resp) => {
                entry.status = Some(resp.status);
                entry.content_type = resp.content_type.clone();
                match self.store_body(resp) {
                    Ok(name) => entry.body = Some(name),
                    Err(e) => {
                        s.error = Some(e);
                        return;
                    }
                }
            }
            Err(e) => entry.error = Some(e.what.clone()),
        }
        let line = match serde_json::to_string(&entry) {
            Ok(l) => l,
            Err(e) => {
                s.error = Some(e.to_string());
                return;
            }
        };
        if let Err(e) = writeln!(s.index, "{line}") {
            s.error = Some(format!("cannot append to {}: {e}", self.dir.join("index.jsonl").display()));
            return;
        }
        s.responses += 1;
    }

    /// Bodies are named by content, so the many identical answers of a steady job cost one file.
    fn store_body(&self, resp: &Response) -> Result<String, String> {
        let is_json = resp.content_type.as_deref().is_some_and(|c| c.contains("json"))
            || resp.body.first().is_some_and(|b| *b == b'{' || *b == b'[');
        let ext = if is_json { "json" } else { "txt" };
        let name = format!("bodies/{:016x}.{ext}", content_hash(&resp.body));
        let path = self.dir.join(&name);
        if !path.exists() {
            fs::write(&path, &resp.body).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        Ok(name)
    }
}
