//! The service proxy (kube-proxy's nftables mode, reduced): ClusterIP and NodePort traffic, from
//! pods and from the node, is DNATed to a random ready endpoint; a Service without endpoints
//! rejects. Everything lives in one nftables table of peapod's own, replaced atomically on every
//! change and deleted on a clean stop.

use peapod_api::meta;
use peapod_api::resources::lookup;
use peapod_apiserver::registry::{ListOptions, WatchOptions};
use peapod_apiserver::Registry;
use serde_json::Value;
use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// One service port and where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePort {
    pub cluster_ip: Option<Ipv4Addr>,
    pub node_port: Option<u16>,
    pub port: u16,
    /// "tcp", "udp" or "sctp".
    pub protocol: String,
    /// Ready endpoints (ip, port).
    pub endpoints: Vec<(Ipv4Addr, u16)>,
    /// `sessionAffinity: ClientIP`: a client keeps going to the same endpoint.
    pub client_ip_affinity: bool,
}

/// The nftables script that makes `ports` the table's whole content (atomic replacement).
pub fn ruleset(table: &str, cluster_cidr: &str, ports: &[ServicePort]) -> String {
    let mut vip = Vec::new();
    let mut nodeports = Vec::new();
    let mut reject = Vec::new();
    let mut chains = String::new();
    for (i, p) in ports.iter().enumerate() {
        let proto = &p.protocol;
        if p.endpoints.is_empty() {
            if let Some(ip) = p.cluster_ip {
                reject.push(format!("{ip} . {proto} . {}", p.port));
            }
            continue;
        }
        let chain = format!("svc_{i}");
        let _ = writeln!(chains, "  chain {chain} {{");
        if p.endpoints.len() == 1 {
            let (ip, port) = p.endpoints[0];
            let _ = writeln!(chains, "    meta l4proto {proto} dnat to {ip}:{port}");
        } else {
            let n = p.endpoints.len();
            let targets: Vec<String> = p
                .endpoints
                .iter()
                .enumerate()
                .map(|(j, (ip, port))| format!("{j} : {ip} . {port}"))
                .collect();
            // ClientIP affinity hashes the client address (stable while the endpoints are);
            // otherwise each new connection picks at random.
            let pick = if p.client_ip_affinity {
                format!("jhash ip saddr mod {n}")
            } else {
                format!("numgen random mod {n}")
            };
            let _ = writeln!(
                chains,
                "    meta l4proto {proto} dnat ip addr . port to {pick} map {{ {} }}",
                targets.join(", ")
            );
        }
        let _ = writeln!(chains, "  }}");
        if let Some(ip) = p.cluster_ip {
            vip.push(format!("{ip} . {proto} . {} : goto {chain}", p.port));
        }
        if let Some(np) = p.node_port {
            nodeports.push(format!("{proto} . {np} : goto {chain}"));
        }
    }
    let elements = |v: &[String]| {
        if v.is_empty() {
            String::new()
        } else {
            format!(" elements = {{ {} }};", v.join(", "))
        }
    };
    let mut s = String::new();
    let _ = writeln!(s, "add table ip {table}");
    let _ = writeln!(s, "delete table ip {table}");
    let _ = writeln!(s, "table ip {table} {{");
    let _ = writeln!(
        s,
        "  map services {{ type ipv4_addr . inet_proto . inet_service : verdict;{} }}",
        elements(&vip)
    );
    let _ = writeln!(
        s,
        "  map nodeports {{ type inet_proto . inet_service : verdict;{} }}",
        elements(&nodeports)
    );
    let _ = writeln!(
        s,
        "  set no_endpoints {{ type ipv4_addr . inet_proto . inet_service;{} }}",
        elements(&reject)
    );
    s.push_str(&chains);
    let _ = writeln!(s, "  chain services {{");
    let _ = writeln!(s, "    ip daddr . meta l4proto . th dport vmap @services");
    let _ = writeln!(
        s,
        "    fib daddr type local meta l4proto . th dport vmap @nodeports"
    );
    let _ = writeln!(s, "  }}");
    let _ = writeln!(s, "  chain prerouting {{ type nat hook prerouting priority dstnat; policy accept; jump services; }}");
    let _ = writeln!(
        s,
        "  chain output {{ type nat hook output priority -100; policy accept; jump services; }}"
    );
    // Pod → service → pod on the same bridge: replies must come back through the node.
    let _ = writeln!(s, "  chain postrouting {{ type nat hook postrouting priority srcnat; policy accept; ip saddr {cluster_cidr} ct status dnat masquerade; }}");
    let _ = writeln!(s, "  chain reject_forward {{ type filter hook forward priority -10; policy accept; ip daddr . meta l4proto . th dport @no_endpoints reject; }}");
    let _ = writeln!(s, "  chain reject_output {{ type filter hook output priority -10; policy accept; ip daddr . meta l4proto . th dport @no_endpoints reject; }}");
    let _ = writeln!(s, "  chain reject_input {{ type filter hook input priority -10; policy accept; ip daddr . meta l4proto . th dport @no_endpoints reject; }}");
    let _ = writeln!(s, "}}");
    s
}

