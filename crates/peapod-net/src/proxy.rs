//! The service proxy (kube-proxy's nftables mode, reduced): ClusterIP and NodePort traffic, from
//! pods and from the node, is DNATed to a random ready endpoint; a Service without endpoints
//! rejects (TCP with a reset, so clients see "connection refused" at once; others with ICMP port
//! unreachable). Everything lives in one nftables table of peapod's own, deleted on a clean stop.
//!
//! Updates are incremental like kube-proxy's: the table and its base chains are made once, then
//! each sync sends one nft transaction holding only the differences from the last applied state
//! (new or changed per-service-port chains rewritten, map and set elements added or deleted,
//! chains of removed ports deleted). A failed transaction changes nothing, and the next sync
//! rebuilds the whole table.

use peapod_api::meta;
use peapod_api::resources::lookup;
use peapod_apiserver::registry::{ListOptions, WatchEvent, WatchOptions};
use peapod_apiserver::Registry;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// One service port and where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePort {
    /// `namespace/name/portname` of the Service port: names its chain.
    pub key: String,
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

/// A pod's hostPort: a port of the node (on `host_ip`, or on every local address) forwarded to
/// the pod, as the kubelet's hostport manager and the CNI portmap plugin do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPort {
    /// `namespace/pod/containerPort/protocol`: names its chain.
    pub key: String,
    pub host_ip: Option<Ipv4Addr>,
    pub host_port: u16,
    /// "tcp", "udp" or "sctp".
    pub protocol: String,
    pub pod_ip: Ipv4Addr,
    pub container_port: u16,
}

/// The hostPorts of a pod that has an address and has not finished (a hostNetwork pod listens
/// on the node's ports itself).
pub fn pod_host_ports(pod: &Value) -> Vec<HostPort> {
    let phase = pod.pointer("/status/phase").and_then(Value::as_str);
    let host_network = pod.pointer("/spec/hostNetwork").and_then(Value::as_bool) == Some(true);
    let pod_ip = pod
        .pointer("/status/podIP")
        .and_then(Value::as_str)
        .and_then(|s| s.parse::<Ipv4Addr>().ok());
    let Some(pod_ip) = pod_ip else {
        return Vec::new();
    };
    if host_network || matches!(phase, Some("Succeeded" | "Failed")) {
        return Vec::new();
    }
    let (ns, name) = (meta::namespace(pod).unwrap_or_default(), meta::name(pod));
    let mut out = Vec::new();
    for p in peapod_api::pod::host_port_entries(pod) {
        let host_port = p.get("hostPort").and_then(Value::as_u64).unwrap_or(0);
        let container_port = p.get("containerPort").and_then(Value::as_u64).unwrap_or(0);
        if host_port > 65535 || container_port > 65535 {
            continue;
        }
        let protocol = p
            .get("protocol")
            .and_then(Value::as_str)
            .unwrap_or("TCP")
            .to_lowercase();
        out.push(HostPort {
            key: format!("{ns}/{name}/{container_port}/{protocol}"),
            host_ip: p
                .get("hostIP")
                .and_then(Value::as_str)
                .and_then(|s| s.parse::<Ipv4Addr>().ok())
                .filter(|ip| !ip.is_unspecified()),
            host_port: host_port as u16,
            protocol,
            pod_ip,
            container_port: container_port as u16,
        });
    }
    out
}

/// What the table holds: per-port chains (name → rules) and the elements of the dispatch maps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rules {
    chains: BTreeMap<String, Vec<String>>,
    /// `ip . proto . port` → chain.
    services: BTreeMap<String, String>,
    /// `proto . port` → chain.
    nodeports: BTreeMap<String, String>,
    /// `ip . proto . port` (the chain is always the reject chain).
    no_endpoints: BTreeMap<String, String>,
    /// hostPorts on every local address: `proto . port` → chain.
    hostports: BTreeMap<String, String>,
    /// hostPorts on one address: `ip . proto . port` → chain.
    hostports_ip: BTreeMap<String, String>,
}

/// The packet mark bit of connections to masquerade (kube-proxy's choice).
const MASQ_MARK: u32 = 0x4000;

