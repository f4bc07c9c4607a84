//! Tolerant reading of JSON answers: numbers that arrive as strings, "NaN", HTML error pages.

use serde_json::Value;

use super::http::{FetchError, Response};

/// A number however the endpoint spelled it; `NaN`, infinities and non-numbers are `None`.
pub fn num(v: &Value) -> Option<f64> {
    let x = match v {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    x.is_finite().then_some(x)
}

pub fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// Checks the status and parses the body as JSON, with a one-line reason when either is wrong.
pub fn parse_json(url: &str, resp: &Response) -> Result<Value, FetchError> {
    let fail = |what: String| FetchError { url: url.to_string(), what, status: Some(resp.status) };
    if resp.status != 200 {
        let attempts = if resp.attempts > 1 { format!(" ({} attempts)", resp.attempts) } else { String::new() };
        let detail = error_detail(resp);
        return Err(fail(format!(
            "HTTP {}: {detail}{}{attempts}",
            status_text(resp.status),
            status_advice(resp.status, &detail)
        )));
    }
    serde_json::from_slice(&resp.body).map_err(|e| fail(describe_bad_body(resp, &e)))
}

/// What to do about an answer that is about access, not about Flink.
pub(crate) fn status_advice(status: u16, detail: &str) -> &'static str {
    match status {
        // nginx's answer when mutual TLS is required and no certificate came.
        400 if detail.to_ascii_lowercase().contains("ssl certificate") => {
            " (the gateway wants a client certificate: --cert and --key, or client_cert/client_key in the profile)"
        }
        401 => " (credentials missing or refused: set them by environment or profile, see `bptop config check`)",
        403 => " (the credentials sent are not allowed to read this)",
        407 => " (a proxy wants credentials)",
        301 | 302 | 303 | 307 | 308 => {
            " (a redirect to another host is not followed: credentials stay with the host given; a login page in front of the API?)"
        }
        _ => "",
    }
}

pub(crate) fn status_text(status: u16) -> String {
    match reqwest::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()) {
        Some(reason) => format!("{status} {reason}"),
        None => status.to_string(),
    }
}

/// What a non-200 answer says: Flink's `{"errors": [...]}`, a page title, or its first words.
fn error_detail(resp: &Response) -> String {
    if let Ok(v) = serde_json::from_slice::<Value>(&resp.body) {
        if let Some(first) = v.get("errors").and_then(Value::as_array).and_then(|a| a.first()) {
            let text = first.as_str().map(str::to_string).unwrap_or_else(|| first.to_string());
            // Flink puts a whole Java stack trace into errors[0]: its first line says it.
            return one_line(text.lines().next().unwrap_or(""), 160);
        }
    }
    if looks_like_html(resp) {
        return format!("an HTML page{}", html_title(&resp.body).map(|t| format!(" ('{t}')")).unwrap_or_default());
    }
    if resp.body.is_empty() {
        return "empty body".into();
    }
    one_line(&String::from_utf8_lossy(&resp.body), 120)
}

fn describe_bad_body(resp: &Response, e: &serde_json::Error) -> String {
    if looks_like_html(resp) {
        let title = html_title(&resp.body).map(|t| format!(" ('{t}')")).unwrap_or_default();
        return format!("expected JSON, got an HTML page{title}: a proxy or login page in front of the API?");
    }
    if resp.body.iter().all(u8::is_ascii_whitespace) {
        return "expected JSON, got an empty body".into();
    }
    if e.is_eof() {
        return format!("truncated JSON: the body ends after {} bytes ({e})", resp.body.len());
    }
    // A metrics endpoint (Flink's Prometheus reporter, a lag exporter) given as a REST API.
    let start = String::from_utf8_lossy(&resp.body[..resp.body.len().min(64)]).trim_start().to_string();
    if start.starts_with("# HELP") || start.starts_with("# TYPE") {
        return "expected JSON, got Prometheus exposition text: this is a metrics endpoint (a Flink reporter or a lag exporter): give it with --scrape".into();
    }
    format!("invalid JSON ({e}): starts with '{}'", one_line(&String::from_utf8_lossy(&resp.body), 60))
}

