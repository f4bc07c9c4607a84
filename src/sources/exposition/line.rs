//! One line of exposition text, read in place: slices of the line, no allocation unless a label
//! value holds an escape. Every function returns `None` for a line it cannot read, never panics:
//! positions only ever fall on ASCII bytes, so slicing stays on character boundaries.

use std::borrow::Cow;

/// What a non-empty, trimmed line is.
#[derive(Debug, PartialEq)]
pub(super) enum Line<'a> {
    /// `# TYPE name kind`
    Type { name: &'a str, kind: &'a str },
    /// A sample: its name and what follows the name (`{labels} value [timestamp]` or ` value …`).
    Sample { name: &'a str, rest: &'a str },
    /// A comment, HELP, or a line that is no sample (`<html>`).
    Other,
}

/// Names: Prometheus' `[a-zA-Z_:][a-zA-Z0-9_:]*`; a leading digit is let through, as
/// prometheus-parse does (such a line fails later on its value: "404 page not found").
fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b':'
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// The leading name of `s` and what follows it.
fn split_name(s: &str) -> Option<(&str, &str)> {
    let end = s.bytes().position(|b| !is_name_byte(b)).unwrap_or(s.len());
    (end > 0).then(|| s.split_at(end))
}

fn skip_blanks(s: &str) -> &str {
    s.trim_start_matches([' ', '\t'])
}

/// Classifies a line already trimmed of surrounding whitespace.
pub(super) fn classify(line: &str) -> Line<'_> {
    if let Some(comment) = line.strip_prefix('#') {
        return type_line(comment).unwrap_or(Line::Other);
    }
    match split_name(line) {
        // A name runs into `{` or a blank; `foo-bar 1` is no sample.
        Some((name, rest)) if rest.starts_with('{') || rest.bytes().next().is_some_and(is_blank) => {
            Line::Sample { name, rest }
        }
        _ => Line::Other,
    }
}

/// `# TYPE name kind` (text after the `#`): blanks between the words, anything after them ignored.
fn type_line(comment: &str) -> Option<Line<'_>> {
    let after_hash = skip_blanks(comment);
    if after_hash.len() == comment.len() {
        return None;
    }
    let after_word = after_hash.strip_prefix("TYPE")?;
    let (name, rest) = split_name(skip_blanks(after_word))?;
    if after_word.len() == skip_blanks(after_word).len() || !rest.bytes().next().is_some_and(is_blank) {
        return None;
    }
    let rest = skip_blanks(rest);
    let end = rest.bytes().position(|b| !b.is_ascii_alphanumeric() && b != b'_').unwrap_or(rest.len());
    (end > 0).then(|| Line::Type { name, kind: &rest[..end] })
}

/// Reads the label set `{…}` at the start of `rest` (nothing when `rest` does not start with `{`),
/// calling `each(name, raw value, has escapes)` per label; returns what follows the closing
/// brace. Quoted values may hold `,` `=` `}` and escapes; unquoted values (`{a=b}`, not in the
/// format but read by prometheus-parse) end at `,` `}` or a blank. A trailing comma is fine.
pub(super) fn labels<'a>(rest: &'a str, mut each: impl FnMut(&'a str, &'a str, bool)) -> Option<&'a str> {
    let Some(mut s) = rest.strip_prefix('{') else { return Some(rest) };
    loop {
        s = skip_blanks(s);
        if let Some(after) = s.strip_prefix('}') {
            return Some(after);
        }
        let (key, after_key) = split_name(s)?;
        s = skip_blanks(skip_blanks(after_key).strip_prefix('=')?);
        let (value, escaped, after_value) = match s.strip_prefix('"') {
            Some(quoted) => quoted_value(quoted)?,
            None => {
                let end = s.bytes().position(|b| b == b',' || b == b'}' || is_blank(b)).unwrap_or(s.len());
                (&s[..end], false, &s[end..])
            }
        };
        each(key, value, escaped);
        s = skip_blanks(after_value);
        if let Some(after_comma) = s.strip_prefix(',') {
            s = after_comma;
        } else if !s.starts_with('}') {
            return None;
        }
    }
}

/// The value up to the closing quote (after the opening one), whether it holds a backslash, and
/// what follows the closing quote.
fn quoted_value(s: &str) -> Option<(&str, bool, &str)> {
    let bytes = s.as_bytes();
    let mut at = 0;
    let mut escaped = false;
    loop {
        at += memchr::memchr2(b'"', b'\\', &bytes[at..])?;
        if bytes[at] == b'"' {
            return Some((&s[..at], escaped, &s[at + 1..]));
        }
        escaped = true;
        // Skip the backslash and the byte it escapes; the search resumes on an ASCII byte or
        // inside a character, where neither `"` nor `\` can match.
        at += 2;
        if at > bytes.len() {
            return None;
        }
    }
}

