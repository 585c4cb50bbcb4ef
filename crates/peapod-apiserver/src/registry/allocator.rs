//! ClusterIP and NodePort allocation for Services (the service registry's job in Kubernetes).

use super::{Registry, RegistryConfig};
use peapod_api::error::{ApiError, FieldError};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::net::Ipv4Addr;

fn in_cidr(ip: Ipv4Addr, (net, prefix): (Ipv4Addr, u8)) -> bool {
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix as u32)
    };
    (u32::from(ip) & mask) == (u32::from(net) & mask)
}

fn invalid(name: &str, errors: Vec<FieldError>) -> ApiError {
    ApiError::Invalid {
        group: String::new(),
        kind: "Service".into(),
        name: name.into(),
        errors,
    }
}

impl Registry {
    /// Fills spec.clusterIP(s) and node ports of a new Service, checking requested ones.
    pub(super) async fn allocate_service(
        &self,
        svc: &mut Value,
        existing: &[Value],
    ) -> Result<(), ApiError> {
        let cfg: &RegistryConfig = &self.config;
        let name = peapod_api::meta::name(svc).to_string();
        let used_ips: HashSet<String> = existing
            .iter()
            .filter_map(|s| {
                s.pointer("/spec/clusterIP")
                    .and_then(Value::as_str)
                    .map(String::from)
            })
            .collect();
        let svc_type = svc
            .pointer("/spec/type")
            .and_then(Value::as_str)
            .unwrap_or("ClusterIP")
            .to_string();
        if svc_type != "ExternalName" {
            let requested = svc
                .pointer("/spec/clusterIP")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let ip = if requested == "None" {
                requested
            } else if requested.is_empty() {
                self.next_free_ip(&used_ips).ok_or_else(|| {
                    ApiError::Internal("failed to allocate a serviceIP: range is full".into())
                })?
            } else {
                let parsed: Ipv4Addr = requested.parse().map_err(|_| {
                    invalid(
                        &name,
                        vec![FieldError::invalid(
                            "spec.clusterIPs[0]",
                            requested.clone(),
                            "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
                        )],
                    )
                })?;
                if !in_cidr(parsed, cfg.service_cidr) {
                    let (n, p) = cfg.service_cidr;
                    return Err(invalid(&name, vec![FieldError::invalid("spec.clusterIPs", requested.clone(), format!("failed to allocate IP {requested}: the provided IP ({requested}) is not in the valid range. The range of valid IPs is {n}/{p}"))]));
                }
                if used_ips.contains(&requested) {
                    return Err(invalid(&name, vec![FieldError::invalid("spec.clusterIPs", requested.clone(), format!("failed to allocate IP {requested}: provided IP is already allocated"))]));
                }
                requested
            };
            if let Some(spec) = svc.get_mut("spec").and_then(Value::as_object_mut) {
                spec.insert("clusterIP".into(), json!(ip));
                spec.insert("clusterIPs".into(), json!([ip]));
            }
        }
        if svc_type == "NodePort" || svc_type == "LoadBalancer" {
            let mut used_ports: HashSet<i64> = existing
                .iter()
                .flat_map(|s| {
                    s.pointer("/spec/ports")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default()
                })
                .filter_map(|p| p.get("nodePort").and_then(Value::as_i64))
                .collect();
            let (lo, hi) = cfg.node_port_range;
            if let Some(ports) = svc.pointer_mut("/spec/ports").and_then(Value::as_array_mut) {
                for (i, port) in ports.iter_mut().enumerate() {
                    match port.get("nodePort").and_then(Value::as_i64) {
                        Some(np) => {
                            if used_ports.contains(&np) {
                                return Err(invalid(
                                    &name,
                                    vec![FieldError::invalid(
                                        format!("spec.ports[{i}].nodePort"),
                                        np,
                                        "provided port is already allocated".to_string(),
                                    )],
                                ));
                            }
                            if np < lo as i64 || np > hi as i64 {
                                return Err(invalid(&name, vec![FieldError::invalid(format!("spec.ports[{i}].nodePort"), np, format!("provided port is not in the valid range. The range of valid ports is {lo}-{hi}"))]));
                            }
                            used_ports.insert(np);
                        }
                        None => {
                            let free = (lo as i64..=hi as i64)
                                .find(|p| !used_ports.contains(p))
                                .ok_or_else(|| {
                                    ApiError::Internal(
                                        "failed to allocate a nodePort: range is full".into(),
                                    )
                                })?;
                            used_ports.insert(free);
                            if let Some(m) = port.as_object_mut() {
                                m.insert("nodePort".into(), json!(free));
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn next_free_ip(&self, used: &HashSet<String>) -> Option<String> {
        let (net, prefix) = self.config.service_cidr;
        let base = u32::from(net)
            & if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - prefix as u32)
            };
        let size = 1u64 << (32 - prefix as u32);
        // .0 is the network and .1 belongs to the `kubernetes` Service; start at .2 but let .1
        // be handed out if someone asks by leaving it to explicit requests.
        (2..size.saturating_sub(1))
            .map(|off| Ipv4Addr::from(base.wrapping_add(off as u32)).to_string())
            .find(|ip| !used.contains(ip))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_membership() {
        assert!(in_cidr(
            Ipv4Addr::new(10, 96, 0, 10),
            (Ipv4Addr::new(10, 96, 0, 0), 12)
        ));
        assert!(in_cidr(
            Ipv4Addr::new(10, 111, 255, 1),
            (Ipv4Addr::new(10, 96, 0, 0), 12)
        ));
        assert!(!in_cidr(
            Ipv4Addr::new(10, 112, 0, 1),
            (Ipv4Addr::new(10, 96, 0, 0), 12)
        ));
    }
}