fn looks_like_html(resp: &Response) -> bool {
    let ct = resp.content_type.as_deref().unwrap_or("");
    let start = String::from_utf8_lossy(&resp.body[..resp.body.len().min(256)]).to_ascii_lowercase();
    ct.contains("html") || start.trim_start().starts_with("<!doctype html") || start.trim_start().starts_with("<html")
}

fn html_title(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let lower = text.to_ascii_lowercase();
    let start = lower.find("<title>")? + "<title>".len();
    let end = start + lower[start..].find("</title>")?;
    let t = one_line(text[start..end].trim(), 80);
    (!t.is_empty()).then_some(t)
}

/// Collapses whitespace and control characters and cuts at `max` characters.
pub fn one_line(s: &str, max: usize) -> String {
    let mut out = String::new();
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().filter(|c| !c.is_control()));
    }
    if out.chars().count() > max {
        let cut: String = out.chars().take(max).collect();
        format!("{cut}…")
    } else {
        out
    }
}

/// Flink's plan descriptions are HTML: "parse&lt;br/&gt;", "a -&gt; b<br/>".
pub fn unescape_html(s: &str) -> String {
    s.replace("<br/>", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, ct: &str, body: &str) -> Response {
        Response { status, content_type: Some(ct.into()), body: body.as_bytes().to_vec(), attempts: 1 }
    }

    #[test]
    fn numbers_in_every_spelling() {
        assert_eq!(num(&serde_json::json!(1.5)), Some(1.5));
        assert_eq!(num(&serde_json::json!("998")), Some(998.0));
        assert_eq!(num(&serde_json::json!("1000.0")), Some(1000.0));
        assert_eq!(num(&serde_json::json!("NaN")), None);
        assert_eq!(num(&serde_json::json!("Infinity")), None);
        assert_eq!(num(&serde_json::json!("false")), None);
        assert_eq!(num(&serde_json::json!(null)), None);
    }

    #[test]
    fn bad_answers_read_as_one_line() {
        let html = resp(200, "text/html", "<html><head><title>Sign in</title></head><body>\n</body></html>");
        let e = parse_json("http://h/jobs/overview", &html).unwrap_err().to_string();
        assert!(e.starts_with("GET http://h/jobs/overview: expected JSON, got an HTML page ('Sign in')"), "{e}");
        let cut = resp(200, "application/json", "{\"jobs\":[{\"jid\":\"ab");
        let e = parse_json("http://h/x", &cut).unwrap_err().to_string();
        assert!(e.contains("truncated JSON"), "{e}");
        let nf = resp(404, "application/json", "{\"errors\":[\"Job could not be found.\\n\\tat org.apache...\"]}");
        let e = parse_json("http://h/jobs/1", &nf).unwrap_err().to_string();
        assert_eq!(e, "GET http://h/jobs/1: HTTP 404 Not Found: Job could not be found.");
        let bad = resp(502, "text/html", "<!DOCTYPE html><title>502 Bad Gateway</title>");
        let e = parse_json("http://h/x", &bad).unwrap_err().to_string();
        assert!(e.contains("HTTP 502 Bad Gateway: an HTML page ('502 Bad Gateway')"), "{e}");
        assert!(!e.contains('\n'));
        // A Flink reporter's port given as --flink: say which flag reads it.
        for text in ["# HELP flink_jobmanager_Status_JVM_CPU_Load Load.\n# TYPE x gauge\n", "\n# TYPE up gauge\nup 1\n"]
        {
            let prom = resp(200, "text/plain; version=0.0.4", text);
            let e = parse_json("http://h:9249/jobs/overview", &prom).unwrap_err().to_string();
            assert!(e.ends_with("got Prometheus exposition text: this is a metrics endpoint (a Flink reporter or a lag exporter): give it with --scrape"), "{e}");
        }
        let other = resp(200, "text/plain", "# a comment\nnot json");
        let e = parse_json("http://h/x", &other).unwrap_err().to_string();
        assert!(e.contains("invalid JSON"), "{e}");
    }

    #[test]
    fn html_descriptions_unescape() {
        assert_eq!(unescape_html("Source: a -&gt; Map<br/>"), "Source: a -> Map");
        assert_eq!(unescape_html("parse<br/>"), "parse");
    }
}
