//! Pulling images from OCI distribution registries into the image store (the part of
//! containerd's CRI plugin behind `PullImage`). The wire protocol, token auth (the
//! `WWW-Authenticate: Bearer` dance) and basic auth come from oci-client; this module picks the
//! endpoints (registries.yaml mirrors), the platform of a multi-arch index, streams every blob
//! through the store's verified staging path and reports progress.
//!
//! Invariants: a pull that fails anywhere leaves the store unchanged (the staging is dropped);
//! blobs already in the store are not downloaded again; concurrent pulls of one reference
//! share a single download.

pub mod registries;

use std::collections::HashMap;
use std::io::{self, Read};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use oci_client::client::{Certificate, CertificateEncoding, ClientConfig, ClientProtocol};
use oci_client::manifest::OciDescriptor;
use oci_client::secrets::RegistryAuth;
use oci_spec::image::{ImageIndex, ImageManifest};

use crate::image::{ImageStore, Reference, Staging};
use registries::{Credentials, Endpoint, RegistriesConfig};

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// How `describe` ends an endpoint's error when the manifest or repository does not exist.
const NOT_FOUND: &str = ": not found";
const ACCEPT: &[&str] = &[OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST];

/// What a pull reports while it runs.
#[derive(Debug, Clone)]
pub enum PullEvent {
    /// The manifest was found at `endpoint`; `total` bytes of blobs are to be fetched.
    Resolved {
        endpoint: String,
        manifest_digest: String,
        blobs: usize,
        total: u64,
    },
    /// Bytes of one blob received so far.
    Progress {
        digest: String,
        done: u64,
        total: u64,
    },
    /// A blob the store already had.
    Present { digest: String, size: u64 },
}

pub type ProgressFn = Arc<dyn Fn(&PullEvent) + Send + Sync>;

/// A finished pull.
#[derive(Debug, Clone)]
pub struct Pulled {
    /// The normalised name the image is stored under.
    pub name: String,
    pub manifest_digest: String,
    /// Bytes of the manifest's config and layers (compressed, as in the registry).
    pub size: u64,
}

/// A failed pull; the message reads like containerd's, so `kubectl describe` shows the same.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct PullError(pub String);

