//! Pod sandboxes: the pause process that holds a pod's network, IPC and UTS namespaces (and its
//! PID namespace when shared), plus the files every container of the pod shares.

use crate::config::SandboxConfig;
use crate::runtime::{io, write_atomic, Result, Runtime, RuntimeError};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxStatus {
    pub pod_uid: String,
    pub pause_pid: u32,
    pub running: bool,
    /// /proc/<pause>/ns/net, for CNI.
    pub netns: PathBuf,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct SandboxRecord {
    name: String,
    namespace: String,
    hostname: String,
    host_network: bool,
    share_pid: bool,
    pause_pid: u32,
    /// The pause process's start time (clock ticks since boot, /proc/<pid>/stat): tells it
    /// from a later process that reused the pid. 0 in records written before it existed.
    #[serde(default)]
    pause_start: u64,
}

pub(crate) fn pause_id(uid: &str) -> String {
    format!("{uid}-pause")
}

/// The pod's cgroup parent (cgroupfs driver): `/peapod/pod<uid>`.
pub(crate) fn pod_cgroup(uid: &str) -> String {
    format!("/peapod/pod{uid}")
}

/// The kubelet's /etc/hosts for a pod.
pub fn hosts_file(
    hostname: &str,
    pod_ip: Option<&str>,
    aliases: &[(String, Vec<String>)],
) -> String {
    let mut s = String::from(
        "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n",
    );
    if let Some(ip) = pod_ip {
        s.push_str(&format!("{ip}\t{hostname}\n"));
    }
    if !aliases.is_empty() {
        s.push_str("\n# Entries added by HostAliases.\n");
        for (ip, names) in aliases {
            s.push_str(&format!("{ip}\t{}\n", names.join("\t")));
        }
    }
    s
}

pub fn resolv_conf(dns: &crate::config::DnsConfig) -> String {
    let mut s = String::new();
    if !dns.searches.is_empty() {
        s.push_str(&format!("search {}\n", dns.searches.join(" ")));
    }
    for n in &dns.nameservers {
        s.push_str(&format!("nameserver {n}\n"));
    }
    if !dns.options.is_empty() {
        s.push_str(&format!("options {}\n", dns.options.join(" ")));
    }
    s
}

/// Whether a process exists (a zombie not yet reaped by its parent counts).
pub(crate) fn pid_alive(pid: u32) -> bool {
    pid > 0 && nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), None).is_ok()
}

/// A process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat); it does
/// not change across exec, unlike the command line.
pub(crate) fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// The process has exited and waits to be reaped (state Z or X in /proc/<pid>/stat).
pub(crate) fn exited(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rfind(')')
            .and_then(|i| stat[i + 1..].split_whitespace().next())
            .is_some_and(|st| st == "Z" || st == "X")
    })
}

/// The pause process runs: the pid is alive and is the process that was started (not a
/// reused pid).
pub(crate) fn pause_alive(pid: u32, start: u64) -> bool {
    pid_alive(pid) && (start == 0 || start_time(pid) == Some(start))
}

impl Runtime {
    /// Creates and starts the sandbox; if it already runs (agent restart), returns it as it is.
    pub async fn run_sandbox(&self, cfg: &SandboxConfig) -> Result<SandboxStatus> {
        if let Some(st) = self.sandbox_status(&cfg.pod_uid).await? {
            if st.running {
                return Ok(st);
            }
            // A dead pause means new namespaces: everything of the old sandbox goes.
            self.remove_sandbox(&cfg.pod_uid).await?;
        }
        self.prepare_pod_dir(cfg, None)?;
        // Leftovers of an earlier sandbox of this pod that crun ran go first.
        if let Some(id) = self.crun_pause(&cfg.pod_uid) {
            let _ = self.oci(&["delete", "--force", &id]).await;
        }
        let (hostname, new_net, rootfs, cgroup) = (
            (!cfg.host_network).then(|| cfg.hostname.clone()),
            !cfg.host_network,
            self.pause_rootfs(),
            format!("{}/pause", pod_cgroup(&cfg.pod_uid)),
        );
        let pid = tokio::task::spawn_blocking(move || {
            crate::pause::start(hostname.as_deref(), new_net, &rootfs, &cgroup)
        })
        .await
        .map_err(|e| RuntimeError::Invalid(format!("pause launcher: {e}")))??;
        self.write_record(cfg, pid, start_time(pid).unwrap_or(0))
    }

