//! Precedence, credentials and masking of `resolve`, on injected environments.
use super::*;
use crate::config::credentials::shown_var;
use crate::config::file::parse;
use crate::secret::Secret;
use crate::sources::access::Auth;
use std::collections::HashMap;

const FILE: &str = r#"
    default_profile = "eu"
    [profiles.eu]
    flink = { url = "https://gw.example/flink/", username = "oncall", password_env = "EU_PW" }
    prometheus = { url = "https://prom.example", token_env = "EU_TOKEN" }
    interval = "5s"
    theme = "mono"
    [profiles.eu.http]
    cacert = "/etc/corp-ca.pem"
    header_env = { "X-Api-Key" = "EU_KEY" }
    [profiles.eu.thresholds]
    bp_threshold = 0.2
    horizon = "1h"
    [profiles.us]
    flink = "http://jm.us:8081"
"#;

fn run(cli: SourceArgs, env: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    let env: HashMap<String, String> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let lookup = move |k: &str| env.get(k).cloned();
    resolve(&cli, &lookup, Some(("/cfg.toml".into(), parse(FILE).unwrap())))
}

const SECRETS: [(&str, &str); 3] = [("EU_PW", "pw-s3cret"), ("EU_TOKEN", "tok-s3cret"), ("EU_KEY", "key-s3cret")];

fn from(set: &Settings, key: &str) -> String {
    set.shown.iter().find(|s| s.key == key).map(|s| format!("{} <- {}", s.value, s.from)).unwrap_or_default()
}

#[test]
fn flags_beat_environment_beat_profile_beat_defaults() {
    let set = run(SourceArgs::default(), &SECRETS).unwrap();
    assert_eq!(set.interval, Duration::from_secs(5));
    assert_eq!(from(&set, "interval"), "5s <- profile eu");
    assert_eq!(set.timeout, Duration::from_secs(10));
    assert_eq!(from(&set, "timeout"), "10s <- default");
    let env = [SECRETS.as_slice(), &[("BPTOP_INTERVAL", "7s")]].concat();
    let set = run(SourceArgs::default(), &env).unwrap();
    assert_eq!(set.interval, Duration::from_secs(7));
    assert_eq!(from(&set, "interval"), "7s <- env BPTOP_INTERVAL");
    let set = run(SourceArgs { interval: Some(Duration::from_secs(1)), ..Default::default() }, &env).unwrap();
    assert_eq!(from(&set, "interval"), "1s <- --interval");
    assert_eq!(set.theme, ThemeName::Mono);
    assert_eq!(set.thresholds.bp_low, 0.2);
    assert_eq!(set.thresholds.forecast.horizon_s, 3600.0);
    let e = run(SourceArgs::default(), &[SECRETS.as_slice(), &[("BPTOP_INTERVAL", "soon")]].concat()).unwrap_err();
    assert!(matches!(&e, ConfigError::Value(m) if m.starts_with("BPTOP_INTERVAL: ")), "{e:?}");
}

#[test]
fn credentials_come_from_the_variables_the_profile_names() {
    let set = run(SourceArgs::default(), &SECRETS).unwrap();
    let flink = set.flink.as_ref().unwrap();
    assert_eq!(flink.access.auth, Auth::Basic { username: "oncall".into(), password: Secret::new("pw-s3cret") });
    assert_eq!(flink.access.tls.cacert.as_deref(), Some(std::path::Path::new("/etc/corp-ca.pem")));
    assert_eq!(set.prometheus.as_ref().unwrap().access.auth, Auth::Bearer(Secret::new("tok-s3cret")));
    assert!(flink.access.headers.iter().any(|h| h.name == "X-Api-Key" && h.secret));
    // The environment's own variable beats the profile's.
    let env = [SECRETS.as_slice(), &[("BPTOP_FLINK_PASSWORD", "other")]].concat();
    let set = run(SourceArgs::default(), &env).unwrap();
    assert_eq!(
        set.flink.unwrap().access.auth,
        Auth::Basic { username: "oncall".into(), password: Secret::new("other") }
    );
}

#[test]
fn no_secret_reaches_the_printed_settings() {
    let set = run(SourceArgs::default(), &SECRETS).unwrap();
    let printed = format!("{}{set:?}", crate::config::check::render(None, &Ok(set.clone())));
    for (_, secret) in SECRETS {
        assert!(!printed.contains(secret), "{secret} leaked into:\n{printed}");
    }
    assert!(printed.contains("password ********") && printed.contains("X-Api-Key: ********"), "{printed}");
}

#[test]
fn a_missing_secret_is_named_not_skipped() {
    let e = run(SourceArgs::default(), &[("EU_TOKEN", "t"), ("EU_KEY", "k")]).unwrap_err();
    assert!(matches!(&e, ConfigError::Access(m) if m.contains("EU_PW") && m.contains("not set")), "{e:?}");
    let env = [SECRETS.as_slice(), &[("BPTOP_FLINK_TOKEN", "t2"), ("BPTOP_FLINK_USER", "u")]].concat();
    let e = run(SourceArgs::default(), &env).unwrap_err();
    assert!(matches!(&e, ConfigError::Access(m) if m.contains("both a token and a username")), "{e:?}");
    assert!(!e.to_string().contains("t2"));
}

