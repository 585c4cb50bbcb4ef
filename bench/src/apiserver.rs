//! API server benchmark: 1,000 pods created by 32 concurrent clients (creates/s, latency), get and
//! list latency as JSON and as Table, watch delivery latency, `kubectl get pods` over 10 vs 1,000
//! pods, and the server's RSS idle and after load. Starts its own `peapod server` on a temp dir.
//!
//! Usage: cargo run --release -p peapod-bench --bin apiserver-bench [-- PEAPOD_BINARY]

mod common;

use anyhow::{bail, Context};
use common::{percentile, start, Server};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::{Duration, Instant};

const PODS: usize = 1000;
const CLIENTS: usize = 32;
const TABLE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

fn pod(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": "bench"}},
        "spec": {"containers": [{"name": "app", "image": "myapp:v1", "ports": [{"containerPort": 80}]}]}})
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
    // The API server alone: no agent trying to run the 1,000 pods.
    let server = start(&bin, &["--no-node"])?;
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
    let mut rx = server
        .watch(&format!(
            "/api/v1/namespaces/default/pods?watch=1&resourceVersion={rv}"
        ))
        .await?;
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
            let (ev, at) = tokio::time::timeout(Duration::from_secs(5), rx.recv())
                .await?
                .context("watch closed")?;
            if ev["object"]["metadata"]["name"] == name.as_str() {
                times.push(at.duration_since(sent).as_secs_f64() * 1000.0);
                break;
            }
        }
    }
    Ok((percentile(&mut times, 50.0), percentile(&mut times, 99.0)))
}
