//! The one way bptop talks to an endpoint: GET, with timeouts and bounded concurrency, over
//! HTTP or from a recording. There is no method to send anything else, so no code path of bptop
//! can change the state of a cluster.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use super::access::Access;
use super::retry::{retry_after, retryable_status, Jitter, RetryPolicy};
use crate::record::{Recorder, Replay};
pub use crate::wire::{FetchError, Response};

/// Connection settings shared by every HTTP source.
#[derive(Clone, Debug)]
pub struct HttpOptions {
    pub connect_timeout: Duration,
    /// The most one GET may take, retries included.
    pub request_timeout: Duration,
    pub max_concurrency: usize,
    pub retry: RetryPolicy,
    /// Credentials, headers and TLS trust of the one endpoint these options are for.
    pub access: Access,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            connect_timeout: Duration::from_secs(3),
            request_timeout: Duration::from_secs(10),
            max_concurrency: 16,
            retry: RetryPolicy::default(),
            access: Access::default(),
        }
    }
}

#[derive(Clone)]
enum Transport {
    Http(Arc<HttpClient>),
    Replay(Arc<Replay>),
}

struct HttpClient {
    client: reqwest::Client,
    request_timeout: Duration,
    retry: RetryPolicy,
    jitter: Jitter,
    /// Certificates are not checked: TLS advice must not suggest --cacert then.
    insecure: bool,
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
        let access = &opts.access;
        let base = normalize_base(base_url)?;
        let builder = reqwest::Client::builder()
            .connect_timeout(opts.connect_timeout)
            .timeout(opts.request_timeout)
            .user_agent(concat!("bptop/", env!("CARGO_PKG_VERSION")))
            .redirect(same_origin_redirects())
            .default_headers(access.default_headers().map_err(|e| format!("{source}: {e}"))?);
        let client = access
            .apply_tls(builder)
            .map_err(|e| format!("{source}: {e}"))?
            .build()
            .map_err(|e| format!("{source}: cannot build the HTTP client: {e}"))?;
        let seed =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64);
        let http = HttpClient {
            client,
            request_timeout: opts.request_timeout,
            retry: opts.retry,
            jitter: Jitter::new(seed ^ fnv(source)),
            insecure: access.tls.insecure,
        };
        Ok(Fetcher {
            transport: Transport::Http(Arc::new(http)),
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

    /// A healthy report of this source, for a poll to fill in.
    pub fn health(&self, kind: crate::model::SourceKind) -> crate::model::SourceHealth {
        crate::model::SourceHealth {
            name: self.source.clone(),
            kind,
            endpoint: match &self.transport {
                // Wherever the source is shown, so that nobody mistakes the setting.
                Transport::Http(h) if h.insecure => format!("{} (TLS NOT VERIFIED)", self.endpoint()),
                _ => self.endpoint(),
            },
            ok: true,
            error: None,
            partial_errors: Vec::new(),
            requests: 0,
            late: false,
        }
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
        let result = match &self.transport {
            Transport::Http(client) => self.get_http(client, path).await,
            Transport::Replay(replay) => {
                self.requests.fetch_add(1, Ordering::Relaxed);
                replay.get(&self.source, path).map_err(|what| FetchError { url: self.url(path), what, status: None })
            }
        };
        if let Some(rec) = &self.recorder {
            rec.write(&self.source, path, &result);
        }
        result
    }

    /// One GET within `request_timeout`, asked again after a refused connection, a broken
    /// answer or an overloaded gateway (429/502/503/504) while the retries and the time last.
    async fn get_http(&self, http: &HttpClient, path: &str) -> Result<Response, FetchError> {
        let url = format!("{}{}", self.base, path);
        let deadline = Instant::now() + http.request_timeout;
        let mut attempt = 0;
        loop {
            self.requests.fetch_add(1, Ordering::Relaxed);
            let remaining = deadline.saturating_duration_since(Instant::now());
            let (result, retry) = attempt_once(http, &url, remaining).await;
            let wait = match retry {
                Retry::Never => return result,
                Retry::After(d) => d,
                Retry::Backoff => http.retry.backoff(attempt, http.jitter.next_unit()),
            };
            let time_left = deadline.saturating_duration_since(Instant::now());
            if attempt >= http.retry.retries || wait >= time_left {
                // Say it was tried more than once: a flapping gateway reads differently.
                let attempts = attempt + 1;
                return match result {
                    Ok(resp) => Ok(Response { attempts, ..resp }),
                    Err(mut e) if attempts > 1 => {
                        e.what = format!("{} ({attempts} attempts)", e.what);
                        Err(e)
                    }
                    Err(e) => Err(e),
                };
            }
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }
}

/// Whether an attempt's outcome is worth another.
enum Retry {
    /// An answer, a timeout (the time is spent) or a TLS failure (asking again changes nothing).
    Never,
    /// A refused or broken connection, a 502/503/504.
    Backoff,
    /// A 429 or 503 that said when (`Retry-After`).
    After(Duration),
}

/// One request, and whether to ask again.
async fn attempt_once(http: &HttpClient, url: &str, timeout: Duration) -> (Result<Response, FetchError>, Retry) {
    let fail = |what: String| FetchError { url: redact_url(url), what, status: None };
    if timeout.is_zero() {
        return (Err(fail("timed out".into())), Retry::Never);
    }
    let resp = match http.client.get(url).timeout(timeout).send().await {
        Ok(r) => r,
        Err(e) => {
            let (what, tls) = describe_reqwest(&e, http.insecure);
            let retry = if e.is_timeout() || tls { Retry::Never } else { Retry::Backoff };
            return (Err(fail(what)), retry);
        }
    };
    let status = resp.status().as_u16();
    let header = |name| resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let content_type = header(reqwest::header::CONTENT_TYPE);
    let retry = match retry_after(header(reqwest::header::RETRY_AFTER).as_deref()) {
        _ if !retryable_status(status) => Retry::Never,
        Some(d) => Retry::After(d),
        None => Retry::Backoff,
    };
    match resp.bytes().await {
        Ok(body) => (Ok(Response { status, content_type, body: body.to_vec(), attempts: 1 }), retry),
        Err(e) => {
            let retry = if e.is_timeout() { Retry::Never } else { Retry::Backoff };
            (Err(fail(format!("reading the body failed: {}", describe_reqwest(&e, http.insecure).0))), retry)
        }
    }
}

/// Redirects are followed only within the same scheme, host and port (a gateway adding a
/// slash). Anywhere else the 3xx itself is the answer: every header bptop sends (an API key in
/// a custom header too, which reqwest would forward) stays with the host it was given for.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same = attempt.previous().last().is_some_and(|prev| {
            let next = attempt.url();
            prev.scheme() == next.scheme()
                && prev.host_str() == next.host_str()
                && prev.port_or_known_default() == next.port_or_known_default()
        });
        if same && attempt.previous().len() < 5 {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

/// FNV-1a of a name: mixes the source into the jitter seed.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

/// One line on what went wrong, without reqwest's nested "error sending request for url (…)",
/// and whether it was TLS.
fn describe_reqwest(e: &reqwest::Error, insecure: bool) -> (String, bool) {
    if e.is_timeout() {
        return ("timed out".into(), false);
    }
    // The innermost cause is the informative one (connection refused, dns error, tls …).
    let mut cause: &dyn std::error::Error = e;
    let mut chain = Vec::new();
    while let Some(next) = cause.source() {
        chain.push(next.to_string());
        cause = next;
    }
    let text = cause.to_string();
    let tls = chain.iter().any(|c| looks_like_tls(c));
    let what = match (e.is_connect(), tls) {
        (_, true) => format!("TLS handshake failed: {text}{}", tls_advice(&text, insecure)),
        (true, false) => format!("cannot connect: {text}"),
        _ => text,
    };
    (what, tls)
}

fn looks_like_tls(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    ["certificate", "tls", "handshake", "peer sent", "alert"].iter().any(|k| t.contains(k))
}

/// What to do about a TLS failure, from rustls's wording.
fn tls_advice(text: &str, insecure: bool) -> &'static str {
    let t = text.to_ascii_lowercase();
    if t.contains("unknownissuer") || t.contains("unknown issuer") || t.contains("badsignature") {
        " (the server's certificate is not signed by a trusted CA: give its CA with --cacert)"
    } else if t.contains("notvalidforname") || t.contains("not valid for name") {
        " (the certificate does not name this host: use the host name it was issued for)"
    } else if t.contains("expired") {
        " (the server's certificate has expired)"
    } else if t.contains("certificaterequired") || t.contains("certificate required") || t.contains("handshakefailure")
    {
        if insecure {
            " (the server may want a client certificate: --cert and --key)"
        } else {
            " (the server may want a client certificate: --cert and --key, or a CA: --cacert)"
        }
    } else {
        ""
    }
}