/// Pulls images into one store; shared by every pod worker.
pub struct Puller {
    store: Arc<ImageStore>,
    config: RegistriesConfig,
    default_endpoint: bool,
    clients: Mutex<HashMap<String, Arc<oci_client::Client>>>,
    inflight: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl Puller {
    /// `default_endpoint`: after the mirrors, try the registry itself (k3s' default).
    pub fn new(store: Arc<ImageStore>, config: RegistriesConfig, default_endpoint: bool) -> Self {
        // oci-client is built without a rustls crypto provider; use ring as everything else.
        let _ = rustls::crypto::ring::default_provider().install_default();
        Puller {
            store,
            config,
            default_endpoint,
            clients: Mutex::new(HashMap::new()),
            inflight: Mutex::new(HashMap::new()),
        }
    }

    /// Pulls `reference` (normalised like Kubernetes) from its registry or mirrors and stores it.
    pub async fn pull(
        &self,
        reference: &str,
        progress: Option<ProgressFn>,
    ) -> Result<Pulled, PullError> {
        let r = Reference::parse(reference).map_err(|e| PullError(e.to_string()))?;
        let name = r.to_string();
        let lock = {
            let mut inflight = self.inflight.lock().unwrap();
            inflight.entry(name.clone()).or_default().clone()
        };
        let result = {
            let _guard = lock.lock().await;
            self.pull_locked(&r, &name, progress).await
        };
        let mut inflight = self.inflight.lock().unwrap();
        if Arc::strong_count(&lock) <= 2 {
            inflight.remove(&name);
        }
        result
    }

    async fn pull_locked(
        &self,
        r: &Reference,
        name: &str,
        progress: Option<ProgressFn>,
    ) -> Result<Pulled, PullError> {
        let endpoints = self.config.endpoints(&r.registry, self.default_endpoint);
        let fail = |why: String| {
            PullError(format!(
                "failed to pull and unpack image \"{name}\": failed to resolve reference \"{name}\": {why}"
            ))
        };
        if endpoints.is_empty() {
            return Err(fail(format!(
                "no endpoint for registry {}: it has no mirror and the default endpoint is disabled",
                r.registry
            )));
        }
        let mut errors = Vec::new();
        for ep in &endpoints {
            match self.pull_from(ep, r, name, progress.as_ref()).await {
                Ok(p) => return Ok(p),
                Err(e) => {
                    tracing::info!(image = %name, endpoint = %ep.host, error = %e, "pull from endpoint failed");
                    errors.push(e);
                }
            }
        }
        if errors.iter().all(|e| e.ends_with(NOT_FOUND)) {
            // containerd's words when no endpoint has the reference.
            return Err(fail(format!("{name}{NOT_FOUND}")));
        }
        Err(fail(errors.join("; ")))
    }

    fn client(&self, ep: &Endpoint) -> Arc<oci_client::Client> {
        let key = format!(
            "{}|{}|{}|{:?}",
            ep.host, ep.plain_http, ep.insecure_skip_verify, ep.credentials
        );
        let mut clients = self.clients.lock().unwrap();
        clients
            .entry(key)
            .or_insert_with(|| {
                Arc::new(oci_client::Client::new(ClientConfig {
                    protocol: if ep.plain_http {
                        ClientProtocol::Http
                    } else {
                        ClientProtocol::Https
                    },
                    accept_invalid_certificates: ep.insecure_skip_verify,
                    extra_root_certificates: ep
                        .ca_pem
                        .iter()
                        .map(|pem| Certificate {
                            encoding: CertificateEncoding::Pem,
                            data: pem.clone(),
                        })
                        .collect(),
                    // Indexes are resolved here, so the platform can be named in errors.
                    platform_resolver: None,
                    connect_timeout: Some(Duration::from_secs(10)),
                    read_timeout: Some(Duration::from_secs(60)),
                    user_agent: concat!("peapod/", env!("CARGO_PKG_VERSION")),
                    ..Default::default()
                }))
            })
            .clone()
    }

    async fn pull_from(
        &self,
        ep: &Endpoint,
        r: &Reference,
        name: &str,
        progress: Option<&ProgressFn>,
    ) -> Result<Pulled, String> {
        let client = self.client(ep);
        let auth = match &ep.credentials {
            Credentials::Anonymous => RegistryAuth::Anonymous,
            Credentials::Basic(u, p) => RegistryAuth::Basic(u.clone(), p.clone()),
            Credentials::Bearer(t) => RegistryAuth::Bearer(t.clone()),
        };
        let remote = |tag: Option<&str>, digest: Option<&str>| match (tag, digest) {
            (_, Some(d)) => oci_client::Reference::with_digest(
                ep.host.clone(),
                r.repository.clone(),
                d.to_string(),
            ),
            (t, None) => oci_client::Reference::with_tag(
                ep.host.clone(),
                r.repository.clone(),
                t.unwrap_or(crate::image::DEFAULT_TAG).to_string(),
            ),
        };
        let oref = remote(r.tag.as_deref(), r.digest.as_deref());
        let (mut bytes, mut digest) = client
            .pull_manifest_raw(&oref, &auth, ACCEPT)
            .await
            .map_err(|e| format!("{}: {}", ep.host, describe(&e)))?;
        check_digest(&bytes, &digest).map_err(|e| format!("{}: manifest: {e}", ep.host))?;
        if is_index(&bytes) {
            let index = ImageIndex::from_reader(&bytes[..])
                .map_err(|e| format!("{}: invalid index {digest}: {e}", ep.host))?;
            let chosen = choose_platform(&index).ok_or_else(|| {
                format!(
                    "{}: no manifest for platform linux/{} in index {digest}",
                    ep.host,
                    arch()
                )
            })?;
            let pref = remote(None, Some(&chosen));
            let (b, d) = client
                .pull_manifest_raw(&pref, &auth, ACCEPT)
                .await
                .map_err(|e| format!("{}: {}", ep.host, describe(&e)))?;
            check_digest(&b, &d).map_err(|e| format!("{}: manifest: {e}", ep.host))?;
            if d != chosen {
                return Err(format!(
                    "{}: index names manifest {chosen} but the registry sent {d}",
                    ep.host
                ));
            }
            bytes = b;
            digest = d;
        }
        let manifest = ImageManifest::from_reader(&bytes[..])
            .map_err(|e| format!("{}: invalid manifest {digest}: {e}", ep.host))?;
        let mut blobs = vec![manifest.config().clone()];
        blobs.extend(manifest.layers().iter().cloned());
        let size: u64 = blobs.iter().map(|d| d.size()).sum();

        let store = self.store.clone();
        let origin = format!("{}/{}", ep.host, r.repository);
        let mut staging = tokio::task::spawn_blocking(move || store.staging(&origin))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        let manifest_digest = staging
            .put_bytes("manifest", &bytes)
            .map_err(|e| e.to_string())?;
        if let Some(p) = progress {
            p(&PullEvent::Resolved {
                endpoint: ep.host.clone(),
                manifest_digest: manifest_digest.clone(),
                blobs: blobs.len(),
                total: size,
            });
        }
        for desc in &blobs {
            let blob_digest = desc.digest().to_string();
            if staging.contains(&blob_digest) {
                if let Some(p) = progress {
                    p(&PullEvent::Present {
                        digest: blob_digest,
                        size: desc.size(),
                    });
                }
                continue;
            }
            let odesc = OciDescriptor {
                media_type: desc.media_type().to_string(),
                digest: blob_digest.clone(),
                size: desc.size() as i64,
                ..Default::default()
            };
            let stream = client
                .pull_blob_stream(&oref, &odesc)
                .await
                .map_err(|e| format!("{}: blob {blob_digest}: {}", ep.host, describe(&e)))?;
            staging = fetch_blob(staging, stream.stream, desc.size(), &blob_digest, progress)
                .await
                .map_err(|e| format!("{}: blob {blob_digest}: {e}", ep.host))?;
        }
        let store = self.store.clone();
        let named = r.clone();
        let md = manifest_digest.clone();
        tokio::task::spawn_blocking(move || {
            staging.add_image(&named, &md)?;
            store.commit(staging)
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("{}: {e}", ep.host))?;
        Ok(Pulled {
            name: name.to_string(),
            manifest_digest,
            size,
        })
    }
}

/// Streams one blob into the staging on a blocking thread (the store's writes are
/// synchronous) while the async side feeds it chunks and reports progress.
async fn fetch_blob(
    mut staging: Staging,
    mut stream: futures::stream::BoxStream<'static, io::Result<Bytes>>,
    size: u64,
    digest: &str,
    progress: Option<&ProgressFn>,
) -> Result<Staging, String> {
    let (tx, rx) = tokio::sync::mpsc::channel::<io::Result<Bytes>>(16);
    let label = digest.to_string();
    let expected = digest.to_string();
    let writer = tokio::task::spawn_blocking(move || {
        let reader = ChannelReader {
            rx,
            chunk: Bytes::new(),
        };
        let r = staging.put_blob(&label, reader, Some(&expected), Some(size));
        (staging, r)
    });
    let mut done = 0u64;
    let mut last_report = 0u64;
    while let Some(chunk) = stream.next().await {
        if let Ok(c) = &chunk {
            done += c.len() as u64;
        }
        let failed = chunk.is_err();
        if tx.send(chunk).await.is_err() || failed {
            break;
        }
        if let Some(p) = progress {
            // Report every 256 KiB and at the end, not every network read.
            if done - last_report >= 256 << 10 || done == size {
                last_report = done;
                p(&PullEvent::Progress {
                    digest: digest.to_string(),
                    done,
                    total: size,
                });
            }
        }
    }
    drop(tx);
    let (staging, result) = writer.await.map_err(|e| e.to_string())?;
    result.map_err(|e| e.to_string())?;
    Ok(staging)
}

/// `Read` over chunks from a channel; the end of the channel is the end of the blob.
struct ChannelReader {
    rx: tokio::sync::mpsc::Receiver<io::Result<Bytes>>,
    chunk: Bytes,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.chunk.is_empty() {
            match self.rx.blocking_recv() {
                Some(Ok(c)) => self.chunk = c,
                Some(Err(e)) => return Err(e),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len());
        buf[..n].copy_from_slice(&self.chunk.split_to(n));
        Ok(n)
    }
}

fn check_digest(bytes: &[u8], digest: &str) -> Result<(), String> {
    use sha2::{Digest, Sha256};
    let actual = format!("sha256:{}", hex::encode(Sha256::digest(bytes)));
    if actual != digest {
        return Err(format!("digest mismatch: expected {digest}, got {actual}"));
    }
    Ok(())
}

fn is_index(bytes: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Probe {
        #[serde(rename = "mediaType")]
        media_type: Option<String>,
        manifests: Option<serde_json::Value>,
    }
    match serde_json::from_slice::<Probe>(bytes) {
        Ok(p) => match p.media_type.as_deref() {
            Some(OCI_INDEX) | Some(DOCKER_LIST) => true,
            Some(_) => false,
            None => p.manifests.is_some(),
        },
        Err(_) => false,
    }
}

/// The GOARCH name of this machine.
fn arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "arm" => "arm",
        "powerpc64" => "ppc64le",
        "s390x" => "s390x",
        "riscv64" => "riscv64",
        other => other,
    }
}