    /// The pod's directories, its /dev/shm and the files its containers share (/etc/hosts
    /// with `pod_ip` when it is known, resolv.conf, hostname).
    pub(crate) fn prepare_pod_dir(&self, cfg: &SandboxConfig, pod_ip: Option<&str>) -> Result<()> {
        let dir = self.pod_dir(&cfg.pod_uid);
        for d in [
            dir.join("containers"),
            dir.join("exits"),
            dir.join("logs"),
            dir.join("shm"),
        ] {
            std::fs::create_dir_all(&d).map_err(io("create", &d))?;
        }
        // The pod's /dev/shm, shared by its containers as their IPC namespace is.
        let shm = dir.join("shm");
        if !is_mountpoint(&shm) {
            nix::mount::mount(
                Some("shm"),
                &shm,
                Some("tmpfs"),
                nix::mount::MsFlags::MS_NOSUID
                    | nix::mount::MsFlags::MS_NODEV
                    | nix::mount::MsFlags::MS_NOEXEC,
                Some("mode=1777,size=65536k"),
            )
            .map_err(|e| RuntimeError::Io {
                action: "mount shm tmpfs on",
                path: shm.clone(),
                source: e.into(),
            })?;
        }
        write_atomic(
            &dir.join("hosts"),
            hosts_file(&cfg.hostname, pod_ip, &cfg.host_aliases).as_bytes(),
        )?;
        write_atomic(&dir.join("resolv.conf"), resolv_conf(&cfg.dns).as_bytes())?;
        write_atomic(
            &dir.join("hostname"),
            format!("{}\n", cfg.hostname).as_bytes(),
        )
    }

    /// Records the pod's pause process (`sandbox.json`): from here on it is the pod's sandbox.
    pub(crate) fn write_record(
        &self,
        cfg: &SandboxConfig,
        pid: u32,
        pause_start: u64,
    ) -> Result<SandboxStatus> {
        let record = SandboxRecord {
            name: cfg.name.clone(),
            namespace: cfg.namespace.clone(),
            hostname: cfg.hostname.clone(),
            host_network: cfg.host_network,
            share_pid: cfg.share_pid,
            pause_pid: pid,
            pause_start,
        };
        write_atomic(
            &self.pod_dir(&cfg.pod_uid).join("sandbox.json"),
            &serde_json::to_vec(&record).unwrap_or_default(),
        )?;
        Ok(SandboxStatus {
            pod_uid: cfg.pod_uid.clone(),
            pause_pid: pid,
            running: pid_alive(pid),
            netns: netns_path(pid),
        })
    }

    /// The sandbox of a pod, if one was created (running or not).
    pub async fn sandbox_status(&self, uid: &str) -> Result<Option<SandboxStatus>> {
        let path = self.pod_dir(uid).join("sandbox.json");
        let Ok(bytes) = std::fs::read(&path) else {
            return Ok(None);
        };
        let rec: SandboxRecord = serde_json::from_slice(&bytes)
            .map_err(|e| RuntimeError::Invalid(format!("{}: {e}", path.display())))?;
        // The pause process itself, checked without a `crun state` process per look.
        let running = pause_alive(rec.pause_pid, rec.pause_start);
        Ok(Some(SandboxStatus {
            pod_uid: uid.to_string(),
            pause_pid: rec.pause_pid,
            running,
            netns: netns_path(rec.pause_pid),
        }))
    }

    /// Rewrites the pod's /etc/hosts once its IP is known. In place, not by rename: containers
    /// created while the network was set up already bind-mount this file (none has started).
    pub fn set_pod_ip(&self, cfg: &SandboxConfig, ip: &str) -> Result<()> {
        let path = self.pod_dir(&cfg.pod_uid).join("hosts");
        std::fs::write(
            &path,
            hosts_file(&cfg.hostname, Some(ip), &cfg.host_aliases).as_bytes(),
        )
        .map_err(io("write", &path))
    }

    /// Every pod uid with a sandbox directory (for adoption and cleanup after a restart).
    pub fn list_sandboxes(&self) -> Vec<String> {
        let Ok(rd) = std::fs::read_dir(self.root.join("pods")) else {
            return Vec::new();
        };
        rd.filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect()
    }

    /// Stops the pause process (containers must be stopped first).
    pub async fn stop_sandbox(&self, uid: &str) -> Result<()> {
        self.kill_pause(uid).await;
        Ok(())
    }

    /// The crun id of the pod's pause process when crun ran it (sandboxes made before peapod
    /// started pause processes itself, still running after an upgrade).
    fn crun_pause(&self, uid: &str) -> Option<String> {
        let id = pause_id(uid);
        self.root.join("crun").join(&id).exists().then_some(id)
    }

    /// SIGKILL to the pause process if it is still the one started (never to a reused pid).
    async fn kill_pause(&self, uid: &str) {
        if let Some(id) = self.crun_pause(uid) {
            let _ = self.oci(&["kill", &id, "KILL"]).await;
        }
        let Ok(bytes) = std::fs::read(self.pod_dir(uid).join("sandbox.json")) else {
            return;
        };
        if let Ok(rec) = serde_json::from_slice::<SandboxRecord>(&bytes) {
            kill_pause_process(rec.pause_pid, rec.pause_start).await;
        }
    }