/// A chain name that is stable for a Service port and valid in nft syntax.
fn chain_name(key: &str, proto: &str, port: u16) -> String {
    format!("svc_{:016x}_{proto}_{port}", fnv(key))
}

/// FNV-1a: short, stable across runs and builds.
fn fnv(key: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl Rules {
    /// The desired content of the table for Service `ports` and pods' `host_ports`.
    pub fn desired(ports: &[ServicePort], host_ports: &[HostPort]) -> Rules {
        let mut r = Rules::default();
        for hp in host_ports {
            let proto = &hp.protocol;
            let chain = format!("hp_{:016x}_{proto}_{}", fnv(&hp.key), hp.host_port);
            let dnat = format!(
                "meta l4proto {proto} dnat to {}:{}",
                hp.pod_ip, hp.container_port
            );
            // Masqueraded: the pod reaching its own hostPort through the node (hairpin), and
            // the node's loopback connections (a 127/8 source cannot reach a pod).
            let mark = format!(
                "ip saddr {{ {}, 127.0.0.0/8 }} meta mark set meta mark or {MASQ_MARK:#x}",
                hp.pod_ip
            );
            match hp.host_ip {
                Some(ip) => r
                    .hostports_ip
                    .insert(format!("{ip} . {proto} . {}", hp.host_port), chain.clone()),
                None => r
                    .hostports
                    .insert(format!("{proto} . {}", hp.host_port), chain.clone()),
            };
            r.chains.insert(chain, vec![mark, dnat]);
        }
        for p in ports {
            let proto = &p.protocol;
            if p.endpoints.is_empty() {
                if let Some(ip) = p.cluster_ip {
                    r.no_endpoints
                        .insert(format!("{ip} . {proto} . {}", p.port), String::new());
                }
                continue;
            }
            let chain = chain_name(&p.key, proto, p.port);
            let rule = if p.endpoints.len() == 1 {
                let (ip, port) = p.endpoints[0];
                format!("meta l4proto {proto} dnat to {ip}:{port}")
            } else {
                let n = p.endpoints.len();
                let targets: Vec<String> = p
                    .endpoints
                    .iter()
                    .enumerate()
                    .map(|(j, (ip, port))| format!("{j} : {ip} . {port}"))
                    .collect();
                // ClientIP affinity hashes the client address (stable while the endpoints
                // are); otherwise each new connection picks at random.
                let pick = if p.client_ip_affinity {
                    format!("jhash ip saddr mod {n}")
                } else {
                    format!("numgen random mod {n}")
                };
                format!(
                    "meta l4proto {proto} dnat ip addr . port to {pick} map {{ {} }}",
                    targets.join(", ")
                )
            };
            if let Some(ip) = p.cluster_ip {
                r.services
                    .insert(format!("{ip} . {proto} . {}", p.port), chain.clone());
            }
            if let Some(np) = p.node_port {
                r.nodeports.insert(format!("{proto} . {np}"), chain.clone());
            }
            // Hairpin: an endpoint reaching its own Service may be sent to itself, and its reply
            // must come back through the node, so its connections are marked for masquerade.
            let sources: Vec<String> = p.endpoints.iter().map(|(ip, _)| ip.to_string()).collect();
            let mark = format!(
                "ip saddr {{ {} }} meta mark set meta mark or {MASQ_MARK:#x}",
                sources.join(", ")
            );
            r.chains.insert(chain, vec![mark, rule]);
        }
        r
    }
}

/// The table with its maps, sets and base chains, empty of services (replaces any old table).
fn base_table(table: &str, masq: &Masquerade) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "add table ip {table}");
    let _ = writeln!(s, "delete table ip {table}");
    let _ = writeln!(s, "table ip {table} {{");
    let _ = writeln!(
        s,
        "  map services {{ type ipv4_addr . inet_proto . inet_service : verdict; }}"
    );
    let _ = writeln!(
        s,
        "  map nodeports {{ type inet_proto . inet_service : verdict; }}"
    );
    let _ = writeln!(
        s,
        "  set no_endpoints {{ type ipv4_addr . inet_proto . inet_service; }}"
    );
    let _ = writeln!(
        s,
        "  map hostports {{ type inet_proto . inet_service : verdict; }}"
    );
    let _ = writeln!(
        s,
        "  map hostports_ip {{ type ipv4_addr . inet_proto . inet_service : verdict; }}"
    );
    let _ = writeln!(s, "  chain services {{");
    let _ = writeln!(s, "    ip daddr . meta l4proto . th dport vmap @services");
    let _ = writeln!(
        s,
        "    ip daddr . meta l4proto . th dport vmap @hostports_ip"
    );
    let _ = writeln!(
        s,
        "    fib daddr type local meta l4proto . th dport vmap @hostports"
    );
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
    // Without bridge netfilter a reply between pods on one bridge bypasses conntrack and would
    // arrive from the endpoint instead of the VIP: then every DNATed connection from a pod goes
    // through the node both ways.
    let all_pods = if masq.bridged_conntrack {
        String::new()
    } else {
        format!(" ip saddr {} ct status dnat masquerade;", masq.cluster_cidr)
    };
    let _ = writeln!(s, "  chain postrouting {{ type nat hook postrouting priority srcnat; policy accept; meta mark & {MASQ_MARK:#x} == {MASQ_MARK:#x} masquerade;{all_pods} }}");
    let _ = writeln!(
        s,
        "  chain reject_chain {{ meta l4proto tcp reject with tcp reset; reject; }}"
    );
    for hook in ["forward", "output", "input"] {
        let _ = writeln!(s, "  chain reject_{hook} {{ type filter hook {hook} priority -10; policy accept; ip daddr . meta l4proto . th dport @no_endpoints goto reject_chain; }}");
    }
    let _ = writeln!(s, "}}");
    s
}

