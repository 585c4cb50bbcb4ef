//! API server benchmark: 1,000 pods created by 32 concurrent clients (creates/s, latency), get and
//! list latency as JSON and as Table, watch delivery latency, `kubectl get pods` over 10 vs 1,000
//! pods, and the server's RSS idle and after load. Starts its own `peapod server` on a temp dir.
//!
//! Usage: cargo run --release -p peapod-bench --bin apiserver-bench [-- PEAPOD_BINARY]

use anyhow::{bail, Context};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper::Request;
use hyper_util::rt::TokioIo;
use rustls::pki_types::{pem::PemObject, CertificateDer, ServerName};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::AsyncBufReadExt;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

const PODS: usize = 1000;
const CLIENTS: usize = 32;
const TABLE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

struct Server {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
    token: String,
    tls: TlsConnector,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

fn start(bin: &Path) -> anyhow::Result<Server> {
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
            // The API server alone: no agent trying to run the 1,000 pods.
            "--no-node",
        ])
        .stderr(Stdio::null())
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
struct Client {
    send: http1::SendRequest<Full<Bytes>>,
    token: String,
}

impl Server {
    async fn client(&self) -> anyhow::Result<Client> {
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

    fn rss_kib(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .ok()
            .and_then(|s| {
                s.lines().find_map(|l| {
                    l.strip_prefix("VmRSS:")
                        .map(|v| v.trim().trim_end_matches("kB").trim().parse().unwrap_or(0))
                })
            })
            .unwrap_or(0)
    }

    fn kubectl_get_pods_ms(&self, runs: usize) -> f64 {
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
    async fn call(
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

fn pod(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": "bench"}},
        "spec": {"containers": [{"name": "app", "image": "myapp:v1", "ports": [{"containerPort": 80}]}]}})
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let idx = ((p / 100.0) * (v.len() - 1) as f64).round() as usize;
    v[idx.min(v.len() - 1)]
}

async fn latency(
    server: &Server,
    n: usize,
    path: impl Fn(usize) -> String,
    accept: &str,
) -> anyhow::Result<(f64, f64)> {
    let mut c = server.client().await?;
    let mut times = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        let (code, _) = c.call("GET", &path(i), accept, None).await?;
        if code != 200 {
            bail!("GET {} -> {code}", path(i));
        }
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    Ok((percentile(&mut times, 50.0), percentile(&mut times, 99.0)))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let bin: PathBuf = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/release/peapod"));
    let server = start(&bin)?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle_rss = server.rss_kib();
    let mut report = serde_json::Map::new();
    report.insert("idle_rss_mib".into(), json!(idle_rss as f64 / 1024.0));

    // kubectl get pods over 10 pods.
    {
        let mut c = server.client().await?;
        for i in 0..10 {
            c.call(
                "POST",
                "/api/v1/namespaces/default/pods",
                "application/json",
                Some(&pod(&format!("small-{i}"))),
            )
            .await?;
        }
    }
    let kubectl_10 = server.kubectl_get_pods_ms(10);

    // 1,000 creates from 32 clients.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for client in 0..CLIENTS {
        let mut c = server.client().await?;
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut i = client;
            while i < PODS {
                let t = Instant::now();
                let (code, body) = c
                    .call(
                        "POST",
                        "/api/v1/namespaces/default/pods",
                        "application/json",
                        Some(&pod(&format!("p-{i:04}"))),
                    )
                    .await?;
                if code != 201 {
                    bail!("create -> {code}: {}", String::from_utf8_lossy(&body));
                }
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
                i += CLIENTS;
            }
            Ok::<_, anyhow::Error>(lat)
        }));
    }
    let mut create_lat = Vec::new();
    for t in tasks {
        create_lat.extend(t.await??);
    }
    let secs = started.elapsed().as_secs_f64();
    report.insert("creates_per_sec".into(), json!(PODS as f64 / secs));
    report.insert(
        "create_p50_ms".into(),
        json!(percentile(&mut create_lat, 50.0)),
    );
    report.insert(
        "create_p99_ms".into(),
        json!(percentile(&mut create_lat, 99.0)),
    );

    let (p50, p99) = latency(
        &server,
        1000,
        |i| format!("/api/v1/namespaces/default/pods/p-{:04}", i % PODS),
        "application/json",
    )
    .await?;
    report.insert("get_json_p50_ms".into(), json!(p50));
    report.insert("get_json_p99_ms".into(), json!(p99));
    let (p50, p99) = latency(
        &server,
        1000,
        |i| format!("/api/v1/namespaces/default/pods/p-{:04}", i % PODS),
        TABLE,
    )
    .await?;
    report.insert("get_table_p50_ms".into(), json!(p50));
    report.insert("get_table_p99_ms".into(), json!(p99));
    let (p50, p99) = latency(
        &server,
        50,
        |_| "/api/v1/namespaces/default/pods".into(),
        "application/json",
    )
    .await?;
    report.insert("list_json_1010_p50_ms".into(), json!(p50));
    report.insert("list_json_1010_p99_ms".into(), json!(p99));
    let (p50, p99) = latency(
        &server,
        50,
        |_| "/api/v1/namespaces/default/pods?limit=500".into(),
        TABLE,
    )
    .await?;
    report.insert("list_table_500_p50_ms".into(), json!(p50));
    report.insert("list_table_500_p99_ms".into(), json!(p99));
    let (p50, p99) = latency(
        &server,
        50,
        |_| "/api/v1/namespaces/default/pods".into(),
        TABLE,
    )
    .await?;
    report.insert("list_table_1010_p50_ms".into(), json!(p50));
    report.insert("list_table_1010_p99_ms".into(), json!(p99));

    // Watch delivery: time from a create's response to its event on an open watch.
    let watch_lat = watch_latency(&server, 200).await?;
    report.insert("watch_delivery_p50_ms".into(), json!(watch_lat.0));
    report.insert("watch_delivery_p99_ms".into(), json!(watch_lat.1));

    let kubectl_1000 = server.kubectl_get_pods_ms(10);
    report.insert("kubectl_get_pods_10_ms".into(), json!(kubectl_10));
    report.insert("kubectl_get_pods_1000_ms".into(), json!(kubectl_1000));
    report.insert(
        "kubectl_1000_over_10_ratio".into(),
        json!(kubectl_1000 / kubectl_10),
    );
    report.insert(
        "loaded_rss_mib".into(),
        json!(server.rss_kib() as f64 / 1024.0),
    );
    println!("{}", serde_json::to_string_pretty(&Value::Object(report))?);
    Ok(())
}

