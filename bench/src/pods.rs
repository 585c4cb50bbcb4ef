//! Pod startup benchmark (root): create → Running and Ready as seen through a watch, for a
//! one-container pod and for a pod with two init containers and one app container, one pod at
//! a time; the same manifests through `podman kube play` in the same run, interleaved (the
//! app container's StartedAt against a timestamp taken just before `kube play`), as a ratio.
//! Then 200 running pods: the server's RSS (API server + controllers + agent) and the
//! per-pod infrastructure (pause + supervisor) RSS.
//!
//! Usage: pod-bench [PEAPOD_BINARY] [PODS=100] [PODMAN_PODS=20] [MANY=200]
//! Needs images/out (images/build.sh) and, for the peer, podman.

mod common;

use anyhow::{bail, Context};
use common::{percentile, pss_kib, rss_kib, start, Client, Server};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const NS_PODS: &str = "/api/v1/namespaces/default/pods";

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Single,
    Init,
}

fn manifest(name: &str, kind: Kind) -> Value {
    let app = json!({"name": "app", "image": "docker.io/library/busybox:latest",
        "imagePullPolicy": "IfNotPresent", "command": ["sleep", "3600"]});
    let mut spec = json!({"containers": [app], "terminationGracePeriodSeconds": 1});
    if kind == Kind::Init {
        // OnFailure: podman 4.3 never starts the app after init containers with Always.
        spec["restartPolicy"] = json!("OnFailure");
        spec["initContainers"] = json!([
            {"name": "init1", "image": "docker.io/library/busybox:latest", "imagePullPolicy": "IfNotPresent", "command": ["true"]},
            {"name": "init2", "image": "docker.io/library/busybox:latest", "imagePullPolicy": "IfNotPresent", "command": ["true"]},
        ]);
    }
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec})
}

fn ready(pod: &Value) -> bool {
    pod["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Ready" && c["status"] == "True")
}