/// `delete element` for keys of `old` that `new` lacks or maps elsewhere. Deletions come first
/// in a transaction: they may reference chains that are about to go.
fn delete_elements(
    s: &mut String,
    table: &str,
    name: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) {
    let gone: Vec<&str> = old
        .iter()
        .filter(|(k, v)| new.get(*k) != Some(v))
        .map(|(k, _)| k.as_str())
        .collect();
    if !gone.is_empty() {
        let _ = writeln!(
            s,
            "delete element ip {table} {name} {{ {} }}",
            gone.join(", ")
        );
    }
}

/// `add element` for keys of `new` that `old` lacks or mapped elsewhere (after the chains they
/// reference exist). Set elements have an empty value.
fn add_elements(
    s: &mut String,
    table: &str,
    name: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) {
    let added: Vec<String> = new
        .iter()
        .filter(|(k, v)| old.get(*k) != Some(v))
        .map(|(k, v)| {
            if v.is_empty() {
                k.clone()
            } else {
                format!("{k} : goto {v}")
            }
        })
        .collect();
    if !added.is_empty() {
        let _ = writeln!(
            s,
            "add element ip {table} {name} {{ {} }}",
            added.join(", ")
        );
    }
}

/// Which pod traffic through a Service the node masquerades.
#[derive(Debug, Clone)]
pub struct Masquerade {
    pub cluster_cidr: String,
    /// Bridge netfilter is on (`net.bridge.bridge-nf-call-iptables = 1`): replies bridged
    /// between two pods are un-DNATed by conntrack, so like kube-proxy only hairpin connections
    /// (an endpoint reaching itself through its Service) are masqueraded. Otherwise every
    /// DNATed connection from a pod is.
    pub bridged_conntrack: bool,
}

