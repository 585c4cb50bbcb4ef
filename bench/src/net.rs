//! `net-bench`: the cluster DNS's queries per second (dnsperf) side by side with dnsmasq
//! answering the same names from a hosts file (the peer: CoreDNS is not packaged here), and HTTP
//! throughput through a Service VIP against straight to the pod IP (wrk, run inside a client
//! pod's network namespace), in one run, on one peapod server.
//!
//! Needs root and images/out (images/build.sh); installs dnsperf, wrk and dnsmasq-base from
//! Debian when they are missing. Usage: `net-bench [peapod-binary] [seconds-per-run] [rounds]`.

mod common;

use anyhow::{bail, Context};
use common::{percentile, start, Server};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SERVICES: usize = 100;

fn ensure_tools() -> anyhow::Result<()> {
    let missing: Vec<&str> = [
        ("dnsperf", "dnsperf"),
        ("wrk", "wrk"),
        ("dnsmasq", "dnsmasq-base"),
    ]
    .into_iter()
    .filter(|(bin, _)| {
        Command::new("sh")
            .args(["-c", &format!("command -v {bin}")])
            .stdout(Stdio::null())
            .status()
            .map_or(true, |s| !s.success())
    })
    .map(|(_, pkg)| pkg)
    .collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("installing {missing:?} from Debian");
    let ok = Command::new("apt-get")
        .args(["install", "-y", "-qq"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()?
        .success();
    if !ok {
        bail!("apt-get install {missing:?} failed");
    }
    Ok(())
}

fn kubectl(server: &Server, args: &[&str], stdin: Option<&str>) -> anyhow::Result<String> {
    use std::io::Write;
    let mut child = Command::new("kubectl")
        .args(args)
        .env("KUBECONFIG", server.dir.path().join("kubeconfig.yaml"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("kubectl")?;
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes())?;
    } else {
        drop(child.stdin.take());
    }
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!(
            "kubectl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn wait(what: &str, secs: u64, mut f: impl FnMut() -> bool) -> anyhow::Result<()> {
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(secs) {
        if f() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    bail!("timed out waiting for {what}")
}

/// `dnsperf` for `secs` seconds over `queries`; answered queries per second.
fn dnsperf(server: &str, port: u16, queries: &Path, secs: u64) -> anyhow::Result<(f64, String)> {
    let out = Command::new("dnsperf")
        .args(["-s", server, "-p", &port.to_string(), "-d"])
        .arg(queries)
        .args(["-l", &secs.to_string(), "-c", "8", "-T", "1", "-q", "500"])
        .output()
        .context("dnsperf")?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let qps = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Queries per second:"))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .with_context(|| format!("dnsperf output: {text}"))?;
    let codes = text
        .lines()
        .find(|l| l.contains("Response codes:"))
        .unwrap_or_default()
        .trim()
        .to_string();
    Ok((qps, codes))
}

/// `wrk` from inside the network namespace of process `pid`; requests per second.
fn wrk(pid: &str, url: &str, secs: u64) -> anyhow::Result<f64> {
    let out = Command::new("nsenter")
        .args(["-t", pid, "-n", "wrk", "-t", "1", "-c", "32", "-d"])
        .arg(format!("{secs}s"))
        .arg(url)
        .output()
        .context("wrk")?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    if text.contains("Non-2xx") || text.contains("Socket errors") {
        bail!("wrk saw errors: {text}");
    }
    text.lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .with_context(|| format!("wrk output: {text}"))
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let bin = PathBuf::from(args.get(1).map_or("target/release/peapod", |s| s));
    let secs: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10);
    let rounds: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(3);
    let images = std::env::var("PEAPOD_TEST_IMAGES").unwrap_or_else(|_| "images/out".into());
    ensure_tools()?;
    let dns = "10.216.0.10";
    let server = start(
        &bin,
        &[
            "--offline",
            "--preload-images",
            &images,
            "--cluster-cidr",
            "10.215.0.0/16",
            "--service-cidr",
            "10.216.0.0/16",
            "--cluster-dns",
            dns,
        ],
    )?;
    wait("the node", 30, || {
        kubectl(&server, &["get", "nodes", "--no-headers"], None).is_ok_and(|o| o.contains("Ready"))
    })?;

    // Services to resolve, a backend behind one of them, and a client pod to measure from.
    let mut objs = String::from(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web, labels: {app: web}}\nspec:\n  containers: [{name: web, image: myapp:v1}]\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: client}\nspec:\n  containers: [{name: c, image: busybox, command: [sleep, '3601']}]\n",
    );
    for i in 0..SERVICES {
        objs.push_str(&format!("---\napiVersion: v1\nkind: Service\nmetadata: {{name: svc-{i}}}\nspec:\n  selector: {{app: web}}\n  ports: [{{port: 80}}]\n"));
    }
    kubectl(&server, &["apply", "-f", "-"], Some(&objs))?;
    wait("pods ready", 60, || {
        kubectl(&server, &["get", "pods", "--no-headers"], None)
            .is_ok_and(|o| o.lines().count() == 2 && o.lines().all(|l| l.contains("1/1")))
    })?;
    let pod_ip = kubectl(
        &server,
        &["get", "pod", "web", "-o", "jsonpath={.status.podIP}"],
        None,
    )?;
    let vip = kubectl(
        &server,
        &["get", "svc", "svc-0", "-o", "jsonpath={.spec.clusterIP}"],
        None,
    )?;
    wait("endpoints", 10, || {
        kubectl(
            &server,
            &[
                "get",
                "endpoints",
                "svc-0",
                "-o",
                "jsonpath={.subsets[*].addresses[*].ip}",
            ],
            None,
        )
        .is_ok_and(|o| o == pod_ip)
    })?;
    let client_pid = String::from_utf8_lossy(
        &Command::new("pgrep")
            .args(["-f", "^sleep 3601$"])
            .output()?
            .stdout,
    )
    .lines()
    .next()
    .context("client pod process")?
    .to_string();

    // DNS: A queries for the Services (fully qualified and through a search-path-like short
    // name miss), answered from the cluster DNS's in-memory records.
    let qfile = server.dir.path().join("queries.txt");
    let mut q = String::new();
    for i in 0..SERVICES {
        q.push_str(&format!("svc-{i}.default.svc.cluster.local A\n"));
    }
    q.push_str("nope.default.svc.cluster.local A\n");
    std::fs::write(&qfile, q)?;
    // The peer: dnsmasq with the same names (as a hosts file) on a loopback port, no upstream.
    let hosts = server.dir.path().join("hosts");
    let mut h = String::new();
    for i in 0..SERVICES {
        let ip = kubectl(
            &server,
            &[
                "get",
                "svc",
                &format!("svc-{i}"),
                "-o",
                "jsonpath={.spec.clusterIP}",
            ],
            None,
        )?;
        h.push_str(&format!("{ip} svc-{i}.default.svc.cluster.local\n"));
    }
    std::fs::write(&hosts, h)?;
    let mut dnsmasq = Command::new("dnsmasq")
        .args([
            "--keep-in-foreground",
            "--port=5399",
            "--listen-address=127.0.0.1",
            "--bind-interfaces",
            "--no-resolv",
            "--no-hosts",
            "--local=/cluster.local/",
            "--cache-size=10000",
            "--user=root",
        ])
        .arg(format!("--addn-hosts={}", hosts.display()))
        .stderr(Stdio::null())
        .spawn()
        .context("dnsmasq")?;
    std::thread::sleep(Duration::from_millis(300));
    let mut qps = Vec::new();
    let mut peer_qps = Vec::new();
    let mut codes = String::new();
    let mut peer_codes = String::new();
    for _ in 0..rounds {
        let (v, c) = dnsperf(dns, 53, &qfile, secs)?;
        qps.push(v);
        codes = c;
        let (v, c) = dnsperf("127.0.0.1", 5399, &qfile, secs)?;
        peer_qps.push(v);
        peer_codes = c;
    }
    let _ = dnsmasq.kill();
    let _ = dnsmasq.wait();

    // HTTP: straight to the pod IP and through the VIP, interleaved.
    let (mut direct, mut via_vip) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        direct.push(wrk(&client_pid, &format!("http://{pod_ip}/"), secs)?);
        via_vip.push(wrk(&client_pid, &format!("http://{vip}/"), secs)?);
    }
    let dns_p50 = percentile(&mut qps, 50.0);
    let peer_p50 = percentile(&mut peer_qps, 50.0);
    let d50 = percentile(&mut direct, 50.0);
    let v50 = percentile(&mut via_vip, 50.0);
    let _ = kubectl(
        &server,
        &["delete", "pods", "--all", "--grace-period=1"],
        None,
    );
    println!(
        "{}",
        serde_json::json!({
            "dns": {"services": SERVICES, "qps_runs": qps, "qps_p50": dns_p50.round(), "response_codes": codes, "target_qps": 50000,
                "dnsmasq_qps_runs": peer_qps, "dnsmasq_qps_p50": peer_p50.round(), "dnsmasq_response_codes": peer_codes,
                "peapod_over_dnsmasq": (dns_p50 / peer_p50 * 100.0).round() / 100.0},
            "http": {
                "direct_rps_runs": direct, "vip_rps_runs": via_vip,
                "direct_rps_p50": d50.round(), "vip_rps_p50": v50.round(),
                "vip_over_direct": (v50 / d50 * 1000.0).round() / 1000.0, "target_ratio": 0.9
            },
            "seconds_per_run": secs, "rounds": rounds,
        })
    );
    Ok(())
}
