//! Probes: exec through the runtime; tcpSocket and httpGet from inside the pod's network
//! namespace (a thread that joins it), so they work whatever the node's routing. Results are
//! smoothed by success/failure thresholds as the kubelet's prober workers do.

use k8s_openapi::api::core::v1::{Container, Probe};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use peapod_runtime::Runtime;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProbeKind {
    Liveness,
    Readiness,
    Startup,
}

impl ProbeKind {
    pub fn title(self) -> &'static str {
        match self {
            ProbeKind::Liveness => "Liveness",
            ProbeKind::Readiness => "Readiness",
            ProbeKind::Startup => "Startup",
        }
    }
}

/// One probe attempt: Ok(()) on success, Err(output) on failure.
pub type Outcome = Result<(), String>;

fn resolve_port(port: &IntOrString, c: &Container) -> Option<u16> {
    match port {
        IntOrString::Int(n) => u16::try_from(*n).ok(),
        IntOrString::String(name) => c
            .ports
            .clone()
            .unwrap_or_default()
            .into_iter()
            .find(|p| p.name.as_deref() == Some(name.as_str()))
            .and_then(|p| u16::try_from(p.container_port).ok()),
    }
}

/// Runs `f` on a fresh thread that joins the network namespace at `netns` and then ends (a
/// pooled thread must never be left in a pod's namespace).
pub(crate) async fn in_netns<T: Send + 'static>(
    netns: PathBuf,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("probe-netns".into())
        .spawn(move || {
            let res = std::fs::File::open(&netns)
                .map_err(|e| format!("open {}: {e}", netns.display()))
                .and_then(|file| {
                    nix::sched::setns(&file, nix::sched::CloneFlags::CLONE_NEWNET)
                        .map_err(|e| format!("setns: {e}"))
                })
                .map(|_| f());
            let _ = tx.send(res);
        })
        .map_err(|e| e.to_string())?;
    rx.await.map_err(|e| e.to_string())?
}

fn tcp_check(addr: SocketAddr, timeout: Duration) -> Outcome {
    TcpStream::connect_timeout(&addr, timeout)
        .map(|_| ())
        .map_err(|e| format!("dial tcp {addr}: connect: {}", short_io(&e)))
}

fn short_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => "connection refused".into(),
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => "i/o timeout".into(),
        _ => e.to_string(),
    }
}

