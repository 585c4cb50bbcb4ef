//! The parts of Services and Endpoints that DNS needs, taken from their Kubernetes JSON once per
//! watch event so record building never walks JSON.

use serde_json::Value;
use std::net::Ipv4Addr;

/// A Service as DNS sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Service {
    pub namespace: String,
    pub name: String,
    pub kind: ServiceKind,
    pub ports: Vec<Port>,
    /// `spec.publishNotReadyAddresses`: not-ready endpoints get records too.
    pub publish_not_ready: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ServiceKind {
    /// A ClusterIP (also NodePort/LoadBalancer). None when the IP is not IPv4 (or not yet
    /// allocated): the name exists but has no A record.
    ClusterIp(Option<Ipv4Addr>),
    /// `clusterIP: None`: the ready endpoint addresses.
    Headless,
    /// `type: ExternalName`: a CNAME to `spec.externalName`.
    ExternalName(String),
}

/// A port (service port, or endpoint port for headless services).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Port {
    /// Empty for unnamed ports (no SRV record).
    pub name: String,
    pub port: u16,
    /// Lowercase: `tcp`, `udp`, `sctp`.
    pub protocol: String,
}

/// An Endpoints object (v1) as DNS sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Endpoints {
    pub subsets: Vec<Subset>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Subset {
    pub ready: Vec<Address>,
    pub not_ready: Vec<Address>,
    pub ports: Vec<Port>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Address {
    pub ip: Ipv4Addr,
    /// `hostname`, set by the endpoints controller when the pod's subdomain is this service.
    pub hostname: Option<String>,
}

/// `namespace/name`, the key both caches use.
pub(crate) fn object_key(obj: &Value) -> Option<String> {
    let md = obj.get("metadata")?;
    let ns = md.get("namespace").and_then(Value::as_str).unwrap_or("");
    let name = md.get("name").and_then(Value::as_str)?;
    Some(format!("{ns}/{name}"))
}

fn str_at<'v>(v: &'v Value, field: &str) -> Option<&'v str> {
    v.get(field).and_then(Value::as_str)
}

fn array<'v>(v: &'v Value, field: &str) -> &'v [Value] {
    v.get(field)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn parse_ports(list: &[Value]) -> Vec<Port> {
    list.iter()
        .filter_map(|p| {
            let port = u16::try_from(p.get("port")?.as_u64()?).ok()?;
            Some(Port {
                name: str_at(p, "name").unwrap_or("").to_ascii_lowercase(),
                port,
                protocol: str_at(p, "protocol").unwrap_or("TCP").to_ascii_lowercase(),
            })
        })
        .collect()
}

/// A Service from its JSON; None when it lacks a name or namespace.
pub(crate) fn parse_service(obj: &Value) -> Option<Service> {
    let md = obj.get("metadata")?;
    let namespace = str_at(md, "namespace")?.to_ascii_lowercase();
    let name = str_at(md, "name")?.to_ascii_lowercase();
    let spec = obj.get("spec").unwrap_or(&Value::Null);
    let kind = if str_at(spec, "type") == Some("ExternalName") {
        let target = str_at(spec, "externalName")?.trim_end_matches('.');
        ServiceKind::ExternalName(target.to_ascii_lowercase())
    } else {
        match str_at(spec, "clusterIP") {
            Some("None") => ServiceKind::Headless,
            Some(ip) => ServiceKind::ClusterIp(ip.parse().ok()),
            None => ServiceKind::ClusterIp(None),
        }
    };
    Some(Service {
        namespace,
        name,
        kind,
        ports: parse_ports(array(spec, "ports")),
        publish_not_ready: spec
            .get("publishNotReadyAddresses")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    })
}

fn parse_addresses(list: &[Value]) -> Vec<Address> {
    list.iter()
        .filter_map(|a| {
            Some(Address {
                ip: str_at(a, "ip")?.parse().ok()?,
                hostname: str_at(a, "hostname")
                    .filter(|h| !h.is_empty())
                    .map(str::to_ascii_lowercase),
            })
        })
        .collect()
}

/// An Endpoints object from its JSON (IPv6 addresses are skipped).
pub(crate) fn parse_endpoints(obj: &Value) -> Option<Endpoints> {
    obj.get("metadata")?.get("name")?;
    let subsets = array(obj, "subsets")
        .iter()
        .map(|s| Subset {
            ready: parse_addresses(array(s, "addresses")),
            not_ready: parse_addresses(array(s, "notReadyAddresses")),
            ports: parse_ports(array(s, "ports")),
        })
        .collect();
    Some(Endpoints { subsets })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn services() {
        let svc = json!({
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"clusterIP": "10.96.0.20", "ports": [
                {"name": "http", "port": 80, "protocol": "TCP"},
                {"port": 53, "protocol": "UDP"}
            ]}
        });
        assert_eq!(
            parse_service(&svc),
            Some(Service {
                namespace: "default".into(),
                name: "web".into(),
                kind: ServiceKind::ClusterIp(Some(Ipv4Addr::new(10, 96, 0, 20))),
                ports: vec![
                    Port {
                        name: "http".into(),
                        port: 80,
                        protocol: "tcp".into()
                    },
                    Port {
                        name: "".into(),
                        port: 53,
                        protocol: "udp".into()
                    },
                ],
                publish_not_ready: false,
            })
        );
        let headless = json!({"metadata": {"name": "db", "namespace": "ns1"},
            "spec": {"clusterIP": "None", "publishNotReadyAddresses": true}});
        let parsed = parse_service(&headless).expect("headless");
        assert_eq!(parsed.kind, ServiceKind::Headless);
        assert!(parsed.publish_not_ready);
        let ext = json!({"metadata": {"name": "ext", "namespace": "ns1"},
            "spec": {"type": "ExternalName", "externalName": "Foo.Example.com."}});
        assert_eq!(
            parse_service(&ext).map(|s| s.kind),
            Some(ServiceKind::ExternalName("foo.example.com".into()))
        );
        let v6 = json!({"metadata": {"name": "v6", "namespace": "ns1"},
            "spec": {"clusterIP": "fd00::1"}});
        assert_eq!(
            parse_service(&v6).map(|s| s.kind),
            Some(ServiceKind::ClusterIp(None))
        );
        assert_eq!(parse_service(&json!({"metadata": {"name": "x"}})), None);
    }

    #[test]
    fn endpoints() {
        let ep = json!({
            "metadata": {"name": "db", "namespace": "ns1"},
            "subsets": [{
                "addresses": [{"ip": "10.244.0.5", "hostname": "db-0"}, {"ip": "10.244.0.6"}, {"ip": "fd00::5"}],
                "notReadyAddresses": [{"ip": "10.244.0.7"}],
                "ports": [{"name": "pg", "port": 5432}]
            }]
        });
        let parsed = parse_endpoints(&ep).expect("endpoints");
        assert_eq!(parsed.subsets.len(), 1);
        let s = &parsed.subsets[0];
        assert_eq!(
            s.ready,
            vec![
                Address {
                    ip: Ipv4Addr::new(10, 244, 0, 5),
                    hostname: Some("db-0".into())
                },
                Address {
                    ip: Ipv4Addr::new(10, 244, 0, 6),
                    hostname: None
                },
            ]
        );
        assert_eq!(s.not_ready.len(), 1);
        assert_eq!(s.ports[0].protocol, "tcp");
        assert_eq!(object_key(&ep).as_deref(), Some("ns1/db"));
    }
}