/// The nft script that turns the table from `old` into `new` (from nothing when `old` is None:
/// then the table is made anew).
pub fn transition(table: &str, masq: &Masquerade, old: Option<&Rules>, new: &Rules) -> String {
    let empty = Rules::default();
    let mut s = String::new();
    let old = match old {
        Some(o) => o,
        None => {
            s.push_str(&base_table(table, masq));
            &empty
        }
    };
    delete_elements(&mut s, table, "services", &old.services, &new.services);
    delete_elements(&mut s, table, "nodeports", &old.nodeports, &new.nodeports);
    delete_elements(&mut s, table, "hostports", &old.hostports, &new.hostports);
    delete_elements(
        &mut s,
        table,
        "hostports_ip",
        &old.hostports_ip,
        &new.hostports_ip,
    );
    delete_elements(
        &mut s,
        table,
        "no_endpoints",
        &old.no_endpoints,
        &new.no_endpoints,
    );
    for name in old.chains.keys().filter(|c| !new.chains.contains_key(*c)) {
        let _ = writeln!(s, "delete chain ip {table} {name}");
    }
    for (name, rules) in &new.chains {
        match old.chains.get(name) {
            Some(r) if r == rules => continue,
            Some(_) => {
                let _ = writeln!(s, "flush chain ip {table} {name}");
            }
            None => {
                let _ = writeln!(s, "add chain ip {table} {name}");
            }
        }
        for rule in rules {
            let _ = writeln!(s, "add rule ip {table} {name} {rule}");
        }
    }
    add_elements(&mut s, table, "services", &old.services, &new.services);
    add_elements(&mut s, table, "nodeports", &old.nodeports, &new.nodeports);
    add_elements(&mut s, table, "hostports", &old.hostports, &new.hostports);
    add_elements(
        &mut s,
        table,
        "hostports_ip",
        &old.hostports_ip,
        &new.hostports_ip,
    );
    add_elements(
        &mut s,
        table,
        "no_endpoints",
        &old.no_endpoints,
        &new.no_endpoints,
    );
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
                key: format!(
                    "{}/{}/{name}",
                    meta::namespace(svc).unwrap_or_default(),
                    meta::name(svc)
                ),
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
    masq: Masquerade,
    /// Whether pods' hostPorts are forwarded here (false when the CNI configuration has a
    /// plugin with the portMappings capability, which then does it).
    host_ports: bool,
}

/// hostPorts by pod uid.
type HostPorts = std::collections::HashMap<String, Vec<HostPort>>;

impl ServiceProxy {
    pub fn new(registry: Arc<Registry>, table: &str, masq: Masquerade, host_ports: bool) -> Self {
        ServiceProxy {
            registry,
            table: table.to_string(),
            masq,
            host_ports,
        }
    }