/// Checks a base URL and drops a trailing '/', so that `base + "/jobs"` is right with or
/// without a path prefix (`https://gw.example/flink/`).
pub fn normalize_base(url: &str) -> Result<String, String> {
    // `host:port` alone (as `flink run -m` takes it) means plain HTTP.
    let url = if url.contains("://") { url.trim().to_string() } else { format!("http://{}", url.trim()) };
    let url = url.as_str();
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("'{}' is not a URL: {e}", redact_url(url)))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("'{}' must start with http:// or https://", redact_url(url)));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(format!("'{}': a base URL takes no query or fragment", redact_url(url)));
    }
    Ok(url.trim().trim_end_matches('/').to_string())
}

/// Removes `user:password@` from a URL so it can be printed or stored. A password may hold a
/// raw '/', '?' or '#' (then the URL does not even parse): everything from the scheme to the
/// last '@' before the path is masked whenever the user-info part is in doubt.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else { return url.to_string() };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    if let Some(at) = rest[..authority_end].rfind('@') {
        return format!("{}://{}", &url[..scheme_end], &rest[at + 1..]);
    }
    // No '@' in the authority as cut at the first '/': an '@' further on is either in the path
    // (fine) or ends a password that held a '/'. Only a parse tells; a URL that does not parse
    // with an '@' is masked up to it.
    match rest.rfind('@') {
        Some(at) if reqwest::Url::parse(url).is_err() => format!("{}://***@{}", &url[..scheme_end], &rest[at + 1..]),
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_keep_their_prefix_and_lose_the_slash() {
        assert_eq!(normalize_base("https://gw.example/flink/").unwrap(), "https://gw.example/flink");
        assert_eq!(normalize_base("http://127.0.0.1:8081").unwrap(), "http://127.0.0.1:8081");
        // Without a scheme: plain HTTP, as Flink's own tools take `host:port`.
        assert_eq!(normalize_base("127.0.0.1:18081").unwrap(), "http://127.0.0.1:18081");
        assert_eq!(normalize_base(" jobmanager:8081/ ").unwrap(), "http://jobmanager:8081");
        assert!(normalize_base("ftp://x").is_err());
        assert!(normalize_base("not a url").is_err());
        assert!(normalize_base("http://h/?a=1").is_err());
    }

    #[test]
    fn credentials_never_survive_redaction() {
        assert_eq!(redact_url("https://bob:s3cret@gw.example/flink"), "https://gw.example/flink");
        assert_eq!(redact_url("http://h:1/a@b"), "http://h:1/a@b");
        assert_eq!(redact_url("http://h"), "http://h");
        assert_eq!(redact_url("https://bob:pa/ss@gw/flink"), "https://***@gw/flink");
        assert_eq!(redact_url("https://bob:p?ss@gw"), "https://***@gw");
        let e = normalize_base("https://bob:pa/ss@gw/flink").unwrap_err();
        assert!(!e.contains("pa/ss"), "{e}");
        let e = normalize_base("ftp://bob:s3cret@x").unwrap_err();
        assert!(!e.contains("s3cret"), "{e}");
    }
}
