//! What the node agent asks of the runtime, in CRI's shape (PodSandboxConfig, ContainerConfig),
//! free of Kubernetes API types so the runtime stays a library of its own.

use std::path::PathBuf;

/// DNS settings written into the pod's /etc/resolv.conf.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DnsConfig {
    pub nameservers: Vec<String>,
    pub searches: Vec<String>,
    pub options: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SandboxConfig {
    /// The pod's uid: names the sandbox and its directories.
    pub pod_uid: String,
    pub name: String,
    pub namespace: String,
    /// UTS hostname (the pod name, or spec.hostname).
    pub hostname: String,
    pub host_network: bool,
    /// `shareProcessNamespace: true`: the pause process is PID 1 of one PID namespace for all.
    pub share_pid: bool,
    pub dns: DnsConfig,
    /// Extra /etc/hosts lines (ip, names) from hostAliases.
    pub host_aliases: Vec<(String, Vec<String>)>,
}

/// A bind mount into a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub host_path: PathBuf,
    pub container_path: String,
    pub read_only: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resources {
    pub memory_limit_bytes: Option<i64>,
    /// CFS quota in microseconds per 100 ms period (from a CPU limit).
    pub cpu_quota_us: Option<i64>,
    /// cpu.shares (from a CPU request; 2 when none, as the kubelet).
    pub cpu_shares: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecurityConfig {
    pub privileged: bool,
    pub run_as_user: Option<u32>,
    pub run_as_group: Option<u32>,
    pub read_only_rootfs: bool,
    pub add_capabilities: Vec<String>,
    pub drop_capabilities: Vec<String>,
    /// `allowPrivilegeEscalation`; no_new_privs unless it is true (or privileged).
    pub allow_privilege_escalation: Option<bool>,
    /// Ignored for privileged containers (they run unconfined, as with containerd).
    pub seccomp: Seccomp,
}

/// `securityContext.seccompProfile`, resolved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Seccomp {
    /// containerd's default profile; peapod's default when a pod names none (the kubelet's
    /// `--seccomp-default`).
    #[default]
    RuntimeDefault,
    Unconfined,
    /// An OCI seccomp JSON file (`<data-dir>/seccomp/<localhostProfile>`).
    Localhost(std::path::PathBuf),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerConfig {
    pub name: String,
    /// The restart count this instance will have (names its log file).
    pub attempt: u32,
    /// Image reference as written in the pod spec (resolved by the runtime).
    pub image: String,
    /// Kubernetes `command` (replaces the image entrypoint) and `args` (replace its cmd).
    pub command: Vec<String>,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub working_dir: Option<String>,
    pub mounts: Vec<Mount>,
    pub tty: bool,
    pub stdin: bool,
    /// stdin is closed after the first attach session ends.
    pub stdin_once: bool,
    pub security: SecurityConfig,
    pub resources: Resources,
    pub termination_message_path: Option<String>,
    /// Join the PID namespace of this process (an ephemeral container's targetContainerName:
    /// the target's pid) instead of the pod's.
    pub pid_namespace_of: Option<u32>,
}
