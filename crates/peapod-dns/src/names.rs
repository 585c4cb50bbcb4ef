//! Name helpers: the lowercase lookup key of a query name, dashed IPv4 labels (`10-1-2-3`) and
//! reverse (`in-addr.arpa`) names.

use hickory_proto::rr::Name;
use std::net::Ipv4Addr;

/// Writes the lowercase, dot-joined labels of `name` (no trailing dot) into `out`.
///
/// Returns false for names that cannot be cluster names: a label containing a dot or a byte
/// outside printable ASCII would make two different names share a key.
pub(crate) fn lookup_key(name: &Name, out: &mut Vec<u8>) -> bool {
    out.clear();
    for (i, label) in name.iter().enumerate() {
        if i > 0 {
            out.push(b'.');
        }
        for &b in label {
            if b == b'.' || !b.is_ascii_graphic() {
                return false;
            }
            out.push(b.to_ascii_lowercase());
        }
    }
    true
}

/// The part of `key` before `.<zone>`, `Some(b"")` for the zone apex itself, None when `key` is
/// not inside the zone.
pub(crate) fn strip_zone<'k>(key: &'k [u8], zone: &[u8]) -> Option<&'k [u8]> {
    if key == zone {
        return Some(&key[..0]);
    }
    let head = key.strip_suffix(zone)?;
    head.strip_suffix(b".")
}

/// `10-1-2-3` → 10.1.2.3 (the label form CoreDNS uses for pod and endpoint names).
pub(crate) fn parse_dashed_ipv4(label: &[u8]) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut parts = label.split(|&b| b == b'-');
    for octet in &mut octets {
        *octet = parse_octet(parts.next()?)?;
    }
    if parts.next().is_some() {
        return None;
    }
    Some(Ipv4Addr::from(octets))
}

/// 10.1.2.3 → `10-1-2-3`.
pub(crate) fn dashed_ipv4(ip: Ipv4Addr) -> String {
    let [a, b, c, d] = ip.octets();
    format!("{a}-{b}-{c}-{d}")
}

/// `3.2.1.10.in-addr.arpa` (as a lookup key) → 10.1.2.3. None for anything that is not a full
/// four-octet reverse name.
pub(crate) fn parse_reverse_ipv4(key: &[u8]) -> Option<Ipv4Addr> {
    let head = key.strip_suffix(b".in-addr.arpa")?;
    let mut octets = [0u8; 4];
    let mut parts = head.split(|&b| b == b'.');
    for i in (0..4).rev() {
        octets[i] = parse_octet(parts.next()?)?;
    }
    if parts.next().is_some() {
        return None;
    }
    Some(Ipv4Addr::from(octets))
}

/// A decimal octet without sign or leading zeros (`010` is not `10`).
fn parse_octet(s: &[u8]) -> Option<u8> {
    if s.is_empty() || s.len() > 3 || (s.len() > 1 && s[0] == b'0') {
        return None;
    }
    let mut v: u16 = 0;
    for &b in s {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u16::from(b - b'0');
    }
    u8::try_from(v).ok()
}

/// A fully qualified name from dot-separated text (`web.default.svc.cluster.local`).
pub(crate) fn fqdn(text: &str) -> Option<Name> {
    let mut name = Name::from_ascii(text).ok()?;
    name.set_fqdn(true);
    Some(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn key(name: &str) -> Option<String> {
        let mut out = Vec::new();
        let n = Name::from_str(name).expect("name");
        lookup_key(&n, &mut out).then(|| String::from_utf8(out).expect("ascii"))
    }

    #[test]
    fn lookup_keys_are_lowercase_without_root() {
        assert_eq!(
            key("MyService.Default.svc.Cluster.Local.").as_deref(),
            Some("myservice.default.svc.cluster.local")
        );
        assert_eq!(key("a.b").as_deref(), Some("a.b"));
        assert_eq!(key(".").as_deref(), Some(""));
        // An escaped dot inside a label must not alias another name.
        assert_eq!(key("a\\.b.c."), None);
    }

    #[test]
    fn zone_stripping() {
        let zone = b"cluster.local";
        let check = |k: &str, want: Option<&str>| {
            assert_eq!(
                strip_zone(k.as_bytes(), zone).map(|h| std::str::from_utf8(h).expect("utf8")),
                want,
                "{k}"
            );
        };
        check("cluster.local", Some(""));
        check("web.default.svc.cluster.local", Some("web.default.svc"));
        check("xcluster.local", None);
        check("example.com", None);
        check("local", None);
    }

    #[test]
    fn dashed_ips() {
        let check = |s: &str, want: Option<[u8; 4]>| {
            assert_eq!(
                parse_dashed_ipv4(s.as_bytes()),
                want.map(Ipv4Addr::from),
                "{s}"
            );
        };
        check("10-1-2-3", Some([10, 1, 2, 3]));
        check("0-0-0-0", Some([0, 0, 0, 0]));
        check("255-255-255-255", Some([255, 255, 255, 255]));
        check("256-1-1-1", None);
        check("10-1-2", None);
        check("10-1-2-3-4", None);
        check("10-01-2-3", None);
        check("a-b-c-d", None);
        check("10--2-3", None);
        assert_eq!(dashed_ipv4(Ipv4Addr::new(10, 244, 0, 7)), "10-244-0-7");
    }

    #[test]
    fn reverse_names() {
        let check = |s: &str, want: Option<[u8; 4]>| {
            assert_eq!(
                parse_reverse_ipv4(s.as_bytes()),
                want.map(Ipv4Addr::from),
                "{s}"
            );
        };
        check("10.0.96.10.in-addr.arpa", Some([10, 96, 0, 10]));
        check("1.0.0.127.in-addr.arpa", Some([127, 0, 0, 1]));
        check("0.96.10.in-addr.arpa", None);
        check("5.10.0.96.10.in-addr.arpa", None);
        check("10.0.96.10.ip6.arpa", None);
        check("x.0.96.10.in-addr.arpa", None);
    }
}
