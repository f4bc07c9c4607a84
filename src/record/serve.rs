//! Serves a recording over HTTP, as the cluster answered at the time: the in-process server of
//! the integration tests and the backend of the gateway test. Time runs `speed` times faster
//! than the wall clock, from the first poll of the recording.

use std::sync::Arc;
use std::time::Instant;

use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;

use super::Replay;

#[derive(Clone)]
struct Served {
    replay: Arc<Replay>,
    source: String,
    speed: f64,
    started: Instant,
}

/// A router answering every GET from `source`'s responses in the recording.
pub fn router(replay: Arc<Replay>, source: &str, speed: f64) -> Router {
    let served = Served { replay, source: source.to_string(), speed: speed.max(0.0), started: Instant::now() };
    Router::new().fallback(move |uri: Uri| {
        let served = served.clone();
        async move { answer(&served, &uri) }
    })
}

pub async fn serve(
    replay: Arc<Replay>,
    source: &str,
    speed: f64,
    listener: tokio::net::TcpListener,
) -> std::io::Result<()> {
    axum::serve(listener, router(replay, source, speed)).await
}

fn answer(s: &Served, uri: &Uri) -> Response {
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let first = s.replay.poll_time(0).unwrap_or(0);
    let virtual_ms = first + (s.started.elapsed().as_secs_f64() * 1000.0 * s.speed) as i64;
    let poll = s.replay.poll_at(virtual_ms);
    match s.replay.get_at(&s.source, path, poll) {
        Ok(resp) => {
            let status = StatusCode::from_u16(resp.status).unwrap_or(StatusCode::OK);
            let ctype = resp.content_type.unwrap_or_else(|| "application/json".into());
            (status, [(header::CONTENT_TYPE, ctype)], resp.body).into_response()
        }
        Err(e) => {
            let body = serde_json::json!({ "errors": [format!("bptop replay: {e}")] }).to_string();
            (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "application/json".to_string())], body).into_response()
        }
    }
}
