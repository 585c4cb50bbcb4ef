//! Services, Endpoints and EndpointSlices.

use std::collections::BTreeSet;

use serde_json::Value;

use super::format::{
    age, at, format_labels, int_at, list_at, list_with_more, map_at, name, opt_int_at, str_at,
};

pub(super) fn service_cells(svc: &Value, now: i64) -> Vec<Value> {
    let type_ = str_at(svc, &["spec", "type"]);
    // The internal API fills clusterIPs from the legacy clusterIP field.
    let cluster_ip = match list_at(svc, &["spec", "clusterIPs"]).first() {
        Some(first) => first.as_str().unwrap_or_default(),
        None => match str_at(svc, &["spec", "clusterIP"]) {
            "" => "<none>",
            ip => ip,
        },
    };
    let ports = port_string(list_at(svc, &["spec", "ports"]));
    vec![
        name(svc),
        Value::from(type_),
        Value::from(cluster_ip),
        Value::from(external_ip(svc, type_)),
        Value::from(if ports.is_empty() {
            "<none>".to_string()
        } else {
            ports
        }),
        age(svc, now),
        Value::from(format_labels(map_at(svc, &["spec", "selector"]))),
    ]
}

/// `getServiceExternalIP` as the server prints it (wide, so load-balancer lists are not cut).
fn external_ip(svc: &Value, type_: &str) -> String {
    let external: Vec<&str> = list_at(svc, &["spec", "externalIPs"])
        .iter()
        .filter_map(Value::as_str)
        .collect();
    match type_ {
        "ClusterIP" | "NodePort" if external.is_empty() => "<none>".to_string(),
        "ClusterIP" | "NodePort" => external.join(","),
        "LoadBalancer" => {
            // Distinct ingress IPs (or hostnames), sorted.
            let ingress: BTreeSet<&str> = list_at(svc, &["status", "loadBalancer", "ingress"])
                .iter()
                .map(|i| match str_at(i, &["ip"]) {
                    "" => str_at(i, &["hostname"]),
                    ip => ip,
                })
                .filter(|s| !s.is_empty())
                .collect();
            let all: Vec<&str> = ingress.into_iter().chain(external).collect();
            if all.is_empty() {
                "<pending>".to_string()
            } else {
                all.join(",")
            }
        }
        "ExternalName" => str_at(svc, &["spec", "externalName"]).to_string(),
        _ => "<unknown>".to_string(),
    }
}

/// `80/TCP`, `80:30080/TCP` (with a node port), comma-joined.
fn port_string(ports: &[Value]) -> String {
    let pieces: Vec<String> = ports
        .iter()
        .map(|p| {
            let port = int_at(p, &["port"]);
            // Always defaulted on write; TCP is what the server would have stored.
            let protocol = match str_at(p, &["protocol"]) {
                "" => "TCP",
                proto => proto,
            };
            match int_at(p, &["nodePort"]) {
                node_port if node_port > 0 => format!("{port}:{node_port}/{protocol}"),
                _ => format!("{port}/{protocol}"),
            }
        })
        .collect();
    pieces.join(",")
}

pub(super) fn endpoints_cells(ep: &Value, now: i64) -> Vec<Value> {
    vec![name(ep), Value::from(format_endpoints(ep)), age(ep, now)]
}

/// The ready addresses as `ip:port` for every port of their subset (bare IPs for port-less
/// headless subsets): the first three, then ` + N more...`; `<none>` without subsets.
fn format_endpoints(ep: &Value) -> String {
    let subsets = list_at(ep, &["subsets"]);
    if subsets.is_empty() {
        return "<none>".to_string();
    }
    let endpoints = subsets.iter().flat_map(|ss| {
        let addresses = list_at(ss, &["addresses"]);
        let ports = list_at(ss, &["ports"]);
        let port_numbers: Vec<Option<i64>> = if ports.is_empty() {
            vec![None]
        } else {
            ports.iter().map(|p| Some(int_at(p, &["port"]))).collect()
        };
        port_numbers
            .into_iter()
            .flat_map(move |port| addresses.iter().map(move |a| (str_at(a, &["ip"]), port)))
    });
    let (text, _) = list_with_more(endpoints, |(ip, port)| match port {
        Some(port) => join_host_port(ip, port),
        None => ip.to_string(),
    });
    text
}

