//! Facts about the machine the node runs on: its name, primary address, kernel and memory.

use std::net::Ipv4Addr;

pub fn hostname() -> String {
    nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_else(|| "localhost".into())
        .to_lowercase()
}

/// The first non-loopback IPv4 address of an interface that is up; loopback if none.
pub fn primary_ipv4() -> Ipv4Addr {
    let Ok(addrs) = nix::ifaddrs::getifaddrs() else {
        return Ipv4Addr::LOCALHOST;
    };
    let mut found = None;
    for a in addrs {
        let up = a.flags.contains(nix::net::if_::InterfaceFlags::IFF_UP);
        let Some(ip) = a
            .address
            .as_ref()
            .and_then(|s| s.as_sockaddr_in())
            .map(|s| s.ip())
        else {
            continue;
        };
        if up
            && !ip.is_loopback()
            && !a.interface_name.starts_with("peapod")
            && !a.interface_name.starts_with("cni")
        {
            found = Some(ip);
            break;
        }
    }
    found.unwrap_or(Ipv4Addr::LOCALHOST)
}

pub fn kernel_version() -> String {
    nix::sys::utsname::uname()
        .map(|u| u.release().to_string_lossy().into_owned())
        .unwrap_or_default()
}

pub fn os_image() -> String {
    std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("PRETTY_NAME=")
                    .map(|v| v.trim_matches('"').to_string())
            })
        })
        .unwrap_or_else(|| "Linux".into())
}

pub fn memory_kib() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("MemTotal:")
                    .map(|v| v.trim().trim_end_matches("kB").trim().parse().unwrap_or(0))
            })
        })
        .unwrap_or(0)
}

pub fn cpus() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}
