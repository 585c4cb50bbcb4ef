//! The node's side of the network: the cluster DNS address on the loopback interface (so the
//! DNS server can bind it and pods reach it through their gateway) and the whole service range
//! routed to the pods' bridge (a packet to a service IP that no DNAT rule rewrote stays on the
//! node's own bridge and never leaves the machine, while the node's own connections to service
//! IPs find a route and get rewritten by the output NAT chain). The bridge is created here if
//! the CNI plugin has not made it yet. Removed again on a clean stop.

use std::net::Ipv4Addr;

#[derive(Debug, Clone)]
pub struct HostNetworkConfig {
    pub cluster_dns: Ipv4Addr,
    pub service_cidr: (Ipv4Addr, u8),
    /// The pods' bridge (created by the CNI bridge plugin), removed when no pod is left.
    pub bridge: String,
}

pub struct HostNetwork {
    cfg: HostNetworkConfig,
    added_dns: bool,
    added_route: bool,
}

async fn ip(args: &[&str]) -> Result<(), String> {
    let out = tokio::process::Command::new("ip")
        .args(args)
        .output()
        .await
        .map_err(|e| format!("ip {}: {e}", args.join(" ")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

impl HostNetwork {
    pub async fn setup(cfg: HostNetworkConfig) -> HostNetwork {
        let dns = format!("{}/32", cfg.cluster_dns);
        let added_dns = match ip(&["addr", "add", &dns, "dev", "lo"]).await {
            // Already there: left by an earlier run of this node that did not stop cleanly.
            Ok(()) => true,
            Err(e) if e.contains("File exists") || e.contains("already assigned") => true,
            Err(e) => {
                tracing::warn!(error = %e, "could not add the cluster DNS address");
                false
            }
        };
        // IP forwarding lets pods reach node-local addresses (DNS) through the bridge gateway.
        let _ = std::fs::write("/proc/sys/net/ipv4/ip_forward", "1");
        let range = format!("{}/{}", cfg.service_cidr.0, cfg.service_cidr.1);
        let dev = cfg.bridge.clone();
        let _ = ip(&["link", "add", &dev, "type", "bridge"]).await;
        let _ = ip(&["link", "set", &dev, "up"]).await;
        let added_route = match ip(&["route", "replace", &range, "dev", &dev]).await {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(error = %e, "could not route the service range locally");
                false
            }
        };
        HostNetwork {
            cfg,
            added_dns,
            added_route,
        }
    }

    /// Removes what `setup` added, and the pod bridge when no pod is left on the node.
    pub async fn teardown(&self, pods_left: bool) {
        if !pods_left {
            let _ = ip(&["link", "del", &self.cfg.bridge]).await;
        }
        if self.added_dns {
            let _ = ip(&[
                "addr",
                "del",
                &format!("{}/32", self.cfg.cluster_dns),
                "dev",
                "lo",
            ])
            .await;
        }
        if self.added_route {
            let range = format!("{}/{}", self.cfg.service_cidr.0, self.cfg.service_cidr.1);
            let _ = ip(&["route", "del", &range, "dev", &self.cfg.bridge]).await;
        }
    }
}