#[test]
fn a_url_from_the_command_line_never_gets_the_profiles_credentials() {
    let cli = SourceArgs { flink: Some("https://elsewhere.example".into()), ..Default::default() };
    let set = run(cli.clone(), &SECRETS).unwrap();
    let flink = set.flink.unwrap();
    assert_eq!(flink.url, "https://elsewhere.example");
    assert_eq!(flink.access.auth, Auth::None);
    assert!(flink.access.headers.is_empty());
    // The default profile's sources stay out of an ad-hoc run; its settings still apply.
    assert!(set.prometheus.is_none());
    assert_eq!(set.interval, Duration::from_secs(5));
    // Named explicitly, the profile is meant whole: its other sources join, with credentials.
    let set = run(SourceArgs { profile: Some("eu".into()), ..cli }, &SECRETS).unwrap();
    assert_eq!(set.flink.unwrap().access.auth, Auth::None);
    assert_eq!(set.prometheus.unwrap().access.auth, Auth::Bearer(Secret::new("tok-s3cret")));
}

#[test]
fn environment_credentials_replace_the_profiles_whole() {
    let env = [SECRETS.as_slice(), &[("BPTOP_FLINK_TOKEN", "env-token")]].concat();
    let set = run(SourceArgs::default(), &env).unwrap();
    assert_eq!(set.flink.unwrap().access.auth, Auth::Bearer(Secret::new("env-token")));
}

#[test]
fn a_named_profile_without_sources_is_an_error_not_the_demo() {
    let f = parse("[profiles.t.thresholds]\nbp_threshold = 0.2\n").unwrap();
    let e = resolve(&SourceArgs { profile: Some("t".into()), ..Default::default() }, &|_| None, Some(("/c".into(), f)))
        .unwrap_err();
    assert!(matches!(&e, ConfigError::Profile(m) if m.contains("names no source")), "{e:?}");
}

#[test]
fn profiles_are_chosen_by_flag_then_environment_then_default() {
    let set = run(SourceArgs { profile: Some("us".into()), ..Default::default() }, &[]).unwrap();
    assert_eq!(set.flink.unwrap().url, "http://jm.us:8081");
    let set = run(SourceArgs::default(), &[("BPTOP_PROFILE", "us")]).unwrap();
    assert_eq!(set.profile.as_deref(), Some("us"));
    let e = run(SourceArgs { profile: Some("ap".into()), ..Default::default() }, &[]).unwrap_err();
    assert!(matches!(&e, ConfigError::Profile(m) if m.contains("'ap'") && m.contains("eu, us")), "{e:?}");
}

#[test]
fn command_line_tls_and_headers_apply_to_every_source() {
    let cli = SourceArgs {
        cacert: Some("/ca.pem".into()),
        insecure: true,
        header: vec!["X-Tenant: blue".into(), "Authorization: Bearer plain-s3cret".into()],
        header_env: vec!["X-Api-Key=MY_KEY".into()],
        ..Default::default()
    };
    let set = run(cli, &[SECRETS.as_slice(), &[("MY_KEY", "mine")]].concat()).unwrap();
    for e in [set.flink.as_ref().unwrap(), set.prometheus.as_ref().unwrap()] {
        assert_eq!(e.access.tls.cacert.as_deref(), Some(std::path::Path::new("/ca.pem")));
        assert!(e.access.tls.insecure);
        let key: Vec<_> = e.access.headers.iter().filter(|h| h.name == "X-Api-Key").collect();
        assert_eq!(key.len(), 1, "the flag's header replaces the profile's");
        assert_eq!(key[0].value.expose(), "mine");
    }
    assert!(from(&set, "flink.insecure").contains("NOT VERIFIED"));
    // A credential given as a plain header is still masked by its name; a tenant is not.
    let printed = crate::config::check::render(None, &Ok(set));
    assert!(!printed.contains("plain-s3cret") && printed.contains("Authorization: ********"), "{printed}");
    assert!(printed.contains("X-Tenant: blue"), "{printed}");
}

#[test]
fn a_secret_typed_where_a_name_belongs_is_never_echoed() {
    let f = parse("[profiles.x]\nflink = { url = \"http://h\", token_env = \"eyJhbGciOi-s3cret\" }\n").unwrap();
    let e = resolve(&SourceArgs { profile: Some("x".into()), ..Default::default() }, &|_| None, Some(("/c".into(), f)))
        .unwrap_err();
    let text = e.to_string();
    assert!(matches!(e, ConfigError::Access(_)) && text.contains("not shown") && !text.contains("s3cret"), "{text}");
    for bad in [
        SourceArgs { header: vec!["Authorization Bearer s3cret".into()], ..Default::default() },
        SourceArgs { header_env: vec!["X-Api-Key: s3cret".into()], ..Default::default() },
        SourceArgs { header_env: vec!["X-Api-Key=s3cret".into()], ..Default::default() },
    ] {
        let e = run(bad, &SECRETS).unwrap_err();
        assert!(matches!(e, ConfigError::Access(_)) && !e.to_string().contains("s3cret"), "{e}");
    }
    assert_eq!(shown_var("PROD_EU_PASSWORD"), "PROD_EU_PASSWORD");
}

#[test]
fn profile_thresholds_are_range_checked() {
    let f = parse("[profiles.x.thresholds]\nbp_threshold = 3.0\n").unwrap();
    let e = resolve(&SourceArgs { profile: Some("x".into()), ..Default::default() }, &|_| None, Some(("/c".into(), f)))
        .unwrap_err();
    assert!(matches!(&e, ConfigError::Value(m) if m.contains("thresholds.bp_threshold")), "{e:?}");
}