    /// Removes everything of a pod: containers, pause, mounts, cgroups, files. Logs go too.
    pub async fn remove_sandbox(&self, uid: &str) -> Result<()> {
        for id in self.list_containers(uid) {
            self.remove_container(uid, &id).await?;
        }
        self.kill_pause(uid).await;
        if let Some(id) = self.crun_pause(uid) {
            let _ = self.oci(&["delete", "--force", &id]).await;
        }
        let dir = self.pod_dir(uid);
        let shm = dir.join("shm");
        if is_mountpoint(&shm) {
            let _ = nix::mount::umount2(&shm, nix::mount::MntFlags::MNT_DETACH);
        }
        // Files first: their page cache goes with them instead of being reclaimed (written
        // back, for fresh log lines) from the memory cgroup below.
        let removed = if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(io("remove", &dir))
        } else {
            Ok(())
        };
        // Off the async threads: reclaiming a memory cgroup's pages can take a while.
        let cgroup = pod_cgroup(uid);
        let _ = tokio::task::spawn_blocking(move || remove_cgroups(&cgroup)).await;
        removed
    }
}

/// SIGKILL to a pause process if it is still the one started (never to a reused pid); returns
/// once it has exited (its cgroups can only go then).
pub(crate) async fn kill_pause_process(pid: u32, start: u64) {
    if !pause_alive(pid, start) {
        return;
    }
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGKILL,
    );
    for _ in 0..400 {
        if !pause_alive(pid, start) || exited(pid) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

/// Removes the cgroup `path` (e.g. `/peapod/pod<uid>`) with its children from every hierarchy
/// (the unified one included: each pod left a directory there).
pub(crate) fn remove_cgroups(path: &str) {
    let cgroups: Vec<PathBuf> = crate::host::cgroup_hierarchies()
        .into_iter()
        .map(|c| c.join(path.trim_start_matches('/')))
        .collect();
    cgroups.iter().for_each(|c| remove_cgroup_tree(c));
    if cgroups.iter().any(|c| c.exists()) {
        // A killed pause process keeps its cgroups busy until its parent (the node's init)
        // reaps it, which some inits do only now and then: retry aside for a while.
        tokio::spawn(async move {
            for _ in 0..100 {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                cgroups.iter().for_each(|c| remove_cgroup_tree(c));
                if !cgroups.iter().any(|c| c.exists()) {
                    break;
                }
            }
        });
    }
}

/// Removes a cgroup directory and its children, deepest first (cgroupfs dirs need rmdir).
fn remove_cgroup_tree(dir: &Path) {
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                remove_cgroup_tree(&e.path());
            }
        }
    }
    // A v1 memory cgroup stays behind as a dying one, still counted and walked by the kernel,
    // for as long as page cache charged to it lives (logs, files written in the rootfs): every
    // pod left a few, and each later cgroup operation got slower (pod starts 20 -> 38 ms after
    // ~1,000 pods). Reclaiming its pages first, as the kernel's cgroup-v1 memory docs advise
    // before rmdir, lets it go at once. Refused (EBUSY) while a process is still in it.
    let force_empty = dir.join("memory.force_empty");
    if force_empty.exists() {
        let _ = std::fs::write(&force_empty, "0");
    }
    let _ = std::fs::remove_dir(dir);
}

pub(crate) fn netns_path(pid: u32) -> PathBuf {
    PathBuf::from(format!("/proc/{pid}/ns/net"))
}

pub(crate) fn path_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// True when `p` is a mount point (listed in /proc/self/mountinfo).
pub(crate) fn is_mountpoint(p: &Path) -> bool {
    let Ok(canon) = p.canonicalize() else {
        return false;
    };
    let target = canon.to_string_lossy().into_owned();
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap_or_default()
        .lines()
        .any(|l| l.split(' ').nth(4) == Some(target.as_str()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_this_process_start_time() {
        let me = std::process::id();
        let t = super::start_time(me).expect("own start time");
        assert_eq!(super::start_time(me), Some(t));
        assert!(super::pause_alive(me, t));
        assert!(
            !super::pause_alive(me, t + 1),
            "another process with the same pid"
        );
    }

    use super::*;

    #[test]
    fn hosts_file_matches_kubelet() {
        let h = hosts_file(
            "web",
            Some("10.244.0.5"),
            &[("1.2.3.4".into(), vec!["a".into(), "b".into()])],
        );
        assert!(h.starts_with("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n"));
        assert!(h.contains("10.244.0.5\tweb\n"));
        assert!(h.ends_with("# Entries added by HostAliases.\n1.2.3.4\ta\tb\n"));
    }

    #[test]
    fn resolv_conf_cluster_first() {
        let dns = crate::config::DnsConfig {
            nameservers: vec!["10.96.0.10".into()],
            searches: vec![
                "default.svc.cluster.local".into(),
                "svc.cluster.local".into(),
                "cluster.local".into(),
            ],
            options: vec!["ndots:5".into()],
        };
        assert_eq!(
            resolv_conf(&dns),
            "search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n"
        );
    }
}
