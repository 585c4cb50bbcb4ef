//! The node's upstream resolvers, from resolv.conf.

use std::net::{IpAddr, SocketAddr};

/// The `nameserver` lines of a resolv.conf as port-53 addresses, in order, without duplicates.
///
/// Loopback resolvers (127.0.0.0/8, ::1: systemd-resolved's stub, a local dnsmasq) and the
/// addresses in `exclude` (the cluster DNS itself) are skipped: forwarding to them from the
/// cluster DNS would loop or would not be reachable from pods. IPv6 zone ids (`fe80::1%eth0`)
/// are not supported and skipped.
pub fn upstreams_from_resolv_conf(text: &str, exclude: &[IpAddr]) -> Vec<SocketAddr> {
    let mut out: Vec<SocketAddr> = Vec::new();
    for line in text.lines() {
        let line = line.split(['#', ';']).next().unwrap_or("");
        let mut words = line.split_whitespace();
        if words.next() != Some("nameserver") {
            continue;
        }
        let Some(ip) = words.next().and_then(|w| w.parse::<IpAddr>().ok()) else {
            continue;
        };
        if ip.is_loopback() || ip.is_unspecified() || exclude.contains(&ip) {
            continue;
        }
        let addr = SocketAddr::new(ip, 53);
        if !out.contains(&addr) {
            out.push(addr);
        }
    }
    out
}

/// The host's upstreams: `/etc/resolv.conf`, or when that names only loopback resolvers,
/// systemd-resolved's list of real servers (`/run/systemd/resolve/resolv.conf`).
pub fn host_upstreams(exclude: &[IpAddr]) -> Vec<SocketAddr> {
    for path in ["/etc/resolv.conf", "/run/systemd/resolve/resolv.conf"] {
        if let Ok(text) = std::fs::read_to_string(path) {
            let found = upstreams_from_resolv_conf(&text, exclude);
            if !found.is_empty() {
                return found;
            }
        }
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nameservers() {
        let text = "\
# generated
search example.com
nameserver 127.0.0.53
nameserver 10.0.0.2 # office
nameserver   192.168.1.1
;nameserver 9.9.9.9
nameserver 10.96.0.10
nameserver ::1
nameserver 2001:db8::1
nameserver fe80::1%eth0
nameserver 10.0.0.2
nameserver
options ndots:5
";
        let exclude = ["10.96.0.10".parse().expect("ip")];
        let got: Vec<String> = upstreams_from_resolv_conf(text, &exclude)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(got, ["10.0.0.2:53", "192.168.1.1:53", "[2001:db8::1]:53"]);
        assert!(upstreams_from_resolv_conf("", &[]).is_empty());
    }
}
