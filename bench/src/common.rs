//! What every benchmark shares: a `peapod server` on a temp dir, HTTP/1.1 clients with the
//! admin token, raw watches, percentiles and RSS readings.

#![allow(dead_code)]

use anyhow::{bail, Context};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper::Request;
use hyper_util::rt::TokioIo;
use rustls::pki_types::{pem::PemObject, CertificateDer, ServerName};
use serde_json::Value;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::AsyncBufReadExt;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

pub struct Server {
    pub child: Child,
    pub dir: tempfile::TempDir,
    pub port: u16,
    pub token: String,
    pub tls: TlsConnector,
}

impl Drop for Server {
    fn drop(&mut self) {
        // Pods outlive a stopped server (it adopts them when it comes back): a benchmark that
        // ends early must not leave its pods, sandboxes and veths behind.
        let _ = Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(self.dir.path().join("kubeconfig.yaml"))
            .args([
                "delete",
                "pods",
                "--all",
                "--all-namespaces",
                "--grace-period=1",
                "--timeout=120s",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// Starts `bin server` with `extra` flags on a temp data dir and a free port.
pub fn start(bin: &Path, extra: &[&str]) -> anyhow::Result<Server> {
    let dir = tempfile::tempdir()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let child = Command::new(bin)
        .args(["server", "--data-dir"])
        .arg(dir.path())
        .args([
            "--api-port",
            &port.to_string(),
            "--bind-address",
            "127.0.0.1",
            "--node-name",
            "bench",
            "--node-ip",
            "127.0.0.1",
        ])
        .args(extra)
        // PEAPOD_BENCH_SERVER_ARGS="--flag value ..." adds server flags (e.g. to compare
        // --warm-sandboxes settings).
        .args(
            std::env::var("PEAPOD_BENCH_SERVER_ARGS")
                .unwrap_or_default()
                .split_whitespace(),
        )
        // PEAPOD_BENCH_SERVER_LOG=FILE keeps the server's log (with PEAPOD_LOG=debug, where the
        // time of a pod start goes).
        .stderr(match std::env::var_os("PEAPOD_BENCH_SERVER_LOG") {
            Some(f) => Stdio::from(std::fs::File::create(f)?),
            None => Stdio::null(),
        })
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    let start = Instant::now();
    while !dir.path().join("kubeconfig.yaml").exists() {
        if start.elapsed() > Duration::from_secs(20) {
            bail!("server did not start");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let token = std::fs::read_to_string(dir.path().join("pki/admin.token"))?
        .trim()
        .to_string();
    let ca = std::fs::read(dir.path().join("pki/ca.crt"))?;
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(&ca) {
        roots.add(c?)?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Server {
        child,
        dir,
        port,
        token,
        tls: TlsConnector::from(Arc::new(cfg)),
    })
}

/// One HTTP/1.1 keep-alive connection: a client.
pub struct Client {
    send: http1::SendRequest<Full<Bytes>>,
    token: String,
}

impl Server {
    pub async fn client(&self) -> anyhow::Result<Client> {
        let tcp = TcpStream::connect(("127.0.0.1", self.port)).await?;
        tcp.set_nodelay(true)?;
        let tls = self
            .tls
            .connect(ServerName::try_from("localhost")?, tcp)
            .await?;
        let (send, conn) = http1::handshake(TokioIo::new(tls)).await?;
        tokio::spawn(conn);
        Ok(Client {
            send,
            token: self.token.clone(),
        })
    }

    pub fn rss_kib(&self) -> u64 {
        rss_kib(self.child.id())
    }

    pub fn kubectl_get_pods_ms(&self, runs: usize) -> f64 {
        let mut times = Vec::new();
        for _ in 0..runs {
            let t = Instant::now();
            let out = Command::new("kubectl")
                .arg("--kubeconfig")
                .arg(self.dir.path().join("kubeconfig.yaml"))
                .args(["get", "pods"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            if out.map(|s| s.success()).unwrap_or(false) {
                times.push(t.elapsed().as_secs_f64() * 1000.0);
            }
        }
        percentile(&mut times, 50.0)
    }
}

impl Client {
    pub async fn call(
        &mut self,
        method: &str,
        path: &str,
        accept: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<(u16, Bytes)> {
        let data = body
            .map(|b| serde_json::to_vec(b).unwrap_or_default())
            .unwrap_or_default();
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "localhost")
            .header("authorization", format!("Bearer {}", self.token))
            .header("accept", accept)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(data)))?;
        self.send.ready().await?;
        let resp = self.send.send_request(req).await?;
        let status = resp.status().as_u16();
        let bytes = resp.into_body().collect().await?.to_bytes();
        Ok((status, bytes))
    }
}

pub fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let idx = ((p / 100.0) * (v.len() - 1) as f64).round() as usize;
    v[idx.min(v.len() - 1)]
}

/// A `Key:   123 kB` field of a /proc file, in KiB (0 when the process is gone).
fn proc_kib(path: &str, key: &str) -> u64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix(key)
                    .map(|v| v.trim().trim_end_matches("kB").trim().parse().unwrap_or(0))
            })
        })
        .unwrap_or(0)
}

/// RSS of a process in KiB.
pub fn rss_kib(pid: u32) -> u64 {
    proc_kib(&format!("/proc/{pid}/status"), "VmRSS:")
}

/// Proportional set size in KiB: shared pages (conmon's glib, catatonit's text) divided
/// among the processes mapping them — what a process really costs the machine.
pub fn pss_kib(pid: u32) -> u64 {
    proc_kib(&format!("/proc/{pid}/smaps_rollup"), "Pss:")
}

impl Server {
    /// A raw watch on `path` (`...?watch=1&...`) over its own connection: every event object
    /// with the instant it arrived. Events are one JSON document per line.
    pub async fn watch(
        &self,
        path: &str,
    ) -> anyhow::Result<tokio::sync::mpsc::UnboundedReceiver<(Value, Instant)>> {
        use tokio::io::AsyncWriteExt;
        let tcp = TcpStream::connect(("127.0.0.1", self.port)).await?;
        tcp.set_nodelay(true)?;
        let mut tls = self
            .tls
            .connect(ServerName::try_from("localhost")?, tcp)
            .await?;
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\nAccept: application/json\r\n\r\n",
            self.token
        );
        tls.write_all(req.as_bytes()).await?;
        let mut reader = tokio::io::BufReader::new(tls);
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut line = String::new();
            loop {
                line.clear();
                match reader.read_line(&mut line).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {
                        if let Ok(v) = serde_json::from_str::<Value>(line.trim()) {
                            if tx.send((v, Instant::now())).is_err() {
                                return;
                            }
                        }
                    }
                }
            }
        });
        Ok(rx)
    }
}
