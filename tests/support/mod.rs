//! Shared by the integration tests: in-process HTTP servers on 127.0.0.1 and a way to run the
//! real `bptop` binary against them with a time limit.

#![allow(dead_code)]

pub mod demo;
pub mod tls;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(rel: &str) -> PathBuf {
    root().join("fixtures").join(rel)
}

/// A server running on its own thread and runtime until the test process ends.
pub struct Server {
    pub addr: SocketAddr,
}

impl Server {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

pub fn serve(router: axum::Router) -> Server {
    Server { addr: flink_sim::serve_on_thread(router).expect("server started") }
}

/// Serves exposition text at `/metrics`, as an exporter does.
pub fn serve_text(text: String) -> Server {
    serve(axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let text = text.clone();
            async move { ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], text) }
        }),
    ))
}

/// Serves Burrow's v3 API from the captured answers in fixtures/kafka/burrow (one group,
/// orders-enrichment).
pub fn serve_burrow() -> Server {
    let dir = fixture("kafka/burrow");
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
    let (clusters, consumers, lag) =
        (read("clusters.json"), read("consumers.json"), read("lag-orders-enrichment.json"));
    let json = |body: String| async move { ([(axum::http::header::CONTENT_TYPE, "application/json")], body) };
    serve(
        axum::Router::new()
            .route("/v3/kafka", axum::routing::get(move || json(clusters.clone())))
            .route("/v3/kafka/{cluster}/consumer", axum::routing::get(move || json(consumers.clone())))
            .route("/v3/kafka/{cluster}/consumer/{group}/lag", axum::routing::get(move || json(lag.clone()))),
    )
}

/// Serves a recording's Flink responses, `speed` times faster than they were recorded.
pub fn serve_recording(dir: &Path, speed: f64) -> Server {
    let replay = Arc::new(bptop::record::Replay::open(dir).expect("recording opens"));
    serve(bptop::record::serve::router(replay, "flink", speed))
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

/// Runs the bptop binary; kills it and fails the test after `limit`.
pub fn bptop(args: &[&str], limit: Duration) -> Run {
    bptop_env(args, &[], limit)
}

/// As `bptop`, with environment variables set. The user's own config file and BPTOP_*
/// settings never reach a test.
pub fn bptop_env(args: &[&str], env: &[(&str, &str)], limit: Duration) -> Run {
    run_bptop(args, env, limit, None)
}

/// As `bptop`, sent SIGINT (what Ctrl-C sends) `after` its start.
pub fn bptop_interrupted(args: &[&str], after: Duration, limit: Duration) -> Run {
    run_bptop(args, &[], limit, Some(after))
}

fn run_bptop(args: &[&str], env: &[(&str, &str)], limit: Duration, interrupt: Option<Duration>) -> Run {
    let started = Instant::now();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bptop"));
    cmd.args(args).env("XDG_CONFIG_HOME", root().join("target/no-such-config-dir"));
    for (k, _) in std::env::vars() {
        if k.starts_with("BPTOP_") {
            cmd.env_remove(k);
        }
    }
    cmd.envs(env.iter().copied());
    let mut child =
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("bptop starts");
    // Drained while it runs: a report larger than the pipe's buffer (64 KiB) would otherwise
    // block the child on its write and read as a hang.
    let drain = |r: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut buf);
            }
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let stdout = drain(child.stdout.take().map(|s| Box::new(s) as Box<dyn std::io::Read + Send>));
    let stderr = drain(child.stderr.take().map(|s| Box::new(s) as Box<dyn std::io::Read + Send>));
    let mut interrupt = interrupt;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if interrupt.is_some_and(|after| started.elapsed() >= after) {
            interrupt = None;
            let sent = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
            assert!(sent.is_ok_and(|s| s.success()), "SIGINT sent");
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "bptop {args:?} still running after {limit:?}\nstdout: {}\nstderr: {}",
                stdout.join().unwrap_or_default(),
                stderr.join().unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
        elapsed: started.elapsed(),
    }
}

/// Every file under `dir`, recursively (to search a recording byte by byte).
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
