//! The pod's hostPorts as the kubelet hands them to CNI (`runtimeConfig.portMappings`, used
//! when the CNI configuration has a plugin such as portmap that takes them; otherwise the
//! service proxy forwards hostPorts).

use k8s_openapi::api::core::v1::PodSpec;
use peapod_net::PortMapping;

/// The pod's hostPorts (app and init containers), as the kubelet hands them to CNI.
pub fn port_mappings(spec: &PodSpec) -> Vec<PortMapping> {
    let init = spec.init_containers.iter().flatten();
    init.chain(spec.containers.iter())
        .flat_map(|c| c.ports.iter().flatten())
        .filter_map(|p| {
            let host_port = u16::try_from(p.host_port.unwrap_or(0)).ok()?;
            if host_port == 0 {
                return None;
            }
            Some(PortMapping {
                host_port,
                container_port: u16::try_from(p.container_port).ok()?,
                protocol: p.protocol.as_deref().unwrap_or("TCP").to_lowercase(),
                host_ip: p.host_ip.clone().unwrap_or_default(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_ports_become_port_mappings() {
        let spec: PodSpec = serde_json::from_value(serde_json::json!({
            "containers": [{"name": "web", "ports": [
                {"containerPort": 80, "hostPort": 8080},
                {"containerPort": 53, "hostPort": 5353, "protocol": "UDP", "hostIP": "127.0.0.1"},
                {"containerPort": 9090}
            ]}]
        }))
        .unwrap();
        let m = port_mappings(&spec);
        assert_eq!(m.len(), 2);
        assert_eq!((m[0].host_port, m[0].container_port), (8080, 80));
        assert_eq!(m[0].protocol, "tcp");
        assert_eq!(
            (m[1].protocol.as_str(), m[1].host_ip.as_str()),
            ("udp", "127.0.0.1")
        );
    }
}
