//! OCI runtime specs (config.json) for the pause process and for containers, with containerd's
//! hardened defaults: the default capability set, no_new_privs, masked and read-only /proc and
//! /sys paths, a private /dev, and cgroups per pod and container.

use crate::config::{ContainerConfig, SandboxConfig, Seccomp};
use oci_spec::image::ImageConfiguration;
use oci_spec::runtime::{
    Capability, LinuxBuilder, LinuxCpuBuilder, LinuxMemoryBuilder, LinuxNamespace,
    LinuxNamespaceBuilder, LinuxNamespaceType, LinuxResourcesBuilder, Mount, MountBuilder,
    ProcessBuilder, RootBuilder, Spec, UserBuilder,
};
use oci_spec::runtime::{LinuxCapabilities, LinuxCapabilitiesBuilder};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::str::FromStr;

#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("building the OCI spec: {0}")]
    Build(String),
    #[error("unknown capability {0:?} in securityContext.capabilities")]
    Capability(String),
    #[error("seccomp profile {0}")]
    Seccomp(String),
}

pub(crate) fn build_err(e: impl std::fmt::Display) -> SpecError {
    SpecError::Build(e.to_string())
}

/// containerd's default capabilities for non-privileged containers.
pub const DEFAULT_CAPABILITIES: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
];

fn parse_cap(name: &str) -> Result<Capability, SpecError> {
    let upper = name.to_ascii_uppercase();
    let full = if upper.starts_with("CAP_") {
        upper
    } else {
        format!("CAP_{upper}")
    };
    Capability::from_str(&full)
        .or_else(|_| serde_json::from_value::<Capability>(serde_json::Value::String(full.clone())))
        .map_err(|_| SpecError::Capability(name.to_string()))
}

fn capabilities(
    add: &[String],
    drop: &[String],
    privileged: bool,
) -> Result<LinuxCapabilities, SpecError> {
    let mut set: HashSet<Capability> = HashSet::new();
    if privileged {
        set.extend(all_capabilities());
    } else {
        for c in DEFAULT_CAPABILITIES {
            set.insert(parse_cap(c)?);
        }
    }
    if add.iter().any(|a| a.eq_ignore_ascii_case("ALL")) {
        set.extend(all_capabilities());
    } else {
        for a in add {
            set.insert(parse_cap(a)?);
        }
    }
    if drop.iter().any(|d| d.eq_ignore_ascii_case("ALL")) {
        set.clear();
    } else {
        for d in drop {
            set.remove(&parse_cap(d)?);
        }
    }
    LinuxCapabilitiesBuilder::default()
        .bounding(set.clone())
        .effective(set.clone())
        .permitted(set)
        .inheritable(HashSet::new())
        .ambient(HashSet::new())
        .build()
        .map_err(build_err)
}

/// Every capability this process may hand out (its bounding set: root here lacks some, e.g.
/// CAP_SYS_RESOURCE, and asking crun for one it lacks fails the container).
fn all_capabilities() -> Vec<Capability> {
    let bounding = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("CapBnd:").map(|v| v.trim().to_string()))
        })
        .and_then(|hex| u64::from_str_radix(&hex, 16).ok())
        .unwrap_or(u64::MAX);
    (0..64)
        .filter(|i| bounding & (1u64 << i) != 0)
        .filter_map(|i| {
            serde_json::from_value::<Capability>(serde_json::Value::String(cap_name(i)?)).ok()
        })
        .collect()
}

/// Capability names by number (the kernel's order), enough to enumerate "ALL".
fn cap_name(i: u32) -> Option<String> {
    const NAMES: &[&str] = &[
        "CHOWN",
        "DAC_OVERRIDE",
        "DAC_READ_SEARCH",
        "FOWNER",
        "FSETID",
        "KILL",
        "SETGID",
        "SETUID",
        "SETPCAP",
        "LINUX_IMMUTABLE",
        "NET_BIND_SERVICE",
        "NET_BROADCAST",
        "NET_ADMIN",
        "NET_RAW",
        "IPC_LOCK",
        "IPC_OWNER",
        "SYS_MODULE",
        "SYS_RAWIO",
        "SYS_CHROOT",
        "SYS_PTRACE",
        "SYS_PACCT",
        "SYS_ADMIN",
        "SYS_BOOT",
        "SYS_NICE",
        "SYS_RESOURCE",
        "SYS_TIME",
        "SYS_TTY_CONFIG",
        "MKNOD",
        "LEASE",
        "AUDIT_WRITE",
        "AUDIT_CONTROL",
        "SETFCAP",
        "MAC_OVERRIDE",
        "MAC_ADMIN",
        "SYSLOG",
        "WAKE_ALARM",
        "BLOCK_SUSPEND",
        "AUDIT_READ",
        "PERFMON",
        "BPF",
        "CHECKPOINT_RESTORE",
    ];
    NAMES.get(i as usize).map(|n| format!("CAP_{n}"))
}

