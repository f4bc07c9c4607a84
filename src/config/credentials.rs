//! Credentials, headers and TLS of each source: from flags and `BPTOP_<SOURCE>_*` variables,
//! or from what the profile names (`*_env`, `*_file`), never echoed. Part of the resolver:
//! the precedence is decided in `resolve`, the access of one endpoint here.

use std::path::PathBuf;

use super::file::Connection;
use super::resolver::{env_flag, Env, Resolver};
use super::ConfigError;
use super::SourceArgs;
use crate::secret::Secret;
use crate::sources::access::{Access, Auth, Header, Tls};

impl Resolver<'_> {
    pub(super) fn secret_env(&mut self, var: &str, what: &str) -> Result<Option<Secret>, ConfigError> {
        match (self.env)(var) {
            Some(v) if !v.is_empty() => Ok(Some(Secret::new(v))),
            Some(_) => Err(ConfigError::Access(format!("{what}: {} is set but empty", shown_var(var)))),
            None => Ok(None),
        }
    }

    /// `--cacert`, `--cert`, `--key`, `--insecure` and `--header`s, from flags or environment.
    pub(super) fn cli_access(&mut self, cli: &SourceArgs) -> Result<Access, ConfigError> {
        let path = |flag: &Option<PathBuf>, var: &str, env: Env| {
            flag.clone().or_else(|| env(var).filter(|v| !v.is_empty()).map(PathBuf::from))
        };
        let insecure = cli.insecure || env_flag(self.env, "BPTOP_INSECURE").map_err(ConfigError::Value)?;
        let mut headers = Vec::new();
        for h in &cli.header {
            let (name, value) = h
                .split_once(':')
                // The text is not quoted back: it may be a credential typed the wrong way.
                .ok_or_else(|| {
                    ConfigError::Access("--header: expected 'Name: value' (the text given is not shown)".into())
                })?;
            let secret = looks_secret(name.trim());
            headers.push(Header { name: name.trim().into(), value: Secret::new(value.trim()), secret });
        }
        for h in &cli.header_env {
            let (name, var) = h.split_once('=').ok_or_else(|| {
                ConfigError::Access("--header-env: expected 'Name=ENV_VAR' (the text given is not shown)".into())
            })?;
            let value = self.secret_env(var.trim(), &format!("--header-env {}", name.trim()))?.ok_or_else(|| {
                ConfigError::Access(format!(
                    "--header-env {}: environment variable {} is not set",
                    name.trim(),
                    shown_var(var.trim())
                ))
            })?;
            headers.push(Header { name: name.trim().into(), value, secret: true });
        }
        Ok(Access {
            auth: Auth::None,
            headers,
            tls: Tls {
                cacert: path(&cli.cacert, "BPTOP_CACERT", self.env),
                client_cert: path(&cli.cert, "BPTOP_CLIENT_CERT", self.env),
                client_key: path(&cli.key, "BPTOP_CLIENT_KEY", self.env),
                insecure,
            },
        })
    }

    /// A secret the profile names: `<field>_env` (a variable that must be set) or `<field>_file`.
    pub(super) fn profile_secret(
        &mut self,
        name: &str,
        field: &str,
        var: &Option<String>,
        file: &Option<PathBuf>,
    ) -> Result<Option<Secret>, ConfigError> {
        match (var, file) {
            (Some(var), _) => {
                let value = self.secret_env(var, &format!("{name}: {field}_env"))?;
                value.map(Some).ok_or_else(|| {
                    ConfigError::Access(format!("{name}: {field}_env names {}, which is not set", shown_var(var)))
                })
            }
            (None, Some(path)) => Ok(Some(read_secret_file(path, &format!("{name}: {field}_file"))?)),
            (None, None) => Ok(None),
        }
    }

    /// Credentials: `BPTOP_<SOURCE>_TOKEN`, `_USER`, `_PASSWORD` beat the profile's; TLS and
    /// headers: flags beat the profile's, field by field.
    pub(super) fn access(
        &mut self,
        name: &str,
        prefix: &str,
        conn: Option<&Connection>,
        cli: &Access,
    ) -> Result<Access, ConfigError> {
        let empty = Connection::default();
        let c = conn.unwrap_or(&empty);
        let what = |field: &str| format!("{name}: {field}");
        let env_token = self.secret_env(&format!("{prefix}_TOKEN"), &what("token"))?;
        let env_user = (self.env)(&format!("{prefix}_USER")).filter(|v| !v.is_empty());
        let env_password = self.secret_env(&format!("{prefix}_PASSWORD"), &what("password"))?;
        // Credentials from the environment replace the profile's scheme: a token there
        // replaces its username and password; a username or password there replaces its token
        // (and a password alone keeps the profile's username).
        let (token, username, password) = if env_token.is_some() {
            (env_token, env_user, env_password)
        } else if env_user.is_some() || env_password.is_some() {
            let password = match env_password {
                Some(p) => Some(p),
                None => self.profile_secret(name, "password", &c.password_env, &c.password_file)?,
            };
            (None, env_user.or_else(|| c.username.clone()), password)
        } else {
            let token = self.profile_secret(name, "token", &c.token_env, &c.token_file)?;
            (token, c.username.clone(), self.profile_secret(name, "password", &c.password_env, &c.password_file)?)
        };
        let auth = match (token, username, password) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                return Err(ConfigError::Access(format!(
                    "{name}: both a token and a username/password are set: choose one"
                )))
            }
            (Some(t), None, None) => Auth::Bearer(t),
            (None, Some(u), Some(p)) => Auth::Basic { username: u, password: p },
            (None, Some(_), None) => {
                return Err(ConfigError::Access(format!(
                    "{name}: a username without a password ({prefix}_PASSWORD or password_env)"
                )))
            }
            (None, None, Some(_)) => {
                return Err(ConfigError::Access(format!(
                    "{name}: a password without a username ({prefix}_USER or username)"
                )))
            }
            (None, None, None) => Auth::None,
        };
        let mut headers: Vec<Header> = c
            .headers
            .iter()
            .map(|(k, v)| Header { name: k.clone(), value: Secret::new(v.clone()), secret: looks_secret(k) })
            .collect();
        for (k, var) in &c.header_env {
            let value = self.secret_env(var, &what(&format!("header_env.{k}")))?.ok_or_else(|| {
                ConfigError::Access(format!("{name}: header_env.{k} names {}, which is not set", shown_var(var)))
            })?;
            headers.push(Header { name: k.clone(), value, secret: true });
        }
        // A header named on the command line replaces the profile's of the same name.
        headers.retain(|h| !cli.headers.iter().any(|x| x.name.eq_ignore_ascii_case(&h.name)));
        headers.extend(cli.headers.iter().cloned());
        Ok(Access {
            auth,
            headers,
            tls: Tls {
                cacert: cli.tls.cacert.clone().or_else(|| c.cacert.clone()),
                client_cert: cli.tls.client_cert.clone().or_else(|| c.client_cert.clone()),
                client_key: cli.tls.client_key.clone().or_else(|| c.client_key.clone()),
                insecure: cli.tls.insecure || c.insecure.unwrap_or(false),
            },
        })
    }

    pub(super) fn show_endpoint(&mut self, name: &str, url: &str, from: &str, access: &Access) {
        self.note(name, &crate::sources::http::redact_url(url), from);
        match &access.auth {
            Auth::None => {}
            Auth::Basic { username, password } => {
                self.note(&format!("{name}.auth"), &format!("basic, user {username}, password {password}"), from)
            }
            Auth::Bearer(t) => self.note(&format!("{name}.auth"), &format!("bearer token {t}"), from),
        }
        for h in &access.headers {
            let value = if h.secret { h.value.to_string() } else { h.value.expose().to_string() };
            self.note(&format!("{name}.header"), &format!("{}: {value}", h.name), from);
        }
        let tls = &access.tls;
        for (key, path) in [("cacert", &tls.cacert), ("client_cert", &tls.client_cert), ("client_key", &tls.client_key)]
        {
            if let Some(p) = path {
                self.note(&format!("{name}.{key}"), &p.display().to_string(), from);
            }
        }
        if tls.insecure {
            self.note(&format!("{name}.insecure"), "TLS CERTIFICATES NOT VERIFIED", from);
        }
    }
}

