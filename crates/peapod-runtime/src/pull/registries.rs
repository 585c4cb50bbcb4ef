//! Registry mirrors and credentials in k3s' `registries.yaml` format:
//!
//! ```yaml
//! mirrors:
//!   docker.io:
//!     endpoint: ["http://127.0.0.1:5000"]
//!   "*":
//!     endpoint: ["https://mirror.example"]
//! configs:
//!   "127.0.0.1:5000":
//!     auth: { username: u, password: p }      # or auth: <base64 user:pass>, identity_token
//!     tls: { ca_file: /path/ca.pem, insecure_skip_verify: false }
//! ```
//!
//! As in k3s/containerd, a registry's mirror endpoints are tried in order, then the registry
//! itself (docker.io → registry-1.docker.io) unless `--disable-default-registry-endpoint`.
//! `"*"` applies to registries without their own entry. Credentials and TLS settings are looked
//! up by the endpoint's host, then by the registry's name.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine;
use serde::Deserialize;

/// The parsed file.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistriesConfig {
    #[serde(default)]
    pub mirrors: BTreeMap<String, Mirror>,
    #[serde(default)]
    pub configs: BTreeMap<String, HostConfig>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mirror {
    #[serde(default)]
    pub endpoint: Vec<String>,
    /// k3s' repository rewrites (regular expressions); not supported, rejected at load.
    #[serde(default)]
    pub rewrite: BTreeMap<String, String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostConfig {
    pub auth: Option<AuthConfig>,
    pub tls: Option<TlsConfig>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    pub username: Option<String>,
    pub password: Option<String>,
    /// base64 of `username:password`, as in a docker config.json.
    pub auth: Option<String>,
    /// A bearer token sent as is.
    pub identity_token: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    pub ca_file: Option<PathBuf>,
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
    #[serde(default)]
    pub insecure_skip_verify: bool,
}

/// Credentials for one endpoint.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    Anonymous,
    Basic(String, String),
    Bearer(String),
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Anonymous => f.write_str("Anonymous"),
            Credentials::Basic(user, _) => write!(f, "Basic({user}, <redacted>)"),
            Credentials::Bearer(_) => f.write_str("Bearer(<redacted>)"),
        }
    }
}

/// One place to pull a registry's content from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `127.0.0.1:5000`, `registry-1.docker.io`.
    pub host: String,
    /// Plain HTTP (an `http://` endpoint).
    pub plain_http: bool,
    pub credentials: Credentials,
    /// PEM data of extra trusted CAs.
    pub ca_pem: Option<Vec<u8>>,
    pub insecure_skip_verify: bool,
}

impl RegistriesConfig {
    /// Reads and checks a registries.yaml; errors name the file and the offending key.
    pub fn load(path: &Path) -> Result<RegistriesConfig, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<RegistriesConfig, String> {
        if text.trim().is_empty() {
            return Ok(RegistriesConfig::default());
        }
        let cfg: RegistriesConfig = serde_saphyr::from_str(text).map_err(|e| e.to_string())?;
        for (name, mirror) in &cfg.mirrors {
            if !mirror.rewrite.is_empty() {
                return Err(format!(
                    "mirrors.{name}.rewrite: repository rewrites are not supported; remove it"
                ));
            }
            for (i, ep) in mirror.endpoint.iter().enumerate() {
                parse_endpoint(ep).map_err(|e| format!("mirrors.{name}.endpoint[{i}]: {e}"))?;
            }
        }
        for (host, c) in &cfg.configs {
            if let Some(tls) = &c.tls {
                if tls.cert_file.is_some() || tls.key_file.is_some() {
                    return Err(format!(
                        "configs.{host}.tls: client certificates (cert_file, key_file) are not supported"
                    ));
                }
                if let Some(ca) = &tls.ca_file {
                    std::fs::metadata(ca)
                        .map_err(|e| format!("configs.{host}.tls.ca_file {}: {e}", ca.display()))?;
                }
            }
            if let Some(auth) = &c.auth {
                auth.credentials()
                    .map_err(|e| format!("configs.{host}.auth: {e}"))?;
            }
        }
        Ok(cfg)
    }

    /// Where to pull `registry`'s content from, in order.
    pub fn endpoints(&self, registry: &str, default_endpoint: bool) -> Vec<Endpoint> {
        let mirror = self.mirrors.get(registry).or_else(|| self.mirrors.get("*"));
        let mut out: Vec<Endpoint> = mirror
            .map(|m| m.endpoint.as_slice())
            .unwrap_or_default()
            .iter()
            .filter_map(|ep| parse_endpoint(ep).ok())
            .map(|(host, plain_http)| self.endpoint(registry, host, plain_http))
            .collect();
        if default_endpoint {
            let host = if registry == "docker.io" {
                "registry-1.docker.io".to_string()
            } else {
                registry.to_string()
            };
            if !out.iter().any(|e| e.host == host) {
                out.push(self.endpoint(registry, host, false));
            }
        }
        out
    }

