//! The record snapshot: every cluster name with its data, built from the cached Services and
//! Endpoints and swapped in whole, so a query reads one immutable map.

use crate::names::{dashed_ipv4, fqdn};
use crate::objects::{Address, Endpoints, Service, ServiceKind};
use hickory_proto::rr::rdata::SOA;
use hickory_proto::rr::{Name, RData, Record};
use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::sync::{Arc, RwLock};

/// TTL of every answer and of negative answers (the SOA minimum): CoreDNS' kubernetes plugin
/// default. Short, because records change as pods come and go.
pub const TTL: u32 = 5;

/// The schema version CoreDNS publishes as `TXT dns-version.<zone>`.
const SCHEMA_VERSION: &str = "1.1.0";

/// The cluster domain in the forms queries are compared with.
#[derive(Debug, Clone)]
pub(crate) struct Zone {
    /// Lowercase, no trailing dot: `cluster.local`.
    pub domain: String,
    /// `cluster.local.`
    pub origin: Name,
    /// `ns.dns.cluster.local.` (SOA mname, as CoreDNS).
    mname: Name,
    /// `hostmaster.cluster.local.`
    rname: Name,
}

impl Zone {
    pub fn new(domain: &str) -> Option<Zone> {
        let domain = domain.trim_end_matches('.').to_ascii_lowercase();
        if domain.is_empty() {
            return None;
        }
        Some(Zone {
            origin: fqdn(&domain)?,
            mname: fqdn(&format!("ns.dns.{domain}"))?,
            rname: fqdn(&format!("hostmaster.{domain}"))?,
            domain,
        })
    }

    pub fn key(&self) -> &[u8] {
        self.domain.as_bytes()
    }

    fn soa(&self, serial: u32) -> Record {
        let soa = SOA::new(
            self.mname.clone(),
            self.rname.clone(),
            serial,
            7200,
            1800,
            86400,
            TTL,
        );
        Record::from_rdata(self.origin.clone(), TTL, RData::SOA(soa))
    }
}

/// The data at one name. A node with nothing in it is an empty non-terminal (or a ClusterIP
/// Service without an IPv4 address): the name exists, queries get NOERROR with no answers.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Node {
    pub a: Vec<Ipv4Addr>,
    pub srv: Vec<Srv>,
    pub cname: Option<Name>,
    pub txt: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Srv {
    pub weight: u16,
    pub port: u16,
    pub target: Name,
    /// The target's address, for the additional section.
    pub target_a: Ipv4Addr,
}

/// One immutable generation of records.
#[derive(Debug)]
pub(crate) struct Snapshot {
    /// Lowercase name without trailing dot → data.
    pub names: HashMap<Box<[u8]>, Node>,
    /// Service and headless endpoint IPs → names, for `in-addr.arpa` queries.
    pub ptr: HashMap<Ipv4Addr, Vec<Name>>,
    /// The zone's SOA, for the authority section of negative answers.
    pub soa: Record,
    /// Lowercase names of all Services (any namespace), to tell search-path expansions of an
    /// existing service name apart from names that exist nowhere (see `answer::search_miss`).
    pub service_names: std::collections::HashSet<Box<[u8]>>,
}

impl Snapshot {
    pub fn empty(zone: &Zone) -> Snapshot {
        build(zone, std::iter::empty(), &HashMap::new(), 0)
    }
}

/// The current snapshot, replaced whole on every change. Readers take the lock only long
/// enough to clone the `Arc` (never across an await).
#[derive(Debug)]
pub(crate) struct SnapshotCell(RwLock<Arc<Snapshot>>);

impl SnapshotCell {
    pub fn new(snap: Snapshot) -> Self {
        SnapshotCell(RwLock::new(Arc::new(snap)))
    }

    pub fn load(&self) -> Arc<Snapshot> {
        // A poisoned lock still holds a complete snapshot (the writer only swaps an Arc).
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn store(&self, snap: Snapshot) {
        let snap = Arc::new(snap);
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = snap;
    }
}

struct Builder<'z> {
    zone: &'z Zone,
    names: HashMap<Box<[u8]>, Node>,
    ptr: HashMap<Ipv4Addr, Vec<Name>>,
}

