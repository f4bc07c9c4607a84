//! Endpoints that fail, flap, refuse credentials or hang, in front of a real recording:
//! `diagnose` answers within its timeout with the right exit code and one clear line, retries
//! only what is worth retrying, and no credential reaches any output or recording.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use support::{bptop_env, fixture, serve, walk, Run};

const LIMIT: Duration = Duration::from_secs(30);
const USER: &str = "oncall";
const PASSWORD: &str = "pw-9f3k2-s3cret";
const TOKEN: &str = "tok-77ab1-s3cret";
const API_KEY: &str = "key-5521-s3cret";

/// The real slow-sink recording, as Flink answered it.
fn flink() -> Router {
    let replay = Arc::new(bptop::record::Replay::open(&fixture("real/slow-sink")).unwrap());
    bptop::record::serve::router(replay, "flink", 1000.0)
}

fn base64(s: &str) -> String {
    // Encoded here independently of the product's encoder, with a known vector checked below.
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = s.as_bytes();
    let mut out = String::new();
    for c in b.chunks(3) {
        let n = (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            out.push(if i <= c.len() { A[(n >> (18 - 6 * i) & 63) as usize] as char } else { '=' });
        }
    }
    out
}

/// Lets a request through only with the expected Authorization (and API key, when given).
fn guarded(router: Router, authorization: String, api_key: Option<&'static str>) -> Router {
    router.layer(middleware::from_fn(move |req: Request, next: Next| {
        let authorization = authorization.clone();
        async move {
            let auth_ok =
                req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) == Some(&authorization);
            let key_ok =
                api_key.is_none_or(|k| req.headers().get("x-api-key").and_then(|v| v.to_str().ok()) == Some(k));
            if auth_ok && key_ok {
                next.run(req).await
            } else {
                (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Basic realm=\"flink\"")], "401").into_response()
            }
        }
    }))
}

/// Answers `status` to the first `failures` requests, then lets everything through.
fn flapping(
    router: Router,
    status: StatusCode,
    failures: usize,
    retry_after: Option<&'static str>,
) -> (Router, Arc<AtomicUsize>) {
    let seen = Arc::new(AtomicUsize::new(0));
    let count = seen.clone();
    let app = router.layer(middleware::from_fn(move |req: Request, next: Next| {
        let n = count.fetch_add(1, Ordering::SeqCst);
        async move {
            if n < failures {
                let mut resp: Response = (status, "<html><title>gateway</title></html>").into_response();
                if let Some(s) = retry_after {
                    resp.headers_mut().insert(header::RETRY_AFTER, s.parse().unwrap());
                }
                resp
            } else {
                next.run(req).await
            }
        }
    }));
    (app, seen)
}

fn diagnose(url: &str, extra: &[&str], env: &[(&str, &str)]) -> Run {
    let mut args = vec!["diagnose", "--flink", url, "--samples", "1", "--timeout", "5s"];
    args.extend_from_slice(extra);
    bptop_env(&args, env, LIMIT)
}

fn assert_one_line(run: &Run, code: i32, parts: &[&str]) {
    assert_eq!(run.code, code, "exit code; stderr: {}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line expected:\n{}", run.stderr);
    for p in parts {
        assert!(lines[0].contains(p), "no '{p}' in: {}", lines[0]);
    }
}

