//! The cluster's PKI and admin credentials, created in the data dir on first start: a CA, a
//! serving certificate signed by it, and a random admin bearer token; plus the admin kubeconfig.
//! Directories are 0700 and secrets 0600; everything is written atomically (temp file + rename).

use base64::Engine;
use rand::Rng;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("generating certificates: {0}")]
    Cert(#[from] rcgen::Error),
    #[error("TLS configuration: {0}")]
    Tls(String),
    #[error("{0}: not a valid PEM file")]
    Pem(PathBuf),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PkiError + '_ {
    move |source| PkiError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes a file durably and atomically with the given mode.
pub fn write_file_atomic(path: &Path, data: &[u8], mode: u32) -> Result<(), PkiError> {
    let tmp = path.with_extension("tmp");
    {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(mode)
            .open(&tmp)
            .map_err(io(&tmp))?;
        f.write_all(data).map_err(io(&tmp))?;
        f.sync_all().map_err(io(&tmp))?;
    }
    fs::set_permissions(&tmp, fs::Permissions::from_mode(mode)).map_err(io(&tmp))?;
    fs::rename(&tmp, path).map_err(io(path))?;
    if let Some(dir) = path.parent() {
        // Make the rename itself durable.
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// Creates a directory (and parents) with mode 0700.
pub fn ensure_private_dir(dir: &Path) -> Result<(), PkiError> {
    fs::create_dir_all(dir).map_err(io(dir))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(io(dir))
}

/// What the API server needs to serve TLS and authenticate its admin.
pub struct Pki {
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
    pub admin_token: String,
}

fn random_token() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn new_ca() -> Result<(String, KeyPair, CertificateParams), PkiError> {
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "peapod-ca");
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.not_before = rcgen::date_time_ymd(2024, 1, 1);
    params.not_after = rcgen::date_time_ymd(2036, 1, 1);
    let cert = params.self_signed(&key)?;
    Ok((cert.pem(), key, params))
}

impl Pki {
    /// Loads the PKI from `dir/pki`, creating whatever is missing. `sans` are the DNS names and
    /// IPs the serving certificate must cover.
    pub fn load_or_create(data_dir: &Path, sans: &[String]) -> Result<Pki, PkiError> {
        let dir = data_dir.join("pki");
        ensure_private_dir(&dir)?;
        let (ca_crt, ca_key) = (dir.join("ca.crt"), dir.join("ca.key"));
        let (srv_crt, srv_key) = (dir.join("apiserver.crt"), dir.join("apiserver.key"));
        let token_path = dir.join("admin.token");
        if !(ca_crt.exists() && ca_key.exists() && srv_crt.exists() && srv_key.exists()) {
            let (ca_pem, ca_keypair, ca_params) = new_ca()?;
            let issuer = Issuer::new(ca_params, ca_keypair);
            let key = KeyPair::generate()?;
            let mut params = CertificateParams::new(sans.to_vec())?;
            let mut dn = DistinguishedName::new();
            dn.push(DnType::CommonName, "peapod-apiserver");
            params.distinguished_name = dn;
            params.not_before = rcgen::date_time_ymd(2024, 1, 1);
            params.not_after = rcgen::date_time_ymd(2036, 1, 1);
            params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
            let cert = params.signed_by(&key, &issuer)?;
            write_file_atomic(&ca_key, issuer.key().serialize_pem().as_bytes(), 0o600)?;
            write_file_atomic(&srv_key, key.serialize_pem().as_bytes(), 0o600)?;
            write_file_atomic(&srv_crt, cert.pem().as_bytes(), 0o644)?;
            // The CA certificate last: its presence marks a complete set.
            write_file_atomic(&ca_crt, ca_pem.as_bytes(), 0o644)?;
        }
        if !token_path.exists() {
            write_file_atomic(&token_path, random_token().as_bytes(), 0o600)?;
        }
        let read = |p: &Path| fs::read_to_string(p).map_err(io(p));
        Ok(Pki {
            ca_pem: read(&ca_crt)?,
            cert_pem: read(&srv_crt)?,
            key_pem: read(&srv_key)?,
            admin_token: read(&token_path)?.trim().to_string(),
        })
    }

    /// The admin kubeconfig for `server` (e.g. `https://127.0.0.1:6443`).
    pub fn kubeconfig(&self, server: &str) -> String {
        let ca = base64::engine::general_purpose::STANDARD.encode(self.ca_pem.as_bytes());
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: peapod\n  cluster:\n    server: {server}\n    certificate-authority-data: {ca}\ncontexts:\n- name: peapod\n  context:\n    cluster: peapod\n    user: admin\n    namespace: default\ncurrent-context: peapod\nusers:\n- name: admin\n  user:\n    token: {}\npreferences: {{}}\n",
            self.admin_token
        )
    }

    /// rustls server config: TLS 1.2/1.3, h2 and http/1.1 by ALPN.
    pub fn server_config(&self) -> Result<rustls::ServerConfig, PkiError> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let certs: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(self.cert_pem.as_bytes())
                .collect::<Result<_, _>>()
                .map_err(|_| PkiError::Pem("apiserver.crt".into()))?;
        let key = PrivateKeyDer::from_pem_slice(self.key_pem.as_bytes())
            .map_err(|_| PkiError::Pem("apiserver.key".into()))?;
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| PkiError::Tls(e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|_| PkiError::Pem("apiserver.crt/apiserver.key".into()))?;
        cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_private_pki_once() {
        let dir = tempfile::tempdir().unwrap();
        let sans = vec!["localhost".to_string(), "127.0.0.1".to_string()];
        let a = Pki::load_or_create(dir.path(), &sans).unwrap();
        let b = Pki::load_or_create(dir.path(), &sans).unwrap();
        assert_eq!(a.ca_pem, b.ca_pem);
        assert_eq!(a.admin_token, b.admin_token);
        let mode = fs::metadata(dir.path().join("pki/ca.key"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
        let mode = fs::metadata(dir.path().join("pki"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o700);
        assert!(a.server_config().is_ok());
        assert!(a.kubeconfig("https://127.0.0.1:6443").contains("token: "));
    }
}