impl Builder<'_> {
    fn node(&mut self, name: &str) -> &mut Node {
        self.names
            .entry(name.as_bytes().to_vec().into_boxed_slice())
            .or_default()
    }

    fn add_a(&mut self, name: &str, ip: Ipv4Addr) {
        let node = self.node(name);
        if !node.a.contains(&ip) {
            node.a.push(ip);
        }
    }

    fn add_srv(&mut self, name: &str, port: u16, target: &Name, target_a: Ipv4Addr) {
        let node = self.node(name);
        let srv = Srv {
            weight: 0,
            port,
            target: target.clone(),
            target_a,
        };
        if !node.srv.contains(&srv) {
            node.srv.push(srv);
        }
    }

    fn add_ptr(&mut self, ip: Ipv4Addr, target: &Name) {
        let names = self.ptr.entry(ip).or_default();
        if !names.contains(target) {
            names.push(target.clone());
        }
    }

    fn service(&mut self, svc: &Service, endpoints: Option<&Endpoints>) {
        let base = format!("{}.{}.svc.{}", svc.name, svc.namespace, self.zone.domain);
        let Some(base_name) = fqdn(&base) else {
            tracing::debug!(service = %format!("{}/{}", svc.namespace, svc.name), "not a valid DNS name");
            return;
        };
        match &svc.kind {
            ServiceKind::ClusterIp(ip) => {
                self.node(&base);
                let Some(ip) = *ip else { return };
                self.add_a(&base, ip);
                self.add_ptr(ip, &base_name);
                for port in svc.ports.iter().filter(|p| !p.name.is_empty()) {
                    let srv = format!("_{}._{}.{base}", port.name, port.protocol);
                    self.add_srv(&srv, port.port, &base_name, ip);
                    self.add_srv(&base, port.port, &base_name, ip);
                }
            }
            ServiceKind::ExternalName(target) => {
                if let Some(target) = fqdn(target) {
                    self.node(&base).cname = Some(target);
                }
            }
            ServiceKind::Headless => {
                for subset in endpoints.map(|e| e.subsets.as_slice()).unwrap_or(&[]) {
                    let not_ready: &[Address] = if svc.publish_not_ready {
                        &subset.not_ready
                    } else {
                        &[]
                    };
                    for addr in subset.ready.iter().chain(not_ready) {
                        self.endpoint(&base, addr, subset);
                    }
                }
            }
        }
    }

    /// The records of one headless endpoint address.
    fn endpoint(&mut self, base: &str, addr: &Address, subset: &crate::objects::Subset) {
        let dashed = format!("{}.{base}", dashed_ipv4(addr.ip));
        let host = match &addr.hostname {
            Some(h) => format!("{h}.{base}"),
            None => dashed.clone(),
        };
        let Some(host_name) = fqdn(&host) else { return };
        self.add_a(base, addr.ip);
        self.add_a(&host, addr.ip);
        self.add_a(&dashed, addr.ip);
        self.add_ptr(addr.ip, &host_name);
        for port in subset.ports.iter().filter(|p| !p.name.is_empty()) {
            let srv = format!("_{}._{}.{base}", port.name, port.protocol);
            self.add_srv(&srv, port.port, &host_name, addr.ip);
            self.add_srv(base, port.port, &host_name, addr.ip);
        }
    }

    fn finish(mut self, serial: u32) -> Snapshot {
        // Every ancestor of a name up to the zone exists (empty non-terminals), so that e.g.
        // `default.svc.cluster.local` is NOERROR rather than NXDOMAIN.
        let zone_len = self.zone.domain.len();
        let mut parents = Vec::new();
        for key in self.names.keys() {
            let mut rest: &[u8] = key;
            while rest.len() > zone_len {
                match rest.iter().position(|&b| b == b'.') {
                    Some(dot) => rest = &rest[dot + 1..],
                    None => break,
                }
                if !self.names.contains_key(rest) {
                    parents.push(rest.to_vec().into_boxed_slice());
                }
            }
        }
        for p in parents {
            self.names.entry(p).or_default();
        }
        for node in self.names.values_mut() {
            // CoreDNS spreads weight 100 over the records of a name.
            let n = u16::try_from(node.srv.len()).unwrap_or(u16::MAX).max(1);
            let weight = (100 / n).max(1);
            for srv in &mut node.srv {
                srv.weight = weight;
            }
        }
        Snapshot {
            names: self.names,
            ptr: self.ptr,
            soa: self.zone.soa(serial),
            service_names: Default::default(),
        }
    }
}

