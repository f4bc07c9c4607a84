//! The one way bptop talks to an endpoint: GET, with timeouts and bounded concurrency, over
//! HTTP or from a recording. There is no method to send anything else, so no code path of bptop
//! can change the state of a cluster.

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::record::{Recorder, Replay};

/// An answer as it came over the wire (or out of a recording).
#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// Why a GET gave no usable answer. `Display` is one line that names the URL.
#[derive(Clone, Debug, PartialEq)]
pub struct FetchError {
    pub url: String,
    pub what: String,
    pub status: Option<u16>,
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GET {}: {}", self.url, self.what)
    }
}

impl std::error::Error for FetchError {}

/// Connection settings shared by every HTTP source.
#[derive(Clone, Debug)]
pub struct HttpOptions {
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    pub max_concurrency: usize,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            connect_timeout: Duration::from_secs(3),
            request_timeout: Duration::from_secs(10),
            max_concurrency: 16,
        }
    }
}

#[derive(Clone)]
enum Transport {
    Http(reqwest::Client),
    Replay(Arc<Replay>),
}

/// A GET-only client for one source (one base URL).
#[derive(Clone)]
pub struct Fetcher {
    transport: Transport,
    /// Name of the source in recordings and reports ("flink").
    source: String,
    base: String,
    limit: Arc<Semaphore>,
    recorder: Option<Arc<Recorder>>,
    requests: Arc<AtomicU32>,
}

impl Fetcher {
    pub fn http(source: &str, base_url: &str, opts: &HttpOptions) -> Result<Fetcher, String> {
        let base = normalize_base(base_url)?;
        let client = reqwest::Client::builder()
            .connect_timeout(opts.connect_timeout)
            .timeout(opts.request_timeout)
            .user_agent(concat!("bptop/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Fetcher {
            transport: Transport::Http(client),
            source: source.to_string(),
            base,
            limit: Arc::new(Semaphore::new(opts.max_concurrency.max(1))),
            recorder: None,
            requests: Arc::new(AtomicU32::new(0)),
        })
    }

    pub fn replay(source: &str, replay: Arc<Replay>, opts: &HttpOptions) -> Fetcher {
        let base = replay.base_url(source).unwrap_or_else(|| format!("replay:{source}"));
        Fetcher {
            transport: Transport::Replay(replay),
            source: source.to_string(),
            base,
            limit: Arc::new(Semaphore::new(opts.max_concurrency.max(1))),
            recorder: None,
            requests: Arc::new(AtomicU32::new(0)),
        }
    }

    /// Every response from now on is also written to the recording.
    pub fn with_recorder(mut self, recorder: Arc<Recorder>) -> Fetcher {
        self.recorder = Some(recorder);
        self
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Base URL without credentials: safe to print.
    pub fn endpoint(&self) -> String {
        redact_url(&self.base)
    }

    pub fn is_replay(&self) -> bool {
        matches!(self.transport, Transport::Replay(_))
    }

    /// Full URL of a path, for messages (credentials removed).
    pub fn url(&self, path: &str) -> String {
        redact_url(&format!("{}{}", self.base, path))
    }

    /// Requests sent since the last call (per-poll accounting).
    pub fn take_request_count(&self) -> u32 {
        self.requests.swap(0, Ordering::Relaxed)
    }

    /// GET `path` (which starts with '/' and may carry a query) relative to the base URL.
    /// Any status is returned as a response; only a failure to get one is an error.
    pub async fn get(&self, path: &str) -> Result<Response, FetchError> {
        let _permit = self.limit.acquire().await.map_err(|_| FetchError {
            url: self.url(path),
            what: "client is shutting down".into(),
            status: None,
        })?;
        self.requests.fetch_add(1, Ordering::Relaxed);
        let result = match &self.transport {
            Transport::Http(client) => self.get_http(client, path).await,
            Transport::Replay(replay) => {
                replay.get(&self.source, path).map_err(|what| FetchError { url: self.url(path), what, status: None })
            }
        };
        if let Some(rec) = &self.recorder {
            rec.write(&self.source, path, &result);
        }
        result
    }

    async fn get_http(&self, client: &reqwest::Client, path: &str) -> Result<Response, FetchError> {
        let url = format!("{}{}", self.base, path);
        let fail = |what: String| FetchError { url: redact_url(&url), what, status: None };
        let resp = client.get(&url).send().await.map_err(|e| fail(describe_reqwest(&e)))?;
        let status = resp.status().as_u16();
        let content_type =
            resp.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string);
        let body =
            resp.bytes().await.map_err(|e| fail(format!("reading the body failed: {}", describe_reqwest(&e))))?;
        Ok(Response { status, content_type, body: body.to_vec() })
    }
}

/// One line on what went wrong, without reqwest's nested "error sending request for url (…)".
fn describe_reqwest(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "timed out".into();
    }
    // The innermost cause is the informative one (connection refused, dns error, tls …).
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let text = cause.to_string();
    if e.is_connect() {
        format!("cannot connect: {text}")
    } else {
        text
    }
}

/// Checks a base URL and drops a trailing '/', so that `base + "/jobs"` is right with or
/// without a path prefix (`https://gw.example/flink/`).
pub fn normalize_base(url: &str) -> Result<String, String> {
    let parsed = reqwest::Url::parse(url.trim()).map_err(|e| format!("'{}' is not a URL: {e}", redact_url(url)))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("'{}' must start with http:// or https://", redact_url(url)));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(format!("'{}': a base URL takes no query or fragment", redact_url(url)));
    }
    Ok(url.trim().trim_end_matches('/').to_string())
}

/// Removes `user:password@` from a URL so it can be printed or stored.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else { return url.to_string() };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}://{}", &url[..scheme_end], &rest[at + 1..]),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_keep_their_prefix_and_lose_the_slash() {
        assert_eq!(normalize_base("https://gw.example/flink/").unwrap(), "https://gw.example/flink");
        assert_eq!(normalize_base("http://127.0.0.1:8081").unwrap(), "http://127.0.0.1:8081");
        assert!(normalize_base("ftp://x").is_err());
        assert!(normalize_base("not a url").is_err());
        assert!(normalize_base("http://h/?a=1").is_err());
    }

    #[test]
    fn credentials_never_survive_redaction() {
        assert_eq!(redact_url("https://bob:s3cret@gw.example/flink"), "https://gw.example/flink");
        assert_eq!(redact_url("http://h:1/a@b"), "http://h:1/a@b");
        assert_eq!(redact_url("http://h"), "http://h");
        let e = normalize_base("ftp://bob:s3cret@x").unwrap_err();
        assert!(!e.contains("s3cret"), "{e}");
    }
}