fn assert_no_secret(what: &str, text: &[u8]) {
    for secret in [PASSWORD, TOKEN, API_KEY] {
        assert!(!contains(text, secret.as_bytes()), "{secret} in {what}");
    }
    let basic = base64(&format!("{USER}:{PASSWORD}"));
    assert!(!contains(text, basic.as_bytes()), "the Basic header value in {what}");
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn the_test_encoder_is_right() {
    assert_eq!(base64("Aladdin:open sesame"), "QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
}

#[test]
fn a_gateway_that_flaps_is_ridden_over_by_retries() {
    let (app, seen) = flapping(flink(), StatusCode::SERVICE_UNAVAILABLE, 2, None);
    let server = serve(app);
    let run = diagnose(&server.url(), &[], &[]);
    assert_eq!(run.code, 1, "the verdict (critical) despite two 503s: {}", run.stderr);
    assert!(run.stdout.contains("slow-sink: Writer is the bottleneck"), "{}", run.stdout);
    assert!(seen.load(Ordering::SeqCst) > 2);
}

#[test]
fn without_retries_the_same_gateway_is_one_clear_line() {
    let (app, seen) = flapping(flink(), StatusCode::SERVICE_UNAVAILABLE, 2, None);
    let server = serve(app);
    let run = diagnose(&server.url(), &["--retries", "0"], &[]);
    assert_one_line(&run, 3, &["/jobs/overview", "HTTP 503 Service Unavailable", "an HTML page"]);
    assert_eq!(seen.load(Ordering::SeqCst), 1, "exactly one request, no retry");
}

#[test]
fn retry_after_is_honoured_and_a_dead_gateway_gives_up_within_the_timeout() {
    let (app, _) = flapping(flink(), StatusCode::TOO_MANY_REQUESTS, 1, Some("1"));
    let server = serve(app);
    let run = diagnose(&server.url(), &[], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);

    let (app, seen) = flapping(flink(), StatusCode::BAD_GATEWAY, usize::MAX, None);
    let server = serve(app);
    let run = diagnose(&server.url(), &["--retries", "3"], &[]);
    assert_one_line(&run, 3, &["HTTP 502 Bad Gateway", "(4 attempts)"]);
    assert_eq!(seen.load(Ordering::SeqCst), 4);
}

#[test]
fn a_500_is_not_retried_it_is_reported() {
    let (app, seen) = flapping(flink(), StatusCode::INTERNAL_SERVER_ERROR, usize::MAX, None);
    let server = serve(app);
    let run = diagnose(&server.url(), &[], &[]);
    assert_one_line(&run, 3, &["/jobs/overview", "HTTP 500 Internal Server Error"]);
    assert_eq!(seen.load(Ordering::SeqCst), 1);
}

#[test]
fn basic_auth_from_the_environment() {
    let server = serve(guarded(flink(), format!("Basic {}", base64(&format!("{USER}:{PASSWORD}"))), None));
    let run = diagnose(&server.url(), &[], &[]);
    assert_one_line(&run, 3, &["/jobs/overview", "HTTP 401 Unauthorized", "credentials missing or refused"]);
    let run = diagnose(&server.url(), &[], &[("BPTOP_FLINK_USER", USER), ("BPTOP_FLINK_PASSWORD", "wrong")]);
    assert_one_line(&run, 3, &["HTTP 401 Unauthorized"]);
    let run = diagnose(&server.url(), &[], &[("BPTOP_FLINK_USER", USER), ("BPTOP_FLINK_PASSWORD", PASSWORD)]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("slow-sink: Writer is the bottleneck"));
    assert_no_secret("stdout", run.stdout.as_bytes());
    assert_no_secret("stderr", run.stderr.as_bytes());
}

#[test]
fn a_profile_names_the_token_and_the_api_key_and_config_check_masks_them() {
    let server = serve(guarded(flink(), format!("Bearer {TOKEN}"), Some(API_KEY)));
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[profiles.lab]\nflink = {{ url = \"{}\", token_env = \"LAB_TOKEN\", header_env = {{ \"X-Api-Key\" = \"LAB_KEY\" }} }}\n",
            server.url()
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let env = [("LAB_TOKEN", TOKEN), ("LAB_KEY", API_KEY)];
    let run = bptop_env(&["diagnose", "--config", config, "--profile", "lab", "--samples", "1"], &env, LIMIT);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("slow-sink: Writer is the bottleneck"), "{}", run.stdout);

    let check = bptop_env(&["config", "check", "--config", config, "--profile", "lab"], &env, LIMIT);
    assert_eq!(check.code, 0, "{}\n{}", check.stdout, check.stderr);
    assert!(check.stdout.contains("bearer token ********") && check.stdout.contains("X-Api-Key: ********"));
    assert!(check.stdout.contains("profile lab"), "{}", check.stdout);
    assert_no_secret("config check", check.stdout.as_bytes());

    // The variable the profile names is missing: named, not skipped.
    let check = bptop_env(&["config", "check", "--config", config, "--profile", "lab"], &env[1..], LIMIT);
    assert_eq!(check.code, 3);
    assert!(check.stdout.contains("token_env names LAB_TOKEN, which is not set"), "{}", check.stdout);
}

#[test]
fn a_config_file_with_a_secret_in_the_wrong_place_is_refused_without_echoing_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, format!("[profiles.lab]\nflink = \"http://127.0.0.1:9\"\npassword = \"{PASSWORD}\"\n"))
        .unwrap();
    let run = bptop_env(&["config", "check", "--config", config.to_str().unwrap()], &[], LIMIT);
    assert_eq!(run.code, 3);
    assert!(run.stdout.contains("line 3") && run.stdout.contains("unknown field `password`"), "{}", run.stdout);
    assert_no_secret("config check", run.stdout.as_bytes());
    let run = bptop_env(&["diagnose", "--config", config.to_str().unwrap()], &[], LIMIT);
    assert_eq!(run.code, 3);
    assert_no_secret("diagnose", run.stderr.as_bytes());
}

#[test]
fn a_recording_through_an_authenticated_gateway_holds_no_credential() {
    let server = serve(guarded(flink(), format!("Basic {}", base64(&format!("{USER}:{PASSWORD}"))), Some(API_KEY)));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rec");
    let env = [("BPTOP_FLINK_USER", USER), ("BPTOP_FLINK_PASSWORD", PASSWORD), ("MY_KEY", API_KEY)];
    let args = [
        "record",
        "--flink",
        &server.url(),
        "--header-env",
        "X-Api-Key=MY_KEY",
        "--out",
        out.to_str().unwrap(),
        "--duration",
        "1s",
        "--interval",
        "500ms",
    ];
    let run = bptop_env(&args, &env, LIMIT);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_no_secret("record's output", format!("{}{}", run.stdout, run.stderr).as_bytes());
    let mut files = 0;
    for entry in walk(&out) {
        files += 1;
        assert_no_secret(&entry.display().to_string(), &std::fs::read(&entry).unwrap());
    }
    assert!(files >= 3, "manifest, index and bodies: {files} files");
    // And the recording is complete: it replays to the verdict.
    let run = bptop_env(&["diagnose", "--replay", out.to_str().unwrap()], &[], LIMIT);
    assert_eq!(run.code, 1, "{}", run.stderr);
}

#[test]
fn a_hanging_source_does_not_take_the_verdict_with_it() {
    let flink = serve(flink());
    let asked = Arc::new(AtomicUsize::new(0));
    let count = asked.clone();
    let hanging = serve(Router::new().fallback(move || {
        count.fetch_add(1, Ordering::SeqCst);
        async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            "never"
        }
    }));
    let scrape = format!("{}/metrics", hanging.url());
    let run = bptop_env(
        &[
            "diagnose",
            "--flink",
            &flink.url(),
            "--scrape",
            &scrape,
            "--samples",
            "3",
            "--interval",
            "1s",
            "--timeout",
            "4s",
            "--format",
            "json",
        ],
        &[],
        LIMIT,
    );
    assert_eq!(run.code, 1, "the Flink verdict (critical) still stands: {}", run.stderr);
    let out: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let scrape = out["sources"].as_array().unwrap().iter().find(|s| s["name"] == "scrape-1").unwrap().clone();
    assert_eq!(scrape["ok"], false);
    assert!(scrape["error"].as_str().unwrap().contains("timed out"), "{scrape}");
    assert_eq!(out["jobs"][0]["bottlenecks"][0]["name"], "slow-sink: Writer");
    // Three polls went on without it, and it was asked once: one request per timeout, no pile-up.
    assert_eq!(out["input"]["polls"], 3);
    assert_eq!(out["input"]["polls_failed"], 0);
    assert_eq!(asked.load(Ordering::SeqCst), 1);

    // The text report says what the verdict lacks.
    let run = bptop_env(
        &[
            "diagnose",
            "--flink",
            &flink.url(),
            "--scrape",
            &format!("{}/metrics", hanging.url()),
            "--samples",
            "1",
            "--timeout",
            "1s",
        ],
        &[],
        LIMIT,
    );
    assert!(
        run.stdout.contains("partial verdict: scrape-1 failed (what it exposes: reporter metrics, consumer lag)"),
        "{}",
        run.stdout
    );
    // The severity names its reasons: the bottleneck, and the source that failed.
    assert!(
        run.stdout.contains("\n  because (critical): realflink-slow-sink: slow-sink: Writer is the bottleneck"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("\n  because (warning): source scrape-1 failed: "), "{}", run.stdout);
}

#[test]
fn tls_files_that_are_wrong_are_named_before_any_request() {
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("ca.pem");
    std::fs::write(&bogus, "not a certificate").unwrap();
    let run = diagnose("https://127.0.0.1:9", &["--cacert", bogus.to_str().unwrap()], &[]);
    assert_one_line(&run, 3, &["flink", "ca.pem"]);
    let run = diagnose("https://127.0.0.1:9", &["--cert", bogus.to_str().unwrap()], &[]);
    assert_one_line(&run, 3, &["needs its key"]);
}

#[test]
fn a_self_signed_server_is_refused_until_trusted_and_insecure_says_loudly_what_it_turns_off() {
    let server = support::tls::serve_tls(flink());
    let verdict = "slow-sink: Writer is the bottleneck";

    // Verification is on by default: the handshake fails and the error says what to do.
    let run = diagnose(&server.url(), &[], &[]);
    assert_one_line(&run, 3, &["not signed by a trusted CA", "--cacert"]);

    // Trusting exactly this certificate: the real verdict, and no warning.
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &server.cert_pem).unwrap();
    let run = diagnose(&server.url(), &["--cacert", ca.to_str().unwrap()], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains(verdict), "{}", run.stdout);
    assert!(!run.stderr.contains("NOT verified"), "{}", run.stderr);

    // --insecure gets through the same handshake, and says loudly that nothing was checked.
    let run = diagnose(&server.url(), &["--insecure"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains(verdict), "{}", run.stdout);
    assert!(run.stderr.contains("WARNING") && run.stderr.contains("NOT verified"), "{}", run.stderr);
}

#[test]
fn a_redirect_to_another_host_is_not_followed_and_takes_no_header_along() {
    let elsewhere_asked = Arc::new(AtomicUsize::new(0));
    let count = elsewhere_asked.clone();
    let elsewhere = serve(Router::new().fallback(move || {
        count.fetch_add(1, Ordering::SeqCst);
        async { "login page" }
    }));
    let target = format!("{}/sso/login", elsewhere.url());
    let gateway = serve(Router::new().fallback(move || {
        let target = target.clone();
        async move { (StatusCode::FOUND, [(header::LOCATION, target)], "") }
    }));
    let run = diagnose(&gateway.url(), &["--header-env", "X-Api-Key=MY_KEY"], &[("MY_KEY", API_KEY)]);
    assert_one_line(&run, 3, &["HTTP 302 Found", "not followed"]);
    assert_eq!(elsewhere_asked.load(Ordering::SeqCst), 0, "the other host was never asked");
}

#[test]
fn a_redirect_within_the_same_gateway_is_followed() {
    // A gateway that moved the API under /v2: same scheme, host and port.
    let replay = Arc::new(bptop::record::Replay::open(&fixture("real/slow-sink")).unwrap());
    let app = Router::new().nest_service("/v2", bptop::record::serve::router(replay, "flink", 1000.0)).fallback(
        |uri: axum::http::Uri| async move {
            let to = format!("/v2{}", uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"));
            (StatusCode::TEMPORARY_REDIRECT, [(header::LOCATION, to)], "")
        },
    );
    let server = serve(app);
    let run = diagnose(&server.url(), &[], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("slow-sink: Writer is the bottleneck"), "{}", run.stdout);
}