fn http_check(
    addr: SocketAddr,
    host: &str,
    path: &str,
    headers: &[(String, String)],
    timeout: Duration,
) -> Outcome {
    let mut s = TcpStream::connect_timeout(&addr, timeout).map_err(|e| {
        format!(
            "Get \"http://{host}:{}{path}\": dial tcp {addr}: connect: {}",
            addr.port(),
            short_io(&e)
        )
    })?;
    let _ = s.set_read_timeout(Some(timeout));
    let _ = s.set_write_timeout(Some(timeout));
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: {host}:{}\r\nUser-Agent: kube-probe/1.33\r\nAccept: */*\r\nConnection: close\r\n", addr.port());
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; 10 * 1024];
    let mut n = 0;
    while n < buf.len() {
        match s.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if n == 0 => {
                return Err(format!(
                    "Get \"http://{host}:{}{path}\": {}",
                    addr.port(),
                    short_io(&e)
                ))
            }
            Err(_) => break,
        }
        if buf[..n].windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    let head = String::from_utf8_lossy(&buf[..n]);
    let code: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    if (200..400).contains(&code) {
        Ok(())
    } else {
        Err(format!("HTTP probe failed with statuscode: {code}"))
    }
}

/// One attempt of `probe` against a running container.
pub async fn run_once(
    rt: &Arc<Runtime>,
    probe: &Probe,
    c: &Container,
    container_id: &str,
    netns: PathBuf,
    pod_ip: Option<&str>,
) -> Outcome {
    let timeout = Duration::from_secs(probe.timeout_seconds.unwrap_or(1).max(1) as u64);
    if let Some(exec) = &probe.exec {
        let cmd = exec.command.clone().unwrap_or_default();
        return match rt.exec_sync(container_id, &cmd, timeout).await {
            Ok((0, _, _)) => Ok(()),
            Ok((code, out, err)) => {
                let mut text = String::from_utf8_lossy(&out).into_owned();
                text.push_str(&String::from_utf8_lossy(&err));
                Err(if text.trim().is_empty() {
                    format!("command {cmd:?} exited with {code}")
                } else {
                    text
                })
            }
            Err(e) => Err(e.to_string()),
        };
    }
    let ip = pod_ip.unwrap_or("127.0.0.1").to_string();
    if let Some(tcp) = &probe.tcp_socket {
        let Some(port) = resolve_port(&tcp.port, c) else {
            return Err(format!("invalid port {:?}", tcp.port));
        };
        let host = tcp.host.clone().unwrap_or_else(|| ip.clone());
        let addr: SocketAddr = match format!("{host}:{port}").parse() {
            Ok(a) => a,
            Err(_) => return Err(format!("invalid address {host}:{port}")),
        };
        return in_netns(netns, move || tcp_check(addr, timeout))
            .await
            .and_then(|r| r);
    }
    if let Some(http) = &probe.http_get {
        let Some(port) = resolve_port(&http.port, c) else {
            return Err(format!("invalid port {:?}", http.port));
        };
        let host = http.host.clone().unwrap_or_else(|| ip.clone());
        let path = http.path.clone().unwrap_or_else(|| "/".into());
        let headers: Vec<(String, String)> = http
            .http_headers
            .clone()
            .unwrap_or_default()
            .into_iter()
            .map(|h| (h.name, h.value))
            .collect();
        let addr: SocketAddr = match format!("{host}:{port}").parse() {
            Ok(a) => a,
            Err(_) => return Err(format!("invalid address {host}:{port}")),
        };
        return in_netns(netns, move || {
            http_check(addr, &host, &path, &headers, timeout)
        })
        .await
        .and_then(|r| r);
    }
    if let Some(g) = &probe.grpc {
        let addr: SocketAddr = match format!("{ip}:{}", g.port).parse() {
            Ok(a) => a,
            Err(_) => return Err(format!("invalid address {ip}:{}", g.port)),
        };
        let service = g.service.clone().unwrap_or_default();
        return crate::grpc_probe::check(netns, addr, &service, timeout).await;
    }
    Err("the probe has no handler".into())
}

/// Threshold smoothing of one probe's results (the kubelet's worker).
#[derive(Debug, Clone)]
pub struct ProbeState {
    /// The stored (smoothed) result.
    pub ok: Option<bool>,
    successes: i32,
    failures: i32,
}

impl ProbeState {
    pub fn new(kind: ProbeKind) -> Self {
        // Initial values: readiness Failure, liveness Success, startup Unknown.
        let ok = match kind {
            ProbeKind::Readiness => Some(false),
            ProbeKind::Liveness => Some(true),
            ProbeKind::Startup => None,
        };
        ProbeState {
            ok,
            successes: 0,
            failures: 0,
        }
    }

    /// Feeds one attempt; returns true when the stored result changed.
    pub fn record(&mut self, success: bool, probe: &Probe) -> bool {
        let (succ_th, fail_th) = (
            probe.success_threshold.unwrap_or(1).max(1),
            probe.failure_threshold.unwrap_or(3).max(1),
        );
        if success {
            self.failures = 0;
            self.successes += 1;
            if self.successes >= succ_th && self.ok != Some(true) {
                self.ok = Some(true);
                return true;
            }
        } else {
            self.successes = 0;
            self.failures += 1;
            if self.failures >= fail_th && self.ok != Some(false) {
                self.ok = Some(false);
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_smooth_results() {
        let p = Probe {
            failure_threshold: Some(3),
            success_threshold: Some(1),
            ..Default::default()
        };
        let mut s = ProbeState::new(ProbeKind::Liveness);
        assert_eq!(s.ok, Some(true));
        assert!(!s.record(false, &p));
        assert!(!s.record(false, &p));
        assert!(s.record(false, &p));
        assert_eq!(s.ok, Some(false));
        let mut r = ProbeState::new(ProbeKind::Readiness);
        assert!(r.record(true, &p));
        assert_eq!(r.ok, Some(true));
    }
}