/// Creates `name` and waits for the watch to show it Running and Ready; milliseconds.
async fn peapod_start(
    c: &mut Client,
    events: &mut tokio::sync::mpsc::UnboundedReceiver<(Value, Instant)>,
    name: &str,
    kind: Kind,
) -> anyhow::Result<f64> {
    let t = Instant::now();
    let (code, body) = c
        .call(
            "POST",
            NS_PODS,
            "application/json",
            Some(&manifest(name, kind)),
        )
        .await?;
    if code != 201 {
        bail!(
            "create {name} -> {code}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    loop {
        let (ev, at) = tokio::time::timeout(Duration::from_secs(30), events.recv())
            .await
            .with_context(|| format!("{name} not ready in 30 s"))?
            .context("watch closed")?;
        let pod = &ev["object"];
        if pod["metadata"]["name"] == name && pod["status"]["phase"] == "Running" && ready(pod) {
            return Ok(at.duration_since(t).as_secs_f64() * 1000.0);
        }
    }
}

fn podman(args: &[&str]) -> anyhow::Result<String> {
    let out = Command::new("podman")
        .args(args)
        .stderr(Stdio::piped())
        .output()
        .context("podman")?;
    if !out.status.success() {
        bail!(
            "podman {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Seconds since the epoch of podman's `2026-11-22 11:41:27.570494919 +0000 UTC`.
fn podman_time(s: &str) -> Option<f64> {
    let mut parts = s.split_whitespace();
    let (date, time) = (parts.next()?, parts.next()?);
    let mut d = date.split('-').map(|x| x.parse::<i64>());
    let (y, m, day) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    let mut t = hms.split(':').map(|x| x.parse::<i64>());
    let (hh, mm, ss) = (t.next()?.ok()?, t.next()?.ok()?, t.next()?.ok()?);
    // Days from civil (Howard Hinnant).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let frac: f64 = format!("0.{frac}").parse().ok()?;
    Some((days * 86_400 + hh * 3600 + mm * 60 + ss) as f64 + frac)
}

fn now_epoch() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// `podman kube play` of the manifest; milliseconds until the app container started.
fn podman_start(dir: &Path, name: &str, kind: Kind) -> anyhow::Result<f64> {
    let file = dir.join(format!("{name}.json"));
    std::fs::write(&file, serde_json::to_vec(&manifest(name, kind))?)?;
    let t0 = now_epoch();
    podman(&["kube", "play", &file.display().to_string()])?;
    let started = podman(&[
        "inspect",
        "--format",
        "{{.State.StartedAt}}",
        &format!("{name}-app"),
    ])?;
    let at = podman_time(&started).with_context(|| format!("StartedAt {started:?}"))?;
    Ok((at - t0) * 1000.0)
}

fn summary(v: &mut [f64]) -> Value {
    json!({"n": v.len(), "p50_ms": percentile(v, 50.0), "p99_ms": percentile(v, 99.0)})
}

/// (RSS, PSS) in KiB of every process whose command line (NULs as spaces) contains `needle`.
fn rss_of(needle: &str) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
        if cmd.contains(needle) {
            out.push((rss_kib(pid), pss_kib(pid)));
        }
    }
    out
}

async fn delete_all(c: &mut Client) -> anyhow::Result<()> {
    c.call("DELETE", NS_PODS, "application/json", None).await?;
    let t = Instant::now();
    loop {
        let (_, body) = c.call("GET", NS_PODS, "application/json", None).await?;
        let v: Value = serde_json::from_slice(&body)?;
        if v["items"].as_array().is_none_or(|a| a.is_empty()) {
            return Ok(());
        }
        if t.elapsed() > Duration::from_secs(300) {
            bail!("pods not deleted after 300 s");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args: Vec<String> = std::env::args().collect();
    let bin = PathBuf::from(args.get(1).map_or("target/release/peapod", |s| s));
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100);
    let podman_n: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(20);
    let many: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(200);
    let images = std::env::var("PEAPOD_TEST_IMAGES").unwrap_or_else(|_| "images/out".into());
    let have_podman = podman_n > 0 && podman(&["--version"]).is_ok();
    let tmp = tempfile::tempdir()?;
    if have_podman {
        let conf = tmp.path().join("containers.conf");
        // This machine's root cannot raise RLIMIT_NOFILE past 20000 (peers.md).
        std::fs::write(
            &conf,
            "[containers]\ndefault_ulimits = [\"nofile=20000:20000\", \"nproc=32768:32768\"]\n",
        )?;
        std::env::set_var("CONTAINERS_CONF", &conf);
        podman(&[
            "load",
            "-q",
            "-i",
            &format!("{images}/busybox-latest.oci.tar"),
        ])?;
    }

    let server: Server = start(
        &bin,
        &[
            "--offline",
            "--preload-images",
            &images,
            "--cluster-cidr",
            "10.213.0.0/16",
            "--service-cidr",
            "10.214.0.0/16",
            "--cluster-dns",
            "10.214.0.10",
        ],
    )?;
    let mut c = server.client().await?;
    // The node registers and the default service account exists before the first pod.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut events = server.watch(&format!("{NS_PODS}?watch=1")).await?;
    peapod_start(&mut c, &mut events, "warmup", Kind::Single).await?;

    let mut report = serde_json::Map::new();
    for (kind, label) in [
        (Kind::Single, "one_container"),
        (Kind::Init, "two_init_one_app"),
    ] {
        let mut ours = Vec::new();
        let mut theirs = Vec::new();
        for i in 0..n {
            let name = format!("{}-{i:03}", if kind == Kind::Single { "s" } else { "i" });
            ours.push(peapod_start(&mut c, &mut events, &name, kind).await?);
            if have_podman && i < podman_n {
                let pname = format!("pm{name}");
                match podman_start(tmp.path(), &pname, kind) {
                    Ok(ms) => theirs.push(ms),
                    Err(e) => eprintln!("podman: {e:#}"),
                }
                // podman's processes go on starting and settling after kube play returns: the
                // next sample of either side starts on a quiet machine.
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
        let mut entry = serde_json::Map::new();
        // The runs interleaved with podman's, taken before `summary` sorts the samples.
        let mut ours_head: Vec<f64> = ours.iter().take(theirs.len()).copied().collect();
        entry.insert("peapod".into(), summary(&mut ours));
        if !theirs.is_empty() {
            let p50_ours = percentile(&mut ours_head, 50.0);
            let p50_theirs = percentile(&mut theirs, 50.0);
            entry.insert("podman_kube_play".into(), summary(&mut theirs));
            entry.insert(
                "podman_over_peapod_p50".into(),
                json!(p50_theirs / p50_ours),
            );
        }
        report.insert(label.into(), Value::Object(entry));
    }
    if have_podman {
        let _ = Command::new("podman")
            .args(["pod", "rm", "-f", "-a", "-t", "0"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    delete_all(&mut c).await?;

    // Many pods at once: created back to back, then all Running and Ready.
    let t = Instant::now();
    for i in 0..many {
        let name = format!("m-{i:03}");
        c.call(
            "POST",
            NS_PODS,
            "application/json",
            Some(&manifest(&name, Kind::Single)),
        )
        .await?;
    }
    let mut ready_at: HashMap<String, f64> = HashMap::new();
    while ready_at.len() < many {
        let (ev, at) = tokio::time::timeout(Duration::from_secs(120), events.recv())
            .await
            .context("pods not ready in 120 s")?
            .context("watch closed")?;
        let pod = &ev["object"];
        let name = pod["metadata"]["name"].as_str().unwrap_or("").to_string();
        if name.starts_with("m-") && ready(pod) {
            ready_at
                .entry(name)
                .or_insert(at.duration_since(t).as_secs_f64());
        }
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    let server_rss = server.rss_kib();
    let data = server.dir.path().display().to_string();
    // The supervisors (peapod-shim or conmon) name the bundle under the data dir; the pause
    // processes run `/pause -P`.
    let mut infra = rss_of(&format!("{data}/runtime/pods/"));
    infra.extend(rss_of("/pause -P "));
    let rss_total: u64 = infra.iter().map(|p| p.0).sum();
    let pss_total: u64 = infra.iter().map(|p| p.1).sum();
    report.insert(
        "many_pods".into(),
        json!({
            "pods": many,
            "all_ready_s": ready_at.values().copied().fold(0.0, f64::max),
            "server_rss_mib": server_rss as f64 / 1024.0,
            "infra_processes": infra.len(),
            "infra_rss_per_pod_mib": rss_total as f64 / many as f64 / 1024.0,
            "infra_pss_per_pod_mib": pss_total as f64 / many as f64 / 1024.0,
        }),
    );
    delete_all(&mut c).await?;
    println!("{}", serde_json::to_string_pretty(&Value::Object(report))?);
    Ok(())
}
