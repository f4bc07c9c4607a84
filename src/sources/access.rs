//! How one endpoint is reached: credentials, extra headers and TLS trust. Built by the config
//! resolution, consumed by `http::Fetcher` when it makes its client; nothing here prints a
//! secret (see `crate::secret`).

use std::path::{Path, PathBuf};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION};

use crate::secret::Secret;

#[derive(Clone, Debug, Default, PartialEq)]
pub enum Auth {
    #[default]
    None,
    Basic {
        username: String,
        password: Secret,
    },
    Bearer(Secret),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    pub name: String,
    pub value: Secret,
    /// Came from a secret store (an environment variable): masked when settings are shown.
    pub secret: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tls {
    /// PEM bundle trusted instead of the built-in roots (as curl's --cacert).
    pub cacert: Option<PathBuf>,
    /// PEM client certificate (chain) and key, for gateways that want mutual TLS.
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    /// No certificate checks at all.
    pub insecure: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Access {
    pub auth: Auth,
    pub headers: Vec<Header>,
    pub tls: Tls,
}

impl Access {
    /// Headers sent with every request. Credentials are marked sensitive, so hyper never
    /// puts them into its own debug output.
    pub fn default_headers(&self) -> Result<HeaderMap, String> {
        let mut map = HeaderMap::new();
        let auth = match &self.auth {
            Auth::None => None,
            Auth::Basic { username, password } => {
                Some(format!("Basic {}", base64(format!("{username}:{}", password.expose()).as_bytes())))
            }
            Auth::Bearer(token) => Some(format!("Bearer {}", token.expose())),
        };
        if let Some(auth) = auth {
            let mut value = HeaderValue::from_str(&auth)
                .map_err(|_| "the credentials hold characters a header cannot carry".to_string())?;
            value.set_sensitive(true);
            map.insert(AUTHORIZATION, value);
        }
        for h in &self.headers {
            let name = HeaderName::from_bytes(h.name.as_bytes())
                .map_err(|_| format!("'{}' is not a valid header name", h.name))?;
            let mut value = HeaderValue::from_str(h.value.expose()).map_err(|_| {
                // The value is not quoted: it may be a key.
                format!("the value of header {} holds characters a header cannot carry", h.name)
            })?;
            value.set_sensitive(h.secret || name == AUTHORIZATION);
            map.insert(name, value);
        }
        Ok(map)
    }

    /// Applies the TLS settings to a client under construction.
    pub fn apply_tls(&self, mut builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, String> {
        let tls = &self.tls;
        if let Some(path) = &tls.cacert {
            let pem = read(path, "CA bundle")?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| format!("CA bundle {}: not PEM certificates ({e})", path.display()))?;
            if certs.is_empty() {
                return Err(format!("CA bundle {}: no certificate in it", path.display()));
            }
            builder = builder.tls_built_in_root_certs(false);
            for c in certs {
                builder = builder.add_root_certificate(c);
            }
        }
        match (&tls.client_cert, &tls.client_key) {
            (Some(cert), Some(key)) => {
                let mut pem = read(cert, "client certificate")?;
                pem.push(b'\n');
                pem.extend(read(key, "client key")?);
                let identity = reqwest::Identity::from_pem(&pem).map_err(|e| {
                    format!("client certificate {} with key {}: unusable ({e})", cert.display(), key.display())
                })?;
                builder = builder.identity(identity);
            }
            (Some(_), None) => return Err("a client certificate needs its key too (--key / client_key)".into()),
            (None, Some(_)) => return Err("a client key needs its certificate too (--cert / client_cert)".into()),
            (None, None) => {}
        }
        if tls.insecure {
            builder = builder.danger_accept_invalid_certs(true);
        }
        Ok(builder)
    }
}

fn read(path: &Path, what: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read the {what} {}: {e}", path.display()))
}

/// Standard base64 with padding (RFC 4648), for the Basic scheme: too small a need for a crate.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (plain, encoded) in
            [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE=")]
        {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
        assert_eq!(base64(b"Aladdin:open sesame"), "QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    }

    #[test]
    fn credentials_become_sensitive_headers() {
        let access = Access {
            auth: Auth::Basic { username: "Aladdin".into(), password: Secret::new("open sesame") },
            headers: vec![
                Header { name: "X-Tenant".into(), value: Secret::new("eu"), secret: false },
                Header { name: "X-Api-Key".into(), value: Secret::new("k"), secret: true },
            ],
            tls: Tls::default(),
        };
        let map = access.default_headers().unwrap();
        assert_eq!(map[AUTHORIZATION], "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        assert!(map[AUTHORIZATION].is_sensitive());
        assert!(map["x-api-key"].is_sensitive());
        assert!(!map["x-tenant"].is_sensitive());
        // Debug output of the map hides sensitive values.
        assert!(!format!("{map:?}").contains("QWxh"));
    }

    #[test]
    fn bad_tls_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "").unwrap();
        let with = |tls: Tls| Access { tls, ..Access::default() }.apply_tls(reqwest::Client::builder()).err();
        let e = with(Tls { cacert: Some(dir.path().join("none.pem")), ..Tls::default() }).unwrap();
        assert!(e.contains("none.pem"), "{e}");
        let e = with(Tls { cacert: Some(empty.clone()), ..Tls::default() }).unwrap();
        assert!(e.contains("no certificate"), "{e}");
        let e = with(Tls { client_cert: Some(empty), ..Tls::default() }).unwrap();
        assert!(e.contains("needs its key"), "{e}");
    }
}
