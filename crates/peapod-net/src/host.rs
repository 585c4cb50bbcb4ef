//! The node's side of the network: the cluster DNS address on the loopback interface (so the
//! DNS server can bind it and pods reach it through their gateway) and a blackhole route for the
//! whole service range (a packet to a service IP without a rule never leaves the machine).
//! Removed again on a clean stop.

use std::net::Ipv4Addr;

#[derive(Debug, Clone)]
pub struct HostNetworkConfig {
    pub cluster_dns: Ipv4Addr,
    pub service_cidr: (Ipv4Addr, u8),
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
            Ok(()) => true,
            Err(e) if e.contains("File exists") => false,
            Err(e) => {
                tracing::warn!(error = %e, "could not add the cluster DNS address");
                false
            }
        };
        // IP forwarding lets pods reach node-local addresses (DNS) through the bridge gateway.
        let _ = std::fs::write("/proc/sys/net/ipv4/ip_forward", "1");
        let range = format!("{}/{}", cfg.service_cidr.0, cfg.service_cidr.1);
        let added_route = match ip(&["route", "add", "blackhole", &range]).await {
            Ok(()) => true,
            Err(e) if e.contains("File exists") => false,
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

    /// Removes what `setup` added.
    pub async fn teardown(&self) {
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
            let _ = ip(&[
                "route",
                "del",
                "blackhole",
                &format!("{}/{}", self.cfg.service_cidr.0, self.cfg.service_cidr.1),
            ])
            .await;
        }
    }
}