/// Go's `net.JoinHostPort`: IPv6 hosts in brackets.
fn join_host_port(host: &str, port: i64) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

pub(super) fn endpoint_slice_cells(slice: &Value, now: i64) -> Vec<Value> {
    let ports = list_at(slice, &["ports"]).iter();
    let (ports, more) = list_with_more(ports, |p| match opt_int_at(p, &["port"]) {
        Some(n) => n.to_string(),
        None if at(p, &["name"]).is_some() => str_at(p, &["name"]).to_string(),
        None => "*".to_string(),
    });
    let ports = unset_if_empty(ports, more);
    let addresses = list_at(slice, &["endpoints"])
        .iter()
        .flat_map(|e| list_at(e, &["addresses"]));
    let (endpoints, more) =
        list_with_more(addresses, |a| a.as_str().unwrap_or_default().to_string());
    let endpoints = unset_if_empty(endpoints, more);
    vec![
        name(slice),
        Value::from(str_at(slice, &["addressType"])),
        Value::from(ports),
        Value::from(endpoints),
        age(slice, now),
    ]
}

fn unset_if_empty(s: String, more: bool) -> String {
    if s.is_empty() && !more {
        "<unset>".to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{ago, check};
    use serde_json::{json, Value};

    fn svc(spec: Value) -> Value {
        json!({"metadata": {"name": "web", "creationTimestamp": ago(300)}, "spec": spec})
    }

    #[test]
    fn services() {
        let cluster_ip = svc(
            json!({"type": "ClusterIP", "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"],
            "ports": [{"port": 80, "protocol": "TCP"}, {"port": 53, "protocol": "UDP"}], "selector": {"app": "web", "a": "b"}}),
        );
        check(
            "services",
            cluster_ip,
            &[
                json!("web"),
                json!("ClusterIP"),
                json!("10.96.0.10"),
                json!("<none>"),
                json!("80/TCP,53/UDP"),
                json!("5m"),
                json!("a=b,app=web"),
            ],
        );
        let headless = svc(
            json!({"type": "ClusterIP", "clusterIP": "None", "clusterIPs": ["None"], "ports": [{"port": 80}]}),
        );
        check(
            "services",
            headless,
            &[
                json!("web"),
                json!("ClusterIP"),
                json!("None"),
                json!("<none>"),
                json!("80/TCP"),
                json!("5m"),
                json!("<none>"),
            ],
        );
        let node_port = svc(
            json!({"type": "NodePort", "clusterIP": "10.96.1.1", "externalIPs": ["1.2.3.4"],
            "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}]}),
        );
        check(
            "services",
            node_port,
            &[
                json!("web"),
                json!("NodePort"),
                json!("10.96.1.1"),
                json!("1.2.3.4"),
                json!("80:30080/TCP"),
                json!("5m"),
                json!("<none>"),
            ],
        );
        let no_ports = svc(json!({"type": "ClusterIP", "clusterIP": "10.96.1.2"}));
        check(
            "services",
            no_ports,
            &[
                json!("web"),
                json!("ClusterIP"),
                json!("10.96.1.2"),
                json!("<none>"),
                json!("<none>"),
            ],
        );
        let external_name = svc(json!({"type": "ExternalName", "externalName": "example.com"}));
        check(
            "services",
            external_name,
            &[
                json!("web"),
                json!("ExternalName"),
                json!("<none>"),
                json!("example.com"),
                json!("<none>"),
            ],
        );
    }

    #[test]
    fn load_balancers() {
        let mut lb = svc(
            json!({"type": "LoadBalancer", "clusterIP": "10.96.2.2", "ports": [{"port": 443, "nodePort": 31443, "protocol": "TCP"}]}),
        );
        check(
            "services",
            lb.clone(),
            &[
                json!("web"),
                json!("LoadBalancer"),
                json!("10.96.2.2"),
                json!("<pending>"),
                json!("443:31443/TCP"),
            ],
        );
        lb["status"] = json!({"loadBalancer": {"ingress": [{"ip": "5.6.7.8"}, {"hostname": "lb.example.com"}, {"ip": "1.1.1.1"}, {"ip": "5.6.7.8"}]}});
        lb["spec"]["externalIPs"] = json!(["9.9.9.9"]);
        check(
            "services",
            lb,
            &[
                json!("web"),
                json!("LoadBalancer"),
                json!("10.96.2.2"),
                json!("1.1.1.1,5.6.7.8,lb.example.com,9.9.9.9"),
            ],
        );
    }

    fn endpoints(subsets: Value) -> Value {
        json!({"metadata": {"name": "web", "creationTimestamp": ago(10)}, "subsets": subsets})
    }

    fn addrs(ips: &[&str]) -> Value {
        Value::from(ips.iter().map(|ip| json!({"ip": ip})).collect::<Vec<_>>())
    }

    #[test]
    fn endpoints_truncation() {
        check(
            "endpoints",
            json!({"metadata": {"name": "web"}}),
            &[json!("web"), json!("<none>"), json!("<unknown>")],
        );
        let two = endpoints(
            json!([{"addresses": addrs(&["10.0.0.1", "10.0.0.2"]), "ports": [{"port": 8080}]}]),
        );
        check(
            "endpoints",
            two,
            &[
                json!("web"),
                json!("10.0.0.1:8080,10.0.0.2:8080"),
                json!("10s"),
            ],
        );
        let five = endpoints(
            json!([{"addresses": addrs(&["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"]),
            "ports": [{"port": 80}]}]),
        );
        check(
            "endpoints",
            five,
            &[
                json!("web"),
                json!("10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more..."),
            ],
        );
        // Two ports over two addresses, plus a port-less subset and an IPv6 address.
        let mixed = endpoints(json!([
            {"addresses": addrs(&["10.0.0.1", "fd00::2"]), "ports": [{"port": 80}, {"port": 443}]},
            {"addresses": addrs(&["10.0.0.9"])}
        ]));
        check(
            "endpoints",
            mixed,
            &[
                json!("web"),
                json!("10.0.0.1:80,[fd00::2]:80,10.0.0.1:443 + 2 more..."),
            ],
        );
        let not_ready = endpoints(
            json!([{"notReadyAddresses": addrs(&["10.0.0.1"]), "ports": [{"port": 80}]}]),
        );
        check("endpoints", not_ready, &[json!("web"), json!("")]);
    }

    #[test]
    fn endpoint_slices() {
        let slice = json!({"metadata": {"name": "web-abcde", "creationTimestamp": ago(61)}, "addressType": "IPv4",
            "ports": [{"name": "http", "port": 80, "protocol": "TCP"}],
            "endpoints": [{"addresses": ["10.0.0.1"]}, {"addresses": ["10.0.0.2"]}]});
        check(
            "endpointslices",
            slice,
            &[
                json!("web-abcde"),
                json!("IPv4"),
                json!("80"),
                json!("10.0.0.1,10.0.0.2"),
                json!("61s"),
            ],
        );
        let many = json!({"metadata": {"name": "s"}, "addressType": "IPv6",
            "ports": [{"name": "a"}, {}, {"port": 1}, {"port": 2}],
            "endpoints": [{"addresses": ["fd00::1", "fd00::2", "fd00::3", "fd00::4"]}]});
        check(
            "endpointslices",
            many,
            &[
                json!("s"),
                json!("IPv6"),
                json!("a,*,1 + 1 more..."),
                json!("fd00::1,fd00::2,fd00::3 + 1 more..."),
            ],
        );
        let empty = json!({"metadata": {"name": "s"}, "addressType": "IPv4"});
        check(
            "endpointslices",
            empty,
            &[
                json!("s"),
                json!("IPv4"),
                json!("<unset>"),
                json!("<unset>"),
            ],
        );
    }
}