/// Builds the records of `services` (headless ones with their Endpoints, keyed `ns/name`).
pub(crate) fn build<'s>(
    zone: &Zone,
    services: impl Iterator<Item = &'s Service>,
    endpoints: &HashMap<String, Endpoints>,
    serial: u32,
) -> Snapshot {
    let mut b = Builder {
        zone,
        names: HashMap::new(),
        ptr: HashMap::new(),
    };
    b.node(&zone.domain);
    b.node(&format!("svc.{}", zone.domain));
    b.node(&format!("pod.{}", zone.domain));
    b.node(&format!("dns-version.{}", zone.domain)).txt = Some(SCHEMA_VERSION);
    let mut service_names = std::collections::HashSet::new();
    for svc in services {
        let key = format!("{}/{}", svc.namespace, svc.name);
        service_names.insert(
            svc.name
                .to_ascii_lowercase()
                .into_bytes()
                .into_boxed_slice(),
        );
        b.service(svc, endpoints.get(&key));
    }
    let mut snap = b.finish(serial);
    snap.service_names = service_names;
    snap
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::{parse_endpoints, parse_service, Endpoints};
    use serde_json::{json, Value};

    fn snapshot(services: &[Value], endpoints: &[Value]) -> Snapshot {
        let zone = Zone::new("cluster.local").expect("zone");
        let svcs: Vec<Service> = services.iter().filter_map(parse_service).collect();
        let eps: HashMap<String, Endpoints> = endpoints
            .iter()
            .filter_map(|e| {
                Some((
                    crate::objects::object_key(e)?,
                    parse_endpoints(e).expect("endpoints"),
                ))
            })
            .collect();
        build(&zone, svcs.iter(), &eps, 1)
    }

    fn node<'s>(s: &'s Snapshot, name: &str) -> Option<&'s Node> {
        s.names.get(name.as_bytes())
    }

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().expect("ip")
    }

    #[test]
    fn cluster_ip_service() {
        let s = snapshot(
            &[json!({"metadata": {"name": "web", "namespace": "default"},
                "spec": {"clusterIP": "10.96.0.20", "ports": [
                    {"name": "http", "port": 80, "protocol": "TCP"}, {"port": 81}]}})],
            &[],
        );
        let web = node(&s, "web.default.svc.cluster.local").expect("web");
        assert_eq!(web.a, vec![ip("10.96.0.20")]);
        let srv = node(&s, "_http._tcp.web.default.svc.cluster.local").expect("srv");
        assert_eq!(srv.srv.len(), 1);
        assert_eq!(srv.srv[0].port, 80);
        assert_eq!(srv.srv[0].weight, 100);
        assert_eq!(
            srv.srv[0].target.to_ascii(),
            "web.default.svc.cluster.local."
        );
        // Empty non-terminals exist; unrelated names do not.
        for ent in [
            "_tcp.web.default.svc.cluster.local",
            "default.svc.cluster.local",
            "svc.cluster.local",
            "cluster.local",
        ] {
            assert_eq!(node(&s, ent), Some(&Node::default()), "{ent}");
        }
        assert!(node(&s, "other.default.svc.cluster.local").is_none());
        assert_eq!(
            s.ptr.get(&ip("10.96.0.20")).map(|v| v[0].to_ascii()),
            Some("web.default.svc.cluster.local.".to_string())
        );
    }

    #[test]
    fn headless_service() {
        let s = snapshot(
            &[
                json!({"metadata": {"name": "db", "namespace": "ns1"},
                    "spec": {"clusterIP": "None", "ports": [{"name": "pg", "port": 5432}]}}),
                json!({"metadata": {"name": "empty", "namespace": "ns1"},
                    "spec": {"clusterIP": "None"}}),
            ],
            &[
                json!({"metadata": {"name": "db", "namespace": "ns1"}, "subsets": [{
                    "addresses": [{"ip": "10.244.0.5", "hostname": "db-0"}, {"ip": "10.244.0.6"}],
                    "notReadyAddresses": [{"ip": "10.244.0.7"}],
                    "ports": [{"name": "pg", "port": 5432, "protocol": "TCP"}]}]}),
                json!({"metadata": {"name": "empty", "namespace": "ns1"}, "subsets": [{
                    "notReadyAddresses": [{"ip": "10.244.0.9"}]}]}),
            ],
        );
        let db = node(&s, "db.ns1.svc.cluster.local").expect("db");
        assert_eq!(db.a, vec![ip("10.244.0.5"), ip("10.244.0.6")]);
        assert_eq!(
            node(&s, "db-0.db.ns1.svc.cluster.local").map(|n| n.a.clone()),
            Some(vec![ip("10.244.0.5")])
        );
        assert_eq!(
            node(&s, "10-244-0-5.db.ns1.svc.cluster.local").map(|n| n.a.clone()),
            Some(vec![ip("10.244.0.5")])
        );
        assert_eq!(
            node(&s, "10-244-0-6.db.ns1.svc.cluster.local").map(|n| n.a.clone()),
            Some(vec![ip("10.244.0.6")])
        );
        assert!(node(&s, "10-244-0-7.db.ns1.svc.cluster.local").is_none());
        let srv = &node(&s, "_pg._tcp.db.ns1.svc.cluster.local")
            .expect("srv")
            .srv;
        let targets: Vec<String> = srv.iter().map(|r| r.target.to_ascii()).collect();
        assert_eq!(
            targets,
            [
                "db-0.db.ns1.svc.cluster.local.",
                "10-244-0-6.db.ns1.svc.cluster.local."
            ]
        );
        assert!(srv.iter().all(|r| r.weight == 50 && r.port == 5432));
        assert_eq!(
            s.ptr.get(&ip("10.244.0.5")).map(|v| v[0].to_ascii()),
            Some("db-0.db.ns1.svc.cluster.local.".to_string())
        );
        // No ready endpoints: the name does not exist.
        assert!(node(&s, "empty.ns1.svc.cluster.local").is_none());
    }

    #[test]
    fn publish_not_ready_and_external_name() {
        let s = snapshot(
            &[
                json!({"metadata": {"name": "db", "namespace": "ns1"},
                    "spec": {"clusterIP": "None", "publishNotReadyAddresses": true}}),
                json!({"metadata": {"name": "ext", "namespace": "ns1"},
                    "spec": {"type": "ExternalName", "externalName": "foo.example.com"}}),
            ],
            &[
                json!({"metadata": {"name": "db", "namespace": "ns1"}, "subsets": [{
                "notReadyAddresses": [{"ip": "10.244.0.7"}]}]}),
            ],
        );
        assert_eq!(
            node(&s, "db.ns1.svc.cluster.local").map(|n| n.a.clone()),
            Some(vec![ip("10.244.0.7")])
        );
        assert_eq!(
            node(&s, "ext.ns1.svc.cluster.local")
                .and_then(|n| n.cname.as_ref().map(Name::to_ascii)),
            Some("foo.example.com.".to_string())
        );
        assert_eq!(
            node(&s, "dns-version.cluster.local").and_then(|n| n.txt),
            Some("1.1.0")
        );
    }
}