/// Runs `nft -f -` with `script`.
async fn nft(script: &str) -> Result<(), String> {
    use tokio::io::AsyncWriteExt;
    let mut child = tokio::process::Command::new("nft")
        .args(["-f", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("nft: {e} (install the nftables package)"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(script.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
    }
    let out = child.wait_with_output().await.map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

/// Service ports with their ready endpoints, from Services and Endpoints objects.
pub fn service_ports(services: &[Value], endpoints: &[Value]) -> Vec<ServicePort> {
    let mut out = Vec::new();
    for svc in services {
        let cluster_ip = svc
            .pointer("/spec/clusterIP")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<Ipv4Addr>().ok());
        let ep = endpoints.iter().find(|e| {
            meta::namespace(e) == meta::namespace(svc) && meta::name(e) == meta::name(svc)
        });
        for p in svc
            .pointer("/spec/ports")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
        {
            let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
            let protocol = p
                .get("protocol")
                .and_then(Value::as_str)
                .unwrap_or("TCP")
                .to_lowercase();
            let mut eps = Vec::new();
            for subset in ep
                .and_then(|e| e.get("subsets"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
            {
                let port = subset
                    .get("ports")
                    .and_then(Value::as_array)
                    .and_then(|ps| {
                        ps.iter().find(|sp| {
                            sp.get("name").and_then(Value::as_str).unwrap_or_default() == name
                        })
                    })
                    .and_then(|sp| sp.get("port").and_then(Value::as_u64));
                let Some(port) = port else { continue };
                for a in subset
                    .get("addresses")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
                {
                    if let Some(ip) = a
                        .get("ip")
                        .and_then(Value::as_str)
                        .and_then(|s| s.parse().ok())
                    {
                        eps.push((ip, port as u16));
                    }
                }
            }
            out.push(ServicePort {
                cluster_ip,
                node_port: p.get("nodePort").and_then(Value::as_u64).map(|n| n as u16),
                port: p.get("port").and_then(Value::as_u64).unwrap_or(0) as u16,
                protocol,
                endpoints: eps,
                client_ip_affinity: svc.pointer("/spec/sessionAffinity").and_then(Value::as_str)
                    == Some("ClientIP"),
            });
        }
    }
    out
}

pub struct ServiceProxy {
    registry: Arc<Registry>,
    table: String,
    cluster_cidr: String,
}

impl ServiceProxy {
    pub fn new(registry: Arc<Registry>, table: &str, cluster_cidr: &str) -> Self {
        ServiceProxy {
            registry,
            table: table.to_string(),
            cluster_cidr: cluster_cidr.to_string(),
        }
    }

    async fn sync(&self, last: &mut String) -> Result<(), String> {
        let (Some(svcs), Some(eps)) = (lookup("", "v1", "services"), lookup("", "v1", "endpoints"))
        else {
            return Ok(());
        };
        let services = self
            .registry
            .list(svcs, None, &ListOptions::default())
            .await
            .map_err(|e| e.to_string())?
            .items;
        let endpoints = self
            .registry
            .list(eps, None, &ListOptions::default())
            .await
            .map_err(|e| e.to_string())?
            .items;
        let script = ruleset(
            &self.table,
            &self.cluster_cidr,
            &service_ports(&services, &endpoints),
        );
        if script != *last {
            nft(&script).await?;
            *last = script;
        }
        Ok(())
    }

    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut last = String::new();
        loop {
            let (Some(svcs), Some(eps)) =
                (lookup("", "v1", "services"), lookup("", "v1", "endpoints"))
            else {
                return;
            };
            let (mut sw, mut ew) = match (
                self.registry
                    .watch(svcs, None, WatchOptions::default())
                    .await,
                self.registry
                    .watch(eps, None, WatchOptions::default())
                    .await,
            ) {
                (Ok(a), Ok(b)) => (a, b),
                _ => {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            let mut tick = tokio::time::interval(Duration::from_secs(30));
            loop {
                tokio::select! {
                    _ = shutdown.changed() => {
                        let _ = nft(&format!("add table ip {0}\ndelete table ip {0}\n", self.table)).await;
                        return;
                    }
                    _ = tick.tick() => {}
                    ev = sw.recv() => if ev.is_none() { break },
                    ev = ew.recv() => if ev.is_none() { break },
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
                while sw.try_recv().is_ok() || ew.try_recv().is_ok() {}
                if let Err(e) = self.sync(&mut last).await {
                    tracing::warn!(error = %e, "programming service rules failed");
                    last.clear();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ip_affinity_hashes_the_source() {
        let p = ServicePort {
            cluster_ip: Some("10.96.0.7".parse().unwrap()),
            node_port: None,
            port: 80,
            protocol: "tcp".into(),
            endpoints: vec![
                ("10.244.0.2".parse().unwrap(), 80),
                ("10.244.0.3".parse().unwrap(), 80),
            ],
            client_ip_affinity: true,
        };
        let s = ruleset("peapod", "10.244.0.0/16", &[p]);
        assert!(
            s.contains("dnat ip addr . port to jhash ip saddr mod 2 map"),
            "{s}"
        );
        // nft accepts it (checked only when nft is installed).
        if std::path::Path::new("/usr/sbin/nft").exists() {
            let mut child = std::process::Command::new("nft")
                .args(["-c", "-f", "-"])
                .stdin(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            use std::io::Write;
            child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
            assert!(child.wait().unwrap().success(), "{s}");
        }
    }

    #[test]
    fn renders_vips_nodeports_and_rejects() {
        let ports = vec![
            ServicePort {
                cluster_ip: Some("10.96.0.5".parse().unwrap()),
                node_port: Some(30080),
                port: 80,
                protocol: "tcp".into(),
                endpoints: vec![
                    ("10.244.0.2".parse().unwrap(), 8080),
                    ("10.244.0.3".parse().unwrap(), 8080),
                ],
                client_ip_affinity: false,
            },
            ServicePort {
                cluster_ip: Some("10.96.0.6".parse().unwrap()),
                node_port: None,
                port: 53,
                protocol: "udp".into(),
                endpoints: vec![],
                client_ip_affinity: false,
            },
        ];
        let s = ruleset("peapod", "10.244.0.0/16", &ports);
        assert!(s.contains("10.96.0.5 . tcp . 80 : goto svc_0"), "{s}");
        assert!(s.contains("tcp . 30080 : goto svc_0"), "{s}");
        assert!(
            s.contains("numgen random mod 2 map { 0 : 10.244.0.2 . 8080, 1 : 10.244.0.3 . 8080 }"),
            "{s}"
        );
        assert!(s.contains("set no_endpoints { type ipv4_addr . inet_proto . inet_service; elements = { 10.96.0.6 . udp . 53 }; }"), "{s}");
        assert!(s.starts_with("add table ip peapod\ndelete table ip peapod\n"));
    }
}