/// A label value with `\\`, `\"` and `\n` resolved; other backslashes are kept as they are.
pub(super) fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('\\') => out.push('\\'),
            Some('"') => out.push('"'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// A raw label value as text.
pub(super) fn label_value(raw: &str, escaped: bool) -> Cow<'_, str> {
    if escaped {
        Cow::Owned(unescape(raw))
    } else {
        Cow::Borrowed(raw)
    }
}

/// The value after the labels (or the name): at least one blank, then a float; `NaN`, `+Inf`
/// and `-Inf` in any case. A timestamp or anything else after it is ignored.
pub(super) fn value(after_labels: &str) -> Option<f64> {
    if !after_labels.bytes().next().is_some_and(is_blank) {
        return None;
    }
    let s = skip_blanks(after_labels);
    let end = s.bytes().position(is_blank).unwrap_or(s.len());
    // Rust reads `nan`, `inf` and `infinity` in any case with an optional sign, as Go does.
    s[..end].parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_labels(rest: &str) -> Option<(Vec<(String, String)>, &str)> {
        let mut out = Vec::new();
        let after = labels(rest, |k, v, e| out.push((k.to_string(), label_value(v, e).into_owned())))?;
        Some((out, after))
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn type_lines_need_blanks_between_their_words() {
        assert_eq!(classify("# TYPE x_total counter"), Line::Type { name: "x_total", kind: "counter" });
        assert_eq!(classify("#\tTYPE  h histogram extra"), Line::Type { name: "h", kind: "histogram" });
        assert_eq!(classify("#TYPE x gauge"), Line::Other);
        assert_eq!(classify("# TYPEx gauge"), Line::Other);
        assert_eq!(classify("# TYPE x"), Line::Other);
        assert_eq!(classify("# HELP x gauge"), Line::Other);
    }

    #[test]
    fn sample_names_end_at_a_brace_or_a_blank() {
        assert_eq!(classify("up 1"), Line::Sample { name: "up", rest: " 1" });
        assert_eq!(classify("a:b{c=\"d\"} 1"), Line::Sample { name: "a:b", rest: "{c=\"d\"} 1" });
        assert_eq!(classify("foo-bar 1"), Line::Other);
        assert_eq!(classify("<html>"), Line::Other);
        assert_eq!(classify("up"), Line::Other);
    }

    #[test]
    fn quoted_values_keep_commas_equals_braces_and_resolve_escapes() {
        let (l, after) = all_labels(r#"{a="1,2",b="c=d",c="}",d="x\\y\"z\nw",e="\q"} 3"#).unwrap();
        assert_eq!(l, pairs(&[("a", "1,2"), ("b", "c=d"), ("c", "}"), ("d", "x\\y\"z\nw"), ("e", "\\q")]));
        assert_eq!(after, " 3");
    }

    #[test]
    fn blanks_trailing_commas_unquoted_and_empty_sets() {
        let (l, _) = all_labels(r#"{ a = "1" , b=two,}"#).unwrap();
        assert_eq!(l, pairs(&[("a", "1"), ("b", "two")]));
        assert_eq!(all_labels("{} 1").unwrap(), (vec![], " 1"));
        assert_eq!(all_labels(" 1").unwrap(), (vec![], " 1"), "no label set");
    }

    #[test]
    fn broken_label_sets_are_refused() {
        for broken in [r#"{a="1""#, r#"{a="1"#, r#"{a="1\"#, r#"{a}"#, r#"{="1"}"#, r#"{a="1" b="2"}"#, "{", "{a=\"é\\"]
        {
            assert_eq!(all_labels(broken), None, "{broken}");
        }
    }

    #[test]
    fn values_with_specials_and_timestamps() {
        assert_eq!(value(" 1.5e3"), Some(1500.0));
        assert_eq!(value("\t-Inf 1700000000000"), Some(f64::NEG_INFINITY));
        assert_eq!(value(" +Inf"), Some(f64::INFINITY));
        assert!(value(" NaN").unwrap().is_nan());
        assert_eq!(value("1"), None, "a blank must separate the value");
        assert_eq!(value(" page not found"), None);
        assert_eq!(value(" "), None);
    }
}