/// A source's own settings over the profile's `[http]` ones, field by field.
pub(super) fn merge(own: &Connection, shared: &Connection) -> Connection {
    let mut headers = shared.headers.clone();
    headers.extend(own.headers.clone());
    let mut header_env = shared.header_env.clone();
    header_env.extend(own.header_env.clone());
    // Credentials go together: a source with its own token must not inherit a shared user.
    let own_auth = own.username.is_some()
        || own.password_env.is_some()
        || own.password_file.is_some()
        || own.token_env.is_some()
        || own.token_file.is_some();
    let auth = if own_auth { own } else { shared };
    Connection {
        url: own.url.clone(),
        username: auth.username.clone(),
        password_env: auth.password_env.clone(),
        password_file: auth.password_file.clone(),
        token_env: auth.token_env.clone(),
        token_file: auth.token_file.clone(),
        headers,
        header_env,
        cacert: own.cacert.clone().or_else(|| shared.cacert.clone()),
        client_cert: own.client_cert.clone().or_else(|| shared.client_cert.clone()),
        client_key: own.client_key.clone().or_else(|| shared.client_key.clone()),
        insecure: own.insecure.or(shared.insecure),
    }
}

/// The name of an environment variable, for a message; anything that does not look like one
/// (`hunter2`, `eyJhbGci…`) may be the secret itself, typed where its name belongs: not shown.
pub(super) fn shown_var(var: &str) -> String {
    let looks_like_a_name = !var.is_empty()
        && var.len() <= 64
        && !var.starts_with(|c: char| c.is_ascii_digit())
        && var.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if looks_like_a_name {
        var.to_string()
    } else {
        "a variable whose name does not look like one (not shown: is it the secret itself?)".to_string()
    }
}

/// A header that carries a credential by its name, even when given as plain text: masked when
/// settings are shown, sensitive on the wire.
fn looks_secret(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["authorization", "cookie", "key", "token", "secret", "password", "auth"].iter().any(|k| n.contains(k))
}

fn read_secret_file(path: &std::path::Path, what: &str) -> Result<Secret, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::Access(format!("{what}: cannot read {}: {e}", path.display())))?;
    let value = text.trim();
    if value.is_empty() {
        return Err(ConfigError::Access(format!("{what}: {} is empty", path.display())));
    }
    Ok(Secret::new(value))
}