/// The index entry for linux on this architecture.
fn choose_platform(index: &ImageIndex) -> Option<String> {
    index
        .manifests()
        .iter()
        .find(|m| {
            m.platform().as_ref().is_some_and(|p| {
                p.os().to_string() == "linux" && p.architecture().to_string() == arch()
            })
        })
        .map(|m| m.digest().to_string())
}

/// Registry errors as a person reads them: "not found", "unauthorized", the HTTP failure.
fn describe(e: &oci_client::errors::OciDistributionError) -> String {
    use oci_client::errors::OciDistributionError as E;
    match e {
        E::ImageManifestNotFoundError(_) => NOT_FOUND[2..].into(),
        E::RegistryError { envelope, .. } => {
            use oci_client::errors::OciErrorCode as C;
            if envelope
                .errors
                .iter()
                .any(|e| matches!(e.code, C::ManifestUnknown | C::NameUnknown))
            {
                return NOT_FOUND[2..].into();
            }
            let msgs: Vec<String> = envelope
                .errors
                .iter()
                .map(|e| match e.code {
                    C::Unauthorized | C::Denied => format!("unauthorized: {}", e.message),
                    _ => e.message.clone(),
                })
                .collect();
            msgs.join("; ")
        }
        E::UnauthorizedError { .. } | E::AuthenticationFailure(_) => {
            format!("unauthorized: {e}")
        }
        E::RequestError(re) => {
            // reqwest's Display hides the cause ("error sending request"); show the chain.
            let mut msg = re.to_string();
            let mut src = std::error::Error::source(re);
            while let Some(s) = src {
                msg.push_str(": ");
                msg.push_str(&s.to_string());
                src = s.source();
            }
            msg
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_detection() {
        assert!(is_index(
            br#"{"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#
        ));
        assert!(is_index(br#"{"schemaVersion":2,"manifests":[]}"#));
        assert!(!is_index(
            br#"{"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}"#
        ));
    }

    #[test]
    fn platform_choice() {
        let index: ImageIndex = serde_json::from_str(&format!(
            r#"{{"schemaVersion":2,"manifests":[
              {{"mediaType":"{OCI_MANIFEST}","size":1,"digest":"sha256:{a}","platform":{{"os":"linux","architecture":"s390x"}}}},
              {{"mediaType":"{OCI_MANIFEST}","size":1,"digest":"sha256:{b}","platform":{{"os":"linux","architecture":"{arch}"}}}}]}}"#,
            a = "a".repeat(64),
            b = "b".repeat(64),
            arch = arch()
        ))
        .unwrap();
        assert_eq!(
            choose_platform(&index),
            Some(format!("sha256:{}", "b".repeat(64)))
        );
    }

    #[test]
    fn channel_reader_reassembles_chunks() {
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        tx.blocking_send(Ok(Bytes::from_static(b"hello "))).unwrap();
        tx.blocking_send(Ok(Bytes::from_static(b"world"))).unwrap();
        drop(tx);
        let mut out = String::new();
        ChannelReader {
            rx,
            chunk: Bytes::new(),
        }
        .read_to_string(&mut out)
        .unwrap();
        assert_eq!(out, "hello world");
    }
}