    /// Brings the table to the registry's Services and Endpoints and the pods' hostPorts;
    /// `applied` is what the table holds (None: unknown, so the table is rebuilt).
    async fn sync(
        &self,
        applied: &mut Option<Rules>,
        host_ports: &HostPorts,
    ) -> Result<(), String> {
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
        let mut hps: Vec<HostPort> = host_ports.values().flatten().cloned().collect();
        hps.sort_by(|a, b| a.key.cmp(&b.key));
        let want = Rules::desired(&service_ports(&services, &endpoints), &hps);
        if applied.as_ref() == Some(&want) {
            return Ok(());
        }
        let script = transition(&self.table, &self.masq, applied.as_ref(), &want);
        // Unknown until it succeeds: a failed transaction leads to a rebuild next time.
        let was = applied.take();
        match nft(&script).await {
            Ok(()) => {
                *applied = Some(want);
                Ok(())
            }
            Err(e) if was.is_some() => {
                tracing::debug!(error = %e, "incremental service rules failed; rebuilding");
                let full = transition(&self.table, &self.masq, None, &want);
                nft(&full).await?;
                *applied = Some(want);
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Records a pod event's hostPorts; true when they changed.
    fn pod_event(host_ports: &mut HostPorts, ev: WatchEvent) -> bool {
        let (obj, deleted) = match ev {
            WatchEvent::Added(o) | WatchEvent::Modified(o) => (o, false),
            WatchEvent::Deleted(o) => (o, true),
            _ => return false,
        };
        let Some(uid) = meta::uid(&obj).map(String::from) else {
            return false;
        };
        let now = if deleted {
            Vec::new()
        } else {
            pod_host_ports(&obj)
        };
        if host_ports
            .get(&uid)
            .map_or(now.is_empty(), |old| *old == now)
        {
            return false;
        }
        if now.is_empty() {
            host_ports.remove(&uid);
        } else {
            host_ports.insert(uid, now);
        }
        true
    }

    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut applied: Option<Rules> = None;
        loop {
            let (Some(svcs), Some(eps), Some(pods)) = (
                lookup("", "v1", "services"),
                lookup("", "v1", "endpoints"),
                lookup("", "v1", "pods"),
            ) else {
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
            // hostPorts: every pod once (its initial events), then changes.
            let mut host_ports = HostPorts::new();
            let mut pw = if self.host_ports {
                match self
                    .registry
                    .watch(pods, None, WatchOptions::default())
                    .await
                {
                    Ok(w) => Some(w),
                    Err(_) => {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        continue;
                    }
                }
            } else {
                None
            };
            let mut tick = tokio::time::interval(Duration::from_secs(30));
            loop {
                let pod_event = async {
                    match pw.as_mut() {
                        Some(w) => w.recv().await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    _ = shutdown.changed() => {
                        let _ = nft(&format!("add table ip {0}\ndelete table ip {0}\n", self.table)).await;
                        return;
                    }
                    _ = tick.tick() => {}
                    ev = sw.recv() => if ev.is_none() { break },
                    ev = ew.recv() => if ev.is_none() { break },
                    ev = pod_event => match ev {
                        None => break,
                        // Most pod changes touch no hostPort: nothing to do.
                        Some(ev) => if !Self::pod_event(&mut host_ports, ev) { continue },
                    },
                }
                // Coalesce a burst of changes into one transaction.
                tokio::time::sleep(Duration::from_millis(20)).await;
                while sw.try_recv().is_ok() || ew.try_recv().is_ok() {}
                if let Some(w) = pw.as_mut() {
                    while let Ok(ev) = w.try_recv() {
                        Self::pod_event(&mut host_ports, ev);
                    }
                }
                if let Err(e) = self.sync(&mut applied, &host_ports).await {
                    tracing::warn!(error = %e, "programming service rules failed");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(key: &str, ip: &str, port: u16, eps: &[(&str, u16)]) -> ServicePort {
        ServicePort {
            key: key.into(),
            cluster_ip: Some(ip.parse().unwrap()),
            node_port: None,
            port,
            protocol: "tcp".into(),
            endpoints: eps.iter().map(|(i, p)| (i.parse().unwrap(), *p)).collect(),
            client_ip_affinity: false,
        }
    }

    fn masq() -> Masquerade {
        Masquerade {
            cluster_cidr: "10.244.0.0/16".into(),
            bridged_conntrack: false,
        }
    }

    /// `nft -c` accepts a script that makes the table from nothing (when nft is installed).
    fn nft_accepts(s: &str) {
        if !std::path::Path::new("/usr/sbin/nft").exists() {
            return;
        }
        let mut child = std::process::Command::new("nft")
            .args(["-c", "-f", "-"])
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
        assert!(child.wait().unwrap().success(), "{s}");
    }

    #[test]
    fn client_ip_affinity_hashes_the_source() {
        let mut p = port(
            "default/a/",
            "10.96.0.7",
            80,
            &[("10.244.0.2", 80), ("10.244.0.3", 80)],
        );
        p.client_ip_affinity = true;
        let s = transition("peapod", &masq(), None, &Rules::desired(&[p], &[]));
        assert!(
            s.contains("dnat ip addr . port to jhash ip saddr mod 2 map"),
            "{s}"
        );
        nft_accepts(&s);
    }

    #[test]
    fn renders_vips_nodeports_and_rejects() {
        let mut web = port(
            "default/web/http",
            "10.96.0.5",
            80,
            &[("10.244.0.2", 8080), ("10.244.0.3", 8080)],
        );
        web.node_port = Some(30080);
        let mut dns = port("default/dns/", "10.96.0.6", 53, &[]);
        dns.protocol = "udp".into();
        let s = transition("peapod", &masq(), None, &Rules::desired(&[web, dns], &[]));
        let chain = chain_name("default/web/http", "tcp", 80);
        assert!(
            s.starts_with("add table ip peapod\ndelete table ip peapod\n"),
            "{s}"
        );
        assert!(
            s.contains(&format!(
                "add element ip peapod services {{ 10.96.0.5 . tcp . 80 : goto {chain} }}"
            )),
            "{s}"
        );
        assert!(
            s.contains(&format!(
                "add element ip peapod nodeports {{ tcp . 30080 : goto {chain} }}"
            )),
            "{s}"
        );
        assert!(
            s.contains("numgen random mod 2 map { 0 : 10.244.0.2 . 8080, 1 : 10.244.0.3 . 8080 }"),
            "{s}"
        );
        assert!(
            s.contains("add element ip peapod no_endpoints { 10.96.0.6 . udp . 53 }"),
            "{s}"
        );
        assert!(s.contains("reject with tcp reset"), "{s}");
        nft_accepts(&s);
    }

    #[test]
    fn updates_touch_only_what_changed() {
        let a1 = port("default/a/", "10.96.0.7", 80, &[("10.244.0.2", 80)]);
        let b = port("default/b/", "10.96.0.8", 80, &[("10.244.0.4", 80)]);
        let old = Rules::desired(&[a1, b.clone()], &[]);
        // a gains an endpoint: only its chain is rewritten, no element changes.
        let a2 = port(
            "default/a/",
            "10.96.0.7",
            80,
            &[("10.244.0.2", 80), ("10.244.0.3", 80)],
        );
        let new = Rules::desired(&[a2, b.clone()], &[]);
        let s = transition("t", &masq(), Some(&old), &new);
        let ca = chain_name("default/a/", "tcp", 80);
        assert_eq!(
            s,
            format!("flush chain ip t {ca}\nadd rule ip t {ca} ip saddr {{ 10.244.0.2, 10.244.0.3 }} meta mark set meta mark or 0x4000\nadd rule ip t {ca} meta l4proto tcp dnat ip addr . port to numgen random mod 2 map {{ 0 : 10.244.0.2 . 80, 1 : 10.244.0.3 . 80 }}\n")
        );
        // a loses all endpoints: its element and chain go, it starts rejecting.
        let a3 = port("default/a/", "10.96.0.7", 80, &[]);
        let newer = Rules::desired(&[a3, b], &[]);
        let s = transition("t", &masq(), Some(&new), &newer);
        assert_eq!(
            s,
            format!("delete element ip t services {{ 10.96.0.7 . tcp . 80 }}\ndelete chain ip t {ca}\nadd element ip t no_endpoints {{ 10.96.0.7 . tcp . 80 }}\n")
        );
        // Nothing changed: nothing to send.
        assert_eq!(transition("t", &masq(), Some(&newer), &newer), "");
    }

    #[test]
    fn host_ports_forward_to_the_pod() {
        let pod = serde_json::json!({
            "metadata": {"namespace": "default", "name": "web", "uid": "u1"},
            "spec": {"containers": [{"name": "web", "ports": [
                {"containerPort": 80, "hostPort": 8080},
                {"containerPort": 53, "hostPort": 5353, "protocol": "UDP", "hostIP": "192.0.2.7"},
                {"containerPort": 443}
            ]}]},
            "status": {"phase": "Running", "podIP": "10.244.0.9"}
        });
        let hps = pod_host_ports(&pod);
        assert_eq!(hps.len(), 2);
        let mut done = pod.clone();
        done["status"]["phase"] = "Succeeded".into();
        assert!(pod_host_ports(&done).is_empty());
        let mut no_ip = pod.clone();
        no_ip["status"]["podIP"] = serde_json::Value::Null;
        assert!(pod_host_ports(&no_ip).is_empty());
        let r = Rules::desired(&[], &hps);
        let s = transition("peapod", &masq(), None, &r);
        nft_accepts(&s);
        let tcp = format!("hp_{:016x}_tcp_8080", fnv("default/web/80/tcp"));
        assert!(
            s.contains(&format!(
                "add element ip peapod hostports {{ tcp . 8080 : goto {tcp} }}"
            )),
            "{s}"
        );
        assert!(s.contains(&format!(
            "add rule ip peapod {tcp} meta l4proto tcp dnat to 10.244.0.9:80"
        )));
        assert!(
            s.contains("add element ip peapod hostports_ip { 192.0.2.7 . udp . 5353 : goto hp_")
        );
        // The pod goes: its chains and elements go.
        let gone = transition("peapod", &masq(), Some(&r), &Rules::desired(&[], &[]));
        assert!(
            gone.contains(&format!("delete chain ip peapod {tcp}")),
            "{gone}"
        );
        assert!(
            gone.contains("delete element ip peapod hostports { tcp . 8080 }"),
            "{gone}"
        );
    }
}