fn ns(typ: LinuxNamespaceType, path: Option<PathBuf>) -> Result<LinuxNamespace, SpecError> {
    let mut b = LinuxNamespaceBuilder::default().typ(typ);
    if let Some(p) = path {
        b = b.path(p);
    }
    b.build().map_err(build_err)
}

fn bind(host: &Path, dest: &str, ro: bool) -> Result<Mount, SpecError> {
    let mut opts = vec!["rbind".to_string(), "rprivate".to_string()];
    opts.push(if ro { "ro" } else { "rw" }.to_string());
    MountBuilder::default()
        .destination(dest)
        .typ("bind")
        .source(host)
        .options(opts)
        .build()
        .map_err(build_err)
}

/// Mounts every container gets: proc, a private /dev, devpts, mqueue, read-only sysfs and
/// cgroup (all from the OCI defaults; a second cgroup entry would double crun's mount work).
fn base_mounts(shm: Option<&Path>) -> Result<Vec<Mount>, SpecError> {
    let mut mounts: Vec<Mount> = oci_spec::runtime::get_default_mounts()
        .into_iter()
        .filter(|m| m.destination() != Path::new("/dev/shm") || shm.is_none())
        .collect();
    if let Some(shm) = shm {
        mounts.push(bind(shm, "/dev/shm", false)?);
    }
    Ok(mounts)
}

/// What a container joins and gets from its pod.
pub struct ContainerSpecInput<'a> {
    pub config: &'a ContainerConfig,
    pub image: &'a ImageConfiguration,
    pub rootfs: &'a Path,
    pub pause_pid: u32,
    pub sandbox: &'a SandboxConfig,
    pub cgroups_path: String,
    /// A cgroup namespace of its own: on cgroup v2 hosts, as containerd does there. On v1 hosts
    /// containers share the node's (as under containerd or docker on v1) and see their own
    /// cgroup directories bound at /sys/fs/cgroup; a v1 cgroup namespace would also cost crun a
    /// fresh mount of every hierarchy per container.
    pub private_cgroupns: bool,
    /// The pod's /etc/hosts, /etc/resolv.conf, /etc/hostname and /dev/shm.
    pub etc_hosts: &'a Path,
    pub resolv_conf: &'a Path,
    pub hostname_file: &'a Path,
    pub shm: &'a Path,
    pub termination_log: &'a Path,
}

/// Kubernetes' rule: `command` replaces the image entrypoint and drops its cmd; `args` replace
/// the cmd.
pub fn process_args(cfg: &ContainerConfig, image: &ImageConfiguration) -> Vec<String> {
    let ic = image.config().as_ref();
    let entrypoint = ic.and_then(|c| c.entrypoint().clone()).unwrap_or_default();
    let cmd = ic.and_then(|c| c.cmd().clone()).unwrap_or_default();
    let mut out = if cfg.command.is_empty() {
        entrypoint
    } else {
        cfg.command.clone()
    };
    if !cfg.args.is_empty() {
        out.extend(cfg.args.iter().cloned());
    } else if cfg.command.is_empty() {
        out.extend(cmd);
    }
    out
}