async fn watch_latency(server: &Server, n: usize) -> anyhow::Result<(f64, f64)> {
    let mut c = server.client().await?;
    let (_, body) = c
        .call(
            "GET",
            "/api/v1/namespaces/default/pods?limit=1",
            "application/json",
            None,
        )
        .await?;
    let rv = serde_json::from_slice::<Value>(&body)?["metadata"]["resourceVersion"]
        .as_str()
        .unwrap_or("0")
        .to_string();
    // A raw watch over its own connection, read line by line.
    let tcp = TcpStream::connect(("127.0.0.1", server.port)).await?;
    let mut tls = server
        .tls
        .connect(ServerName::try_from("localhost")?, tcp)
        .await?;
    use tokio::io::AsyncWriteExt;
    let req = format!(
        "GET /api/v1/namespaces/default/pods?watch=1&resourceVersion={rv} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\nAccept: application/json\r\n\r\n",
        server.token
    );
    tls.write_all(req.as_bytes()).await?;
    let mut reader = tokio::io::BufReader::new(tls);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(String, Instant)>();
    tokio::spawn(async move {
        let mut line = String::new();
        loop {
            line.clear();
            match reader.read_line(&mut line).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {
                    if let Some(idx) = line.find("\"name\":\"w-") {
                        let name: String =
                            line[idx + 8..].chars().take_while(|c| *c != '"').collect();
                        let _ = tx.send((name, Instant::now()));
                    }
                }
            }
        }
    });
    let mut times = Vec::new();
    for i in 0..n {
        let name = format!("w-{i:04}");
        let sent = Instant::now();
        c.call(
            "POST",
            "/api/v1/namespaces/default/pods",
            "application/json",
            Some(&pod(&name)),
        )
        .await?;
        loop {
            let (got, at) = tokio::time::timeout(Duration::from_secs(5), rx.recv())
                .await?
                .context("watch closed")?;
            if got == name {
                times.push(at.duration_since(sent).as_secs_f64() * 1000.0);
                break;
            }
        }
    }
    Ok((percentile(&mut times, 50.0), percentile(&mut times, 99.0)))
}
