//! The node's side of the network: the cluster DNS address on the loopback interface (so the
//! DNS server can bind it and pods reach it through their gateway) and the whole service range
//! routed to the pods' bridge (a packet to a service IP that no DNAT rule rewrote stays on the
//! node's own bridge and never leaves the machine, while the node's own connections to service
//! IPs find a route and get rewritten by the output NAT chain). The bridge is created here if
//! the CNI plugin has not made it yet. Removed again on a clean stop, together with the chains
//! the CNI portmap plugin leaves in iptables' nat table once no hostPort is published.

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
        // The node's own connections to 127.0.0.1:<hostPort> are DNATed to a pod behind the
        // bridge (and masqueraded): the kernel lets a loopback source leave through the bridge
        // only with route_localnet, which portmap and kube-proxy set for the same reason.
        let _ = std::fs::write(format!("/proc/sys/net/ipv4/conf/{dev}/route_localnet"), "1");
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
            remove_idle_portmap_chains("iptables", "ip").await;
            remove_idle_portmap_chains("ip6tables", "ip6").await;
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

async fn iptables_nat(cmd: &str, args: &[&str]) -> Option<String> {
    let out = tokio::process::Command::new(cmd)
        .args(["-w", "5", "-t", "nat"])
        .args(args)
        .output()
        .await
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The portmap plugin keeps its top chains (and their jumps from the nat base chains) after the
/// last DEL. When no pod anywhere publishes a port (the DNAT chain is empty), they go, and so
/// does the nat table if nothing else is left in it.
async fn remove_idle_portmap_chains(cmd: &str, family: &str) {
    // Missing chain: nothing of portmap's here; still drop a nat table left empty.
    let dnat = iptables_nat(cmd, &["-S", "CNI-HOSTPORT-DNAT"]).await;
    if dnat
        .as_deref()
        .is_some_and(|d| d.lines().any(|l| l.starts_with("-A ")))
    {
        return;
    }
    let all = iptables_nat(cmd, &["-S"]).await.unwrap_or_default();
    for rule in all.lines().filter(|l| {
        l.starts_with("-A ")
            && (l.contains("-j CNI-HOSTPORT-DNAT") || l.contains("-j CNI-HOSTPORT-MASQ"))
    }) {
        let spec = rule.replacen("-A ", "-D ", 1);
        let args = shell_words(&spec);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let _ = iptables_nat(cmd, &args).await;
    }
    for chain in [
        "CNI-HOSTPORT-DNAT",
        "CNI-HOSTPORT-MASQ",
        "CNI-HOSTPORT-SETMARK",
    ] {
        let _ = iptables_nat(cmd, &["-F", chain]).await;
        let _ = iptables_nat(cmd, &["-X", chain]).await;
    }
    let Some(left) = iptables_nat(cmd, &["-S"]).await else {
        return;
    };
    if left.lines().all(|l| l.starts_with("-P ")) {
        let _ = tokio::process::Command::new("nft")
            .args(["delete", "table", family, "nat"])
            .output()
            .await;
    }
}

/// Splits an `iptables -S` line into words, honouring double quotes (comments).
fn shell_words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for ch in line.chars() {
        match ch {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(cur);
    }
    out
}

/// Turns bridge netfilter on (the kubelet's prerequisite `net.bridge.bridge-nf-call-iptables =
/// 1`, loading br_netfilter when it is a module) so that conntrack sees traffic bridged between
/// pods; reports whether it is on.
pub fn bridge_netfilter() -> bool {
    let knob = std::path::Path::new("/proc/sys/net/bridge/bridge-nf-call-iptables");
    if !knob.exists() {
        let _ = std::process::Command::new("modprobe")
            .arg("br_netfilter")
            .stderr(std::process::Stdio::null())
            .status();
    }
    let _ = std::fs::write(knob, "1");
    std::fs::read_to_string(knob).is_ok_and(|v| v.trim() == "1")
}

#[cfg(test)]
mod tests {
    use super::shell_words;

    #[test]
    fn splits_iptables_rules_with_quoted_comments() {
        assert_eq!(
            shell_words(
                r#"-D POSTROUTING -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ"#
            ),
            vec![
                "-D",
                "POSTROUTING",
                "-m",
                "comment",
                "--comment",
                "CNI portfwd requiring masquerade",
                "-j",
                "CNI-HOSTPORT-MASQ"
            ]
        );
    }
}