/// Image env first, then the container's (later entries win, as in the kubelet).
pub fn process_env(
    cfg: &ContainerConfig,
    image: &ImageConfiguration,
    hostname: &str,
) -> Vec<String> {
    let mut env: Vec<(String, String)> = Vec::new();
    let mut set = |k: &str, v: &str| {
        if let Some(e) = env.iter_mut().find(|(ek, _)| ek == k) {
            e.1 = v.to_string();
        } else {
            env.push((k.to_string(), v.to_string()));
        }
    };
    set(
        "PATH",
        "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    );
    for kv in image
        .config()
        .as_ref()
        .and_then(|c| c.env().clone())
        .unwrap_or_default()
    {
        if let Some((k, v)) = kv.split_once('=') {
            set(k, v);
        }
    }
    set("HOSTNAME", hostname);
    for (k, v) in &cfg.env {
        set(k, v);
    }
    env.into_iter().map(|(k, v)| format!("{k}={v}")).collect()
}

/// `uid[:gid]` from the image's User, numeric only (names need the rootfs; see `resolve_user`).
fn image_user(image: &ImageConfiguration) -> Option<String> {
    image
        .config()
        .as_ref()
        .and_then(|c| c.user().clone())
        .filter(|u| !u.is_empty())
}

pub fn container_spec(i: &ContainerSpecInput<'_>, user: (u32, u32)) -> Result<Spec, SpecError> {
    let cfg = i.config;
    let sec = &cfg.security;
    let caps = capabilities(
        &sec.add_capabilities,
        &sec.drop_capabilities,
        sec.privileged,
    )?;
    let bounding: Vec<Capability> = caps.bounding().iter().flatten().copied().collect();
    let cwd = cfg
        .working_dir
        .clone()
        .or_else(|| {
            i.image
                .config()
                .as_ref()
                .and_then(|c| c.working_dir().clone())
        })
        .filter(|w| !w.is_empty())
        .unwrap_or_else(|| "/".to_string());
    let no_new_privs = !(sec.privileged || sec.allow_privilege_escalation == Some(true));
    let process = ProcessBuilder::default()
        .terminal(cfg.tty)
        .args(process_args(cfg, i.image))
        .env(process_env(cfg, i.image, &i.sandbox.hostname))
        .cwd(cwd)
        .user(
            UserBuilder::default()
                .uid(user.0)
                .gid(user.1)
                .build()
                .map_err(build_err)?,
        )
        .capabilities(caps)
        .no_new_privileges(no_new_privs)
        .build()
        .map_err(build_err)?;

    let pid_ns = |n: &str| Some(PathBuf::from(format!("/proc/{}/ns/{n}", i.pause_pid)));
    let mut namespaces = vec![
        ns(LinuxNamespaceType::Mount, None)?,
        ns(LinuxNamespaceType::Ipc, pid_ns("ipc"))?,
        ns(LinuxNamespaceType::Uts, pid_ns("uts"))?,
    ];
    if i.private_cgroupns {
        namespaces.push(ns(LinuxNamespaceType::Cgroup, None)?);
    }
    namespaces.push(if let Some(target) = cfg.pid_namespace_of {
        let path = PathBuf::from(format!("/proc/{target}/ns/pid"));
        ns(LinuxNamespaceType::Pid, Some(path))?
    } else if i.sandbox.share_pid {
        ns(LinuxNamespaceType::Pid, pid_ns("pid"))?
    } else {
        ns(LinuxNamespaceType::Pid, None)?
    });
    if !i.sandbox.host_network {
        namespaces.push(ns(LinuxNamespaceType::Network, pid_ns("net"))?);
    }

    let mut res = LinuxResourcesBuilder::default();
    if let Some(m) = cfg.resources.memory_limit_bytes {
        res = res.memory(
            LinuxMemoryBuilder::default()
                .limit(m)
                .build()
                .map_err(build_err)?,
        );
    }
    let mut cpu = LinuxCpuBuilder::default();
    if let Some(q) = cfg.resources.cpu_quota_us {
        cpu = cpu.quota(q).period(100_000u64);
    }
    cpu = cpu.shares(cfg.resources.cpu_shares.unwrap_or(2));
    res = res.cpu(cpu.build().map_err(build_err)?);
    let mut linux = LinuxBuilder::default()
        .namespaces(namespaces)
        .cgroups_path(PathBuf::from(&i.cgroups_path))
        .resources(res.build().map_err(build_err)?);
    if !sec.privileged {
        linux = linux
            .masked_paths(oci_spec::runtime::get_default_maskedpaths())
            .readonly_paths(oci_spec::runtime::get_default_readonly_paths());
    }
    match &sec.seccomp {
        _ if sec.privileged => {}
        Seccomp::Unconfined => {}
        Seccomp::RuntimeDefault => {
            linux = linux.seccomp(crate::seccomp::runtime_default(&bounding)?);
        }
        Seccomp::Localhost(path) => linux = linux.seccomp(crate::seccomp::localhost(path)?),
    }
    let linux = linux.build().map_err(build_err)?;

    let mut mounts = base_mounts(Some(i.shm))?;
    mounts.push(bind(i.etc_hosts, "/etc/hosts", false)?);
    mounts.push(bind(i.resolv_conf, "/etc/resolv.conf", false)?);
    mounts.push(bind(i.hostname_file, "/etc/hostname", false)?);
    let term_path = cfg
        .termination_message_path
        .clone()
        .unwrap_or_else(|| "/dev/termination-log".into());
    mounts.push(bind(i.termination_log, &term_path, false)?);
    for m in &cfg.mounts {
        mounts.push(bind(&m.host_path, &m.container_path, m.read_only)?);
    }

    let mut spec = Spec::default();
    spec.set_process(Some(process));
    spec.set_root(Some(
        RootBuilder::default()
            .path(i.rootfs)
            .readonly(sec.read_only_rootfs)
            .build()
            .map_err(build_err)?,
    ));
    // The hostname belongs to the pause process's UTS namespace, which the container joins.
    spec.set_hostname(None);
    spec.set_mounts(Some(mounts));
    spec.set_linux(Some(linux));
    Ok(spec)
}

/// The (uid, gid) a container runs as: securityContext first, then the image's User, resolved
/// against the rootfs' /etc/passwd and /etc/group when it is a name.
pub fn resolve_user(
    cfg: &ContainerConfig,
    image: &ImageConfiguration,
    rootfs: &Path,
) -> (u32, u32) {
    let (mut uid, mut gid) = (0u32, 0u32);
    if let Some(u) = image_user(image) {
        let (user, group) = match u.split_once(':') {
            Some((a, b)) => (a.to_string(), Some(b.to_string())),
            None => (u, None),
        };
        let passwd = std::fs::read_to_string(rootfs.join("etc/passwd")).unwrap_or_default();
        match user.parse::<u32>() {
            Ok(n) => {
                uid = n;
                gid = passwd
                    .lines()
                    .find(|l| l.split(':').nth(2) == Some(user.as_str()))
                    .and_then(|l| l.split(':').nth(3)?.parse().ok())
                    .unwrap_or(n);
            }
            Err(_) => {
                if let Some(l) = passwd
                    .lines()
                    .find(|l| l.split(':').next() == Some(user.as_str()))
                {
                    uid = l
                        .split(':')
                        .nth(2)
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(0);
                    gid = l
                        .split(':')
                        .nth(3)
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(0);
                }
            }
        }
        if let Some(g) = group {
            let groups = std::fs::read_to_string(rootfs.join("etc/group")).unwrap_or_default();
            gid = g.parse().ok().unwrap_or_else(|| {
                groups
                    .lines()
                    .find(|l| l.split(':').next() == Some(g.as_str()))
                    .and_then(|l| l.split(':').nth(2)?.parse().ok())
                    .unwrap_or(gid)
            });
        }
    }
    if let Some(u) = cfg.security.run_as_user {
        uid = u;
    }
    if let Some(g) = cfg.security.run_as_group {
        gid = g;
    }
    (uid, gid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use oci_spec::image::{ConfigBuilder, ImageConfigurationBuilder};

    fn image(entry: &[&str], cmd: &[&str]) -> ImageConfiguration {
        let c = ConfigBuilder::default()
            .entrypoint(entry.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .cmd(cmd.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .env(vec!["PATH=/bin".to_string(), "A=1".to_string()])
            .build()
            .unwrap();
        ImageConfigurationBuilder::default()
            .config(c)
            .build()
            .unwrap()
    }

    fn cfg(command: &[&str], args: &[&str]) -> ContainerConfig {
        ContainerConfig {
            command: command.iter().map(|s| s.to_string()).collect(),
            args: args.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn command_and_args_follow_kubernetes_rules() {
        let img = image(&["nginx"], &["-g", "daemon off;"]);
        assert_eq!(
            process_args(&cfg(&[], &[]), &img),
            ["nginx", "-g", "daemon off;"]
        );
        assert_eq!(
            process_args(&cfg(&["sh", "-c", "x"], &[]), &img),
            ["sh", "-c", "x"]
        );
        assert_eq!(process_args(&cfg(&[], &["-v"]), &img), ["nginx", "-v"]);
        assert_eq!(process_args(&cfg(&["echo"], &["hi"]), &img), ["echo", "hi"]);
    }

    #[test]
    fn env_merges_image_then_container() {
        let img = image(&[], &["sh"]);
        let mut c = cfg(&[], &[]);
        c.env = vec![("A".into(), "2".into()), ("B".into(), "3".into())];
        let env = process_env(&c, &img, "web");
        assert_eq!(env, ["PATH=/bin", "A=2", "HOSTNAME=web", "B=3"]);
    }

    #[test]
    fn default_capabilities_and_drops() {
        let caps = capabilities(&["NET_ADMIN".into()], &["KILL".into()], false).unwrap();
        let b = caps.bounding().clone().unwrap();
        assert!(b.contains(&parse_cap("NET_ADMIN").unwrap()));
        assert!(!b.contains(&parse_cap("KILL").unwrap()));
        assert!(b.contains(&parse_cap("CHOWN").unwrap()));
        assert!(!b.contains(&parse_cap("SYS_ADMIN").unwrap()));
        assert!(capabilities(&["BOGUS".into()], &[], false).is_err());
    }
}
