//! Warm sandboxes: pause processes started before their pod exists, in new PID, IPC, UTS and
//! network namespaces and a cgroup of their own, so that a pod start need not wait for them
//! (nor, the agent's part, for its network). Claiming one gives it the pod's identity: its
//! hostname, its cgroup (renamed to the pod's), the pod's files and `sandbox.json`; from then on
//! it is that pod's sandbox like any other.

use crate::config::SandboxConfig;
use crate::runtime::{io, write_atomic, Result, Runtime, RuntimeError};
use crate::sandbox::{
    exited, kill_pause_process, pause_alive, pod_cgroup, remove_cgroups, start_time, SandboxStatus,
};
use std::path::PathBuf;

/// A pause process waiting for a pod.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WarmSandbox {
    pub id: String,
    pub pause_pid: u32,
    /// The pause process's start time (tells it from a later process with the same pid).
    pause_start: u64,
}

impl WarmSandbox {
    /// Its network namespace, for CNI.
    pub fn netns(&self) -> PathBuf {
        crate::sandbox::netns_path(self.pause_pid)
    }

    /// Its pause process runs (not exited, even if not yet reaped).
    pub fn running(&self) -> bool {
        pause_alive(self.pause_pid, self.pause_start) && !exited(self.pause_pid)
    }
}

/// Its cgroup until claimed: `/peapod/<id>`, a sibling of the pods' so a rename moves it.
fn warm_cgroup(id: &str) -> String {
    format!("/peapod/{id}")
}

impl Runtime {
    fn warm_record(&self, id: &str) -> PathBuf {
        self.root.join("warm").join(format!("{id}.json"))
    }

    /// Starts a pause process for a pod to come. `id` names it (letters, digits and '-').
    pub async fn start_warm_sandbox(&self, id: &str) -> Result<WarmSandbox> {
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(RuntimeError::Invalid(format!(
                "warm sandbox id {id:?}: only letters, digits and '-' are allowed"
            )));
        }
        let record = self.warm_record(id);
        if let Some(dir) = record.parent() {
            std::fs::create_dir_all(dir).map_err(io("create", dir))?;
        }
        let (rootfs, cgroup) = (self.pause_rootfs(), format!("{}/pause", warm_cgroup(id)));
        let pid =
            tokio::task::spawn_blocking(move || crate::pause::start(None, true, &rootfs, &cgroup))
                .await
                .map_err(|e| RuntimeError::Invalid(format!("pause launcher: {e}")))?;
        let pid = match pid {
            Ok(pid) => pid,
            Err(e) => {
                remove_cgroups(&warm_cgroup(id));
                return Err(e);
            }
        };
        let warm = WarmSandbox {
            id: id.to_string(),
            pause_pid: pid,
            pause_start: start_time(pid).unwrap_or(0),
        };
        write_atomic(&record, &serde_json::to_vec(&warm).unwrap_or_default())?;
        Ok(warm)
    }

    /// Makes `warm` the sandbox of the pod `cfg` (not host-network), whose address is `pod_ip`.
    /// On error the caller removes both (`remove_sandbox`, `remove_warm_sandbox`).
    pub async fn claim_warm_sandbox(
        &self,
        warm: &WarmSandbox,
        cfg: &SandboxConfig,
        pod_ip: &str,
    ) -> Result<SandboxStatus> {
        if cfg.host_network {
            return Err(RuntimeError::Invalid(
                "a host-network pod cannot take a warm sandbox".into(),
            ));
        }
        if !warm.running() {
            return Err(RuntimeError::Invalid(format!(
                "warm sandbox {}: its pause process is gone",
                warm.id
            )));
        }
        self.prepare_pod_dir(cfg, Some(pod_ip))?;
        set_hostname(warm.pause_pid, &cfg.hostname)?;
        rename_cgroups(&warm_cgroup(&warm.id), &pod_cgroup(&cfg.pod_uid))?;
        let status = self.write_record(cfg, warm.pause_pid, warm.pause_start)?;
        let _ = std::fs::remove_file(self.warm_record(&warm.id));
        Ok(status)
    }

    /// Stops a warm sandbox and removes its cgroup and record.
    pub async fn remove_warm_sandbox(&self, id: &str) {
        let path = self.warm_record(id);
        if let Some(w) = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<WarmSandbox>(&b).ok())
        {
            kill_pause_process(w.pause_pid, w.pause_start).await;
        }
        remove_cgroups(&warm_cgroup(id));
        let _ = std::fs::remove_file(&path);
    }

    /// The warm sandboxes on record (after a crash: leftovers to remove).
    pub fn list_warm_sandboxes(&self) -> Vec<String> {
        let Ok(rd) = std::fs::read_dir(self.root.join("warm")) else {
            return Vec::new();
        };
        rd.filter_map(|e| {
            e.ok()?
                .file_name()
                .to_str()?
                .strip_suffix(".json")
                .map(String::from)
        })
        .collect()
    }
}

/// Sets the hostname of the UTS namespace `pid` is in. From a thread of its own that ends
/// after: a thread that joined another namespace must not run anything else.
fn set_hostname(pid: u32, name: &str) -> Result<()> {
    let path = PathBuf::from(format!("/proc/{pid}/ns/uts"));
    let ns = std::fs::File::open(&path).map_err(io("open", &path))?;
    let name = name.to_string();
    std::thread::spawn(move || -> std::io::Result<()> {
        nix::sched::setns(&ns, nix::sched::CloneFlags::CLONE_NEWUTS)?;
        nix::unistd::sethostname(&name)?;
        Ok(())
    })
    .join()
    .map_err(|_| RuntimeError::Invalid("hostname thread panicked".into()))?
    .map_err(io("set the hostname of", &path))
}

/// Renames the cgroup `from` to `to` (same parent) in every hierarchy that has it: its
/// processes move with it, at no cost (cgroupfs allows renames within a parent).
fn rename_cgroups(from: &str, to: &str) -> Result<()> {
    for real in crate::host::cgroup_hierarchies() {
        let (a, b) = (
            real.join(from.trim_start_matches('/')),
            real.join(to.trim_start_matches('/')),
        );
        if a.exists() {
            std::fs::rename(&a, &b).map_err(io("rename", &a))?;
        }
    }
    Ok(())
}