    fn endpoint(&self, registry: &str, host: String, plain_http: bool) -> Endpoint {
        let cfg = self
            .configs
            .get(&host)
            .or_else(|| self.configs.get(registry));
        let credentials = cfg
            .and_then(|c| c.auth.as_ref())
            .and_then(|a| a.credentials().ok())
            .unwrap_or(Credentials::Anonymous);
        let tls = cfg.and_then(|c| c.tls.as_ref());
        Endpoint {
            ca_pem: tls
                .and_then(|t| t.ca_file.as_ref())
                .and_then(|p| std::fs::read(p).ok()),
            insecure_skip_verify: tls.is_some_and(|t| t.insecure_skip_verify),
            plain_http,
            credentials,
            host,
        }
    }
}

impl AuthConfig {
    fn credentials(&self) -> Result<Credentials, String> {
        if let Some(token) = &self.identity_token {
            return Ok(Credentials::Bearer(token.clone()));
        }
        if let Some(encoded) = &self.auth {
            let raw = base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .map_err(|e| format!("auth is not base64: {e}"))?;
            let text = String::from_utf8(raw).map_err(|_| "auth is not UTF-8".to_string())?;
            let (user, pass) = text
                .split_once(':')
                .ok_or("auth must encode username:password")?;
            return Ok(Credentials::Basic(user.into(), pass.into()));
        }
        match (&self.username, &self.password) {
            (Some(u), Some(p)) => Ok(Credentials::Basic(u.clone(), p.clone())),
            (None, None) => Ok(Credentials::Anonymous),
            _ => Err("username and password must be given together".into()),
        }
    }
}

/// `http://host:port`, `https://host`, or a bare `host[:port]` (HTTPS); a path other than
/// `/` or `/v2` is not supported.
fn parse_endpoint(ep: &str) -> Result<(String, bool), String> {
    let (rest, plain_http) = if let Some(r) = ep.strip_prefix("http://") {
        (r, true)
    } else if let Some(r) = ep.strip_prefix("https://") {
        (r, false)
    } else if ep.contains("://") {
        return Err(format!("{ep:?}: the scheme must be http or https"));
    } else {
        (ep, false)
    };
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if !matches!(path.trim_end_matches('/'), "" | "/v2") {
        return Err(format!("{ep:?}: endpoint paths ({path}) are not supported"));
    }
    if host.is_empty()
        || !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
    {
        return Err(format!("{ep:?}: invalid host"));
    }
    Ok((host.to_string(), plain_http))
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = r#"
mirrors:
  docker.io:
    endpoint:
      - "http://127.0.0.1:5000"
      - "https://mirror.local/v2"
  "*":
    endpoint: ["wild.local:8443"]
configs:
  "127.0.0.1:5000":
    auth:
      username: alice
      password: secret
  "mirror.local":
    auth:
      auth: Ym9iOnB3
  quay.io:
    auth:
      identity_token: tok
"#;

    #[test]
    fn mirrors_in_order_then_the_default_endpoint() {
        let cfg = RegistriesConfig::parse(YAML).unwrap();
        let eps = cfg.endpoints("docker.io", true);
        let hosts: Vec<_> = eps
            .iter()
            .map(|e| (e.host.as_str(), e.plain_http))
            .collect();
        assert_eq!(
            hosts,
            [
                ("127.0.0.1:5000", true),
                ("mirror.local", false),
                ("registry-1.docker.io", false)
            ]
        );
        assert_eq!(
            eps[0].credentials,
            Credentials::Basic("alice".into(), "secret".into())
        );
        assert_eq!(
            eps[1].credentials,
            Credentials::Basic("bob".into(), "pw".into())
        );
        assert_eq!(eps[2].credentials, Credentials::Anonymous);
        let hosts: Vec<_> = cfg
            .endpoints("docker.io", false)
            .into_iter()
            .map(|e| e.host)
            .collect();
        assert_eq!(hosts, ["127.0.0.1:5000", "mirror.local"]);
    }

    #[test]
    fn wildcard_mirror_and_registry_credentials() {
        let cfg = RegistriesConfig::parse(YAML).unwrap();
        let eps = cfg.endpoints("quay.io", true);
        assert_eq!(eps[0].host, "wild.local:8443");
        assert_eq!(eps[1].host, "quay.io");
        assert_eq!(eps[1].credentials, Credentials::Bearer("tok".into()));
    }

    #[test]
    fn no_config_means_the_registry_itself() {
        let cfg = RegistriesConfig::default();
        let eps = cfg.endpoints("localhost:5000", true);
        assert_eq!(eps.len(), 1);
        assert_eq!(eps[0].host, "localhost:5000");
        assert!(cfg.endpoints("localhost:5000", false).is_empty());
    }

    #[test]
    fn bad_input_names_the_key() {
        let err =
            RegistriesConfig::parse("mirrors:\n  docker.io:\n    endpoints: [x]\n").unwrap_err();
        assert!(err.contains("endpoints"), "{err}");
        let err = RegistriesConfig::parse("mirrors:\n  docker.io:\n    endpoint: [\"ftp://x\"]\n")
            .unwrap_err();
        assert!(err.contains("mirrors.docker.io.endpoint[0]"), "{err}");
        let err =
            RegistriesConfig::parse("configs:\n  x:\n    auth:\n      username: u\n").unwrap_err();
        assert!(err.contains("configs.x.auth"), "{err}");
        let err = RegistriesConfig::parse(
            "mirrors:\n  docker.io:\n    rewrite:\n      \"^a/(.*)\": \"b/$1\"\n",
        )
        .unwrap_err();
        assert!(err.contains("rewrite"), "{err}");
    }
}
